// capture_file.cpp — pcap and pcapng read byte by byte, and the link-layer
// headers taken off, with every length checked before it is used.
#include "socklab/observe/capture_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "bytes.hpp"
#include "pcapng_format.hpp"
#include "socklab/error.hpp"
#include "socklab/observe/packet.hpp"
#include "socklab/observe/pcap.hpp"

namespace socklab::observe {
namespace {

class CaptureCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "capture"; }
  std::string message(int code) const override {
    switch (static_cast<capture_errc>(code)) {
      case capture_errc::empty:
        return "empty file";
      case capture_errc::not_a_capture:
        return "not a capture file (neither pcap nor pcapng)";
      case capture_errc::truncated:
        return "truncated: a header or packet ends before its announced length";
      case capture_errc::bad_block:
        return "malformed pcapng block (bad block length)";
      case capture_errc::no_interface:
        return "a pcapng packet names an interface that was never described";
      case capture_errc::bad_record:
        return "a pcap record longer than 262144 bytes (libpcap's maximum): a damaged file";
      case capture_errc::unknown_link_type:
        return "unknown link type (supported: Ethernet, Linux cooked SLL/SLL2, raw IP, "
               "BSD loopback)";
    }
    return "unknown capture error";
  }
};

// A bounds-checked reader over the file's bytes, in the section's byte order.
class Bytes {
 public:
  explicit Bytes(std::span<const std::byte> b) : b_(b) {}
  bool has(std::size_t at, std::size_t n) const { return at <= b_.size() && n <= b_.size() - at; }
  std::uint16_t u16(std::size_t at) const {
    return static_cast<std::uint16_t>(bytes::uint(b_, at, 2, big));
  }
  std::uint32_t u32(std::size_t at) const { return bytes::uint(b_, at, 4, big); }
  std::span<const std::byte> span(std::size_t at, std::size_t n) const { return b_.subspan(at, n); }
  std::size_t size() const { return b_.size(); }
  bool big = false;

 private:
  std::span<const std::byte> b_;
};

using bytes::be16;

// --- classic pcap: the layer's own reader, its errors renamed ------------------------
CaptureFile read_pcap(std::span<const std::byte> bytes, std::error_code& ec) {
  std::error_code pec;
  pcap::File f = pcap::parse(bytes, pec);
  if (pec) {
    ec = pec == packet_errc::bad_pcap_magic    ? capture_errc::not_a_capture
         : pec == packet_errc::bad_pcap_record ? capture_errc::bad_record
                                               : capture_errc::truncated;
    return {};
  }
  CaptureFile out{"pcap", {}};
  for (auto& r : f.records) {
    const std::size_t original = std::max<std::size_t>(r.original_length, r.data.size());
    out.packets.push_back(
        {r.time, static_cast<std::uint16_t>(f.link_type), std::move(r.data), original});
  }
  return out;
}

// --- pcapng ---------------------------------------------------------------------
using namespace pcapng_format;  // the block types, shared with the writer

struct Interface {
  std::uint16_t link_type = 0;
  std::uint32_t snaplen = 0;
  bool power_of_two = false;  // if_tsresol: units of 2^-exponent s, else 10^-exponent s
  unsigned exponent = 6;      // default: microseconds
  std::int64_t offset_seconds = 0;
};

