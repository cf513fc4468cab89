// Fuzz target: the chat example's protocol parts (examples/chat/chat_protocol.hpp).
// Promises: never crash; lines come back without '\n' (one '\r' before it is dropped,
// so "a\r\r\n" is the line "a\r", as the protocol says);
// the buffer reports overflow instead of growing past its limit unnoticed; a
// nickname accepted is 1..16 safe characters.
#include <string>

#include "chat_protocol.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes = socklab::fuzz::text(data, size);
  constexpr std::size_t max_line = 64;
  chat::LineBuffer lines(max_line);
  // Feed the bytes in uneven pieces, as recv() would.
  for (std::size_t at = 0, piece = 1; at < bytes.size(); at += piece, piece = piece % 7 + 1) {
    lines.append(bytes.substr(at, piece));
    while (auto line = lines.next_line()) {
      FUZZ_CHECK(line->find('\n') == std::string::npos);
      chat::Command c = chat::parse_line(*line);
      if (c.kind == chat::Command::nick && chat::valid_nickname(c.text)) {
        FUZZ_CHECK(!c.text.empty() && c.text.size() <= chat::max_nickname);
      }
    }
    if (lines.overflowed()) break;  // the server would drop this client here
  }
  if (chat::valid_nickname(bytes)) {
    FUZZ_CHECK(!bytes.empty() && bytes.size() <= chat::max_nickname);
    for (char ch : bytes)
      FUZZ_CHECK((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '_' || ch == '-');
  }
  return 0;
}
