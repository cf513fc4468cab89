// platform_posix.cpp — the BSD socket API on Linux, macOS and the BSDs.
//
// Every POSIX-only call of the layer lives in this file. Things worth knowing:
//  - sockets are created close-on-exec, so a program that starts another
//    program does not leak its connections into it;
//  - EINTR (a signal arrived during a blocking call) is retried;
//  - sends use MSG_NOSIGNAL (Linux) or SO_NOSIGPIPE (macOS/BSD): writing to a
//    closed connection returns EPIPE instead of killing the process with SIGPIPE;
//  - a receive/send timeout (SO_RCVTIMEO/SO_SNDTIMEO) makes the call fail with
//    EAGAIN; on a blocking socket we report it as ETIMEDOUT, as Windows does.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>  // SIGPIPE (naive_send)
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "platform.hpp"

namespace socklab::sys {
namespace {

int native(handle h) noexcept {
  return static_cast<int>(h);
}
handle wrap(int fd) noexcept {
  return fd < 0 ? invalid : static_cast<handle>(fd);
}

std::error_code error_from(int code) noexcept {
  return {code, socket_category()};
}
std::error_code last() noexcept {
  return error_from(errno);
}

const sockaddr* sa(const Address& a) noexcept {
  return static_cast<const sockaddr*>(a.data());
}

int send_flags() noexcept {
#ifdef MSG_NOSIGNAL
  return MSG_NOSIGNAL;
#else
  return 0;
#endif
}

// Set on every new socket what the layer promises for all of them.
void prepare(int fd) noexcept {
#ifndef SOCK_CLOEXEC
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
#ifdef SO_NOSIGPIPE
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
  (void)fd;
}

// EAGAIN on a blocking socket can only be the SO_RCVTIMEO/SO_SNDTIMEO timeout.
std::error_code io_error(int fd) noexcept {
  int code = errno;
  if (code == EAGAIN || code == EWOULDBLOCK) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0 && (flags & O_NONBLOCK) == 0) code = ETIMEDOUT;
  }
  return error_from(code);
}

std::error_code resolver_error(int rc) noexcept {
  switch (rc) {
    case EAI_NONAME:
      return resolve_errc::host_not_found;
#ifdef EAI_NODATA
    case EAI_NODATA:
      return resolve_errc::no_address;
#endif
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY:
      return resolve_errc::no_address;
#endif
    case EAI_AGAIN:
      return resolve_errc::try_again;
    case EAI_SERVICE:
      return resolve_errc::service_not_found;
    case EAI_SYSTEM:
      return last();
    default:
      return resolve_errc::failed;
  }
}

int af(Family f) noexcept {
  switch (f) {
    case Family::ipv4:
      return AF_INET;
    case Family::ipv6:
      return AF_INET6;
    case Family::unspecified:
      break;
  }
  return AF_UNSPEC;
}

}  // namespace

// --- errors -------------------------------------------------------------------
int last_error() noexcept {
  return errno;
}

std::error_condition to_condition(int code) noexcept {
  // errno values are the std::errc values on POSIX.
  return {code, std::generic_category()};
}

std::string native_message(int code) {
  return std::strerror(code);
}

std::error_code startup() noexcept {
  return {};
}
std::error_code try_startup(int, int) noexcept {
  return {};
}
const char* api_name() noexcept {
  return "POSIX sockets";
}
bool needs_startup() noexcept {
  return false;
}

// --- programs -----------------------------------------------------------------
std::string emulator() {
  return {};
}

// --- addresses ----------------------------------------------------------------
Family family_of(const Address& a) noexcept {
  if (a.size() < sizeof(sa_family_t)) return Family::unspecified;
  switch (sa(a)->sa_family) {
    case AF_INET:
      return Family::ipv4;
    case AF_INET6:
      return Family::ipv6;
    default:
      return Family::unspecified;
  }
}

std::uint16_t port_of(const Address& a) noexcept {
  switch (family_of(a)) {
    case Family::ipv4:
      return ntohs(reinterpret_cast<const sockaddr_in*>(a.data())->sin_port);
    case Family::ipv6:
      return ntohs(reinterpret_cast<const sockaddr_in6*>(a.data())->sin6_port);
    case Family::unspecified:
      break;
  }
  return 0;
}

