// socklab/process.hpp — processes for lesson 11's `--workers N` (the nginx shape): a parent
// starts N workers with fork(), passes on SIGTERM/SIGINT, and waits for them.
// One function per system call, named like the call:
//
//   man 2 fork / kill / waitpid        socklab::process
//   pid_t pid = fork();                   Pid pid = process::fork();   // 0 in the child
//   kill(pid, SIGTERM);                   process::kill(pid, Signal::terminate);
//   waitpid(-1, &status, 0);              Ended e = process::wait_any();
//   waitpid(-1, &status, WNOHANG);        std::optional<Ended> e = process::try_wait_any();
//   pthread_sigmask(SIG_BLOCK, {...});    process::block_signals({Signal::terminate, ...});
//   sigwaitinfo({...});                   Signal s = process::wait_signal({...});
//   prctl(PR_SET_PDEATHSIG, SIGKILL);     process::end_with_parent(parent, Signal::kill);
//
// A signal that is blocked is not lost: it stays pending until wait_signal() takes it.
// That is how the parent waits for "a worker ended" (SIGCHLD) and "stop" (SIGTERM,
// SIGINT) at once, without a signal handler and without the race of a flag set by one.
//
// These are POSIX calls (end_with_parent is Linux's prctl). On Windows every call fails
// with std::errc::operation_not_supported ("not available on this platform"); supported()
// asks without failing. docs/layer.md lists what each one does, per platform.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <system_error>

namespace socklab::process {

/// A process id (pid_t).
using Pid = std::int64_t;

/// The signals the lesson uses, by meaning (their numbers are the platform's).
enum class Signal {
  interrupt,  ///< SIGINT: Ctrl-C at a terminal
  terminate,  ///< SIGTERM: "please stop" (kill's default)
  kill,       ///< SIGKILL: cannot be caught, blocked or ignored
  child,      ///< SIGCHLD: a child process ended (or stopped)
};

/// How a child ended: `code` if it exited, `signal` (its number, non-zero) if a signal
/// killed it.
struct Ended {
  Pid pid = 0;
  int code = 0;
  int signal = 0;
};

/// True where the calls below exist (POSIX); false on Windows.
bool supported() noexcept;

/// fork(): a copy of this process. Returns the child's id in the parent, 0 in the child.
Pid fork();
Pid fork(std::error_code& ec) noexcept;

/// getpid(): this process's id.
Pid self() noexcept;

/// kill(): sends `s` to process `pid`.
void kill(Pid pid, Signal s);
void kill(Pid pid, Signal s, std::error_code& ec) noexcept;

/// waitpid(-1, 0): waits until a child ends and reaps it (again after EINTR).
/// No child left: std::errc::no_child_process (ECHILD).
Ended wait_any();
Ended wait_any(std::error_code& ec) noexcept;

/// waitpid(-1, WNOHANG): reaps one child that has ended; nullopt if none has (yet).
std::optional<Ended> try_wait_any();
std::optional<Ended> try_wait_any(std::error_code& ec) noexcept;

/// pthread_sigmask(SIG_BLOCK / SIG_UNBLOCK) for the calling thread: a blocked signal
/// waits (pending) instead of running its action. fork() children inherit the mask.
void block_signals(std::initializer_list<Signal> signals);
void block_signals(std::initializer_list<Signal> signals, std::error_code& ec) noexcept;
void unblock_signals(std::initializer_list<Signal> signals);
void unblock_signals(std::initializer_list<Signal> signals, std::error_code& ec) noexcept;

/// sigwaitinfo(): waits until one of `signals` (blocked first, see above) is pending and
/// takes it (again after EINTR).
Signal wait_signal(std::initializer_list<Signal> signals);
Signal wait_signal(std::initializer_list<Signal> signals, std::error_code& ec) noexcept;

/// Linux: prctl(PR_SET_PDEATHSIG, s): this process gets `s` when its parent ends (even by
/// SIGKILL, which the parent cannot pass on). Then getppid(): if the parent `parent` has
/// already ended (before prctl), kill(getpid(), s) — the race prctl(2) warns about.
/// Elsewhere: std::errc::operation_not_supported, no call.
void end_with_parent(Pid parent, Signal s);
void end_with_parent(Pid parent, Signal s, std::error_code& ec) noexcept;

}  // namespace socklab::process
