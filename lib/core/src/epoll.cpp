// epoll.cpp — the portable half of socklab/epoll.hpp: ownership and the throwing
// forms. The system calls are in epoll_linux.cpp / epoll_fallback.cpp.
#include <fmt/format.h>

#include <utility>

#include "epoll_platform.hpp"
#include "socklab/error.hpp"

namespace socklab {

namespace {
std::error_code not_open() noexcept {
  return make_error_code(errc::not_open);
}
// The descriptor a platform call returned, owned (invalid_handle: owns nothing).
UniqueFd owned(Socket::native_handle_type h) noexcept {
  return UniqueFd(h == Socket::invalid_handle ? -1 : static_cast<int>(h));
}
// close(ec): the descriptor leaves its owner first, so it is closed once, whatever
// close(2) reports (UniqueFd's own close is for destructors: it ignores errors).
void close_reporting(UniqueFd& fd, std::error_code& ec) noexcept {
  if (!fd) return void(ec = not_open());
  sys::close_descriptor(static_cast<Socket::native_handle_type>(fd.release()), ec);
}
}  // namespace

// --- Epoll: ownership is UniqueFd's (unique_fd.hpp) ------------------------------

bool Epoll::supported() noexcept {
  return sys::epoll_supported();
}

Epoll Epoll::create1(std::error_code& ec) noexcept {
  return Epoll(owned(sys::epoll_create1(ec)));
}
Epoll Epoll::create1() {
  std::error_code ec;
  Epoll ep = create1(ec);
  throw_if(ec, "epoll_create1");
  return ep;
}

void Epoll::add(native_handle_type handle, EpollEvents events, std::uint64_t data,
                std::error_code& ec) noexcept {
  if (!is_open()) return void(ec = not_open());
  sys::epoll_ctl(native_handle(), sys::EpollOp::add, handle, events, data, ec);
}
void Epoll::add(native_handle_type handle, EpollEvents events, std::uint64_t data) {
  std::error_code ec;
  add(handle, events, data, ec);
  throw_if(ec, fmt::format("epoll_ctl(EPOLL_CTL_ADD, {})", handle));
}

void Epoll::modify(native_handle_type handle, EpollEvents events, std::uint64_t data,
                   std::error_code& ec) noexcept {
  if (!is_open()) return void(ec = not_open());
  sys::epoll_ctl(native_handle(), sys::EpollOp::modify, handle, events, data, ec);
}
void Epoll::modify(native_handle_type handle, EpollEvents events, std::uint64_t data) {
  std::error_code ec;
  modify(handle, events, data, ec);
  throw_if(ec, fmt::format("epoll_ctl(EPOLL_CTL_MOD, {})", handle));
}

void Epoll::remove(native_handle_type handle, std::error_code& ec) noexcept {
  if (!is_open()) return void(ec = not_open());
  sys::epoll_ctl(native_handle(), sys::EpollOp::remove, handle, EpollEvents::none, 0, ec);
}
void Epoll::remove(native_handle_type handle) {
  std::error_code ec;
  remove(handle, ec);
  throw_if(ec, fmt::format("epoll_ctl(EPOLL_CTL_DEL, {})", handle));
}

std::size_t Epoll::wait(std::span<EpollEvent> events, std::chrono::milliseconds timeout,
                        std::error_code& ec) noexcept {
  if (!is_open()) {
    ec = not_open();
    return 0;
  }
  return sys::epoll_wait(native_handle(), events, timeout, ec);
}
std::size_t Epoll::wait(std::span<EpollEvent> events, std::chrono::milliseconds timeout) {
  std::error_code ec;
  std::size_t n = wait(events, timeout, ec);
  throw_if(ec, fmt::format("epoll_wait({} events, {} ms)", events.size(), timeout.count()));
  return n;
}

// --- what both own: one descriptor (detail::OwnedFd) -------------------------------

void detail::OwnedFd::close(std::error_code& ec) noexcept {
  close_reporting(fd_, ec);
}
void detail::OwnedFd::close_or_throw(const char* what) {
  std::error_code ec;
  close(ec);
  throw_if(ec, what);
}

// --- EventFd: ownership is UniqueFd's --------------------------------------------

EventFd EventFd::create(std::uint32_t initial, std::error_code& ec) noexcept {
  return EventFd(owned(sys::eventfd(initial, ec)));
}
EventFd EventFd::create(std::uint32_t initial) {
  std::error_code ec;
  EventFd e = create(initial, ec);
  throw_if(ec, "eventfd");
  return e;
}

void EventFd::write(std::uint64_t value, std::error_code& ec) noexcept {
  if (!is_open()) return void(ec = not_open());
  sys::eventfd_write(native_handle(), value, ec);
}
void EventFd::write(std::uint64_t value) {
  std::error_code ec;
  write(value, ec);
  throw_if(ec, "eventfd write");
}

std::uint64_t EventFd::read(std::error_code& ec) noexcept {
  if (!is_open()) {
    ec = not_open();
    return 0;
  }
  return sys::eventfd_read(native_handle(), ec);
}
std::uint64_t EventFd::read() {
  std::error_code ec;
  std::uint64_t v = read(ec);
  throw_if(ec, "eventfd read");
  return v;
}

}  // namespace socklab
