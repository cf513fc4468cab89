// socklab/fault.hpp — make send() and recv() misbehave on purpose (for tests).
//
// Real networks split data and interrupt calls; loopback on a quiet machine
// almost never does, so code that forgets a loop passes every test and breaks
// later. Fault injection makes the layer's own send() and recv() behave like a
// bad day on the network, on demand:
//
//   short        every send()/recv() moves at most 1 byte   (short=N: N bytes)
//   eintr@N      the Nth send/recv call fails with std::errc::interrupted
//   eagain@N     ... with std::errc::operation_would_block (is_would_block() is true)
//   reset@N      ... with std::errc::connection_reset
//   eintr%N      every Nth call fails (also eagain%N, reset%N)
//   ...:send / ...:recv   count only that call, e.g. reset@3:recv
//
// Items are joined with commas: "short,eintr%5". Turn it on for a whole program
// with the environment variable SOCKLAB_FAULTS (read by cli::run() as a program
// starts, and by the test binaries' support library), or from a test:
//
//   fault::Scope faults(fault::parse("short,eagain@2"));
//
// An injected error does not reach the kernel: the call returns the error and
// the connection stays as it was. Only Socket::send() and Socket::recv() (and so
// every helper built on them) are affected. This room (lib/testing) installs
// itself in the core through socklab/io_hook.hpp; the core never reads the
// environment. When it is off, the cost is one relaxed atomic load per call.
// docs/fault-injection.md has the details.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace socklab::fault {

/// The error an injected failure reports.
enum class Failure {
  none,
  interrupted,  ///< EINTR: a signal arrived during the call
  would_block,  ///< EAGAIN / EWOULDBLOCK
  reset,        ///< ECONNRESET: the peer aborted the connection
};

/// Which calls a plan applies to.
enum class Calls { both, send, recv };

struct Plan {
  // "short": each call moves at most max_bytes (0 = no limit).
  std::size_t max_bytes = 0;
  Calls short_calls = Calls::both;
  // "eintr@N" and friends: the at-th counted call fails, then (if every != 0)
  // every `every` calls after it. Only calls of kind failure_calls are counted.
  Failure failure = Failure::none;
  std::uint64_t at = 0;
  std::uint64_t every = 0;
  Calls failure_calls = Calls::both;

  bool enabled() const noexcept { return max_bytes != 0 || (failure != Failure::none && at != 0); }
  friend bool operator==(const Plan&, const Plan&) = default;
};

/// Reads "short,eintr@3" (the SOCKLAB_FAULTS syntax). Fails with
/// std::errc::invalid_argument on anything else.
Plan parse(std::string_view spec);
Plan parse(std::string_view spec, std::error_code& ec) noexcept;
/// The spec text of a plan ("" when off); parse() reads it back.
std::string to_string(const Plan& plan);

/// Installs a plan for the whole process and restarts the call count.
void set(const Plan& plan) noexcept;
/// Turns fault injection off.
void clear() noexcept;
/// The plan in force (a disabled Plan when off).
Plan current() noexcept;
/// How many send/recv calls the plan has counted since it was set.
std::uint64_t calls_counted() noexcept;
/// How many failures it has injected since it was set.
std::uint64_t failures_injected() noexcept;

/// Reads SOCKLAB_FAULTS (once per process; later calls do nothing). cli::run()
/// calls it before a program's body runs. A bad value is reported on stderr and
/// ignored.
void load_environment() noexcept;

/// Installs a plan for one scope and puts the previous one back afterwards.
class Scope {
 public:
  explicit Scope(const Plan& plan) noexcept : previous_(current()) { set(plan); }
  ~Scope() { set(previous_); }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Plan previous_;
};

}  // namespace socklab::fault