Address with_port(const Address& a, std::uint16_t port) noexcept {
  switch (family_of(a)) {
    case Family::ipv4: {
      sockaddr_in in = *reinterpret_cast<const sockaddr_in*>(a.data());
      in.sin_port = htons(port);  // host to network byte order: the port travels big-endian
      return Address(&in, sizeof in);
    }
    case Family::ipv6: {
      sockaddr_in6 in6 = *reinterpret_cast<const sockaddr_in6*>(a.data());
      in6.sin6_port = htons(port);
      return Address(&in6, sizeof in6);
    }
    case Family::unspecified:
      break;
  }
  return a;
}

bool is_loopback(const Address& a) noexcept {
  switch (family_of(a)) {
    case Family::ipv4:
      return (ntohl(reinterpret_cast<const sockaddr_in*>(a.data())->sin_addr.s_addr) >> 24) == 127;
    case Family::ipv6: {
      const in6_addr& ip = reinterpret_cast<const sockaddr_in6*>(a.data())->sin6_addr;
      return IN6_IS_ADDR_LOOPBACK(&ip);
    }
    case Family::unspecified:
      break;
  }
  return false;
}

std::string ip_of(const Address& a) {
  char text[INET6_ADDRSTRLEN] = {};
  switch (family_of(a)) {
    case Family::ipv4:
      ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a.data())->sin_addr, text,
                  sizeof text);
      break;
    case Family::ipv6:
      ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(a.data())->sin6_addr, text,
                  sizeof text);
      break;
    case Family::unspecified:
      break;
  }
  return text;
}

std::optional<Address> parse_ip(std::string_view ip, std::uint16_t port) noexcept {
  char text[INET6_ADDRSTRLEN + 1] = {};
  if (ip.empty() || ip.size() >= sizeof text) return std::nullopt;
  std::memcpy(text, ip.data(), ip.size());
  sockaddr_in in{};
  if (::inet_pton(AF_INET, text, &in.sin_addr) == 1) {
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    return Address(&in, sizeof in);
  }
  sockaddr_in6 in6{};
  if (::inet_pton(AF_INET6, text, &in6.sin6_addr) == 1) {
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    return Address(&in6, sizeof in6);
  }
  return std::nullopt;
}

Address any_address(Family f, std::uint16_t port) noexcept {
  if (f == Family::ipv6) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_addr = in6addr_any;
    in6.sin6_port = htons(port);
    return Address(&in6, sizeof in6);
  }
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_ANY);
  in.sin_port = htons(port);
  return Address(&in, sizeof in);
}

Address loopback_address(Family f, std::uint16_t port) noexcept {
  if (f == Family::ipv6) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_addr = in6addr_loopback;
    in6.sin6_port = htons(port);
    return Address(&in6, sizeof in6);
  }
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  in.sin_port = htons(port);
  return Address(&in, sizeof in);
}

std::vector<Address> resolve(std::string_view host, std::string_view service, Family family,
                             Type type, std::error_code& ec) {
  ec.clear();
  addrinfo hints{};
  hints.ai_family = af(family);
  hints.ai_socktype = type == Type::stream ? SOCK_STREAM : SOCK_DGRAM;
  const std::string h(host), s(service);
  addrinfo* list = nullptr;
  int rc = ::getaddrinfo(h.empty() ? nullptr : h.c_str(), s.empty() ? nullptr : s.c_str(), &hints,
                         &list);
  if (rc != 0) {
    ec = resolver_error(rc);
    return {};
  }
  std::vector<Address> out;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
      out.emplace_back(ai->ai_addr, static_cast<std::size_t>(ai->ai_addrlen));
  }
  ::freeaddrinfo(list);
  if (out.empty()) ec = resolve_errc::no_address;
  return out;
}

// --- socket calls -------------------------------------------------------------
handle socket(Family family, Type type, std::error_code& ec) noexcept {
  int kind = type == Type::stream ? SOCK_STREAM : SOCK_DGRAM;
#ifdef SOCK_CLOEXEC
  kind |= SOCK_CLOEXEC;
#endif
  int fd = ::socket(af(family), kind, 0);
  if (fd < 0) {
    ec = last();
    return invalid;
  }
  prepare(fd);
  if (family == Family::ipv6) {
    // The layer promises dual-stack IPv6 sockets everywhere (Windows and the BSDs
    // default to v6-only). Best effort: OpenBSD cannot turn it off.
    int off = 0;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  }
  ec.clear();
  return wrap(fd);
}

void close(handle h, std::error_code& ec) noexcept {
  // Never retry close() on EINTR: the descriptor is already gone on Linux.
  ec = ::close(native(h)) == 0 || errno == EINTR ? std::error_code{} : last();
}

