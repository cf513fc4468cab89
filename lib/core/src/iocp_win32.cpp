// iocp_win32.cpp — I/O completion ports on Windows: the only file of the layer that
// calls them. Beyond each member's named call:
//  - accept_ex() asks Winsock for AcceptEx once per port, with
//    WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER) on the first listener it is given
//    (Microsoft's advice: AcceptEx is an extension of the provider, not of ws2_32);
//  - every call starts its operation with a fresh, zeroed OVERLAPPED in the caller's
//    Overlapped, and notes the socket there (get_queued_completion_status needs it);
//  - a call that returns WSA_IO_PENDING (ERROR_IO_PENDING) has started: no error. One
//    that completed at once queues its completion to the port all the same
//    (FILE_SKIP_COMPLETION_PORT_ON_SUCCESS is not set), so every started operation
//    has exactly one completion, and the program handles all of them in one place;
//  - cancel_io_ex() reports ERROR_NOT_FOUND (nothing in flight) as success;
//  - get_queued_completion_status() turns a failed operation's Win32 status into its
//    Winsock error with one WSAGetOverlappedResult() (ERROR_NETNAME_DELETED is
//    WSAECONNRESET there), reports WAIT_TIMEOUT as "no completion", and waits again
//    for the rest when the wait ends before the deadline.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
// clang-format off
#include <winsock2.h>  // must come before windows.h
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>
// clang-format on

#include <algorithm>
#include <climits>
#include <cstddef>
#include <new>

#include "iocp_platform.hpp"

namespace socklab::detail {
struct PortState {
  HANDLE port = nullptr;
  LPFN_ACCEPTEX accept_ex = nullptr;  // WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER)
};
}  // namespace socklab::detail

namespace socklab::sys {
namespace {

using Clock = std::chrono::steady_clock;
using detail::PortState;

static_assert(sizeof(OVERLAPPED) <= sizeof(Overlapped::os), "Overlapped::os holds an OVERLAPPED");
static_assert(offsetof(Overlapped, os) == 0, "the OVERLAPPED is the Overlapped's first member");
static_assert(CompletionPort::accept_buffer_size == 2 * (sizeof(sockaddr_storage) + 16),
              "AcceptEx: each address takes its largest size plus 16 bytes");

std::error_code from(DWORD code) noexcept {
  return {static_cast<int>(code), socket_category()};
}

SOCKET native(Handle h) noexcept {
  return static_cast<SOCKET>(h);
}

// A new operation: a zeroed OVERLAPPED in the caller's storage, and its socket noted.
OVERLAPPED* start(Overlapped& op, Handle h) noexcept {
  op.handle = h;
  return ::new (static_cast<void*>(op.os)) OVERLAPPED{};
}

ULONG length(std::size_t n) noexcept {
  return static_cast<ULONG>(std::min<std::size_t>(n, INT_MAX));
}

}  // namespace

bool port_supported() noexcept {
  return true;
}

PortState* port_create(std::error_code& ec) noexcept {
  auto* s = new (std::nothrow) PortState;
  if (!s) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return nullptr;
  }
  s->port = ::CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
  if (s->port == nullptr) {
    ec = from(::GetLastError());
    delete s;
    return nullptr;
  }
  ec.clear();
  return s;
}

void port_close(PortState* s) noexcept {
  ::CloseHandle(s->port);
  delete s;
}

void port_associate(PortState* s, Handle h, std::uint64_t key, std::error_code& ec) noexcept {
  if (::CreateIoCompletionPort(reinterpret_cast<HANDLE>(native(h)), s->port,
                               static_cast<ULONG_PTR>(key), 0) == nullptr)
    return void(ec = from(::GetLastError()));
  ec.clear();
}

