// socklab/text.hpp — bytes from the network are not text until checked.
//
// The system calls behind each member, per platform: docs/layer.md.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace socklab {

/// True if `bytes` is complete, well-formed UTF-8 — what Python's bytes.decode()
/// insists on. A chunk from recv() can end in the middle of a character and then
/// fails this check even though the stream is fine (lessons 01 and 06).
/// Simplified: overlong forms and surrogates are not rejected.
bool is_valid_utf8(std::string_view bytes) noexcept;

/// `bytes` made safe to print on a terminal or in a log line: well-formed UTF-8
/// text stays as it is (收到您的消息 prints as itself); control bytes, ESC, DEL,
/// C1 controls and bytes that are not UTF-8 are shown as escapes (`\r`, `\n`,
/// `\t`, `\x1b`, `\\` for a backslash), so a client cannot move the cursor,
/// repaint the screen or forge a second log line. Longer than `max_bytes`, it is
/// cut on a character boundary and ends with `... (N bytes)`, N the full length.
std::string printable(std::string_view bytes, std::size_t max_bytes = 200);

}  // namespace socklab
