// narrate.hpp — tests that read like the lesson, in the student's language.
//
//   Step step(3, 6, "listen(backlog=5)", "the kernel now completes handshakes for us");
//
// prints "  step 3/6 listen(backlog=5): the kernel now completes handshakes for us"
// (shown by `ctest -V`), and every failure inside the step's scope names the step.
// With SOCKLAB_LANG=zh-CN (or a zh_* locale, socklab/cli/language.hpp) it prints
// "  第 3/6 步 listen(backlog=5)：内核……": the `why` is looked up in the catalogue
// (lib/cli/src/messages_zh_cn.cpp). The `call` is code and is shown as written; a
// call in words is marked by the test: Step step(4, 6, tr("server closes early"), ...).
// A failure explanation is marked the same way: EXPECT_TRUE(x) << tr("why it matters").
// The docs check (MessagesCheck.*) fails on a marked text or a `why` of a translated
// lesson without its Chinese.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "socklab/cli/language.hpp"

namespace socklab::test {

using cli::tr;
using cli::trf;

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

/// The line of the step opened last in this process ("step 3/6 listen(...): ..."), or
/// "". A suite whose tests share one process (one ctest test, cmake/Socklab.cmake
/// ONE_PROCESS) repeats its first failed step's line last: where scripts/junit.awk
/// cannot split that ctest test into its tests (output cut, a crash), it takes the
/// last step line as the step the failing ctest test points at.
const std::string& last_step();

/// Prints one line under the current step, indented (what the kernel chose, ...).
void detail(std::string_view text);

}  // namespace socklab::test
