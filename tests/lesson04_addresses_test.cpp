// Lesson 04 — addresses and names, step by step (`ctest -L lesson04 -V`).
//
// Part 1 (Lesson04Demo): getaddrinfo, inet_pton/inet_ntop, byte order and a
// dual-stack listener in this process; each pitfall done the naive way first.
// Part 2 (Lesson04Programs): showip, byte_order, dual_stack_server and, as root,
// the routing demo and dual_stack_server in a namespace whose IPV6_V6ONLY
// default is on, run end to end.
//
// Lesson04Demo is a demonstration: the kit makes the calls, not your code, so it
// passes before you write a line and `make progress` does not count it.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "socklab/byte_order.hpp"
#include "socklab/lab/netns.hpp"
#include "socklab/lab/own_namespaces.hpp"
#include "socklab/lab/scratch.hpp"
#include "socklab/socklab.hpp"
#include "support/bad_input.hpp"
#include "support/narrate.hpp"
#include "support/own_network.hpp"
#include "support/programs.hpp"

using namespace socklab;
using namespace socklab::lab;  // network namespaces (lib/lab)
using namespace std::chrono_literals;
using socklab::test::Program;
using socklab::test::Step;
using socklab::test::tr;
using socklab::test::trf;

namespace {

bool has(const std::vector<Address>& list, const std::string& text) {
  return std::any_of(list.begin(), list.end(),
                     [&](const Address& a) { return a.to_string() == text; });
}

// Whether this machine has an IPv6 loopback (some containers have none).
bool has_ipv6_loopback() {
  std::error_code ec;
  Socket s = Socket::tcp(Family::ipv6, ec);
  if (!ec) s.bind(Address::loopback(Family::ipv6), ec);
  return !ec;
}

// The bytes of a sockaddr with the port bytes (2-3) replaced: what a C program
// builds when it fills in sin_port by hand.
Address with_raw_port_bytes(const Address& a, std::uint16_t stored) {
  std::array<unsigned char, 128> raw{};
  std::memcpy(raw.data(), a.data(), a.size());
  std::memcpy(raw.data() + 2, &stored, 2);  // bytes 2-3 are the port (RFC 3493 section 3.3)
  return Address(raw.data(), a.size());
}

std::string read_reply_line(Socket& s) {
  LineReader reader(s, 256);
  return reader.read_line().value_or("(closed)");
}

// Root on Linux: setns() into our own namespace is allowed (and changes nothing).
// A network namespace of this test, named after its PID, with loopback up and
// net.ipv6.bindv6only=1 (a per-namespace sysctl: the default IPV6_V6ONLY of every
// IPv6 socket made in it is then on, as on Windows). Removed in the destructor,
// also when a step fails.
class V6OnlyNamespace {
 public:
  V6OnlyNamespace() {
    namespace fs = std::filesystem;
    name_ = "socklab-" + fs::read_symlink("/proc/self").string() + "-v6only";
    ok_ = run("ip netns add " + name_) && run("ip netns exec " + name_ + " ip link set lo up") &&
          run("ip netns exec " + name_ + " sysctl -q -w net.ipv6.bindv6only=1");
  }
  ~V6OnlyNamespace() { (void)std::system(("ip netns del " + name_ + " 2>/dev/null").c_str()); }
  V6OnlyNamespace(const V6OnlyNamespace&) = delete;
  V6OnlyNamespace& operator=(const V6OnlyNamespace&) = delete;

  bool ok() const noexcept { return ok_; }
  const std::string& name() const noexcept { return name_; }

 private:
  static bool run(const std::string& command) {
    test::narrate("  $ " + command);
    return std::system(command.c_str()) == 0;
  }
  std::string name_;
  bool ok_ = false;
};

// Makes sockets inside `ns` (setns() on this thread, then back): they stay there.
template <typename Make>
auto inside(const std::string& ns, Make make) {
  NetNamespace home = NetNamespace::current();
  NetNamespace::open(ns).enter();
  struct Back {
    NetNamespace& home;
    ~Back() {
      std::error_code ec;
      home.enter(ec);
      EXPECT_FALSE(ec) << trf("setns() back home: {}", ec.message());
    }
  } back{home};
  return make();
}

}  // namespace

