#include "support/narrate.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "socklab/cli/language.hpp"
#include "socklab/fault.hpp"

namespace socklab::test {
namespace {

// The test binaries read SOCKLAB_FAULTS as the lesson programs do (cli::run()):
// `make test-faults` runs them with SOCKLAB_FAULTS=short. Every test links this file.
// An Error's hint speaks the student's language here too, as in the programs.
const bool g_faults_loaded = [] {
  fault::load_environment();
  cli::translate_hints();
  return true;
}();

std::string& last_step_text() {
  static std::string text;
  return text;
}

}  // namespace

Step::Step(int number, int total, std::string_view call, std::string_view why)
    // "step N/M" (or "第 N/M 步") starts the line: scripts/junit.awk reads the step from it.
    : text_(cli::trf("step {}/{} {}: {}", number, total, call, cli::tr(why))),
      trace_(__FILE__, __LINE__, text_) {
  narrate(text_);
  last_step_text() = text_;
}

const std::string& last_step() {
  return last_step_text();
}

void narrate(std::string_view text) {
  fmt::print("  {}\n", text);
  std::fflush(stdout);
}

void detail(std::string_view text) {
  fmt::print("    {}\n", text);
  std::fflush(stdout);
}

}  // namespace socklab::test
