// poll.cpp — the portable half of socklab/poll.hpp and socklab/naive.hpp: the
// throwing forms. The system calls are in poll_posix.cpp / poll_win32.cpp.
#include <fmt/format.h>

#include "poll_platform.hpp"
#include "socklab/error.hpp"

namespace socklab {

std::size_t poll(std::span<PollFd> fds, std::chrono::milliseconds timeout,
                 std::error_code& ec) noexcept {
  return sys::poll(fds, timeout, ec);
}
std::size_t poll(std::span<PollFd> fds, std::chrono::milliseconds timeout) {
  std::error_code ec;
  std::size_t n = sys::poll(fds, timeout, ec);
  throw_if(ec, fmt::format("poll({} handles)", fds.size()));
  return n;
}

Selected select(std::span<const Socket::native_handle_type> read,
                std::span<const Socket::native_handle_type> write,
                std::chrono::milliseconds timeout, std::error_code& ec) {
  return sys::select(read, write, timeout, ec);
}
Selected select(std::span<const Socket::native_handle_type> read,
                std::span<const Socket::native_handle_type> write,
                std::chrono::milliseconds timeout) {
  std::error_code ec;
  Selected out = sys::select(read, write, timeout, ec);
  if (ec == std::errc::invalid_argument)
    throw Error(ec, fmt::format("select({} + {} handles; limit FD_SETSIZE = {})", read.size(),
                                write.size(), sys::select_limit()));
  throw_if(ec, fmt::format("select({} + {} handles)", read.size(), write.size()));
  return out;
}

std::size_t select_limit() noexcept {
  return sys::select_limit();
}

std::size_t open_file_limit(std::error_code& ec) noexcept {
  return sys::open_file_limit(ec);
}
std::size_t open_file_limit() {
  std::error_code ec;
  std::size_t n = sys::open_file_limit(ec);
  throw_if(ec, "getrlimit(RLIMIT_NOFILE)");
  return n;
}

std::size_t raise_open_file_limit(std::size_t wanted, std::error_code& ec) noexcept {
  return sys::raise_open_file_limit(wanted, ec);
}
std::size_t raise_open_file_limit(std::size_t wanted) {
  std::error_code ec;
  std::size_t n = sys::raise_open_file_limit(wanted, ec);
  throw_if(ec, fmt::format("setrlimit(RLIMIT_NOFILE, {})", wanted));
  return n;
}

}  // namespace socklab