// --- Part 1: the calls ---------------------------------------------------------

TEST(Lesson04Demo, Step1_GetaddrinfoReturnsEveryAddress) {
  Step step(1, 7, "getaddrinfo()", "a name becomes a list: IPv4 and IPv6, all of them");
  // No host name: the loopback addresses of every family the system supports.
  std::vector<Address> both = Address::resolve("", "8888");
  for (const Address& a : both) test::narrate("  " + a.to_string());
  EXPECT_TRUE(has(both, "127.0.0.1:8888"));
  if (has_ipv6_loopback()) {
    EXPECT_TRUE(has(both, "[::1]:8888"));
  }
  // "localhost" comes from /etc/hosts (on Windows, from the resolver itself).
  EXPECT_TRUE(has(Address::resolve("localhost", "8888"), "127.0.0.1:8888"));
  // Asking for one family filters the list.
  for (const Address& a : Address::resolve("", "8888", Family::ipv4))
    EXPECT_EQ(a.family(), Family::ipv4);
  std::error_code ec;
  Address::resolve("no.such.host.invalid", "80", Family::unspecified, Type::stream, ec);
  // .invalid never exists (RFC 6761). With no resolver within reach (offline, or in a
  // network namespace of our own: tests/support/own_network.hpp) the answer is "try
  // again" instead: an error either way, never an address.
  EXPECT_TRUE(ec == resolve_errc::host_not_found || ec == resolve_errc::try_again) << ec.message();
}

TEST(Lesson04Demo, Step2_InetPtonAndInetNtop) {
  Step step(2, 7, "inet_pton() / inet_ntop()", "text <-> bytes, numeric only, canonical form");
  EXPECT_EQ(Address::from_ip("192.0.2.1", 80).ip(), "192.0.2.1");
  EXPECT_EQ(Address::from_ip("2001:DB8:0:0:0:0:0:1", 80).ip(), "2001:db8::1")
      << tr("inet_ntop writes the canonical form of RFC 5952");
  for (const char* bad : {"256.1.1.1", "1.2.3", "localhost", "::1::2", ""}) {
    std::error_code ec;
    Address::from_ip(bad, 80, ec);
    EXPECT_EQ(ec, errc::invalid_address) << trf("'{}' is not a numeric IP", bad);
  }
}

TEST(Lesson04Demo, Step3_HtonsPutsThePortBigEndian) {
  Step step(3, 7, "htons(8888)", "0x22b8 goes into the sockaddr as the bytes 22 b8");
  const std::uint16_t wire = host_to_network16(8888);
  std::array<unsigned char, 2> bytes{};
  std::memcpy(bytes.data(), &wire, 2);
  EXPECT_EQ(bytes[0], 0x22);
  EXPECT_EQ(bytes[1], 0xb8);
  Address a = Address::from_ip("127.0.0.1", 8888);
  const auto* raw = static_cast<const unsigned char*>(a.data());
  EXPECT_EQ(raw[2], 0x22) << tr("the layer stores the port in network byte order");
  EXPECT_EQ(raw[3], 0xb8);
  EXPECT_EQ(network_to_host16(wire), 8888);
  EXPECT_EQ(byte_swap32(0x7f000001u), 0x0100007fu);
}

