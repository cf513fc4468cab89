// socklab/lab/tun.hpp — a TUN device (Linux): a network interface whose other end is a program.
//
// The kernel routes IP packets to a TUN interface like to any other; instead of
// a cable, the packets come out of a file descriptor, and every packet the
// program writes to it arrives at the kernel as if received from a network.
// Lesson 13 sits on the other end of one and plays a TCP peer of the kernel,
// writing every header itself (linux/Documentation/networking/tuntap.rst):
//
//   TunDevice tun = TunDevice::open("tun13");   // open(/dev/net/tun) + ioctl(TUNSETIFF)
//   tun.write(packet);                          // write(): one whole IP packet
//   auto n = tun.read(buffer, 500ms);           // poll() + read(): one packet, or nullopt
//
// IFF_TUN: IP packets, no Ethernet header; IFF_NO_PI: no 4-byte "packet
// information" prefix, so each read() gives exactly one IPv4/IPv6 packet. The
// device lives as long as the descriptor (it is not made persistent) and in the
// network namespace of the thread that opens it. Needs CAP_NET_ADMIN; elsewhere
// than Linux every call fails with std::errc::operation_not_supported.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "socklab/unique_fd.hpp"

namespace socklab::lab {

class TunDevice {
 public:
  /// open("/dev/net/tun") + ioctl(TUNSETIFF, IFF_TUN | IFF_NO_PI) with the name
  /// (at most 15 characters). The interface is created down, without an address.
  static TunDevice open(std::string_view name);
  static TunDevice open(std::string_view name, std::error_code& ec) noexcept;

  /// poll() up to `timeout`, then read() one packet into `buffer`. nullopt: no
  /// packet within the timeout. A packet longer than the buffer is cut (read(2)).
  std::optional<std::size_t> read(std::span<std::byte> buffer, std::chrono::milliseconds timeout);
  std::optional<std::size_t> read(std::span<std::byte> buffer, std::chrono::milliseconds timeout,
                                  std::error_code& ec) noexcept;
  /// write(): hands one whole IP packet to the kernel's network stack.
  void write(std::span<const std::byte> packet);
  void write(std::span<const std::byte> packet, std::error_code& ec) noexcept;

  /// What to do about an error of open(): "run as root, or give CAP_NET_ADMIN", ...
  static std::string hint(const std::error_code& ec);

  /// Move-only; the destructor closes the descriptor (a UniqueFd owns it), and the
  /// device goes away with it.
  TunDevice() noexcept = default;
  ~TunDevice() = default;
  TunDevice(const TunDevice&) = delete;
  TunDevice& operator=(const TunDevice&) = delete;
  TunDevice(TunDevice&& other) noexcept = default;
  TunDevice& operator=(TunDevice&& other) noexcept = default;

  bool is_open() const noexcept { return fd_.is_open(); }
  /// The interface name the kernel gave it (as in `ip link`).
  const std::string& name() const noexcept { return name_; }

 private:
  TunDevice(UniqueFd fd, std::string name) noexcept : fd_(std::move(fd)), name_(std::move(name)) {}
  UniqueFd fd_;
  std::string name_;
};

}  // namespace socklab::lab
