// socklab/socket.hpp — a socket, one member function per system call.
//
//   Python                                 socklab
//   s = socket.socket(AF_INET, SOCK_STREAM)  auto s = Socket::tcp();
//   s.bind(('localhost', 8888))             s.bind(Address::parse("127.0.0.1:8888"));
//   s.listen(5)                             s.listen(5);
//   c, addr = s.accept()                    auto [c, addr] = s.accept();
//   data = c.recv(1024)                     auto got = c.recv(buffer);  // got.eof, got.bytes
//   c.send(data)                            c.send(data);               // may send less!
//   c.close()                               c.close();                  // or let it go out of
//   scope
//
// A Socket owns its handle: it cannot be copied, it can be moved, and the
// destructor closes it (never throwing). native_handle() is the escape hatch to
// the raw API (an int on POSIX, a SOCKET on Windows).
//
// Sends never raise SIGPIPE: a write to a closed connection fails with
// std::errc::broken_pipe instead of killing the program.
//
// What each member calls beyond its named system call (an option set at
// creation, a retry after EINTR, an extra fcntl), per platform: docs/layer.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>

#include "socklab/address.hpp"

namespace socklab {

/// Result of recv(): how many bytes arrived, or EOF.
struct Received {
  std::size_t bytes = 0;  ///< bytes written into the buffer
  bool eof = false;       ///< recv() returned 0: the peer closed its sending side
};

/// Result of recv_from() on a datagram socket.
struct ReceivedFrom {
  std::size_t bytes = 0;   ///< bytes of the datagram that fit in the buffer
  Address from;            ///< the sender
  bool truncated = false;  ///< the datagram was longer than the buffer: its tail is lost
};

/// shutdown(): which direction to close.
enum class Shutdown { read, write, both };

class Socket;

namespace detail {
/// What a Socket knows of its own blocking mode: it made the socket (blocking), or
/// set the mode itself, or adopted a handle and has not had to ask yet (unknown).
/// docs/layer.md, "The blocking mode is remembered".
enum class Blocking : unsigned char { unknown, yes, no };
}  // namespace detail

/// Result of accept(): the connected socket and the client's address.
struct Accepted;

class Socket {
 public:
  /// The native handle: int on POSIX, SOCKET (an unsigned pointer-sized int) on Windows.
  using native_handle_type = std::uintptr_t;
  static constexpr native_handle_type invalid_handle = ~native_handle_type{0};

  /// A Socket that owns nothing.
  Socket() noexcept = default;
  /// Takes ownership of an already open native socket. Its blocking mode is not
  /// known: the first call that fails with EAGAIN asks the kernel once (POSIX:
  /// fcntl(F_GETFL)) and remembers. Change the mode with set_non_blocking(), never
  /// with the raw API behind the Socket's back (docs/layer.md).
  explicit Socket(native_handle_type handle) noexcept : handle_(handle) {}
  ~Socket();

  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  Socket(Socket&& other) noexcept;
  Socket& operator=(Socket&& other) noexcept;

  // --- socket() -------------------------------------------------------------
  /// socket(family, SOCK_STREAM, 0): a TCP socket.
  static Socket tcp(Family family = Family::ipv4);
  static Socket tcp(Family family, std::error_code& ec) noexcept;
  /// socket(family, SOCK_DGRAM, 0): a UDP socket.
  static Socket udp(Family family = Family::ipv4);
  static Socket udp(Family family, std::error_code& ec) noexcept;
  static Socket open(Family family, Type type);
  static Socket open(Family family, Type type, std::error_code& ec) noexcept;

  // --- the calls of a connection, in the order a program makes them ----------
  void bind(const Address& local);
  void bind(const Address& local, std::error_code& ec) noexcept;

  void listen(int backlog);
  void listen(int backlog, std::error_code& ec) noexcept;

