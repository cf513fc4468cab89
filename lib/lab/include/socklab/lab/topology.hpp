// socklab/lab/topology.hpp — build a small network of namespaces, and always remove it.
//
// A Topology runs the iproute2 commands a network needs and prints each one
// before it runs ("$ ip netns add socklab-4242-r1"), so a lesson teaches them:
// hosts and routers are network namespaces, cables are veth pairs, and every
// namespace gets its addresses, routes and sysctls. The destructor deletes every
// namespace it added (deleting a namespace deletes its veths) — also when a step
// threw. A run that was killed cannot clean up: remove_leftovers() deletes the
// namespaces of runs whose process is gone (names carry the PID).
//
//   lab::Topology net("rt-");                         // names socklab-PID-rt-*
//   net.add_host("a");  net.add_host("r1");
//   net.link("a", "eth0", "10.12.1.2/24", "r1", "eth0", "10.12.1.1/24");
//   net.route("a", "default via 10.12.1.1");
//   net.forwarding("r1");
//   std::string table = net.ip("r1", "route");         // `ip -n socklab-PID-rt-r1 route`
//   { auto inside = net.enter("a"); Socket s = Socket::udp(); ... }  // a socket in host A
//
// Linux with root (CAP_SYS_ADMIN) only; elsewhere every call throws
// socklab::Error with std::errc::operation_not_supported.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "socklab/lab/netns.hpp"

namespace socklab::lab {

class Topology {
 public:
  /// Namespaces are named "socklab-PID-" + tag + name. With `echo`, each command is
  /// printed ("$ ...") with its output, as lesson 04 does.
  explicit Topology(std::string tag = {}, bool echo = true);
  ~Topology();  ///< `ip netns del` of every namespace added; never throws
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  /// Empty if this process may build namespaces (it can setns() into its own),
  /// else why not (operation_not_permitted without root, not supported off Linux).
  static std::error_code permission() noexcept;
  /// Deletes "socklab-PID-*" namespaces whose PID is no longer running.
  static void remove_leftovers() noexcept;

  /// `ip netns add NAME` and `ip -n NAME link set lo up`. Returns the full name.
  const std::string& add_host(std::string_view name);
  /// Several hosts in one process: `ip -batch -` reading `netns add NAME` for each.
  /// Their loopback stays down: bring it up in the host's ip_batch ("link set lo up").
  void add_hosts(const std::vector<std::string>& hosts);
  /// The full namespace name of a host added before ("r1" -> "socklab-4242-rt-r1").
  std::string name(std::string_view host) const;
  /// Every namespace added, in order.
  const std::vector<std::string>& names() const noexcept { return names_; }

  /// A veth pair host1:if1 <-> host2:if2 with an address (CIDR) on each end, both
  /// up; `mtu` > 0 sets the MTU of both ends.
  void link(std::string_view host1, std::string_view if1, std::string_view cidr1,
            std::string_view host2, std::string_view if2, std::string_view cidr2, int mtu = 0);
  /// `ip -n HOST route add SPEC`, e.g. "10.12.4.0/24 via 10.12.2.2".
  void route(std::string_view host, std::string_view spec);
  /// `ip netns exec HOST sysctl -q -w SETTING...`, e.g. "net.ipv4.ip_forward=1"; several
  /// settings separated by spaces go in one call.
  void sysctl(std::string_view host, std::string_view setting);
  /// Makes HOST a router, in one sysctl call: IPv4 and IPv6 forwarding on, no ICMP
  /// rate limit (icmp_ratemask=0, icmp.ratelimit=0: every probe is answered), ICMP
  /// errors from the interface the packet came in on, rp_filter off (asymmetric
  /// paths), and no IPv6 duplicate address detection on links made afterwards
  /// (their addresses work at once). Call it before link(). Lesson 12's docs say why.
  void forwarding(std::string_view host);

  /// `ip -n HOST ARGS`: printed, run, its output returned (and printed with echo).
  std::string ip(std::string_view host, std::string_view args);
  /// Many `ip -n HOST` commands in one process: `ip -n NAME -batch -` reads them (the
  /// words after `ip -n NAME`, one command an element, e.g. "route add default via
  /// 10.12.1.1") from a here-document, in order, and stops at the first that fails
  /// (ip(8), -batch); then this throws std::runtime_error naming that command. One
  /// process for a host's whole setup instead of one per command. Printed, output
  /// returned, as ip().
  std::string ip_batch(std::string_view host, const std::vector<std::string>& commands);
  /// The same in the calling thread's namespace (`ip -batch -`), for what joins hosts:
  /// "link add eth0 netns " + name("a") + " type veth peer name eth0 netns " + name("r1").
  std::string ip_batch(const std::vector<std::string>& commands);
  /// Any shell command: printed, run, output returned; throws std::runtime_error
  /// if it exits non-zero (unless `check` is false: then `exit_status` gets the status).
  std::string run(std::string_view command);
  std::string run(std::string_view command, bool check, int* exit_status = nullptr);
  /// "ip netns exec FULL-NAME " — put before a program to run it inside HOST.
  std::string exec_prefix(std::string_view host) const;

  /// setns() into HOST for the calling thread until the guard goes: sockets
  /// made meanwhile live in HOST (and stay there).
  class Inside {
   public:
    Inside(Inside&&) = default;
    ~Inside();  ///< back to where the thread was
   private:
    friend class Topology;
    explicit Inside(NetNamespace home) : home_(std::move(home)) {}
    NetNamespace home_;
  };
  Inside enter(std::string_view host) const;

 private:
  std::string batch(const std::string& ip, const std::vector<std::string>& commands);

  std::string prefix_;
  bool echo_;
  std::vector<std::string> names_;
};

}  // namespace socklab::lab
