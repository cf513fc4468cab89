// socklab/ip.hpp — the IP layer under a socket: TTL, ICMP errors, path MTU, ICMP echo.
//
// Lesson 12 sends probes with a chosen Time to Live and reads what the routers
// answer. These are socket options and calls like the others (one function =
// one call), but the ones that read ICMP errors are Linux's: IP_RECVERR with
// recvmsg(MSG_ERRQUEUE) (ip(7), ipv6(7)), IP_MTU_DISCOVER/IP_MTU, and the ICMP
// "datagram" socket (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), Linux 3.0+).
// Elsewhere (macOS, Windows) every function here fails with
// std::errc::operation_not_supported; the message of the throwing form says
// what to use instead (a raw socket, a Linux VM or WSL2).
//
//   Socket probe = Socket::udp();
//   set_ttl(probe, 3);                    // setsockopt(IP_TTL): the 3rd router drops it...
//   set_recv_errors(probe, true);         // setsockopt(IP_RECVERR): ...and we get its answer
//   probe.send_to("x", target);
//   std::optional<IcmpError> e = recv_error(probe);  // recvmsg(MSG_ERRQUEUE)
//   // e->offender = the router, e->type = 11 (Time Exceeded)
//
// IPv6 sockets use the IPv6 forms (IPV6_UNICAST_HOPS, IPV6_RECVERR,
// IPV6_MTU_DISCOVER, IPV6_MTU, IPPROTO_ICMPV6), chosen from the socket's family.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <system_error>

#include "socklab/address.hpp"
#include "socklab/socket.hpp"

namespace socklab {

/// setsockopt(IP_TTL) / IPV6_UNICAST_HOPS: the TTL (hop limit) of the packets this
/// socket sends, 1..255. Each router takes one off; at 0 it drops the packet and
/// answers ICMP Time Exceeded (RFC 791, RFC 1812 section 5.3.1).
void set_ttl(Socket& s, int ttl);
void set_ttl(Socket& s, int ttl, std::error_code& ec) noexcept;

/// setsockopt(IP_RECVERR) / IPV6_RECVERR: keep every ICMP error about our packets
/// in the socket's error queue (read with recv_error()), not only the last one
/// as a pending errno. Needs no privilege.
void set_recv_errors(Socket& s, bool on);
void set_recv_errors(Socket& s, bool on, std::error_code& ec) noexcept;

/// setsockopt(IP_RECVTTL) / IPV6_RECVHOPLIMIT: recv_with_ttl() then reports the TTL
/// each datagram arrived with.
void set_recv_ttl(Socket& s, bool on);
void set_recv_ttl(Socket& s, bool on, std::error_code& ec) noexcept;

/// setsockopt(IP_MTU_DISCOVER, IP_PMTUDISC_DO) / IPV6_MTU_DISCOVER: set "don't
/// fragment" on every packet (path MTU discovery, RFC 1191 / RFC 8201). A router
/// whose next link is too small drops the packet and answers "fragmentation
/// needed" with that link's MTU; the kernel remembers it and send() of a larger
/// datagram then fails with EMSGSIZE (std::errc::message_size) at once.
/// Off (IP_PMTUDISC_DONT): routers fragment instead.
void set_dont_fragment(Socket& s, bool on);
void set_dont_fragment(Socket& s, bool on, std::error_code& ec) noexcept;

/// getsockopt(IP_MTU) / IPV6_MTU on a connected socket: the path MTU the kernel
/// knows to the peer (the first link's MTU until a router says otherwise).
int path_mtu(const Socket& s);
int path_mtu(const Socket& s, std::error_code& ec) noexcept;

/// One ICMP error from the socket's error queue (struct sock_extended_err).
struct IcmpError {
  enum class Origin { local, icmp, icmp6, other };
  Origin origin = Origin::other;  ///< who produced it: a router's ICMP, or our own kernel
  int type = 0;                   ///< ICMP type (11 = Time Exceeded, 3 = Unreachable; v6: 3, 1)
  int code = 0;                   ///< ICMP code (3 = port unreachable, 4 = fragmentation needed)
  std::uint32_t info = 0;         ///< for "fragmentation needed"/"packet too big": the MTU
  std::error_code error;          ///< the errno the kernel maps it to (EHOSTUNREACH, EMSGSIZE...)
  Address offender;               ///< who sent the ICMP message (the router); port 0
  Address destination;            ///< where our packet was going (msg_name: the original address)
  std::chrono::steady_clock::time_point received{};  ///< when recv_error() read it
  std::size_t payload_bytes = 0;                     ///< bytes of our datagram returned with it

  bool time_exceeded() const noexcept;
  bool port_unreachable() const noexcept;
  bool fragmentation_needed() const noexcept;  ///< v4 type 3 code 4, or v6 Packet Too Big
  /// "Time Exceeded", "Port Unreachable", "Fragmentation Needed (MTU 1280)", ...
  std::string text() const;
  /// traceroute's mark: "" (time exceeded / port unreachable), "!N", "!H", "!P", "!F-1280", ...
  std::string mark() const;
};

/// recvmsg(MSG_ERRQUEUE | MSG_DONTWAIT): the oldest error in the queue, or nullopt
/// if it is empty (it never waits: poll() reports Events::error while it is not).
std::optional<IcmpError> recv_error(Socket& s);
std::optional<IcmpError> recv_error(Socket& s, std::error_code& ec) noexcept;

/// One datagram and the TTL it arrived with (-1 if the kernel did not say: switch
/// set_recv_ttl() on, or read it from the IP header of a raw socket).
struct ReceivedWithTtl {
  std::size_t bytes = 0;
  Address from;
  int ttl = -1;
  bool truncated = false;
};
/// recvmsg() with the IP_TTL / IPV6_HOPLIMIT control message; retried on EINTR.
ReceivedWithTtl recv_with_ttl(Socket& s, std::span<std::byte> buffer);
ReceivedWithTtl recv_with_ttl(Socket& s, std::span<std::byte> buffer, std::error_code& ec) noexcept;

/// socket(family, SOCK_DGRAM, IPPROTO_ICMP / IPPROTO_ICMPV6): an ICMP echo socket
/// any user may open if their group is in net.ipv4.ping_group_range (else EACCES
/// or EPERM). The kernel fills in the identifier and keeps only our echo replies;
/// what we send and receive starts at the ICMP header.
Socket icmp_datagram_socket(Family family);
Socket icmp_datagram_socket(Family family, std::error_code& ec) noexcept;
/// socket(family, SOCK_RAW, IPPROTO_ICMP / IPPROTO_ICMPV6): needs CAP_NET_RAW.
/// Receives every ICMP message the host gets (IPv4: with its IP header in front).
Socket icmp_raw_socket(Family family);
Socket icmp_raw_socket(Family family, std::error_code& ec) noexcept;

/// What to tell a user when one of the calls above failed with `ec`.
std::string ip_hint(const std::error_code& ec);

}  // namespace socklab