// A file's timestamp in nanoseconds since 1970. Any 64 bits may be in a file (a
// garbage or hostile one), and signed overflow is undefined behaviour (the fuzzer
// found `whole * 10^9` overflowing). So the ticks are scaled in unsigned arithmetic,
// saturating where a product would not fit, and the result is clamped to [0, INT64_MAX] ns
// (1970 to 2262): every time the reader gives is then >= 0, and the difference of
// any two of them (the ladder's t(ms), a connection's duration) cannot overflow.
std::chrono::nanoseconds to_time(std::uint64_t ticks, const Interface& i) {
  constexpr std::uint64_t second = 1'000'000'000;
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  std::uint64_t ns = 0;
  if (i.power_of_two) {
    unsigned e = i.exponent > 63 ? 63 : i.exponent;
    std::uint64_t whole = ticks >> e;
    double fraction = static_cast<double>(ticks & ((std::uint64_t{1} << e) - 1)) /
                      std::ldexp(1.0, static_cast<int>(e));
    ns = whole > (std::numeric_limits<std::uint64_t>::max() - second) / second
             ? std::numeric_limits<std::uint64_t>::max()
             : whole * second + static_cast<std::uint64_t>(fraction * 1e9);
  } else if (i.exponent <= 9) {
    std::uint64_t scale = 1;
    for (unsigned k = i.exponent; k < 9; ++k) scale *= 10;
    ns = ticks > std::numeric_limits<std::uint64_t>::max() / scale
             ? std::numeric_limits<std::uint64_t>::max()
             : ticks * scale;
  } else {
    std::uint64_t divide = 1;
    for (unsigned k = 9; k < i.exponent && k < 28; ++k) divide *= 10;
    ns = ticks / divide;
  }
  const std::int64_t t = ns > static_cast<std::uint64_t>(max) ? max : static_cast<std::int64_t>(ns);
  // if_tsoffset, in seconds, clamped so that it fits in nanoseconds.
  const std::int64_t limit = max / static_cast<std::int64_t>(second);
  const std::int64_t offset =
      std::clamp(i.offset_seconds, -limit, limit) * static_cast<std::int64_t>(second);
  if (offset < 0) return std::chrono::nanoseconds{std::max<std::int64_t>(t + offset, 0)};
  return std::chrono::nanoseconds{t > max - offset ? max : t + offset};
}

// The options of an Interface Description Block: code, length, value padded to 4.
void read_interface_options(const Bytes& b, std::size_t at, std::size_t end, Interface& i) {
  while (b.has(at, 4) && at + 4 <= end) {
    std::uint16_t code = b.u16(at), length = b.u16(at + 2);
    at += 4;
    if (code == 0 || at + length > end) return;  // opt_endofopt, or a lying length
    if (code == 9 && length >= 1) {              // if_tsresol
      auto v = std::to_integer<unsigned>(b.span(at, 1)[0]);
      i.power_of_two = (v & 0x80u) != 0;
      i.exponent = v & 0x7fu;
    } else if (code == 14 && length >= 8) {  // if_tsoffset: seconds added to every timestamp
      std::uint64_t hi = b.u32(at + (b.big ? 0 : 4)), lo = b.u32(at + (b.big ? 4 : 0));
      i.offset_seconds = static_cast<std::int64_t>((hi << 32) | lo);
    }
    at += (length + 3u) & ~3u;
  }
}

