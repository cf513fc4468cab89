// Lesson 10 — closing well (`ctest -L lesson10 -V` reads like the lesson).
//
// Part 1 (Lesson10Demo): close, shutdown, EOF, SO_LINGER 0 and unread data, in
// this process. Lesson 03 (handshake --close half|abort|unread) shows the same
// endings as packets.
// Part 2 (Lesson10Programs): count_server and count_client, the half-close
// protocol, and the two pitfalls: no shutdown (both wait) and close() with
// unread data (RST, the reply is lost).
//
// Lesson10Demo is a demonstration: the kit makes the calls, not your code, so it
// passes before you write a line and `make progress` does not count it.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "socklab/poll.hpp"
#include "socklab/socklab.hpp"
#include "socklab/system.hpp"
#include "support/narrate.hpp"
#include "support/programs.hpp"

using namespace socklab;
using namespace std::chrono_literals;
using socklab::test::Program;
using socklab::test::Step;
using socklab::test::tr;
using socklab::test::trf;

namespace {

// Under Wine, a peer's reset (SO_LINGER 0, or close() with unread data) reaches
// recv() as EOF; Windows and POSIX report connection_reset. Tests that show the
// reset skip, with this reason, there (docs/windows.md).
std::string wine_hides_resets() {
  std::string wine = socklab::system::emulator();
  return wine.empty() ? wine
                      : trf("{} reports a peer's reset to recv() as EOF (Windows and POSIX: "
                            "connection_reset); see docs/windows.md",
                            wine);
}

std::string read_to_eof(Socket& s) {
  std::string out;
  std::array<char, 4096> buf;
  for (Received got; !(got = s.recv(buf)).eof;) out.append(buf.data(), got.bytes);
  return out;
}

}  // namespace

// --- Part 1: the calls ------------------------------------------------------------

TEST(Lesson10Demo, Step1_ThePeersCloseIsRecvReturningZero) {
  Step step(1, 7, tr("peer close() -> recv() = 0"),
            "EOF is how you learn the peer closed: a result, not an error, and it repeats");
  SocketPair pair = tcp_pair();
  (void)pair.first.send("last words");
  pair.first.close();
  EXPECT_EQ(read_to_eof(pair.second), "last words") << tr("data before the FIN still arrives");
  std::array<char, 8> buf;
  EXPECT_TRUE(pair.second.recv(buf).eof) << tr("every later recv() says EOF again");
}

TEST(Lesson10Demo, Step2_HalfCloseDoneSendingStillListening) {
  Step step(2, 7, "shutdown(SHUT_WR)",
            "half-close: our FIN goes out, the peer reads EOF, and can still answer us");
  SocketPair pair = tcp_pair();
  Socket& client = pair.first;
  Socket& server = pair.second;
  send_all(client, "count me");
  client.shutdown(Shutdown::write);
  EXPECT_EQ(read_to_eof(server), "count me") << tr("the server knows the request is complete");
  send_all(server, "8 bytes");  // the other direction still works
  server.close();
  EXPECT_EQ(read_to_eof(client), "8 bytes");
}

TEST(Lesson10Demo, Step3_AfterShutdownWriteSendFails) {
  Step step(3, 7, tr("send() after shutdown(SHUT_WR)"), "EPIPE: we said we were done sending");
  SocketPair pair = tcp_pair();
  pair.first.shutdown(Shutdown::write);
  std::error_code ec;
  (void)pair.first.send("more", ec);
  EXPECT_EQ(ec, std::errc::broken_pipe) << ec.message();
}

TEST(Lesson10Demo, Step4_PollSeesTheCloseToo) {
  Step step(4, 7, tr("poll() after the peer's close"),
            "an event loop learns of a close as POLLIN, then recv() = 0 (lesson 08)");
  SocketPair pair = tcp_pair();
  pair.first.close();
  std::array<PollFd, 1> fds{PollFd{pair.second.native_handle(), Events::in}};
  ASSERT_EQ(poll(fds, 5s), 1u);
  EXPECT_TRUE(has(fds[0].revents, Events::in));
  std::array<char, 8> buf;
  EXPECT_TRUE(pair.second.recv(buf).eof);
}

