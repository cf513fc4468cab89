// A hidden test of lesson 01 (docs/grading.md#hidden-tests): the instructor's, kept out
// of the student edition (tools/grade is not handed out), compiled into lesson01_test
// when the grader is given this folder: make grade ... HIDDEN=tools/grade/examples/hidden-tests
//
// It asks what the visible tests ask one message at a time: a server that answers the
// first message must keep answering on the same connection (the recv/send loop of
// steps 5 and 6), and log each message.
#include <gtest/gtest.h>

#include <string>

#include "socklab/socklab.hpp"
#include "support/narrate.hpp"
#include "support/programs.hpp"

using namespace socklab;
using socklab::test::Program;
using socklab::test::Step;

TEST(Lesson01Hidden, RepliesToEveryMessageOfOneConnection) {
  Step step(6, 7, "three messages, one connection", "each gets its own reply, in order");
  Program server = Program::start("echo_server", {"--port", "0", "--once"});
  Address address = server.listening_address();
  ASSERT_NE(address.port(), 0) << "echo_server did not report its port";
  Socket c = Socket::tcp();
  c.set_recv_timeout(std::chrono::seconds(5));
  c.connect(address);
  const std::string prefix = "\u6536\u5230\u60a8\u7684\u6d88\u606f:";  // 收到您的消息:
  for (const std::string message : {"one", "two", "three"}) {
    send_all(c, message);
    EXPECT_TRUE(test::receives(c, prefix + message)) << "no reply to " << message;
  }
  c.close();
  auto exit = server.wait();
  EXPECT_EQ(exit.code, 0) << server.stderr_text();
  for (const char* message : {": one", ": two", ": three"})
    EXPECT_TRUE(test::contains(server.stdout_text(), message)) << "the log lacks " << message;
}
