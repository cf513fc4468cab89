// Lesson 12 — IP hop by hop: the routing table, ping and traceroute, narrated.
//
// Steps 1-2 (the lookup) are pure code and run everywhere; steps 3-5 run the
// programs on loopback. Steps 6-16 build this network of namespaces (root on
// Linux; they skip with the reason otherwise), the one routing_lab builds:
//
//   host A ──── R1 ──── R2 ──── R3 ──── host B      10.12.N.0/24, fd12:N::/64 on link N
//   .1.2   .1.1  .2.1  .2.2 .3.1 (MTU 1280) .3.2 .4.1   .4.2 and .4.130
//                 └─── .5.1 ── shortcut ── .5.2 ───┘
//
// They run as ONE ctest test, Lesson12Network (CMakeLists.txt, ONE_PROCESS), so the
// network is built once for all of them (SetUpTestSuite: one `ip -batch` per host) and
// removed at the end; names carry the PID. Every wait is bounded. Each step still
// narrates and fails on its own; the first failed step is named again at the end.
#include <gtest/gtest.h>

#include <socklab/ip.hpp>
#include <socklab/lab/own_namespaces.hpp>
#include <socklab/lab/route.hpp>
#include <socklab/lab/scratch.hpp>
#include <socklab/lab/topology.hpp>
#include <socklab/observe/capture.hpp>
#include <socklab/observe/encode.hpp>
#include <socklab/observe/icmp.hpp>
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "support/narrate.hpp"
#include "support/own_network.hpp"
#include "support/programs.hpp"

using namespace socklab;
using namespace std::chrono_literals;
using socklab::test::Program;
using socklab::test::Step;
using socklab::test::tr;
using socklab::test::trf;

