// platform_win32.cpp — the same calls on Windows, through Winsock 2.
//
// Every Winsock-only call of the layer lives in this file; docs/layer.md lists,
// member by member, the calls each one makes. What differs from POSIX, and what
// this file does about it:
//  - Winsock must be started (WSAStartup) before the first call. startup() does
//    it once per process, asks for version 2.2 and checks what it got; a failure
//    is returned (and thrown by the layer as "WSAStartup: ..."), never ignored.
//  - A socket is a SOCKET (an unsigned pointer-sized handle), not an int; an
//    invalid one is INVALID_SOCKET, and it is closed with closesocket(), not close().
//  - Errors come from WSAGetLastError(), not errno, with their own numbers
//    (WSAECONNREFUSED is 10061, not ECONNREFUSED). to_condition() maps them to
//    std::errc, so `ec == std::errc::connection_refused` holds here as on POSIX,
//    and error.cpp prints the same English text for them on both.
//  - Lengths are int and buffers char*; the casts stay in this file.
//  - IPV6_V6ONLY defaults to ON on Windows and OFF on Linux. The layer leaves
//    the default alone on every platform: lesson 04 teaches the option, and a
//    portable server sets it (set_v6_only) before bind().
//  - SO_REUSEADDR on Windows lets a second socket *steal* a port in use. The
//    POSIX meaning ("rebind although old connections wait in TIME_WAIT") is the
//    Windows default, and the POSIX default is SO_EXCLUSIVEADDRUSE, which keeps
//    the port until the old connections are gone, TIME_WAIT included. So every
//    new TCP socket gets SO_EXCLUSIVEADDRUSE, and the reuse_address option sets
//    it to its opposite: a restarted server fails with WSAEADDRINUSE unless it
//    asked for reuse, as on POSIX. See "Using SO_REUSEADDR and
//    SO_EXCLUSIVEADDRUSE" in Microsoft's Winsock docs. (Wine ignores it for
//    TIME_WAIT: it binds anyway; docs/windows.md.) An error of
//    set_reuse_address() names the option really set, SO_EXCLUSIVEADDRUSE.
//  - accept() fails with WSAECONNRESET for a client that reset while queued;
//    Linux's accept() returns such a connection. The layer takes the next one.
//  - accept() copies the listener's non-blocking mode (as BSD does; Linux does
//    not): the accepted socket is switched back to blocking, the layer's rule.
//  - Sockets are created non-inheritable (WSA_FLAG_NO_HANDLE_INHERIT), the
//    counterpart of close-on-exec: a started program gets none of them.
//  - No SIGPIPE exists: send() to a closed connection fails with an error.
//  - An unconnected UDP socket would report WSAECONNRESET on recvfrom() after an
//    earlier sendto() hit a closed port (an ICMP error); POSIX reports that to
//    connected UDP sockets only, so SIO_UDP_CONNRESET is off until connect().
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
// clang-format off
#include <winsock2.h>  // must come before windows.h
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>
// clang-format on

#include <io.h>  // _close (UniqueFd)

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <limits>

#include "platform.hpp"
#include "sockaddr_shared.inc"  // family_of ... resolve: the code POSIX shares

