// process_win32.cpp — socklab/process.hpp on Windows: there is no fork(), no POSIX
// signal to pass on and no SO_REUSEPORT load balancing, so lesson 11's --workers is not
// available on this platform. Every call fails with std::errc::operation_not_supported
// (the hint: run lesson 11 on Linux, in WSL2 or a Linux VM); no call is made.
#include <process.h>  // _getpid (the C runtime)

#include "process_platform.hpp"

namespace socklab::sys {
namespace {
std::error_code not_available() noexcept {
  return std::make_error_code(std::errc::operation_not_supported);
}
}  // namespace

bool process_supported() noexcept {
  return false;
}
process::Pid fork(std::error_code& ec) noexcept {
  ec = not_available();
  return -1;
}
process::Pid getpid() noexcept {
  return ::_getpid();
}
void kill(process::Pid, process::Signal, std::error_code& ec) noexcept {
  ec = not_available();
}
std::optional<process::Ended> waitpid_any(bool, std::error_code& ec) noexcept {
  ec = not_available();
  return std::nullopt;
}
void signal_mask(bool, std::initializer_list<process::Signal>, std::error_code& ec) noexcept {
  ec = not_available();
}
process::Signal sigwaitinfo(std::initializer_list<process::Signal>, std::error_code& ec) noexcept {
  ec = not_available();
  return process::Signal::terminate;
}
void set_parent_death_signal(process::Pid, process::Signal, std::error_code& ec) noexcept {
  ec = not_available();
}

}  // namespace socklab::sys
