// tun_common.cpp — the throwing forms of TunDevice (the calls are in tun_linux.cpp;
// ownership of the descriptor is UniqueFd's).
#include "socklab/error.hpp"
#include "socklab/lab/tun.hpp"

namespace socklab::lab {

TunDevice TunDevice::open(std::string_view name) {
  std::error_code ec;
  TunDevice tun = open(name, ec);
  throw_if(ec, "open(/dev/net/tun) + ioctl(TUNSETIFF)", std::string(name));
  return tun;
}

std::optional<std::size_t> TunDevice::read(std::span<std::byte> buffer,
                                           std::chrono::milliseconds timeout) {
  std::error_code ec;
  auto n = read(buffer, timeout, ec);
  throw_if(ec, "read(tun)", name_);
  return n;
}

void TunDevice::write(std::span<const std::byte> packet) {
  std::error_code ec;
  write(packet, ec);
  throw_if(ec, "write(tun)", name_);
}

}  // namespace socklab::lab
