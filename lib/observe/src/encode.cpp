// encode.cpp — IPv4 + TCP headers written byte by byte (RFC 791 section 3.1,
// RFC 9293 section 3.1), checksums by RFC 1071. Portable: no system calls.
#include "socklab/observe/encode.hpp"

#include <array>
#include <charconv>
#include <string>

#include "bytes.hpp"
#include "socklab/error.hpp"

namespace socklab::observe::packet {
namespace {

constexpr std::uint8_t ip_proto_tcp = 6;

void put8(std::vector<std::byte>& out, unsigned v) {
  out.push_back(static_cast<std::byte>(v & 0xffu));
}
void put16(std::vector<std::byte>& out, unsigned v) {  // network byte order: big-endian
  put8(out, v >> 8);
  put8(out, v);
}
void put32(std::vector<std::byte>& out, std::uint32_t v) {
  put16(out, v >> 16);
  put16(out, v & 0xffffu);
}
void set16(std::vector<std::byte>& out, std::size_t at, std::uint16_t v) {
  out[at] = static_cast<std::byte>(v >> 8);
  out[at + 1] = static_cast<std::byte>(v & 0xffu);
}
using bytes::u8;

// "10.13.0.2" -> its four bytes. Address::ip() gives the canonical text.
bool ipv4_bytes(const Address& a, std::array<std::uint8_t, 4>& out) {
  if (a.family() != Family::ipv4) return false;
  std::string text = a.ip();
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (std::size_t i = 0; i < 4; ++i) {
    unsigned v = 0;
    auto [next, err] = std::from_chars(p, end, v);
    if (err != std::errc{} || v > 255) return false;
    out[i] = static_cast<std::uint8_t>(v);
    p = next + (i < 3 ? 1 : 0);  // skip the dot
  }
  return true;
}

// The running ones' complement sum of big-endian 16-bit words (RFC 1071
// section 4.1), kept below 0x20000 by folding the carry at every word: correct for
// any length (a sum that folds only at the end overflows 32 bits past 128 KiB).
std::uint32_t add_words(std::span<const std::byte> data, std::uint32_t sum) {
  sum = (sum & 0xffffu) + (sum >> 16);  // any `initial` the caller gives
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) {
    sum += bytes::be16(data, i);
    sum = (sum & 0xffffu) + (sum >> 16);  // fold the carry now: never overflows
  }
  if (i < data.size()) sum += u8(data, i) << 8;  // odd length: pad with a zero byte
  return sum;
}

}  // namespace

std::uint16_t internet_checksum(std::span<const std::byte> bytes, std::uint32_t initial) {
  std::uint32_t sum = add_words(bytes, initial);
  while (sum >> 16) sum = (sum & 0xffffu) + (sum >> 16);  // end-around carry
  return static_cast<std::uint16_t>(~sum & 0xffffu);
}

std::uint32_t pseudo_header_sum(const Address& source, const Address& destination,
                                std::size_t tcp_length) {
  std::array<std::uint8_t, 4> s{}, d{};
  if (!ipv4_bytes(source, s) || !ipv4_bytes(destination, d)) return 0;
  std::vector<std::byte> pseudo;  // RFC 9293 section 3.1: 12 bytes, never sent
  for (auto b : s) put8(pseudo, b);
  for (auto b : d) put8(pseudo, b);
  put8(pseudo, 0);
  put8(pseudo, ip_proto_tcp);
  put16(pseudo, static_cast<unsigned>(tcp_length));
  return add_words(pseudo, 0);
}

std::vector<std::byte> encode_options(const Options& o) {
  std::vector<std::byte> out;
  if (o.mss) {  // kind 2, length 4
    put8(out, 2);
    put8(out, 4);
    put16(out, *o.mss);
  }
  bool timestamps = o.timestamp.has_value();
  if (timestamps) {  // kind 8, length 10; SACK-permitted takes the place of two NOPs
    if (o.sack_permitted) {
      put8(out, 4);
      put8(out, 2);
    } else {
      put8(out, 1);
      put8(out, 1);
    }
    put8(out, 8);
    put8(out, 10);
    put32(out, *o.timestamp);
    put32(out, o.timestamp_echo.value_or(0));
  } else if (o.sack_permitted) {  // NOP, NOP, kind 4 length 2
    put8(out, 1);
    put8(out, 1);
    put8(out, 4);
    put8(out, 2);
  }
  if (o.window_scale) {  // NOP, kind 3 length 3
    put8(out, 1);
    put8(out, 3);
    put8(out, 3);
    put8(out, *o.window_scale);
  }
  return out;  // each group is 4 bytes: no End-of-List padding needed
}