namespace socklab::sys {
namespace {

using shared::af;
using shared::sa;

SOCKET native(handle h) noexcept {
  return static_cast<SOCKET>(h);
}
handle wrap(SOCKET s) noexcept {
  return s == INVALID_SOCKET ? invalid : static_cast<handle>(s);
}

std::error_code error_from(int code) noexcept {
  return {code, socket_category()};
}
std::error_code last() noexcept {
  return error_from(::WSAGetLastError());
}
std::error_code result(int rc) noexcept {
  return rc == 0 ? std::error_code{} : last();
}

int sa_len(const Address& a) noexcept {
  return static_cast<int>(a.size());
}

// Winsock takes int lengths: a buffer larger than INT_MAX is sent/received in parts.
int io_len(std::size_t size) noexcept {
  return static_cast<int>(std::min<std::size_t>(size, std::numeric_limits<int>::max()));
}

int setopt(SOCKET s, int level, int name, int value) noexcept {
  return ::setsockopt(s, level, name, reinterpret_cast<const char*>(&value), sizeof value);
}

// SIO_UDP_CONNRESET: whether an ICMP "port unreachable" for an earlier sendto()
// fails a later recvfrom(). Windows does it for every UDP socket; POSIX only for
// connected ones. Best effort: without it a recvfrom() may report one more error.
void udp_connection_reset(SOCKET s, bool report) noexcept {
  BOOL value = report ? TRUE : FALSE;
  DWORD unused = 0;
  ::WSAIoctl(s, SIO_UDP_CONNRESET, &value, sizeof value, nullptr, 0, &unused, nullptr, nullptr);
}

// The names of the WSA codes a student meets, for messages where Windows has no text.
const char* wsa_name(int code) noexcept {
  switch (code) {
    case WSANOTINITIALISED:
      return "WSANOTINITIALISED";
    case WSASYSNOTREADY:
      return "WSASYSNOTREADY";
    case WSAVERNOTSUPPORTED:
      return "WSAVERNOTSUPPORTED";
    case WSAEPROCLIM:
      return "WSAEPROCLIM";
    case WSAENOTSOCK:
      return "WSAENOTSOCK";
    case WSAEINVAL:
      return "WSAEINVAL";
    default:
      return nullptr;
  }
}

}  // namespace

// --- errors -------------------------------------------------------------------
int last_error() noexcept {
  return ::WSAGetLastError();
}
void set_last_error(int code) noexcept {
  ::WSASetLastError(code);
}

std::error_condition to_condition(int code) noexcept {
  using std::errc;
  auto c = [](errc e) { return std::make_error_condition(e); };
  switch (code) {
    case 0:
      return {};
    case WSAEINTR:
      return c(errc::interrupted);
    case WSAEBADF:
      return c(errc::bad_file_descriptor);
    case WSAEACCES:
      return c(errc::permission_denied);
    case WSAEFAULT:
      return c(errc::bad_address);
    case WSAEINVAL:
      return c(errc::invalid_argument);
    case WSAEMFILE:
      return c(errc::too_many_files_open);
    case WSAEWOULDBLOCK:
      return c(errc::operation_would_block);
    case WSAEINPROGRESS:
      return c(errc::operation_in_progress);
    case WSAEALREADY:
      return c(errc::connection_already_in_progress);
    case WSAENOTSOCK:
      return c(errc::not_a_socket);
    case WSAEDESTADDRREQ:
      return c(errc::destination_address_required);
    case WSAEMSGSIZE:
      return c(errc::message_size);
    case WSAEPROTOTYPE:
      return c(errc::wrong_protocol_type);
    case WSAENOPROTOOPT:
      return c(errc::no_protocol_option);
    case WSAEPROTONOSUPPORT:
      return c(errc::protocol_not_supported);
    case WSAESOCKTNOSUPPORT:
      return c(errc::not_supported);
    case WSAEOPNOTSUPP:
      return c(errc::operation_not_supported);
    case WSAEPFNOSUPPORT:
    case WSAEAFNOSUPPORT:
      return c(errc::address_family_not_supported);
    case WSAEADDRINUSE:
      return c(errc::address_in_use);
    case WSAEADDRNOTAVAIL:
      return c(errc::address_not_available);
    case WSAENETDOWN:
      return c(errc::network_down);
    case WSAENETUNREACH:
      return c(errc::network_unreachable);
    case WSAENETRESET:
      return c(errc::network_reset);
    case WSAECONNABORTED:
      return c(errc::connection_aborted);
    case WSAECONNRESET:
      return c(errc::connection_reset);
    case WSAENOBUFS:
      return c(errc::no_buffer_space);
    case WSAEISCONN:
      return c(errc::already_connected);
    case WSAENOTCONN:
      return c(errc::not_connected);
    case WSAESHUTDOWN:
      return c(errc::broken_pipe);  // send() after shutdown(write): EPIPE on POSIX
    case WSAETIMEDOUT:
      return c(errc::timed_out);
    case WSAECONNREFUSED:
      return c(errc::connection_refused);
    case WSAENAMETOOLONG:
      return c(errc::filename_too_long);
    case WSAEHOSTDOWN:
    case WSAEHOSTUNREACH:
      return c(errc::host_unreachable);
    case WSA_NOT_ENOUGH_MEMORY:
      return c(errc::not_enough_memory);
    case WSA_OPERATION_ABORTED:  // an overlapped operation cancelled (CancelIoEx, closesocket)
      return c(errc::operation_canceled);
    default:
      return {code, socket_category()};  // no portable equivalent: stays a Winsock code
  }
}

std::string native_message(int code) {
  char* text = nullptr;
  DWORD n = ::FormatMessageA(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, static_cast<DWORD>(code), 0, reinterpret_cast<char*>(&text), 0, nullptr);
  std::string message;
  if (n != 0 && text != nullptr) {
    message.assign(text, n);
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r' ||
                                message.back() == ' ' || message.back() == '.'))
      message.pop_back();  // one line, no trailing period: as strerror() reads
  }
  if (text != nullptr) ::LocalFree(text);
  const char* name = wsa_name(code);
  if (message.empty())
    return name != nullptr ? fmt::format("Winsock error {} ({})", code, name)
                           : fmt::format("Winsock error {}", code);
  return name != nullptr ? fmt::format("{} ({})", message, name) : message;
}

