// Fault injection (`ctest -L faults -V`): the layer's send()/recv() made to
// misbehave on purpose, and the robust helpers and lesson 01's server coping.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <thread>

#include "socklab/fault.hpp"
#include "socklab/frame.hpp"
#include "socklab/socklab.hpp"
#include "support/narrate.hpp"
#include "support/programs.hpp"

using namespace socklab;
using socklab::test::narrate;
using socklab::test::Program;
using socklab::test::ScopedEnvironment;
using socklab::test::Step;

namespace {

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
  return s;
}

// Sends `data` from one thread while this one receives it with recv_exact.
std::string round_trip(std::string_view data) {
  auto [a, b] = tcp_pair();
  std::thread writer([&, &sender = a] { send_all(sender, data); });
  std::string got(data.size(), '\0');
  recv_exact(b, got);
  writer.join();
  return got;
}

}  // namespace

// --- the spec ------------------------------------------------------------------------

TEST(FaultSpec, ParsesWhatTheDocsShow) {
  struct Case {
    const char* text;
    const char* canonical;
  };
  for (Case c :
       {Case{"short", "short"}, Case{"short=3", "short=3"}, Case{"eintr@2", "eintr@2"},
        Case{"eagain%5", "eagain%5"}, Case{"reset@3:recv", "reset@3:recv"},
        Case{" short:send , eintr%3 ", "short:send,eintr%3"}, Case{"off", ""}, Case{"", ""}}) {
    SCOPED_TRACE(c.text);
    std::error_code ec;
    fault::Plan p = fault::parse(c.text, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(fault::to_string(p), c.canonical);
    EXPECT_EQ(fault::parse(fault::to_string(p)), p) << "to_string must read back";
  }
  fault::Plan p = fault::parse("eagain%4");
  EXPECT_EQ(p.failure, fault::Failure::would_block);
  EXPECT_EQ(p.at, 4u);
  EXPECT_EQ(p.every, 4u);
}

TEST(FaultSpec, RejectsAnythingElse) {
  for (const char* bad : {"shor", "short=0", "short=-1", "short=x", "eintr", "eintr@0", "eintr@",
                          "eintr@1x", "boom@1", "reset@2:both", "short,", ",short", "short,,x",
                          "eintr@99999999999999999999999"}) {
    SCOPED_TRACE(bad);
    std::error_code ec;
    fault::parse(bad, ec);
    EXPECT_EQ(ec, std::errc::invalid_argument);
  }
  EXPECT_THROW(fault::parse("nonsense"), Error);
}

// --- the calls -------------------------------------------------------------------------

TEST(Faults, OffByDefaultAndCountsNothing) {
  Step step(1, 6, "no SOCKLAB_FAULTS", "fault injection is off: the seam is not even asked");
  fault::clear();
  EXPECT_FALSE(fault::current().enabled());
  EXPECT_EQ(round_trip("plain"), "plain");
  EXPECT_EQ(fault::calls_counted(), 0u);
}

TEST(Faults, ShortSendAndRecvMoveOneByte) {
  Step step(2, 6, "short", "send() and recv() move one byte per call, as they are allowed to");
  fault::Scope faults(fault::parse("short"));
  auto [a, b] = tcp_pair();
  EXPECT_EQ(a.send("hello"), 1u) << "send() should have taken one byte";
  (void)a.send("ello");  // and now a second one
  std::array<char, 64> buffer;
  Received r = b.recv(buffer);
  EXPECT_EQ(r.bytes, 1u);
  EXPECT_EQ(buffer[0], 'h');
}

TEST(Faults, SendAllAndRecvExactUnderShortIo) {
  Step step(3, 6, "send_all / recv_exact with short=1 and short=7",
            "the loops put every byte through, in order");
  const std::string data = pattern(16 * 1024);
  for (const char* spec : {"short", "short=7", "short:send", "short:recv"}) {
    SCOPED_TRACE(spec);
    fault::Scope faults(fault::parse(spec));
    EXPECT_EQ(round_trip(data), data);
  }
}

TEST(Faults, HelpersRetryInterruptedCalls) {
  Step step(4, 6, "eintr%2", "every second send()/recv() fails with EINTR: the helpers retry");
  fault::Scope faults(fault::parse("short=5,eintr%2"));
  const std::string data = pattern(4096);
  EXPECT_EQ(round_trip(data), data);
  EXPECT_GT(fault::failures_injected(), 100u) << "the plan should have fired many times";

  auto [a, b] = tcp_pair();
  send_all(a, "first line\r\nsecond \xe4\xb8\xad line\nlast");
  a.shutdown(Shutdown::write);
  LineReader lines(b);
  EXPECT_EQ(lines.read_line(), "first line");
  EXPECT_EQ(lines.read_line(), "second \xe4\xb8\xad line");
  EXPECT_EQ(lines.read_line(), "last");
  EXPECT_EQ(lines.read_line(), std::nullopt);
}

TEST(Faults, WouldBlockLosesNoBufferedBytes) {
  Step step(5, 6, "eagain@N:recv",
            "a recv() that would block in the middle of a line: retrying loses nothing");
  auto [a, b] = tcp_pair();
  send_all(a, "one\ntwo and more\n");
  a.shutdown(Shutdown::write);
  fault::Scope faults(fault::parse("short=4:recv,eagain@3:recv"));
  LineReader lines(b);
  std::vector<std::string> got;
  int would_block = 0;
  for (int i = 0; i < 10; ++i) {  // bounded
    std::error_code ec;
    auto line = lines.read_line(ec);
    if (is_would_block(ec)) {
      ++would_block;
      continue;  // a non-blocking program would wait for readiness, then call again
    }
    ASSERT_FALSE(ec) << ec.message();
    if (!line) break;
    got.push_back(*line);
  }
  EXPECT_EQ(would_block, 1);
  EXPECT_EQ(got, (std::vector<std::string>{"one", "two and more"}));

  // recv_exact's error_code form says how far it got, so the caller can go on.
  auto [c, d] = tcp_pair();
  send_all(c, "0123456789");
  fault::set(fault::parse("short=3:recv,eagain@2:recv"));
  std::string buf(10, '\0');
  std::error_code ec;
  std::size_t got_bytes = recv_exact(d, buf, ec);
  EXPECT_TRUE(is_would_block(ec)) << ec.message();
  EXPECT_EQ(got_bytes, 3u);
  recv_exact(d, std::span<char>(buf).subspan(got_bytes));
  EXPECT_EQ(buf, "0123456789");
}

TEST(Faults, ResetIsReportedNotHidden) {
  Step step(6, 6, "reset@3:send", "the third send() fails with ECONNRESET: send_all says so");
  auto [a, b] = tcp_pair();
  fault::Scope faults(fault::parse("short=2:send,reset@3:send"));
  std::error_code ec;
  std::size_t sent = send_all(a, "abcdefgh", ec);
  EXPECT_EQ(ec, std::errc::connection_reset);
  EXPECT_EQ(sent, 4u) << "two sends of 2 bytes went through before the reset";
  try {
    send_all(a, "x");  // the plan fires once: this one succeeds
    fault::set(fault::parse("reset@1"));
    send_all(a, "y");
    ADD_FAILURE() << "send_all should have thrown";
  } catch (const Error& e) {
    narrate(std::string("  ") + e.what());
    EXPECT_EQ(e.code(), std::errc::connection_reset);
    EXPECT_EQ(e.call(), "send_all");
  }
}

TEST(Faults, FrameReaderUnderShortIoInterruptsAndWouldBlock) {
  Step step(1, 1, "FrameReader with short=3, eintr%4 and eagain%5 on recv",
            "every frame comes back whole; EINTR is retried; after EAGAIN a retry loses nothing");
  for (const char* spec : {"short=3,eintr%4", "short=3:recv,eagain%5:recv"}) {
    SCOPED_TRACE(spec);
    auto [a, b] = tcp_pair();
    const std::string big = pattern(10000);
    send_frame(a, "first");
    send_frame(a, "");
    send_frame(a, big);
    a.shutdown(Shutdown::write);
    fault::Scope faults(fault::parse(spec));
    FrameReader frames(b);
    std::vector<std::string> got;
    for (int i = 0; i < 20000; ++i) {  // bounded
      std::error_code ec;
      auto frame = frames.read_frame(ec);
      if (is_would_block(ec)) continue;
      ASSERT_FALSE(ec) << ec.message();
      if (!frame) break;
      got.push_back(*frame);
    }
    EXPECT_EQ(got, (std::vector<std::string>{"first", "", big}));
    EXPECT_GT(fault::failures_injected(), 0u);
  }
}

// --- a whole program: SOCKLAB_FAULTS in its environment --------------------------------

class FaultyEchoServer : public ::testing::Test {
 protected:
  void start(const std::string& faults) {
    ScopedEnvironment env("SOCKLAB_FAULTS", faults);
    server_ = Program::start("echo_server", {"--port", "0"});
    address_ = server_->listening_address(std::chrono::seconds(30));
    ASSERT_NE(address_.port(), 0);
  }
  std::optional<Program> server_;
  Address address_;
};

TEST_F(FaultyEchoServer, ServesCorrectlyWithOneByteCalls) {
  Step step(1, 2, "SOCKLAB_FAULTS=short echo_server",
            "each recv() returns one byte, so each reply is PREFIX + one byte");
  start("short");
  Socket c = Socket::tcp();
  c.set_recv_timeout(std::chrono::seconds(10));
  c.connect(address_);
  send_all(c, "hi!");
  const std::string prefix = "\u6536\u5230\u60a8\u7684\u6d88\u606f:";
  std::string expected = prefix + "h" + prefix + "i" + prefix + "!";
  std::string got(expected.size(), '\0');
  recv_exact(c, got);
  EXPECT_EQ(got, expected) << "one recv() per byte: the server must reply to each, intact";
  c.close();
  server_->stop();
  EXPECT_EQ(server_->stderr_text(), "") << "no errors, no sanitizer reports";
}

TEST_F(FaultyEchoServer, OneClientsResetDoesNotStopTheServer) {
  Step step(2, 2, "SOCKLAB_FAULTS=reset@2:recv echo_server",
            "the server's 2nd recv() fails with ECONNRESET: it drops that client, serves the next");
  start("reset@2:recv");
  Socket first = Socket::tcp();
  first.set_recv_timeout(std::chrono::seconds(10));
  first.connect(address_);
  send_all(first, "one");
  std::array<char, 256> buffer;
  std::string reply;
  for (int i = 0; i < 200 && reply.find("one") == std::string::npos; ++i) {  // bounded
    Received r = first.recv(buffer);
    if (r.eof) break;
    reply.append(buffer.data(), r.bytes);
  }
  EXPECT_NE(reply.find("one"), std::string::npos) << "the first recv() worked normally";
  // The 2nd recv() fails: the server closes this connection and says why.
  std::error_code ec;
  Received r = first.recv(buffer, ec);
  EXPECT_TRUE(r.eof || ec) << "the server should have closed the connection";
  Socket second = Socket::tcp();
  second.set_recv_timeout(std::chrono::seconds(10));
  second.connect(address_);
  send_all(second, "two");
  std::string got(std::string_view("\u6536\u5230\u60a8\u7684\u6d88\u606f:two").size(), '\0');
  recv_exact(second, got);
  EXPECT_EQ(got, "\u6536\u5230\u60a8\u7684\u6d88\u606f:two");
  second.close();
  server_->stop();
  narrate("  server stderr: " + server_->first_stderr_line());
  EXPECT_NE(server_->stderr_text().find("Connection reset"), std::string::npos)
      << "the server should name the failure of the first client";
}
