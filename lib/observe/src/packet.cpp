// packet.cpp — a bounds-checked decoder of IPv4/IPv6 + TCP headers.
//
// Every read goes through Reader, which knows where the buffer ends; a header
// that announces more bytes than there are is an error, never a read past the end.
#include "socklab/observe/packet.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "bytes.hpp"
#include "socklab/error.hpp"

namespace socklab::observe {
namespace {

class PacketCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "packet"; }
  std::string message(int code) const override {
    switch (static_cast<packet_errc>(code)) {
      case packet_errc::truncated:
        return "Packet truncated (a header or length runs past the end of the bytes)";
      case packet_errc::bad_version:
        return "Not an IP packet (version is neither 4 nor 6)";
      case packet_errc::bad_header_length:
        return "Bad IPv4 header length (below 20 bytes)";
      case packet_errc::bad_total_length:
        return "Bad IP length field (smaller than the headers)";
      case packet_errc::fragment:
        return "IP fragment (cannot decode TCP from it)";
      case packet_errc::not_tcp:
        return "Not a TCP segment";
      case packet_errc::bad_data_offset:
        return "Bad TCP data offset (below 20 bytes or past the end of the segment)";
      case packet_errc::bad_option:
        return "Malformed TCP option";
      case packet_errc::bad_pcap_magic:
        return "Not a pcap file (unknown magic number)";
      case packet_errc::bad_pcap_record:
        return "Malformed pcap record (longer than 262144 bytes, libpcap's maximum)";
    }
    return "Unknown packet error";
  }
};

// A view of bytes that refuses to read outside them.
class Reader {
 public:
  explicit Reader(std::span<const std::byte> bytes) noexcept : bytes_(bytes) {}
  std::size_t size() const noexcept { return bytes_.size(); }
  bool has(std::size_t offset, std::size_t count) const noexcept {
    return offset <= bytes_.size() && count <= bytes_.size() - offset;
  }
  // Callers check has() first; these are only reached inside the buffer.
  std::uint8_t u8(std::size_t at) const noexcept {
    return static_cast<std::uint8_t>(bytes::u8(bytes_, at));
  }
  std::uint16_t u16(std::size_t at) const noexcept { return bytes::be16(bytes_, at); }
  std::uint32_t u32(std::size_t at) const noexcept { return bytes::be32(bytes_, at); }
  Reader sub(std::size_t offset, std::size_t count) const noexcept {
    return Reader(bytes_.subspan(offset, count));
  }

 private:
  std::span<const std::byte> bytes_;
};

constexpr std::uint8_t ip_proto_tcp = 6;

// Text forms that Address::from_ip() reads back; it does the canonical formatting.
std::string ipv4_text(const Reader& r, std::size_t at) {
  return fmt::format("{}.{}.{}.{}", r.u8(at), r.u8(at + 1), r.u8(at + 2), r.u8(at + 3));
}
std::string ipv6_text(const Reader& r, std::size_t at) {
  return fmt::format("{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}", r.u16(at), r.u16(at + 2),
                     r.u16(at + 4), r.u16(at + 6), r.u16(at + 8), r.u16(at + 10), r.u16(at + 12),
                     r.u16(at + 14));
}

// RFC 9293 section 3.2: options fill the header between byte 20 and the data offset.
bool decode_options(const Reader& r, std::size_t end, packet::Options& out) {
  std::size_t i = 20;
  while (i < end) {
    std::uint8_t kind = r.u8(i);
    if (kind == 0) break;  // End of Option List
    if (kind == 1) {       // No-Operation (padding)
      ++i;
      continue;
    }
    if (i + 1 >= end) return false;  // no room for the length byte
    std::uint8_t len = r.u8(i + 1);
    if (len < 2 || len > end - i) return false;
    switch (kind) {
      case 2:
        if (len != 4) return false;
        out.mss = r.u16(i + 2);
        break;
      case 3:
        if (len != 3) return false;
        out.window_scale = r.u8(i + 2);
        break;
      case 4:
        if (len != 2) return false;
        out.sack_permitted = true;
        break;
      case 8:
        if (len != 10) return false;
        out.timestamp = r.u32(i + 2);
        out.timestamp_echo = r.u32(i + 6);
        break;
      default:
        break;  // SACK blocks and others: skipped by their length
    }
    i += len;
  }
  return true;
}

// `tcp` holds the bytes captured of a TCP segment `length` bytes long (the IP
// header's figure): all of them, or (a record cut by the snapshot length) the first.
packet::Segment decode_tcp(const Reader& tcp, std::size_t length, std::error_code& ec) {
  packet::Segment s;
  if (!tcp.has(0, 20)) {
    ec = packet_errc::truncated;
    return s;
  }
  std::size_t data_offset = static_cast<std::size_t>(tcp.u8(12) >> 4) * 4;
  if (data_offset < 20 || data_offset > length) {
    ec = packet_errc::bad_data_offset;
    return s;
  }
  if (data_offset > tcp.size()) {  // the options were cut off by the capture
    ec = packet_errc::truncated;
    return s;
  }
  s.seq = tcp.u32(4);
  s.ack = tcp.u32(8);
  s.flags = tcp.u8(13);
  s.window = tcp.u16(14);
  if (!decode_options(tcp, data_offset, s.options)) {
    ec = packet_errc::bad_option;
    return s;
  }
  s.payload_length = length - data_offset;
  s.payload_captured = tcp.size() >= length;
  return s;
}

