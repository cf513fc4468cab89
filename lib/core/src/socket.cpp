// socket.cpp — Socket: each member calls exactly one system call (through the
// platform file) and reports failure as an error_code or an Error.
#include "socklab/socket.hpp"

#include <atomic>
#include <utility>

#include "address_text.hpp"
#include "platform.hpp"
#include "socklab/error.hpp"
#include "socklab/io_hook.hpp"
#include "socklab/unique_fd.hpp"

namespace socklab {
namespace {

// The fault-injection seam (socklab/io_hook.hpp): nullptr unless lib/testing installed one.
std::atomic<io_hook::Function> g_io_hook{nullptr};

bool check_open(Socket::native_handle_type h, std::error_code& ec) noexcept {
  if (h == Socket::invalid_handle) {
    ec = errc::not_open;
    return false;
  }
  return true;
}

}  // namespace

namespace detail {
namespace {

std::string address_text(Socket::native_handle_type h, bool peer) {
  const int saved = sys::last_error();  // the error of the call the message is about
  std::error_code ignored;
  Address a = peer ? sys::peer_address(h, ignored) : sys::local_address(h, ignored);
  sys::set_last_error(saved);
  return ignored ? std::string{} : a.to_string();
}

}  // namespace

std::string peer_text(Socket::native_handle_type h) {
  return address_text(h, true);
}
std::string local_text(Socket::native_handle_type h) {
  return address_text(h, false);
}

}  // namespace detail

using detail::local_text;
using detail::peer_text;

void io_hook::install(io_hook::Function hook) noexcept {
  g_io_hook.store(hook, std::memory_order_seq_cst);
}
io_hook::Function io_hook::installed() noexcept {
  return g_io_hook.load(std::memory_order_relaxed);
}

void initialize(std::error_code& ec) noexcept {
  ec = sys::startup();
}
void initialize() {
  std::error_code ec;
  initialize(ec);
  throw_if(ec, "WSAStartup");
}

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0) sys::close_descriptor(fd_);
  fd_ = fd < 0 ? -1 : fd;
}

Socket::~Socket() {
  if (is_open()) {
    std::error_code ignored;  // a destructor must not throw; call close() to see errors
    sys::close(handle_, ignored);
  }
}

Socket::Socket(Socket&& other) noexcept
    : handle_(std::exchange(other.handle_, invalid_handle)),
      blocking_(std::exchange(other.blocking_, detail::Blocking::unknown)) {}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    Socket old(std::move(*this));  // closes what this Socket held before, at the end of the block
    handle_ = std::exchange(other.handle_, invalid_handle);
    blocking_ = std::exchange(other.blocking_, detail::Blocking::unknown);
  }
  return *this;
}

Socket::native_handle_type Socket::release() noexcept {
  blocking_ = detail::Blocking::unknown;
  return std::exchange(handle_, invalid_handle);
}

// --- socket() -------------------------------------------------------------------
Socket Socket::open(Family family, Type type, std::error_code& ec) noexcept {
  ec = sys::startup();
  if (ec) return Socket{};
  // socket() makes a blocking socket (no SOCK_NONBLOCK): known, never asked again.
  return Socket(sys::socket(family, type, ec), detail::Blocking::yes);
}

Socket Socket::open(Family family, Type type) {
  initialize();  // WSAStartup on Windows: its failure is reported under its own name
  std::error_code ec;
  Socket s = open(family, type, ec);
  throw_if(ec, "socket", to_string(family));
  return s;
}

Socket Socket::tcp(Family family) {
  return open(family, Type::stream);
}
Socket Socket::tcp(Family family, std::error_code& ec) noexcept {
  return open(family, Type::stream, ec);
}
Socket Socket::udp(Family family) {
  return open(family, Type::datagram);
}
Socket Socket::udp(Family family, std::error_code& ec) noexcept {
  return open(family, Type::datagram, ec);
}

// --- connection calls -------------------------------------------------------------
void Socket::bind(const Address& local, std::error_code& ec) noexcept {
  if (check_open(handle_, ec)) sys::bind(handle_, local, ec);
}
void Socket::bind(const Address& local) {
  std::error_code ec;
  bind(local, ec);
  throw_if(ec, "bind", local.to_string());
}

void Socket::listen(int backlog, std::error_code& ec) noexcept {
  if (check_open(handle_, ec)) sys::listen(handle_, backlog, ec);
}
void Socket::listen(int backlog) {
  std::error_code ec;
  listen(backlog, ec);
  throw_if(ec, "listen", local_text(handle_));
}

