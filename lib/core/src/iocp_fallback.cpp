// iocp_fallback.cpp — every build but Windows: I/O completion ports are Windows', so
// each call fails with std::errc::operation_not_supported and makes no call; the
// error's hint says that iocp_echo_server runs on Windows and that Linux's proactor is
// io_uring (uring_echo_server).
#include "iocp_platform.hpp"

namespace socklab::sys {
namespace {
std::error_code not_supported() noexcept {
  return std::make_error_code(std::errc::operation_not_supported);
}
}  // namespace

bool port_supported() noexcept {
  return false;
}
detail::PortState* port_create(std::error_code& ec) noexcept {
  ec = not_supported();
  return nullptr;
}
void port_close(detail::PortState*) noexcept {}
void port_associate(detail::PortState*, Handle, std::uint64_t, std::error_code& ec) noexcept {
  ec = not_supported();
}
void port_accept_ex(detail::PortState*, Handle, Handle, std::span<char>, Overlapped&,
                    std::error_code& ec) noexcept {
  ec = not_supported();
}
void port_update_accept_context(Handle, Handle, std::error_code& ec) noexcept {
  ec = not_supported();
}
void port_wsa_recv(Handle, std::span<char>, Overlapped&, std::error_code& ec) noexcept {
  ec = not_supported();
}
void port_wsa_send(Handle, std::span<const char>, Overlapped&, std::error_code& ec) noexcept {
  ec = not_supported();
}
void port_cancel_io_ex(Handle, std::error_code& ec) noexcept {
  ec = not_supported();
}
std::optional<IoCompletion> port_get_queued_completion_status(detail::PortState*,
                                                              std::chrono::milliseconds,
                                                              std::error_code& ec) noexcept {
  ec = not_supported();
  return std::nullopt;
}

}  // namespace socklab::sys
