// process.cpp — the portable half of socklab/process.hpp: the throwing forms. The system
// calls are in process_posix.cpp / process_win32.cpp.
#include "socklab/process.hpp"

#include <fmt/format.h>

#include "process_platform.hpp"
#include "socklab/error.hpp"

namespace socklab::process {

bool supported() noexcept {
  return sys::process_supported();
}

Pid fork(std::error_code& ec) noexcept {
  return sys::fork(ec);
}
Pid fork() {
  std::error_code ec;
  Pid pid = fork(ec);
  throw_if(ec, "fork");
  return pid;
}

Pid self() noexcept {
  return sys::getpid();
}

void kill(Pid pid, Signal s, std::error_code& ec) noexcept {
  sys::kill(pid, s, ec);
}
void kill(Pid pid, Signal s) {
  std::error_code ec;
  kill(pid, s, ec);
  throw_if(ec, fmt::format("kill({})", pid));
}

Ended wait_any(std::error_code& ec) noexcept {
  return sys::waitpid_any(true, ec).value_or(Ended{});
}
Ended wait_any() {
  std::error_code ec;
  Ended e = wait_any(ec);
  throw_if(ec, "waitpid");
  return e;
}

std::optional<Ended> try_wait_any(std::error_code& ec) noexcept {
  return sys::waitpid_any(false, ec);
}
std::optional<Ended> try_wait_any() {
  std::error_code ec;
  auto e = try_wait_any(ec);
  throw_if(ec, "waitpid(WNOHANG)");
  return e;
}

void block_signals(std::initializer_list<Signal> signals, std::error_code& ec) noexcept {
  sys::signal_mask(true, signals, ec);
}
void block_signals(std::initializer_list<Signal> signals) {
  std::error_code ec;
  block_signals(signals, ec);
  throw_if(ec, "pthread_sigmask(SIG_BLOCK)");
}
void unblock_signals(std::initializer_list<Signal> signals, std::error_code& ec) noexcept {
  sys::signal_mask(false, signals, ec);
}
void unblock_signals(std::initializer_list<Signal> signals) {
  std::error_code ec;
  unblock_signals(signals, ec);
  throw_if(ec, "pthread_sigmask(SIG_UNBLOCK)");
}

Signal wait_signal(std::initializer_list<Signal> signals, std::error_code& ec) noexcept {
  return sys::sigwaitinfo(signals, ec);
}
Signal wait_signal(std::initializer_list<Signal> signals) {
  std::error_code ec;
  Signal s = wait_signal(signals, ec);
  throw_if(ec, "sigwaitinfo");
  return s;
}

void end_with_parent(Pid parent, Signal s, std::error_code& ec) noexcept {
  sys::set_parent_death_signal(parent, s, ec);
}
void end_with_parent(Pid parent, Signal s) {
  std::error_code ec;
  end_with_parent(parent, s, ec);
  throw_if(ec, "prctl(PR_SET_PDEATHSIG)");
}

}  // namespace socklab::process
