// epoll_linux.cpp — epoll(7) and eventfd(2) on Linux: the only file of the layer
// that calls them.
//
//  - epoll_create1() passes EPOLL_CLOEXEC (a child started by exec does not inherit it);
//  - epoll_wait() is retried after EINTR with the time that is left (as poll() is);
//  - eventfd() passes EFD_NONBLOCK | EFD_CLOEXEC; a read of a zero counter (EAGAIN)
//    returns 0 instead of failing, and a write that would overflow it (EAGAIN) is
//    dropped: the counter is non-zero then, so the waiter wakes anyway.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <vector>

#include "epoll_platform.hpp"

namespace socklab::sys {
namespace {

using Clock = std::chrono::steady_clock;

std::error_code last() noexcept {
  return {errno, socket_category()};
}

// Our bits -> EPOLL* and back, one line per bit (the values differ from ours).
struct Bit {
  EpollEvents ours;
  std::uint32_t native;
};
constexpr Bit bits[] = {
    {EpollEvents::in, EPOLLIN},
    {EpollEvents::out, EPOLLOUT},
    {EpollEvents::rdhup, EPOLLRDHUP},
    {EpollEvents::pri, EPOLLPRI},
    {EpollEvents::err, EPOLLERR},
    {EpollEvents::hup, EPOLLHUP},
    {EpollEvents::et, EPOLLET},
    {EpollEvents::oneshot, EPOLLONESHOT},
    {EpollEvents::exclusive, EPOLLEXCLUSIVE},
};

std::uint32_t to_native(EpollEvents e) noexcept {
  std::uint32_t out = 0;
  for (const Bit& b : bits)
    if (has(e, b.ours)) out |= b.native;
  return out;
}

EpollEvents from_native(std::uint32_t n) noexcept {
  EpollEvents out = EpollEvents::none;
  for (const Bit& b : bits)
    if (n & b.native) out |= b.ours;
  return out;
}

int fd(Socket::native_handle_type h) noexcept {
  return h == Socket::invalid_handle ? -1 : static_cast<int>(h);
}

}  // namespace

bool epoll_supported() noexcept {
  return true;
}

Socket::native_handle_type epoll_create1(std::error_code& ec) noexcept {
  int e = ::epoll_create1(EPOLL_CLOEXEC);
  if (e < 0) {
    ec = last();
    return Socket::invalid_handle;
  }
  ec.clear();
  return static_cast<Socket::native_handle_type>(e);
}

void epoll_ctl(Socket::native_handle_type ep, EpollOp op, Socket::native_handle_type handle,
               EpollEvents events, std::uint64_t data, std::error_code& ec) noexcept {
  epoll_event ev{};
  ev.events = to_native(events);
  ev.data.u64 = data;
  int native_op = op == EpollOp::add      ? EPOLL_CTL_ADD
                  : op == EpollOp::modify ? EPOLL_CTL_MOD
                                          : EPOLL_CTL_DEL;
  // EPOLL_CTL_DEL ignores the event, but kernels before 2.6.9 wanted a non-null one.
  if (::epoll_ctl(fd(ep), native_op, fd(handle), &ev) != 0) {
    ec = last();
    return;
  }
  ec.clear();
}

std::size_t epoll_wait(Socket::native_handle_type ep, std::span<EpollEvent> events,
                       std::chrono::milliseconds timeout, std::error_code& ec) noexcept {
  // epoll_wait() fills an array of struct epoll_event (packed, 12 bytes on x86-64;
  // EpollEvent is 16): one per thread, grown when a caller asks for more, and kept,
  // so the loop's turn allocates nothing.
  thread_local std::vector<epoll_event> native_events;
  std::size_t max = std::min<std::size_t>(events.size(), std::numeric_limits<int>::max());
  if (max == 0) {
    ec = std::make_error_code(std::errc::invalid_argument);  // epoll_wait(2): maxevents > 0
    return 0;
  }
  if (native_events.size() < max) {
    try {
      native_events.resize(max);
    } catch (...) {
      ec = std::make_error_code(std::errc::not_enough_memory);
      return 0;
    }
  }
  epoll_event* native = native_events.data();
  const bool forever = timeout.count() < 0;
  const auto deadline = Clock::now() + (forever ? std::chrono::milliseconds(0) : timeout);
  int ms = forever ? -1 : static_cast<int>(std::min<long long>(timeout.count(), INT32_MAX));
  int rc;
  while ((rc = ::epoll_wait(fd(ep), native, static_cast<int>(max), ms)) < 0) {
    if (errno != EINTR) {
      ec = last();
      return 0;
    }
    if (!forever) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      ms = static_cast<int>(std::clamp<long long>(left, 0, INT32_MAX));
    }
  }
  for (int i = 0; i < rc; ++i) {
    events[static_cast<std::size_t>(i)].events = from_native(native[i].events);
    events[static_cast<std::size_t>(i)].data = native[i].data.u64;
  }
  ec.clear();
  return static_cast<std::size_t>(rc);
}

Socket::native_handle_type eventfd(std::uint32_t initial, std::error_code& ec) noexcept {
  int e = ::eventfd(initial, EFD_NONBLOCK | EFD_CLOEXEC);
  if (e < 0) {
    ec = last();
    return Socket::invalid_handle;
  }
  ec.clear();
  return static_cast<Socket::native_handle_type>(e);
}

void eventfd_write(Socket::native_handle_type h, std::uint64_t value,
                   std::error_code& ec) noexcept {
  ssize_t n;
  do n = ::write(fd(h), &value, sizeof value);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno != EAGAIN) {
    ec = last();
    return;
  }
  ec.clear();
}

std::uint64_t eventfd_read(Socket::native_handle_type h, std::error_code& ec) noexcept {
  std::uint64_t value = 0;
  ssize_t n;
  do n = ::read(fd(h), &value, sizeof value);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN) {
      ec.clear();
      return 0;
    }
    ec = last();
    return 0;
  }
  ec.clear();
  return value;
}

void close_descriptor(Socket::native_handle_type h, std::error_code& ec) noexcept {
  // close(2): no retry after EINTR — on Linux the descriptor is gone either way.
  if (::close(fd(h)) != 0 && errno != EINTR) {
    ec = last();
    return;
  }
  ec.clear();
}

}  // namespace socklab::sys
