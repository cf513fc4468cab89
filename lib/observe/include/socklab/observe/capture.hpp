// socklab/observe/capture.hpp — capture the TCP segments of one port on loopback.
//
// What tcpdump does, inside the program: a packet socket (AF_PACKET) bound to
// the loopback interface, a BPF filter that keeps TCP segments to or from one
// port, and a kernel timestamp on each packet (SO_TIMESTAMPNS). On loopback a
// segment passes the interface twice (sent, then received); the capture keeps
// only the received copy (PACKET_IGNORE_OUTGOING, and PACKET_OUTGOING copies
// are dropped too).
//
// The kernel queues the packets in the capture socket until they are read, so a
// program can run its steps first and read the packets afterwards.
//
// Timestamps: the kernel switches arrival timestamps on a moment after
// SO_TIMESTAMPNS is set (deferred work, shared by the whole system), so
// loopback() first waits, bounded, until a probe datagram comes back stamped on
// arrival. Should timestamping still lag, a packet carries the time it was read
// instead; reading at each step (as Recorder does) keeps the order right.
//
// Needs CAP_NET_RAW (root, or `setcap cap_net_raw+ep PROGRAM`): without it
// open fails with std::errc::operation_not_permitted. Linux only; elsewhere
// open fails with std::errc::operation_not_supported.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "socklab/unique_fd.hpp"

namespace socklab::observe {

/// One packet as captured: an IP packet (IPv4 or IPv6, no link header).
struct CapturedPacket {
  std::chrono::nanoseconds time{0};  ///< kernel timestamp, since 1970-01-01 UTC
  std::vector<std::byte> bytes;
};

/// Which transport a capture keeps (lesson 12 captures UDP probes).
enum class Transport { tcp, udp };

class Capture {
 public:
  /// Captures TCP segments to or from `port` (IPv4 and IPv6) on the loopback interface;
  /// port 0: every TCP segment (the tests' flight recorder records a whole test).
  static Capture loopback(std::uint16_t port);
  static Capture loopback(std::uint16_t port, std::error_code& ec) noexcept;
  /// The same on any interface of the current network namespace, e.g. "eth0" (lesson
  /// 04's routing demo captures inside namespaces it builds). Only "lo" waits for
  /// arrival timestamps; elsewhere a packet may carry the time it was read.
  static Capture on_interface(std::string_view interface_name, std::uint16_t port);
  static Capture on_interface(std::string_view interface_name, std::uint16_t port,
                              std::error_code& ec) noexcept;
  /// The same for UDP datagrams (Transport::udp) to or from `port`: lesson 12
  /// reads the TTL of one probe on each router's interface.
  static Capture on_interface(std::string_view interface_name, std::uint16_t port,
                              Transport transport);
  static Capture on_interface(std::string_view interface_name, std::uint16_t port,
                              Transport transport, std::error_code& ec) noexcept;

  Capture() noexcept = default;  // move-only: the UniqueFd closes the packet socket

  bool is_open() const noexcept { return fd_.is_open(); }

  /// Waits (poll) until `deadline` for the next packet; nullopt if none came.
  std::optional<CapturedPacket> next(std::chrono::steady_clock::time_point deadline,
                                     std::error_code& ec);
  /// Every packet that arrives until `deadline`.
  std::vector<CapturedPacket> read_until(std::chrono::steady_clock::time_point deadline);
  std::vector<CapturedPacket> read_until(std::chrono::steady_clock::time_point deadline,
                                         std::error_code& ec);

  /// Switches the kernel's arrival timestamps on for as long as this process runs
  /// (SO_TIMESTAMPNS on a datagram socket kept open), so that a capture opened later
  /// finds them on and need not wait: the kernel switches them on a moment after
  /// the first socket asks, and off after the last one closes. The tests' flight
  /// recorder calls it before main(). Elsewhere than Linux: nothing.
  static void keep_arrival_stamps_on() noexcept;

  /// What to tell a user whose capture failed with `ec` ("" if nothing to add), in
  /// the student's language once lib/cli has installed it (socklab/hint_hook.hpp).
  static std::string hint(const std::error_code& ec);

 private:
  explicit Capture(int fd) noexcept : fd_(fd) {}
  UniqueFd fd_;
};

}  // namespace socklab::observe
