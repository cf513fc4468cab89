// socklab/observe/pcap.hpp — write and read classic pcap files (what tcpdump -w writes).
//
// Lesson 03 saves the segments it captured so that Wireshark, tshark or tcpdump
// can open them. The format (a 24-byte file header, then a 16-byte header before
// each packet) is described in draft-ietf-opsawg-pcap; we write the
// nanosecond-resolution variant (magic 0xa1b23c4d) in little-endian byte order,
// with link type 101 (LINKTYPE_RAW: each packet starts with its IP header).
//
//   pcap::File file;                      // link_type = raw IP
//   file.records.push_back({time, bytes});
//   pcap::write_file("handshake.pcap", file);
//   pcap::File back = pcap::read_file("handshake.pcap");
//   pcap::write_pcapng_file("handshake.pcapng", file);   // the same records as pcapng
//
// pcapng (draft-ietf-opsawg-pcapng, what Wireshark and tshark write by default)
// is written too, for the tests' flight recorder: one Section Header Block, one
// Interface Description Block (the file's link type and snapshot length,
// if_tsresol = 9: nanoseconds) and one Enhanced Packet Block per record, all
// little-endian. capture_file.hpp's read_capture() reads it back.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace socklab::observe::pcap {

inline constexpr std::uint32_t magic_microseconds = 0xa1b2c3d4;
inline constexpr std::uint32_t magic_nanoseconds = 0xa1b23c4d;
inline constexpr std::uint32_t linktype_ethernet = 1;
inline constexpr std::uint32_t linktype_raw = 101;  ///< raw IPv4/IPv6, no link header
/// The longest record libpcap reads (its MAXIMUM_SNAPLEN); a file's snapshot
/// length of 0 means this, as it does for libpcap.
inline constexpr std::uint32_t max_snaplen = 262144;

/// One captured packet.
struct Record {
  std::chrono::nanoseconds time{0};   ///< since 1970-01-01 UTC
  std::vector<std::byte> data;        ///< the bytes kept (at most the snapshot length)
  std::uint32_t original_length = 0;  ///< length on the wire; 0 when writing = data.size()
};

struct File {
  std::uint32_t link_type = linktype_raw;
  std::uint32_t snaplen = max_snaplen;  ///< the longest record the file promises (0: max_snaplen)
  bool nanosecond = true;               ///< timestamps in ns (else µs); read from the magic
  std::vector<Record> records;
};

/// The bytes of a pcap file.
std::vector<std::byte> serialize(const File& file);
/// Reads pcap bytes (either byte order, µs or ns magic) as libpcap does: a snapshot
/// length of 0 is max_snaplen, and a record longer than the snapshot length keeps
/// that many bytes (original_length still says how long the packet was). Errors:
/// packet_errc::bad_pcap_magic, truncated (a header or record past the end),
/// bad_pcap_record (a record longer than max_snaplen: a damaged file).
File parse(std::span<const std::byte> bytes);
File parse(std::span<const std::byte> bytes, std::error_code& ec);

void write_file(const std::string& path, const File& file);
void write_file(const std::string& path, const File& file, std::error_code& ec);
File read_file(const std::string& path);
File read_file(const std::string& path, std::error_code& ec);

/// The bytes of a pcapng file with `file`'s link type, snapshot length and records
/// (timestamps in nanoseconds whatever file.nanosecond says); `application`, if
/// not empty, goes into the section header's shb_userappl option.
std::vector<std::byte> serialize_pcapng(const File& file, const std::string& application = {});

void write_pcapng_file(const std::string& path, const File& file,
                       const std::string& application = {});
void write_pcapng_file(const std::string& path, const File& file, const std::string& application,
                       std::error_code& ec);

}  // namespace socklab::observe::pcap
