// Fuzz target: the HTTP example's request parsing (examples/http/http_message.hpp).
// Promises: never crash; a head that parses has a method and a target; a target
// that resolves never leaves the served directory (no ".." segment, not absolute,
// no NUL or backslash); a refused one says 400 and why.
#include <string>

#include "fuzz.hpp"
#include "http_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes = socklab::fuzz::text(data, size);
  std::size_t end = http::find_head_end(bytes);
  FUZZ_CHECK(end == std::string_view::npos || end <= bytes.size());
  std::string_view head = end == std::string_view::npos ? bytes : bytes.substr(0, end);
  http::ParsedRequest parsed = http::parse_request(head);
  if (parsed.request) {
    FUZZ_CHECK(!parsed.request->method.empty());
    FUZZ_CHECK(!parsed.request->target.empty());
  } else {
    FUZZ_CHECK(parsed.status >= 400 && parsed.status < 600);
    FUZZ_CHECK(!parsed.error.empty());
  }
  // The target mapping is the security boundary: feed it the raw bytes too.
  for (std::string_view target :
       {bytes, parsed.request ? std::string_view(parsed.request->target) : bytes}) {
    http::Target t = http::resolve_target(target);
    if (t.status != 0) {
      FUZZ_CHECK(t.status == 400 && !t.error.empty());
      continue;
    }
    const std::string& p = t.path;
    FUZZ_CHECK(p.empty() || p.front() != '/');
    FUZZ_CHECK(p.find('\0') == std::string::npos && p.find('\\') == std::string::npos);
    std::size_t start = 0;
    while (start <= p.size()) {
      std::size_t slash = p.find('/', start);
      std::string_view segment =
          std::string_view(p).substr(start, slash == std::string::npos ? p.npos : slash - start);
      FUZZ_CHECK(segment != ".." && segment != ".");
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
  }
  (void)http::parse_url(bytes);
  return 0;
}