namespace {

constexpr int total_steps = 16;

// The hop lines of trace_route's output: for each hop, the first address that
// answered, or "*" if none did.
std::vector<std::string> hops(const std::string& out) {
  std::vector<std::string> result;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    int hop = 0;
    std::string word;
    if (!(words >> hop) || hop != static_cast<int>(result.size()) + 1) continue;
    std::string first = "*";
    while (words >> word)
      if (word != "*") {
        first = word;
        break;
      }
    result.push_back(first);
  }
  return result;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

TEST(Lesson12Lookup, Step1_LongestPrefixWins) {
  Step step(1, total_steps, "route_lookup()",
            "of the prefixes that contain it, the longest decides");
  auto table = lab::parse_routes(
      "default via 10.12.1.1 dev eth0\n"
      "10.12.0.0/16 via 10.12.2.2 dev eth1\n"
      "10.12.4.0/24 via 10.12.2.2 dev eth1 metric 5\n"
      "10.12.4.128/25 via 10.12.5.2 dev eth2\n"
      "10.12.1.0/24 dev eth0 proto kernel scope link src 10.12.1.1\n"
      "10.12.4.200 via 10.12.9.9 dev eth3\n");
  auto via = [&](const char* address) {
    auto r = lab::route_lookup(table, lab::parse_ipv4(address));
    return r ? r->destination.to_string() + (r->via.empty() ? " dev " + r->dev : " via " + r->via)
             : std::string("none");
  };
  EXPECT_EQ(via("10.12.4.7"), "10.12.4.0/24 via 10.12.2.2");
  EXPECT_EQ(via("10.12.4.130"), "10.12.4.128/25 via 10.12.5.2");  // /25 beats /24
  EXPECT_EQ(via("10.12.4.200"), "10.12.4.200/32 via 10.12.9.9");  // a host route beats all
  EXPECT_EQ(via("10.12.1.77"), "10.12.1.0/24 dev eth0");          // on the link: no via
  EXPECT_EQ(via("10.12.77.1"), "10.12.0.0/16 via 10.12.2.2");
  EXPECT_EQ(via("192.0.2.1"), "default via 10.12.1.1");  // only the default contains it
  EXPECT_EQ(lab::describe(lab::route_lookup(table, lab::parse_ipv4("10.12.4.7")),
                          lab::parse_ipv4("10.12.4.7")),
            "10.12.4.7 via 10.12.2.2 dev eth1");

  // Without a default route, an address nobody covers has no route at all.
  table.erase(table.begin());
  EXPECT_FALSE(lab::route_lookup(table, lab::parse_ipv4("192.0.2.1")).has_value());
  EXPECT_EQ(lab::describe(std::nullopt, lab::parse_ipv4("192.0.2.1")), "no route to 192.0.2.1");

  // Equal prefixes: the lower metric wins, whatever the order of the lines (both
  // orders: a tie broken by line order passes one of them).
  for (const char* lines :
       {"10.1.0.0/16 via 10.0.0.2 metric 20\n10.1.0.0/16 via 10.0.0.3 metric 10\n",
        "10.1.0.0/16 via 10.0.0.3 metric 10\n10.1.0.0/16 via 10.0.0.2 metric 20\n"}) {
    auto two = lab::route_lookup(lab::parse_routes(lines), lab::parse_ipv4("10.1.2.3"));
    ASSERT_TRUE(two.has_value()) << lines;
    EXPECT_EQ(two->via, "10.0.0.3") << tr("metric 10 beats metric 20, in this table:") << "\n"
                                    << lines;
  }
  // A type word comes first: an unreachable route matches, and says so.
  auto typed = lab::parse_routes("unreachable 10.9.0.0/16\nblackhole 10.8.0.0/16\n");
  EXPECT_EQ(lab::describe(lab::route_lookup(typed, lab::parse_ipv4("10.9.1.1")),
                          lab::parse_ipv4("10.9.1.1")),
            "unreachable 10.9.1.1");
}

TEST(Lesson12Lookup, Step2_PrefixesMasksAndBadInput) {
  Step step(2, total_steps, "CIDR", "a /24 is netmask 255.255.255.0: network .0, broadcast .255");
  EXPECT_EQ(lab::format_ipv4(lab::netmask(24)), "255.255.255.0");
  EXPECT_EQ(lab::format_ipv4(lab::netmask(30)), "255.255.255.252");
  EXPECT_EQ(lab::netmask(0), 0u);
  EXPECT_EQ(lab::netmask(32), 0xffffffffu);
  const std::uint32_t a = lab::parse_ipv4("10.12.3.77");
  EXPECT_EQ(lab::format_ipv4(lab::network_address(a, 24)), "10.12.3.0");
  EXPECT_EQ(lab::format_ipv4(lab::broadcast_address(a, 24)), "10.12.3.255");
  EXPECT_EQ(lab::format_ipv4(lab::network_address(a, 30)), "10.12.3.76");
  EXPECT_EQ(lab::format_ipv4(lab::broadcast_address(a, 30)), "10.12.3.79");
  EXPECT_EQ(lab::Prefix::parse("10.12.0.0/16").to_string(), "10.12.0.0/16");
  EXPECT_EQ(lab::Prefix::parse("default").length, 0);
  EXPECT_TRUE(lab::Prefix::parse("0.0.0.0/0").contains(a));
  for (const char* bad : {"10.12.3.5/24", "10.12.0.0/33", "10.12/16", "10.12.0.0/", "300.1.1.1",
                          "1.2.3.4.5", "01.2.3.4", "", "a.b.c.d", "1.2.3.4/-1"})
    EXPECT_THROW(lab::Prefix::parse(bad), std::invalid_argument) << bad;
  EXPECT_THROW(lab::parse_routes("via 10.0.0.1\n"), std::invalid_argument);
  EXPECT_THROW(lab::parse_routes("unreachable\n"), std::invalid_argument);
  // A mistake names the line and the field, and quotes at most 60 bytes of it.
  // In English whatever the student's language: these checks read the words.
  auto error = [](const std::string& text) {
    const cli::Language was = cli::language();
    cli::set_language(cli::Language::english);
    std::string said = "(accepted)";
    try {
      lab::parse_routes(text);
    } catch (const std::invalid_argument& e) {
      said = e.what();
    }
    cli::set_language(was);
    return said;
  };
  EXPECT_EQ(error("default dev eth0\n10.0.0.0/8 metric abc\n").rfind("line 2, field metric: ", 0),
            0u)
      << error("default dev eth0\n10.0.0.0/8 metric abc\n");
  EXPECT_EQ(error("10.0.0.0/8 metric abc\n").find("stol"), std::string::npos);
  EXPECT_EQ(error("10.0.0.0/8 dev eth0 metric\n").rfind("line 1, field metric: ", 0), 0u)
      << trf("a bare metric: {}", error("10.0.0.0/8 dev eth0 metric\n"));
  EXPECT_EQ(error("10.0.0.0/8 via\n").rfind("line 1, field via: ", 0), 0u);
  EXPECT_EQ(error("10.0.0.0/8 metric -1\n").rfind("line 1, field metric: ", 0), 0u);
  const std::string huge = "10.0.0.0/8 dev " + std::string(2'000'000, 'x') + " metric x\n";
  std::string said = error(huge);
  EXPECT_LT(said.size(), 400u) << trf("a 2 MB line is cut, not echoed: {} bytes", said.size());
  EXPECT_NE(said.find("(2000024 bytes)"), std::string::npos) << said.substr(0, 400);
  EXPECT_EQ(error(std::string(100'000, '1') + "\n").size() < 400u, true);
  try {
    lab::parse_ipv4(std::string(100'000, '9'));
    ADD_FAILURE() << tr("accepted 100 KB of digits");
  } catch (const std::invalid_argument& e) {
    EXPECT_LT(std::string(e.what()).size(), 200u);
  }
}

// --- the programs on loopback (no namespaces) --------------------------------------

TEST(Lesson12Programs, Step3_TraceRouteToLoopbackArrivesAtHopOne) {
  Step step(3, total_steps, "trace_route 127.0.0.1 (IP_TTL + IP_RECVERR)",
            "the destination itself answers Port Unreachable at TTL 1: no root needed");
  Program p = Program::start("trace_route", {"127.0.0.1", "--probes", "2", "--wait", "2000"});
  auto exit = p.wait(10s);
  const std::string& out = p.stdout_text();
  if (exit.code == 1 && p.stderr_text().find("not supported") != std::string::npos)
    GTEST_SKIP() << trf("not Linux: {}", p.stderr_text());
  EXPECT_EQ(exit.code, 0) << out << p.stderr_text();
  EXPECT_EQ(join(hops(out)), "127.0.0.1") << out;
  EXPECT_NE(out.find("reached 127.0.0.1 in 1 hop"), std::string::npos) << out;
  // IPv6 the same way: IPV6_UNICAST_HOPS and IPV6_RECVERR, ICMPv6 Port Unreachable.
  Program v6 = Program::start("trace_route", {"::1", "--probes", "1", "--wait", "2000"});
  auto v6_exit = v6.wait(10s);
  if (v6.stderr_text().find("Address family not supported") == std::string::npos) {
    EXPECT_EQ(v6_exit.code, 0) << v6.stdout_text() << v6.stderr_text();
    EXPECT_EQ(join(hops(v6.stdout_text())), "::1") << v6.stdout_text();
  }
  test::detail(trf("hop 1: {} (IPv4), {} (IPv6)", join(hops(out)), join(hops(v6.stdout_text()))));
}

TEST(Lesson12Lookup, Step3_TheAnswerIsFromTheRouter) {
  Step step(3, total_steps, tr("lab::read_answer() on a crafted Time Exceeded"),
            "the hop is the ICMP message's sender (R2), not our probe's destination (B)");
  // On loopback both addresses are 127.0.0.1, so only a crafted answer tells them apart.
  IcmpError e;
  e.origin = IcmpError::Origin::icmp;
  e.type = 11;  // Time Exceeded, from R2 on the way to B
  e.offender = Address::parse("10.12.2.2:0");
  e.destination = Address::parse("10.12.4.2:33435");
  const Address target = Address::parse("10.12.4.2:0");
  lab::HopAnswer hop = lab::read_answer(e, target);
  EXPECT_EQ(hop.from, "10.12.2.2") << tr("the router that sent Time Exceeded");
  EXPECT_FALSE(hop.reached);
  EXPECT_FALSE(hop.stops) << tr("Time Exceeded: try the next TTL");
  e.type = 3, e.code = 0;  // Network Unreachable from R2: the trace stops there
  hop = lab::read_answer(e, target);
  EXPECT_EQ(hop.from, "10.12.2.2");
  EXPECT_TRUE(hop.stops && !hop.reached);
  e.code = 3;  // Port Unreachable from R2 (not B): not arrived
  EXPECT_FALSE(lab::read_answer(e, target).reached);
  e.offender = Address::parse("10.12.4.2:0");  // ... and from B itself: arrived
  hop = lab::read_answer(e, target);
  EXPECT_TRUE(hop.reached && !hop.stops);
  EXPECT_EQ(hop.from, "10.12.4.2");
}

TEST(Lesson12Programs, Step4_PingLoopback) {
  Step step(4, total_steps, "ping_host 127.0.0.1 (ICMP echo)",
            "an Echo Reply per request, with its TTL (64: no router on the way) and time");
  std::error_code ec;
  Socket probe = icmp_datagram_socket(Family::ipv4, ec);
  if (ec) probe = icmp_raw_socket(Family::ipv4, ec);
  if (ec) GTEST_SKIP() << trf("no ICMP socket ({}): {}; or run as root", ec.message(), ip_hint(ec));
  Program p = Program::start("ping_host", {"127.0.0.1", "--count", "2", "--interval", "10"});
  auto exit = p.wait(10s);
  const std::string& out = p.stdout_text();
  EXPECT_EQ(exit.code, 0) << out << p.stderr_text();
  EXPECT_NE(out.find("bytes from 127.0.0.1: icmp_seq=1 ttl=64 time="), std::string::npos) << out;
  EXPECT_NE(out.find("icmp_seq=2 ttl=64"), std::string::npos) << out;
  EXPECT_NE(out.find("2 sent, 2 received, 0% loss"), std::string::npos) << out;
}

TEST(Lesson12Lookup, Step4_EchoRequestBytes) {
  Step step(4, total_steps, tr("an ICMP Echo Request, byte by byte"),
            "type 8, code 0, checksum, identifier, sequence, data; the checksum sums to zero");
  const std::array<std::byte, 4> data{std::byte{'p'}, std::byte{'i'}, std::byte{'n'},
                                      std::byte{'g'}};
  auto m = observe::icmp::echo_request(false, 0x1234, 7, data);
  ASSERT_EQ(m.size(), 12u);
  {  // send_to() takes the bytes as they are (no cast): here to a UDP socket on loopback
    Socket a = Socket::udp(), b = Socket::udp();
    b.bind(Address::parse("127.0.0.1:0"));
    EXPECT_EQ(a.send_to(m, b.local_address()), 12u);
    std::array<char, 64> buffer{};
    b.set_recv_timeout(5s);
    ReceivedFrom got = b.recv_from(buffer);
    ASSERT_EQ(got.bytes, 12u);
    EXPECT_EQ(std::memcmp(buffer.data(), m.data(), 12), 0);
  }
  EXPECT_EQ(std::to_integer<int>(m[0]), 8);  // Echo Request
  EXPECT_EQ(std::to_integer<int>(m[1]), 0);
  EXPECT_EQ(observe::packet::internet_checksum(m), 0)
      << tr("a correct checksum makes the sum 0 (RFC 1071)");
  auto decoded = observe::icmp::decode(m);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->identifier, 0x1234);
  EXPECT_EQ(decoded->sequence, 7);
  EXPECT_FALSE(decoded->is_echo_reply(false));
  m[0] = std::byte{0};  // as the reply: type 0
  EXPECT_TRUE(observe::icmp::decode(m)->is_echo_reply(false));
  EXPECT_FALSE(observe::icmp::decode(std::span(m).first(7)).has_value())
      << tr("7 bytes: too short");
  // RFC 1071's own example: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is ~ddf2.
  const std::array<std::byte, 8> rfc{std::byte{0x00}, std::byte{0x01}, std::byte{0xf2},
                                     std::byte{0x03}, std::byte{0xf4}, std::byte{0xf5},
                                     std::byte{0xf6}, std::byte{0xf7}};
  EXPECT_EQ(observe::packet::internet_checksum(rfc), static_cast<std::uint16_t>(~0xddf2u & 0xffff));
  // IPv6: type 128, the checksum left to the kernel (it covers the addresses).
  EXPECT_EQ(std::to_integer<int>(observe::icmp::echo_request(true, 1, 1, data)[0]), 128);
  // An IPv4 header: TTL at byte 8, protocol at 9, addresses at 12 and 16.
  std::vector<std::byte> ip(28);
  ip[0] = std::byte{0x45};
  ip[3] = std::byte{28};
  ip[6] = std::byte{0x40};  // DF
  ip[8] = std::byte{63};
  ip[9] = std::byte{17};
  for (int k = 0; k < 4; ++k) {
    ip[12 + k] = std::byte{static_cast<unsigned char>(k == 0 ? 10 : k == 1 ? 12 : k == 2 ? 1 : 2)};
    ip[16 + k] = std::byte{static_cast<unsigned char>(k == 0 ? 10 : k == 1 ? 12 : k == 2 ? 4 : 2)};
  }
  auto h = observe::icmp::decode_ip(ip);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->ttl, 63);
  EXPECT_EQ(h->protocol, 17);
  EXPECT_TRUE(h->dont_fragment);
  EXPECT_EQ(h->source, "10.12.1.2");
  EXPECT_EQ(h->destination, "10.12.4.2");
  EXPECT_FALSE(observe::icmp::decode_ip(std::span(ip).first(19)).has_value());
}

TEST(Lesson12Programs, Step5_BadTableIsOneLineAndExitOne) {
  Step step(5, total_steps, tr("route_lookup with a bad table"),
            "a directory, a bad metric, a 2 MB line: one short line naming line and field, exit 1");
  std::random_device random;
  const auto dir = std::filesystem::temp_directory_path();
  const std::string file = (dir / ("socklab-lesson12-" + std::to_string(random()))).string();
  auto run = [](const std::vector<std::string>& args) {
    // In English whatever the student's language: its error lines are matched below.
    test::ScopedEnvironment english("SOCKLAB_LANG", "en");
    Program p = Program::start("route_lookup", args);
    p.close_stdin();
    auto exit = p.wait(10s);
    return std::pair(exit.code, p.stderr_text());
  };
  auto [code, err] = run({"--table", dir.string(), "1.2.3.4"});
  EXPECT_EQ(code, 1) << trf("a directory is not an empty table: {}", err);
  EXPECT_NE(err.find("directory"), std::string::npos) << err;
  struct Case {
    std::string table, expected;
  };
  for (const Case& c :
       {Case{"default dev eth0\n10.0.0.0/8 metric abc\n", "line 2, field metric"},
        Case{"10.0.0.0/8 dev eth0 metric\n", "line 1, field metric"},
        Case{"10.0.0.0/8 dev " + std::string(2'000'000, 'x') + " metric ?\n", "(2000024 bytes)"}}) {
    {
      std::ofstream out(file, std::ios::binary);
      out << c.table;
    }
    std::tie(code, err) = run({"--table", file, "1.2.3.4"});
    EXPECT_EQ(code, 1) << err.substr(0, 300);
    EXPECT_NE(err.find(c.expected), std::string::npos) << err.substr(0, 300);
    EXPECT_LT(err.size(), 400u) << tr("one short line, not the input echoed");
    EXPECT_EQ(err.find("stol"), std::string::npos) << err;
  }
  std::filesystem::remove(file);
  std::tie(code, err) = run({"--table", "-", std::string(100'000, '7')});
  EXPECT_EQ(code, 2) << err.substr(0, 300);
  EXPECT_LT(err.size(), 400u) << trf("a 100 KB address is cut: {} bytes", err.size());
}

TEST(Lesson12Programs, Step5_BadInputIsOneLineAndExitTwo) {
  Step step(5, total_steps, tr("bad input"),
            "one clear line, exit 2, for every program of the lesson");
  struct Case {
    const char* program;
    std::vector<std::string> args;
  };
  for (const Case& c :
       {Case{"trace_route", {"--max-hops", "0"}}, Case{"trace_route", {"--port", "65530"}},
        Case{"trace_route", {"a", "b"}}, Case{"ping_host", {"--count", "x"}},
        Case{"route_lookup", {"--table", "-", "10.1"}}, Case{"route_lookup", {}}}) {
    Program p = Program::start(c.program, c.args);
    p.close_stdin();
    auto exit = p.wait(10s);
    EXPECT_EQ(exit.code, 2) << c.program << " " << join(c.args) << ": " << p.stderr_text();
    EXPECT_NE(p.first_stderr_line().find("usage"), std::string::npos) << p.stderr_text();
  }
}

// --- the network (root) ------------------------------------------------------------

class Lesson12Network : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!(why_not_ = test::lab_unavailable()).empty()) return;
    lab::Topology::remove_leftovers();
    try {
      net_ = std::make_unique<lab::Topology>("t-", /*echo=*/false);
      lab::Topology& n = *net_;
      // routing_lab's network, built with one `ip -batch` per host (12 processes, not 70:
      // every test process builds its own, so this is most of a test's time).
      n.add_hosts({"a", "r1", "r2", "r3", "b"});
      for (const char* router : {"r1", "r2", "r3"}) n.forwarding(router);
      n.sysctl("b",
               "net.ipv4.icmp_ratemask=0 net.ipv6.icmp.ratelimit=0 "
               "net.ipv6.conf.default.accept_dad=0");
      n.sysctl("a", "net.ipv4.ping_group_range=" + lab::mapped_group_range() +
                        " net.ipv6.conf.default.accept_dad=0");
      // The cables: host1 if1 host2 if2.
      const char* cables[][4] = {{"a", "eth0", "r1", "eth0"},
                                 {"r1", "eth1", "r2", "eth0"},
                                 {"r2", "eth1", "r3", "eth0"},
                                 {"r3", "eth1", "b", "eth0"},
                                 {"r1", "eth2", "r3", "eth2"}};
      std::vector<std::string> veths;
      for (auto& [h1, if1, h2, if2] : cables)
        veths.push_back(std::string("link add ") + if1 + " netns " + n.name(h1) +
                        " type veth peer name " + if2 + " netns " + n.name(h2));
      n.ip_batch(veths);
      // Each host: loopback, addresses (IPv6 fd12:N::/64 on link N, no DAD), links up, routes.
      n.ip_batch("a", {"link set lo up", "addr add 10.12.1.2/24 dev eth0",
                       "addr add fd12:1::2/64 dev eth0 nodad", "link set eth0 up",
                       "route add default via 10.12.1.1", "route add default via fd12:1::1"});
      n.ip_batch("r1", {"link set lo up", "addr add 10.12.1.1/24 dev eth0",
                        "addr add fd12:1::1/64 dev eth0 nodad", "link set eth0 up",
                        "addr add 10.12.2.1/24 dev eth1", "addr add fd12:2::1/64 dev eth1 nodad",
                        "link set eth1 up", "addr add 10.12.5.1/24 dev eth2", "link set eth2 up",
                        "route add default via 10.12.2.2", "route add default via fd12:2::2",
                        "route add 10.12.4.128/25 via 10.12.5.2",  // the shortcut: longer prefix
                        "route add blackhole 10.12.7.0/24"});
      n.ip_batch(
          "r2",
          {"link set lo up", "addr add 10.12.2.2/24 dev eth0",
           "addr add fd12:2::2/64 dev eth0 nodad", "link set eth0 up",
           "addr add 10.12.3.1/24 dev eth1", "addr add fd12:3::1/64 dev eth1 nodad",
           "link set eth1 mtu 1280", "link set eth1 up", "route add 10.12.1.0/24 via 10.12.2.1",
           "route add fd12:1::/64 via fd12:2::1", "route add 10.12.4.0/24 via 10.12.3.2",
           "route add fd12:4::/64 via fd12:3::2", "route add 10.12.5.0/24 via 10.12.2.1",
           // The loop: R3's default sends it back.
           "route add 10.12.8.0/24 via 10.12.3.2"});
      n.ip_batch("r3", {"link set lo up", "addr add 10.12.3.2/24 dev eth0",
                        "addr add fd12:3::2/64 dev eth0 nodad", "link set eth0 mtu 1280",
                        "link set eth0 up", "addr add 10.12.4.1/24 dev eth1",
                        "addr add fd12:4::1/64 dev eth1 nodad", "link set eth1 up",
                        "addr add 10.12.5.2/24 dev eth2", "link set eth2 up",
                        "route add default via 10.12.3.1", "route add default via fd12:3::1"});
      n.ip_batch("b", {"link set lo up", "addr add 10.12.4.2/24 dev eth0",
                       "addr add 10.12.4.130/24 dev eth0", "addr add fd12:4::2/64 dev eth0 nodad",
                       "link set eth0 up", "route add default via 10.12.4.1",
                       "route add default via fd12:4::1"});
    } catch (const std::exception& e) {
      build_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    net_.reset();  // ip netns del, every namespace
    // One ctest test runs every step here. scripts/junit.awk (check-NN, progress,
    // check-exercises, grade) gives each step its own line when the output holds each
    // whole; when it is cut or the process crashed, the ctest test is one line, pointed
    // at its last step line: so the first step that failed is the last one named.
    if (!first_failed_.empty()) {
      test::narrate(tr("the first step that failed in this run:"));
      test::narrate(first_failed_);
    }
  }

  // Skips all or nothing, here and never in a step: the whole suite is one ctest test,
  // marked skipped when its output has GoogleTest's "[  SKIPPED ]" (a step that skipped
  // on its own would hide another's failure).
  void SetUp() override {
    if (!why_not_.empty()) GTEST_SKIP() << why_not_;
    ASSERT_TRUE(build_error_.empty()) << trf("building the network failed: {}", build_error_);
  }
  void TearDown() override {
    if (HasFailure() && first_failed_.empty()) first_failed_ = test::last_step();
  }

  // A lesson program run inside host A.
  static Program in_a(const std::string& program, const std::vector<std::string>& args) {
    std::vector<std::string> all = {"netns", "exec", net_->name("a"), test::program_path(program)};
    all.insert(all.end(), args.begin(), args.end());
    return Program::start_path(ip_path(), all);
  }
  static std::string ip_path() {
    auto ip = test::find_on_path("ip");
    return ip ? *ip : "/usr/sbin/ip";
  }
  static std::string trace(const std::vector<std::string>& args, int expected_exit) {
    Program p = in_a("trace_route", args);
    auto exit = p.wait(20s);
    EXPECT_EQ(exit.code, expected_exit) << p.stdout_text() << p.stderr_text();
    return p.stdout_text();
  }

  static inline std::unique_ptr<lab::Topology> net_;
  static inline std::string why_not_;
  static inline std::string build_error_;
  static inline std::string first_failed_;  // its step line
};

TEST_F(Lesson12Network, Step6_RouteLookupAgreesWithTheKernel) {
  Step step(6, total_steps, "route_lookup() vs `ip route get`",
            "our longest prefix match picks what the kernel picks, for every address tried");
  // A failure names its seed; SOCKLAB_SEED=N repeats that run.
  const char* fixed = std::getenv("SOCKLAB_SEED");
  const unsigned seed = fixed ? static_cast<unsigned>(std::stoul(fixed)) : std::random_device{}();
  test::detail(trf("random addresses from seed {} (repeat with SOCKLAB_SEED={})", seed, seed));
  std::mt19937 random(seed);
  std::vector<std::string> addresses = {"10.12.4.2", "10.12.4.130", "10.12.4.127", "10.12.4.128",
                                        "10.12.1.9", "10.12.5.77",  "10.12.7.1",   "10.99.0.1",
                                        "192.0.2.1", "10.12.2.255", "10.12.3.9",   "10.12.8.1"};
  for (int i = 0; i < 40; ++i)  // inside the lab's 10.12.0.0/16, where the routes differ
    addresses.push_back(lab::format_ipv4(0x0a0c0000u | (random() % 10) << 8 | (random() % 256)));
  for (int i = 0; i < 20; ++i) {  // anywhere unicast: 1.0.0.0 - 223.255.255.255, not 127/8
    std::uint32_t a = 0;
    do a = static_cast<std::uint32_t>(random());
    while ((a >> 24) < 1 || (a >> 24) > 223 || (a >> 24) == 127);
    addresses.push_back(lab::format_ipv4(a));
  }
  int compared = 0;
  for (const char* router : {"r1", "r2", "r3"}) {
    // The kernel looks in the local table (our own and broadcast addresses) and the
    // main table; route_lookup() gets both, as `ip route` prints them.
    auto table = lab::parse_routes(net_->ip(router, "route show table local") +
                                   net_->ip(router, "route show table main"));
    // One `ip -batch` per router (one process, not one per address): each "route get"
    // prints its answer, then indented lines ("cache ..."); a refused one prints the
    // error and "Command failed -:N", N its line (-force: the batch goes on).
    std::string script = "printf 'route get %s\\n'";
    for (const auto& a : addresses) script += " " + a;
    script += " | ip -n " + net_->name(router) + " -force -batch - 2>&1";
    std::istringstream lines(net_->run(script, false));
    std::string line, error;
    std::size_t next = 0;                       // the command the next answer belongs to
    std::map<std::string, std::string> answer;  // address -> first line of `ip route get`
    while (std::getline(lines, line)) {
      if (line.empty() || line[0] == ' ' || line[0] == '\t') continue;  // "cache ..."
      if (line.rfind("Command failed -:", 0) == 0) {
        const std::size_t n = std::stoul(line.substr(17));  // 1-based: the failed command
        if (n >= 1 && n <= addresses.size()) answer[addresses[n - 1]] = error;
        next = n;
      } else if (line.rfind("RTNETLINK", 0) == 0 || line.rfind("Error", 0) == 0) {
        error = line;
      } else if (next < addresses.size()) {
        answer[addresses[next++]] = line;
      }
    }
    for (const auto& a : addresses) {
      auto mine = lab::route_lookup(table, lab::parse_ipv4(a));
      std::istringstream words(answer[a]);
      std::string first, word, via, dev;
      words >> first;
      while (words >> word) {
        if (word == "via")
          words >> via;
        else if (word == "dev")
          words >> dev;
      }
      SCOPED_TRACE(std::string(router) + " " + a + ": kernel says \"" + answer[a] + "\", ours \"" +
                   lab::describe(mine, lab::parse_ipv4(a)) + "\"");
      if (first == "RTNETLINK") {
        // The kernel refuses to route it; the error says which kind of route did
        // it (rtnetlink answers with the errno of the route type, see ip-route(8)):
        // ENETUNREACH: no route or "unreachable"; EINVAL: "blackhole"; EACCES: "prohibit".
        if (answer[a].find("Network is unreachable") != std::string::npos)
          EXPECT_TRUE(!mine || mine->type == "unreachable");
        else if (answer[a].find("Invalid argument") != std::string::npos)
          EXPECT_TRUE(mine && mine->type == "blackhole");
        else
          EXPECT_TRUE(mine && mine->type == "prohibit");
      } else if (first == a) {  // a unicast route: the same next hop and interface
        ASSERT_TRUE(mine.has_value());
        EXPECT_EQ(mine->type, "unicast");
        EXPECT_EQ(mine->via, via);
        EXPECT_EQ(mine->dev, dev);
      } else {  // local, broadcast, blackhole, ...: the same kind of route
        ASSERT_TRUE(mine.has_value());
        EXPECT_EQ(mine->type, first);
      }
      ++compared;
    }
  }
  test::detail(trf("{} lookups on R1, R2, R3 agree with the kernel", compared));
}

TEST_F(Lesson12Network, Step7_TracedPathIsTheRouters) {
  Step step(7, total_steps, "trace_route A -> B",
            "TTL 1, 2, 3 expire at R1, R2, R3 (Time Exceeded), TTL 4 reaches B (Port Unreachable)");
  std::string out = trace({"10.12.4.2", "--wait", "2000"}, 0);
  EXPECT_EQ(join(hops(out)), "10.12.1.1 10.12.2.2 10.12.3.2 10.12.4.2") << out;
  EXPECT_NE(out.find("reached 10.12.4.2 in 4 hops"), std::string::npos) << out;
  EXPECT_EQ(out.find(" *"), std::string::npos) << tr("every probe answered:") << "\n" << out;
  test::detail(trf("path: {}", join(hops(out))));
}

TEST_F(Lesson12Network, Step8_EachRouterTakesOneOffTheTtl) {
  Step step(8, total_steps, tr("capture on each router's interface"),
            "one datagram from A: TTL 64 at R1, 63 at R2, 62 at R3, 61 at B");
  std::vector<observe::Capture> captures;
  for (const char* host : {"r1", "r2", "r3", "b"}) {
    auto inside = net_->enter(host);
    captures.push_back(observe::Capture::on_interface("eth0", 33999, observe::Transport::udp));
  }
  {
    auto inside = net_->enter("a");
    Socket udp = Socket::udp();
    udp.send_to("ttl", Address::parse("10.12.4.2:33999"));
  }
  std::vector<int> ttls;
  for (auto& c : captures) {
    std::error_code ec;
    auto packet = c.next(std::chrono::steady_clock::now() + 3s, ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_TRUE(packet.has_value()) << trf("nothing captured at hop {}", ttls.size() + 1);
    auto ip = observe::icmp::decode_ip(packet->bytes);
    ASSERT_TRUE(ip.has_value());
    EXPECT_EQ(ip->source, "10.12.1.2");
    ttls.push_back(ip->ttl);
  }
  EXPECT_EQ(ttls, (std::vector<int>{64, 63, 62, 61}));
  std::string text;
  for (int t : ttls) text += " " + std::to_string(t);
  test::detail(trf("TTL on arrival at R1, R2, R3, B:{}", text));
}

TEST_F(Lesson12Network, Step9_LongestPrefixTakesTheShortcut) {
  Step step(9, total_steps, tr("10.12.4.128/25 via R3 beats default via R2"),
            "B's .130 is inside R1's /25: three hops, through 10.12.5.2");
  std::string out = trace({"10.12.4.130", "--probes", "1", "--wait", "2000"}, 0);
  EXPECT_EQ(join(hops(out)), "10.12.1.1 10.12.5.2 10.12.4.130") << out;
  std::string kernel = net_->ip("r1", "route get 10.12.4.130");
  EXPECT_NE(kernel.find("via 10.12.5.2 dev eth2"), std::string::npos) << kernel;
  out = trace({"10.12.4.2", "--probes", "1", "--wait", "2000"}, 0);
  EXPECT_EQ(hops(out).size(), 4u) << tr("10.12.4.2 (not in the /25) takes the long way:") << "\n"
                                  << out;
}

TEST_F(Lesson12Network, Step10_MissingRouteIsUnreachableFromR2) {
  Step step(10, total_steps, "trace_route 10.99.0.1",
            "R2 has no route to it: ICMP Network Unreachable (!N), from R2");
  std::string out = trace({"10.99.0.1", "--probes", "1", "--wait", "2000"}, 1);
  EXPECT_EQ(join(hops(out)), "10.12.1.1 10.12.2.2") << out;
  EXPECT_NE(out.find("10.12.2.2  "), std::string::npos) << out;
  EXPECT_NE(out.find(" !N"), std::string::npos) << out;
  EXPECT_NE(out.find("not reached: 10.12.2.2 says Network Unreachable"), std::string::npos) << out;
}

TEST_F(Lesson12Network, Step11_RoutingLoopEndsInTimeExceeded) {
  Step step(11, total_steps, tr("a routing loop R2 <-> R3"),
            "the packet circles until its TTL is gone; TTL 64 dies at R2, arriving from R3");
  // In-process: one datagram with Linux's default TTL 64. Router k gets it with
  // TTL 65 - k; the 64th router (R1, then R2, R3, R2, ... : an even k is R2) drops it.
  Socket udp;
  {
    auto inside = net_->enter("a");
    udp = Socket::udp();
  }
  set_recv_errors(udp, true);
  udp.send_to("loop", Address::parse("10.12.8.1:33434"));
  PollFd p{udp.native_handle(), Events::none};
  ASSERT_EQ(poll(std::span(&p, 1), 3000ms), 1u) << tr("no ICMP answer within 3 s");
  auto e = recv_error(udp);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->time_exceeded()) << e->text();
  EXPECT_EQ(e->offender.ip(), "10.12.3.1") << tr("R2's interface facing R3");
  EXPECT_EQ(e->destination.to_string(), "10.12.8.1:33434");
  test::narrate("  " + e->offender.ip() + ": " + e->text());
  // And trace_route shows the two routers taking turns.
  std::string out = trace({"10.12.8.1", "--max-hops", "6", "--probes", "1", "--wait", "2000"}, 1);
  EXPECT_EQ(join(hops(out)), "10.12.1.1 10.12.2.2 10.12.3.2 10.12.3.1 10.12.3.2 10.12.3.1") << out;
  EXPECT_NE(out.find("a routing loop? 10.12.3.2 answered at hops 3 and 5"), std::string::npos)
      << out;
}

TEST_F(Lesson12Network, Step12_SmallMtuSaysFragmentationNeeded) {
  Step step(12, total_steps, tr("IP_MTU_DISCOVER (DF) and 1400 bytes over the 1280 link"),
            "R2 drops it and answers Fragmentation Needed, MTU 1280; IP_MTU then says 1280");
  Socket udp;
  {
    auto inside = net_->enter("a");
    udp = Socket::udp();
  }
  set_dont_fragment(udp, true);
  set_recv_errors(udp, true);
  udp.connect(Address::parse("10.12.4.2:9"));
  EXPECT_EQ(path_mtu(udp), 1500);
  (void)udp.send(std::string(1400, 'x'));
  PollFd p{udp.native_handle(), Events::none};
  ASSERT_EQ(poll(std::span(&p, 1), 3000ms), 1u) << tr("no ICMP answer within 3 s");
  auto e = recv_error(udp);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->fragmentation_needed()) << e->text();
  EXPECT_EQ(e->info, 1280u);
  EXPECT_EQ(e->offender.ip(), "10.12.2.2");
  EXPECT_EQ(e->error, std::errc::message_size);
  EXPECT_EQ(path_mtu(udp), 1280);
  std::error_code ec;
  (void)udp.send(std::string(1400, 'x'), ec);
  EXPECT_EQ(ec, std::errc::message_size) << tr("the kernel now refuses at once");
  (void)udp.send(std::string(1280 - 28, 'x'));  // 20 bytes IPv4 + 8 bytes UDP header: fits
  test::narrate("  " + e->offender.ip() + ": " + e->text());
}

TEST_F(Lesson12Network, Step13_PingThroughThreeRoutersAndIntoABlackhole) {
  Step step(13, total_steps, tr("ping_host 10.12.4.2, then 10.12.7.1"),
            "the reply arrives with TTL 61 (three routers); a blackhole gives no answer: exit 1");
  Program p = in_a("ping_host", {"10.12.4.2", "--count", "2", "--interval", "10"});
  auto exit = p.wait(10s);
  EXPECT_EQ(exit.code, 0) << p.stdout_text() << p.stderr_text();
  EXPECT_NE(p.stdout_text().find("bytes from 10.12.4.2: icmp_seq=1 ttl=61"), std::string::npos)
      << p.stdout_text();
  // As user nobody, inside A, whose ping_group_range lets every group open ping sockets.
  // (Only as real root: in a user namespace of our own, uid 65534 has no mapping.)
  if (!lab::own_namespaces() && std::filesystem::exists("/usr/bin/setpriv")) {
    Program u = Program::start_path(
        ip_path(),
        {"netns", "exec", net_->name("a"), "/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
         "--clear-groups", test::program_path("ping_host"), "10.12.4.2", "--count", "1"});
    EXPECT_EQ(u.wait(10s).code, 0) << u.stdout_text() << u.stderr_text();
    EXPECT_NE(u.stdout_text().find("with an ICMP datagram socket"), std::string::npos)
        << u.stdout_text();
  }
  auto start = std::chrono::steady_clock::now();
  std::optional<Program> started;
  {
    test::ScopedEnvironment english("SOCKLAB_LANG", "en");  // its error line is matched below
    started.emplace(in_a("ping_host", {"10.12.7.1", "--count", "1", "--timeout", "300"}));
  }
  Program& none = *started;
  auto silent = none.wait(10s);
  EXPECT_EQ(silent.code, 1);
  EXPECT_EQ(none.first_stderr_line(),
            "ping_host: error: no echo reply from 10.12.7.1 within 300 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << tr("the wait is bounded");
}

TEST(Lesson12Lab, Step14_RoutingLabRunsEveryScenario) {
  Step step(14, total_steps, "routing_lab",
            "builds the network, runs every scenario, draws the TTL ladder, removes it all");
  if (std::string why = test::lab_unavailable(); !why.empty()) GTEST_SKIP() << why;
  Program p = Program::start("routing_lab", {});
  auto exit = p.wait(30s);
  const std::string& out = p.stdout_text();
  EXPECT_EQ(exit.code, 0) << p.stderr_text() << out;
  for (const char* expected :
       {"$ ip -n socklab-", "reached 10.12.4.2 in 4 hops", "reached 10.12.4.130 in 3 hops",
        "10.12.4.130 via 10.12.5.2 dev eth2  (longest match: 10.12.4.128/25)",
        "not reached: 10.12.2.2 says Network Unreachable",
        "from 10.12.2.2: Fragmentation Needed (MTU 1280)", "path MTU to 10.12.4.2 now: 1280",
        "|--- TTL 64 --->|", "|--- TTL 61 --->|", "ttl=61",
        "a routing loop? 10.12.3.2 answered at hops 3 and 5"})
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  auto removed = out.find("removed namespaces ");
  ASSERT_NE(removed, std::string::npos) << out;
  std::string names = out.substr(removed + 19, out.find('\n', removed) - removed - 19);
  for (std::size_t start = 0; start < names.size();) {
    std::size_t end = std::min(names.find(", ", start), names.size());
    EXPECT_FALSE(std::filesystem::exists("/run/netns/" + names.substr(start, end - start)));
    start = end + 2;
  }
}

TEST(Lesson12Lab, Step15_AsAnOrdinaryUser) {
  Step step(15, total_steps, tr("routing_lab (not root)"),
            "builds the same network in namespaces of its own: no sudo, nothing outside changes");
  std::optional<Program> p;
  // In English whatever the student's language: "skipped: " is matched below.
  test::ScopedEnvironment english("SOCKLAB_LANG", "en");
  if (lab::own_namespaces()) {
    p = Program::start("routing_lab", {});  // we are an ordinary user's test; it inherits ours
  } else if (lab::missing_privileges().empty() && std::filesystem::exists("/usr/bin/setpriv")) {
    // We are root: run it as user nobody, so that CI (root) tests this path too.
    p = Program::start_path("/usr/bin/setpriv", {"--reuid=65534", "--regid=65534", "--clear-groups",
                                                 test::program_path("routing_lab")});
  } else if (std::string why = test::lab_unavailable(); !why.empty()) {
    GTEST_SKIP() << why;
  } else {
    GTEST_SKIP() << tr("running as root and no setpriv to drop privileges with");
  }
  auto exit = p->wait(30s);
  const std::string& out = p->stdout_text();
  EXPECT_EQ(exit.code, 0) << p->stderr_text() << out;
  // Where the system forbids an ordinary user namespaces, the lab says why and how to fix it.
  if (out.rfind("skipped: ", 0) == 0) GTEST_SKIP() << out.substr(0, out.find('\n'));
  for (const char* expected : {"reached 10.12.4.2 in 4 hops", "|--- TTL 61 --->|"})
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
}

TEST_F(Lesson12Network, Step16_Ipv6HopByHop) {
  Step step(16, total_steps, tr("trace_route and ping_host over IPv6"),
            "Hop Limit instead of TTL, ICMPv6 Time Exceeded (type 3) and Port Unreachable");
  std::string out = trace({"fd12:4::2", "--probes", "1", "--wait", "2000"}, 0);
  EXPECT_EQ(join(hops(out)), "fd12:1::1 fd12:2::2 fd12:3::2 fd12:4::2") << out;
  Program p = in_a("ping_host", {"fd12:4::2", "--count", "1"});
  EXPECT_EQ(p.wait(10s).code, 0) << p.stdout_text() << p.stderr_text();
  EXPECT_NE(p.stdout_text().find("bytes from fd12:4::2: icmp_seq=1 ttl=61"), std::string::npos)
      << p.stdout_text();
  test::detail(trf("path: {}", join(hops(out))));
}
