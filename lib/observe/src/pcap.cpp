// pcap.cpp — the classic pcap file format, written and read byte by byte so the
// result is the same on every platform and byte order.
#include "socklab/observe/pcap.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>

#include "bytes.hpp"
#include "pcapng_format.hpp"
#include "socklab/error.hpp"
#include "socklab/observe/packet.hpp"

namespace socklab::observe::pcap {
namespace {
struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

std::error_code errno_code() {
  return {errno, std::generic_category()};
}
}  // namespace

// Shared with pcapng below (this file only).
static void put32(std::vector<std::byte>& out, std::uint32_t v) {  // little-endian
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xffu));
}
static void put16(std::vector<std::byte>& out, std::uint16_t v) {
  out.push_back(static_cast<std::byte>(v & 0xffu));
  out.push_back(static_cast<std::byte>(v >> 8));
}

static void write_bytes(const std::string& path, const std::vector<std::byte>& bytes,
                        std::error_code& ec) {
  FilePtr f(std::fopen(path.c_str(), "wb"));
  if (!f) {
    ec = errno_code();
    return;
  }
  if (std::fwrite(bytes.data(), 1, bytes.size(), f.get()) != bytes.size()) {
    ec = errno_code();
    return;
  }
  if (std::fclose(f.release()) != 0) ec = errno_code();
}

namespace {
std::uint32_t get32(std::span<const std::byte> b, std::size_t at, bool big_endian) {
  return bytes::uint(b, at, 4, big_endian);
}
}  // namespace

std::vector<std::byte> serialize(const File& file) {
  std::vector<std::byte> out;
  put32(out, file.nanosecond ? magic_nanoseconds : magic_microseconds);
  put16(out, 2);  // version 2.4
  put16(out, 4);
  put32(out, 0);  // reserved (was: time zone)
  put32(out, 0);  // reserved (was: timestamp accuracy)
  put32(out, file.snaplen);
  put32(out, file.link_type);
  for (const Record& r : file.records) {
    auto ns = r.time.count();
    auto seconds = ns / 1'000'000'000;
    auto fraction = ns % 1'000'000'000;
    if (!file.nanosecond) fraction /= 1000;
    put32(out, static_cast<std::uint32_t>(seconds));
    put32(out, static_cast<std::uint32_t>(fraction));
    put32(out, static_cast<std::uint32_t>(r.data.size()));
    put32(out,
          r.original_length != 0 ? r.original_length : static_cast<std::uint32_t>(r.data.size()));
    out.insert(out.end(), r.data.begin(), r.data.end());
  }
  return out;
}

File parse(std::span<const std::byte> bytes, std::error_code& ec) {
  ec.clear();
  File file;
  if (bytes.size() < 24) {
    ec = packet_errc::truncated;
    return {};
  }
  // The magic, read little-endian, tells the byte order and the time unit.
  std::uint32_t magic = get32(bytes, 0, false);
  bool big = false;
  if (magic == magic_microseconds || magic == magic_nanoseconds) {
    big = false;
  } else {
    magic = get32(bytes, 0, true);
    big = true;
    if (magic != magic_microseconds && magic != magic_nanoseconds) {
      ec = packet_errc::bad_pcap_magic;
      return {};
    }
  }
  file.nanosecond = magic == magic_nanoseconds;
  file.snaplen = get32(bytes, 16, big);
  file.link_type = get32(bytes, 20, big) & 0x0fffffffu;  // top bits: FCS info
  // As libpcap reads a file (sf-pcap.c, pcap_adjust_snapshot): a snapshot length of
  // 0 (some capture tools write it) or above the maximum means the maximum.
  const std::uint32_t limit =
      file.snaplen == 0 || file.snaplen > max_snaplen ? max_snaplen : file.snaplen;
  std::size_t at = 24;
  while (at < bytes.size()) {
    if (bytes.size() - at < 16) {
      ec = packet_errc::truncated;
      return {};
    }
    std::uint32_t seconds = get32(bytes, at, big);
    std::uint32_t fraction = get32(bytes, at + 4, big);
    std::uint32_t kept = get32(bytes, at + 8, big);
    std::uint32_t original = get32(bytes, at + 12, big);
    at += 16;
    if (kept > max_snaplen) {  // libpcap: "invalid packet capture length": damaged or fuzzed
      ec = packet_errc::bad_pcap_record;
      return {};
    }
    if (kept > bytes.size() - at) {
      ec = packet_errc::truncated;
      return {};
    }
    Record r;
    r.time = std::chrono::seconds(seconds) +
             (file.nanosecond ? std::chrono::nanoseconds(fraction)
                              : std::chrono::nanoseconds(std::chrono::microseconds(fraction)));
    auto first = bytes.begin() + static_cast<std::ptrdiff_t>(at);
    // A record longer than the file's snapshot length: libpcap keeps the first
    // snapshot-length bytes and skips the rest, and so do we.
    r.data.assign(first, first + std::min(kept, limit));
    r.original_length = original;
    file.records.push_back(std::move(r));
    at += kept;
  }
  return file;
}

