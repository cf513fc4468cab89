// Lesson 05 — UDP, step by step (`ctest -L lesson05 -V` reads like the lesson).
//
// Part 1 (Lesson05Demo): the calls one by one in this process, each pitfall
// first done the naive way (and failing), then right.
// Part 2 (Lesson05Programs): the real udp_echo_server and udp_client, end to end.
//
// Lesson05Demo is a demonstration: the kit makes the calls, not your code, so it
// passes before you write a line and `make progress` does not count it.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

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

// A UDP socket on 127.0.0.1 and a free port, with a receive timeout so that a
// missing datagram fails the test instead of hanging it.
Socket bound_udp(std::chrono::milliseconds timeout = 5s) {
  Socket s = Socket::udp();
  s.bind(Address::parse("127.0.0.1:0"));
  s.set_recv_timeout(timeout);
  return s;
}

std::string text(const std::array<char, 2048>& buffer, const ReceivedFrom& got) {
  return std::string(buffer.data(), got.bytes);
}

// A port on which nobody receives: bound once (so it was free), then closed.
Address closed_udp_port() {
  Socket s = Socket::udp();
  s.bind(Address::parse("127.0.0.1:0"));
  return s.local_address();
}

// An echo server on its own thread that ignores the first `drop` datagrams and
// answers `answers` datagrams, then stops. Bounded by its receive timeout.
class TestServer {
 public:
  enum class Mode { drop_first, answer_first_late };
  TestServer(Mode mode, int answers) : sock_(bound_udp(3s)) {
    address_ = sock_.local_address();
    thread_ = std::thread([this, mode, answers] { run(mode, answers); });
  }
  ~TestServer() { thread_.join(); }
  const Address& address() const { return address_; }

 private:
  void run(Mode mode, int answers) {
    std::array<char, 2048> buffer;
    std::error_code ec;
    int received = 0;
    std::string held;  // answer_first_late: the first request, answered later
    Address held_from;
    for (int answered = 0; answered < answers && received < 20;) {
      ReceivedFrom got = sock_.recv_from(buffer, ec);
      if (ec) return;  // timed out: the client is gone
      std::string data(buffer.data(), got.bytes);
      if (++received == 1) {
        if (mode == Mode::drop_first) continue;  // "lost"
        held = data;
        held_from = got.from;
        continue;
      }
      if (!held.empty()) {  // the late answer to the first copy goes out first
        sock_.send_to(held, held_from, ec);
        held.clear();
      }
      sock_.send_to(data, got.from, ec);
      ++answered;
    }
  }
  Socket sock_;
  Address address_;
  std::thread thread_;
};

// Sends `request` and waits for one reply: once (tries = 1) or again after each timeout.
std::optional<std::string> request_reply(Socket& client, const Address& server,
                                         const std::string& request, int tries) {
  std::array<char, 2048> buffer;
  for (int attempt = 1; attempt <= tries; ++attempt) {
    client.send_to(request, server);
    std::error_code ec;
    ReceivedFrom got = client.recv_from(buffer, ec);
    if (ec == std::errc::timed_out) {
      test::detail("  " + trf("try {}: no reply before the timeout", attempt));
      continue;
    }
    if (ec) throw Error(ec, "recvfrom");
    return text(buffer, got);
  }
  return std::nullopt;
}

}  // namespace

// --- Part 1: the calls ---------------------------------------------------------

TEST(Lesson05Demo, Step1_ADatagramSocketNeedsNoListenOrAccept) {
  Step step(1, 8, "socket(SOCK_DGRAM) + bind()", "that is all a UDP server sets up");
  Socket server = bound_udp();
  std::error_code ec;
  server.listen(5, ec);
  test::detail(trf("listen() on a UDP socket fails: {}", ec.message()));
  EXPECT_TRUE(ec) << tr("listen() is for connection-oriented sockets only");
  EXPECT_NE(server.local_address().port(), 0);
}