CaptureFile read_pcapng(std::span<const std::byte> bytes, std::error_code& ec) {
  Bytes b(bytes);
  CaptureFile out{"pcapng", {}};
  std::vector<Interface> interfaces;
  std::size_t at = 0;
  while (at < b.size()) {
    if (!b.has(at, 12)) {
      ec = capture_errc::truncated;
      return {};
    }
    std::uint32_t type = b.u32(at);
    if (type == block_section) {  // a new section: its byte order, and no interfaces yet
      Bytes probe = b;
      probe.big = false;
      std::uint32_t magic = probe.u32(at + 8);
      if (magic == byte_order_magic) {
        b.big = false;
      } else {
        probe.big = true;
        if (probe.u32(at + 8) != byte_order_magic) {
          ec = capture_errc::not_a_capture;
          return {};
        }
        b.big = true;
      }
      interfaces.clear();
    }
    std::uint32_t length = b.u32(at + 4);
    if (length < 12 || length % 4 != 0) {
      ec = capture_errc::bad_block;
      return {};
    }
    if (!b.has(at, length)) {
      ec = capture_errc::truncated;
      return {};
    }
    if (b.u32(at + length - 4) != length) {  // the length is repeated at the block's end
      ec = capture_errc::bad_block;
      return {};
    }
    const std::size_t body = at + 8, end = at + length - 4;
    auto packet = [&](std::size_t iface, std::uint64_t ticks, std::size_t data_at,
                      std::size_t captured, std::size_t original) -> bool {
      if (iface >= interfaces.size()) {
        ec = capture_errc::no_interface;
        return false;
      }
      if (data_at + captured > end) {
        ec = capture_errc::truncated;
        return false;
      }
      auto data = b.span(data_at, captured);
      out.packets.push_back({to_time(ticks, interfaces[iface]), interfaces[iface].link_type,
                             std::vector<std::byte>(data.begin(), data.end()),
                             std::max(original, captured)});
      return true;
    };
    if (type == block_interface) {
      if (end - body < 8) {
        ec = capture_errc::truncated;
        return {};
      }
      Interface i;
      i.link_type = b.u16(body);
      i.snaplen = b.u32(body + 4);
      read_interface_options(b, body + 8, end, i);
      interfaces.push_back(i);
    } else if (type == block_enhanced_packet || type == block_old_packet) {
      if (end - body < 20) {
        ec = capture_errc::truncated;
        return {};
      }
      std::size_t iface = type == block_enhanced_packet ? b.u32(body) : b.u16(body);
      std::uint64_t ticks = (std::uint64_t{b.u32(body + 4)} << 32) | b.u32(body + 8);
      if (!packet(iface, ticks, body + 20, b.u32(body + 12), b.u32(body + 16))) return {};
    } else if (type == block_simple_packet) {
      if (end - body < 4) {
        ec = capture_errc::truncated;
        return {};
      }
      std::size_t original = b.u32(body);
      std::size_t captured = end - (body + 4);
      if (original < captured) captured = original;  // the rest is padding
      if (!interfaces.empty() && interfaces[0].snaplen != 0 && interfaces[0].snaplen < captured)
        captured = interfaces[0].snaplen;
      if (!packet(0, 0, body + 4, captured, original)) return {};
    }
    at += length;  // name resolution, statistics, custom blocks...: skipped
  }
  return out;
}

}  // namespace

const std::error_category& capture_category() noexcept {
  static const CaptureCategory category;
  return category;
}

std::error_code make_error_code(capture_errc e) noexcept {
  return {static_cast<int>(e), capture_category()};
}

CaptureFile read_capture(std::span<const std::byte> bytes, std::error_code& ec) {
  ec.clear();
  if (bytes.empty()) {
    ec = capture_errc::empty;
    return {};
  }
  if (bytes.size() < 4) {
    ec = capture_errc::not_a_capture;
    return {};
  }
  Bytes b(bytes);
  if (b.u32(0) == block_section) return read_pcapng(bytes, ec);  // the same in both orders
  Bytes swapped(bytes);
  swapped.big = true;
  for (std::uint32_t magic : {pcap::magic_microseconds, pcap::magic_nanoseconds})
    if (b.u32(0) == magic || swapped.u32(0) == magic) return read_pcap(bytes, ec);
  ec = capture_errc::not_a_capture;
  return {};
}

CaptureFile read_capture(std::span<const std::byte> bytes) {
  std::error_code ec;
  CaptureFile f = read_capture(bytes, ec);
  throw_if(ec, "read_capture");
  return f;
}

CaptureFile read_capture_file(const std::string& path, std::error_code& ec) {
  std::vector<std::byte> data = bytes::read_file(path, ec);
  return ec ? CaptureFile{} : read_capture(data, ec);
}

CaptureFile read_capture_file(const std::string& path) {
  std::error_code ec;
  CaptureFile f = read_capture_file(path, ec);
  throw_if(ec, "read_capture_file", path);
  return f;
}

