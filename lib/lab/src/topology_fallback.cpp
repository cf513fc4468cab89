// topology_fallback.cpp — namespaces and veth pairs are Linux's: elsewhere a
// Topology can be made (it holds nothing) but every command fails with
// std::errc::operation_not_supported; use a Linux VM or WSL2.
#include "socklab/error.hpp"
#include "socklab/lab/topology.hpp"

namespace socklab::lab {

Topology::Topology(std::string tag, bool echo) : prefix_("socklab-" + tag), echo_(echo) {}

Topology::~Topology() = default;

std::error_code Topology::permission() noexcept {
  return std::make_error_code(std::errc::operation_not_supported);
}

void Topology::remove_leftovers() noexcept {}

std::string Topology::run(std::string_view command) {
  return run(command, true);
}

std::string Topology::run(std::string_view command, bool, int*) {
  throw Error(std::make_error_code(std::errc::operation_not_supported), std::string(command),
              "network namespaces are Linux only: use a Linux VM or WSL2");
}

}  // namespace socklab::lab