TEST(Lesson05Demo, Step2_RecvfromSaysWhoSentAndSendtoAnswersThem) {
  Step step(2, 8, "recvfrom() / sendto()", "each datagram carries its sender's address");
  Socket server = bound_udp();
  Socket alice = bound_udp(), bob = bound_udp();
  alice.send_to("from alice", server.local_address());
  bob.send_to("from bob", server.local_address());
  std::array<char, 2048> buffer;
  for (int i = 0; i < 2; ++i) {
    ReceivedFrom got = server.recv_from(buffer);
    std::string data = text(buffer, got);
    test::detail(trf("{} sent '{}'", got.from.to_string(), data));
    EXPECT_EQ(got.from, data == "from alice" ? alice.local_address() : bob.local_address());
    server.send_to("reply to " + data, got.from);
  }
  EXPECT_EQ(text(buffer, alice.recv_from(buffer)), "reply to from alice");
  EXPECT_EQ(text(buffer, bob.recv_from(buffer)), "reply to from bob");
}

TEST(Lesson05Demo, Step3_MessageBoundariesAreKept) {
  Step step(3, 8, "3 x sendto(), 3 x recvfrom(2048)",
            "one recvfrom() returns one datagram, never two merged, never half of one");
  Socket server = bound_udp(), client = bound_udp();
  for (const char* m : {"one", "two", "three"}) client.send_to(m, server.local_address());
  // All three are queued before we read, and the buffer could hold all of them:
  // TCP would hand back "onetwothree" here (lesson 06); UDP gives one datagram per call.
  std::array<char, 2048> buffer;
  for (const char* m : {"one", "two", "three"}) {
    ReceivedFrom got = server.recv_from(buffer);
    EXPECT_EQ(text(buffer, got), m);
    EXPECT_FALSE(got.truncated);
  }
}

TEST(Lesson05Demo, Step4_ADatagramLargerThanTheBufferIsTruncated) {
  Step step(4, 8, tr("recvfrom(8 bytes) of a 16-byte datagram"),
            "the first 8 bytes arrive, the rest is discarded: no second recvfrom() gets it");
  Socket server = bound_udp(), client = bound_udp();
  client.send_to("0123456789abcdef", server.local_address());
  client.send_to("next", server.local_address());

  std::array<char, 8> small;
  ReceivedFrom got = server.recv_from(small);
  EXPECT_EQ(std::string(small.data(), got.bytes), "01234567");
  EXPECT_TRUE(got.truncated) << tr("the layer must say that the datagram did not fit");

  // The naive expectation (TCP habits): "read again to get the rest".
  got = server.recv_from(small);
  std::string second(small.data(), got.bytes);
  test::detail(trf("naive: a second recvfrom() for the rest returns '{}'", second));
  EXPECT_NE(second, "89abcdef") << tr("UDP does not keep the tail of a truncated datagram");
  EXPECT_EQ(second, "next") << tr("the second call returns the NEXT datagram");
  EXPECT_FALSE(got.truncated);

  // Right: a buffer for the largest datagram you accept (65507 bytes is the most IPv4 carries).
  client.send_to("0123456789abcdef", server.local_address());
  std::array<char, 2048> buffer;
  got = server.recv_from(buffer);
  EXPECT_EQ(text(buffer, got), "0123456789abcdef");
  EXPECT_FALSE(got.truncated);
}

TEST(Lesson05Demo, Step5_AnUnconnectedSocketNeverHearsOfTheClosedPort) {
  Step step(5, 8, tr("sendto(closed port), recvfrom()"),
            "naive: the ICMP 'port unreachable' is not reported; we wait out the timeout");
  Address nobody = closed_udp_port();
  Socket client = bound_udp(200ms);
  client.send_to("anyone there?", nobody);
  std::array<char, 2048> buffer;
  std::error_code ec;
  auto start = std::chrono::steady_clock::now();
  client.recv_from(buffer, ec);
  auto waited = std::chrono::steady_clock::now() - start;
  test::detail(trf("unconnected: recvfrom() says '{}' after the full timeout", ec.message()));
  EXPECT_EQ(ec, std::errc::timed_out);
  EXPECT_GE(waited, 150ms);
}