// `original`: how long the packet was on the wire (>= r.size()); past r.size() its
// bytes were not captured, and the length fields may point there, but no further.
packet::Segment decode_ipv4(const Reader& r, std::size_t original, std::error_code& ec) {
  if (!r.has(0, 20)) {
    ec = packet_errc::truncated;
    return {};
  }
  std::size_t header_length = static_cast<std::size_t>(r.u8(0) & 0x0fu) * 4;
  std::size_t total_length = r.u16(2);
  if (header_length < 20) {
    ec = packet_errc::bad_header_length;
    return {};
  }
  if (total_length < header_length) {
    ec = packet_errc::bad_total_length;
    return {};
  }
  if (total_length > original) {  // the length field points past the packet's end
    ec = packet_errc::truncated;
    return {};
  }
  if ((r.u16(6) & 0x3fffu) != 0) {  // More Fragments set, or a fragment offset
    ec = packet_errc::fragment;
    return {};
  }
  if (r.u8(9) != ip_proto_tcp) {
    ec = packet_errc::not_tcp;
    return {};
  }
  if (header_length > r.size()) {  // IP options cut off by the capture
    ec = packet_errc::truncated;
    return {};
  }
  const std::size_t captured = std::min(total_length, r.size());
  Reader tcp = r.sub(header_length, captured - header_length);
  packet::Segment s = decode_tcp(tcp, total_length - header_length, ec);
  if (ec) return {};
  s.source = Address::from_ip(ipv4_text(r, 12), tcp.u16(0), ec);
  if (!ec) s.destination = Address::from_ip(ipv4_text(r, 16), tcp.u16(2), ec);
  s.ip_length = total_length;
  s.ttl = r.u8(8);  // RFC 791: Time to Live, byte 8 of the IPv4 header
  return ec ? packet::Segment{} : s;
}

packet::Segment decode_ipv6(const Reader& r, std::size_t original, std::error_code& ec) {
  if (!r.has(0, 40)) {
    ec = packet_errc::truncated;
    return {};
  }
  std::size_t payload_length = r.u16(4);
  if (payload_length == 0) {  // a jumbogram (RFC 2675) or garbage: not for us
    ec = packet_errc::bad_total_length;
    return {};
  }
  if (40 + payload_length > original) {  // past the packet's end
    ec = packet_errc::truncated;
    return {};
  }
  // Walk the extension headers (RFC 8200 section 4) that may precede TCP.
  std::uint8_t next = r.u8(6);
  std::size_t offset = 40;
  const std::size_t end = 40 + payload_length;
  const std::size_t captured = std::min(end, r.size());  // extension headers: all captured
  for (int hops = 0; next != ip_proto_tcp; ++hops) {
    if (hops == 8) {
      ec = packet_errc::not_tcp;
      return {};
    }
    if (next == 44) {
      ec = packet_errc::fragment;
      return {};
    }
    if (next != 0 && next != 43 && next != 60) {  // hop-by-hop, routing, destination options
      ec = packet_errc::not_tcp;
      return {};
    }
    if (captured - offset < 8) {
      ec = packet_errc::truncated;
      return {};
    }
    std::size_t length = (std::size_t{r.u8(offset + 1)} + 1) * 8;
    if (length > captured - offset) {
      ec = packet_errc::truncated;
      return {};
    }
    next = r.u8(offset);
    offset += length;
  }
  Reader tcp = r.sub(offset, captured - offset);
  packet::Segment s = decode_tcp(tcp, end - offset, ec);
  if (ec) return {};
  s.source = Address::from_ip(ipv6_text(r, 8), tcp.u16(0), ec);
  if (!ec) s.destination = Address::from_ip(ipv6_text(r, 24), tcp.u16(2), ec);
  s.ip_length = end;
  s.ttl = r.u8(7);  // RFC 8200: Hop Limit, byte 7 of the IPv6 header
  return ec ? packet::Segment{} : s;
}

}  // namespace

const std::error_category& packet_category() noexcept {
  static const PacketCategory instance;
  return instance;
}

std::error_code make_error_code(packet_errc e) noexcept {
  return {static_cast<int>(e), packet_category()};
}

namespace packet {

std::string flags_text(std::uint8_t flags) {
  // The order people read them in: SYN,ACK and FIN,ACK rather than ACK,SYN.
  static constexpr std::array<std::pair<Flag, const char*>, 8> names{{{syn, "SYN"},
                                                                      {fin, "FIN"},
                                                                      {rst, "RST"},
                                                                      {psh, "PSH"},
                                                                      {ack, "ACK"},
                                                                      {urg, "URG"},
                                                                      {ece, "ECE"},
                                                                      {cwr, "CWR"}}};
  std::string text;
  for (const auto& [bit, name] : names) {
    if ((flags & bit) == 0) continue;
    if (!text.empty()) text += ',';
    text += name;
  }
  return text.empty() ? "none" : text;
}

Segment decode(std::span<const std::byte> bytes, std::error_code& ec) {
  return decode(bytes, bytes.size(), ec);
}

Segment decode(std::span<const std::byte> bytes, std::size_t original_length, std::error_code& ec) {
  ec.clear();
  Reader r(bytes);
  if (!r.has(0, 1)) {
    ec = packet_errc::truncated;
    return {};
  }
  const std::size_t original = std::max(original_length, bytes.size());
  switch (r.u8(0) >> 4) {
    case 4:
      return decode_ipv4(r, original, ec);
    case 6:
      return decode_ipv6(r, original, ec);
    default:
      ec = packet_errc::bad_version;
      return {};
  }
}

Segment decode(std::span<const std::byte> bytes) {
  std::error_code ec;
  Segment s = decode(bytes, ec);
  throw_if(ec, "decode", fmt::format("{} bytes", bytes.size()));
  return s;
}

}  // namespace packet
}  // namespace socklab::observe