std::vector<std::byte> encode(const Segment& s, std::span<const std::byte> payload,
                              std::uint16_t ip_id, std::error_code& ec) {
  ec.clear();
  std::array<std::uint8_t, 4> src{}, dst{};
  if (!ipv4_bytes(s.source, src) || !ipv4_bytes(s.destination, dst)) {
    ec = std::make_error_code(std::errc::address_family_not_supported);
    return {};
  }
  std::vector<std::byte> options = encode_options(s.options);
  const std::size_t tcp_length = 20 + options.size() + payload.size();
  const std::size_t total = 20 + tcp_length;
  if (total > 0xffff) {
    ec = std::make_error_code(std::errc::message_size);
    return {};
  }
  std::vector<std::byte> out;
  out.reserve(total);
  // IPv4 header (RFC 791 section 3.1), 20 bytes.
  put8(out, 0x45);                           // version 4, IHL 5 (x 4 bytes = 20)
  put8(out, 0);                              // DSCP 0, ECN 0
  put16(out, static_cast<unsigned>(total));  // total length: header + TCP
  put16(out, ip_id);                         // identification
  put16(out, 0x4000);                        // flags: Don't Fragment; fragment offset 0
  put8(out, s.ttl != 0 ? s.ttl : 64);        // time to live
  put8(out, ip_proto_tcp);                   // protocol 6 = TCP
  put16(out, 0);                             // header checksum: filled in below
  for (auto b : src) put8(out, b);
  for (auto b : dst) put8(out, b);
  set16(out, 10, internet_checksum(std::span(out).first(20)));
  // TCP header (RFC 9293 section 3.1).
  put16(out, s.source.port());
  put16(out, s.destination.port());
  put32(out, s.seq);
  put32(out, s.ack);
  put8(out, static_cast<unsigned>((20 + options.size()) / 4) << 4);  // data offset; reserved 0
  put8(out, s.flags);
  put16(out, s.window);
  put16(out, 0);  // checksum: filled in below
  put16(out, 0);  // urgent pointer
  out.insert(out.end(), options.begin(), options.end());
  out.insert(out.end(), payload.begin(), payload.end());
  std::uint32_t pseudo = pseudo_header_sum(s.source, s.destination, tcp_length);
  set16(out, 20 + 16, internet_checksum(std::span(out).subspan(20), pseudo));
  return out;
}

std::vector<std::byte> encode(const Segment& segment, std::span<const std::byte> payload,
                              std::uint16_t ip_id) {
  std::error_code ec;
  std::vector<std::byte> out = encode(segment, payload, ip_id, ec);
  throw_if(ec, "packet::encode", segment.destination.to_string());
  return out;
}

std::vector<std::byte> encode(const Segment& segment, std::string_view payload,
                              std::uint16_t ip_id) {
  return encode(segment, std::as_bytes(std::span(payload.data(), payload.size())), ip_id);
}

std::span<const std::byte> payload(std::span<const std::byte> packet) {
  std::error_code ec;
  Segment s = decode(packet, ec);
  if (ec || s.payload_length == 0) return {};
  return packet.subspan(s.ip_length - s.payload_length, s.payload_length);
}

bool checksums_ok(std::span<const std::byte> packet) {
  std::error_code ec;
  Segment s = decode(packet, ec);
  if (ec || s.source.family() != Family::ipv4) return false;
  const std::size_t ihl = (u8(packet, 0) & 0x0fu) * 4;
  if (internet_checksum(packet.first(ihl)) != 0) return false;  // the IP header sums to 0
  std::span<const std::byte> tcp = packet.subspan(ihl, s.ip_length - ihl);
  return internet_checksum(tcp, pseudo_header_sum(s.source, s.destination, tcp.size())) == 0;
}

std::size_t tcp_checksum_offset(std::span<const std::byte> packet) {
  return packet.empty() ? 0 : (u8(packet, 0) & 0x0fu) * 4 + 16;
}

}  // namespace socklab::observe::packet
