// poll_win32.cpp — poll(), select(), the open-file limit and lesson 09's naive
// send() on Windows (Winsock 2).
//
//  - poll() is WSAPoll(): same idea, WSAPOLLFD entries, POLLIN/POLLOUT in
//    `events`; POLLERR/POLLHUP/POLLNVAL only ever appear in `revents`. Before
//    Windows 10 version 2004, WSAPoll did not report a failed non-blocking
//    connect(): use select() with an exception set there, or a timeout.
//  - Winsock's fd_set is an array of SOCKETs with a count, not a bit set: the
//    limit FD_SETSIZE is on how many sockets a set holds (we make it 1024, as on
//    Linux, by defining it before winsock2.h), not on their values.
//  - Windows has no RLIMIT_NOFILE for sockets and no SIGPIPE.
#define FD_SETSIZE 1024
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <limits>

#include "poll_platform.hpp"

namespace socklab::sys {
namespace {

using Clock = std::chrono::steady_clock;

std::error_code last() noexcept {
  return {::WSAGetLastError(), socket_category()};
}

SHORT to_native(Events e) noexcept {
  SHORT out = 0;
  if (has(e, Events::in)) out |= POLLRDNORM;  // WSAPoll rejects POLLPRI; POLLIN = RDNORM|RDBAND
  if (has(e, Events::out)) out |= POLLWRNORM;
  return out;
}

Events from_native(SHORT r) noexcept {
  Events out = Events::none;
  if (r & (POLLRDNORM | POLLRDBAND)) out |= Events::in;
  if (r & POLLWRNORM) out |= Events::out;
  if (r & POLLERR) out |= Events::error;
  if (r & POLLHUP) out |= Events::hangup;
  if (r & POLLNVAL) out |= Events::invalid;
  return out;
}

INT to_ms(std::chrono::milliseconds t) noexcept {
  if (t.count() < 0) return -1;
  return static_cast<INT>(std::min<long long>(t.count(), INT_MAX));
}

}  // namespace

std::size_t poll(std::span<PollFd> fds, std::chrono::milliseconds timeout,
                 std::error_code& ec) noexcept {
  std::vector<WSAPOLLFD> native;
  try {
    native.resize(fds.size());
  } catch (...) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return 0;
  }
  for (std::size_t i = 0; i < fds.size(); ++i) {
    native[i].fd = static_cast<SOCKET>(fds[i].handle);  // INVALID_SOCKET entries are ignored
    native[i].events = to_native(fds[i].events);
    native[i].revents = 0;
  }
  int rc = ::WSAPoll(native.data(), static_cast<ULONG>(native.size()), to_ms(timeout));
  if (rc == SOCKET_ERROR) {
    ec = last();
    return 0;
  }
  for (std::size_t i = 0; i < fds.size(); ++i) fds[i].revents = from_native(native[i].revents);
  ec.clear();
  return static_cast<std::size_t>(rc);
}

Selected select(std::span<const Socket::native_handle_type> read,
                std::span<const Socket::native_handle_type> write,
                std::chrono::milliseconds timeout, std::error_code& ec) {
  if (read.size() > FD_SETSIZE || write.size() > FD_SETSIZE) {
    ec = std::make_error_code(std::errc::invalid_argument);  // FD_SET would drop sockets
    return {};
  }
  fd_set r, w;
  FD_ZERO(&r);
  FD_ZERO(&w);
  for (auto h : read) FD_SET(static_cast<SOCKET>(h), &r);
  for (auto h : write) FD_SET(static_cast<SOCKET>(h), &w);
  timeval tv{};
  if (timeout.count() >= 0) {
    tv.tv_sec = static_cast<long>(timeout.count() / 1000);
    tv.tv_usec = static_cast<long>((timeout.count() % 1000) * 1000);
  }
  // The first argument (nfds) is ignored by Winsock.
  int rc = ::select(0, read.empty() ? nullptr : &r, write.empty() ? nullptr : &w, nullptr,
                    timeout.count() < 0 ? nullptr : &tv);
  if (rc == SOCKET_ERROR) {
    ec = last();
    return {};
  }
  Selected out;
  for (auto h : read)
    if (FD_ISSET(static_cast<SOCKET>(h), &r)) out.readable.push_back(h);
  for (auto h : write)
    if (FD_ISSET(static_cast<SOCKET>(h), &w)) out.writable.push_back(h);
  ec.clear();
  return out;
}

std::size_t select_limit() noexcept {
  return FD_SETSIZE;
}

std::size_t open_file_limit(std::error_code& ec) noexcept {
  ec.clear();
  return std::numeric_limits<std::size_t>::max();  // sockets are not limited per process
}

std::size_t raise_open_file_limit(std::size_t, std::error_code& ec) noexcept {
  return open_file_limit(ec);
}

std::size_t naive_send(Socket::native_handle_type h, const void* data, std::size_t size,
                       std::error_code& ec) noexcept {
  int n = ::send(static_cast<SOCKET>(h), static_cast<const char*>(data),
                 static_cast<int>(std::min<std::size_t>(size, INT_MAX)), 0);
  if (n == SOCKET_ERROR) {
    ec = last();
    return 0;
  }
  ec.clear();
  return static_cast<std::size_t>(n);
}

int sigpipe_number() noexcept {
  return 0;  // Windows has no SIGPIPE: send() to a reset connection just fails
}

}  // namespace socklab::sys
