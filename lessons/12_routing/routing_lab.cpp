// Lesson 12 — routing_lab: a network of five namespaces, and what IP does in it.
//
//   host A ──── R1 ──── R2 ──── R3 ──── host B      10.12.N.0/24 (fd12:N::/64) on link N
//   .1.2   .1.1  .2.1  .2.2 .3.1 (MTU 1280) .3.2 .4.1   .4.2 and .4.130
//                 └─── .5.1 ── shortcut ── .5.2 ───┘
//
// R1 sends everything to R2 (default route), except 10.12.4.128/25, which goes
// the short way to R3: longer prefix, so it wins for B's second address. R2 has
// no default route, R1 drops 10.12.7.0/24 silently (a blackhole), the R2-R3
// link has a small MTU, and one scenario adds a route that makes R2 and R3 send
// a network back and forth. Every `ip` command is printed as it runs.
//
// The scenarios run lesson 12's programs inside host A (`ip netns exec`):
// ping_host, trace_route, route_lookup; the MTU and the TTL ladder are done
// here, with sockets made inside A and captures on the routers' interfaces.
//
// Runs as an ordinary user on Linux (in a user namespace of its own, where it is
// root; as root in the machine's); where the system forbids that it says why and
// how to allow it, and exits 0. Everything is deleted at the end, also on failure.
// Docs: docs/lessons/12-routing.md
#include <socklab/ip.hpp>
#include <socklab/lab/own_namespaces.hpp>
#include <socklab/lab/topology.hpp>
#include <socklab/observe/capture.hpp>
#include <socklab/observe/icmp.hpp>
#include <socklab/observe/ladder.hpp>
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

using namespace socklab;
using namespace std::chrono;

// The network above, built with printed iproute2 commands.
void build(lab::Topology& net) {
  for (const char* host : {"a", "r1", "r2", "r3", "b"}) net.add_host(host);
  // Settings first: links made afterwards inherit "no duplicate address detection".
  for (const char* router : {"r1", "r2", "r3"}) net.forwarding(router);
  net.sysctl(
      "b",  // B answers every probe: no ICMP rate limit
      "net.ipv4.icmp_ratemask=0 net.ipv6.icmp.ratelimit=0 net.ipv6.conf.default.accept_dad=0");
  net.sysctl("a",  // ping sockets for every group in A; no DAD
             "net.ipv4.ping_group_range=" + lab::mapped_group_range() +
                 " net.ipv6.conf.default.accept_dad=0");
  net.link("a", "eth0", "10.12.1.2/24", "r1", "eth0", "10.12.1.1/24");
  net.link("r1", "eth1", "10.12.2.1/24", "r2", "eth0", "10.12.2.2/24");
  net.link("r2", "eth1", "10.12.3.1/24", "r3", "eth0", "10.12.3.2/24", 1280);
  net.link("r3", "eth1", "10.12.4.1/24", "b", "eth0", "10.12.4.2/24");
  net.link("r1", "eth2", "10.12.5.1/24", "r3", "eth2", "10.12.5.2/24");
  net.ip("b", "addr add 10.12.4.130/24 dev eth0");
  net.route("a", "default via 10.12.1.1");
  net.route("r1", "default via 10.12.2.2");
  net.route("r1", "10.12.4.128/25 via 10.12.5.2");  // the longer prefix, the shortcut
  net.route("r1", "blackhole 10.12.7.0/24");        // dropped without a word
  net.route("r2", "10.12.1.0/24 via 10.12.2.1");    // and no default route
  net.route("r2", "10.12.4.0/24 via 10.12.3.2");
  net.route("r2", "10.12.5.0/24 via 10.12.2.1");
  net.route("r3", "default via 10.12.3.1");
  net.route("b", "default via 10.12.4.1");
}

// The same line over IPv6: fd12:N::/64 on link N (no shortcut). `nodad`: use the
// address at once instead of first checking the link for a duplicate (RFC 4862);
// forwarding() already switched IPv6 forwarding on in the routers.
void build_ipv6(lab::Topology& net) {
  const char* addresses[][3] = {{"a", "eth0", "fd12:1::2/64"},  {"r1", "eth0", "fd12:1::1/64"},
                                {"r1", "eth1", "fd12:2::1/64"}, {"r2", "eth0", "fd12:2::2/64"},
                                {"r2", "eth1", "fd12:3::1/64"}, {"r3", "eth0", "fd12:3::2/64"},
                                {"r3", "eth1", "fd12:4::1/64"}, {"b", "eth0", "fd12:4::2/64"}};
  for (auto& [host, dev, cidr] : addresses)
    net.ip(host, std::string("-6 addr add ") + cidr + " dev " + dev + " nodad");
  net.route("a", "default via fd12:1::1");
  net.route("r1", "default via fd12:2::2");
  net.route("r2", "fd12:1::/64 via fd12:2::1");
  net.route("r2", "fd12:4::/64 via fd12:3::2");
  net.route("r3", "default via fd12:3::1");
  net.route("b", "default via fd12:4::1");
}

