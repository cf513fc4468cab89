// own_network.cpp — see own_network.hpp: namespaces of our own, taken before main().
#include "support/own_network.hpp"

#include <socklab/lab/own_namespaces.hpp>
#include <socklab/lab/topology.hpp>

namespace socklab::test {
namespace {

const std::error_code& status() {
  static const std::error_code ec = lab::use_own_namespaces();
  return ec;
}

// Static initialisation: before main(), before GoogleTest or a test starts a thread.
[[maybe_unused]] const bool taken_early = (status(), true);

}  // namespace

std::error_code lab_namespaces_status() {
  return status();
}

std::string lab_unavailable() {
  if (!lab::Topology::permission()) return {};
  return lab::own_namespaces_hint(status() ? status() : lab::Topology::permission());
}

}  // namespace socklab::test
