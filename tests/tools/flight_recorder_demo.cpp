// flight_recorder_demo — a planted mistake of lesson 01, for the flight recorder's
// own test (flight_recorder_test.cpp runs this program; ctest does not).
//
// FlightDemo.ReplyWithoutPrefix is lesson 01's end-to-end step 2 against a server
// with the mistake a student makes: it echoes "hello" without the prefix
// 收到您的消息:. The test fails, and the flight recorder (linked in as into every
// lesson's test program) leaves build/failures/FlightDemo.ReplyWithoutPrefix.pcapng
// and .html and prints the ladder, the server's segment carrying the wrong bytes.
// FlightDemo.EchoServerReplies runs the real echo_server and passes: nothing kept.
#include <gtest/gtest.h>

#include <string>

#include "socklab/socklab.hpp"
#include "support/programs.hpp"

using namespace socklab;

namespace {

const std::string kPrefix = "\u6536\u5230\u60a8\u7684\u6d88\u606f:";  // 收到您的消息:

}  // namespace

TEST(FlightDemo, ReplyWithoutPrefix) {
  // The student's server, in this process: steps 1-3 of lesson 01.
  Socket server = Socket::tcp();
  server.bind(Address::parse("127.0.0.1:0"));
  server.listen(5);
  // The client connects (the kernel completes the handshake before accept()) and sends.
  Socket client = Socket::tcp();
  client.set_recv_timeout(std::chrono::seconds(5));
  client.connect(server.local_address());
  send_all(client, "hello");
  // The server: accept, recv, and the planted mistake: the reply without its prefix.
  Socket conn = server.accept().socket;
  std::string got(5, '\0');
  recv_exact(conn, got);
  send_all(conn, got);  // should be: send_all(conn, kPrefix + got)
  conn.close();
  // Lesson 01's check (tests/lesson01_echo_server_test.cpp, E2E2): fails here.
  EXPECT_TRUE(test::receives(client, kPrefix + "hello"));
}

TEST(FlightDemo, EchoServerReplies) {
  auto server = test::Program::start("echo_server", {"--port", "0", "--once"});
  const Address address = server.listening_address();
  Socket client = Socket::tcp();
  client.set_recv_timeout(std::chrono::seconds(5));
  client.connect(address);
  send_all(client, "hello");
  EXPECT_TRUE(test::receives(client, kPrefix + "hello"));
  client.close();
  EXPECT_EQ(server.wait().code, 0) << server.stderr_text();
}
