// bad_input.hpp — the bad-input tables of the lesson suites: a program started with
// a wrong argument says so in one line on stderr, prints nothing on stdout as if it
// worked, and exits with the right code (2: usage, 1: runtime) — it never crashes.
//
//   class Lesson01BadInput : public ::testing::TestWithParam<test::BadInput> {};
//   TEST_P(Lesson01BadInput, OneClearLineAndExitCode) {
//     test::expect_one_clear_line("echo_server", GetParam());
//   }
//   INSTANTIATE_TEST_SUITE_P(Lesson01, Lesson01BadInput, ::testing::Values(
//       test::BadInput{"PortNotANumber", {"--port", "abc"}, 2, "--port 'abc'"}),
//       test::bad_input_name);
#pragma once

#include <algorithm>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "support/programs.hpp"

namespace socklab::test {

struct BadInput {
  const char* name;               ///< the case's name in test listings
  std::vector<std::string> args;  ///< the command line after the program's name
  int code;                       ///< the exit code it must give
  const char* says;               ///< text its one stderr line must contain
};

/// Names the case in test listings instead of dumping its bytes.
inline void PrintTo(const BadInput& bad, std::ostream* os) {
  *os << bad.name;
}
inline std::string bad_input_name(const ::testing::TestParamInfo<BadInput>& info) {
  return info.param.name;
}

// `says` is English: the program runs in English (SOCKLAB_LANG=en) whatever the
// student's language; the Chinese lines are the catalogue's (MessagesCheck.*, Language.*).
inline void expect_one_clear_line(std::string_view program, const BadInput& bad) {
  std::optional<Program> started;
  {
    ScopedEnvironment english("SOCKLAB_LANG", "en");
    started.emplace(Program::start(program, bad.args));
  }
  Program& p = *started;
  auto exit = p.wait();
  EXPECT_TRUE(exit.exited_normally()) << "crashed: signal " << exit.signal;
  EXPECT_EQ(exit.code, bad.code) << p.stderr_text();
  const std::string err = p.stderr_text();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << "expected one line, got: " << err;
  EXPECT_NE(err.find(bad.says), std::string::npos) << "expected \"" << bad.says << "\" in: " << err;
  EXPECT_EQ(p.stdout_text(), "") << "nothing should be printed as if it worked";
}

}  // namespace socklab::test