// --- start-up -----------------------------------------------------------------
namespace {

// WSAStartup() asking for major.minor, then the check Microsoft's documentation
// asks of the caller: the DLL may grant a lower version than requested, and a
// version we did not ask for is a failure (after the WSACleanup() that balances
// the successful WSAStartup()).
std::error_code start(int major, int minor) noexcept {
  WSADATA data{};
  WORD wanted = MAKEWORD(major, minor);
  int rc = ::WSAStartup(wanted, &data);
  if (rc != 0) return error_from(rc);  // WSAStartup returns its error; no WSAGetLastError
  if (LOBYTE(data.wVersion) != major || HIBYTE(data.wVersion) != minor) {
    ::WSACleanup();
    return error_from(WSAVERNOTSUPPORTED);
  }
  return {};
}

}  // namespace

std::error_code startup() noexcept {
  // Once per process, thread-safe (a function-local static). Winsock stays up
  // until the process ends: Windows releases it then, so no WSACleanup().
  static const std::error_code started = start(2, 2);
  return started;
}

std::error_code try_startup(int major, int minor) noexcept {
  if (major < 0 || major > 255 || minor < 0 || minor > 255) return error_from(WSAVERNOTSUPPORTED);
  std::error_code ec = start(major, minor);
  if (!ec) ::WSACleanup();  // every successful WSAStartup() needs its WSACleanup()
  return ec;
}

const char* api_name() noexcept {
  return "Winsock 2.2";
}
bool needs_startup() noexcept {
  return true;
}

// --- programs -----------------------------------------------------------------
std::string emulator() {
  // Wine's ntdll exports wine_get_version(); Windows' does not.
  using version_fn = const char* (*)();
  HMODULE ntdll = ::GetModuleHandleA("ntdll.dll");
  FARPROC f = ntdll != nullptr ? ::GetProcAddress(ntdll, "wine_get_version") : nullptr;
  if (f == nullptr) return {};
  return fmt::format("Wine {}", reinterpret_cast<version_fn>(reinterpret_cast<void*>(f))());
}

// --- addresses: the shared code is in sockaddr_shared.inc; this is Winsock's part ---
// Windows reports a name-lookup failure as a WSA code (EAI_NONAME is
// WSAHOST_NOT_FOUND, and so on); normalise it as the POSIX file does.
std::error_code resolver_error(int rc) noexcept {
  switch (rc) {
    case WSAHOST_NOT_FOUND:
      return resolve_errc::host_not_found;
    case WSANO_DATA:
      return resolve_errc::no_address;
    case WSATRY_AGAIN:
      return resolve_errc::try_again;
    case WSATYPE_NOT_FOUND:
      return resolve_errc::service_not_found;
    default:
      return resolve_errc::failed;
  }
}

