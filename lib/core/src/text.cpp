// text.cpp — the UTF-8 check and printable() of socklab/text.hpp.
#include "socklab/text.hpp"

#include <cstddef>
#include <cstdio>

namespace socklab {
namespace {

// The length of the well-formed UTF-8 character at bytes[i], or 0 if there is none.
std::size_t character_at(std::string_view bytes, std::size_t i) noexcept {
  auto lead = static_cast<unsigned char>(bytes[i]);
  // The lead byte says how long the character is: 0xxxxxxx, 110xxxxx, 1110xxxx, 11110xxx.
  std::size_t len = lead < 0x80           ? 1
                    : (lead >> 5) == 0x6  ? 2
                    : (lead >> 4) == 0xE  ? 3
                    : (lead >> 3) == 0x1E ? 4
                                          : 0;
  if (len == 0 || i + len > bytes.size()) return 0;  // a bad lead byte, or cut off
  for (std::size_t k = 1; k < len; ++k)              // every following byte is 10xxxxxx
    if ((static_cast<unsigned char>(bytes[i + k]) >> 6) != 0x2) return 0;
  return len;
}

void append_escape(std::string& out, unsigned char byte) {
  char hex[5];
  std::snprintf(hex, sizeof hex, "\\x%02x", byte);
  out += hex;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) noexcept {
  for (std::size_t i = 0; i < bytes.size();) {
    std::size_t len = character_at(bytes, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string printable(std::string_view bytes, std::size_t max_bytes) {
  std::string out;
  std::size_t i = 0;
  while (i < bytes.size()) {
    std::size_t len = character_at(bytes, i);
    if (i + (len == 0 ? 1 : len) > max_bytes) break;  // cut before the character that crosses
    auto byte = static_cast<unsigned char>(bytes[i]);
    if (len == 1) {
      switch (byte) {
        case '\\':
          out += "\\\\";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (byte < 0x20 || byte == 0x7f)
            append_escape(out, byte);  // ESC, BEL, backspace, DEL ...: never to the terminal
          else
            out += static_cast<char>(byte);
      }
    } else if (len == 2 && byte == 0xc2 && static_cast<unsigned char>(bytes[i + 1]) < 0xa0) {
      append_escape(out, byte);  // U+0080..U+009F: C1 controls (0x9b is a CSI, like ESC [)
      append_escape(out, static_cast<unsigned char>(bytes[i + 1]));
    } else if (len == 0) {
      append_escape(out, byte);  // not UTF-8: show the byte, never guess
      len = 1;
    } else {
      out.append(bytes.substr(i, len));
    }
    i += len;
  }
  if (i < bytes.size()) out += "... (" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

}  // namespace socklab
