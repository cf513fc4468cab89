// iocp_platform.hpp — the calls behind socklab/iocp.hpp, defined once per platform:
// iocp_win32.cpp (Winsock and the completion port) or iocp_fallback.cpp (everything
// fails with operation_not_supported: not Windows). Internal.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>

#include "socklab/error.hpp"
#include "socklab/iocp.hpp"

namespace socklab::sys {

using Handle = Socket::native_handle_type;

bool port_supported() noexcept;
detail::PortState* port_create(std::error_code& ec) noexcept;
void port_close(detail::PortState* port) noexcept;
void port_associate(detail::PortState* port, Handle h, std::uint64_t key,
                    std::error_code& ec) noexcept;
void port_accept_ex(detail::PortState* port, Handle listener, Handle accepting,
                    std::span<char> addresses, Overlapped& op, std::error_code& ec) noexcept;
void port_update_accept_context(Handle accepted, Handle listener, std::error_code& ec) noexcept;
void port_wsa_recv(Handle h, std::span<char> buffer, Overlapped& op, std::error_code& ec) noexcept;
void port_wsa_send(Handle h, std::span<const char> bytes, Overlapped& op,
                   std::error_code& ec) noexcept;
void port_cancel_io_ex(Handle h, std::error_code& ec) noexcept;
std::optional<IoCompletion> port_get_queued_completion_status(detail::PortState* port,
                                                              std::chrono::milliseconds timeout,
                                                              std::error_code& ec) noexcept;

}  // namespace socklab::sys