void port_accept_ex(PortState* s, Handle listener, Handle accepting, std::span<char> addresses,
                    Overlapped& op, std::error_code& ec) noexcept {
  if (s->accept_ex == nullptr) {
    GUID guid = WSAID_ACCEPTEX;
    DWORD bytes = 0;
    if (::WSAIoctl(native(listener), SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof guid,
                   &s->accept_ex, sizeof s->accept_ex, &bytes, nullptr, nullptr) == SOCKET_ERROR)
      return void(ec = from(static_cast<DWORD>(::WSAGetLastError())));
  }
  constexpr DWORD each = sizeof(sockaddr_storage) + 16;
  DWORD received = 0;
  if (!s->accept_ex(native(listener), native(accepting), addresses.data(), 0, each, each, &received,
                    start(op, listener))) {
    const int e = ::WSAGetLastError();
    if (e != ERROR_IO_PENDING) return void(ec = from(static_cast<DWORD>(e)));
  }
  ec.clear();
}

void port_update_accept_context(Handle accepted, Handle listener, std::error_code& ec) noexcept {
  SOCKET l = native(listener);
  if (::setsockopt(native(accepted), SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
                   reinterpret_cast<const char*>(&l), sizeof l) == SOCKET_ERROR)
    return void(ec = from(static_cast<DWORD>(::WSAGetLastError())));
  ec.clear();
}

void port_wsa_recv(Handle h, std::span<char> buffer, Overlapped& op, std::error_code& ec) noexcept {
  WSABUF b{length(buffer.size()), buffer.data()};
  DWORD flags = 0;
  if (::WSARecv(native(h), &b, 1, nullptr, &flags, start(op, h), nullptr) == SOCKET_ERROR) {
    const int e = ::WSAGetLastError();
    if (e != WSA_IO_PENDING) return void(ec = from(static_cast<DWORD>(e)));
  }
  ec.clear();
}

void port_wsa_send(Handle h, std::span<const char> bytes, Overlapped& op,
                   std::error_code& ec) noexcept {
  // WSABUF's pointer is not const; WSASend only reads through it.
  WSABUF b{length(bytes.size()), const_cast<char*>(bytes.data())};
  if (::WSASend(native(h), &b, 1, nullptr, 0, start(op, h), nullptr) == SOCKET_ERROR) {
    const int e = ::WSAGetLastError();
    if (e != WSA_IO_PENDING) return void(ec = from(static_cast<DWORD>(e)));
  }
  ec.clear();
}

void port_cancel_io_ex(Handle h, std::error_code& ec) noexcept {
  if (!::CancelIoEx(reinterpret_cast<HANDLE>(native(h)), nullptr)) {
    const DWORD e = ::GetLastError();
    if (e != ERROR_NOT_FOUND) return void(ec = from(e));
  }
  ec.clear();
}

std::optional<IoCompletion> port_get_queued_completion_status(PortState* s,
                                                              std::chrono::milliseconds timeout,
                                                              std::error_code& ec) noexcept {
  const bool forever = timeout.count() < 0;
  const auto deadline = Clock::now() + (forever ? std::chrono::milliseconds(0) : timeout);
  DWORD bytes = 0;
  ULONG_PTR key = 0;
  OVERLAPPED* ov = nullptr;
  BOOL ok = FALSE;
  for (;;) {
    DWORD ms = INFINITE;
    if (!forever) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      ms = static_cast<DWORD>(std::clamp<long long>(left.count(), 0, INFINITE - 1));
    }
    ov = nullptr;
    ok = ::GetQueuedCompletionStatus(s->port, &bytes, &key, &ov, ms);
    if (ok || ov != nullptr) break;  // a completion, successful or not
    const DWORD e = ::GetLastError();
    if (e == WAIT_TIMEOUT && !forever && Clock::now() < deadline) continue;  // woke early
    if (e == WAIT_TIMEOUT) {
      ec.clear();
      return std::nullopt;
    }
    ec = from(e);  // the port itself (closed, ...)
    return std::nullopt;
  }
  IoCompletion c;
  c.operation = reinterpret_cast<Overlapped*>(ov);  // (os is the Overlapped's first member)
  c.key = key;
  c.bytes = bytes;
  if (!ok) {
    const DWORD status = ::GetLastError();
    DWORD moved = 0, flags = 0;
    if (!::WSAGetOverlappedResult(native(c.operation->handle), ov, &moved, FALSE, &flags))
      c.error = from(static_cast<DWORD>(::WSAGetLastError()));
    else
      c.error = from(status);
  }
  ec.clear();
  return c;
}

}  // namespace socklab::sys
