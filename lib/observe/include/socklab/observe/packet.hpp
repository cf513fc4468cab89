// socklab/observe/packet.hpp — read an IPv4 or IPv6 packet carrying a TCP segment.
//
// Lesson 03 captures the segments of one connection and has to read their
// headers. decode() does that from raw bytes, and checks every length before it
// reads: truncated or garbage input gives an error, never a read past the
// buffer. The header layouts are those of RFC 791 (IPv4), RFC 8200 (IPv6) and
// RFC 9293 section 3.1 (TCP).
//
//   packet::Segment s = packet::decode(bytes);         // throws socklab::Error
//   if (s.has(packet::syn) && !s.has(packet::ack)) ... // the first segment of a handshake
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <system_error>

#include "socklab/address.hpp"

namespace socklab::observe {

/// Why bytes are not a well-formed IP packet with a TCP segment.
enum class packet_errc {
  truncated = 1,      ///< the bytes end before a header (or the length it announces) does
  bad_version,        ///< the IP version is neither 4 nor 6
  bad_header_length,  ///< IPv4 IHL below 5 (20 bytes)
  bad_total_length,   ///< the IP length field is smaller than the headers it must hold
  fragment,           ///< an IP fragment: the TCP header may not be in it
  not_tcp,            ///< the packet carries another protocol (UDP, ICMP, ...)
  bad_data_offset,    ///< TCP data offset below 5 (20 bytes) or past the segment's end
  bad_option,         ///< a TCP option whose length is wrong or runs past the header
  bad_pcap_magic,     ///< not a pcap file (unknown magic number)
  bad_pcap_record,    ///< a pcap record longer than pcap::max_snaplen (a damaged file)
};

const std::error_category& packet_category() noexcept;
std::error_code make_error_code(packet_errc e) noexcept;

namespace packet {

/// The TCP flag bits (RFC 9293 section 3.1; ECE and CWR from RFC 3168).
enum Flag : std::uint8_t {
  fin = 0x01,  ///< no more data from the sender; takes one sequence number
  syn = 0x02,  ///< synchronise sequence numbers; takes one sequence number
  rst = 0x04,  ///< reset: abort the connection
  psh = 0x08,  ///< push: deliver to the application now
  ack = 0x10,  ///< the acknowledgment number is valid
  urg = 0x20,  ///< the urgent pointer is valid
  ece = 0x40,  ///< ECN echo
  cwr = 0x80,  ///< congestion window reduced
};

/// "SYN,ACK", "FIN,ACK", "PSH,ACK", "RST", or "none".
std::string flags_text(std::uint8_t flags);

/// The TCP options lesson 03 shows (others are skipped over).
struct Options {
  std::optional<std::uint16_t> mss;             ///< kind 2: maximum segment size
  std::optional<std::uint8_t> window_scale;     ///< kind 3: window scale shift
  bool sack_permitted = false;                  ///< kind 4
  std::optional<std::uint32_t> timestamp;       ///< kind 8: TSval
  std::optional<std::uint32_t> timestamp_echo;  ///< kind 8: TSecr
};

/// One TCP segment and the addresses of the IP packet that carried it.
struct Segment {
  std::chrono::nanoseconds time{0};  ///< when it was captured (set by the caller, not decode())
  Address source;                    ///< source IP and port
  Address destination;               ///< destination IP and port
  std::uint32_t seq = 0;             ///< sequence number
  std::uint32_t ack = 0;             ///< acknowledgment number (meaningful with the ACK flag)
  std::uint8_t flags = 0;            ///< Flag bits
  std::uint16_t window = 0;          ///< receive window (unscaled, as on the wire)
  Options options;
  std::size_t payload_length = 0;  ///< bytes of data after the TCP header (from the IP length)
  /// false: the capture kept only the packet's first bytes (its snapshot length), and
  /// the data, payload_length bytes of it, were not all captured; the headers were.
  bool payload_captured = true;
  std::size_t ip_length = 0;  ///< bytes of the whole IP packet
  std::uint8_t ttl = 0;       ///< IPv4 Time to Live / IPv6 Hop Limit: each router takes one off

  bool has(Flag f) const noexcept { return (flags & f) != 0; }
  /// Sequence numbers this segment takes: its data, plus one each for SYN and FIN.
  std::uint32_t sequence_length() const noexcept {
    return static_cast<std::uint32_t>(payload_length) + (has(syn) ? 1u : 0u) + (has(fin) ? 1u : 0u);
  }
};

/// Decodes an IP packet (IPv4 or IPv6, told apart by the version nibble)
/// holding one TCP segment. Bytes after the IP length (link padding) are ignored.
Segment decode(std::span<const std::byte> bytes);
Segment decode(std::span<const std::byte> bytes, std::error_code& ec);
/// The same for the first bytes of a packet that was `original_length` bytes long
/// (a capture record cut by its snapshot length, as `tcpdump -s 4096` writes): the
/// IP and TCP headers must be in `bytes`; the lengths come from the IP header, which
/// may point past `bytes` but not past original_length; payload_captured tells
/// whether all the data are in `bytes`. original_length <= bytes.size(): as above.
Segment decode(std::span<const std::byte> bytes, std::size_t original_length, std::error_code& ec);

}  // namespace packet
}  // namespace socklab::observe

namespace std {
template <>
struct is_error_code_enum<socklab::observe::packet_errc> : true_type {};
}  // namespace std
