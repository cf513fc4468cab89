// uring_platform.hpp — the calls behind socklab/uring.hpp, defined once per platform:
// uring_linux.cpp (liburing) or uring_fallback.cpp (everything fails with
// operation_not_supported: not Linux, or built without liburing). Internal.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>

#include "socklab/error.hpp"
#include "socklab/uring.hpp"

namespace socklab::sys {

using Handle = Socket::native_handle_type;

bool uring_supported() noexcept;
detail::UringState* uring_queue_init(unsigned entries, std::error_code& ec) noexcept;
void uring_queue_exit(detail::UringState* ring) noexcept;
Handle uring_fd(const detail::UringState* ring) noexcept;
void uring_prep_accept(detail::UringState* ring, Handle listener, std::uint64_t data,
                       std::error_code& ec) noexcept;
void uring_prep_recv(detail::UringState* ring, Handle h, std::span<char> buffer, std::uint64_t data,
                     std::error_code& ec) noexcept;
void uring_prep_send(detail::UringState* ring, Handle h, std::span<const char> bytes,
                     std::uint64_t data, std::error_code& ec) noexcept;
void uring_prep_cancel(detail::UringState* ring, std::uint64_t target, std::uint64_t data,
                       std::error_code& ec) noexcept;
void uring_prep_timeout(detail::UringState* ring, std::chrono::milliseconds after,
                        std::uint64_t data, std::error_code& ec) noexcept;
std::size_t uring_submit(detail::UringState* ring, std::error_code& ec) noexcept;
std::size_t uring_submit_and_wait(detail::UringState* ring, std::chrono::milliseconds timeout,
                                  std::error_code& ec) noexcept;
std::optional<Completion> uring_peek(detail::UringState* ring) noexcept;
std::optional<Completion> uring_wait(detail::UringState* ring, std::chrono::milliseconds timeout,
                                     std::error_code& ec) noexcept;

}  // namespace socklab::sys
