// system.cpp — the run-time questions of socklab/system.hpp, answered by the platform file.
#include "socklab/system.hpp"

#include <fmt/format.h>

#include "platform.hpp"

namespace socklab::system {

std::string_view api_name() noexcept {
  return sys::api_name();
}

bool needs_startup() noexcept {
  return sys::needs_startup();
}

std::string emulator() {
  return sys::emulator();
}

void try_startup(int major, int minor, std::error_code& ec) noexcept {
  ec = sys::try_startup(major, minor);
}

void try_startup(int major, int minor) {
  std::error_code ec;
  try_startup(major, minor, ec);
  throw_if(ec, "WSAStartup", fmt::format("version {}.{}", major, minor));
}

}  // namespace socklab::system
