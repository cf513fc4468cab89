// platform_posix.cpp — the BSD socket API on Linux, macOS and the BSDs.
//
// Every POSIX-only call of the layer lives in this file; docs/layer.md lists,
// member by member, the calls each one makes. What a member does beyond its
// named call, and why:
//  - sockets are created close-on-exec (SOCK_CLOEXEC, one call; where it does
//    not exist, one fcntl(F_SETFD) after socket()/accept()), so a program that
//    starts another program does not leak its connections into it;
//  - sends use MSG_NOSIGNAL (Linux, the BSDs) or, where there is none (macOS),
//    SO_NOSIGPIPE set once on each new socket: writing to a closed connection
//    returns EPIPE instead of killing the process with SIGPIPE;
//  - EINTR (a signal arrived during a blocking call) is retried: send, recv,
//    sendto, recvmsg, accept; connect() cannot be restarted, so after EINTR it
//    waits with poll(POLLOUT) and reads the outcome with getsockopt(SO_ERROR);
//  - accept() passes over a client that reset while it waited in the queue (BSD
//    reports ECONNABORTED; Linux hands such a connection out), and on BSD/macOS
//    clears the O_NONBLOCK the accepted socket copied from its listener
//    (fcntl F_GETFL/F_SETFL): the layer's rule is Linux's, an accepted socket
//    blocks. On Linux it is one accept4(SOCK_CLOEXEC) per connection;
//  - a receive/send timeout (SO_RCVTIMEO/SO_SNDTIMEO) makes a call fail with
//    EAGAIN (socket(7)). On a blocking socket that EAGAIN can only be the timeout,
//    and it is reported as ETIMEDOUT, as Windows does (errno too). Whether the
//    socket blocks is the Socket's own record (it made the socket or set the mode),
//    not a question to the kernel: no call on the would-block path of an event loop.
//    Only a handle adopted with Socket(h) starts unknown; its first EAGAIN asks
//    once with fcntl(F_GETFL), and the answer is remembered;
//  - nothing else is set on a new socket: IPV6_V6ONLY keeps the system's default
//    (Linux: the sysctl net.ipv6.bindv6only, 0 unless changed; the BSDs: 1).
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
#include "sockaddr_shared.inc"  // family_of ... resolve: the code Winsock shares

