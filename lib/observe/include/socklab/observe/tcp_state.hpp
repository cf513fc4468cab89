// socklab/observe/tcp_state.hpp — ask the kernel which TCP state a connection is in.
//
// RFC 9293 (section 3.3.2) gives a TCP connection eleven states. Two ways to see
// them from a program:
//
//   tcp_state(sock)                      // TCP_INFO on a socket we still hold
//   find_connection(local, remote)       // the kernel's table, by 4-tuple
//
// The second one still finds a connection after close(): the kernel keeps it
// (FIN_WAIT_2, LAST_ACK, ...) until the teardown is over, and the side that
// closed first leaves a TIME_WAIT entry behind for a while (Linux: 60 s).
// Linux answers through sock_diag (what `ss` uses); other systems report
// std::errc::operation_not_supported for now.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>
#include <system_error>

#include "socklab/address.hpp"
#include "socklab/socket.hpp"

namespace socklab::observe {

enum class TcpState {
  unknown,       ///< not asked, or the system could not say
  closed,        ///< no connection (RFC 9293's CLOSED, Linux's TCP_CLOSE)
  listen,        ///< waiting for SYNs
  syn_sent,      ///< sent a SYN, waiting for SYN,ACK
  syn_received,  ///< got a SYN, sent SYN,ACK, waiting for the ACK
  established,   ///< the handshake is done: data flows
  fin_wait_1,    ///< we sent FIN, it is not ACKed yet
  fin_wait_2,    ///< our FIN is ACKed; waiting for the peer's FIN
  close_wait,    ///< the peer sent FIN; we may still send, then close()
  closing,       ///< both sent FIN at once; waiting for the ACK of ours
  last_ack,      ///< we sent FIN after the peer's; waiting for its ACK
  time_wait,     ///< both FINs ACKed; the first closer waits 2*MSL
};

/// "ESTABLISHED", "SYN_SENT", "TIME_WAIT", ... ("?" for unknown).
std::string_view to_string(TcpState s) noexcept;

/// TCP_INFO: the state of the connection of an open socket.
TcpState tcp_state(const Socket& sock);
TcpState tcp_state(const Socket& sock, std::error_code& ec) noexcept;

/// One entry of the kernel's connection table.
struct TcpEntry {
  TcpState state = TcpState::unknown;
  /// Time left on the entry's timer (the TIME_WAIT timer for a TIME_WAIT entry).
  std::optional<std::chrono::milliseconds> timer;
};

/// Looks up the connection from `local` to `remote` (sock_diag on Linux).
/// nullopt: the kernel has no such connection (it is CLOSED).
std::optional<TcpEntry> find_connection(const Address& local, const Address& remote);
std::optional<TcpEntry> find_connection(const Address& local, const Address& remote,
                                        std::error_code& ec);

/// The state of one end: TCP_INFO while `sock` is open, else the kernel's table
/// (where a closed socket's connection may live on). Never throws: a failed
/// query gives TcpState::unknown.
TcpState state_of(const Socket& sock, const Address& local, const Address& remote) noexcept;

}  // namespace socklab::observe
