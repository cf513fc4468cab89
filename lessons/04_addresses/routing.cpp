// Lesson 04 — routing: the tutorial's "IP addresses and routes", on a network we build.
//
//   host A  10.200.1.2 ──── 10.200.1.1  router  10.200.2.1 ──── 10.200.2.2  host B
//           (eth0)          (eth0)              (eth1)          (eth0)
//
// Each box is a Linux network namespace: its own interfaces, addresses, routing
// table and sockets. The wires are veth pairs (a virtual cable with two ends).
// The demo builds this with iproute2 through lib/lab's Topology (every command is
// printed, so you can type them yourself), shows each routing table, connects from A to B through
// the router, and captures the SYN twice: arriving at the router and arriving at B. IP's Time to
// Live drops by one at the router: that is what routing does to a packet, besides choosing where it
// goes next (RFC 791 section 3.2; RFC 1812 5.3.1).
//
// Runs as an ordinary user on Linux: it first takes a user namespace of its own, in
// which it is root (as root it uses the machine's); where the system forbids that,
// it says why and how to allow it, and exits 0. Everything it builds is private (10.200.x.0/24
// inside namespaces named socklab-PID-*) and is deleted at the end, also on failure.
//
// Docs: docs/lessons/04-addresses.md
#include <socklab/lab/netns.hpp>
#include <socklab/lab/own_namespaces.hpp>
#include <socklab/lab/topology.hpp>
#include <socklab/observe/capture.hpp>
#include <socklab/observe/packet.hpp>
#include <socklab/socklab.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

using namespace socklab;
using namespace socklab::observe;  // capture (lib/observe)
using namespace socklab::lab;      // network namespaces (lib/lab)

// The first SYN that reaches a capture (each capture only sees port 8080).
CapturedPacket first_syn(Capture& capture) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (int i = 0; i < 100; ++i) {
    std::error_code ec;
    auto p = capture.next(deadline, ec);
    if (ec) throw Error(ec, "recvmsg(AF_PACKET)");
    if (!p) break;
    packet::Segment s = packet::decode(p->bytes);
    if (s.has(packet::syn) && !s.has(packet::ack)) return *p;
  }
  throw std::runtime_error(cli::tr("no SYN captured within 3 s"));
}

int main(int argc, char** argv) {
  cli::Parser args("routing", "Lesson 04: two hosts and a router from network namespaces.");
  return cli::run(argc, argv, args, [&] {
    // Namespaces need root, or (as an ordinary user) a user namespace of our own in
    // which we are root: lib/lab/own_namespaces.hpp. Nothing outside changes.
    if (std::error_code ec = use_own_namespaces()) {
      cli::say("{}", cli::trf("skipped: {}", own_namespaces_hint(ec)));
      cli::say("{}", cli::tr("It builds host A, a router and host B from network namespaces, "
                             "shows their\nrouting tables, connects A to B and shows the TTL "
                             "dropping at the router."));
      return 0;
    }
    if (own_namespaces())
      cli::say("(not root: in a user and network namespace of our own; nothing outside changes)");
    // The demo types iproute2's and procps' commands, as you would.
    if (std::system("command -v ip >/dev/null && command -v sysctl >/dev/null") != 0)
      throw std::runtime_error(
          cli::tr("needs ip and sysctl: apt-get install iproute2 procps (or: make deps)"));
    Topology::remove_leftovers();  // namespaces of earlier runs that were killed
    // Names socklab-PID-a, -r, -b: parallel runs never collide. The destructor
    // deletes them (and so their veths), also when a step below throws.
    Topology lab;

    // Three namespaces, two cables, addresses on both ends, interfaces up.
    for (const char* host : {"a", "r", "b"}) lab.add_host(host);
    lab.link("a", "eth0", "10.200.1.2/24", "r", "eth0", "10.200.1.1/24");
    lab.link("b", "eth0", "10.200.2.2/24", "r", "eth1", "10.200.2.1/24");

    // Routes. Each host knows its own /24 (added with the address); for
    // everything else it sends to the router. The router forwards between its
    // interfaces only when told to: a host drops packets not addressed to it.
    lab.route("a", "default via 10.200.1.1");
    lab.route("b", "default via 10.200.2.1");
    lab.sysctl("r", "net.ipv4.ip_forward=1");
    for (const char* host : {"a", "r", "b"}) lab.ip(host, "route");

    // Sockets inside the namespaces: setns(), then socket(). A socket stays in
    // the namespace it was made in. Captures first, so they see the SYN.
    NetNamespace home = NetNamespace::current();
    NetNamespace::open(lab.name("r")).enter();
    Capture at_router = Capture::on_interface("eth0", 8080);  // the router's side facing A
    NetNamespace::open(lab.name("b")).enter();
    Capture at_b = Capture::on_interface("eth0", 8080);
    Socket server = Socket::tcp();
    server.bind(Address::parse("10.200.2.2:8080"));
    server.listen(1);
    NetNamespace::open(lab.name("a")).enter();
    Socket client = Socket::tcp();
    home.enter();  // back: the sockets stay where they were made

    // connect() from A to B: A's routing table sends the SYN to the router.
    client.connect(server.local_address());
    auto [conn, peer] = server.accept();
    send_all(client, "hello across the router");
    std::array<char, 64> buffer;
    Received arrived = conn.recv(buffer);
    cli::say("host B accepted {} and received: {}", peer.to_string(),
             std::string_view(buffer.data(), arrived.bytes));

    // The same SYN, captured twice.
    CapturedPacket at_r = first_syn(at_router), at_host = first_syn(at_b);
    packet::Segment before = packet::decode(at_r.bytes), after = packet::decode(at_host.bytes);
    cli::say("SYN {} -> {}", before.source.to_string(), before.destination.to_string());
    cli::say("  arriving at the router: TTL {}", before.ttl);
    cli::say("  arriving at host B:     TTL {} (the router took one off)", after.ttl);
    // The TCP header follows the IPv4 header (IHL x 4 bytes); its bytes 2-3 are the port.
    std::size_t tcp = (std::to_integer<std::size_t>(at_host.bytes[0]) & 0x0f) * 4;
    cli::say("  destination port on the wire: {:02x} {:02x} (8080 = 0x1f90, big-endian)",
             std::to_integer<int>(at_host.bytes[tcp + 2]),
             std::to_integer<int>(at_host.bytes[tcp + 3]));
    if (before.ttl != after.ttl + 1)
      throw std::runtime_error(cli::tr("the TTL did not drop by one"));
    return 0;
  });
}