TEST(Lesson04Demo, Step4_ForgettingHtonsBindsAnotherPort) {
  Step step(4, 7, tr("sin_port = 8888 without htons()"),
            "naive: on a little-endian host the kernel reads the bytes swapped");
  if (!host_is_little_endian())
    GTEST_SKIP() << tr("on a big-endian host host order is network order: the bug is invisible");
  for (int attempt = 0; attempt < 20; ++attempt) {
    // A port that is free right now, and whose bytes differ when swapped.
    Socket probe = Socket::udp();
    probe.bind(Address::parse("127.0.0.1:0"));
    const std::uint16_t wanted = probe.local_address().port();
    probe.close();
    if (byte_swap16(wanted) == wanted) continue;

    Address base = Address::from_ip("127.0.0.1", 0);
    Socket naive = Socket::udp();
    std::error_code ec;
    naive.bind(with_raw_port_bytes(base, wanted), ec);  // the bug: host order
    if (ec) continue;                                   // the swapped port was taken: again
    const std::uint16_t got = naive.local_address().port();
    test::detail(trf("asked for port {}, listening on {}", wanted, got));
    EXPECT_NE(got, wanted);
    EXPECT_EQ(got, byte_swap16(wanted));

    Socket right = Socket::udp();
    right.bind(with_raw_port_bytes(base, host_to_network16(wanted)), ec);  // htons()
    if (ec) continue;  // someone took `wanted` meanwhile
    EXPECT_EQ(right.local_address().port(), wanted) << tr("with htons() the port is the one asked");
    return;
  }
  FAIL() << tr("found no free port pair in 20 attempts");
}

TEST(Lesson04Demo, Step5_ADualStackListenerAcceptsIPv4AndIPv6) {
  Step step(5, 7, "socket(AF_INET6) + IPV6_V6ONLY=0 + bind([::]:0)",
            "one socket; IPv4 clients appear as ::ffff:127.0.0.1");
  if (!has_ipv6_loopback()) GTEST_SKIP() << tr("this machine has no IPv6 loopback (::1)");
  Socket server = Socket::tcp(Family::ipv6);
  test::detail(
      trf("a new IPv6 socket here: IPV6_V6ONLY={} (the system's default; socklab sets "
          "nothing)",
          server.v6_only() ? 1 : 0));
  server.set_v6_only(false);
  EXPECT_FALSE(server.v6_only()) << tr("getsockopt(IPV6_V6ONLY) reads back what was set");
  server.bind(Address::any(Family::ipv6, 0));
  server.listen(4);
  const std::uint16_t port = server.local_address().port();
  Socket v4 = Socket::tcp(Family::ipv4), v6 = Socket::tcp(Family::ipv6);
  v4.connect(Address::loopback(Family::ipv4, port));
  v6.connect(Address::loopback(Family::ipv6, port));
  Address first = server.accept().peer, second = server.accept().peer;
  test::detail(trf("peers: {} and {}", first.to_string(), second.to_string()));
  EXPECT_EQ(first.ip(), "::ffff:127.0.0.1");
  EXPECT_EQ(first.family(), Family::ipv6) << tr("an IPv4-mapped IPv6 address");
  EXPECT_EQ(second.ip(), "::1");
}

TEST(Lesson04Demo, Step6_RelyingOnTheDefaultV6OnlyLosesIPv4Clients) {
  Step step(6, 7, tr("IPV6_V6ONLY=1 (the default on Windows, the BSDs, bindv6only=1)"),
            "naive: an IPv6-only [::] listener refuses IPv4 clients");
  if (!has_ipv6_loopback()) GTEST_SKIP() << tr("this machine has no IPv6 loopback (::1)");
  Socket server = Socket::tcp(Family::ipv6);
  server.set_v6_only(true);
  EXPECT_TRUE(server.v6_only());
  server.bind(Address::any(Family::ipv6, 0));
  server.listen(4);
  const std::uint16_t port = server.local_address().port();
  Socket v4 = Socket::tcp(Family::ipv4);
  std::error_code ec;
  v4.connect(Address::loopback(Family::ipv4, port), ec);
  EXPECT_EQ(ec, std::errc::connection_refused) << tr("the IPv4 port was never claimed");
  Socket v6 = Socket::tcp(Family::ipv6);
  v6.connect(Address::loopback(Family::ipv6, port));  // IPv6 still works
}

