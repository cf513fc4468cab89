// socklab/naive.hpp — calls made the way a naive program makes them.
//
// FOR LESSON 09 ONLY. Everything else in socklab protects you; these functions
// deliberately don't, so that a lesson can show what goes wrong without them
// and a test can check that it really does.
//
// The system calls behind each member, per platform: docs/layer.md.
#pragma once

#include <cstddef>
#include <string_view>
#include <system_error>

#include "socklab/socket.hpp"

namespace socklab::naive {

/// send(fd, data, size, 0): no MSG_NOSIGNAL, and on macOS/BSD SO_NOSIGPIPE is
/// switched off first. Writing to a connection the peer has reset raises
/// SIGPIPE on POSIX, whose default action kills the process — that is the point.
/// On Windows it is a plain send() (Windows has no SIGPIPE).
std::size_t send(Socket& sock, std::string_view data);
std::size_t send(Socket& sock, std::string_view data, std::error_code& ec) noexcept;

/// The number of SIGPIPE on this platform (13 on Linux and macOS), or 0 where
/// there is no such signal (Windows). Lets a test check how a child died.
int sigpipe_signal() noexcept;

}  // namespace socklab::naive
