// tcp_state_linux.cpp — TCP states on Linux: TCP_INFO for a socket we hold,
// sock_diag (NETLINK_SOCK_DIAG, the interface `ss` uses; see sock_diag(7)) for
// a connection looked up by its 4-tuple, including TIME_WAIT entries.
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "socklab/error.hpp"
#include "socklab/observe/tcp_state.hpp"
#include "socklab/unique_fd.hpp"

namespace socklab::observe {
namespace {

std::error_code last() noexcept {
  return {errno, socket_category()};
}

// The kernel's numbering (include/net/tcp_states.h).
TcpState from_linux(unsigned state) noexcept {
  switch (state) {
    case 1:
      return TcpState::established;
    case 2:
      return TcpState::syn_sent;
    case 3:
    case 12:  // TCP_NEW_SYN_RECV: a request socket, not yet a full one
      return TcpState::syn_received;
    case 4:
      return TcpState::fin_wait_1;
    case 5:
      return TcpState::fin_wait_2;
    case 6:
      return TcpState::time_wait;
    case 7:
      return TcpState::closed;
    case 8:
      return TcpState::close_wait;
    case 9:
      return TcpState::last_ack;
    case 10:
      return TcpState::listen;
    case 11:
      return TcpState::closing;
    default:
      return TcpState::unknown;
  }
}

// Copies the IP of `a` into a sock_diag address field (network byte order).
void put_ip(const Address& a, __be32 out[4]) noexcept {
  const auto* sa = static_cast<const sockaddr*>(a.data());
  if (sa->sa_family == AF_INET) {
    std::memcpy(out, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
  } else {
    std::memcpy(out, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, 16);
  }
}

}  // namespace

TcpState tcp_state(const Socket& sock, std::error_code& ec) noexcept {
  ec.clear();
  if (!sock.is_open()) {
    ec = errc::not_open;
    return TcpState::unknown;
  }
  tcp_info info{};
  socklen_t size = sizeof info;
  if (::getsockopt(static_cast<int>(sock.native_handle()), IPPROTO_TCP, TCP_INFO, &info, &size) !=
      0) {
    ec = last();
    return TcpState::unknown;
  }
  return from_linux(info.tcpi_state);
}

std::optional<TcpEntry> find_connection(const Address& local, const Address& remote,
                                        std::error_code& ec) {
  ec.clear();
  if (local.family() != remote.family() || local.family() == Family::unspecified) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return std::nullopt;
  }
  UniqueFd fd(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!fd) {
    ec = last();
    return std::nullopt;
  }

  // One request without NLM_F_DUMP: "this exact 4-tuple" (inet_diag_find_one).
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST;
  message.header.nlmsg_seq = 1;
  message.request.sdiag_family = local.family() == Family::ipv4 ? AF_INET : AF_INET6;
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states = ~0u;
  message.request.id.idiag_sport = htons(local.port());
  message.request.id.idiag_dport = htons(remote.port());
  put_ip(local, message.request.id.idiag_src);
  put_ip(remote, message.request.id.idiag_dst);
  message.request.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  message.request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd.get(), &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    ec = last();
    return std::nullopt;
  }
  pollfd pfd{fd.get(), POLLIN, 0};
  if (::poll(&pfd, 1, 2000) <= 0) {  // the kernel answers at once; bound it anyway
    ec = std::make_error_code(std::errc::timed_out);
    return std::nullopt;
  }
  alignas(nlmsghdr) char buffer[8192];
  ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
  if (n < 0) {
    ec = last();
    return std::nullopt;
  }
  auto* reply = reinterpret_cast<nlmsghdr*>(buffer);
  int left = static_cast<int>(n);
  for (; NLMSG_OK(reply, left); reply = NLMSG_NEXT(reply, left)) {
    if (reply->nlmsg_type == NLMSG_ERROR) {
      const auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(reply));
      if (error->error == -ENOENT) return std::nullopt;  // no such connection: CLOSED
      ec = {-error->error, socket_category()};
      return std::nullopt;
    }
    if (reply->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
        reply->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg)))
      continue;
    const auto* diag = static_cast<const inet_diag_msg*>(NLMSG_DATA(reply));
    // The lookup falls back to a listener on the local port; that is not our connection.
    if (diag->id.idiag_dport != htons(remote.port()) || diag->id.idiag_sport != htons(local.port()))
      return std::nullopt;
    TcpEntry entry;
    entry.state = from_linux(diag->idiag_state);
    if (diag->idiag_timer != 0) entry.timer = std::chrono::milliseconds(diag->idiag_expires);
    return entry;
  }
  ec = std::make_error_code(std::errc::protocol_error);
  return std::nullopt;
}

}  // namespace socklab::observe