namespace socklab::sys {
namespace {

using shared::af;
using shared::sa;

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
// The call's error as the layer reports it, left in errno as well, so that
// last_socket_error() says the same as the std::error_code.
std::error_code fail_with(int code) noexcept {
  errno = code;
  return error_from(code);
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

// The error of a failed send/recv/accept. EAGAIN on a blocking socket can only be
// the SO_RCVTIMEO/SO_SNDTIMEO timeout. The mode is known (no call), except for an
// adopted handle: then one fcntl(F_GETFL), once in the Socket's life.
std::error_code io_error(int fd, Blocking& mode) noexcept {
  int code = errno;
  if (code == EAGAIN || code == EWOULDBLOCK) {
    if (mode == Blocking::unknown) {
      int flags = ::fcntl(fd, F_GETFL);
      if (flags >= 0) mode = (flags & O_NONBLOCK) != 0 ? Blocking::no : Blocking::yes;
    }
    if (mode == Blocking::yes) code = ETIMEDOUT;
  }
  return fail_with(code);
}

}  // namespace

// --- errors -------------------------------------------------------------------
int last_error() noexcept {
  return errno;
}
void set_last_error(int code) noexcept {
  errno = code;
}

std::error_condition to_condition(int code) noexcept {
  // errno values are the std::errc values on POSIX. "Would block" has one
  // spelling: where EAGAIN and EWOULDBLOCK differ (POSIX allows it; Linux, macOS
  // and the BSDs make them equal), EAGAIN is reported as EWOULDBLOCK too.
  if (code == EAGAIN) code = EWOULDBLOCK;
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

// --- addresses: the shared code is in sockaddr_shared.inc; this is POSIX's part ---
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
  prepare(fd);  // nothing on Linux; SO_NOSIGPIPE on macOS
  // IPV6_V6ONLY is left alone: its default is the system's (lesson 04 sets it).
  ec.clear();
  return wrap(fd);
}

void close(handle h, std::error_code& ec) noexcept {
  // Never retry close() on EINTR: the descriptor is already gone on Linux.
  ec = ::close(native(h)) == 0 || errno == EINTR ? std::error_code{} : last();
}

void close_descriptor(int fd) noexcept {
  ::close(fd);  // once: after EINTR the descriptor is already gone on Linux
}

void bind(handle h, const Address& a, std::error_code& ec) noexcept {
  ec = ::bind(native(h), sa(a), static_cast<socklen_t>(a.size())) == 0 ? std::error_code{} : last();
}

void listen(handle h, int backlog, std::error_code& ec) noexcept {
  ec = ::listen(native(h), backlog) == 0 ? std::error_code{} : last();
}

handle accept(handle h, Blocking& mode, bool non_blocking, Address& peer,
              std::error_code& ec) noexcept {
  sockaddr_storage ss{};
  for (;;) {
    socklen_t len = sizeof ss;
#if defined(__linux__)
    // One call: the new descriptor is close-on-exec, and non-blocking when asked
    // (accept4(2)), where accept() + fcntl(F_GETFL) + fcntl(F_SETFL) would be three.
    int fd = ::accept4(native(h), reinterpret_cast<sockaddr*>(&ss), &len,
                       SOCK_CLOEXEC | (non_blocking ? SOCK_NONBLOCK : 0));
#else
    int fd = ::accept(native(h), reinterpret_cast<sockaddr*>(&ss), &len);
#endif
    if (fd >= 0) {
      prepare(fd);
#if !defined(__linux__)
      // BSD and macOS copy the listener's O_NONBLOCK to the accepted socket; Linux
      // does not (accept(2), NOTES). The layer's rule is Linux's: it blocks unless
      // asked otherwise.
      int flags = ::fcntl(fd, F_GETFL);
      if (flags >= 0 && ((flags & O_NONBLOCK) != 0) != non_blocking)
        ::fcntl(fd, F_SETFL, non_blocking ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK));
#endif
      peer = Address(&ss, len);
      ec.clear();
      return wrap(fd);
    }
    // EINTR: try again. ECONNABORTED: a queued client reset before we took it
    // (BSD reports it here; Linux returns the connection): take the next one.
    if (errno == EINTR || errno == ECONNABORTED) continue;
    ec = io_error(native(h), mode);
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
  if (ec) errno = ec.value();  // last_socket_error() says what the connect() did
}

std::size_t send(handle h, Blocking& mode, const void* data, std::size_t size,
                 std::error_code& ec) noexcept {
  for (;;) {
    ssize_t n = ::send(native(h), data, size, send_flags());
    if (n >= 0) {
      ec.clear();
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    ec = io_error(native(h), mode);
    return 0;
  }
}

std::size_t recv(handle h, Blocking& mode, void* data, std::size_t size,
                 std::error_code& ec) noexcept {
  for (;;) {
    ssize_t n = ::recv(native(h), data, size, 0);
    if (n >= 0) {
      ec.clear();
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    ec = io_error(native(h), mode);
    return 0;
  }
}

std::size_t send_to(handle h, Blocking& mode, const void* data, std::size_t size, const Address& to,
                    std::error_code& ec) noexcept {
  for (;;) {
    ssize_t n =
        ::sendto(native(h), data, size, send_flags(), sa(to), static_cast<socklen_t>(to.size()));
    if (n >= 0) {
      ec.clear();
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    ec = io_error(native(h), mode);
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
namespace {

struct Option {
  int level, name;
};
Option option_of(BoolOption o) noexcept {
  switch (o) {
    case BoolOption::no_delay:
      return {IPPROTO_TCP, TCP_NODELAY};
    case BoolOption::v6_only:
      return {IPPROTO_IPV6, IPV6_V6ONLY};
    case BoolOption::reuse_port:
#if defined(SO_REUSEPORT)
      return {SOL_SOCKET, SO_REUSEPORT};
#else
      return {SOL_SOCKET, -1};  // a system without it: ENOPROTOOPT from setsockopt()
#endif
    case BoolOption::reuse_address:
      break;
  }
  return {SOL_SOCKET, SO_REUSEADDR};
}

}  // namespace

const char* option_name(BoolOption o) noexcept {
  switch (o) {
    case BoolOption::no_delay:
      return "TCP_NODELAY";
    case BoolOption::v6_only:
      return "IPV6_V6ONLY";
    case BoolOption::reuse_port:
      return "SO_REUSEPORT";
    case BoolOption::reuse_address:
      break;
  }
  return "SO_REUSEADDR";
}

void set_option(handle h, BoolOption o, bool on, std::error_code& ec) noexcept {
  int value = on ? 1 : 0;
  Option opt = option_of(o);
  ec = ::setsockopt(native(h), opt.level, opt.name, &value, sizeof value) == 0 ? std::error_code{}
                                                                               : last();
}

bool get_option(handle h, BoolOption o, std::error_code& ec) noexcept {
  int value = 0;
  socklen_t len = sizeof value;
  Option opt = option_of(o);
  ec = ::getsockopt(native(h), opt.level, opt.name, &value, &len) == 0 ? std::error_code{} : last();
  return value != 0;
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

// SO_ACCEPTCONN (socket(7)): 1 once listen() succeeded. Linux answers for any
// socket (0 for UDP); some systems fail with ENOPROTOOPT on a datagram socket.
bool accepts_connections(handle h, std::error_code& ec) noexcept {
  int value = 0;
  socklen_t len = sizeof value;
  ec = ::getsockopt(native(h), SOL_SOCKET, SO_ACCEPTCONN, &value, &len) == 0 ? std::error_code{}
                                                                             : last();
  return !ec && value != 0;
}

// --- datagrams: one datagram, and whether it was cut short (Socket::recv_from) ---
std::size_t recv_datagram(handle h, Blocking& mode, void* data, std::size_t size, Address& from,
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
    if (errno == EINTR) continue;
    ec = io_error(fd, mode);  // EAGAIN on a blocking socket: the SO_RCVTIMEO timeout
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