Accepted Socket::accept(std::error_code& ec) noexcept {
  Accepted out;
  // The accepted socket blocks, on every platform (the layer's rule: sys::accept).
  if (check_open(handle_, ec))
    out.socket =
        Socket(sys::accept(handle_, blocking_, false, out.peer, ec), detail::Blocking::yes);
  return out;
}
Accepted Socket::accept_non_blocking(std::error_code& ec) noexcept {
  Accepted out;
  if (check_open(handle_, ec))
    out.socket = Socket(sys::accept(handle_, blocking_, true, out.peer, ec), detail::Blocking::no);
  return out;
}
Accepted Socket::accept_non_blocking() {
  std::error_code ec;
  Accepted out = accept_non_blocking(ec);
  throw_if(ec, "accept4", local_text(handle_));
  return out;
}
Accepted Socket::accept() {
  std::error_code ec;
  Accepted out = accept(ec);
  throw_if(ec, "accept", local_text(handle_));
  return out;
}

void Socket::connect(const Address& remote, std::error_code& ec) noexcept {
  if (check_open(handle_, ec)) sys::connect(handle_, remote, ec);
}
void Socket::connect(const Address& remote) {
  std::error_code ec;
  connect(remote, ec);
  throw_if(ec, "connect", remote.to_string());
}

std::size_t Socket::send(std::span<const std::byte> data, std::error_code& ec) noexcept {
  if (!check_open(handle_, ec)) return 0;
  std::size_t size = data.size();
  if (auto hook = g_io_hook.load(std::memory_order_relaxed)) {  // test-only: socklab/io_hook.hpp
    ec = hook(/*is_send=*/true, size);
    if (ec) return 0;
  }
  return sys::send(handle_, blocking_, data.data(), size, ec);
}
std::size_t Socket::send(std::span<const std::byte> data) {
  std::error_code ec;
  std::size_t n = send(data, ec);
  throw_if(ec, "send", peer_text(handle_));
  return n;
}
std::size_t Socket::send(std::string_view data, std::error_code& ec) noexcept {
  return send(std::as_bytes(std::span<const char>(data.data(), data.size())), ec);
}
std::size_t Socket::send(std::string_view data) {
  return send(std::as_bytes(std::span<const char>(data.data(), data.size())));
}

Received Socket::recv(std::span<std::byte> buffer, std::error_code& ec) noexcept {
  if (!check_open(handle_, ec)) return {};
  if (buffer.empty()) {
    ec.clear();
    return {};  // recv() of 0 bytes would return 0 and look like EOF: don't ask
  }
  std::size_t size = buffer.size();
  if (auto hook = g_io_hook.load(std::memory_order_relaxed)) {  // test-only: socklab/io_hook.hpp
    ec = hook(/*is_send=*/false, size);
    if (ec) return {};
  }
  std::size_t n = sys::recv(handle_, blocking_, buffer.data(), size, ec);
  if (ec) return {};
  return Received{n, n == 0};
}
Received Socket::recv(std::span<std::byte> buffer) {
  std::error_code ec;
  Received r = recv(buffer, ec);
  throw_if(ec, "recv", peer_text(handle_));
  return r;
}
Received Socket::recv(std::span<char> buffer, std::error_code& ec) noexcept {
  return recv(std::as_writable_bytes(buffer), ec);
}
Received Socket::recv(std::span<char> buffer) {
  return recv(std::as_writable_bytes(buffer));
}

std::size_t Socket::send_to(std::span<const std::byte> data, const Address& to,
                            std::error_code& ec) noexcept {
  if (!check_open(handle_, ec)) return 0;
  return sys::send_to(handle_, blocking_, data.data(), data.size(), to, ec);
}
std::size_t Socket::send_to(std::span<const std::byte> data, const Address& to) {
  std::error_code ec;
  std::size_t n = send_to(data, to, ec);
  throw_if(ec, "sendto", to.to_string());
  return n;
}
std::size_t Socket::send_to(std::string_view data, const Address& to,
                            std::error_code& ec) noexcept {
  if (!check_open(handle_, ec)) return 0;
  return sys::send_to(handle_, blocking_, data.data(), data.size(), to, ec);
}
std::size_t Socket::send_to(std::string_view data, const Address& to) {
  std::error_code ec;
  std::size_t n = send_to(data, to, ec);
  throw_if(ec, "sendto", to.to_string());
  return n;
}

