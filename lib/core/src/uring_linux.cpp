// uring_linux.cpp — io_uring on Linux through liburing (Debian liburing-dev): the only
// file of the layer that calls it. Beyond each member's named call:
//  - a prep_ call that finds the submission queue full first submits what is queued
//    (io_uring_submit) to make room, then takes the entry (liburing's get_sqe is NULL
//    when the queue is full);
//  - prep_timeout keeps the timespec the kernel reads at submission in a slot of its
//    own, one per submission-queue entry, so the caller's value may go out of scope;
//  - wait() retries after EINTR with the time that is left, waits again for the rest
//    when the kernel's timer ends before the deadline (it can, by a fraction of a
//    millisecond), and reports -ETIME (the time ran out) as "no completion", not as an
//    error. On kernels before 5.11 (no
//    IORING_FEAT_EXT_ARG) liburing implements the timeout with a timeout request of
//    its own, submitting what is queued with it.
#include <liburing.h>
#include <sys/socket.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <new>
#include <vector>

#include "uring_platform.hpp"

namespace socklab::detail {
struct UringState {
  io_uring ring{};
  std::vector<__kernel_timespec> timeouts;  // one per submission-queue entry
};
}  // namespace socklab::detail

namespace socklab::sys {
namespace {

using Clock = std::chrono::steady_clock;
using detail::UringState;

std::error_code from_errno(int e) noexcept {
  return {e, socket_category()};
}

int fd(Handle h) noexcept {
  return h == Socket::invalid_handle ? -1 : static_cast<int>(h);
}

// A free submission-queue entry; when there is none, submit what is queued first.
io_uring_sqe* entry(UringState* s, std::error_code& ec) noexcept {
  io_uring_sqe* sqe = io_uring_get_sqe(&s->ring);
  if (!sqe) {
    int rc = io_uring_submit(&s->ring);
    if (rc < 0) {
      ec = from_errno(-rc);
      return nullptr;
    }
    sqe = io_uring_get_sqe(&s->ring);
  }
  if (!sqe) ec = std::make_error_code(std::errc::no_buffer_space);
  return sqe;
}

// The time from now until `deadline` as the kernel's timespec, 0 once it has passed. In
// nanoseconds: rounded down to milliseconds, the last fraction of one would be 0 ms,
// and a wait loop would spin through it.
__kernel_timespec time_until(Clock::time_point deadline) noexcept {
  const auto left = std::max(deadline - Clock::now(), Clock::duration::zero());
  const long long ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
  __kernel_timespec ts{};
  ts.tv_sec = ns / 1'000'000'000;
  ts.tv_nsec = ns % 1'000'000'000;
  return ts;
}

}  // namespace

bool uring_supported() noexcept {
  return true;
}

UringState* uring_queue_init(unsigned entries, std::error_code& ec) noexcept {
  auto* s = new (std::nothrow) UringState;
  if (!s) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return nullptr;
  }
  // One thread submits and reaps (the lesson's loop), so the kernel may run the
  // completions' work when that thread asks for them (DEFER_TASKRUN, Linux 6.1) instead
  // of interrupting it as each one arrives; before 6.1, COOP_TASKRUN (5.19) at least
  // skips the interrupt; before that, neither (-EINVAL: asked again without).
  int rc = -EINVAL;
  for (unsigned flags :
       {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_COOP_TASKRUN, 0u}) {
    rc = io_uring_queue_init(entries, &s->ring, flags);
    if (rc != -EINVAL) break;
  }
  if (rc < 0) {  // -EPERM / -ENOSYS: refused (io_uring_disabled, seccomp); -EINVAL, -ENOMEM
    delete s;
    ec = from_errno(-rc);
    return nullptr;
  }
  try {
    s->timeouts.resize(std::bit_ceil(std::max(entries, 1u)));
  } catch (...) {
    io_uring_queue_exit(&s->ring);
    delete s;
    ec = std::make_error_code(std::errc::not_enough_memory);
    return nullptr;
  }
  ec.clear();
  return s;
}

void uring_queue_exit(UringState* s) noexcept {
  io_uring_queue_exit(&s->ring);
  delete s;
}

Handle uring_fd(const UringState* s) noexcept {
  return static_cast<Handle>(s->ring.ring_fd);
}

void uring_prep_accept(UringState* s, Handle listener, std::uint64_t data,
                       std::error_code& ec) noexcept {
  io_uring_sqe* sqe = entry(s, ec);
  if (!sqe) return;
  io_uring_prep_accept(sqe, fd(listener), nullptr, nullptr, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, data);
  ec.clear();
}

void uring_prep_recv(UringState* s, Handle h, std::span<char> buffer, std::uint64_t data,
                     std::error_code& ec) noexcept {
  io_uring_sqe* sqe = entry(s, ec);
  if (!sqe) return;
  io_uring_prep_recv(sqe, fd(h), buffer.data(), buffer.size(), 0);
  io_uring_sqe_set_data64(sqe, data);
  ec.clear();
}

