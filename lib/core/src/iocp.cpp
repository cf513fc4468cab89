// iocp.cpp — the portable half of socklab/iocp.hpp: ownership, the throwing forms, and
// the fault-injection seam. The calls are in iocp_win32.cpp / iocp_fallback.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "iocp_platform.hpp"
#include "socklab/error.hpp"
#include "socklab/io_hook.hpp"

namespace socklab {

namespace {
std::error_code not_open() noexcept {
  return make_error_code(errc::not_open);
}
}  // namespace

CompletionPort::~CompletionPort() {
  close();
}
CompletionPort::CompletionPort(CompletionPort&& other) noexcept
    : state_(std::exchange(other.state_, nullptr)) {}
CompletionPort& CompletionPort::operator=(CompletionPort&& other) noexcept {
  if (this != &other) {
    close();
    state_ = std::exchange(other.state_, nullptr);
  }
  return *this;
}

bool CompletionPort::supported() noexcept {
  return sys::port_supported();
}

CompletionPort CompletionPort::create(std::error_code& ec) noexcept {
  CompletionPort port;
  port.state_ = sys::port_create(ec);
  return port;
}
CompletionPort CompletionPort::create() {
  std::error_code ec;
  CompletionPort port = create(ec);
  throw_if(ec, "CreateIoCompletionPort");
  return port;
}

void CompletionPort::close() noexcept {
  if (state_) sys::port_close(std::exchange(state_, nullptr));
}

void CompletionPort::associate(native_handle_type h, std::uint64_t key,
                               std::error_code& ec) noexcept {
  if (!state_) return void(ec = not_open());
  sys::port_associate(state_, h, key, ec);
}
void CompletionPort::associate(native_handle_type h, std::uint64_t key) {
  std::error_code ec;
  associate(h, key, ec);
  throw_if(ec, "CreateIoCompletionPort(socket, port)");
}

void CompletionPort::accept_ex(native_handle_type listener, native_handle_type accepting,
                               std::span<char> addresses, Overlapped& op,
                               std::error_code& ec) noexcept {
  if (!state_) return void(ec = not_open());
  if (addresses.size() < accept_buffer_size)
    return void(ec = std::make_error_code(std::errc::no_buffer_space));
  sys::port_accept_ex(state_, listener, accepting, addresses, op, ec);
}
void CompletionPort::accept_ex(native_handle_type listener, native_handle_type accepting,
                               std::span<char> addresses, Overlapped& op) {
  std::error_code ec;
  accept_ex(listener, accepting, addresses, op, ec);
  throw_if(ec, "AcceptEx");
}

void CompletionPort::update_accept_context(native_handle_type accepted, native_handle_type listener,
                                           std::error_code& ec) noexcept {
  sys::port_update_accept_context(accepted, listener, ec);
}
void CompletionPort::update_accept_context(native_handle_type accepted,
                                           native_handle_type listener) {
  std::error_code ec;
  update_accept_context(accepted, listener, ec);
  throw_if(ec, "setsockopt(SO_UPDATE_ACCEPT_CONTEXT)");
}

// The fault-injection hook (socklab/io_hook.hpp, test-only) sees a WSARecv or WSASend
// as Socket::recv()/send() are seen: it may shorten it, or fail it before the call.
// With SOCKLAB_FAULTS=short=N:send the system is asked for N bytes at most, and a
// server that forgets the rest of a short send loses data.
void CompletionPort::wsa_recv(native_handle_type h, std::span<char> buffer, Overlapped& op,
                              std::error_code& ec) noexcept {
  if (!state_) return void(ec = not_open());
  if (auto hook = io_hook::installed()) {
    std::size_t size = buffer.size();
    if ((ec = hook(/*is_send=*/false, size))) return;
    buffer = buffer.first(std::min(size, buffer.size()));
  }
  sys::port_wsa_recv(h, buffer, op, ec);
}
void CompletionPort::wsa_recv(native_handle_type h, std::span<char> buffer, Overlapped& op) {
  std::error_code ec;
  wsa_recv(h, buffer, op, ec);
  throw_if(ec, "WSARecv");
}

void CompletionPort::wsa_send(native_handle_type h, std::span<const char> bytes, Overlapped& op,
                              std::error_code& ec) noexcept {
  if (!state_) return void(ec = not_open());
  if (auto hook = io_hook::installed()) {
    std::size_t size = bytes.size();
    if ((ec = hook(/*is_send=*/true, size))) return;
    bytes = bytes.first(std::min(size, bytes.size()));
  }
  sys::port_wsa_send(h, bytes, op, ec);
}
void CompletionPort::wsa_send(native_handle_type h, std::span<const char> bytes, Overlapped& op) {
  std::error_code ec;
  wsa_send(h, bytes, op, ec);
  throw_if(ec, "WSASend");
}

void CompletionPort::cancel_io_ex(native_handle_type h, std::error_code& ec) noexcept {
  if (!state_) return void(ec = not_open());
  sys::port_cancel_io_ex(h, ec);
}
void CompletionPort::cancel_io_ex(native_handle_type h) {
  std::error_code ec;
  cancel_io_ex(h, ec);
  throw_if(ec, "CancelIoEx");
}

std::optional<IoCompletion> CompletionPort::get_queued_completion_status(
    std::chrono::milliseconds timeout, std::error_code& ec) noexcept {
  if (!state_) {
    ec = not_open();
    return std::nullopt;
  }
  return sys::port_get_queued_completion_status(state_, timeout, ec);
}
std::optional<IoCompletion> CompletionPort::get_queued_completion_status(
    std::chrono::milliseconds timeout) {
  std::error_code ec;
  auto c = get_queued_completion_status(timeout, ec);
  throw_if(ec, fmt::format("GetQueuedCompletionStatus({} ms)", timeout.count()));
  return c;
}

}  // namespace socklab