ReceivedFrom Socket::recv_from(std::span<char> buffer, std::error_code& ec) noexcept {
  ReceivedFrom out;
  if (check_open(handle_, ec))
    out.bytes = sys::recv_datagram(handle_, blocking_, buffer.data(), buffer.size(), out.from,
                                   out.truncated, ec);
  return out;
}
ReceivedFrom Socket::recv_from(std::span<char> buffer) {
  std::error_code ec;
  ReceivedFrom out = recv_from(buffer, ec);
  throw_if(ec, "recvfrom", local_text(handle_));
  return out;
}

void Socket::shutdown(Shutdown how, std::error_code& ec) noexcept {
  if (check_open(handle_, ec)) sys::shutdown(handle_, how, ec);
}
void Socket::shutdown(Shutdown how) {
  std::error_code ec;
  shutdown(how, ec);
  throw_if(ec, "shutdown", peer_text(handle_));
}

void Socket::close(std::error_code& ec) noexcept {
  if (!check_open(handle_, ec)) return;
  blocking_ = detail::Blocking::unknown;
  sys::close(std::exchange(handle_, invalid_handle), ec);
}
void Socket::close() {
  std::error_code ec;
  close(ec);
  throw_if(ec, "close");
}

// --- addresses --------------------------------------------------------------------
Address Socket::local_address(std::error_code& ec) const noexcept {
  if (!check_open(handle_, ec)) return {};
  return sys::local_address(handle_, ec);
}
Address Socket::local_address() const {
  std::error_code ec;
  Address a = local_address(ec);
  throw_if(ec, "getsockname");
  return a;
}
Address Socket::peer_address(std::error_code& ec) const noexcept {
  if (!check_open(handle_, ec)) return {};
  return sys::peer_address(handle_, ec);
}
Address Socket::peer_address() const {
  std::error_code ec;
  Address a = peer_address(ec);
  throw_if(ec, "getpeername");
  return a;
}

// --- options ----------------------------------------------------------------------
#define SOCKLAB_THROWING_FORM(signature, call, name) \
  void Socket::signature {                           \
    std::error_code ec;                              \
    call;                                            \
    throw_if(ec, name);                              \
  }

void Socket::set_reuse_address(bool on, std::error_code& ec) noexcept {
  if (check_open(handle_, ec)) sys::set_option(handle_, sys::BoolOption::reuse_address, on, ec);
}
void Socket::set_reuse_address(bool on) {
  std::error_code ec;
  set_reuse_address(on, ec);
  // Named after what the platform sets: SO_EXCLUSIVEADDRUSE on Windows.
  if (ec)
    throw_if(ec,
             std::string("setsockopt(") + sys::option_name(sys::BoolOption::reuse_address) + ")");
}

void Socket::set_reuse_port(bool on, std::error_code& ec) noexcept {
  if (check_open(handle_, ec)) sys::set_option(handle_, sys::BoolOption::reuse_port, on, ec);
}
SOCKLAB_THROWING_FORM(set_reuse_port(bool on), set_reuse_port(on, ec), "setsockopt(SO_REUSEPORT)")

void Socket::set_no_delay(bool on, std::error_code& ec) noexcept {
  if (check_open(handle_, ec)) sys::set_option(handle_, sys::BoolOption::no_delay, on, ec);
}
SOCKLAB_THROWING_FORM(set_no_delay(bool on), set_no_delay(on, ec), "setsockopt(TCP_NODELAY)")

void Socket::set_v6_only(bool on, std::error_code& ec) noexcept {
  if (check_open(handle_, ec)) sys::set_option(handle_, sys::BoolOption::v6_only, on, ec);
}
SOCKLAB_THROWING_FORM(set_v6_only(bool on), set_v6_only(on, ec), "setsockopt(IPV6_V6ONLY)")

void Socket::set_recv_timeout(std::chrono::milliseconds t, std::error_code& ec) noexcept {
  if (check_open(handle_, ec)) sys::set_option(handle_, sys::TimeOption::recv_timeout, t, ec);
}
SOCKLAB_THROWING_FORM(set_recv_timeout(std::chrono::milliseconds t), set_recv_timeout(t, ec),
                      "setsockopt(SO_RCVTIMEO)")

