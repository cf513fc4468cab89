// tun_fallback.cpp — TUN devices here are a Linux facility (macOS has utun with
// another API, Windows needs a driver such as Wintun): every call reports
// std::errc::operation_not_supported, and hint() says where lesson 13 runs.
#include "socklab/lab/tun.hpp"

namespace socklab::lab {

TunDevice TunDevice::open(std::string_view, std::error_code& ec) noexcept {
  ec = std::make_error_code(std::errc::operation_not_supported);
  return {};
}

std::optional<std::size_t> TunDevice::read(std::span<std::byte>, std::chrono::milliseconds,
                                           std::error_code& ec) noexcept {
  ec = std::make_error_code(std::errc::operation_not_supported);
  return std::nullopt;
}

void TunDevice::write(std::span<const std::byte>, std::error_code& ec) noexcept {
  ec = std::make_error_code(std::errc::operation_not_supported);
}

std::string TunDevice::hint(const std::error_code&) {
  return "TUN devices are not supported on this system: run lesson 13 on Linux "
         "(WSL2 or a Linux VM), as root";
}

}  // namespace socklab::lab
