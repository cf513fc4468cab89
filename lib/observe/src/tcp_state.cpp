// tcp_state.cpp — the portable part of the TCP state query: names, and the
// choice between asking the socket and asking the kernel's table.
#include "socklab/observe/tcp_state.hpp"

#include "socklab/error.hpp"

namespace socklab::observe {

std::string_view to_string(TcpState s) noexcept {
  switch (s) {
    case TcpState::unknown:
      return "?";
    case TcpState::closed:
      return "CLOSED";
    case TcpState::listen:
      return "LISTEN";
    case TcpState::syn_sent:
      return "SYN_SENT";
    case TcpState::syn_received:
      return "SYN_RCVD";
    case TcpState::established:
      return "ESTABLISHED";
    case TcpState::fin_wait_1:
      return "FIN_WAIT_1";
    case TcpState::fin_wait_2:
      return "FIN_WAIT_2";
    case TcpState::close_wait:
      return "CLOSE_WAIT";
    case TcpState::closing:
      return "CLOSING";
    case TcpState::last_ack:
      return "LAST_ACK";
    case TcpState::time_wait:
      return "TIME_WAIT";
  }
  return "?";
}

TcpState tcp_state(const Socket& sock) {
  std::error_code ec;
  TcpState s = tcp_state(sock, ec);
  throw_if(ec, "getsockopt(TCP_INFO)");
  return s;
}

std::optional<TcpEntry> find_connection(const Address& local, const Address& remote) {
  std::error_code ec;
  auto entry = find_connection(local, remote, ec);
  throw_if(ec, "sock_diag", local.to_string() + " -> " + remote.to_string());
  return entry;
}

TcpState state_of(const Socket& sock, const Address& local, const Address& remote) noexcept {
  std::error_code ec;
  if (sock.is_open()) {
    TcpState s = tcp_state(sock, ec);
    return ec ? TcpState::unknown : s;
  }
  try {
    auto entry = find_connection(local, remote, ec);
    if (ec) return TcpState::unknown;
    return entry ? entry->state : TcpState::closed;
  } catch (...) {  // out of memory while building an Address: say "unknown"
    return TcpState::unknown;
  }
}

}  // namespace socklab::observe
