// narrate.hpp — tests that read like the lesson.
//
//   Step step(3, 6, "listen(backlog=5)", "the kernel now completes handshakes for us");
//
// prints "  step 3/6 listen(backlog=5): the kernel now completes handshakes for us"
// (shown by `ctest -V`), and every failure inside the step's scope names the step.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace socklab::test {

class Step {
 public:
  Step(int number, int total, std::string_view call, std::string_view why);
  Step(const Step&) = delete;
  Step& operator=(const Step&) = delete;

 private:
  std::string text_;
  ::testing::ScopedTrace trace_;
};

/// Prints one narration line without opening a step.
void narrate(std::string_view text);

}  // namespace socklab::test
