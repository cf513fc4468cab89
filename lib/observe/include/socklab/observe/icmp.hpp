// socklab/observe/icmp.hpp — ICMP echo messages and the IP header, as bytes.
//
// Lesson 12's ping_host builds an Echo Request (RFC 792: type 8, code 0,
// checksum, identifier, sequence number, data; ICMPv6 RFC 4443: type 128) and
// reads the Echo Reply (type 0 / 129). The checksum (RFC 1071) is encode.hpp's
// packet::internet_checksum(), the one the TCP and IP headers use. Lesson 12's ladder reads the TTL
// of any captured IP packet with decode_ip(). Pure code: every length is checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace socklab::observe::icmp {

/// An Echo Request: ICMPv4 type 8 (with its checksum) or ICMPv6 type 128 (the
/// kernel fills the ICMPv6 checksum in, as it covers the IPv6 addresses).
std::vector<std::byte> echo_request(bool ipv6, std::uint16_t identifier, std::uint16_t sequence,
                                    std::span<const std::byte> data);

/// The fields of an ICMP message that ping needs.
struct Message {
  int type = -1;
  int code = -1;
  std::uint16_t identifier = 0;  ///< echo messages only
  std::uint16_t sequence = 0;    ///< echo messages only
  bool is_echo_reply(bool ipv6) const noexcept { return type == (ipv6 ? 129 : 0) && code == 0; }
};
/// Reads an ICMP message starting at its header; nullopt if shorter than 8 bytes.
std::optional<Message> decode(std::span<const std::byte> icmp) noexcept;

/// The IPv4 or IPv6 header of a packet.
struct IpHeader {
  int version = 0;
  std::size_t header_length = 0;  ///< IPv4 IHL x 4; IPv6 40 (extension headers not followed)
  int protocol = 0;               ///< 1 ICMP, 6 TCP, 17 UDP, 58 ICMPv6
  int ttl = 0;                    ///< IPv4 TTL / IPv6 hop limit
  std::size_t total_length = 0;   ///< the whole packet, from the header's length field
  bool dont_fragment = false;     ///< IPv4 DF bit
  std::string source, destination;
};
/// nullopt if the bytes are not a well-formed IP header.
std::optional<IpHeader> decode_ip(std::span<const std::byte> packet);

}  // namespace socklab::observe::icmp
