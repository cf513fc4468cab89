#include "support/narrate.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "socklab/fault.hpp"

namespace socklab::test {
namespace {

// The test binaries read SOCKLAB_FAULTS as the lesson programs do (cli::run()):
// `make test-faults` runs them with SOCKLAB_FAULTS=short. Every test links this file.
const bool g_faults_loaded = [] {
  fault::load_environment();
  return true;
}();

}  // namespace

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