  /// accept(): the next queued connection. The new socket is blocking even when
  /// this listener is non-blocking (Linux's rule; BSD, macOS and Windows would copy
  /// the listener's mode, the layer undoes that). A client that reset while it
  /// waited in the queue is passed over (BSD: ECONNABORTED, Windows:
  /// WSAECONNRESET), so one rude client never fails the server's accept().
  Accepted accept();
  Accepted accept(std::error_code& ec) noexcept;
  /// accept4(SOCK_NONBLOCK): the same, but the new socket is non-blocking from the
  /// start, in one call where accept() + set_non_blocking(true) make three (Linux;
  /// elsewhere accept() and then the mode is set: docs/layer.md). For event loops.
  Accepted accept_non_blocking();
  Accepted accept_non_blocking(std::error_code& ec) noexcept;

  void connect(const Address& remote);
  void connect(const Address& remote, std::error_code& ec) noexcept;

  /// send(): returns how many bytes the kernel took — possibly fewer than asked.
  /// [[nodiscard]]: ignoring the count is the classic partial-send bug; to send
  /// everything, call send_all() (io.hpp), which loops.
  [[nodiscard]] std::size_t send(std::span<const std::byte> data);
  [[nodiscard]] std::size_t send(std::span<const std::byte> data, std::error_code& ec) noexcept;
  [[nodiscard]] std::size_t send(std::string_view data);
  [[nodiscard]] std::size_t send(std::string_view data, std::error_code& ec) noexcept;

  /// recv(): whatever bytes have arrived (at most buffer.size()), or eof.
  /// [[nodiscard]]: the bytes and eof are the answer; a recv() whose result is
  /// dropped has read bytes nobody looks at.
  [[nodiscard]] Received recv(std::span<std::byte> buffer);
  [[nodiscard]] Received recv(std::span<std::byte> buffer, std::error_code& ec) noexcept;
  [[nodiscard]] Received recv(std::span<char> buffer);
  [[nodiscard]] Received recv(std::span<char> buffer, std::error_code& ec) noexcept;

  /// sendto() / recvfrom() for datagram sockets. One recv_from() returns one
  /// whole datagram, or its first buffer.size() bytes with `truncated` set (the
  /// rest is gone: UDP never splits a datagram over two receives). On POSIX it
  /// is recvmsg(), the form of recvfrom() that reports MSG_TRUNC. An ICMP "port
  /// unreachable" for an earlier send fails it with std::errc::connection_refused.
  /// The bytes form sends an encoded message (an ICMP Echo Request, lesson 12) as is.
  std::size_t send_to(std::span<const std::byte> data, const Address& to);
  std::size_t send_to(std::span<const std::byte> data, const Address& to,
                      std::error_code& ec) noexcept;
  std::size_t send_to(std::string_view data, const Address& to);
  std::size_t send_to(std::string_view data, const Address& to, std::error_code& ec) noexcept;
  ReceivedFrom recv_from(std::span<char> buffer);
  ReceivedFrom recv_from(std::span<char> buffer, std::error_code& ec) noexcept;

  void shutdown(Shutdown how);
  void shutdown(Shutdown how, std::error_code& ec) noexcept;

  /// close(): releases the socket now and reports a failure (the destructor can't).
  void close();
  void close(std::error_code& ec) noexcept;

  // --- addresses --------------------------------------------------------------
  Address local_address() const;  ///< getsockname(): e.g. the port bind() picked for port 0
  Address local_address(std::error_code& ec) const noexcept;
  Address peer_address() const;  ///< getpeername()
  Address peer_address(std::error_code& ec) const noexcept;

