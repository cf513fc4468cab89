// epoll_fallback.cpp — every platform without epoll (Windows, macOS, the BSDs):
// each call fails with std::errc::operation_not_supported; the error's hint says
// to run lesson 11 on Linux, in WSL2 or in a Linux VM. (A kqueue backend for macOS
// and the BSDs would go in an epoll_kqueue.cpp; it could not be tested here.)
#include "epoll_platform.hpp"

namespace socklab::sys {
namespace {
std::error_code not_supported() noexcept {
  return std::make_error_code(std::errc::operation_not_supported);
}
}  // namespace

bool epoll_supported() noexcept {
  return false;
}
Socket::native_handle_type epoll_create1(std::error_code& ec) noexcept {
  ec = not_supported();
  return Socket::invalid_handle;
}
void epoll_ctl(Socket::native_handle_type, EpollOp, Socket::native_handle_type, EpollEvents,
               std::uint64_t, std::error_code& ec) noexcept {
  ec = not_supported();
}
std::size_t epoll_wait(Socket::native_handle_type, std::span<EpollEvent>, std::chrono::milliseconds,
                       std::error_code& ec) noexcept {
  ec = not_supported();
  return 0;
}
Socket::native_handle_type eventfd(std::uint32_t, std::error_code& ec) noexcept {
  ec = not_supported();
  return Socket::invalid_handle;
}
void eventfd_write(Socket::native_handle_type, std::uint64_t, std::error_code& ec) noexcept {
  ec = not_supported();
}
std::uint64_t eventfd_read(Socket::native_handle_type, std::error_code& ec) noexcept {
  ec = not_supported();
  return 0;
}
void close_descriptor(Socket::native_handle_type, std::error_code& ec) noexcept {
  ec.clear();  // nothing was ever opened
}

}  // namespace socklab::sys
