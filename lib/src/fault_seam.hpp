// fault_seam.hpp — where socket.cpp asks fault injection about a send/recv call.
//
// Internal to lib/. When fault injection is off, active() is one relaxed atomic
// load and nothing else runs.
#pragma once

#include <atomic>
#include <cstddef>
#include <system_error>

#include "socklab/fault.hpp"

namespace socklab::fault::detail {

extern std::atomic<bool> enabled;

inline bool active() noexcept {
  return enabled.load(std::memory_order_relaxed);
}

/// Before a send (is_send) or recv of `size` bytes: returns the error to report
/// instead of making the call, or shrinks `size` for a short call.
std::error_code before_call(bool is_send, std::size_t& size) noexcept;

}  // namespace socklab::fault::detail
