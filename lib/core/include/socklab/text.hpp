// socklab/text.hpp — bytes from the network are not text until checked.
#pragma once

#include <string_view>

namespace socklab {

/// True if `bytes` is complete, well-formed UTF-8 — what Python's bytes.decode()
/// insists on. A chunk from recv() can end in the middle of a character and then
/// fails this check even though the stream is fine (lessons 01 and 06).
/// Simplified: overlong forms and surrogates are not rejected.
bool is_valid_utf8(std::string_view bytes) noexcept;

}  // namespace socklab
