// platform.hpp — the seam between the portable layer and the operating system.
//
// Internal to lib/: every function here is defined once per platform, in
// platform_posix.cpp (Linux, macOS, BSD) or platform_win32.cpp (Winsock). All
// functions are noexcept and report failure through the std::error_code they
// return or take.
//
// The system socket headers (<sys/socket.h>, <netinet/...>, <winsock2.h>) are
// included only by the platform files, each for its own calls: these two (every
// Socket call), poll_win32.cpp (WSAPoll and select are Winsock's), ip_linux.cpp
// (lesson 12: IP_TTL, IP_RECVERR, IP_MTU, ICMP sockets), and in observe
// capture_linux.cpp (AF_PACKET) and tcp_state_linux.cpp (TCP_INFO, sock_diag);
// lab's tun_linux.cpp takes only <linux/if.h> (IFNAMSIZ, struct ifreq). No
// portable file (…_common.cpp, socket.cpp, a public header) includes one.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "socklab/address.hpp"
#include "socklab/error.hpp"
#include "socklab/socket.hpp"

namespace socklab::sys {

using handle = Socket::native_handle_type;
constexpr handle invalid = Socket::invalid_handle;
// The Socket's own record of its blocking mode. The calls that can fail with EAGAIN
// take it: on POSIX an EAGAIN of a blocking socket is the SO_RCVTIMEO/SO_SNDTIMEO
// timeout (reported as ETIMEDOUT); `unknown` (a handle adopted with Socket(h)) is
// settled by one fcntl(F_GETFL) at the first EAGAIN and written back. Winsock reports
// the timeout as WSAETIMEDOUT itself and ignores it.
using Blocking = detail::Blocking;

// --- errors -------------------------------------------------------------------
int last_error() noexcept;                             // errno / WSAGetLastError()
void set_last_error(int code) noexcept;                // errno = / WSASetLastError()
std::error_condition to_condition(int code) noexcept;  // native -> std::errc
std::string native_message(int code);                  // strerror / FormatMessage

// --- start-up -----------------------------------------------------------------
std::error_code startup() noexcept;  // WSAStartup once; nothing on POSIX
// WSAStartup(major.minor) checked as startup() checks 2.2, then WSACleanup: the
// seam that lets a test reach the start-up failure path. Success on POSIX.
std::error_code try_startup(int major, int minor) noexcept;
const char* api_name() noexcept;  // "POSIX sockets" / "Winsock 2.2"
bool needs_startup() noexcept;    // true where startup() has work to do

// --- emulation ----------------------------------------------------------------
// "Wine 8.0" when running under an emulator of the platform, else "".
std::string emulator();

// --- addresses (defined once, in sockaddr_shared.inc) ----------------------------
Family family_of(const Address& a) noexcept;
std::uint16_t port_of(const Address& a) noexcept;
Address with_port(const Address& a, std::uint16_t port) noexcept;
bool is_loopback(const Address& a) noexcept;
std::string ip_of(const Address& a);                                                // inet_ntop
std::optional<Address> parse_ip(std::string_view ip, std::uint16_t port) noexcept;  // inet_pton
Address any_address(Family f, std::uint16_t port) noexcept;
Address loopback_address(Family f, std::uint16_t port) noexcept;
std::vector<Address> resolve(std::string_view host, std::string_view service, Family family,
                             Type type, std::error_code& ec);  // getaddrinfo

// --- socket calls (one each) ------------------------------------------------------
handle socket(Family family, Type type, std::error_code& ec) noexcept;
void close(handle h, std::error_code& ec) noexcept;
void close_descriptor(int fd) noexcept;  // UniqueFd: close(2) / _close(), errors ignored
void bind(handle h, const Address& a, std::error_code& ec) noexcept;
void listen(handle h, int backlog, std::error_code& ec) noexcept;
// non_blocking: the accepted socket starts non-blocking (Linux: accept4(SOCK_NONBLOCK)).
handle accept(handle h, Blocking& mode, bool non_blocking, Address& peer,
              std::error_code& ec) noexcept;
void connect(handle h, const Address& a, std::error_code& ec) noexcept;
std::size_t send(handle h, Blocking& mode, const void* data, std::size_t size,
                 std::error_code& ec) noexcept;
std::size_t recv(handle h, Blocking& mode, void* data, std::size_t size,
                 std::error_code& ec) noexcept;
std::size_t send_to(handle h, Blocking& mode, const void* data, std::size_t size, const Address& to,
                    std::error_code& ec) noexcept;
void shutdown(handle h, Shutdown how, std::error_code& ec) noexcept;

// One datagram into data[0..size). Returns the bytes stored; sets `truncated`
// when the datagram was longer (its tail is gone). recvfrom() alone cannot say
// that on POSIX, so it is recvmsg() there (MSG_TRUNC in msg_flags, POSIX.1-2017);
// Winsock's recvfrom() fails with WSAEMSGSIZE instead. An ICMP "port
// unreachable" for an earlier send is reported as connection_refused everywhere.
std::size_t recv_datagram(handle h, Blocking& mode, void* data, std::size_t size, Address& from,
                          bool& truncated, std::error_code& ec) noexcept;

// send() exactly as a naive program calls it: flags 0, SIGPIPE not suppressed.
std::size_t naive_send(handle h, const void* data, std::size_t size, std::error_code& ec) noexcept;
int sigpipe_number() noexcept;  // SIGPIPE, or 0 where there is none (Windows)
Address local_address(handle h, std::error_code& ec) noexcept;
Address peer_address(handle h, std::error_code& ec) noexcept;

// --- options ------------------------------------------------------------------
// reuse_port: SO_REUSEPORT (Linux 3.9, the BSDs); Windows has none: operation_not_supported.
enum class BoolOption { reuse_address, reuse_port, no_delay, v6_only };
enum class IntOption { recv_buffer, send_buffer };
enum class TimeOption { recv_timeout, send_timeout };
void set_option(handle h, BoolOption o, bool on, std::error_code& ec) noexcept;
bool get_option(handle h, BoolOption o, std::error_code& ec) noexcept;
// The option the platform really sets, for messages: "SO_REUSEADDR" on POSIX,
// "SO_EXCLUSIVEADDRUSE" for reuse_address on Windows (see platform_win32.cpp).
const char* option_name(BoolOption o) noexcept;
void set_option(handle h, IntOption o, int value, std::error_code& ec) noexcept;
int get_option(handle h, IntOption o, std::error_code& ec) noexcept;
void set_option(handle h, TimeOption o, std::chrono::milliseconds t, std::error_code& ec) noexcept;
void set_linger(handle h, std::optional<std::chrono::seconds> l, std::error_code& ec) noexcept;
void set_non_blocking(handle h, bool on, std::error_code& ec) noexcept;
std::error_code pending_error(handle h, std::error_code& ec) noexcept;  // SO_ERROR
bool accepts_connections(handle h, std::error_code& ec) noexcept;       // SO_ACCEPTCONN

}  // namespace socklab::sys
