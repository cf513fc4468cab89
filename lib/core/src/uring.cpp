// uring.cpp — the portable half of socklab/uring.hpp: ownership, the throwing forms,
// and the fault-injection seam. The calls are in uring_linux.cpp / uring_fallback.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "socklab/error.hpp"
#include "socklab/io_hook.hpp"
#include "uring_platform.hpp"

namespace socklab {

namespace {
std::error_code not_open() noexcept {
  return make_error_code(errc::not_open);
}
}  // namespace

std::error_code Completion::error() const noexcept {
  if (result >= 0) return {};
  return {-result, socket_category()};
}

Uring::~Uring() {
  close();
}
Uring::Uring(Uring&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
Uring& Uring::operator=(Uring&& other) noexcept {
  if (this != &other) {
    close();
    state_ = std::exchange(other.state_, nullptr);
  }
  return *this;
}

bool Uring::supported() noexcept {
  return sys::uring_supported();
}

Uring Uring::queue_init(unsigned entries, std::error_code& ec) noexcept {
  Uring ring;
  ring.state_ = sys::uring_queue_init(entries, ec);
  return ring;
}
Uring Uring::queue_init(unsigned entries) {
  std::error_code ec;
  Uring ring = queue_init(entries, ec);
  throw_if(ec, fmt::format("io_uring_queue_init({})", entries));
  return ring;
}

Uring::native_handle_type Uring::native_handle() const noexcept {
  return state_ ? sys::uring_fd(state_) : Socket::invalid_handle;
}

void Uring::close() noexcept {
  if (state_) sys::uring_queue_exit(std::exchange(state_, nullptr));
}

void Uring::prep_accept(native_handle_type listener, std::uint64_t data,
                        std::error_code& ec) noexcept {
  if (!state_) return void(ec = not_open());
  sys::uring_prep_accept(state_, listener, data, ec);
}
void Uring::prep_accept(native_handle_type listener, std::uint64_t data) {
  std::error_code ec;
  prep_accept(listener, data, ec);
  throw_if(ec, "io_uring_prep_accept");
}

// The fault-injection hook (socklab/io_hook.hpp, test-only) sees a prepared recv or
// send as Socket::recv()/send() are seen: it may shorten it, or fail it before it is
// queued. With SOCKLAB_FAULTS=short=N:send the kernel is asked for N bytes at most,
// and a server that forgets the rest of a short send loses data.
void Uring::prep_recv(native_handle_type h, std::span<char> buffer, std::uint64_t data,
                      std::error_code& ec) noexcept {
  if (!state_) return void(ec = not_open());
  if (auto hook = io_hook::installed()) {
    std::size_t size = buffer.size();
    if ((ec = hook(/*is_send=*/false, size))) return;
    buffer = buffer.first(std::min(size, buffer.size()));
  }
  sys::uring_prep_recv(state_, h, buffer, data, ec);
}
void Uring::prep_recv(native_handle_type h, std::span<char> buffer, std::uint64_t data) {
  std::error_code ec;
  prep_recv(h, buffer, data, ec);
  throw_if(ec, "io_uring_prep_recv");
}

void Uring::prep_send(native_handle_type h, std::span<const char> bytes, std::uint64_t data,
                      std::error_code& ec) noexcept {
  if (!state_) return void(ec = not_open());
  if (auto hook = io_hook::installed()) {
    std::size_t size = bytes.size();
    if ((ec = hook(/*is_send=*/true, size))) return;
    bytes = bytes.first(std::min(size, bytes.size()));
  }
  sys::uring_prep_send(state_, h, bytes, data, ec);
}
void Uring::prep_send(native_handle_type h, std::span<const char> bytes, std::uint64_t data) {
  std::error_code ec;
  prep_send(h, bytes, data, ec);
  throw_if(ec, "io_uring_prep_send");
}

void Uring::prep_cancel(std::uint64_t target, std::uint64_t data, std::error_code& ec) noexcept {
  if (!state_) return void(ec = not_open());
  sys::uring_prep_cancel(state_, target, data, ec);
}
void Uring::prep_cancel(std::uint64_t target, std::uint64_t data) {
  std::error_code ec;
  prep_cancel(target, data, ec);
  throw_if(ec, "io_uring_prep_cancel");
}

void Uring::prep_timeout(std::chrono::milliseconds after, std::uint64_t data,
                         std::error_code& ec) noexcept {
  if (!state_) return void(ec = not_open());
  sys::uring_prep_timeout(state_, after, data, ec);
}
void Uring::prep_timeout(std::chrono::milliseconds after, std::uint64_t data) {
  std::error_code ec;
  prep_timeout(after, data, ec);
  throw_if(ec, "io_uring_prep_timeout");
}

std::size_t Uring::submit(std::error_code& ec) noexcept {
  if (!state_) {
    ec = not_open();
    return 0;
  }
  return sys::uring_submit(state_, ec);
}
std::size_t Uring::submit() {
  std::error_code ec;
  std::size_t n = submit(ec);
  throw_if(ec, "io_uring_submit");
  return n;
}

std::size_t Uring::submit_and_wait(std::chrono::milliseconds timeout,
                                   std::error_code& ec) noexcept {
  if (!state_) {
    ec = not_open();
    return 0;
  }
  return sys::uring_submit_and_wait(state_, timeout, ec);
}
std::size_t Uring::submit_and_wait(std::chrono::milliseconds timeout) {
  std::error_code ec;
  std::size_t n = submit_and_wait(timeout, ec);
  throw_if(ec, fmt::format("io_uring_submit_and_wait_timeout({} ms)", timeout.count()));
  return n;
}

std::optional<Completion> Uring::peek() noexcept {
  if (!state_) return std::nullopt;
  return sys::uring_peek(state_);
}

std::optional<Completion> Uring::wait(std::chrono::milliseconds timeout,
                                      std::error_code& ec) noexcept {
  if (!state_) {
    ec = not_open();
    return std::nullopt;
  }
  return sys::uring_wait(state_, timeout, ec);
}
std::optional<Completion> Uring::wait(std::chrono::milliseconds timeout) {
  std::error_code ec;
  auto c = wait(timeout, ec);
  throw_if(ec, fmt::format("io_uring_wait_cqe_timeout({} ms)", timeout.count()));
  return c;
}

}  // namespace socklab
