// socklab/uring.hpp — io_uring (lesson 14): the proactor, one member per operation.
//
// epoll (lesson 11) says "this socket is READY: now call recv() yourself". io_uring
// takes the operation itself: "recv into THIS buffer, and tell me when it is DONE".
// Two queues in memory shared with the kernel: the program writes requests into the
// submission queue (SQ) and io_uring_enter() hands them over; the kernel writes one
// completion per request into the completion queue (CQ): its `data` and its result.
//
//   liburing (man 3 io_uring_*)                    socklab
//   io_uring_queue_init(entries, &ring, 0)         auto ring = Uring::queue_init(256);
//   io_uring_prep_accept(sqe, fd, 0, 0, CLOEXEC)   ring.prep_accept(listener, data);
//   io_uring_prep_recv(sqe, fd, buf, len, 0)       ring.prep_recv(fd, buffer, data);
//   io_uring_prep_send(sqe, fd, buf, len, NOSIGNAL) ring.prep_send(fd, bytes, data);
//   io_uring_prep_cancel64(sqe, target, 0)         ring.prep_cancel(target, data);
//   io_uring_prep_timeout(sqe, &ts, 0, 0)          ring.prep_timeout(500ms, data);
//   io_uring_submit(&ring)                         std::size_t n = ring.submit();
//   io_uring_wait_cqe_timeout() + io_uring_cqe_seen()  auto done = ring.wait(timeout);
//   io_uring_submit_and_wait_timeout(&ring, .., 1, ..)  ring.submit_and_wait(timeout);
//   io_uring_peek_cqe() + io_uring_cqe_seen()      auto done = ring.peek();
//   io_uring_queue_exit(&ring)                     the destructor, or ring.close()
//
// THE RULE of the proactor: a buffer given to prep_recv()/prep_send() belongs to the
// kernel until that operation's completion has been seen. Do not free, move or reuse
// it before (a std::string that grows, a connection object deleted on timeout, ...).
//
// io_uring is Linux's (5.6 or newer for all of the above), and the build needs
// liburing (Debian: liburing-dev). Elsewhere, or built without liburing, every call
// fails with std::errc::operation_not_supported; supported() asks without failing.
// Where the kernel refuses it (sysctl kernel.io_uring_disabled, a container's seccomp
// profile), queue_init() fails with EPERM or ENOSYS and a hint that names both.
// docs/layer.md lists what each member does, per platform.
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
struct UringState;  // the ring (struct io_uring) and its timeouts: the platform file's
}

/// One entry of the completion queue (struct io_uring_cqe), copied out.
struct Completion {
  std::uint64_t data = 0;   ///< user_data: the `data` given to the prep_ call it completes
  std::int32_t result = 0;  ///< res: bytes moved, a new descriptor (accept), 0, or -errno
  bool ok() const noexcept { return result >= 0; }
  /// The error of a failed operation (result < 0: -errno), else an empty code.
  std::error_code error() const noexcept;
};

/// An io_uring instance: its two queues, mapped into this process. Move-only; the
/// destructor tears it down (io_uring_queue_exit). The handles given to prep_ calls
/// are not owned.
class Uring {
 public:
  using native_handle_type = Socket::native_handle_type;

  Uring() noexcept = default;
  ~Uring();
  Uring(Uring&& other) noexcept;
  Uring& operator=(Uring&& other) noexcept;
  Uring(const Uring&) = delete;
  Uring& operator=(const Uring&) = delete;

  /// False where this build has no io_uring (not Linux, or no liburing): then every
  /// call below fails. True does not mean the kernel allows it: queue_init() tells.
  static bool supported() noexcept;

  /// io_uring_queue_init(entries, ring, 0): a submission queue of `entries` (rounded
  /// up to a power of two by the kernel) and a completion queue twice that size.
  static Uring queue_init(unsigned entries);
  static Uring queue_init(unsigned entries, std::error_code& ec) noexcept;

