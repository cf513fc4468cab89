// Lesson 12 — IP hop by hop: the routing table, ping and traceroute, narrated.
//
// Steps 1-2 (the lookup) are pure code and run everywhere. The rest build a
// network of namespaces (root on Linux) and skip with the reason otherwise:
//
//   host A ── R1 ── R2 ── R3 ── host B          (and a shortcut R1 ── R3)
#include <gtest/gtest.h>

#include <socklab/lab/route.hpp>

#include <string>

#include "support/narrate.hpp"

using namespace socklab;
using socklab::test::Step;

namespace {

constexpr int total_steps = 2;

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

  // Equal prefixes: the lower metric wins, whatever the order of the lines.
  auto two =
      lab::parse_routes("10.1.0.0/16 via 10.0.0.2 metric 20\n10.1.0.0/16 via 10.0.0.3 metric 10\n");
  EXPECT_EQ(lab::route_lookup(two, lab::parse_ipv4("10.1.2.3"))->via, "10.0.0.3");
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
}
