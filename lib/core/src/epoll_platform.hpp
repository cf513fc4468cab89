// epoll_platform.hpp — the system calls behind socklab/epoll.hpp, defined once per
// platform: epoll_linux.cpp (epoll_create1, epoll_ctl, epoll_wait, eventfd, close)
// or epoll_fallback.cpp (everything fails with operation_not_supported). Internal.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>

#include "socklab/epoll.hpp"
#include "socklab/error.hpp"

namespace socklab::sys {

enum class EpollOp { add, modify, remove };

bool epoll_supported() noexcept;
Socket::native_handle_type epoll_create1(std::error_code& ec) noexcept;
void epoll_ctl(Socket::native_handle_type ep, EpollOp op, Socket::native_handle_type handle,
               EpollEvents events, std::uint64_t data, std::error_code& ec) noexcept;
std::size_t epoll_wait(Socket::native_handle_type ep, std::span<EpollEvent> events,
                       std::chrono::milliseconds timeout, std::error_code& ec) noexcept;
Socket::native_handle_type eventfd(std::uint32_t initial, std::error_code& ec) noexcept;
void eventfd_write(Socket::native_handle_type h, std::uint64_t value, std::error_code& ec) noexcept;
std::uint64_t eventfd_read(Socket::native_handle_type h, std::error_code& ec) noexcept;
/// close(2) of an epoll or eventfd descriptor.
void close_descriptor(Socket::native_handle_type h, std::error_code& ec) noexcept;

}  // namespace socklab::sys