// --- socket calls -------------------------------------------------------------
handle socket(Family family, Type type, std::error_code& ec) noexcept {
  int kind = type == Type::stream ? SOCK_STREAM : SOCK_DGRAM;
  // WSASocketW() is socket() with flags: overlapped as socket() makes it, and not
  // inherited by the programs this process starts.
  SOCKET s = ::WSASocketW(af(family), kind, 0, nullptr, 0,
                          WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) {
    ec = last();
    return invalid;
  }
  // IPV6_V6ONLY is left alone: Windows' default is on (lesson 04 sets it).
  if (type == Type::stream && setopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1) != 0) {
    ec = last();  // the POSIX rule for TIME_WAIT (top of this file): failing it is an error
    ::closesocket(s);
    ::WSASetLastError(ec.value());  // closesocket() must not hide why
    return invalid;
  }
  if (type == Type::datagram) udp_connection_reset(s, false);  // unconnected: as POSIX
  ec.clear();
  return wrap(s);
}

void close(handle h, std::error_code& ec) noexcept {
  ec = result(::closesocket(native(h)));
}

void close_descriptor(int fd) noexcept {
  ::_close(fd);  // a C runtime descriptor (UniqueFd); sockets are closed by close() above
}

void bind(handle h, const Address& a, std::error_code& ec) noexcept {
  ec = result(::bind(native(h), sa(a), sa_len(a)));
}

void listen(handle h, int backlog, std::error_code& ec) noexcept {
  ec = result(::listen(native(h), backlog));
}

// The Blocking& of accept/send/recv/send_to/recv_datagram is the Socket's record of
// its mode (platform.hpp): Winsock needs none, its timeout is WSAETIMEDOUT itself.
handle accept(handle h, Blocking&, bool non_blocking, Address& peer, std::error_code& ec) noexcept {
  sockaddr_storage ss{};
  int len = sizeof ss;
  SOCKET s;
  // A client that reset its connection while it waited in the queue: Windows
  // fails accept() with WSAECONNRESET (Wine with WSAENOTCONN). Linux hands that
  // connection out and its recv() says ECONNRESET. Either way the client is gone,
  // not the listener: take the next one, so that one rude client cannot stop a
  // server (the loop ends: each turn takes one connection off the queue).
  while ((s = ::accept(native(h), reinterpret_cast<sockaddr*>(&ss), &len)) == INVALID_SOCKET) {
    int code = ::WSAGetLastError();
    if (code != WSAECONNRESET && code != WSAENOTCONN) {
      ec = error_from(code);
      return invalid;
    }
    len = sizeof ss;
  }
  // accept() copies the listener's attributes, and the listener is not inheritable;
  // say it again for the accepted socket all the same (one cheap call).
  ::SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0);
  // It copies the listener's non-blocking mode too; Linux's accept() does not, and
  // the layer promises Linux's rule everywhere: the accepted socket blocks until
  // set_non_blocking(true), or accept_non_blocking() asks otherwise. (Without this,
  // lesson 08's --naive server, whose listener is non-blocking, would get
  // non-blocking clients on Windows only.)
  u_long mode = non_blocking ? 1 : 0;
  ::ioctlsocket(s, FIONBIO, &mode);
  peer = Address(&ss, static_cast<std::size_t>(len));
  ec.clear();
  return wrap(s);
}

void connect(handle h, const Address& a, std::error_code& ec) noexcept {
  if (::connect(native(h), sa(a), sa_len(a)) == 0) {
    int type = 0, len = sizeof type;
    if (::getsockopt(native(h), SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &len) == 0 &&
        type == SOCK_DGRAM)
      udp_connection_reset(native(h), true);  // connected UDP hears ICMP errors, as on POSIX
    ec.clear();
    return;
  }
  int code = ::WSAGetLastError();
  // A non-blocking connect() that has started says WSAEWOULDBLOCK on Windows and
  // EINPROGRESS on POSIX; report the POSIX meaning, so one check works on both.
  if (code == WSAEWOULDBLOCK) code = WSAEINPROGRESS;
  ::WSASetLastError(code);  // last_socket_error() says the same
  ec = error_from(code);
}

std::size_t send(handle h, Blocking&, const void* data, std::size_t size,
                 std::error_code& ec) noexcept {
  int n = ::send(native(h), static_cast<const char*>(data), io_len(size), 0);
  if (n == SOCKET_ERROR) {
    ec = last();
    return 0;
  }
  ec.clear();
  return static_cast<std::size_t>(n);
}

