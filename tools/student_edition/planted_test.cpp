// The planted mistakes of docs/instructors.md, built from the reference lesson
// file with one line taken out (plant.cmake), run as a student runs them: what
// the student sees must name the mistake and its fix. (Instructors' test: the
// student edition leaves tools/student_edition out.)
#include <gtest/gtest.h>

#include <string>

#include "support/narrate.hpp"
#include "support/programs.hpp"

using socklab::test::Program;
using socklab::test::Step;

// Lesson 01 without server.listen(5): bound, not listening. It must not print
// "listening on …" (a test or a student would connect and see only a refusal and
// an accept() error); cli::say_listening() asks the socket and fails in one line.
TEST(PlantedMistakes, Lesson01NoListenSaysSoAndExits1) {
  Program server = [] {
    Step step(1, 2, "echo_server (no listen()) --port 0",
              "bind() ran, listen() did not: the socket is bound, not listening");
    return Program::start("echo_server_no_listen", {"--port", "0", "--once"});
  }();
  Step step(2, 2, "its output", "no 'listening on' line; one error line naming the fix; exit 1");
  auto exit = server.wait(std::chrono::seconds(10));
  ASSERT_TRUE(exit.exited_normally()) << "echo_server " << server.how_it_ended();
  EXPECT_EQ(exit.code, 1);
  EXPECT_EQ(server.stdout_text(), "") << "a server that does not listen must not say it does";
  const std::string line = server.first_stderr_line();
  // In the student's language (SOCKLAB_LANG): the line as the catalogue says it, the
  // port (unknown: the server never printed it) cut out.
  const std::string expected =
      "echo_server: error: " +
      socklab::test::trf("not listening on {} \u2014 call listen() after bind() (man 2 listen)",
                         "127.0.0.1:\x01");
  const std::string start = expected.substr(0, expected.find('\x01'));
  const std::string fix = expected.substr(expected.find('\x01') + 1);
  EXPECT_TRUE(line.starts_with(start) && line.ends_with(fix))
      << "expected \"" << start << "PORT" << fix << "\", got \"" << line << "\"";
  EXPECT_EQ(server.stderr_text(), line + "\n") << "one line, nothing else";
}
