#include "support/narrate.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace socklab::test {

Step::Step(int number, int total, std::string_view call, std::string_view why)
    : text_(fmt::format("step {}/{} {}: {}", number, total, call, why)),
      trace_(__FILE__, __LINE__, text_) {
  narrate(text_);
}

void narrate(std::string_view text) {
  fmt::print("  {}\n", text);
  std::fflush(stdout);
}

}  // namespace socklab::test
