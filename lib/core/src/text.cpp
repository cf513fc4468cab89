// text.cpp — the UTF-8 check of socklab/text.hpp.
#include "socklab/text.hpp"

#include <cstddef>

namespace socklab {

bool is_valid_utf8(std::string_view bytes) noexcept {
  for (std::size_t i = 0; i < bytes.size();) {
    auto lead = static_cast<unsigned char>(bytes[i]);
    // The lead byte says how long the character is: 0xxxxxxx, 110xxxxx, 1110xxxx, 11110xxx.
    std::size_t len = lead < 0x80           ? 1
                      : (lead >> 5) == 0x6  ? 2
                      : (lead >> 4) == 0xE  ? 3
                      : (lead >> 3) == 0x1E ? 4
                                            : 0;
    if (len == 0 || i + len > bytes.size()) return false;  // a bad lead byte, or cut off
    for (std::size_t k = 1; k < len; ++k)                  // every following byte is 10xxxxxx
      if ((static_cast<unsigned char>(bytes[i + k]) >> 6) != 0x2) return false;
    i += len;
  }
  return true;
}

}  // namespace socklab
