// socklab/observe/capture_file.hpp — read capture files other tools wrote: pcap and pcapng.
//
// tcpdump -w writes classic pcap; tshark and Wireshark write pcapng by default.
// read_capture() takes either and gives each packet's bytes with its link type;
// ip_payload() then removes the link-layer header, so that packet::decode() can
// read the IP packet inside. Both check every length before reading: a truncated
// or garbage file gives an error, never a read past the buffer.
//
//   auto packets = read_capture_file("curl.pcapng");       // pcap or pcapng
//   for (const auto& p : packets.packets)
//     if (auto s = decode_frame(p, ec); !ec) segments.push_back(s);
//
// Read as libpcap reads them: a pcap snapshot length of 0 means the maximum, and a
// record longer than the snapshot length keeps that many bytes (see pcap.hpp).
//
// Formats: classic pcap (draft-ietf-opsawg-pcap), pcapng (draft-ietf-opsawg-pcapng:
// Section Header, Interface Description, Enhanced/Simple Packet blocks, either
// byte order, if_tsresol). Link types (tcpdump.org/linktypes.html): Ethernet (1,
// with 802.1Q tags), BSD loopback NULL (0) and LOOP (108), raw IP (101, 228, 229),
// Linux cooked SLL (113, `tcpdump -i any` before libpcap 1.10) and SLL2 (276).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "socklab/observe/packet.hpp"

namespace socklab::observe {

/// Why bytes are not a capture file we can read.
enum class capture_errc {
  empty = 1,          ///< the file has no bytes at all
  not_a_capture,      ///< neither a pcap nor a pcapng magic number
  truncated,          ///< a header or a record ends before its announced length
  bad_block,          ///< a pcapng block whose length is wrong (under 12, not a multiple of 4)
  no_interface,       ///< a pcapng packet names an interface that was never described
  unknown_link_type,  ///< a link type this reader cannot take apart
  bad_record,         ///< a pcap record longer than any capture tool writes (a damaged file)
};
const std::error_category& capture_category() noexcept;
std::error_code make_error_code(capture_errc e) noexcept;

inline constexpr std::uint16_t link_null = 0;      ///< BSD loopback: 4-byte address family
inline constexpr std::uint16_t link_ethernet = 1;  ///< Ethernet II
inline constexpr std::uint16_t link_raw = 101;     ///< raw IPv4/IPv6
inline constexpr std::uint16_t link_loop = 108;    ///< OpenBSD loopback (family in network order)
inline constexpr std::uint16_t link_linux_sll = 113;   ///< Linux cooked capture v1
inline constexpr std::uint16_t link_ipv4 = 228;        ///< raw IPv4
inline constexpr std::uint16_t link_ipv6 = 229;        ///< raw IPv6
inline constexpr std::uint16_t link_linux_sll2 = 276;  ///< Linux cooked capture v2

/// One packet as the capture file holds it.
struct CapturedFrame {
  std::chrono::nanoseconds time{0};  ///< since 1970-01-01 UTC, clamped to [0, INT64_MAX] ns
  std::uint16_t link_type = link_raw;
  std::vector<std::byte> data;  ///< the bytes kept, starting with the link-layer header
  /// How long the packet was on the wire: more than data.size() when the capture
  /// kept only its first bytes (the snapshot length, e.g. `tcpdump -s 4096`).
  std::size_t original_length = 0;
};

struct CaptureFile {
  std::string format;  ///< "pcap" or "pcapng"
  std::vector<CapturedFrame> packets;
};

/// Reads a pcap or pcapng file from memory / from disk. Errors: capture_errc,
/// or the system's error for a file that cannot be opened.
CaptureFile read_capture(std::span<const std::byte> bytes);
CaptureFile read_capture(std::span<const std::byte> bytes, std::error_code& ec);
CaptureFile read_capture_file(const std::string& path);
CaptureFile read_capture_file(const std::string& path, std::error_code& ec);

/// The IP packet inside a frame: its link-layer header removed. nullopt with ec
/// clear: the frame carries something else (ARP, ...); nullopt with ec set:
/// capture_errc::unknown_link_type or capture_errc::truncated.
std::optional<std::span<const std::byte>> ip_payload(const CapturedFrame& frame,
                                                     std::error_code& ec) noexcept;

/// The TCP segment a frame carries, as tcpdump and Wireshark read it: ip_payload(),
/// then packet::decode() with the frame's original length, so that a frame cut by
/// the snapshot length still gives its flags, numbers and lengths (its
/// payload_captured is false); time is the frame's. Errors: those of ip_payload()
/// and packet::decode(); a frame that carries no IP packet (ARP, ...): packet_errc::not_tcp.
packet::Segment decode_frame(const CapturedFrame& frame, std::error_code& ec);

/// Every TCP segment of a capture, as tools/ladder and the tests' flight recorder read it.
struct DecodedFrames {
  std::vector<packet::Segment> segments;  ///< in capture order
  std::vector<std::size_t> frame_of;      ///< the index in file.packets of each segment
  std::size_t not_tcp = 0;                ///< UDP, ICMP, ARP, later IP fragments ...: not segments
  std::size_t malformed = 0;              ///< headers cut by the snapshot length, or garbage
  std::size_t cut = 0;  ///< segments whose data the snapshot length cut (headers whole)
};
/// decode_frame() of every frame of `file`. Throws Error(capture_errc::unknown_link_type,
/// "decode_frames", link type name) for a link type the reader cannot take apart.
DecodedFrames decode_frames(const CaptureFile& file);

/// "Ethernet", "Linux cooked (SLL2)", ... or "link type N".
std::string link_type_name(std::uint16_t link_type);

}  // namespace socklab::observe

namespace std {
template <>
struct is_error_code_enum<socklab::observe::capture_errc> : true_type {};
}  // namespace std
