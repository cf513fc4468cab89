// socklab/lab/scratch.hpp — a network namespace of our own for one run (Linux),
// always removed, and the questions a lesson asks inside it.
//
// Lesson 13 builds its whole network inside a namespace named after its PID,
// so it never touches the machine's own interfaces and parallel runs never
// collide:
//
//   ScratchNamespace ns = ScratchNamespace::create("tcp13");  // ip netns add socklab-PID-tcp13
//   ns.enter();                 // setns(): this thread's new sockets and devices are made there
//   ns.run("ip addr add 10.13.0.1/24 dev tun13");             // ip netns exec NAME sh -c ...
//   std::string view = ns.output("ss -tni");                  // the same, stdout kept
//   // ~ScratchNamespace: back to the namespace we came from, ip netns del NAME
//
// Beyond one system call each (docs/layer.md): create() first removes leftovers
// of crashed runs (socklab-PID-* whose PID is gone); run() and output() start
// iproute2's `ip` through /bin/sh (system(3), popen(3)). Needs CAP_SYS_ADMIN;
// elsewhere than Linux every call fails with std::errc::operation_not_supported.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "socklab/lab/netns.hpp"

namespace socklab::lab {

class ScratchNamespace {
 public:
  /// `ip netns add socklab-<PID>-<suffix>`. Throws socklab::Error (with the command).
  static ScratchNamespace create(std::string_view suffix);

  /// setns() the calling thread into it (remembering where it was, for the destructor).
  void enter();
  /// Runs `command` inside it through the shell; throws if it exits non-zero.
  void run(const std::string& command) const;
  /// Runs `command` inside it and returns its stdout (stderr is not captured).
  std::string output(const std::string& command) const;

  const std::string& name() const noexcept { return name_; }

  ScratchNamespace() noexcept = default;
  ~ScratchNamespace();  ///< back home (if entered), then `ip netns del`; never throws
  ScratchNamespace(ScratchNamespace&& other) noexcept;
  ScratchNamespace& operator=(ScratchNamespace&&) = delete;
  ScratchNamespace(const ScratchNamespace&) = delete;
  ScratchNamespace& operator=(const ScratchNamespace&) = delete;

 private:
  explicit ScratchNamespace(std::string name) noexcept : name_(std::move(name)) {}
  std::string name_;
  NetNamespace home_;
};

/// What this process lacks to build a namespace with a TUN device in it:
/// "" when it has CAP_NET_ADMIN and CAP_SYS_ADMIN (root has both), else e.g.
/// "CAP_NET_ADMIN and CAP_SYS_ADMIN (run as root: sudo ...)". On other systems:
/// "Linux (TUN devices and network namespaces ...)".
std::string missing_privileges();

/// A counter of the calling thread's namespace from /proc/thread-self/net/snmp
/// (what `nstat` reads), e.g. snmp_counter("Tcp", "InCsumErrors"). nullopt when absent.
std::optional<std::int64_t> snmp_counter(std::string_view group, std::string_view name);

}  // namespace socklab::lab