TEST(Lesson04Demo, Step7_TryEveryAddressNotJustTheFirst) {
  Step step(7, 7, tr("connect() to each getaddrinfo() result in turn"),
            "naive: the first address may be of a family nobody listens on");
  std::vector<Address> candidates = Address::resolve("", "0");
  if (candidates.size() < 2 || candidates.front().family() == candidates.back().family())
    GTEST_SKIP() << tr("getaddrinfo gave one family only here; the pitfall needs two");
  // The server listens on the family of the LAST candidate only.
  Socket server = Socket::tcp(candidates.back().family());
  server.bind(Address::loopback(candidates.back().family(), 0));
  server.listen(4);
  const std::uint16_t port = server.local_address().port();

  Socket naive = Socket::tcp(candidates.front().family());
  std::error_code ec;
  naive.connect(candidates.front().with_port(port), ec);
  test::detail(trf("naive, first result {}: {}", candidates.front().with_port(port).to_string(),
                   ec.message()));
  EXPECT_EQ(ec, std::errc::connection_refused);

  Socket connected;
  for (const Address& c : candidates) {  // Beej's loop: the first that connects wins
    Socket s = Socket::tcp(c.family());
    s.connect(c.with_port(port), ec);
    if (!ec) {
      connected = std::move(s);
      break;
    }
  }
  ASSERT_TRUE(connected.is_open()) << tr("one of the results must reach the server");
  EXPECT_EQ(connected.peer_address().family(), candidates.back().family());
}

// --- Part 2: the real programs ---------------------------------------------------

TEST(Lesson04Programs, E2E1_ShowipListsTheAddresses) {
  Step step(1, 7, "showip ::1 127.0.0.1", "one line per address, family and text");
  Program p = Program::start("showip", {"--service", "80", "::1", "127.0.0.1"});
  auto exit = p.wait();
  EXPECT_EQ(exit.code, 0) << p.stderr_text();
  const std::string& out = p.stdout_text();
  EXPECT_TRUE(test::contains(out, "IP addresses for ::1:\n  IPv6: ::1"));
  EXPECT_TRUE(test::contains(out, "[::1]:80"));
  EXPECT_TRUE(test::contains(out, "IP addresses for 127.0.0.1:\n  IPv4: 127.0.0.1"));

  Program wrong = Program::start("showip", {"--family", "6", "127.0.0.1"});
  EXPECT_EQ(wrong.wait().code, 1) << tr("an IPv4 address has no IPv6 answer");
  EXPECT_NE(wrong.first_stderr_line().find("getaddrinfo(127.0.0.1"), std::string::npos)
      << wrong.stderr_text();
  Program none = Program::start("showip", {});
  EXPECT_EQ(none.wait().code, 2) << tr("no HOST is a usage error");
}

TEST(Lesson04Programs, E2E2_ByteOrderShowsTheBytes) {
  Step step(2, 7, "byte_order --port 8888", "memory order vs network order, and the swap bug");
  Program p = Program::start("byte_order", {"--port", "8888"});
  EXPECT_EQ(p.wait().code, 0) << p.stderr_text();
  const std::string& out = p.stdout_text();
  EXPECT_TRUE(test::contains(out, "after htons():        22 b8"));
  EXPECT_TRUE(test::contains(out, "port, bytes 2-3:                22 b8"));
  EXPECT_TRUE(test::contains(out, "inet_pton(\"127.0.0.1\"): 7f 00 00 01"));
  EXPECT_TRUE(test::contains(out, "read back with ntohs():    8888\n"))
      << tr("ntohs() turns the stored bytes back into the port") << "\n"
      << out;
  const std::string naive = host_is_little_endian() ? "47138" : "8888";  // 0xb822 if swapped
  EXPECT_TRUE(test::contains(out, "without ntohs(): " + naive));
}

