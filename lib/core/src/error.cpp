// error.cpp — the portable error categories, hints and the Error exception.
#include "socklab/error.hpp"

#include <fmt/format.h>

#include <atomic>
#include <optional>

#include "platform.hpp"
#include "socklab/hint_hook.hpp"

namespace socklab {
namespace {

std::atomic<hint_hook::Function> g_hint_hook{nullptr};

// One English text per condition a student meets, so that a message reads the
// same on Linux, macOS and Windows (whose own texts differ in wording).
const char* portable_message(std::errc e) noexcept {
  switch (e) {
    case std::errc::connection_refused:
      return "Connection refused";
    case std::errc::connection_reset:
      return "Connection reset by peer";
    case std::errc::connection_aborted:
      return "Connection aborted";
    case std::errc::broken_pipe:
      return "Broken pipe";
    case std::errc::address_in_use:
      return "Address already in use";
    case std::errc::address_not_available:
      return "Cannot assign requested address";
    case std::errc::timed_out:
      return "Connection timed out";
    case std::errc::host_unreachable:
      return "No route to host";
    case std::errc::network_unreachable:
      return "Network is unreachable";
    case std::errc::not_connected:
      return "Transport endpoint is not connected";
    case std::errc::already_connected:
      return "Transport endpoint is already connected";
    case std::errc::operation_would_block:
      return "Operation would block";
    case std::errc::operation_in_progress:
      return "Operation now in progress";
    case std::errc::permission_denied:
      return "Permission denied";
    case std::errc::invalid_argument:
      return "Invalid argument";
    case std::errc::bad_file_descriptor:
      return "Bad file descriptor";
    case std::errc::too_many_files_open:
      return "Too many open files";
    case std::errc::address_family_not_supported:
      return "Address family not supported by protocol";
    case std::errc::message_size:
      return "Message too long";
    case std::errc::operation_not_supported:
      return "Operation not supported";
    case std::errc::not_enough_memory:
      return "Cannot allocate memory";
    default:
      return nullptr;
  }
}

class SocketCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "socket"; }
  std::error_condition default_error_condition(int code) const noexcept override {
    return sys::to_condition(code);
  }
  std::string message(int code) const override {
    std::error_condition c = sys::to_condition(code);
    if (c.category() == std::generic_category()) {
      if (const char* text = portable_message(static_cast<std::errc>(c.value()))) return text;
    }
    return sys::native_message(code);
  }
};

class SocklabCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "socklab"; }
  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::invalid_address:
        return "Not an IP address";
      case errc::invalid_port:
        return "Not a port number (0-65535)";
      case errc::unexpected_eof:
        return "The peer closed the connection before all data arrived";
      case errc::line_too_long:
        return "Line too long";
      case errc::not_open:
        return "The socket is not open";
      case errc::frame_too_large:
        return "Frame larger than the maximum size";
    }
    return fmt::format("socklab error {}", code);
  }
};

class ResolveCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "resolve"; }
  std::string message(int code) const override {
    switch (static_cast<resolve_errc>(code)) {
      case resolve_errc::host_not_found:
        return "Name or service not known";
      case resolve_errc::service_not_found:
        return "Service not known";
      case resolve_errc::no_address:
        return "The host has no address of the requested family";
      case resolve_errc::try_again:
        return "Temporary failure in name resolution";
      case resolve_errc::failed:
        return "Name resolution failed";
    }
    return fmt::format("resolve error {}", code);
  }
};

// The text of `ec`. A std::errc made by the layer or a lesson (e.g. timed_out for
// a connect() that poll() gave up on) is in std::generic_category, whose message()
// is the C library's strerror(): MinGW's knows no socket errno values and says
// "Unknown error". Those read the same as the socket category's texts instead.
std::string message_of(const std::error_code& ec) {
  if (ec.category() == std::generic_category())
    if (const char* text = portable_message(static_cast<std::errc>(ec.value()))) return text;
  return ec.message();
}

std::string describe(const std::error_code& ec, std::string_view call, std::string_view address) {
  std::string text = address.empty() ? fmt::format("{}: {}", call, message_of(ec))
                                     : fmt::format("{}({}): {}", call, address, message_of(ec));
  std::string hint = hint_for(call, ec);
  if (hint.empty()) return text;
  // The student's language, if lib/cli installed it (socklab/hint_hook.hpp).
  if (hint_hook::Function hook = hint_hook::installed()) hint = hook(hint);
  text += fmt::format(" \u2014 {}", hint);
  return text;
}

}  // namespace

void hint_hook::install(Function hook) noexcept {
  g_hint_hook.store(hook, std::memory_order_relaxed);
}
hint_hook::Function hint_hook::installed() noexcept {
  return g_hint_hook.load(std::memory_order_relaxed);
}

namespace {

// `text` with each {} replaced by the next value, "{{" and "}}" made single braces;
// nullopt when its {} are not exactly values.size().
std::optional<std::string> fill(std::string_view text,
                                std::initializer_list<std::string_view> values) {
  std::string out;
  auto next = values.begin();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == text[i]) {
      out += text[i++];
    } else if (text.compare(i, 2, "{}") == 0) {
      if (next == values.end()) return std::nullopt;
      out += *next++;
      ++i;
    } else {
      out += text[i];
    }
  }
  if (next != values.end()) return std::nullopt;
  return out;
}

}  // namespace

std::string hint_hook::tr(std::string_view english) {
  if (Function hook = installed()) return hook(english);
  return std::string(english);
}

std::string hint_hook::trf(std::string_view english,
                           std::initializer_list<std::string_view> values) {
  if (auto text = fill(tr(english), values)) return *text;
  if (auto text = fill(english, values)) return *text;
  return std::string(english);
}