// A UDP datagram of `size` bytes from A to B with "don't fragment": the R2-R3 link
// is too small, R2 answers "fragmentation needed" with its MTU (RFC 1191).
void path_mtu(const lab::Topology& net) {
  Socket big;
  {
    auto inside = net.enter("a");
    big = Socket::udp();
  }
  set_dont_fragment(big, true);  // IP_MTU_DISCOVER = IP_PMTUDISC_DO: DF on every packet
  set_recv_errors(big, true);
  big.connect(Address::parse("10.12.4.2:9"));
  cli::say("path MTU to 10.12.4.2 before: {} (A's own link)", path_mtu(big));
  (void)big.send(std::string(1400, 'x'));
  cli::say("sent 1400 bytes with DF set");
  PollFd p{big.native_handle(), Events::none};
  if (poll(std::span(&p, 1), 2000ms) == 0)
    throw std::runtime_error(cli::tr("no ICMP answer within 2 s"));
  auto e = recv_error(big);
  if (!e) throw std::runtime_error(cli::tr("poll() said error, but the error queue is empty"));
  cli::say("from {}: {}", e->offender.ip(), e->text());
  cli::say("path MTU to 10.12.4.2 now: {} (the kernel remembered it)", path_mtu(big));
  std::error_code ec;
  (void)big.send(std::string(1400, 'x'), ec);
  cli::say("sending 1400 bytes again: {} (our kernel refuses; 1280 - 28 = 1252 bytes fit)",
           ec.message());
}

// One datagram from A to B, captured as it arrives at each router and at B.
void ladder(const lab::Topology& net) {
  const std::vector<std::pair<const char*, const char*>> stops = {
      {"r1", "eth0"}, {"r2", "eth0"}, {"r3", "eth0"}, {"b", "eth0"}};
  std::vector<observe::Capture> captures;
  for (auto [host, dev] : stops) {
    auto inside = net.enter(host);
    captures.push_back(observe::Capture::on_interface(dev, 33999, observe::Transport::udp));
  }
  {
    auto inside = net.enter("a");
    Socket udp = Socket::udp();
    udp.send_to("ladder", Address::parse("10.12.4.2:33999"));  // TTL 64, Linux's default
  }
  std::vector<observe::PathArrow> arrows;
  for (std::size_t i = 0; i < captures.size(); ++i) {
    std::error_code ec;
    auto packet = captures[i].next(steady_clock::now() + 2s, ec);
    auto ip = packet ? observe::icmp::decode_ip(packet->bytes) : std::nullopt;
    if (!ip) throw std::runtime_error(cli::trf("nothing captured at {}", stops[i].first));
    arrows.push_back({i, i + 1, "TTL " + std::to_string(ip->ttl), packet->time});
  }
  std::fputs(observe::render_path_ladder(
                 {"host A", "R1", "R2", "R3", "host B"},
                 {"10.12.1.2", "10.12.1.1", "10.12.2.2", "10.12.3.2", "10.12.4.2"}, arrows)
                 .c_str(),
             stdout);
}

int main(int argc, char** argv) {
  cli::Parser args("routing_lab", "Lesson 12: ping, traceroute and routing tables in a lab.");
  return cli::run(argc, argv, args, [&] {
    // Root, or a user namespace of our own in which we are root (own_namespaces.hpp).
    if (std::error_code ec = lab::use_own_namespaces()) {
      cli::say("{}", cli::trf("skipped: {}", lab::own_namespaces_hint(ec)));
      cli::say("{}", cli::tr("It builds A - R1 - R2 - R3 - B from network namespaces and traces "
                             "the path,\na missing route, a routing loop and a small MTU."));
      return 0;
    }
    if (lab::own_namespaces())
      cli::say("(not root: in a user and network namespace of our own; nothing outside changes)");
    // Our sibling programs, as a path relative to here when that is shorter to read.
    namespace fs = std::filesystem;
    fs::path exe_dir = fs::read_symlink("/proc/self/exe").parent_path();
    fs::path relative = exe_dir.lexically_relative(fs::current_path());
    const std::string bin =
        relative.empty() || *relative.begin() == ".." ? exe_dir.string() : relative.string();
    lab::Topology::remove_leftovers();
    lab::Topology net("rt-");
    auto in_a = [&](const std::string& program) {  // run a lesson program inside host A
      return net.run(net.exec_prefix("a") + bin + "/" + program, false);
    };

    cli::say("== 1. the network");
    build(net);
    net.ip("r1", "route");
    cli::say("== 2. ping B from A: the TTL of the reply tells how many routers it crossed");
    in_a("ping_host 10.12.4.2 --count 2 --interval 50");
    cli::say("== 3. traceroute A -> B: each router answers the probe whose TTL ran out there");
    in_a("trace_route 10.12.4.2 --wait 500");
    cli::say("== 4. longest prefix match: 10.12.4.130 is in R1's /25, 10.12.4.2 only in default");
    net.ip("r1", "route get 10.12.4.2");
    net.ip("r1", "route get 10.12.4.130");
    net.run("ip -n " + net.name("r1") + " route | " + bin +
            "/route_lookup 10.12.4.2 10.12.4.130 10.12.7.1");
    in_a("trace_route 10.12.4.130 --wait 500");
    cli::say("== 5. a missing route: R2 has no route to 10.99.0.0/16 and says so");
    in_a("trace_route 10.99.0.1 --probes 1 --wait 500");
    cli::say("== 6. a blackhole: R1 drops 10.12.7.0/24 without an ICMP message");
    in_a("trace_route 10.12.7.1 --max-hops 2 --probes 1 --wait 200");
    in_a("ping_host 10.12.7.1 --count 1 --timeout 200");
    cli::say("== 7. a routing loop: R2 sends 10.12.8.0/24 to R3, whose default goes back to R2");
    net.route("r2", "10.12.8.0/24 via 10.12.3.2");
    in_a("trace_route 10.12.8.1 --max-hops 7 --probes 1 --wait 500");
    cli::say("== 8. path MTU: the R2-R3 link has MTU 1280");
    path_mtu(net);
    cli::say("== 9. one datagram A -> B, captured arriving at each hop");
    ladder(net);
    cli::say("== 10. IPv6: the same path, Hop Limit instead of TTL, ICMPv6 answers");
    build_ipv6(net);
    in_a("trace_route fd12:4::2 --probes 1 --wait 500");
    in_a("ping_host fd12:4::2 --count 1");
    return 0;
  });
}