TEST(Lesson04Programs, E2E3_DualStackServerSeesBothFamilies) {
  Step step(3, 7, "dual_stack_server --port 0", "reached by 127.0.0.1 and by ::1");
  if (!has_ipv6_loopback()) GTEST_SKIP() << tr("this machine has no IPv6 loopback (::1)");
  Program server = Program::start("dual_stack_server", {"--port", "0", "--count", "2"});
  Address a = server.listening_address();
  ASSERT_NE(a.port(), 0);
  EXPECT_EQ(a.ip(), "::");
  Socket v4 = Socket::tcp(Family::ipv4), v6 = Socket::tcp(Family::ipv6);
  v4.set_recv_timeout(5s);
  v6.set_recv_timeout(5s);
  v4.connect(Address::loopback(Family::ipv4, a.port()));
  EXPECT_EQ(read_reply_line(v4),
            "you are [::ffff:127.0.0.1]:" + std::to_string(v4.local_address().port()));
  v6.connect(Address::loopback(Family::ipv6, a.port()));
  EXPECT_EQ(read_reply_line(v6), "you are [::1]:" + std::to_string(v6.local_address().port()));
  EXPECT_EQ(server.wait().code, 0) << server.stderr_text();
  EXPECT_TRUE(test::contains(server.stdout_text(), "(an IPv4 client, IPv4-mapped)"));
}

TEST(Lesson04Programs, E2E4_V6OnlyRefusesIPv4) {
  Step step(4, 7, "dual_stack_server --v6only", "the IPv4 client is refused, ::1 still served");
  if (!has_ipv6_loopback()) GTEST_SKIP() << tr("this machine has no IPv6 loopback (::1)");
  Program server = Program::start("dual_stack_server", {"--port", "0", "--count", "1", "--v6only"});
  Address a = server.listening_address();
  ASSERT_NE(a.port(), 0);
  Socket v4 = Socket::tcp(Family::ipv4);
  std::error_code ec;
  v4.connect(Address::loopback(Family::ipv4, a.port()), ec);
  EXPECT_EQ(ec, std::errc::connection_refused);
  Socket v6 = Socket::tcp(Family::ipv6);
  v6.set_recv_timeout(5s);
  v6.connect(Address::loopback(Family::ipv6, a.port()));
  EXPECT_EQ(read_reply_line(v6).rfind("you are [::1]:", 0), 0u);
  EXPECT_EQ(server.wait().code, 0);
}

// --host takes a name too: getaddrinfo() is asked for its IPv6 addresses only
// (cli::host_port with Family::ipv6). Where "localhost" has one (/etc/hosts: ::1
// localhost) the server listens on it; where it has none, the lookup's failure is
// the one line — the name was looked up, not refused as "not numeric".
TEST(Lesson04Programs, DualStackServerTakesAHostName) {
  std::error_code ec;
  std::vector<Address> named = Address::resolve("localhost", "0", Family::ipv6, Type::stream, ec);
  Program server =
      Program::start("dual_stack_server", {"--host", "localhost", "--port", "0", "--count", "1"});
  if (ec || named.empty()) {
    test::detail(tr("'localhost' has no IPv6 address here: the lookup must fail in one line"));
    auto exit = server.wait();
    EXPECT_EQ(exit.code, 1) << server.stderr_text();
    const std::string err = server.stderr_text();
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_TRUE(test::contains(err, "localhost")) << err;
    EXPECT_FALSE(test::contains(err, "usage")) << trf("a name is no usage error: {}", err);
    return;
  }
  Address a = server.listening_address();
  EXPECT_EQ(a.family(), Family::ipv6) << a.to_string();
  Socket v6 = Socket::tcp(Family::ipv6);
  v6.set_recv_timeout(5s);
  v6.connect(a);
  EXPECT_EQ(read_reply_line(v6).rfind("you are [", 0), 0u);
  EXPECT_EQ(server.wait().code, 0) << server.stderr_text();
}

