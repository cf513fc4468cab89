// socklab/error.hpp — how the layer reports failure.
//
// Every call comes in two forms, as in std::filesystem and Asio:
//
//   sock.connect(addr);                 // throws socklab::Error on failure
//   sock.connect(addr, ec);             // sets std::error_code ec instead
//
// Error codes from the operating system (errno on POSIX, WSAGetLastError() on
// Windows) travel in socklab::socket_category(), which maps them to the portable
// std::errc conditions, so this holds on every platform:
//
//   ec == std::errc::connection_refused
//
// Name lookups fail with socklab::resolve_errc, and the layer's own checks (a
// bad address string, a peer that closed too early, a line or a frame that is too long)
// fail with socklab::errc.
//
// The system calls behind each member, per platform: docs/layer.md.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace socklab {

/// Errors raised by the layer itself (not by a system call).
enum class errc {
  invalid_address = 1,  ///< text is not an IP address (with a port, where one is needed)
  invalid_port,         ///< text is not a port number 0..65535
  unexpected_eof,       ///< the peer closed before all expected bytes arrived
  line_too_long,        ///< a line reader saw more bytes than its maximum without '\n'
  not_open,             ///< the Socket holds no open socket (moved from, or closed)
  frame_too_large,      ///< a length-prefixed frame claims more bytes than the maximum
};

/// Name-lookup failures (getaddrinfo), normalised so they read the same everywhere.
enum class resolve_errc {
  host_not_found = 1,  ///< no such host name (EAI_NONAME, WSAHOST_NOT_FOUND)
  service_not_found,   ///< unknown service / port name
  no_address,          ///< the host exists but has no address of the wanted family
  try_again,           ///< temporary failure in name resolution (EAI_AGAIN)
  failed,              ///< any other resolver failure
};

/// Category of native socket error codes (errno / WSA error values).
const std::error_category& socket_category() noexcept;
/// Category of socklab::errc.
const std::error_category& socklab_category() noexcept;
/// Category of socklab::resolve_errc.
const std::error_category& resolve_category() noexcept;

std::error_code make_error_code(errc e) noexcept;
std::error_code make_error_code(resolve_errc e) noexcept;

/// The error code of the calling thread's last failed socket call: the same
/// error that call reported, also after a throwing form built its message.
std::error_code last_socket_error() noexcept;

/// "Would block": the call on a non-blocking socket would have to wait (EAGAIN,
/// EWOULDBLOCK, WSAEWOULDBLOCK; fault injection's eagain). One spelling for all:
///
///   sock.recv(buffer, ec);
///   if (is_would_block(ec)) ...  // nothing there yet: wait for poll(), then call again
///
/// POSIX lets a call say either EAGAIN or EWOULDBLOCK (equal on Linux, macOS and
/// the BSDs, but std::errc names both), and a std::errc made by hand may be
/// either; this asks for both.
inline bool is_would_block(const std::error_code& ec) noexcept {
  return ec == std::errc::operation_would_block || ec == std::errc::resource_unavailable_try_again;
}

/// A short advice for a student, e.g. "is the server running?"; empty if none.
std::string hint_for(std::string_view call, const std::error_code& ec);

/// The exception thrown by every throwing form in socklab.
///
/// what() reads:  connect(127.0.0.1:8888): Connection refused — is the server running?
class Error : public std::system_error {
 public:
  Error(std::error_code ec, std::string call, std::string address = {});

  /// The system call or operation that failed, e.g. "connect".
  const std::string& call() const noexcept { return call_; }
  /// The address involved, e.g. "127.0.0.1:8888" (may be empty).
  const std::string& address() const noexcept { return address_; }
  /// The whole one-line message: call, address, reason and hint.
  const char* what() const noexcept override;

 private:
  std::string call_;
  std::string address_;
  std::string what_;
};

/// Throws Error(ec, call, address) if ec is set.
void throw_if(const std::error_code& ec, std::string_view call, std::string_view address = {});

}  // namespace socklab

namespace std {
template <>
struct is_error_code_enum<socklab::errc> : true_type {};
template <>
struct is_error_code_enum<socklab::resolve_errc> : true_type {};
}  // namespace std