TEST(Lesson05Demo, Step6_AConnectedSocketGetsConnectionRefused) {
  Step step(6, 8, tr("connect() + send() to a closed port, then recvfrom()"),
            "connected UDP: the ICMP error surfaces as ECONNREFUSED on the next call");
  if (std::string wine = socklab::system::emulator(); !wine.empty())
    GTEST_SKIP() << trf(
        "{} never passes the ICMP port unreachable on to a connected UDP socket "
        "(Windows does, as WSAECONNRESET, and Linux as ECONNREFUSED)",
        wine);
  Address nobody = closed_udp_port();
  Socket client = bound_udp(2s);
  client.connect(nobody);  // no packet: the kernel just records the peer
  (void)client.send("anyone there?");
  std::array<char, 2048> buffer;
  std::error_code ec;
  auto start = std::chrono::steady_clock::now();
  client.recv_from(buffer, ec);
  auto waited = std::chrono::steady_clock::now() - start;
  test::detail(trf("connected: recvfrom() says '{}' at once", ec.message()));
  EXPECT_EQ(ec, std::errc::connection_refused);
  EXPECT_LT(waited, 1500ms) << tr("the error must come from the ICMP message, not the timeout");
}

TEST(Lesson05Demo, Step6b_AConnectedSocketOnlyHearsItsPeer) {
  Step step(6, 8, tr("connect(server): datagrams from others are dropped"),
            "a connected UDP socket receives from the connected address only");
  Socket server = bound_udp(), stranger = bound_udp();
  Socket client = bound_udp(2s);
  client.connect(server.local_address());
  stranger.send_to("from a stranger", client.local_address());
  server.send_to("from the server", client.local_address());
  std::array<char, 2048> buffer;
  ReceivedFrom got = client.recv_from(buffer);
  EXPECT_EQ(text(buffer, got), "from the server");
  EXPECT_EQ(got.from, server.local_address());
}

TEST(Lesson05Demo, Step7_TimeoutAndRetrySurviveALostRequest) {
  Step step(7, 8, tr("request, timeout, send again"),
            "the server 'loses' the first request; only a client that retries gets an answer");
  {
    TestServer lossy(TestServer::Mode::drop_first, 1);
    Socket naive = bound_udp(200ms);
    test::detail(tr("naive client, one try, no retry:"));
    EXPECT_EQ(request_reply(naive, lossy.address(), "ping", 1), std::nullopt)
        << tr("without a retry, the lost request is never answered");
    // Let the test server finish now instead of at its own timeout.
    EXPECT_EQ(request_reply(naive, lossy.address(), "bye", 1), "bye");
  }
  TestServer lossy(TestServer::Mode::drop_first, 1);
  Socket client = bound_udp(200ms);
  test::detail(tr("client with a timeout and up to 3 tries:"));
  EXPECT_EQ(request_reply(client, lossy.address(), "ping", 3), "ping")
      << tr("the second copy of the request must be answered");
}

namespace {

// The lesson client's rule: each request starts with an id; a reply with
// another id is a late answer to an earlier request and is skipped.
std::optional<std::string> request_reply_with_id(Socket& client, const Address& server, int id,
                                                 const std::string& message, int tries) {
  const std::string prefix = std::to_string(id) + " ";
  std::array<char, 2048> buffer;
  for (int attempt = 1; attempt <= tries; ++attempt) {
    client.send_to(prefix + message, server);
    for (int stale = 0; stale < 100; ++stale) {
      std::error_code ec;
      ReceivedFrom got = client.recv_from(buffer, ec);
      if (ec == std::errc::timed_out) break;
      if (ec) throw Error(ec, "recvfrom");
      std::string reply = text(buffer, got);
      if (reply.rfind(prefix, 0) == 0) return reply.substr(prefix.size());
      test::detail("  " + trf("skipped a late reply: '{}'", reply));
    }
  }
  return std::nullopt;
}

}  // namespace