// Bad input: one clear line on stderr, nothing on stdout, the right exit code.
using test::BadInput;
class Lesson04BadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(Lesson04BadInput, DualStackServerSaysOneLine) {
  test::expect_one_clear_line("dual_stack_server", GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Lesson04, Lesson04BadInput,
    ::testing::Values(
        BadInput{"PortNotANumber", {"--port", "abc"}, 2, "--port 'abc'"},
        BadInput{"PortTooLarge", {"--port", "70000"}, 2, "--port '70000'"},
        BadInput{"CountNotANumber", {"--count", "5abc"}, 2, "--count '5abc'"},
        BadInput{"HostIPv4", {"--host", "127.0.0.1"}, 2, "needs an IPv6 address"},
        BadInput{"UnknownHost", {"--host", "no.such.host.invalid"}, 1, "no.such.host.invalid"}),
    test::bad_input_name);

TEST(Lesson04Programs, E2E5_RoutingThroughANamespaceRouter) {
  Step step(5, 7, "routing",
            "host A -> router -> host B: routes shown, TTL 64 at the router, 63 at B");
  if (std::string why = test::lab_unavailable(); !why.empty()) GTEST_SKIP() << why;
  // The demo types iproute2's ip and procps' sysctl (as a student would).
  for (const char* tool : {"ip", "sysctl"})
    if (!test::find_on_path(tool))
      GTEST_SKIP() << trf("{} is not installed: apt-get install iproute2 procps (or: make deps)",
                          tool);
  namespace fs = std::filesystem;
  // A leftover of a run that crashed (PID 99999999 is above any pid_max): the
  // demo must remove it before it starts.
  std::mt19937 random(std::random_device{}());
  const std::string stale = "socklab-99999999-t" + std::to_string(random() % 1000000);
  ASSERT_EQ(std::system(("ip netns add " + stale).c_str()), 0);

  Program p = Program::start("routing", {});
  auto exit = p.wait(20s);
  const std::string& out = p.stdout_text();
  EXPECT_EQ(exit.code, 0) << p.stderr_text() << out;
  EXPECT_TRUE(test::contains(out, "default via 10.200.1.1 dev eth0"));
  EXPECT_TRUE(test::contains(out, "default via 10.200.2.1 dev eth0"));
  EXPECT_TRUE(test::contains(out, "host B accepted 10.200.1.2:"));
  EXPECT_TRUE(test::contains(out, "arriving at the router: TTL 64"));
  EXPECT_TRUE(test::contains(out, "arriving at host B:     TTL 63"));
  EXPECT_TRUE(test::contains(out, "destination port on the wire: 1f 90"));

  // Nothing left behind: neither its own namespaces nor the stale one.
  auto removed = out.find("removed namespaces ");
  ASSERT_NE(removed, std::string::npos) << out;
  std::string names = out.substr(removed + 19, out.find('\n', removed) - removed - 19);
  test::detail(trf("{} are gone again", names));
  for (std::size_t start = 0; start < names.size();) {
    std::size_t end = std::min(names.find(", ", start), names.size());
    EXPECT_FALSE(fs::exists("/run/netns/" + names.substr(start, end - start)))
        << names.substr(start, end - start);
    start = end + 2;
  }
  EXPECT_FALSE(fs::exists("/run/netns/" + stale)) << tr("the leftover of a dead run stays");
  (void)std::system(("ip netns del " + stale + " 2>/dev/null").c_str());
}

TEST(Lesson04Programs, E2E6_RoutingAsAnOrdinaryUser) {
  Step step(6, 7, tr("routing (not root)"),
            "builds the same network in namespaces of its own: no sudo, nothing outside changes");
  std::optional<Program> p;
  // In English whatever the student's language: "skipped: " is matched below.
  test::ScopedEnvironment english("SOCKLAB_LANG", "en");
  if (lab::own_namespaces()) {
    // This test is itself an ordinary user's: it runs in namespaces of its own
    // (tests/support/own_network.hpp), and the demo inherits them.
    p = Program::start("routing", {});
  } else if (lab::missing_privileges().empty() && std::filesystem::exists("/usr/bin/setpriv")) {
    // We are root: run it as user nobody, so that CI (root) tests this path too.
    p = Program::start_path("/usr/bin/setpriv", {"--reuid=65534", "--regid=65534", "--clear-groups",
                                                 test::program_path("routing")});
  } else if (std::string why = test::lab_unavailable(); !why.empty()) {
    GTEST_SKIP() << why;
  } else {
    GTEST_SKIP() << tr("running as root and no setpriv to drop privileges with");
  }
  auto exit = p->wait(20s);
  const std::string& out = p->stdout_text();
  EXPECT_EQ(exit.code, 0) << p->stderr_text() << out;
  // Where the system forbids an ordinary user namespaces, the demo says why and how to fix it.
  if (out.rfind("skipped: ", 0) == 0) GTEST_SKIP() << out.substr(0, out.find('\n'));
  EXPECT_TRUE(test::contains(out, "arriving at host B:     TTL 63")) << out;
  EXPECT_TRUE(test::contains(out, "removed namespaces ")) << out;
}

TEST(Lesson04Programs, E2E7_DualStackServerSetsV6OnlyItself) {
  Step step(7, 7, tr("dual_stack_server where IPV6_V6ONLY defaults to 1"),
            "a namespace with net.ipv6.bindv6only=1: only a server that sets V6ONLY=0 gets IPv4");
  if (std::string why = test::lab_unavailable(); !why.empty()) GTEST_SKIP() << why;
  if (!test::find_on_path("ip"))
    GTEST_SKIP() << tr("needs the ip command: apt-get install iproute2");
  if (!test::find_on_path("sysctl"))
    GTEST_SKIP() << tr("needs the sysctl command: apt-get install procps");
  V6OnlyNamespace ns;
  ASSERT_TRUE(ns.ok()) << trf("could not set up namespace {}", ns.name());

  // The premise: in there, a new IPv6 socket is v6-only unless told otherwise.
  Socket probe = inside(ns.name(), [] { return Socket::tcp(Family::ipv6); });
  ASSERT_TRUE(probe.v6_only()) << trf("bindv6only=1 did not change the default in {}", ns.name());
  probe.close();

  // The real program, started inside the namespace.
  Program server =
      Program::start_path(*test::find_on_path("ip"),
                          {"netns", "exec", ns.name(), test::program_path("dual_stack_server"),
                           "--port", "0", "--count", "2"});
  Address a = server.listening_address();
  ASSERT_NE(a.port(), 0) << server.stderr_text();
  auto [v4, v6] = inside(ns.name(), [] {
    return std::pair{Socket::tcp(Family::ipv4), Socket::tcp(Family::ipv6)};
  });
  v4.set_recv_timeout(5s);
  v6.set_recv_timeout(5s);
  std::error_code ec;
  v4.connect(Address::loopback(Family::ipv4, a.port()), ec);
  ASSERT_FALSE(ec) << trf(
      "an IPv4 client was refused: does dual_stack_server set IPV6_V6ONLY to false itself, or "
      "rely on the default? ({})",
      ec.message());
  EXPECT_EQ(read_reply_line(v4),
            "you are [::ffff:127.0.0.1]:" + std::to_string(v4.local_address().port()));
  v6.connect(Address::loopback(Family::ipv6, a.port()));
  EXPECT_EQ(read_reply_line(v6).rfind("you are [::1]:", 0), 0u);
  EXPECT_EQ(server.wait().code, 0) << server.stderr_text();
}