  // --- options (setsockopt / getsockopt) ---------------------------------------
  /// SO_REUSEADDR on POSIX; on Windows SO_EXCLUSIVEADDRUSE set to !on, which is
  /// what gives the POSIX meaning there (docs/layer.md).
  void set_reuse_address(bool on);
  void set_reuse_address(bool on, std::error_code& ec) noexcept;
  /// SO_REUSEPORT (Linux 3.9): several sockets, each with it set before bind(), may bind
  /// the same address and port; the kernel hashes each new connection to one of the
  /// listeners (lesson 11's --workers). Windows has none: operation_not_supported.
  void set_reuse_port(bool on);
  void set_reuse_port(bool on, std::error_code& ec) noexcept;
  void set_no_delay(bool on);  ///< TCP_NODELAY: switch Nagle's algorithm off
  void set_no_delay(bool on, std::error_code& ec) noexcept;
  /// IPV6_V6ONLY: true = IPv6 clients only; false = IPv4 clients too, as ::ffff:a.b.c.d.
  /// A new socket has the system's default (Linux 0, from net.ipv6.bindv6only;
  /// Windows and the BSDs 1): the layer never sets it for you. Set it before bind().
  void set_v6_only(bool on);
  void set_v6_only(bool on, std::error_code& ec) noexcept;
  bool v6_only() const;  ///< getsockopt(IPV6_V6ONLY): the setting in force
  bool v6_only(std::error_code& ec) const noexcept;
  /// SO_RCVTIMEO: recv() fails with std::errc::timed_out after this long (0 = never).
  void set_recv_timeout(std::chrono::milliseconds timeout);
  void set_recv_timeout(std::chrono::milliseconds timeout, std::error_code& ec) noexcept;
  /// SO_SNDTIMEO: send() fails with std::errc::timed_out after this long (0 = never).
  void set_send_timeout(std::chrono::milliseconds timeout);
  void set_send_timeout(std::chrono::milliseconds timeout, std::error_code& ec) noexcept;
  void set_recv_buffer_size(int bytes);  ///< SO_RCVBUF (the kernel may round it)
  void set_recv_buffer_size(int bytes, std::error_code& ec) noexcept;
  void set_send_buffer_size(int bytes);  ///< SO_SNDBUF (the kernel may round it)
  void set_send_buffer_size(int bytes, std::error_code& ec) noexcept;
  int recv_buffer_size() const;
  int send_buffer_size() const;
  /// SO_LINGER: nullopt = normal close; 0 s = abortive close (sends RST).
  void set_linger(std::optional<std::chrono::seconds> linger);
  void set_linger(std::optional<std::chrono::seconds> linger, std::error_code& ec) noexcept;
  /// O_NONBLOCK / FIONBIO: calls that would wait fail with would_block instead.
  /// The Socket remembers the mode it set, so that a later EAGAIN costs no call.
  void set_non_blocking(bool on);
  void set_non_blocking(bool on, std::error_code& ec) noexcept;
  /// SO_ERROR: the pending error (e.g. the result of a non-blocking connect).
  std::error_code pending_error() const;
  /// getsockopt(SO_ACCEPTCONN): has listen() succeeded on this socket? false for a
  /// socket only bound or connected. A UDP socket: false on Linux; Windows may fail
  /// with std::errc::no_protocol_option instead (docs/layer.md).
  bool is_listening() const;
  bool is_listening(std::error_code& ec) const noexcept;

  // --- ownership ---------------------------------------------------------------
  bool is_open() const noexcept { return handle_ != invalid_handle; }
  explicit operator bool() const noexcept { return is_open(); }
  native_handle_type native_handle() const noexcept { return handle_; }
  /// Gives up ownership: the caller must close the returned handle.
  native_handle_type release() noexcept;

 private:
  Socket(native_handle_type handle, detail::Blocking mode) noexcept
      : handle_(handle), blocking_(mode) {}
  native_handle_type handle_ = invalid_handle;
  detail::Blocking blocking_ = detail::Blocking::unknown;
};

struct Accepted {
  Socket socket;  ///< the new connected socket, one per client
  Address peer;   ///< the client's address
};

/// Two connected TCP sockets over loopback (socketpair() for TCP, on every platform).
struct SocketPair {
  Socket first;
  Socket second;
};
SocketPair tcp_pair(Family family = Family::ipv4);

/// Call once before any socket call on platforms that need it (WSAStartup on
/// Windows; nothing on POSIX). Every Socket factory calls it for you; it fails
/// with an Error naming the cause if the platform's socket library can't start.
void initialize();
void initialize(std::error_code& ec) noexcept;

}  // namespace socklab
