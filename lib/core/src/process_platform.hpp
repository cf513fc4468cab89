// process_platform.hpp — the system calls behind socklab/process.hpp, defined once per
// platform: process_posix.cpp (fork, kill, waitpid, pthread_sigmask, sigwaitinfo, and
// Linux's prctl) or process_win32.cpp (everything fails with operation_not_supported).
// Internal.
#pragma once

#include <initializer_list>
#include <optional>
#include <system_error>

#include "socklab/error.hpp"
#include "socklab/process.hpp"

namespace socklab::sys {

bool process_supported() noexcept;
process::Pid fork(std::error_code& ec) noexcept;
process::Pid getpid() noexcept;
void kill(process::Pid pid, process::Signal s, std::error_code& ec) noexcept;
// waitpid(-1, hang ? 0 : WNOHANG); nullopt: WNOHANG and no child has ended yet.
std::optional<process::Ended> waitpid_any(bool hang, std::error_code& ec) noexcept;
void signal_mask(bool block, std::initializer_list<process::Signal> signals,
                 std::error_code& ec) noexcept;
process::Signal sigwaitinfo(std::initializer_list<process::Signal> signals,
                            std::error_code& ec) noexcept;
void set_parent_death_signal(process::Pid parent, process::Signal s, std::error_code& ec) noexcept;

}  // namespace socklab::sys
