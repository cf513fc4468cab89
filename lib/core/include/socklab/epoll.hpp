// socklab/epoll.hpp — epoll and eventfd (lesson 11), one member per system call.
//
// poll() (lesson 08) hands the kernel the whole array on every call and the kernel
// looks at every entry: O(n) per call, however few sockets are ready. epoll keeps
// the list of interest INSIDE the kernel and returns only what is ready: O(ready).
//
//   man 7 epoll            socklab
//   epoll_create1(CLOEXEC)   auto ep = Epoll::create1();
//   epoll_ctl(ADD, fd, ev)   ep.add(fd, EpollEvents::in | EpollEvents::rdhup, data);
//   epoll_ctl(MOD, fd, ev)   ep.modify(fd, EpollEvents::in | EpollEvents::out, data);
//   epoll_ctl(DEL, fd)       ep.remove(fd);
//   epoll_wait(ep, evs, n, ms)  std::size_t n = ep.wait(events, timeout);
//   eventfd(0, NONBLOCK|CLOEXEC)  auto efd = EventFd::create();  efd.write(1); efd.read();
//
// epoll is Linux's. Elsewhere (Windows, macOS, the BSDs) every call fails with
// std::errc::operation_not_supported and a message that says what to use instead
// (WSL2 or a Linux VM); Epoll::supported() asks without failing. The lesson still
// builds there. docs/layer.md lists what each member does, per platform.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <utility>

#include "socklab/socket.hpp"
#include "socklab/unique_fd.hpp"

namespace socklab {

/// The bits of struct epoll_event's `events`, named as in epoll_ctl(2).
enum class EpollEvents : std::uint32_t {
  none = 0,
  in = 1u << 0,         ///< EPOLLIN: recv()/accept() will not wait (data, EOF or a client)
  out = 1u << 1,        ///< EPOLLOUT: send() will take at least one byte
  rdhup = 1u << 2,      ///< EPOLLRDHUP: the peer shut down its sending side (FIN seen)
  pri = 1u << 3,        ///< EPOLLPRI: urgent data
  err = 1u << 4,        ///< EPOLLERR: an error is pending (always reported, need not be asked)
  hup = 1u << 5,        ///< EPOLLHUP: closed both ways or reset (always reported)
  et = 1u << 6,         ///< EPOLLET: edge triggered — report a change once, not a state
  oneshot = 1u << 7,    ///< EPOLLONESHOT: report once, then disarm until modify()
  exclusive = 1u << 8,  ///< EPOLLEXCLUSIVE: wake one of several epoll sets (add() only)
};
constexpr EpollEvents operator|(EpollEvents a, EpollEvents b) noexcept {
  return static_cast<EpollEvents>(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}
constexpr EpollEvents operator&(EpollEvents a, EpollEvents b) noexcept {
  return static_cast<EpollEvents>(static_cast<std::uint32_t>(a) & static_cast<std::uint32_t>(b));
}
constexpr EpollEvents& operator|=(EpollEvents& a, EpollEvents b) noexcept {
  return a = a | b;
}
/// True if any bit of `wanted` is set in `e`:  if (has(ev.events, EpollEvents::in)) ...
constexpr bool has(EpollEvents e, EpollEvents wanted) noexcept {
  return (e & wanted) != EpollEvents::none;
}

/// One ready entry from epoll_wait(): what happened, and the `data` given to add().
struct EpollEvent {
  EpollEvents events = EpollEvents::none;
  std::uint64_t data = 0;  ///< epoll_data.u64: usually the handle, or an index
};

namespace detail {
/// What Epoll and EventFd share: one descriptor that a UniqueFd owns — so they are
/// move-only and the destructor closes it once (close(2), errors ignored) — shown as
/// native_handle(), and closed early by close().
class OwnedFd {
 public:
  using native_handle_type = Socket::native_handle_type;

  bool is_open() const noexcept { return fd_.is_open(); }
  native_handle_type native_handle() const noexcept {
    return fd_ ? static_cast<native_handle_type>(fd_.get()) : Socket::invalid_handle;
  }
  /// close(): releases the descriptor now and reports a failure (closed once, whatever
  /// close(2) says).
  void close(std::error_code& ec) noexcept;

 protected:
  OwnedFd() noexcept = default;
  explicit OwnedFd(UniqueFd fd) noexcept : fd_(std::move(fd)) {}
  void close_or_throw(const char* what);  // close(ec), then throw_if(ec, what)
  UniqueFd fd_;
};
}  // namespace detail

/// An epoll instance: a file descriptor the kernel keeps an interest list behind.
/// Move-only; the destructor closes it (a UniqueFd owns it). The handles it watches
/// are not owned.
class Epoll : public detail::OwnedFd {
 public:
  Epoll() noexcept = default;

  /// False where epoll does not exist (not Linux): then every call below fails.
  static bool supported() noexcept;

  /// epoll_create1(EPOLL_CLOEXEC).
  static Epoll create1();
  static Epoll create1(std::error_code& ec) noexcept;

  /// epoll_ctl(EPOLL_CTL_ADD): watch `handle` for `events`; wait() returns `data` with it.
  void add(native_handle_type handle, EpollEvents events, std::uint64_t data);
  void add(native_handle_type handle, EpollEvents events, std::uint64_t data,
           std::error_code& ec) noexcept;
  /// epoll_ctl(EPOLL_CTL_MOD): change what `handle` is watched for. The kernel looks at
  /// the handle again, so an edge-triggered entry re-armed here reports what is pending.
  void modify(native_handle_type handle, EpollEvents events, std::uint64_t data);
  void modify(native_handle_type handle, EpollEvents events, std::uint64_t data,
              std::error_code& ec) noexcept;
  /// epoll_ctl(EPOLL_CTL_DEL). (Closing a descriptor removes it too, once no other
  /// descriptor refers to the same open file — see epoll(7), "Questions and answers".)
  void remove(native_handle_type handle);
  void remove(native_handle_type handle, std::error_code& ec) noexcept;

  /// epoll_wait(): fills at most events.size() entries, returns how many (0 = timeout).
  /// A negative timeout waits forever. Retried after EINTR with the time that is left.
  std::size_t wait(std::span<EpollEvent> events, std::chrono::milliseconds timeout);
  std::size_t wait(std::span<EpollEvent> events, std::chrono::milliseconds timeout,
                   std::error_code& ec) noexcept;

  /// close(): releases the instance now and reports a failure.
  void close() { close_or_throw("close(epoll)"); }
  using OwnedFd::close;

 private:
  explicit Epoll(UniqueFd fd) noexcept : OwnedFd(std::move(fd)) {}
};

/// An eventfd: a 64-bit counter in the kernel with a descriptor, readable while it
/// is not zero. One thread write()s to wake another that waits in epoll_wait().
/// Created EFD_NONBLOCK | EFD_CLOEXEC. Move-only; the destructor closes it (a UniqueFd
/// owns it).
class EventFd : public detail::OwnedFd {
 public:
  EventFd() noexcept = default;

  /// eventfd(initial, EFD_NONBLOCK | EFD_CLOEXEC).
  static EventFd create(std::uint32_t initial = 0);
  static EventFd create(std::uint32_t initial, std::error_code& ec) noexcept;

  /// write(2) of 8 bytes: adds `value` to the counter (wakes whoever waits on it).
  void write(std::uint64_t value);
  void write(std::uint64_t value, std::error_code& ec) noexcept;
  /// read(2) of 8 bytes: returns the counter and resets it to 0; 0 if it was 0
  /// already (the EAGAIN of a non-blocking eventfd, not an error).
  std::uint64_t read();
  std::uint64_t read(std::error_code& ec) noexcept;

  void close() { close_or_throw("close(eventfd)"); }
  using OwnedFd::close;

 private:
  explicit EventFd(UniqueFd fd) noexcept : OwnedFd(std::move(fd)) {}
};

}  // namespace socklab