void bind(handle h, const Address& a, std::error_code& ec) noexcept {
  ec = ::bind(native(h), sa(a), static_cast<socklen_t>(a.size())) == 0 ? std::error_code{} : last();
}

void listen(handle h, int backlog, std::error_code& ec) noexcept {
  ec = ::listen(native(h), backlog) == 0 ? std::error_code{} : last();
}

handle accept(handle h, Address& peer, std::error_code& ec) noexcept {
  sockaddr_storage ss{};
  for (;;) {
    socklen_t len = sizeof ss;
#if defined(__linux__)
    int fd = ::accept4(native(h), reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC);
#else
    int fd = ::accept(native(h), reinterpret_cast<sockaddr*>(&ss), &len);
#endif
    if (fd >= 0) {
      prepare(fd);
#if !defined(__linux__)
      // BSD and macOS copy the listener's O_NONBLOCK to the accepted socket; Linux
      // does not (accept(2), NOTES). The layer's rule is Linux's: it blocks.
      int flags = ::fcntl(fd, F_GETFL);
      if (flags >= 0 && (flags & O_NONBLOCK) != 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
#endif
      peer = Address(&ss, len);
      ec.clear();
      return wrap(fd);
    }
    // EINTR: try again. ECONNABORTED: a queued client reset before we took it
    // (BSD reports it here; Linux returns the connection): take the next one.
    if (errno == EINTR || errno == ECONNABORTED) continue;
    ec = io_error(native(h));
    return invalid;
  }
}

void connect(handle h, const Address& a, std::error_code& ec) noexcept {
  int fd = native(h);
  if (::connect(fd, sa(a), static_cast<socklen_t>(a.size())) == 0) {
    ec.clear();
    return;
  }
  if (errno != EINTR) {
    ec = last();
    return;
  }
  // Interrupted: the handshake goes on in the kernel. Wait for it, then ask how it went.
  pollfd p{fd, POLLOUT, 0};
  while (::poll(&p, 1, -1) < 0) {
    if (errno != EINTR) {
      ec = last();
      return;
    }
  }
  std::error_code ignored;
  ec = pending_error(h, ignored);
}

std::size_t send(handle h, const void* data, std::size_t size, std::error_code& ec) noexcept {
  for (;;) {
    ssize_t n = ::send(native(h), data, size, send_flags());
    if (n >= 0) {
      ec.clear();
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    ec = io_error(native(h));
    return 0;
  }
}

std::size_t recv(handle h, void* data, std::size_t size, std::error_code& ec) noexcept {
  for (;;) {
    ssize_t n = ::recv(native(h), data, size, 0);
    if (n >= 0) {
      ec.clear();
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    ec = io_error(native(h));
    return 0;
  }
}

std::size_t send_to(handle h, const void* data, std::size_t size, const Address& to,
                    std::error_code& ec) noexcept {
  for (;;) {
    ssize_t n =
        ::sendto(native(h), data, size, send_flags(), sa(to), static_cast<socklen_t>(to.size()));
    if (n >= 0) {
      ec.clear();
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    ec = io_error(native(h));
    return 0;
  }
}

void shutdown(handle h, Shutdown how, std::error_code& ec) noexcept {
  int mode = how == Shutdown::read ? SHUT_RD : how == Shutdown::write ? SHUT_WR : SHUT_RDWR;
  ec = ::shutdown(native(h), mode) == 0 ? std::error_code{} : last();
}

Address local_address(handle h, std::error_code& ec) noexcept {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(native(h), reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    ec = last();
    return {};
  }
  ec.clear();
  return Address(&ss, len);
}

Address peer_address(handle h, std::error_code& ec) noexcept {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(native(h), reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    ec = last();
    return {};
  }
  ec.clear();
  return Address(&ss, len);
}

// --- options ------------------------------------------------------------------
void set_option(handle h, BoolOption o, bool on, std::error_code& ec) noexcept {
  int value = on ? 1 : 0;
  int level = SOL_SOCKET, name = SO_REUSEADDR;
  if (o == BoolOption::no_delay) level = IPPROTO_TCP, name = TCP_NODELAY;
  if (o == BoolOption::v6_only) level = IPPROTO_IPV6, name = IPV6_V6ONLY;
  ec = ::setsockopt(native(h), level, name, &value, sizeof value) == 0 ? std::error_code{} : last();
}

void set_option(handle h, IntOption o, int value, std::error_code& ec) noexcept {
  int name = o == IntOption::recv_buffer ? SO_RCVBUF : SO_SNDBUF;
  ec = ::setsockopt(native(h), SOL_SOCKET, name, &value, sizeof value) == 0 ? std::error_code{}
                                                                            : last();
}

int get_option(handle h, IntOption o, std::error_code& ec) noexcept {
  int name = o == IntOption::recv_buffer ? SO_RCVBUF : SO_SNDBUF;
  int value = 0;
  socklen_t len = sizeof value;
  ec = ::getsockopt(native(h), SOL_SOCKET, name, &value, &len) == 0 ? std::error_code{} : last();
  return value;
}

void set_option(handle h, TimeOption o, std::chrono::milliseconds t, std::error_code& ec) noexcept {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(t.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((t.count() % 1000) * 1000);
  int name = o == TimeOption::recv_timeout ? SO_RCVTIMEO : SO_SNDTIMEO;
  ec = ::setsockopt(native(h), SOL_SOCKET, name, &tv, sizeof tv) == 0 ? std::error_code{} : last();
}

void set_linger(handle h, std::optional<std::chrono::seconds> l, std::error_code& ec) noexcept {
  linger value{};
  value.l_onoff = l.has_value() ? 1 : 0;
  value.l_linger = l.has_value() ? static_cast<int>(l->count()) : 0;
  ec = ::setsockopt(native(h), SOL_SOCKET, SO_LINGER, &value, sizeof value) == 0 ? std::error_code{}
                                                                                 : last();
}

void set_non_blocking(handle h, bool on, std::error_code& ec) noexcept {
  int flags = ::fcntl(native(h), F_GETFL);
  if (flags < 0) {
    ec = last();
    return;
  }
  flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  ec = ::fcntl(native(h), F_SETFL, flags) == 0 ? std::error_code{} : last();
}

std::error_code pending_error(handle h, std::error_code& ec) noexcept {
  int value = 0;
  socklen_t len = sizeof value;
  if (::getsockopt(native(h), SOL_SOCKET, SO_ERROR, &value, &len) != 0) {
    ec = last();
    return {};
  }
  ec.clear();
  return value == 0 ? std::error_code{} : error_from(value);
}

// --- datagrams: one datagram, and whether it was cut short (Socket::recv_from) ---
std::size_t recv_datagram(Socket::native_handle_type h, void* data, std::size_t size, Address& from,
                          bool& truncated, std::error_code& ec) noexcept {
  const int fd = static_cast<int>(h);
  truncated = false;
  for (;;) {
    sockaddr_storage ss{};
    iovec part{data, size};
    msghdr msg{};
    msg.msg_name = &ss;
    msg.msg_namelen = sizeof ss;
    msg.msg_iov = &part;
    msg.msg_iovlen = 1;
    ssize_t n = ::recvmsg(fd, &msg, 0);
    if (n >= 0) {
      from = Address(&ss, msg.msg_namelen);
      truncated = (msg.msg_flags & MSG_TRUNC) != 0;  // the datagram was longer than `size`
      ec.clear();
      return static_cast<std::size_t>(n);
    }
    int code = errno;
    if (code == EINTR) continue;
    // EAGAIN on a blocking socket is the SO_RCVTIMEO timeout: say so, as Windows does.
    if (code == EAGAIN || code == EWOULDBLOCK) {
      int flags = ::fcntl(fd, F_GETFL);
      if (flags >= 0 && (flags & O_NONBLOCK) == 0) code = ETIMEDOUT;
    }
    ec = std::error_code(code, socket_category());
    return 0;
  }
}

// --- naive calls (socklab/naive.hpp, lesson 09) ---------------------------------
std::size_t naive_send(Socket::native_handle_type h, const void* data, std::size_t size,
                       std::error_code& ec) noexcept {
  int fd = static_cast<int>(h);
#ifdef SO_NOSIGPIPE
  int off = 0;  // the layer switched SIGPIPE off on every socket (macOS/BSD): switch it on
  ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &off, sizeof off);
#endif
  for (;;) {
    ssize_t n = ::send(fd, data, size, 0);  // flags 0: no MSG_NOSIGNAL — the naive call
    if (n >= 0) {
      ec.clear();
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    ec = last();
    return 0;
  }
}

int sigpipe_number() noexcept {
  return SIGPIPE;
}

}  // namespace socklab::sys
