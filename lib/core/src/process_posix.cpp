// process_posix.cpp — socklab/process.hpp on Linux, macOS and the BSDs (lesson 11's
// --workers): fork(2), kill(2), waitpid(2), pthread_sigmask(3), sigwaitinfo(2), and on
// Linux prctl(PR_SET_PDEATHSIG) (prctl(2)).
//
//  - waitpid() and sigwaitinfo() are retried after EINTR (a signal outside the set,
//    with a handler, interrupted the wait); nothing else is retried;
//  - end_with_parent: prctl(2) warns that the parent may end before the call; then
//    nobody would send the signal. getppid() tells: if it is no longer `parent`, the
//    signal is sent to ourselves with kill(). Three calls, written in docs/layer.md.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <cerrno>

#include "process_platform.hpp"

namespace socklab::sys {
namespace {

std::error_code last() noexcept {
  return {errno, socket_category()};
}

int number(process::Signal s) noexcept {
  switch (s) {
    case process::Signal::interrupt:
      return SIGINT;
    case process::Signal::terminate:
      return SIGTERM;
    case process::Signal::kill:
      return SIGKILL;
    case process::Signal::child:
      break;
  }
  return SIGCHLD;
}

sigset_t set_of(std::initializer_list<process::Signal> signals) noexcept {
  sigset_t set;
  sigemptyset(&set);
  for (process::Signal s : signals) sigaddset(&set, number(s));
  return set;
}

}  // namespace

bool process_supported() noexcept {
  return true;
}

process::Pid fork(std::error_code& ec) noexcept {
  const pid_t pid = ::fork();
  ec = pid < 0 ? last() : std::error_code{};
  return pid;
}

process::Pid getpid() noexcept {
  return ::getpid();
}

void kill(process::Pid pid, process::Signal s, std::error_code& ec) noexcept {
  ec = ::kill(static_cast<pid_t>(pid), number(s)) == 0 ? std::error_code{} : last();
}

std::optional<process::Ended> waitpid_any(bool hang, std::error_code& ec) noexcept {
  int status = 0;
  pid_t pid;
  do {
    pid = ::waitpid(-1, &status, hang ? 0 : WNOHANG);
  } while (pid < 0 && errno == EINTR);
  if (pid < 0) {
    ec = last();
    return std::nullopt;
  }
  ec.clear();
  if (pid == 0) return std::nullopt;  // WNOHANG: none has ended yet
  process::Ended e;
  e.pid = pid;
  if (WIFEXITED(status)) e.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) e.signal = WTERMSIG(status);
  return e;
}

void signal_mask(bool block, std::initializer_list<process::Signal> signals,
                 std::error_code& ec) noexcept {
  const sigset_t set = set_of(signals);
  // pthread_sigmask returns the error number itself (it does not set errno).
  const int err = ::pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, nullptr);
  ec = err == 0 ? std::error_code{} : std::error_code{err, socket_category()};
}

process::Signal sigwaitinfo(std::initializer_list<process::Signal> signals,
                            std::error_code& ec) noexcept {
  const sigset_t set = set_of(signals);
  int got;
#if defined(__APPLE__)
  // macOS has no sigwaitinfo(): sigwait() is its POSIX equivalent without the info.
  int err = ::sigwait(&set, &got);
  if (err != 0) {
    ec = {err, socket_category()};
    return process::Signal::terminate;
  }
#else
  do {
    got = ::sigwaitinfo(&set, nullptr);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    ec = last();
    return process::Signal::terminate;
  }
#endif
  ec.clear();
  for (process::Signal s : signals)
    if (number(s) == got) return s;
  return process::Signal::terminate;  // not reached: only signals of the set are taken
}

void set_parent_death_signal(process::Pid parent, process::Signal s, std::error_code& ec) noexcept {
#if defined(__linux__)
  if (::prctl(PR_SET_PDEATHSIG, number(s)) != 0) return void(ec = last());
  ec.clear();
  if (::getppid() != static_cast<pid_t>(parent)) (void)::kill(::getpid(), number(s));
#else
  (void)parent, (void)s;
  ec = std::make_error_code(std::errc::operation_not_supported);
#endif
}

}  // namespace socklab::sys
