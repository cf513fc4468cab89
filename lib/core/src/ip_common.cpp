// ip_common.cpp — the throwing forms of socklab/ip.hpp and the text of ICMP errors
// (RFC 792 for ICMPv4, RFC 4443 for ICMPv6). The calls are in ip_linux.cpp.
#include <string>

#include "socklab/error.hpp"
#include "socklab/ip.hpp"

namespace socklab {
namespace {

// The message's hint comes from hint_for() (error.cpp), like every other call's.
void check(const std::error_code& ec, std::string_view call) {
  throw_if(ec, call);
}

}  // namespace

void set_ttl(Socket& s, int ttl) {
  std::error_code ec;
  set_ttl(s, ttl, ec);
  check(ec, "setsockopt(IP_TTL)");
}
void set_recv_errors(Socket& s, bool on) {
  std::error_code ec;
  set_recv_errors(s, on, ec);
  check(ec, "setsockopt(IP_RECVERR)");
}
void set_recv_ttl(Socket& s, bool on) {
  std::error_code ec;
  set_recv_ttl(s, on, ec);
  check(ec, "setsockopt(IP_RECVTTL)");
}
void set_dont_fragment(Socket& s, bool on) {
  std::error_code ec;
  set_dont_fragment(s, on, ec);
  check(ec, "setsockopt(IP_MTU_DISCOVER)");
}
int path_mtu(const Socket& s) {
  std::error_code ec;
  int mtu = path_mtu(s, ec);
  check(ec, "getsockopt(IP_MTU)");
  return mtu;
}
std::optional<IcmpError> recv_error(Socket& s) {
  std::error_code ec;
  auto e = recv_error(s, ec);
  check(ec, "recvmsg(MSG_ERRQUEUE)");
  return e;
}
ReceivedWithTtl recv_with_ttl(Socket& s, std::span<std::byte> buffer) {
  std::error_code ec;
  auto r = recv_with_ttl(s, buffer, ec);
  check(ec, "recvmsg");
  return r;
}
Socket icmp_datagram_socket(Family family) {
  std::error_code ec;
  Socket s = icmp_datagram_socket(family, ec);
  check(ec, "socket(SOCK_DGRAM, IPPROTO_ICMP)");
  return s;
}
Socket icmp_raw_socket(Family family) {
  std::error_code ec;
  Socket s = icmp_raw_socket(family, ec);
  check(ec, "socket(SOCK_RAW, IPPROTO_ICMP)");
  return s;
}

std::string ip_hint(const std::error_code& ec) {
  return hint_for("socket(IPPROTO_ICMP)", ec);
}

bool IcmpError::time_exceeded() const noexcept {
  return (origin == Origin::icmp && type == 11) || (origin == Origin::icmp6 && type == 3);
}
bool IcmpError::port_unreachable() const noexcept {
  return (origin == Origin::icmp && type == 3 && code == 3) ||
         (origin == Origin::icmp6 && type == 1 && code == 4);
}
bool IcmpError::fragmentation_needed() const noexcept {
  return (origin == Origin::icmp && type == 3 && code == 4) ||
         (origin == Origin::icmp6 && type == 2);
}

std::string IcmpError::text() const {
  if (origin == Origin::local) return "local error (" + error.message() + ")";
  if (fragmentation_needed())
    return (origin == Origin::icmp6 ? "Packet Too Big (MTU " : "Fragmentation Needed (MTU ") +
           std::to_string(info) + ")";
  if (time_exceeded()) return "Time Exceeded";
  if (port_unreachable()) return "Port Unreachable";
  if (origin == Origin::icmp && type == 3) {
    switch (code) {
      case 0:
        return "Network Unreachable";
      case 1:
        return "Host Unreachable";
      case 2:
        return "Protocol Unreachable";
      case 9:
      case 10:
      case 13:
        return "Communication Administratively Prohibited";
      default:
        return "Destination Unreachable (code " + std::to_string(code) + ")";
    }
  }
  if (origin == Origin::icmp6 && type == 1) {
    switch (code) {
      case 0:
        return "No Route to Destination";
      case 1:
        return "Communication Administratively Prohibited";
      case 3:
        return "Address Unreachable";
      default:
        return "Destination Unreachable (code " + std::to_string(code) + ")";
    }
  }
  return "ICMP type " + std::to_string(type) + " code " + std::to_string(code);
}

std::string IcmpError::mark() const {
  if (time_exceeded() || port_unreachable()) return "";
  if (fragmentation_needed()) return "!F-" + std::to_string(info);
  if (origin == Origin::icmp && type == 3) {
    if (code == 0) return "!N";
    if (code == 1) return "!H";
    if (code == 2) return "!P";
    return "!X";
  }
  if (origin == Origin::icmp6 && type == 1) return code == 0 ? "!N" : code == 3 ? "!H" : "!X";
  return "!?";
}

}  // namespace socklab