std::optional<std::span<const std::byte>> ip_payload(const CapturedFrame& frame,
                                                     std::error_code& ec) noexcept {
  ec.clear();
  std::span<const std::byte> d(frame.data);
  auto skip = [&](std::size_t n) -> std::optional<std::span<const std::byte>> {
    if (d.size() < n) {
      ec = capture_errc::truncated;
      return std::nullopt;
    }
    return d.subspan(n);
  };
  auto by_ethertype = [&](std::uint16_t type,
                          std::size_t n) -> std::optional<std::span<const std::byte>> {
    if (type != 0x0800 && type != 0x86DD) return std::nullopt;  // ARP, LLDP, ...: not IP
    return skip(n);
  };
  switch (frame.link_type) {
    case link_raw:
    case link_ipv4:
    case link_ipv6:
    case 12:  // DLT_RAW as some BSDs write it
    case 14:
      return d;
    case link_null:
    case link_loop: {  // 4 bytes of address family, in an order that depends on the writer
      auto ip = skip(4);
      if (!ip || ip->empty()) return std::nullopt;
      unsigned version = std::to_integer<unsigned>((*ip)[0]) >> 4;
      return version == 4 || version == 6 ? ip : std::nullopt;
    }
    case link_ethernet: {
      if (d.size() < 14) return skip(14);
      std::uint16_t type = be16(d, 12);
      if (type == 0x8100 || type == 0x88A8) {  // an 802.1Q / 802.1ad tag: 4 more bytes
        if (d.size() < 18) return skip(18);
        return by_ethertype(be16(d, 16), 18);
      }
      return by_ethertype(type, 14);
    }
    case link_linux_sll:
      if (d.size() < 16) return skip(16);
      return by_ethertype(be16(d, 14), 16);
    case link_linux_sll2:
      if (d.size() < 20) return skip(20);
      return by_ethertype(be16(d, 0), 20);
    default:
      ec = capture_errc::unknown_link_type;
      return std::nullopt;
  }
}

packet::Segment decode_frame(const CapturedFrame& frame, std::error_code& ec) {
  auto ip = ip_payload(frame, ec);
  if (!ip) {
    if (!ec) ec = packet_errc::not_tcp;  // ARP, LLDP, ...: no IP packet at all
    return {};
  }
  // The link-layer header was captured whole (ip_payload() checked): the IP packet
  // was the original length less that header.
  const std::size_t link_header = frame.data.size() - ip->size();
  const std::size_t original =
      frame.original_length > frame.data.size() ? frame.original_length - link_header : ip->size();
  packet::Segment s = packet::decode(*ip, original, ec);
  if (ec) return {};
  s.time = frame.time;
  return s;
}

DecodedFrames decode_frames(const CaptureFile& file) {
  DecodedFrames out;
  for (std::size_t i = 0; i < file.packets.size(); ++i) {
    const CapturedFrame& frame = file.packets[i];
    std::error_code ec;
    packet::Segment s = decode_frame(frame, ec);
    if (ec == capture_errc::unknown_link_type)
      throw Error(ec, "decode_frames", link_type_name(frame.link_type));
    if (ec == packet_errc::not_tcp || ec == packet_errc::fragment) {
      ++out.not_tcp;
    } else if (ec) {
      ++out.malformed;
    } else {
      out.cut += s.payload_captured ? 0 : 1;
      out.segments.push_back(s);
      out.frame_of.push_back(i);
    }
  }
  return out;
}

std::string link_type_name(std::uint16_t link_type) {
  switch (link_type) {
    case link_null:
      return "BSD loopback";
    case link_ethernet:
      return "Ethernet";
    case link_raw:
    case link_ipv4:
    case link_ipv6:
      return "raw IP";
    case link_loop:
      return "OpenBSD loopback";
    case link_linux_sll:
      return "Linux cooked (SLL)";
    case link_linux_sll2:
      return "Linux cooked (SLL2)";
    default:
      return fmt::format("link type {}", link_type);
  }
}

}  // namespace socklab::observe
