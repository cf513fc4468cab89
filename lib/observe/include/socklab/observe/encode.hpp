// socklab/observe/encode.hpp — write an IPv4 packet carrying a TCP segment, byte by byte.
//
// The other half of packet.hpp: decode() reads headers, encode() writes them.
// Lesson 13 uses it to be a TCP peer of the kernel over a TUN device: the
// student fills in a packet::Segment (addresses, seq, ack, flags, window,
// options) and encode() lays out the 20-byte IPv4 header (RFC 791 section 3.1),
// the TCP header with its options (RFC 9293 section 3.1), and both checksums:
// the Internet checksum of RFC 1071 over the IPv4 header, and over the TCP
// pseudo-header + TCP header + data for TCP.
//
//   packet::Segment s;
//   s.source = Address::parse("10.13.0.2:40000");
//   s.destination = Address::parse("10.13.0.1:7");
//   s.seq = isn;  s.flags = packet::syn;  s.window = 65535;  s.options.mss = 1460;
//   std::vector<std::byte> bytes = packet::encode(s, {});   // 44 bytes: IP 20 + TCP 24
//   assert(packet::checksums_ok(bytes));
//
// What encode() chooses for you (and the lesson's page shows): IPv4 version 4,
// IHL 5 (no IP options), DSCP/ECN 0, identification `ip_id`, the Don't Fragment
// bit set, fragment offset 0, TTL from Segment::ttl (64 when 0), protocol 6. TCP
// options are written in the order Linux uses: MSS, SACK-permitted, timestamps,
// window scale, with NOP padding so each starts where Linux puts it and the
// header is a multiple of 4 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

#include "socklab/observe/packet.hpp"

namespace socklab::observe::packet {

/// RFC 1071: the 16-bit one's complement of the one's complement sum of the
/// bytes taken as big-endian 16-bit words (an odd last byte is padded with a
/// zero). `initial` is a partial sum to continue from (the pseudo-header's).
/// A buffer that holds its own correct checksum sums to 0 here.
std::uint16_t internet_checksum(std::span<const std::byte> bytes, std::uint32_t initial = 0);

/// The one's complement sum (not yet complemented) of RFC 9293's pseudo-header
/// for IPv4: source address, destination address, zero, protocol 6, TCP length.
std::uint32_t pseudo_header_sum(const Address& source, const Address& destination,
                                std::size_t tcp_length);

/// The options' bytes as encode() writes them (a multiple of 4, at most 40).
std::vector<std::byte> encode_options(const Options& options);

/// The IPv4 packet: IP header, TCP header with options, `payload`. Only IPv4
/// addresses (both of the same family); errors: std::errc::address_family_not_supported,
/// std::errc::message_size (more than 65535 bytes in all).
std::vector<std::byte> encode(const Segment& segment, std::span<const std::byte> payload,
                              std::uint16_t ip_id = 0);
std::vector<std::byte> encode(const Segment& segment, std::span<const std::byte> payload,
                              std::uint16_t ip_id, std::error_code& ec);
std::vector<std::byte> encode(const Segment& segment, std::string_view payload,
                              std::uint16_t ip_id = 0);

/// The data bytes of an IPv4/IPv6 packet that decode() accepts (empty otherwise).
std::span<const std::byte> payload(std::span<const std::byte> packet);

/// True when the IPv4 header checksum and the TCP checksum (pseudo-header
/// included) of an IPv4 packet both verify — what the kernel checks first.
bool checksums_ok(std::span<const std::byte> packet);

/// Where the TCP checksum field of an IPv4 packet is (IHL*4 + 16), to spoil it on purpose.
std::size_t tcp_checksum_offset(std::span<const std::byte> packet);

}  // namespace socklab::observe::packet