const std::error_category& socket_category() noexcept {
  static const SocketCategory instance;
  return instance;
}
const std::error_category& socklab_category() noexcept {
  static const SocklabCategory instance;
  return instance;
}
const std::error_category& resolve_category() noexcept {
  static const ResolveCategory instance;
  return instance;
}

std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), socklab_category()};
}
std::error_code make_error_code(resolve_errc e) noexcept {
  return {static_cast<int>(e), resolve_category()};
}

std::error_code last_socket_error() noexcept {
  return {sys::last_error(), socket_category()};
}

std::string hint_for(std::string_view call, const std::error_code& ec) {
  if (ec == std::errc::connection_refused) return "is the server running?";
  if (ec == std::errc::address_in_use)
    return "another program (or an old connection in TIME_WAIT) holds this port; "
           "pick another with --port, or use 0 for any free port";
  if ((ec == std::errc::permission_denied || ec == std::errc::operation_not_permitted) &&
      call.find("IPPROTO_ICMP") != std::string_view::npos)
    return "ICMP sockets need your group in net.ipv4.ping_group_range "
           "(sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"), or root for a raw socket";
  if (ec == std::errc::operation_not_supported &&
      (call.find("IP_") != std::string_view::npos ||
       call.find("IPPROTO_ICMP") != std::string_view::npos ||
       call.find("MSG_ERRQUEUE") != std::string_view::npos))
    return "not supported on this system: these are Linux's calls (lesson 12); "
           "use a Linux VM, or WSL2 on Windows";
  if (ec == std::errc::operation_not_supported &&
      (call == "fork" || call.starts_with("setsockopt(SO_REUSEPORT") || call.starts_with("prctl") ||
       call.starts_with("pthread_sigmask")))
    return "not available on this platform: worker processes (fork, signals, SO_REUSEPORT) "
           "are POSIX's; run lesson 11 on Linux, in WSL2 or a Linux VM";
  if (ec == std::errc::permission_denied && call == "bind")
    return "ports below 1024 need root or CAP_NET_BIND_SERVICE; use a port above 1023";
  if (ec == std::errc::address_not_available)
    return "this machine has no such address; try 127.0.0.1";
  if (ec == std::errc::operation_not_supported &&
      (call.starts_with("epoll") || call.starts_with("eventfd")))
    return "epoll and eventfd are Linux calls: run lesson 11 on Linux, in WSL2 or a Linux VM";
  if (call.starts_with("io_uring")) {
    if (ec == std::errc::operation_not_supported)
      return "io_uring is Linux's and needs liburing at build time: run lesson 14 on Linux "
             "(WSL2 or a Linux VM) with liburing-dev installed (make deps), then cmake again";
    if (ec == std::errc::operation_not_permitted || ec == std::errc::function_not_supported)
      return "this system refuses io_uring: the sysctl kernel.io_uring_disabled (1 or 2; "
             "sudo sysctl -w kernel.io_uring_disabled=0) or a container's seccomp profile "
             "(Docker's default forbids io_uring_setup); make doctor shows which";
  }
  if (ec == std::errc::operation_not_supported &&
      (call.starts_with("CreateIoCompletionPort") || call == "AcceptEx" || call == "WSARecv" ||
       call == "WSASend" || call == "CancelIoEx" || call.starts_with("GetQueuedCompletionStatus") ||
       call == "setsockopt(SO_UPDATE_ACCEPT_CONTEXT)"))
    return "I/O completion ports are Windows': iocp_echo_server runs on Windows; on Linux see "
           "uring_echo_server";
  if (ec == std::errc::connection_reset) return "the peer closed the connection abruptly (RST)";
  if (ec == std::errc::broken_pipe) return "the peer has closed the connection";
  // EINVAL from the calls a student puts in the wrong order (man 2 bind, listen, accept).
  if (ec == std::errc::invalid_argument) {
    if (call == "bind") return "already bound \u2014 did listen() or connect() run first?";
    if (call == "accept") return "not listening \u2014 call listen() first";
    if (call == "listen") return "not bound (or already connected) \u2014 call bind() first";
    if (call == "setsockopt(IPV6_V6ONLY)") return "set it before bind()";
  }
  // A receive timeout is not a network problem on loopback: the peer sent less.
  if (ec == std::errc::timed_out && (call == "recv" || call == "recv_exact" || call == "read_line"))
    return "nothing (more) arrived in time; did the peer send everything it should?";
  if (ec == std::errc::timed_out) return "no answer in time; is the host reachable?";
  if (ec == std::errc::operation_would_block)
    return "the socket is non-blocking and the call would have to wait";
  if (ec == resolve_errc::host_not_found || ec == resolve_errc::no_address)
    return "check the spelling of the host name, or use an IP such as 127.0.0.1";
  if (ec == resolve_errc::try_again) return "is the name server reachable?";
  if (ec == errc::invalid_address) return "expected e.g. 127.0.0.1:8888 or [::1]:8888";
  if (ec == errc::invalid_port) return "a port is a whole number from 0 to 65535";
  if (ec == errc::frame_too_large)
    return "the length header claims too much; is the peer speaking this protocol?";
  return {};
}

Error::Error(std::error_code ec, std::string call, std::string address)
    : std::system_error(ec),
      call_(std::move(call)),
      address_(std::move(address)),
      what_(describe(ec, call_, address_)) {}

const char* Error::what() const noexcept {
  return what_.c_str();
}

void throw_if(const std::error_code& ec, std::string_view call, std::string_view address) {
  if (ec) throw Error(ec, std::string(call), std::string(address));
}

}  // namespace socklab