void uring_prep_send(UringState* s, Handle h, std::span<const char> bytes, std::uint64_t data,
                     std::error_code& ec) noexcept {
  io_uring_sqe* sqe = entry(s, ec);
  if (!sqe) return;
  io_uring_prep_send(sqe, fd(h), bytes.data(), bytes.size(), MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, data);
  ec.clear();
}

void uring_prep_cancel(UringState* s, std::uint64_t target, std::uint64_t data,
                       std::error_code& ec) noexcept {
  io_uring_sqe* sqe = entry(s, ec);
  if (!sqe) return;
  io_uring_prep_cancel64(sqe, target, 0);
  io_uring_sqe_set_data64(sqe, data);
  ec.clear();
}

void uring_prep_timeout(UringState* s, std::chrono::milliseconds after, std::uint64_t data,
                        std::error_code& ec) noexcept {
  io_uring_sqe* sqe = entry(s, ec);
  if (!sqe) return;
  const auto slot = static_cast<std::size_t>(sqe - s->ring.sq.sqes);
  if (slot >= s->timeouts.size()) {  // (cannot happen: the queue has that many entries)
    ec = std::make_error_code(std::errc::no_buffer_space);
    return;
  }
  const long long ms = std::max<long long>(after.count(), 0);
  __kernel_timespec& ts = s->timeouts[slot];
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000;
  io_uring_prep_timeout(sqe, &ts, 0, 0);
  io_uring_sqe_set_data64(sqe, data);
  ec.clear();
}

std::size_t uring_submit(UringState* s, std::error_code& ec) noexcept {
  int rc;
  do rc = io_uring_submit(&s->ring);
  while (rc == -EINTR);
  if (rc < 0) {
    ec = from_errno(-rc);
    return 0;
  }
  ec.clear();
  return static_cast<std::size_t>(rc);
}

std::size_t uring_submit_and_wait(UringState* s, std::chrono::milliseconds timeout,
                                  std::error_code& ec) noexcept {
  const bool forever = timeout.count() < 0;
  const auto deadline = Clock::now() + (forever ? std::chrono::milliseconds(0) : timeout);
  std::size_t submitted = 0;
  for (;;) {
    io_uring_cqe* cqe = nullptr;
    int rc;
    if (forever) {
      rc = io_uring_submit_and_wait(&s->ring, 1);
    } else {
      __kernel_timespec ts = time_until(deadline);
      // One io_uring_enter(): submit, and wait for one completion or the time (with
      // IORING_FEAT_EXT_ARG, Linux 5.11; before it liburing adds a timeout request).
      rc = io_uring_submit_and_wait_timeout(&s->ring, &cqe, 1, &ts, nullptr);
    }
    if (rc >= 0) submitted += static_cast<std::size_t>(rc);
    if (rc == -EINTR) continue;
    // As in uring_wait(): the kernel's timer may end a little before the deadline.
    if (rc == -ETIME && Clock::now() < deadline) continue;
    if (rc < 0 && rc != -ETIME) {
      ec = from_errno(-rc);
      return submitted;
    }
    break;
  }
  ec.clear();
  return submitted;
}

std::optional<Completion> uring_peek(UringState* s) noexcept {
  io_uring_cqe* cqe = nullptr;
  if (io_uring_peek_cqe(&s->ring, &cqe) != 0 || cqe == nullptr) return std::nullopt;
  Completion c;
  c.data = io_uring_cqe_get_data64(cqe);
  c.result = cqe->res;
  io_uring_cqe_seen(&s->ring, cqe);
  return c;
}

std::optional<Completion> uring_wait(UringState* s, std::chrono::milliseconds timeout,
                                     std::error_code& ec) noexcept {
  const bool forever = timeout.count() < 0;
  const auto deadline = Clock::now() + (forever ? std::chrono::milliseconds(0) : timeout);
  io_uring_cqe* cqe = nullptr;
  for (;;) {
    int rc;
    if (forever) {
      rc = io_uring_wait_cqe(&s->ring, &cqe);
    } else {
      __kernel_timespec ts = time_until(deadline);
      rc = io_uring_wait_cqe_timeout(&s->ring, &cqe, &ts);
    }
    if (rc == -EINTR) continue;
    // The kernel's timer may end a little before the deadline (measured: 49.1 ms of 50):
    // a caller that waits for a deadline would wake early and spin until it passes.
    if (rc == -ETIME && Clock::now() < deadline) continue;
    if (rc == -ETIME) {
      ec.clear();
      return std::nullopt;
    }
    if (rc < 0) {
      ec = from_errno(-rc);
      return std::nullopt;
    }
    break;
  }
  Completion c;
  c.data = io_uring_cqe_get_data64(cqe);
  c.result = cqe->res;
  io_uring_cqe_seen(&s->ring, cqe);
  ec.clear();
  return c;
}

}  // namespace socklab::sys
