// socklab/lab/route.hpp — a routing table and the lookup every router does.
//
// A routing table is a list of routes "to this prefix, send via that
// neighbour (or straight out of that interface)". For each packet the router
// takes the route whose prefix contains the destination and is the LONGEST
// (the most specific); `default` is 0.0.0.0/0, which contains everything and so
// is used only when nothing more specific matches (RFC 1812 section 5.2.4.3).
//
//   auto table = lab::parse_routes("default via 10.12.1.1\n10.12.4.0/24 dev eth1\n");
//   auto hit = lab::route_lookup(table, lab::parse_ipv4("10.12.4.7"));  // the /24
//
// The lines are those `ip route` prints (iproute2): "PREFIX [via GW] [dev IF]
// [metric N] ...", optionally starting with a type ("unreachable", "blackhole",
// "prohibit", "local", ...). Words the lookup does not need (proto, scope, src,
// linkdown) are kept in `line` and otherwise ignored. IPv4 only; pure code, no
// system call: it runs the same on every platform.
#pragma once

#include <socklab/address.hpp>
#include <socklab/ip.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace socklab::lab {

/// "10.12.1.7" -> 0x0a0c0107 (host byte order). Throws std::invalid_argument.
std::uint32_t parse_ipv4(std::string_view text);
/// 0x0a0c0107 -> "10.12.1.7".
std::string format_ipv4(std::uint32_t address);

/// An IPv4 prefix in CIDR notation: 10.12.0.0/16 = the first 16 bits are the network.
struct Prefix {
  std::uint32_t network = 0;  ///< the address with every host bit cleared
  int length = 0;             ///< 0..32 bits

  /// "10.12.0.0/16", "10.12.3.5" (= /32), "default" (= 0.0.0.0/0). Host bits set
  /// in the text ("10.12.3.5/24") are an error, as `ip route add` says.
  static Prefix parse(std::string_view text);
  bool contains(std::uint32_t address) const noexcept;
  std::string to_string() const;  ///< "10.12.0.0/16", "default" for /0
};

/// The netmask of a prefix length: 24 -> 255.255.255.0 (0xffffff00).
std::uint32_t netmask(int length) noexcept;
/// The network address (host bits 0) and the broadcast address (host bits 1).
std::uint32_t network_address(std::uint32_t address, int length) noexcept;
std::uint32_t broadcast_address(std::uint32_t address, int length) noexcept;

/// One line of `ip route`.
struct Route {
  std::string type = "unicast";  ///< or unreachable, blackhole, prohibit, local, ...
  Prefix destination;
  std::string via;          ///< the next router ("" = the destination is on the link)
  std::string dev;          ///< the outgoing interface ("" if the line names none)
  std::int64_t metric = 0;  ///< among equal prefixes the lowest metric wins (0..2^32-1)
  std::string line;         ///< the line as given
};

/// Parses `ip route` output, one route per non-empty line. Throws
/// std::invalid_argument on a mistake, naming the line's number and the field
/// ("line 3, field metric: ..."); what it quotes from the input is cut to 60 bytes.
std::vector<Route> parse_routes(std::string_view text);

/// Longest prefix match: the route for `destination`, or nullopt if no prefix
/// contains it (a router then answers ICMP "network unreachable").
std::optional<Route> route_lookup(const std::vector<Route>& table, std::uint32_t destination);

/// One answer the way `ip route get` starts its line: "10.12.4.7 via 10.12.2.2 dev
/// eth1", "10.12.1.5 dev eth0", "unreachable 10.99.0.1", or "no route to 10.99.0.1".
std::string describe(const std::optional<Route>& route, std::uint32_t destination);

/// What one traceroute probe's answer says (lessons/12_routing/trace_route.cpp).
struct HopAnswer {
  std::string from;      ///< who answered: the sender of the ICMP message (a router)
  bool reached = false;  ///< Port Unreachable from the target itself: we have arrived
  bool stops = false;    ///< any other error but Time Exceeded: no use going further
};
/// Reads an answer from the error queue (recv_error()) to a probe sent to `target`.
/// `from` is the offender (SO_EE_OFFENDER), not `answer.destination`, which is
/// where OUR probe was going: on loopback the two are the same address.
HopAnswer read_answer(const IcmpError& answer, const Address& target);

}  // namespace socklab::lab