TEST(Lesson05Demo, Step8_ALateReplyIsNotTheAnswerToTheNextRequest) {
  Step step(8, 8, tr("retry + a late reply"),
            "the first copy's answer comes after all; without ids it is taken for the next "
            "request's answer");
  {
    // The server holds the first request and answers it together with the retry.
    TestServer slow(TestServer::Mode::answer_first_late, 2);
    Socket naive = bound_udp(200ms);
    EXPECT_EQ(request_reply(naive, slow.address(), "A", 3), "A");
    auto b = request_reply(naive, slow.address(), "B", 3);
    test::detail(trf("naive client (no ids): the reply to 'B' is '{}'", b.value_or(tr("(none)"))));
    EXPECT_EQ(b, "A") << tr("the duplicate answer to A is read as the answer to B");
    EXPECT_EQ(request_reply(naive, slow.address(), "drain", 1), "B");  // B's answer, one late
  }
  TestServer slow(TestServer::Mode::answer_first_late, 2);
  Socket client = bound_udp(200ms);
  EXPECT_EQ(request_reply_with_id(client, slow.address(), 1, "A", 3), "A");
  EXPECT_EQ(request_reply_with_id(client, slow.address(), 2, "B", 3), "B")
      << tr("with ids the late '1 A' is skipped");
}

// --- Part 2: the real programs ---------------------------------------------------

class Lesson05Programs : public ::testing::Test {
 protected:
  Address start_server(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--port", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = Program::start("udp_echo_server", args);
    Address a = server_->listening_address();
    EXPECT_NE(a.port(), 0) << tr("udp_echo_server did not report its port");
    return a;
  }
  static Program client(const Address& server, std::vector<std::string> args) {
    std::vector<std::string> all{"--port", std::to_string(server.port())};
    all.insert(all.end(), args.begin(), args.end());
    return Program::start("udp_client", all);
  }
  std::optional<Program> server_;
};

TEST_F(Lesson05Programs, E2E1_EchoServerAndClientTalk) {
  Step step(1, 7, "udp_echo_server --port 0; udp_client hello 你好",
            "one datagram per message, each answered");
  Address server = start_server({"--count", "2"});
  Program c = client(server, {"hello", "\u4f60\u597d"});
  auto exit = c.wait();
  EXPECT_EQ(exit.code, 0) << c.stderr_text();
  EXPECT_EQ(c.stdout_text(), "reply: hello\nreply: \u4f60\u597d\n");
  EXPECT_EQ(server_->wait().code, 0) << server_->stderr_text();
  EXPECT_TRUE(test::contains(server_->stdout_text(), ": 7 bytes: 1 hello"))
      << server_->stdout_text();
}

TEST_F(Lesson05Programs, E2E2_OneTryLosesToADroppedDatagram) {
  Step step(2, 7, "udp_echo_server --drop 1; udp_client --tries 1",
            "naive: no retry, so the lost request means no answer (exit 1)");
  Address server = start_server({"--drop", "1"});
  Program c = client(server, {"--tries", "1", "--timeout", "200", "ping"});
  auto exit = c.wait();
  EXPECT_EQ(exit.code, 1);
  EXPECT_TRUE(test::contains(c.first_stderr_line(), "timed out")) << c.stderr_text();
  EXPECT_NE(server_->read_line().value_or("").find("1 ping"), std::string::npos);
}

TEST_F(Lesson05Programs, E2E3_RetryGetsTheAnswer) {
  Step step(3, 7, "udp_echo_server --drop 1; udp_client --tries 3",
            "the second copy of the request is answered");
  Address server = start_server({"--drop", "1", "--count", "1"});
  Program c = client(server, {"--tries", "3", "--timeout", "200", "ping"});
  auto exit = c.wait();
  EXPECT_EQ(exit.code, 0) << c.stderr_text();
  EXPECT_EQ(c.stdout_text(), "no reply within 200 ms (try 1 of 3)\nreply: ping\n");
  EXPECT_EQ(server_->wait().code, 0);
  EXPECT_TRUE(test::contains(server_->stdout_text(), "dropped"));
}

TEST_F(Lesson05Programs, E2E4_ASmallBufferTruncates) {
  Step step(4, 7, "udp_echo_server --buffer 8",
            "the server gets the first 8 bytes and says the rest is lost");
  Address server = start_server({"--buffer", "8", "--count", "1"});
  Program c = client(server, {"a much longer message"});
  auto exit = c.wait();
  EXPECT_EQ(exit.code, 0) << c.stderr_text();
  EXPECT_EQ(c.stdout_text(), "reply: a much\n") << tr("the echo of '1 a much' (8 bytes)");
  EXPECT_EQ(server_->wait().code, 0);
  EXPECT_TRUE(test::contains(server_->stdout_text(), "truncated"));
}

