// socklab/iocp.hpp — I/O completion ports (lesson 14, Windows): the proactor, one
// member per call.
//
// The same model as io_uring (socklab/uring.hpp) with Windows' names: the program
// starts an operation — "receive into THIS buffer" — and a completion port tells it
// when the operation is DONE, with its result. There is no submission queue: the call
// itself (WSARecv, WSASend, AcceptEx) is the submission.
//
//   Winsock / Win32 (learn.microsoft.com)             socklab
//   CreateIoCompletionPort(INVALID_HANDLE_VALUE, ..)  auto port = CompletionPort::create();
//   CreateIoCompletionPort(socket, port, key, 0)      port.associate(socket, key);
//   AcceptEx(listener, accepting, buf, 0, ..., &ov)   port.accept_ex(listener, s, buf, op);
//   setsockopt(SO_UPDATE_ACCEPT_CONTEXT)              CompletionPort::update_accept_context(s, l);
//   WSARecv(socket, &wsabuf, 1, .., &flags, &ov, 0)   port.wsa_recv(socket, buffer, op);
//   WSASend(socket, &wsabuf, 1, .., 0, &ov, 0)        port.wsa_send(socket, bytes, op);
//   CancelIoEx(socket, NULL)                          port.cancel_io_ex(socket);
//   GetQueuedCompletionStatus(port, .., timeout)      auto done =
//   port.get_queued_completion_status(t); CloseHandle(port)                                 the
//   destructor, or port.close()
//
// Each operation has its own OVERLAPPED: here an `Overlapped`, which the program makes
// the first base of its per-operation state (struct Op : Overlapped { buffer, ... }) and
// gets back, as a pointer, in the completion.
//
// THE RULE of the proactor, with one more object than io_uring: the buffer AND the
// Overlapped given to a call belong to the system until that operation's completion has
// been dequeued — also when the operation failed or was cancelled. A call that fails at
// once (it returns an error here) queues no completion: then both are the program's again.
//
// I/O completion ports are Windows'. Elsewhere every call fails with
// std::errc::operation_not_supported (on Linux, io_uring is the proactor: uring.hpp);
// supported() asks without failing. docs/layer.md lists what each member does.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>

#include "socklab/socket.hpp"

namespace socklab {

namespace detail {
struct PortState;  // the port's HANDLE and the AcceptEx pointer: the platform file's
}

/// One operation's OVERLAPPED, opaque: the system writes into it while the operation is
/// in flight. Make it the first base of your per-operation state; never copy, move or
/// free it before the operation's completion.
struct Overlapped {
  alignas(8) unsigned char os[32]{};  ///< the OVERLAPPED itself (32 bytes on 64-bit Windows)
  Socket::native_handle_type handle = Socket::invalid_handle;  ///< set by the call: its socket
};

/// One dequeued completion (GetQueuedCompletionStatus's results), copied out.
struct IoCompletion {
  Overlapped* operation = nullptr;  ///< the Overlapped given to the call that completed
  std::uint64_t key = 0;            ///< the completion key given to associate() for its socket
  std::uint32_t bytes = 0;          ///< bytes moved (0 for a recv: the peer closed)
  std::error_code error;            ///< why the operation failed, or empty
  bool ok() const noexcept { return !error; }
};

/// An I/O completion port. Move-only; the destructor closes it (CloseHandle). The
/// sockets given to its calls are not owned.
class CompletionPort {
 public:
  using native_handle_type = Socket::native_handle_type;

  /// The buffer accept_ex() needs for the two addresses AcceptEx writes (local, remote).
  static constexpr std::size_t accept_buffer_size = 2 * (128 + 16);

  CompletionPort() noexcept = default;
  ~CompletionPort();
  CompletionPort(CompletionPort&& other) noexcept;
  CompletionPort& operator=(CompletionPort&& other) noexcept;
  CompletionPort(const CompletionPort&) = delete;
  CompletionPort& operator=(const CompletionPort&) = delete;

  /// False where this build has no completion ports (everything but Windows).
  static bool supported() noexcept;

  /// CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1): a new port, for one thread.
  static CompletionPort create();
  static CompletionPort create(std::error_code& ec) noexcept;

  bool is_open() const noexcept { return state_ != nullptr; }

  /// CreateIoCompletionPort(h, port, key, 0): the completions of h's operations come to
  /// this port, carrying `key`. Once per socket, before its first operation.
  void associate(native_handle_type h, std::uint64_t key);
  void associate(native_handle_type h, std::uint64_t key, std::error_code& ec) noexcept;

  /// AcceptEx(listener, accepting, addresses, 0, ...): the next client of `listener`
  /// is connected to `accepting` (a new, unbound TCP socket of the listener's family).
  /// `addresses` (at least accept_buffer_size bytes) is the system's until completion.
  void accept_ex(native_handle_type listener, native_handle_type accepting,
                 std::span<char> addresses, Overlapped& op);
  void accept_ex(native_handle_type listener, native_handle_type accepting,
                 std::span<char> addresses, Overlapped& op, std::error_code& ec) noexcept;
  /// setsockopt(accepted, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, listener): after AcceptEx
  /// completed, gives `accepted` the listener's properties (getpeername, shutdown work).
  static void update_accept_context(native_handle_type accepted, native_handle_type listener);
  static void update_accept_context(native_handle_type accepted, native_handle_type listener,
                                    std::error_code& ec) noexcept;

  /// WSARecv into `buffer`: the completion's bytes = bytes received, 0 = the peer closed.
  void wsa_recv(native_handle_type h, std::span<char> buffer, Overlapped& op);
  void wsa_recv(native_handle_type h, std::span<char> buffer, Overlapped& op,
                std::error_code& ec) noexcept;
  /// WSASend of `bytes`: the completion's bytes = bytes sent — possibly FEWER than asked
  /// (send the rest again).
  void wsa_send(native_handle_type h, std::span<const char> bytes, Overlapped& op);
  void wsa_send(native_handle_type h, std::span<const char> bytes, Overlapped& op,
                std::error_code& ec) noexcept;

  /// CancelIoEx(h, NULL): every operation in flight on h completes, with
  /// operation_canceled unless it was done already. Nothing in flight: no error.
  void cancel_io_ex(native_handle_type h);
  void cancel_io_ex(native_handle_type h, std::error_code& ec) noexcept;

  /// The next completion, waiting at most `timeout` (negative: forever); nullopt when
  /// the time ran out. A failed or cancelled operation is a completion too, with its
  /// error (WSAGetOverlappedResult says which).
  std::optional<IoCompletion> get_queued_completion_status(std::chrono::milliseconds timeout);
  std::optional<IoCompletion> get_queued_completion_status(std::chrono::milliseconds timeout,
                                                           std::error_code& ec) noexcept;

  /// CloseHandle(port). Operations still in flight keep their buffers: cancel them, and
  /// free the buffers only after their completions (or at the end of the process).
  void close() noexcept;

 private:
  detail::PortState* state_ = nullptr;
};

}  // namespace socklab