  bool is_open() const noexcept { return state_ != nullptr; }
  /// The ring's file descriptor (io_uring_setup's), or Socket::invalid_handle.
  native_handle_type native_handle() const noexcept;

  /// IORING_OP_ACCEPT on `listener` (SOCK_CLOEXEC): the completion's result is the new
  /// connection's descriptor (blocking, as accept() gives it), or -errno (-EMFILE, ...).
  void prep_accept(native_handle_type listener, std::uint64_t data);
  void prep_accept(native_handle_type listener, std::uint64_t data, std::error_code& ec) noexcept;
  /// IORING_OP_RECV into `buffer` (it is the kernel's until the completion): result =
  /// bytes received, 0 = the peer closed its sending side, or -errno.
  void prep_recv(native_handle_type h, std::span<char> buffer, std::uint64_t data);
  void prep_recv(native_handle_type h, std::span<char> buffer, std::uint64_t data,
                 std::error_code& ec) noexcept;
  /// IORING_OP_SEND of `bytes` with MSG_NOSIGNAL (no SIGPIPE): result = bytes the
  /// kernel took — possibly FEWER than asked (send the rest again) — or -errno.
  void prep_send(native_handle_type h, std::span<const char> bytes, std::uint64_t data);
  void prep_send(native_handle_type h, std::span<const char> bytes, std::uint64_t data,
                 std::error_code& ec) noexcept;
  /// IORING_OP_ASYNC_CANCEL of the operation whose data is `target`. Its own
  /// completion: 0 (cancelled: the target completes with -ECANCELED), -ENOENT (not
  /// found: already completed) or -EALREADY (running: it completes on its own).
  void prep_cancel(std::uint64_t target, std::uint64_t data);
  void prep_cancel(std::uint64_t target, std::uint64_t data, std::error_code& ec) noexcept;
  /// IORING_OP_TIMEOUT: completes with -ETIME after `after` (relative, CLOCK_MONOTONIC).
  void prep_timeout(std::chrono::milliseconds after, std::uint64_t data);
  void prep_timeout(std::chrono::milliseconds after, std::uint64_t data,
                    std::error_code& ec) noexcept;

  /// io_uring_submit(): hands every prepared request to the kernel; returns how many.
  std::size_t submit();
  std::size_t submit(std::error_code& ec) noexcept;

  /// io_uring_submit_and_wait_timeout(): hands every prepared request to the kernel
  /// AND sleeps until at least one completion is in the queue or `timeout` passed
  /// (negative: no limit), in one system call; returns how many were handed over.
  /// The completions stay in the queue: take them with peek(). Again after EINTR,
  /// and when the kernel's timer ends before the deadline, with the time left.
  std::size_t submit_and_wait(std::chrono::milliseconds timeout);
  std::size_t submit_and_wait(std::chrono::milliseconds timeout, std::error_code& ec) noexcept;

  /// io_uring_peek_cqe() + io_uring_cqe_seen(): the next completion already in the
  /// queue, or nullopt; never waits and makes no system call (shared memory).
  std::optional<Completion> peek() noexcept;

  /// The next completion, waiting at most `timeout` (negative: forever); nullopt when
  /// the time ran out. io_uring_wait_cqe_timeout(), then io_uring_cqe_seen(): the
  /// entry is copied out and its slot given back. A completion already in the queue is
  /// read from shared memory, without a system call. Again after EINTR, time left.
  std::optional<Completion> wait(std::chrono::milliseconds timeout);
  std::optional<Completion> wait(std::chrono::milliseconds timeout, std::error_code& ec) noexcept;

  /// io_uring_queue_exit(): unmaps the queues and closes the ring now. The kernel
  /// cancels requests still in flight on its own time: free their buffers only after
  /// their completions (or at the end of the process).
  void close() noexcept;

 private:
  detail::UringState* state_ = nullptr;
};

}  // namespace socklab
