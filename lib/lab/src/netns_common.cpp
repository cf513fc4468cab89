// netns_common.cpp — the throwing forms of NetNamespace (the calls are in netns_linux.cpp).
#include <utility>

#include "socklab/error.hpp"
#include "socklab/lab/netns.hpp"

namespace socklab::lab {

NetNamespace NetNamespace::open(std::string_view name) {
  std::error_code ec;
  NetNamespace ns = open(name, ec);
  throw_if(ec, "open(/run/netns/" + std::string(name) + ")");
  return ns;
}

NetNamespace NetNamespace::current() {
  std::error_code ec;
  NetNamespace ns = current(ec);
  throw_if(ec, "open(/proc/thread-self/ns/net)");
  return ns;
}

void NetNamespace::enter() const {
  std::error_code ec;
  enter(ec);
  throw_if(ec, "setns(CLONE_NEWNET)", name_);
}

}  // namespace socklab::lab
