// poll_posix.cpp — poll(), select() and RLIMIT_NOFILE on Linux, macOS and the
// BSDs (lessons 08-09). Lesson 09's naive send() is in platform_posix.cpp, with
// the other socket calls.
//
//  - poll(2) and select(2) are retried after EINTR with the time that is left;
//  - FD_SET on a descriptor >= FD_SETSIZE writes outside the fd_set (undefined
//    behaviour, see select(2) "BUGS"): we refuse with EINVAL before that;
#include <poll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>

#include "poll_platform.hpp"

namespace socklab::sys {
namespace {

using Clock = std::chrono::steady_clock;

std::error_code last() noexcept {
  return {errno, socket_category()};
}

short to_native(Events e) noexcept {
  short out = 0;
  if (has(e, Events::in)) out |= POLLIN;
  if (has(e, Events::out)) out |= POLLOUT;
  return out;
}

Events from_native(short r) noexcept {
  Events out = Events::none;
  if (r & POLLIN) out |= Events::in;
  if (r & POLLOUT) out |= Events::out;
  if (r & POLLERR) out |= Events::error;
  if (r & POLLHUP) out |= Events::hangup;
  if (r & POLLNVAL) out |= Events::invalid;
  return out;
}

// Milliseconds left until `deadline` (for a retry after EINTR), or -1 for "forever".
int left_ms(bool forever, Clock::time_point deadline) noexcept {
  if (forever) return -1;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, std::numeric_limits<int>::max()));
}

std::size_t to_size(rlim_t v) noexcept {
  if (v == RLIM_INFINITY || v > std::numeric_limits<std::size_t>::max())
    return std::numeric_limits<std::size_t>::max();
  return static_cast<std::size_t>(v);
}

}  // namespace

std::size_t poll(std::span<PollFd> fds, std::chrono::milliseconds timeout,
                 std::error_code& ec) noexcept {
  std::vector<pollfd> native;
  try {
    native.resize(fds.size());
  } catch (...) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return 0;
  }
  for (std::size_t i = 0; i < fds.size(); ++i) {
    // A negative fd is ignored by poll(2): that is how an entry is switched off.
    native[i].fd = fds[i].handle == Socket::invalid_handle ? -1 : static_cast<int>(fds[i].handle);
    native[i].events = to_native(fds[i].events);
    native[i].revents = 0;
  }
  const bool forever = timeout.count() < 0;
  const auto deadline = Clock::now() + (forever ? std::chrono::milliseconds(0) : timeout);
  int rc;
  while ((rc = ::poll(native.data(), static_cast<nfds_t>(native.size()),
                      left_ms(forever, deadline))) < 0) {
    if (errno != EINTR) {
      ec = last();
      return 0;
    }
  }
  for (std::size_t i = 0; i < fds.size(); ++i) fds[i].revents = from_native(native[i].revents);
  ec.clear();
  return static_cast<std::size_t>(rc);
}

Selected select(std::span<const Socket::native_handle_type> read,
                std::span<const Socket::native_handle_type> write,
                std::chrono::milliseconds timeout, std::error_code& ec) {
  fd_set rset, wset;
  FD_ZERO(&rset);
  FD_ZERO(&wset);
  int max_fd = -1;
  auto add = [&](std::span<const Socket::native_handle_type> list, fd_set& set) {
    for (auto h : list) {
      if (h >= static_cast<Socket::native_handle_type>(FD_SETSIZE)) return false;
      int fd = static_cast<int>(h);
      FD_SET(fd, &set);
      max_fd = std::max(max_fd, fd);
    }
    return true;
  };
  if (!add(read, rset) || !add(write, wset)) {
    ec = std::make_error_code(std::errc::invalid_argument);  // FD_SET would write out of bounds
    return {};
  }
  const bool forever = timeout.count() < 0;
  const auto deadline = Clock::now() + (forever ? std::chrono::milliseconds(0) : timeout);
  fd_set r, w;
  int rc;
  do {
    r = rset;  // select() overwrites its sets: start from the full ones on each try
    w = wset;
    int ms = left_ms(forever, deadline);
    timeval tv{};
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    rc = ::select(max_fd + 1, &r, &w, nullptr, forever ? nullptr : &tv);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    ec = last();
    return {};
  }
  Selected out;
  for (auto h : read)
    if (FD_ISSET(static_cast<int>(h), &r)) out.readable.push_back(h);
  for (auto h : write)
    if (FD_ISSET(static_cast<int>(h), &w)) out.writable.push_back(h);
  ec.clear();
  return out;
}

std::size_t select_limit() noexcept {
  return FD_SETSIZE;
}

std::size_t open_file_limit(std::error_code& ec) noexcept {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    ec = last();
    return 0;
  }
  ec.clear();
  return to_size(rl.rlim_cur);
}

std::size_t raise_open_file_limit(std::size_t wanted, std::error_code& ec) noexcept {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    ec = last();
    return 0;
  }
  if (to_size(rl.rlim_cur) >= wanted) {
    ec.clear();
    return to_size(rl.rlim_cur);
  }
  // An unprivileged process may raise its soft limit up to the hard limit.
  rlim_t target = static_cast<rlim_t>(wanted);
  if (rl.rlim_max != RLIM_INFINITY && target > rl.rlim_max) target = rl.rlim_max;
  rl.rlim_cur = target;
  if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    ec = last();
    return 0;
  }
  ec.clear();
  return to_size(target);
}

}  // namespace socklab::sys