File parse(std::span<const std::byte> bytes) {
  std::error_code ec;
  File f = parse(bytes, ec);
  throw_if(ec, "pcap::parse");
  return f;
}

void write_file(const std::string& path, const File& file, std::error_code& ec) {
  ec.clear();
  write_bytes(path, serialize(file), ec);
}

void write_file(const std::string& path, const File& file) {
  std::error_code ec;
  write_file(path, file, ec);
  throw_if(ec, "pcap::write_file", path);
}

File read_file(const std::string& path, std::error_code& ec) {
  std::vector<std::byte> data = bytes::read_file(path, ec);
  return ec ? File{} : parse(data, ec);
}

File read_file(const std::string& path) {
  std::error_code ec;
  File f = read_file(path, ec);
  throw_if(ec, "pcap::read_file", path);
  return f;
}

// --- pcapng ---------------------------------------------------------------------------
namespace {

using namespace pcapng_format;  // the block types, shared with the reader

void pad4(std::vector<std::byte>& out) {
  while (out.size() % 4 != 0) out.push_back(std::byte{0});
}

// An option: code, length, value padded to 32 bits.
void put_option(std::vector<std::byte>& out, std::uint16_t code, std::span<const std::byte> value) {
  put16(out, code);
  put16(out, static_cast<std::uint16_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
  pad4(out);
}

// Every block: type, total length, body, the total length again.
void put_block(std::vector<std::byte>& out, std::uint32_t type,
               const std::vector<std::byte>& body) {
  put32(out, type);
  put32(out, static_cast<std::uint32_t>(12 + body.size()));
  out.insert(out.end(), body.begin(), body.end());
  put32(out, static_cast<std::uint32_t>(12 + body.size()));
}

}  // namespace

std::vector<std::byte> serialize_pcapng(const File& file, const std::string& application) {
  std::vector<std::byte> out;
  std::vector<std::byte> body;
  // Section Header Block: byte-order magic, version 1.0, section length unknown (-1).
  put32(body, byte_order_magic);
  put16(body, 1);
  put16(body, 0);
  put32(body, 0xffffffffu);
  put32(body, 0xffffffffu);
  if (!application.empty()) {
    const std::string text = application.substr(0, 0xfff0);
    put_option(body, shb_userappl, std::as_bytes(std::span(text.data(), text.size())));
    put_option(body, opt_endofopt, {});
  }
  put_block(out, block_section, body);
  // Interface Description Block: interface 0, timestamps in 10^-9 s.
  body.clear();
  put16(body, static_cast<std::uint16_t>(file.link_type));
  put16(body, 0);  // reserved
  put32(body, file.snaplen);
  const std::byte nanoseconds[1] = {std::byte{9}};
  put_option(body, if_tsresol, nanoseconds);
  put_option(body, opt_endofopt, {});
  put_block(out, block_interface, body);
  // One Enhanced Packet Block per record: the 64-bit timestamp in two halves.
  for (const Record& r : file.records) {
    body.clear();
    const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(r.time.count(), 0));
    put32(body, 0);  // interface 0
    put32(body, static_cast<std::uint32_t>(ns >> 32));
    put32(body, static_cast<std::uint32_t>(ns & 0xffffffffu));
    put32(body, static_cast<std::uint32_t>(r.data.size()));
    put32(body,
          r.original_length != 0 ? r.original_length : static_cast<std::uint32_t>(r.data.size()));
    body.insert(body.end(), r.data.begin(), r.data.end());
    pad4(body);
    put_block(out, block_enhanced_packet, body);
  }
  return out;
}

void write_pcapng_file(const std::string& path, const File& file, const std::string& application,
                       std::error_code& ec) {
  ec.clear();
  write_bytes(path, serialize_pcapng(file, application), ec);
}

void write_pcapng_file(const std::string& path, const File& file, const std::string& application) {
  std::error_code ec;
  write_pcapng_file(path, file, application, ec);
  throw_if(ec, "pcap::write_pcapng_file", path);
}

}  // namespace socklab::observe::pcap