std::size_t recv(handle h, Blocking&, void* data, std::size_t size, std::error_code& ec) noexcept {
  int n = ::recv(native(h), static_cast<char*>(data), io_len(size), 0);
  if (n == SOCKET_ERROR) {
    ec = last();
    return 0;
  }
  ec.clear();
  return static_cast<std::size_t>(n);
}

std::size_t send_to(handle h, Blocking&, const void* data, std::size_t size, const Address& to,
                    std::error_code& ec) noexcept {
  int n = ::sendto(native(h), static_cast<const char*>(data), io_len(size), 0, sa(to), sa_len(to));
  if (n == SOCKET_ERROR) {
    ec = last();
    return 0;
  }
  ec.clear();
  return static_cast<std::size_t>(n);
}

void shutdown(handle h, Shutdown how, std::error_code& ec) noexcept {
  int mode = how == Shutdown::read ? SD_RECEIVE : how == Shutdown::write ? SD_SEND : SD_BOTH;
  ec = result(::shutdown(native(h), mode));
}

Address local_address(handle h, std::error_code& ec) noexcept {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (::getsockname(native(h), reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    ec = last();
    return {};
  }
  ec.clear();
  return Address(&ss, static_cast<std::size_t>(len));
}

Address peer_address(handle h, std::error_code& ec) noexcept {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (::getpeername(native(h), reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    ec = last();
    return {};
  }
  ec.clear();
  return Address(&ss, static_cast<std::size_t>(len));
}

// --- options ------------------------------------------------------------------
const char* option_name(BoolOption o) noexcept {
  switch (o) {
    case BoolOption::reuse_address:
      return "SO_EXCLUSIVEADDRUSE";  // what set_option() really sets (top of this file)
    case BoolOption::no_delay:
      return "TCP_NODELAY";
    case BoolOption::v6_only:
      return "IPV6_V6ONLY";
    case BoolOption::reuse_port:
      return "SO_REUSEPORT";
  }
  return "?";
}

bool get_option(handle h, BoolOption o, std::error_code& ec) noexcept {
  if (o == BoolOption::reuse_port) {  // Winsock has no SO_REUSEPORT: no call
    ec = std::make_error_code(std::errc::operation_not_supported);
    return false;
  }
  int level = SOL_SOCKET, name = SO_EXCLUSIVEADDRUSE;
  if (o == BoolOption::no_delay) level = IPPROTO_TCP, name = TCP_NODELAY;
  if (o == BoolOption::v6_only) level = IPPROTO_IPV6, name = IPV6_V6ONLY;
  DWORD value = 0;  // Winsock writes a DWORD (or a BOOL) for these
  int len = sizeof value;
  ec = result(::getsockopt(native(h), level, name, reinterpret_cast<char*>(&value), &len));
  bool on = value != 0;
  return o == BoolOption::reuse_address ? !on : on;  // reuse = not exclusive
}

void set_option(handle h, BoolOption o, bool on, std::error_code& ec) noexcept {
  switch (o) {
    case BoolOption::reuse_address:
      // See the top of this file: the POSIX SO_REUSEADDR is the Windows default.
      ec = result(setopt(native(h), SOL_SOCKET, SO_EXCLUSIVEADDRUSE, on ? 0 : 1));
      return;
    case BoolOption::no_delay:
      ec = result(setopt(native(h), IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0));
      return;
    case BoolOption::v6_only:
      ec = result(setopt(native(h), IPPROTO_IPV6, IPV6_V6ONLY, on ? 1 : 0));
      return;
    case BoolOption::reuse_port:
      // Winsock has no SO_REUSEPORT (no kernel load balancing over listeners): no call.
      ec = std::make_error_code(std::errc::operation_not_supported);
      return;
  }
}

void set_option(handle h, IntOption o, int value, std::error_code& ec) noexcept {
  int name = o == IntOption::recv_buffer ? SO_RCVBUF : SO_SNDBUF;
  ec = result(setopt(native(h), SOL_SOCKET, name, value));
}

int get_option(handle h, IntOption o, std::error_code& ec) noexcept {
  int name = o == IntOption::recv_buffer ? SO_RCVBUF : SO_SNDBUF;
  int value = 0;
  int len = sizeof value;
  ec = result(::getsockopt(native(h), SOL_SOCKET, name, reinterpret_cast<char*>(&value), &len));
  return value;
}

void set_option(handle h, TimeOption o, std::chrono::milliseconds t, std::error_code& ec) noexcept {
  // Windows takes a DWORD of milliseconds, not a timeval; 0 still means "never".
  auto ms =
      std::clamp<std::chrono::milliseconds::rep>(t.count(), 0, std::numeric_limits<DWORD>::max());
  DWORD value = static_cast<DWORD>(ms);
  int name = o == TimeOption::recv_timeout ? SO_RCVTIMEO : SO_SNDTIMEO;
  ec = result(::setsockopt(native(h), SOL_SOCKET, name, reinterpret_cast<const char*>(&value),
                           sizeof value));
}

void set_linger(handle h, std::optional<std::chrono::seconds> l, std::error_code& ec) noexcept {
  linger value{};
  value.l_onoff = l.has_value() ? 1 : 0;
  auto secs = l.has_value() ? std::clamp<std::chrono::seconds::rep>(l->count(), 0, 65535) : 0;
  value.l_linger = static_cast<u_short>(secs);  // u_short on Windows, int on POSIX
  ec = result(::setsockopt(native(h), SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&value),
                           sizeof value));
}

void set_non_blocking(handle h, bool on, std::error_code& ec) noexcept {
  u_long mode = on ? 1 : 0;  // FIONBIO: Windows' O_NONBLOCK
  ec = result(::ioctlsocket(native(h), FIONBIO, &mode));
}

std::error_code pending_error(handle h, std::error_code& ec) noexcept {
  int value = 0;
  int len = sizeof value;
  if (::getsockopt(native(h), SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&value), &len) != 0) {
    ec = last();
    return {};
  }
  ec.clear();
  return value == 0 ? std::error_code{} : error_from(value);
}

