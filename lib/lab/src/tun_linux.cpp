// tun_linux.cpp — TunDevice on Linux: open(/dev/net/tun), ioctl(TUNSETIFF),
// poll() + read(), write() (linux/Documentation/networking/tuntap.rst, netdevice(7)).
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "socklab/error.hpp"
#include "socklab/lab/tun.hpp"

namespace socklab::lab {
namespace {

std::error_code last_error() noexcept {
  return {errno, socket_category()};
}

}  // namespace

TunDevice TunDevice::open(std::string_view name, std::error_code& ec) noexcept {
  ec.clear();
  if (name.empty() || name.size() >= IFNAMSIZ || name.find('/') != std::string_view::npos) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));  // closed on every early return
  if (!fd) {
    ec = last_error();
    return {};
  }
  struct ifreq request;
  std::memset(&request, 0, sizeof request);
  request.ifr_flags = IFF_TUN | IFF_NO_PI;  // IP packets, no Ethernet, no 4-byte prefix
  std::memcpy(request.ifr_name, name.data(), name.size());
  if (::ioctl(fd.get(), TUNSETIFF, &request) < 0) {
    ec = last_error();
    return {};
  }
  try {
    return TunDevice(std::move(fd), std::string(request.ifr_name));
  } catch (...) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return {};
  }
}

std::optional<std::size_t> TunDevice::read(std::span<std::byte> buffer,
                                           std::chrono::milliseconds timeout,
                                           std::error_code& ec) noexcept {
  ec.clear();
  if (!fd_) {
    ec = errc::not_open;
    return std::nullopt;
  }
  struct pollfd p {
    fd_.get(), POLLIN, 0
  };
  int ready = 0;
  do {
    ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (ready < 0 && errno == EINTR);  // a signal: poll again (docs/layer.md)
  if (ready < 0) {
    ec = last_error();
    return std::nullopt;
  }
  if (ready == 0) return std::nullopt;  // the timeout passed
  ssize_t n = ::read(fd_.get(), buffer.data(), buffer.size());
  if (n < 0) {
    ec = last_error();
    return std::nullopt;
  }
  return static_cast<std::size_t>(n);
}

void TunDevice::write(std::span<const std::byte> packet, std::error_code& ec) noexcept {
  ec.clear();
  if (!fd_) {
    ec = errc::not_open;
    return;
  }
  ssize_t n = ::write(fd_.get(), packet.data(), packet.size());
  if (n < 0)
    ec = last_error();
  else if (static_cast<std::size_t>(n) != packet.size())  // a TUN write is all or nothing
    ec = std::make_error_code(std::errc::message_size);
}

std::string TunDevice::hint(const std::error_code& ec) {
  if (ec == std::errc::operation_not_permitted || ec == std::errc::permission_denied)
    return "creating a TUN device needs root or CAP_NET_ADMIN: run it with sudo";
  if (ec == std::errc::no_such_file_or_directory || ec == std::errc::no_such_device)
    return "no /dev/net/tun: load the module (modprobe tun), or in a container pass "
           "--device /dev/net/tun";
  return "see linux/Documentation/networking/tuntap.rst";
}

}  // namespace socklab::lab
