// socklab/accept_guard.hpp — accept() that survives running out of descriptors.
//
// A server that accepts in a loop meets EMFILE ("Too many open files", the
// process limit, RLIMIT_NOFILE) or ENFILE (the system's) sooner or later: a
// burst of clients, a leak elsewhere, a low `ulimit -n`. The naive reactions
// are both wrong:
//   - exit (the throwing accept())         -> one burst takes the server down;
//   - log and try again (poll() says the listener is readable, because the
//     client is still waiting in the queue) -> 100 % CPU and a log line per turn.
// What works is muduo's trick: keep one spare descriptor open. When accept()
// fails for lack of descriptors, close the spare, accept the waiting client
// (there is one free descriptor now), close it at once (it sees a clean close
// instead of hanging), and open the spare again. The queue shrinks by one, so
// the loop makes progress and never spins. If even that fails (another thread
// took the freed descriptor, the spare can't be reopened), stop accepting for
// pause() — a bounded, doubling back-off — instead of trying again at once.
// report() gives at most one log line per interval, however many clients were
// turned away.
//
// A client can also fail while it waits in the queue, and accept() then reports
// ITS error: ECONNABORTED, EPROTO, EPERM (a firewall rule), and on Linux any
// network error already pending on the new connection (ENETDOWN, ENOPROTOOPT,
// EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH: accept(2), "Error
// handling"). That client is gone; the next one is fine. The guard takes the next
// one itself (at most 64 in a row), so a server never dies of one client's error.
// What remains are the listener's own errors (EBADF, EINVAL, ENOTSOCK, EFAULT),
// a timeout, and the shortages above — muduo's Acceptor sorts them the same way.
//
//   AcceptGuard guard;
//   Accepted next = guard.accept(listener, ec);   // instead of listener.accept(ec)
//   if (auto line = guard.report()) log(*line);
//   if (ec && guard.pause() > 0ms) stop accepting for guard.pause();
//
// The spare is a UDP socket (socket() costs a descriptor like open() does, and
// needs nothing from the file system). On Windows, sockets are not limited this
// way; the guard then only ever passes accept() through. No call here throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

#include "socklab/socket.hpp"

namespace socklab {

class AcceptGuard {
 public:
  /// Opens the spare descriptor. `report_every`: the shortest time between two
  /// report() lines.
  explicit AcceptGuard(std::chrono::milliseconds report_every = std::chrono::seconds(1)) noexcept;

  /// listener.accept(ec). On EMFILE/ENFILE/ENOBUFS/ENOMEM: sheds one waiting
  /// client with the spare descriptor (see above) and returns the shortage in
  /// `ec` with an empty Accepted; pause() then says whether to stop accepting
  /// for a while. A client's own error (is_client_accept_error) is counted in
  /// client_errors() and accept() is called again, up to 64 times in a row (then
  /// that error is returned). Any other outcome is accept()'s own: a client,
  /// would-block, or an error of the listener itself (the caller's to report).
  Accepted accept(Socket& listener, std::error_code& ec) noexcept;
  /// The same with listener.accept_non_blocking(ec): the client comes out
  /// non-blocking in one call (accept4(SOCK_NONBLOCK) on Linux), for event loops.
  Accepted accept_non_blocking(Socket& listener, std::error_code& ec) noexcept;

  /// After a shortage: how long the caller should not accept (0 = go on; the
  /// spare dealt with it). Doubles from 10 ms to 1 s while shortages last and
  /// the spare can't help; back to 0 after the next successful accept().
  std::chrono::milliseconds pause() const noexcept { return pause_; }

  /// A log line about the shortages since the last one, at most once per
  /// `report_every` (the first shortage is reported at once), else nullopt.
  std::optional<std::string> report();

  /// Clients closed unserved because descriptors had run out (all time).
  std::uint64_t turned_away() const noexcept { return turned_away_; }
  /// accept() calls that failed for lack of descriptors (all time).
  std::uint64_t shortages() const noexcept { return shortages_; }
  /// accept() calls that failed with a client's own error, passed over (all time).
  std::uint64_t client_errors() const noexcept { return client_errors_; }

 private:
  Accepted take(Socket& listener, bool non_blocking, std::error_code& ec) noexcept;

  Socket spare_;
  std::chrono::milliseconds report_every_;
  std::chrono::milliseconds pause_{0};
  std::chrono::steady_clock::time_point last_report_{};
  bool reported_once_ = false;
  std::uint64_t turned_away_ = 0, shortages_ = 0, client_errors_ = 0;
  std::uint64_t turned_away_reported_ = 0, shortages_reported_ = 0;
  std::error_code last_error_;
};

/// True for the errors that mean "out of descriptors or kernel memory" rather
/// than "this one client failed": EMFILE, ENFILE, ENOBUFS, ENOMEM.
bool is_resource_shortage(const std::error_code& ec) noexcept;

/// True for an accept() error that belongs to the one client it was about (see
/// above): any error but would-block, a timeout, a resource shortage and the
/// listener's own (EBADF, EINVAL, ENOTSOCK, EFAULT).
bool is_client_accept_error(const std::error_code& ec) noexcept;

}  // namespace socklab
