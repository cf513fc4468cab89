// tcp_state_win32.cpp — TCP states on Windows: the IP Helper API's TCP tables,
// GetTcpTable2() for IPv4 and GetTcp6Table2() for IPv6 (what `netstat -an`
// shows). Windows has no TCP_INFO that names the state, so tcp_state(sock)
// looks the socket's own addresses up in the same table. The table carries no
// timers: a TIME_WAIT entry comes without the time it has left.
//
// Under Wine these calls read the Linux kernel's table (/proc/net/tcp), so the
// states are the real ones of the connection.
#include <winsock2.h>
#include <ws2tcpip.h>
// iphlpapi.h after the Winsock headers (it needs their types)
#include <iphlpapi.h>

#include <cstring>
#include <vector>

#include "socklab/observe/tcp_state.hpp"

namespace socklab::observe {
namespace {

TcpState from_mib(DWORD state) noexcept {
  switch (state) {
    case MIB_TCP_STATE_CLOSED:
      return TcpState::closed;
    case MIB_TCP_STATE_LISTEN:
      return TcpState::listen;
    case MIB_TCP_STATE_SYN_SENT:
      return TcpState::syn_sent;
    case MIB_TCP_STATE_SYN_RCVD:
      return TcpState::syn_received;
    case MIB_TCP_STATE_ESTAB:
      return TcpState::established;
    case MIB_TCP_STATE_FIN_WAIT1:
      return TcpState::fin_wait_1;
    case MIB_TCP_STATE_FIN_WAIT2:
      return TcpState::fin_wait_2;
    case MIB_TCP_STATE_CLOSE_WAIT:
      return TcpState::close_wait;
    case MIB_TCP_STATE_CLOSING:
      return TcpState::closing;
    case MIB_TCP_STATE_LAST_ACK:
      return TcpState::last_ack;
    case MIB_TCP_STATE_TIME_WAIT:
      return TcpState::time_wait;
    default:  // MIB_TCP_STATE_DELETE_TCB: being removed
      return TcpState::unknown;
  }
}

// The table, in a buffer grown until it fits (it may grow between two calls).
template <typename Table, typename Get>
std::vector<unsigned char> read_table(Get get, std::error_code& ec) {
  std::vector<unsigned char> buffer(sizeof(Table));
  for (int attempt = 0; attempt < 8; ++attempt) {
    ULONG size = static_cast<ULONG>(buffer.size());
    ULONG result = get(reinterpret_cast<Table*>(buffer.data()), &size, FALSE);
    if (result == NO_ERROR) return buffer;
    if (result != ERROR_INSUFFICIENT_BUFFER) {
      ec = std::error_code(static_cast<int>(result), std::system_category());
      return {};
    }
    buffer.resize(size + 16 * sizeof(MIB_TCP6ROW2));
  }
  ec = std::error_code(ERROR_INSUFFICIENT_BUFFER, std::system_category());
  return {};
}

bool port_is(DWORD row_port, u_short port) noexcept {  // both in network byte order
  return static_cast<u_short>(row_port & 0xffff) == port;
}

// The row whose local end is `local` and remote end `remote`. An unspecified
// `remote` (a socket without a peer: listening, or connecting) matches the row of
// that local end in LISTEN or SYN_SENT first: a listener shares its local address
// with every connection it accepted.
std::optional<TcpEntry> lookup(const Address& local, const Address& remote, std::error_code& ec) {
  ec.clear();
  const bool any_remote = remote.family() == Family::unspecified;
  std::optional<TcpEntry> found;
  auto take = [&](DWORD state) {  // true: this row is the answer
    TcpState s = from_mib(state);
    if (!found) found = TcpEntry{s, std::nullopt};
    if (any_remote && s != TcpState::listen && s != TcpState::syn_sent) return false;
    found = TcpEntry{s, std::nullopt};
    return true;
  };
  if (local.family() == Family::ipv4) {
    sockaddr_in l{}, r{};
    std::memcpy(&l, local.data(), sizeof l);
    if (!any_remote) std::memcpy(&r, remote.data(), sizeof r);
    auto buffer = read_table<MIB_TCPTABLE2>(GetTcpTable2, ec);
    if (ec) return std::nullopt;
    const auto* table = reinterpret_cast<const MIB_TCPTABLE2*>(buffer.data());
    for (DWORD i = 0; i < table->dwNumEntries; ++i) {
      const MIB_TCPROW2& row = table->table[i];
      if (row.dwLocalAddr != l.sin_addr.s_addr || !port_is(row.dwLocalPort, l.sin_port)) continue;
      if (!any_remote &&
          (row.dwRemoteAddr != r.sin_addr.s_addr || !port_is(row.dwRemotePort, r.sin_port)))
        continue;
      if (take(row.dwState)) break;
    }
    return found;
  }
  if (local.family() == Family::ipv6) {
    sockaddr_in6 l{}, r{};
    std::memcpy(&l, local.data(), sizeof l);
    if (!any_remote) std::memcpy(&r, remote.data(), sizeof r);
    auto buffer = read_table<MIB_TCP6TABLE2>(GetTcp6Table2, ec);
    if (ec) return std::nullopt;
    const auto* table = reinterpret_cast<const MIB_TCP6TABLE2*>(buffer.data());
    for (DWORD i = 0; i < table->dwNumEntries; ++i) {
      const MIB_TCP6ROW2& row = table->table[i];
      if (std::memcmp(&row.LocalAddr, &l.sin6_addr, sizeof l.sin6_addr) != 0 ||
          !port_is(row.dwLocalPort, l.sin6_port))
        continue;
      if (!any_remote && (std::memcmp(&row.RemoteAddr, &r.sin6_addr, sizeof r.sin6_addr) != 0 ||
                          !port_is(row.dwRemotePort, r.sin6_port)))
        continue;
      if (take(row.State)) break;
    }
    return found;
  }
  ec = std::make_error_code(std::errc::address_family_not_supported);
  return std::nullopt;
}

}  // namespace

TcpState tcp_state(const Socket& sock, std::error_code& ec) noexcept {
  try {
    Address local = sock.local_address(ec);  // getsockname()
    if (ec) return TcpState::unknown;
    std::error_code no_peer;  // listening, or still connecting: no remote end yet
    Address remote = sock.peer_address(no_peer);
    auto entry = lookup(local, no_peer ? Address{} : remote, ec);
    if (ec) return TcpState::unknown;
    return entry ? entry->state : TcpState::closed;
  } catch (...) {  // out of memory for the table
    ec = std::make_error_code(std::errc::not_enough_memory);
    return TcpState::unknown;
  }
}

std::optional<TcpEntry> find_connection(const Address& local, const Address& remote,
                                        std::error_code& ec) {
  return lookup(local, remote, ec);
}

}  // namespace socklab::observe
