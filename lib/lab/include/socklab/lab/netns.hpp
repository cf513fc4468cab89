// socklab/lab/netns.hpp — network namespaces (Linux): separate network stacks in one machine.
//
// Each network namespace has its own interfaces, addresses, routing table and
// sockets. `ip netns add NAME` creates one and pins it at /run/netns/NAME.
// Lesson 04's routing demo builds two hosts and a router from three namespaces
// and then makes sockets inside them:
//
//   NetNamespace home = NetNamespace::current();  // remember where we are
//   NetNamespace::open("socklab-42-b").enter();   // setns(): new sockets are made there
//   Socket server = Socket::tcp();                // ... so this one lives in host B
//   home.enter();                                 // back; `server` stays in B
//
// enter() changes the namespace of the calling thread only. Needs root
// (CAP_SYS_ADMIN); elsewhere than Linux every call fails with
// std::errc::operation_not_supported.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "socklab/unique_fd.hpp"

namespace socklab::lab {

class NetNamespace {
 public:
  /// open("/run/netns/NAME"): a namespace created by `ip netns add NAME`.
  static NetNamespace open(std::string_view name);
  static NetNamespace open(std::string_view name, std::error_code& ec) noexcept;
  /// open("/proc/thread-self/ns/net"): the namespace the calling thread is in now.
  static NetNamespace current();
  static NetNamespace current(std::error_code& ec) noexcept;

  /// setns(fd, CLONE_NEWNET): the calling thread's new sockets are made in this namespace.
  void enter() const;
  void enter(std::error_code& ec) const noexcept;

  NetNamespace() noexcept = default;  // move-only: the UniqueFd closes the namespace file

  bool is_open() const noexcept { return fd_.is_open(); }
  /// The name given to open(), or "current".
  const std::string& name() const noexcept { return name_; }

 private:
  NetNamespace(int fd, std::string name) noexcept : fd_(fd), name_(std::move(name)) {}
  UniqueFd fd_;
  std::string name_;
};

}  // namespace socklab::lab