TEST(Lesson10Demo, Step5_LingerZeroSendsRst) {
  Step step(5, 7, "SO_LINGER {on, 0 s} + close()",
            "an abortive close: RST, not FIN; the peer's recv() fails with ECONNRESET");
  if (std::string why = wine_hides_resets(); !why.empty()) GTEST_SKIP() << why;
  SocketPair pair = tcp_pair();
  pair.first.set_linger(0s);
  pair.first.close();
  std::array<char, 8> buf;
  std::error_code ec;
  (void)pair.second.recv(buf, ec);
  EXPECT_EQ(ec, std::errc::connection_reset) << ec.message();
}

TEST(Lesson10Demo, Step6_LingerZeroLeavesNoTimeWait) {
  Step step(6, 7, tr("active close with SO_LINGER 0, then bind() the port again"),
            "no FIN, no TIME_WAIT: the port is free at once (compare lesson 09 step 9)");
  if (std::string why = wine_hides_resets(); !why.empty()) GTEST_SKIP() << why;
  Socket server = Socket::tcp();
  server.bind(Address::parse("127.0.0.1:0"));
  server.listen(1);
  Address address = server.local_address();
  Socket client = Socket::tcp();
  client.connect(address);
  {
    Socket conn = server.accept().socket;
    conn.set_linger(0s);  // the server closes first, but aborts: no TIME_WAIT
  }
  std::array<char, 8> buf;
  std::error_code ec;
  (void)client.recv(buf, ec);
  EXPECT_EQ(ec, std::errc::connection_reset);
  server.close();
  Socket again = Socket::tcp();  // no SO_REUSEADDR
  again.bind(address, ec);
  EXPECT_FALSE(ec) << fmt::format("bind({}): {}", address.to_string(), ec.message());
}

TEST(Lesson10Demo, Step7_ClosingWithUnreadDataSendsRst) {
  Step step(7, 7, tr("close() with unread bytes in the receive buffer"),
            "the kernel sends RST, not FIN (RFC 2525 2.17): the peer sees a reset, not EOF; "
            "the fix is to read to EOF first");
  const std::string why = wine_hides_resets();
  for (bool drain : {false, true}) {
    if (!drain && !why.empty()) continue;  // the fix (drain) still runs
    SocketPair pair = tcp_pair();
    send_all(pair.first, "request + more than the server reads");
    pair.first.shutdown(Shutdown::write);
    std::array<char, 7> some;
    recv_exact(pair.second, some);  // the server reads only "request"
    send_all(pair.second, "reply");
    if (drain) {
      pair.second.shutdown(Shutdown::write);
      read_to_eof(pair.second);  // a lingering close: read the rest, then close
    }
    pair.second.close();
    std::string got;
    std::array<char, 64> buf;
    std::error_code ec;
    for (int i = 0; i < 10; ++i) {  // read until EOF or an error (bounded)
      Received r = pair.first.recv(buf, ec);
      if (ec || r.eof) break;
      got.append(buf.data(), r.bytes);
    }
    test::detail(trf("{}: got '{}', then {}", drain ? tr("drained first") : tr("unread data"), got,
                     ec ? ec.message() : std::string("EOF")));
    if (drain)
      EXPECT_FALSE(ec) << tr("a clean EOF after the reply");
    else
      EXPECT_EQ(ec, std::errc::connection_reset) << tr("close() with unread data should send RST");
  }
  if (!why.empty()) GTEST_SKIP() << trf("the unread-data half not shown: {}", why);
}

// --- Part 2: the programs ------------------------------------------------------------

