// epoll.cpp — the portable half of socklab/epoll.hpp: ownership and the throwing
// forms. The system calls are in epoll_linux.cpp / epoll_fallback.cpp.
#include <fmt/format.h>

#include <utility>

#include "epoll_platform.hpp"
#include "socklab/error.hpp"

namespace socklab {

namespace {
void close_quietly(Socket::native_handle_type& h) noexcept {
  if (h == Socket::invalid_handle) return;
  std::error_code ignored;
  sys::close_descriptor(h, ignored);
  h = Socket::invalid_handle;
}
std::error_code not_open() noexcept {
  return make_error_code(errc::not_open);
}
}  // namespace

// --- Epoll -----------------------------------------------------------------------
Epoll::~Epoll() {
  close_quietly(handle_);
}
Epoll::Epoll(Epoll&& other) noexcept
    : handle_(std::exchange(other.handle_, Socket::invalid_handle)) {}
Epoll& Epoll::operator=(Epoll&& other) noexcept {
  if (this != &other) {
    close_quietly(handle_);
    handle_ = std::exchange(other.handle_, Socket::invalid_handle);
  }
  return *this;
}

bool Epoll::supported() noexcept {
  return sys::epoll_supported();
}

Epoll Epoll::create1(std::error_code& ec) noexcept {
  return Epoll(sys::epoll_create1(ec));
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
  sys::epoll_ctl(handle_, sys::EpollOp::add, handle, events, data, ec);
}
void Epoll::add(native_handle_type handle, EpollEvents events, std::uint64_t data) {
  std::error_code ec;
  add(handle, events, data, ec);
  throw_if(ec, fmt::format("epoll_ctl(EPOLL_CTL_ADD, {})", handle));
}

void Epoll::modify(native_handle_type handle, EpollEvents events, std::uint64_t data,
                   std::error_code& ec) noexcept {
  if (!is_open()) return void(ec = not_open());
  sys::epoll_ctl(handle_, sys::EpollOp::modify, handle, events, data, ec);
}
void Epoll::modify(native_handle_type handle, EpollEvents events, std::uint64_t data) {
  std::error_code ec;
  modify(handle, events, data, ec);
  throw_if(ec, fmt::format("epoll_ctl(EPOLL_CTL_MOD, {})", handle));
}

void Epoll::remove(native_handle_type handle, std::error_code& ec) noexcept {
  if (!is_open()) return void(ec = not_open());
  sys::epoll_ctl(handle_, sys::EpollOp::remove, handle, EpollEvents::none, 0, ec);
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
  return sys::epoll_wait(handle_, events, timeout, ec);
}
std::size_t Epoll::wait(std::span<EpollEvent> events, std::chrono::milliseconds timeout) {
  std::error_code ec;
  std::size_t n = wait(events, timeout, ec);
  throw_if(ec, fmt::format("epoll_wait({} events, {} ms)", events.size(), timeout.count()));
  return n;
}

void Epoll::close(std::error_code& ec) noexcept {
  if (!is_open()) return void(ec = not_open());
  sys::close_descriptor(std::exchange(handle_, Socket::invalid_handle), ec);
}
void Epoll::close() {
  std::error_code ec;
  close(ec);
  throw_if(ec, "close(epoll)");
}

// --- EventFd ---------------------------------------------------------------------
EventFd::~EventFd() {
  close_quietly(handle_);
}
EventFd::EventFd(EventFd&& other) noexcept
    : handle_(std::exchange(other.handle_, Socket::invalid_handle)) {}
EventFd& EventFd::operator=(EventFd&& other) noexcept {
  if (this != &other) {
    close_quietly(handle_);
    handle_ = std::exchange(other.handle_, Socket::invalid_handle);
  }
  return *this;
}

EventFd EventFd::create(std::uint32_t initial, std::error_code& ec) noexcept {
  return EventFd(sys::eventfd(initial, ec));
}
EventFd EventFd::create(std::uint32_t initial) {
  std::error_code ec;
  EventFd e = create(initial, ec);
  throw_if(ec, "eventfd");
  return e;
}

void EventFd::write(std::uint64_t value, std::error_code& ec) noexcept {
  if (!is_open()) return void(ec = not_open());
  sys::eventfd_write(handle_, value, ec);
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
  return sys::eventfd_read(handle_, ec);
}
std::uint64_t EventFd::read() {
  std::error_code ec;
  std::uint64_t v = read(ec);
  throw_if(ec, "eventfd read");
  return v;
}

void EventFd::close(std::error_code& ec) noexcept {
  if (!is_open()) return void(ec = not_open());
  sys::close_descriptor(std::exchange(handle_, Socket::invalid_handle), ec);
}
void EventFd::close() {
  std::error_code ec;
  close(ec);
  throw_if(ec, "close(eventfd)");
}

}  // namespace socklab