// SO_ACCEPTCONN: a BOOL, TRUE once listen() succeeded. Winsock documents it for
// connection-oriented sockets; on a UDP socket it may fail with WSAENOPROTOOPT.
bool accepts_connections(handle h, std::error_code& ec) noexcept {
  BOOL value = FALSE;
  int len = sizeof value;
  ec = result(
      ::getsockopt(native(h), SOL_SOCKET, SO_ACCEPTCONN, reinterpret_cast<char*>(&value), &len));
  return !ec && value != FALSE;
}

// --- datagrams: one datagram, and whether it was cut short (Socket::recv_from) ---
std::size_t recv_datagram(handle h, Blocking&, void* data, std::size_t size, Address& from,
                          bool& truncated, std::error_code& ec) noexcept {
  truncated = false;
  sockaddr_storage ss{};
  int len = sizeof ss;
  const int room = size > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(size);
  int n = ::recvfrom(static_cast<SOCKET>(h), static_cast<char*>(data), room, 0,
                     reinterpret_cast<sockaddr*>(&ss), &len);
  if (n == SOCKET_ERROR) {
    int code = ::WSAGetLastError();
    if (code == WSAEMSGSIZE) {
      from = Address(&ss, static_cast<std::size_t>(len));
      truncated = true;
      ec.clear();
      return static_cast<std::size_t>(room);
    }
    if (code == WSAECONNRESET) code = WSAECONNREFUSED;  // the ICMP error, as POSIX names it
    ::WSASetLastError(code);
    ec = std::error_code(code, socket_category());
    return 0;
  }
  from = Address(&ss, static_cast<std::size_t>(len));
  ec.clear();
  return static_cast<std::size_t>(n);
}

// --- naive calls (socklab/naive.hpp, lesson 09) ---------------------------------
std::size_t naive_send(Socket::native_handle_type h, const void* data, std::size_t size,
                       std::error_code& ec) noexcept {
  int n = ::send(static_cast<SOCKET>(h), static_cast<const char*>(data),
                 static_cast<int>(std::min<std::size_t>(size, INT_MAX)), 0);
  if (n == SOCKET_ERROR) {
    ec = last();
    return 0;
  }
  ec.clear();
  return static_cast<std::size_t>(n);
}

int sigpipe_number() noexcept {
  return 0;  // Windows has no SIGPIPE: send() to a reset connection just fails
}

}  // namespace socklab::sys
