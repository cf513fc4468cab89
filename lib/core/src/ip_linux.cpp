// ip_linux.cpp — the IP-level calls of socklab/ip.hpp on Linux: IP_TTL, IP_RECVERR
// with MSG_ERRQUEUE, IP_MTU_DISCOVER/IP_MTU, IP_RECVTTL, ICMP sockets (ip(7),
// ipv6(7), icmp(7), recvmsg(2)). They are here, not in platform_posix.cpp,
// because the error queue, IP_MTU and ICMP datagram sockets are Linux's alone.
#include <time.h>  // struct timespec, which linux/errqueue.h uses

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "socklab/error.hpp"
#include "socklab/ip.hpp"

namespace socklab {
namespace {

std::error_code last() noexcept {
  return {errno, socket_category()};
}

int fd(const Socket& s) noexcept {
  return static_cast<int>(s.native_handle());
}

// The socket's family, from getsockname() (an unbound socket still has one).
int family_of(const Socket& s, std::error_code& ec) noexcept {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd(s), reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    ec = last();
    return AF_UNSPEC;
  }
  ec.clear();
  return ss.ss_family;
}

// setsockopt with the IPv4 or the IPv6 form of an option.
void set_int(Socket& s, int v4_option, int v6_option, int value, std::error_code& ec) noexcept {
  int family = family_of(s, ec);
  if (ec) return;
  int r = family == AF_INET6 ? ::setsockopt(fd(s), IPPROTO_IPV6, v6_option, &value, sizeof value)
                             : ::setsockopt(fd(s), IPPROTO_IP, v4_option, &value, sizeof value);
  ec = r == 0 ? std::error_code{} : last();
}

Socket icmp_socket(Family family, int type, std::error_code& ec) noexcept {
  int f = family == Family::ipv6 ? AF_INET6 : AF_INET;
  int protocol = family == Family::ipv6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP};
  int h = ::socket(f, type | SOCK_CLOEXEC, protocol);
  if (h < 0) {
    ec = last();
    return Socket{};
  }
  ec.clear();
  return Socket(static_cast<Socket::native_handle_type>(h));
}

}  // namespace

void set_ttl(Socket& s, int ttl, std::error_code& ec) noexcept {
  set_int(s, IP_TTL, IPV6_UNICAST_HOPS, ttl, ec);
}

void set_recv_errors(Socket& s, bool on, std::error_code& ec) noexcept {
  set_int(s, IP_RECVERR, IPV6_RECVERR, on ? 1 : 0, ec);
}

void set_recv_ttl(Socket& s, bool on, std::error_code& ec) noexcept {
  set_int(s, IP_RECVTTL, IPV6_RECVHOPLIMIT, on ? 1 : 0, ec);
}

void set_dont_fragment(Socket& s, bool on, std::error_code& ec) noexcept {
  set_int(s, IP_MTU_DISCOVER, IPV6_MTU_DISCOVER, on ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT, ec);
}

int path_mtu(const Socket& s, std::error_code& ec) noexcept {
  int family = family_of(s, ec);
  if (ec) return -1;
  int mtu = 0;
  socklen_t len = sizeof mtu;
  int r = family == AF_INET6 ? ::getsockopt(fd(s), IPPROTO_IPV6, IPV6_MTU, &mtu, &len)
                             : ::getsockopt(fd(s), IPPROTO_IP, IP_MTU, &mtu, &len);
  ec = r == 0 ? std::error_code{} : last();  // ENOTCONN if the socket is not connected
  return r == 0 ? mtu : -1;
}

std::optional<IcmpError> recv_error(Socket& s, std::error_code& ec) noexcept {
  // The error queue returns our datagram (as much as the ICMP message quoted),
  // its original destination in msg_name, and the error as a control message.
  alignas(8) unsigned char payload[2048];
  sockaddr_storage destination{};
  alignas(cmsghdr) unsigned char control[512];
  iovec iov{payload, sizeof payload};
  msghdr msg{};
  msg.msg_name = &destination;
  msg.msg_namelen = sizeof destination;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(fd(s), &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      ec.clear();  // the queue is empty
    } else {
      ec = last();
    }
    return std::nullopt;
  }
  ec.clear();
  IcmpError e;
  e.received = std::chrono::steady_clock::now();
  e.payload_bytes = static_cast<std::size_t>(n);
  if (msg.msg_namelen > 0) e.destination = Address(&destination, msg.msg_namelen);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    bool v4 = c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR;
    bool v6 = c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR;
    if (!v4 && !v6) continue;
    sock_extended_err ee{};
    std::memcpy(&ee, CMSG_DATA(c), sizeof ee);
    e.origin = ee.ee_origin == SO_EE_ORIGIN_ICMP    ? IcmpError::Origin::icmp
               : ee.ee_origin == SO_EE_ORIGIN_ICMP6 ? IcmpError::Origin::icmp6
               : ee.ee_origin == SO_EE_ORIGIN_LOCAL ? IcmpError::Origin::local
                                                    : IcmpError::Origin::other;
    e.type = ee.ee_type;
    e.code = ee.ee_code;
    e.info = ee.ee_info;
    e.error = std::error_code(static_cast<int>(ee.ee_errno), socket_category());
    // The offender's address follows the struct (SO_EE_OFFENDER); AF_UNSPEC if unknown.
    const auto* offender = reinterpret_cast<const unsigned char*>(CMSG_DATA(c)) + sizeof ee;
    sockaddr_storage off{};
    std::size_t room = c->cmsg_len - CMSG_LEN(sizeof ee);
    std::memcpy(&off, offender, room < sizeof off ? room : sizeof off);
    if (off.ss_family == AF_INET) e.offender = Address(&off, sizeof(sockaddr_in));
    if (off.ss_family == AF_INET6) e.offender = Address(&off, sizeof(sockaddr_in6));
  }
  return e;
}

ReceivedWithTtl recv_with_ttl(Socket& s, std::span<std::byte> buffer,
                              std::error_code& ec) noexcept {
  ReceivedWithTtl out;
  sockaddr_storage from{};
  alignas(cmsghdr) unsigned char control[256];
  iovec iov{buffer.data(), buffer.size()};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(fd(s), &msg, 0);
  } while (n < 0 && errno == EINTR);  // retried on EINTR, as socklab/ip.hpp says
  if (n < 0) {
    ec = last();
    return out;
  }
  ec.clear();
  out.bytes = static_cast<std::size_t>(n);
  out.truncated = (msg.msg_flags & MSG_TRUNC) != 0;
  if (msg.msg_namelen > 0) out.from = Address(&from, msg.msg_namelen);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
        (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
      int ttl = 0;
      std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      out.ttl = ttl;
    }
  }
  return out;
}

Socket icmp_datagram_socket(Family family, std::error_code& ec) noexcept {
  return icmp_socket(family, SOCK_DGRAM, ec);
}

Socket icmp_raw_socket(Family family, std::error_code& ec) noexcept {
  return icmp_socket(family, SOCK_RAW, ec);
}

}  // namespace socklab
