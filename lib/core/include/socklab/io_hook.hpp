// socklab/io_hook.hpp — the one seam between Socket::send()/recv() and the system call.
//
// Lessons never use this. It exists so that lib/testing's fault injection
// (socklab/fault.hpp) can make send() and recv() misbehave on purpose without
// the core knowing about it: the core only asks "is a hook installed?" (one
// relaxed atomic load) before each Socket::send() and Socket::recv(), and reads
// no environment variable of its own. docs/layer.md lists it under Socket::send.
#pragma once

#include <cstddef>
#include <system_error>

namespace socklab::io_hook {

/// Called before each Socket::send() (is_send == true) or Socket::recv() of
/// `size` bytes. It may lower `size` (a short call) or return an error, which the
/// call then reports without reaching the system.
using Function = std::error_code (*)(bool is_send, std::size_t& size) noexcept;

/// Installs `hook` for the whole process; nullptr removes it.
void install(Function hook) noexcept;

/// The hook in force, or nullptr.
Function installed() noexcept;

}  // namespace socklab::io_hook