TEST_F(Lesson05Programs, E2E5_NoServerIsConnectionRefused) {
  Step step(5, 7, tr("udp_client to a closed port"),
            "connected UDP reports the ICMP port unreachable: refused, not a timeout");
  if (std::string wine = socklab::system::emulator(); !wine.empty())
    GTEST_SKIP() << trf(
        "{} never passes the ICMP port unreachable on to a connected UDP socket "
        "(Windows does, as WSAECONNRESET, and Linux as ECONNREFUSED)",
        wine);
  Program c = client(closed_udp_port(), {"--timeout", "2000", "hi"});
  auto start = std::chrono::steady_clock::now();
  auto exit = c.wait();
  EXPECT_EQ(exit.code, 1);
  EXPECT_TRUE(test::contains(c.first_stderr_line(), "Connection refused")) << c.stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(Lesson05Programs, E2E6_TheClientSkipsLateReplies) {
  Step step(6, 7, tr("udp_client against a server that answers late"),
            "the id shows a reply belongs to an earlier request");
  TestServer slow(TestServer::Mode::answer_first_late, 2);
  Program c = client(slow.address(), {"--timeout", "200", "A", "B"});
  auto exit = c.wait();
  EXPECT_EQ(exit.code, 0) << c.stderr_text();
  EXPECT_EQ(c.stdout_text(),
            "no reply within 200 ms (try 1 of 3)\nreply: A\n"
            "ignoring a late reply to an earlier request: 1 A\nreply: B\n");
}

struct BadInput {
  const char* name;
  const char* program;
  std::vector<std::string> args;
  const char* says;
};
void PrintTo(const BadInput& bad, std::ostream* os) {
  *os << bad.name;
}

TEST_F(Lesson05Programs, E2E7_PrintsWhatItReceivedEscaped) {
  Step step(7, 7, tr("a datagram with ESC [2J CR"),
            "the server's log shows \\x1b[2J\\r: a sender cannot repaint our terminal");
  Address server = start_server({"--count", "1"});
  Socket udp = Socket::udp(server.family());
  udp.set_recv_timeout(5s);
  const std::string hostile = "\x1b[2J\rgotcha";
  udp.send_to(hostile, server);
  std::array<char, 64> buffer;
  ReceivedFrom got = udp.recv_from(buffer);
  EXPECT_EQ(std::string(buffer.data(), got.bytes), hostile) << tr("the echo is unchanged");
  EXPECT_EQ(server_->wait().code, 0) << server_->stderr_text();
  const std::string& log = server_->stdout_text();
  EXPECT_NE(log.find("11 bytes: \\x1b[2J\\rgotcha\n"), std::string::npos) << log;
  EXPECT_EQ(log.find('\x1b'), std::string::npos) << tr("a raw ESC reached the terminal");
  EXPECT_EQ(log.find('\r'), std::string::npos) << tr("a raw CR reached the terminal");
}

class Lesson05BadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(Lesson05BadInput, UsageErrorIsOneLineAndExitCode2) {
  const BadInput& bad = GetParam();
  Program p = Program::start(bad.program, bad.args);
  auto exit = p.wait();
  EXPECT_EQ(exit.code, 2) << p.stderr_text();
  EXPECT_TRUE(test::contains(p.first_stderr_line(), bad.says)) << p.stderr_text();
  EXPECT_EQ(p.stdout_text(), "");
}

INSTANTIATE_TEST_SUITE_P(
    Lesson05, Lesson05BadInput,
    ::testing::Values(
        BadInput{"ClientNoMessage", "udp_client", {}, "MESSAGE"},
        BadInput{"ClientZeroTries", "udp_client", {"--tries", "0", "x"}, "--tries"},
        BadInput{"ServerZeroBuffer", "udp_echo_server", {"--buffer", "0"}, "--buffer"},
        BadInput{"ServerHugeBuffer", "udp_echo_server", {"--buffer", "70000"}, "--buffer"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });
