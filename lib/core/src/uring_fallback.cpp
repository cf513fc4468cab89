// uring_fallback.cpp — every build without io_uring (Windows, macOS, the BSDs, or
// Linux without liburing-dev): each call fails with std::errc::operation_not_supported
// and makes no call; the error's hint says where lesson 14 runs. (Windows' proactor,
// I/O completion ports, is a later part: an iocp_echo_server and its own file.)
#include "uring_platform.hpp"

namespace socklab::sys {
namespace {
std::error_code not_supported() noexcept {
  return std::make_error_code(std::errc::operation_not_supported);
}
}  // namespace

bool uring_supported() noexcept {
  return false;
}
detail::UringState* uring_queue_init(unsigned, std::error_code& ec) noexcept {
  ec = not_supported();
  return nullptr;
}
void uring_queue_exit(detail::UringState*) noexcept {}
Handle uring_fd(const detail::UringState*) noexcept {
  return Socket::invalid_handle;
}
void uring_prep_accept(detail::UringState*, Handle, std::uint64_t, std::error_code& ec) noexcept {
  ec = not_supported();
}
void uring_prep_recv(detail::UringState*, Handle, std::span<char>, std::uint64_t,
                     std::error_code& ec) noexcept {
  ec = not_supported();
}
void uring_prep_send(detail::UringState*, Handle, std::span<const char>, std::uint64_t,
                     std::error_code& ec) noexcept {
  ec = not_supported();
}
void uring_prep_cancel(detail::UringState*, std::uint64_t, std::uint64_t,
                       std::error_code& ec) noexcept {
  ec = not_supported();
}
void uring_prep_timeout(detail::UringState*, std::chrono::milliseconds, std::uint64_t,
                        std::error_code& ec) noexcept {
  ec = not_supported();
}
std::size_t uring_submit(detail::UringState*, std::error_code& ec) noexcept {
  ec = not_supported();
  return 0;
}
std::size_t uring_submit_and_wait(detail::UringState*, std::chrono::milliseconds,
                                  std::error_code& ec) noexcept {
  ec = not_supported();
  return 0;
}
std::optional<Completion> uring_peek(detail::UringState*) noexcept {
  return std::nullopt;
}
std::optional<Completion> uring_wait(detail::UringState*, std::chrono::milliseconds,
                                     std::error_code& ec) noexcept {
  ec = not_supported();
  return std::nullopt;
}

}  // namespace socklab::sys
