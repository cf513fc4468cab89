// netns_linux.cpp — NetNamespace on Linux: open() a namespace file, setns() into it
// (setns(2), network_namespaces(7); `ip netns` pins namespaces at /run/netns/NAME).
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "socklab/error.hpp"
#include "socklab/lab/netns.hpp"

namespace socklab::lab {
namespace {

int open_file(const std::string& path, std::error_code& ec) noexcept {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ec = fd < 0 ? std::error_code(errno, socket_category()) : std::error_code{};
  return fd;
}

}  // namespace

NetNamespace NetNamespace::open(std::string_view name, std::error_code& ec) noexcept {
  // A name with '/' could point anywhere in the file system: only plain names.
  if (name.empty() || name.find('/') != std::string_view::npos || name == "." || name == "..") {
    ec = std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  try {
    int fd = open_file("/run/netns/" + std::string(name), ec);
    return fd < 0 ? NetNamespace{} : NetNamespace(fd, std::string(name));
  } catch (...) {  // std::string may throw bad_alloc
    ec = std::make_error_code(std::errc::not_enough_memory);
    return {};
  }
}

NetNamespace NetNamespace::current(std::error_code& ec) noexcept {
  try {
    int fd = open_file("/proc/thread-self/ns/net", ec);
    return fd < 0 ? NetNamespace{} : NetNamespace(fd, "current");
  } catch (...) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return {};
  }
}

void NetNamespace::enter(std::error_code& ec) const noexcept {
  if (!fd_.is_open()) {
    ec = errc::not_open;
    return;
  }
  ec = ::setns(fd_.get(), CLONE_NEWNET) == 0 ? std::error_code{}
                                             : std::error_code(errno, socket_category());
}

}  // namespace socklab::lab
