// poll_win32.cpp — poll(), select() and the open-file limit on Windows (Winsock 2),
// lessons 08-09. Lesson 09's naive send() is in platform_win32.cpp.
//
//  - poll() is WSAPoll(): same idea, WSAPOLLFD entries, POLLIN/POLLOUT in
//    `events`; POLLERR/POLLHUP/POLLNVAL only ever appear in `revents`. Before
//    Windows 10 version 2004, WSAPoll did not report a failed non-blocking
//    connect(): use select() with an exception set there, or a timeout.
//  - WSAPoll reports the peer's FIN (a graceful close) as POLLHUP *without*
//    POLLRDNORM, although recv() would return 0 at once; Linux reports it as
//    POLLIN. An event loop written for one would spin or hang on the other, so
//    poll() reports `in` with every hangup (where `in` was asked for), as Linux
//    does after a reset: "readable" means "recv() will not wait" on both.
//  - An entry whose handle is invalid_handle is switched off, as a negative fd
//    is for poll(2). WSAPoll is given only the other entries: Wine flags an
//    INVALID_SOCKET entry POLLNVAL, and Windows fails the whole call with
//    WSAEINVAL if no entry is a valid socket (poll(2) then just waits).
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
// clang-format off
#include <winsock2.h>  // must come before windows.h
#include <ws2tcpip.h>
#include <windows.h>   // Sleep
// clang-format on

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

Events from_native(SHORT r, Events asked) noexcept {
  Events out = Events::none;
  if (r & (POLLRDNORM | POLLRDBAND)) out |= Events::in;
  if ((r & POLLHUP) && has(asked, Events::in)) out |= Events::in;  // recv() = 0 or the error
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
  std::vector<WSAPOLLFD> native;   // the entries that are switched on
  std::vector<std::size_t> index;  // native[k] is fds[index[k]]
  try {
    native.reserve(fds.size());
    index.reserve(fds.size());
  } catch (...) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return 0;
  }
  for (std::size_t i = 0; i < fds.size(); ++i) {
    fds[i].revents = Events::none;
    if (fds[i].handle == Socket::invalid_handle) continue;
    WSAPOLLFD p{};
    p.fd = static_cast<SOCKET>(fds[i].handle);
    p.events = to_native(fds[i].events);
    native.push_back(p);
    index.push_back(i);
  }
  if (native.empty()) {  // nothing to wait for: poll(2) sleeps for the timeout
    ::Sleep(timeout.count() < 0 ? INFINITE : static_cast<DWORD>(to_ms(timeout)));
    ec.clear();
    return 0;
  }
  int rc = ::WSAPoll(native.data(), static_cast<ULONG>(native.size()), to_ms(timeout));
  if (rc == SOCKET_ERROR) {
    ec = last();
    return 0;
  }
  for (std::size_t k = 0; k < native.size(); ++k) {
    PollFd& entry = fds[index[k]];
    entry.revents = from_native(native[k].revents, entry.events);
  }
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

}  // namespace socklab::sys
