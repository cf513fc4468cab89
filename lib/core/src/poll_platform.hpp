// poll_platform.hpp — the system calls behind socklab/poll.hpp, defined once per
// platform in poll_posix.cpp (poll, select, getrlimit/setrlimit) or poll_win32.cpp
// (WSAPoll, select). socklab/naive.hpp's send without the SIGPIPE guard is
// platform.hpp's naive_send(), in platform_posix.cpp / platform_win32.cpp.
// Internal to lib/.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <system_error>
#include <vector>

#include "socklab/error.hpp"
#include "socklab/poll.hpp"

namespace socklab::sys {

std::size_t poll(std::span<PollFd> fds, std::chrono::milliseconds timeout,
                 std::error_code& ec) noexcept;
Selected select(std::span<const Socket::native_handle_type> read,
                std::span<const Socket::native_handle_type> write,
                std::chrono::milliseconds timeout, std::error_code& ec);
std::size_t select_limit() noexcept;
std::size_t open_file_limit(std::error_code& ec) noexcept;
std::size_t raise_open_file_limit(std::size_t wanted, std::error_code& ec) noexcept;

}  // namespace socklab::sys
