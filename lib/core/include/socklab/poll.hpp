// socklab/poll.hpp — waiting for many sockets at once (lesson 08).
//
// One thread can serve many clients if it never waits for one of them: it asks
// the kernel "which of these sockets can I use now?" and only then calls recv()
// or send() on those. Two calls ask that question:
//
//   select(read, write, timeout)  the oldest (4.2BSD): bit sets of descriptors,
//                                 limited to descriptors below FD_SETSIZE (1024 on
//                                 Linux) — select_limit() says how many.
//   poll(fds, timeout)            an array of {handle, events, revents}; no limit
//                                 but the number of files a process may open.
//                                 WSAPoll on Windows.
//
// Both take native handles (sock.native_handle()), as the system calls do.
// The event-loop servers that hold 100,000 connections use epoll (Linux) or
// kqueue (BSD, macOS) instead: see docs/lessons/08-event-loop.md.
//
// The system calls behind each member, per platform: docs/layer.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <system_error>
#include <vector>

#include "socklab/socket.hpp"

namespace socklab {

/// Readiness bits for poll(), like POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL.
enum class Events : unsigned {
  none = 0,
  in = 1u << 0,   ///< POLLIN: recv() or accept() will not wait (data, EOF, an error or a client)
  out = 1u << 1,  ///< POLLOUT: send() will take at least one byte without waiting
  error =
      1u << 2,  ///< POLLERR: an error is pending (the next recv() or pending_error() says which)
  hangup = 1u << 3,   ///< POLLHUP: the peer has closed or reset (see below); `in` comes with it
  invalid = 1u << 4,  ///< POLLNVAL: the handle is not an open socket
};
// When does a closed connection show? Always as `in` (if you asked for `in`):
// recv() then returns 0 (EOF) or fails (e.g. connection_reset), at once.
// `hangup` comes with it at different times: Linux sets POLLHUP once the
// connection is gone both ways (a reset, or the peer's FIN after our own
// shutdown(write)); Windows' WSAPoll already on the peer's FIN, and without
// POLLIN, which the layer adds. So: read on `in`, and let recv() say what happened.
constexpr Events operator|(Events a, Events b) noexcept {
  return static_cast<Events>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr Events operator&(Events a, Events b) noexcept {
  return static_cast<Events>(static_cast<unsigned>(a) & static_cast<unsigned>(b));
}
constexpr Events& operator|=(Events& a, Events b) noexcept {
  return a = a | b;
}
/// True if any bit of `wanted` is set in `e`:  if (has(p.revents, Events::in)) ...
constexpr bool has(Events e, Events wanted) noexcept {
  return (e & wanted) != Events::none;
}

/// One entry of poll()'s array: a struct pollfd (WSAPOLLFD on Windows).
struct PollFd {
  /// The socket; an entry with invalid_handle is switched off (poll() leaves its revents empty).
  Socket::native_handle_type handle = Socket::invalid_handle;
  Events events = Events::none;   ///< what we wait for (in, out)
  Events revents = Events::none;  ///< what happened (poll() fills it; error/hangup always count)
};

/// Wait forever (a negative timeout).
inline constexpr std::chrono::milliseconds wait_forever{-1};

/// poll(): waits until at least one entry is ready or the timeout passes.
/// Returns how many entries have revents set (0 = timeout). Fills revents.
std::size_t poll(std::span<PollFd> fds, std::chrono::milliseconds timeout);
std::size_t poll(std::span<PollFd> fds, std::chrono::milliseconds timeout,
                 std::error_code& ec) noexcept;

/// The handles select() found ready (Python: r, w, _ = select.select(rlist, wlist, [], t)).
struct Selected {
  std::vector<Socket::native_handle_type> readable;
  std::vector<Socket::native_handle_type> writable;
};

/// select(): waits until a handle in `read` is readable or one in `write` is
/// writable, or the timeout passes (then both lists come back empty). A handle
/// select() cannot represent (see select_limit()) fails with
/// std::errc::invalid_argument instead of corrupting memory as FD_SET would.
Selected select(std::span<const Socket::native_handle_type> read,
                std::span<const Socket::native_handle_type> write,
                std::chrono::milliseconds timeout);
Selected select(std::span<const Socket::native_handle_type> read,
                std::span<const Socket::native_handle_type> write,
                std::chrono::milliseconds timeout, std::error_code& ec);

/// FD_SETSIZE: on POSIX, select() handles only descriptors below it (1024 on
/// Linux); on Windows, at most this many sockets per set.
std::size_t select_limit() noexcept;

/// getrlimit(RLIMIT_NOFILE): how many descriptors this process may have open
/// (the soft limit). Windows has no such limit for sockets: returns SIZE_MAX.
std::size_t open_file_limit();
std::size_t open_file_limit(std::error_code& ec) noexcept;

/// setrlimit(RLIMIT_NOFILE): raises the soft limit to `wanted`, or to the hard
/// limit if that is lower (no root needed). Returns the limit now in force.
std::size_t raise_open_file_limit(std::size_t wanted);
std::size_t raise_open_file_limit(std::size_t wanted, std::error_code& ec) noexcept;

}  // namespace socklab