void Socket::set_send_timeout(std::chrono::milliseconds t, std::error_code& ec) noexcept {
  if (check_open(handle_, ec)) sys::set_option(handle_, sys::TimeOption::send_timeout, t, ec);
}
SOCKLAB_THROWING_FORM(set_send_timeout(std::chrono::milliseconds t), set_send_timeout(t, ec),
                      "setsockopt(SO_SNDTIMEO)")

void Socket::set_recv_buffer_size(int bytes, std::error_code& ec) noexcept {
  if (check_open(handle_, ec)) sys::set_option(handle_, sys::IntOption::recv_buffer, bytes, ec);
}
SOCKLAB_THROWING_FORM(set_recv_buffer_size(int bytes), set_recv_buffer_size(bytes, ec),
                      "setsockopt(SO_RCVBUF)")

void Socket::set_send_buffer_size(int bytes, std::error_code& ec) noexcept {
  if (check_open(handle_, ec)) sys::set_option(handle_, sys::IntOption::send_buffer, bytes, ec);
}
SOCKLAB_THROWING_FORM(set_send_buffer_size(int bytes), set_send_buffer_size(bytes, ec),
                      "setsockopt(SO_SNDBUF)")

void Socket::set_linger(std::optional<std::chrono::seconds> l, std::error_code& ec) noexcept {
  if (check_open(handle_, ec)) sys::set_linger(handle_, l, ec);
}
SOCKLAB_THROWING_FORM(set_linger(std::optional<std::chrono::seconds> l), set_linger(l, ec),
                      "setsockopt(SO_LINGER)")

void Socket::set_non_blocking(bool on, std::error_code& ec) noexcept {
  if (!check_open(handle_, ec)) return;
  sys::set_non_blocking(handle_, on, ec);
  // Remembered, so that an EAGAIN later needs no call to tell "would block" from the
  // SO_RCVTIMEO/SO_SNDTIMEO timeout. After a failure the mode is not known.
  blocking_ = ec ? detail::Blocking::unknown : on ? detail::Blocking::no : detail::Blocking::yes;
}
SOCKLAB_THROWING_FORM(set_non_blocking(bool on), set_non_blocking(on, ec), "set_non_blocking")

#undef SOCKLAB_THROWING_FORM

bool Socket::v6_only(std::error_code& ec) const noexcept {
  if (!check_open(handle_, ec)) return false;
  return sys::get_option(handle_, sys::BoolOption::v6_only, ec);
}
bool Socket::v6_only() const {
  std::error_code ec;
  bool on = v6_only(ec);
  throw_if(ec, "getsockopt(IPV6_V6ONLY)");
  return on;
}

int Socket::recv_buffer_size() const {
  std::error_code ec;
  if (!check_open(handle_, ec)) throw_if(ec, "getsockopt(SO_RCVBUF)");
  int v = sys::get_option(handle_, sys::IntOption::recv_buffer, ec);
  throw_if(ec, "getsockopt(SO_RCVBUF)");
  return v;
}

int Socket::send_buffer_size() const {
  std::error_code ec;
  if (!check_open(handle_, ec)) throw_if(ec, "getsockopt(SO_SNDBUF)");
  int v = sys::get_option(handle_, sys::IntOption::send_buffer, ec);
  throw_if(ec, "getsockopt(SO_SNDBUF)");
  return v;
}

bool Socket::is_listening(std::error_code& ec) const noexcept {
  if (!check_open(handle_, ec)) return false;
  return sys::accepts_connections(handle_, ec);
}
bool Socket::is_listening() const {
  std::error_code ec;
  bool on = is_listening(ec);
  throw_if(ec, "getsockopt(SO_ACCEPTCONN)");
  return on;
}

std::error_code Socket::pending_error() const {
  std::error_code ec;
  if (!check_open(handle_, ec)) throw_if(ec, "getsockopt(SO_ERROR)");
  std::error_code pending = sys::pending_error(handle_, ec);
  throw_if(ec, "getsockopt(SO_ERROR)");
  return pending;
}

// --- a connected pair over loopback -------------------------------------------------
SocketPair tcp_pair(Family family) {
  Socket listener = Socket::tcp(family);
  listener.bind(Address::loopback(family, 0));
  listener.listen(1);
  SocketPair pair;
  pair.first = Socket::tcp(family);
  pair.first.connect(listener.local_address());  // completes: the kernel answers the SYN
  pair.second = listener.accept().socket;
  return pair;
}

}  // namespace socklab