class Lesson10Programs : public ::testing::Test {
 protected:
  void start_server(std::vector<std::string> extra) {
    std::vector<std::string> args{"--port", "0", "--once"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = Program::start("count_server", args);
    port_ = std::to_string(server_->listening_address().port());
    ASSERT_NE(port_, "0");
  }
  Program client(std::vector<std::string> extra) {
    std::vector<std::string> args{"--port", port_};
    args.insert(args.end(), extra.begin(), extra.end());
    return Program::start("count_client", args);
  }
  // After a failure, show the server's own error line: often the reason
  // ("count_server: error: TODO(step 7): shutdown() is not written yet").
  void TearDown() override {
    if (!HasFailure() || !server_) return;
    server_->stop();
    if (!server_->first_stderr_line().empty()) {
      test::narrate(trf("count_server said: {}", server_->first_stderr_line()));
    }
  }
  std::optional<Program> server_;
  std::string port_;
};

TEST_F(Lesson10Programs, E2E1_UploadHalfCloseReply) {
  Step step(1, 4, "count_client hello world",
            "upload, shutdown(SHUT_WR), the server counts to EOF, replies and closes");
  start_server({});
  Program c = client({"hello", "world"});
  auto exit = c.wait();
  EXPECT_EQ(exit.code, 0) << c.stderr_text();
  EXPECT_TRUE(test::contains(c.stdout_text(), "reply: 12 bytes, 2 lines"));
  EXPECT_TRUE(test::contains(c.stdout_text(), "recv returned 0"));
  EXPECT_EQ(server_->wait().code, 0) << server_->stderr_text();
}

TEST_F(Lesson10Programs, E2E2_WithoutShutdownBothSidesWait) {
  Step step(2, 4, "count_client --no-shutdown --timeout 300",
            "the pitfall: no FIN, so the server never sees the end; the client times out");
  start_server({});
  Program c = client({"--no-shutdown", "--timeout", "300", "hello"});
  auto exit = c.wait();
  test::narrate("  " + c.first_stderr_line());
  EXPECT_EQ(exit.code, 1);
  EXPECT_TRUE(test::contains(c.first_stderr_line(), "timed out")) << c.stderr_text();
  EXPECT_EQ(c.stdout_text().find("reply:"), std::string::npos) << tr("no reply can have come");
}

TEST_F(Lesson10Programs, E2E3_NaiveCloseWithUnreadDataLosesTheReply) {
  Step step(3, 4, tr("count_server --max-bytes 1000 --naive-close; a 32 MB upload"),
            "the pitfall: the server refuses and close()s with unread data: RST; the client "
            "gets 'connection reset' and never sees the refusal");
  if (std::string wine = socklab::system::emulator(); !wine.empty())
    GTEST_SKIP() << trf(
        "{}: after the server's close() with unread data, the client's blocking "
        "send() sometimes never returns (2 runs in 6 hung); Windows and POSIX "
        "fail it with connection_reset or EPIPE; see docs/windows.md",
        wine);
  start_server({"--max-bytes", "1000", "--naive-close"});
  Program c = client({"--bytes", "32000000"});
  auto exit = c.wait();
  test::narrate("  " + c.first_stderr_line());
  EXPECT_EQ(exit.code, 1) << c.stdout_text();
  const std::string err = c.first_stderr_line();
  EXPECT_TRUE(err.find("reset") != std::string::npos ||
              err.find("Broken pipe") != std::string::npos)
      << c.stderr_text();
  EXPECT_EQ(c.stdout_text().find("recv returned 0"), std::string::npos) << tr("no clean EOF");
}

TEST_F(Lesson10Programs, E2E4_LingeringCloseDeliversTheRefusal) {
  Step step(4, 4, tr("count_server --max-bytes 1000; a 32 MB upload"),
            "the fix: reply, shutdown(SHUT_WR), read to the client's FIN, close(): the "
            "client reads the refusal and a clean EOF");
  start_server({"--max-bytes", "1000"});
  Program c = client({"--bytes", "32000000"});
  auto exit = c.wait();
  EXPECT_EQ(exit.code, 0) << c.stderr_text();
  EXPECT_TRUE(test::contains(c.stdout_text(), "reply: error: more than 1000 bytes"))
      << c.stdout_text();
  EXPECT_TRUE(test::contains(c.stdout_text(), "recv returned 0"));
}
