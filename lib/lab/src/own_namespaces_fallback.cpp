// own_namespaces_fallback.cpp — namespaces are Linux's: elsewhere the lab
// reports std::errc::operation_not_supported and says where it can run.
#include "socklab/lab/own_namespaces.hpp"

#include "socklab/hint_hook.hpp"

namespace socklab::lab {

std::error_code use_own_namespaces() noexcept {
  return std::make_error_code(std::errc::operation_not_supported);
}

bool own_namespaces() noexcept {
  return false;
}

std::error_code use_own_network() noexcept {
  return std::make_error_code(std::errc::operation_not_supported);
}

std::string own_namespaces_hint(const std::error_code&) {
  return hint_hook::tr(
      "network namespaces are Linux only: run the lab in a Linux virtual machine, or in WSL2 "
      "on Windows");
}

std::string mapped_group_range() {
  return "0 2147483647";
}

std::string tun_node_hint() {
  return hint_hook::tr(
      "TUN devices of the lab are Linux only: run it in a Linux virtual machine, or in WSL2");
}

}  // namespace socklab::lab
