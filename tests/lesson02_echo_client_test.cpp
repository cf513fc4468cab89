// Lesson 02 — the echo client, step by step (`ctest -L lesson02 -V` reads like the lesson).
//
// Part 1 (Lesson02Demo): the client's calls one by one, against a listener in this process.
// Part 2 (Lesson02Client): the real program lessons/02_echo_client, end to end, against
// lesson 01's server and against a plain echo server that replies one byte at a time.
//
// Lesson02Demo is a demonstration: the kit makes the calls, not your code, so it
// passes before you write a line and `make progress` does not count it.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "socklab/socklab.hpp"
#include "support/narrate.hpp"
#include "support/programs.hpp"

using namespace socklab;
using socklab::test::Program;
using socklab::test::Step;
using socklab::test::tr;
using socklab::test::trf;

namespace {

const std::string kPrefix = "\u6536\u5230\u60a8\u7684\u6d88\u606f:";  // 收到您的消息:

Socket any_port_listener() {
  Socket s = Socket::tcp();
  s.bind(Address::parse("127.0.0.1:0"));
  s.listen(5);
  return s;
}

// Wakes a thread blocked in accept() on `listener`: if the client under test never
// connected (say, its connect() is not written yet), nothing else would, and the
// test would hang instead of failing.
void unblock_accept(const Socket& listener) {
  std::error_code ignored;
  Socket poke = Socket::tcp();
  poke.connect(listener.local_address(), ignored);
}

// Runs echo_client with args (plus the port), feeding it `stdin_text`.
struct ClientRun {
  test::Exit exit;
  std::string out, err;
};
ClientRun run_client(std::uint16_t port, std::vector<std::string> args,
                     const std::string& stdin_text = "") {
  std::vector<std::string> all{"--port", std::to_string(port)};
  all.insert(all.end(), args.begin(), args.end());
  Program p = Program::start("echo_client", all);
  p.write_stdin(stdin_text);
  p.close_stdin();
  ClientRun r;
  r.exit = p.wait();
  r.out = p.stdout_text();
  r.err = p.stderr_text();
  return r;
}

// A plain echo server in a thread: echoes every byte back ONE BYTE PER send(),
// so a client that reads a reply with a single recv() gets only part of it.
class TricklingEchoServer {
 public:
  TricklingEchoServer() : listener_(any_port_listener()) {
    thread_ = std::thread([this] {
      auto [conn, peer] = listener_.accept();
      conn.set_no_delay(true);
      std::array<char, 1024> buf;
      for (;;) {
        Received got = conn.recv(buf);
        if (got.eof) break;
        for (std::size_t i = 0; i < got.bytes; ++i) (void)conn.send(std::string_view(&buf[i], 1));
      }
    });
  }
  ~TricklingEchoServer() {
    unblock_accept(listener_);
    thread_.join();
  }
  std::uint16_t port() const { return listener_.local_address().port(); }

 private:
  Socket listener_;
  std::thread thread_;
};

}  // namespace

// --- Part 1: the calls ---------------------------------------------------------

TEST(Lesson02Demo, Step1_SocketOfTheServersFamily) {
  Step step(1, 5, "socket(AF_INET, SOCK_STREAM)",
            "of the server address's family; no bind(): connect() will pick our port");
  Socket client = Socket::tcp(Address::parse("127.0.0.1:8888").family());
  std::error_code ec;
  client.peer_address(ec);
  EXPECT_EQ(ec, std::errc::not_connected) << trf("no peer before connect(): {}", ec.message());
}

TEST(Lesson02Demo, Step2_ConnectCompletesTheHandshake) {
  Step step(2, 5, "connect(127.0.0.1:PORT)",
            "returns once the three-way handshake is done, before the server's accept()");
  Socket server = any_port_listener();
  Socket client = Socket::tcp();
  client.connect(server.local_address());
  EXPECT_EQ(client.peer_address(), server.local_address());
  test::detail(
      trf("connected from {} (the kernel chose our port)", client.local_address().to_string()));
  EXPECT_NE(client.local_address().port(), 0);
}

TEST(Lesson02Demo, Step3_SendPutsBytesOnTheWire) {
  Step step(3, 5, "send(\"hello\")", "send() returns how many bytes the kernel took");
  Socket server = any_port_listener();
  Socket client = Socket::tcp();
  client.connect(server.local_address());
  auto [conn, peer] = server.accept();
  EXPECT_EQ(client.send("hello"), 5u);
  std::string got(5, '\0');
  recv_exact(conn, got);
  EXPECT_EQ(got, "hello");
}

TEST(Lesson02Demo, Step4_OneRecvMayReturnPartOfTheReply) {
  Step step(4, 5, "recv(1024)",
            "TCP keeps no message boundaries: a reply sent in two pieces can arrive in two");
  Socket server = any_port_listener();
  Socket client = Socket::tcp();
  client.connect(server.local_address());
  auto [conn, peer] = server.accept();
  (void)conn.send(kPrefix);  // the first half of the reply ...
  std::array<char, 1024> buf;
  Received first = client.recv(buf);
  EXPECT_EQ(std::string(buf.data(), first.bytes), kPrefix)
      << tr("recv() returns what has arrived \u2014 here only the first piece");
  (void)conn.send("hello");  // ... and the rest
  Received second = client.recv(buf);
  EXPECT_EQ(std::string(buf.data(), second.bytes), "hello");
  test::detail(tr("so the client loops: recv() until the reply ends with what it sent"));
}

TEST(Lesson02Demo, Step5_CloseIsSeenAsEofByTheServer) {
  Step step(5, 5, "close()", "the server's recv() returns 0 bytes: the client is done");
  Socket server = any_port_listener();
  Socket client = Socket::tcp();
  client.connect(server.local_address());
  auto [conn, peer] = server.accept();
  client.close();
  std::array<char, 16> buf;
  EXPECT_TRUE(conn.recv(buf).eof);
}

// --- Part 2: the real program ----------------------------------------------------

TEST(Lesson02Client, E2E1_TalksToTheLesson01Server) {
  Step step(1, 6, "echo_client hello 你好", "each message's reply is printed as 'reply: ...'");
  Program server = Program::start("echo_server", {"--port", "0", "--once"});
  Address addr = server.listening_address();
  ASSERT_NE(addr.port(), 0);
  auto r = run_client(addr.port(), {"hello", "\u4f60\u597d"});
  EXPECT_EQ(r.exit.code, 0) << r.err;
  EXPECT_TRUE(test::contains(r.out, "reply: " + kPrefix + "hello\n"));
  EXPECT_TRUE(test::contains(r.out, "reply: " + kPrefix + "\u4f60\u597d\n"));
  // Only a client that talked closes: then the --once server exits. (A client that
  // failed leaves it waiting in accept(); the destructor stops it, at once.)
  if (r.exit.code == 0) {
    EXPECT_EQ(server.wait().code, 0) << tr("the server should see the client close and exit");
  }
}

TEST(Lesson02Client, E2E2_ReadsMessagesFromStdin) {
  Step step(2, 6, "echo_client < lines", "with no MESSAGE arguments, each stdin line is one");
  Program server = Program::start("echo_server", {"--port", "0", "--once"});
  Address addr = server.listening_address();
  ASSERT_NE(addr.port(), 0);
  auto r = run_client(addr.port(), {}, "one\ntwo\n");
  EXPECT_EQ(r.exit.code, 0) << r.err;
  auto first = r.out.find("reply: " + kPrefix + "one\n");
  auto second = r.out.find("reply: " + kPrefix + "two\n");
  EXPECT_NE(first, std::string::npos) << r.out;
  EXPECT_NE(second, std::string::npos) << r.out;
  EXPECT_LT(first, second) << tr("replies out of order");
}

TEST(Lesson02Client, E2E3_AssemblesARepliesThatTrickles) {
  Step step(3, 6, tr("a server that replies one byte per send()"),
            "the client must loop on recv() until the whole reply is there");
  TricklingEchoServer echo;
  const std::string msg = "a longer message, \u4f60\u597d, to arrive in many pieces";
  auto r = run_client(echo.port(), {msg});
  EXPECT_EQ(r.exit.code, 0) << r.err;
  EXPECT_TRUE(test::contains(r.out, "reply: " + msg + "\n"))
      << tr("one recv() returned only part of the reply: call recv() until the reply ends with "
            "the message (step 4)");
}

// The partial-send bug on the client's side: with SOCKLAB_FAULTS=short:send every
// send() moves one byte (docs/fault-injection.md), so only send_all() gets the
// whole message out. Numbered as the lesson's send step.
TEST(Lesson02Client, E2E6_SendsTheWholeMessageWhenSendIsShort) {
  Step step(3, 5, tr("send_all() with SOCKLAB_FAULTS=short:send"),
            "one send() may send less than asked: the whole message must leave anyway");
  TricklingEchoServer echo;
  const std::string msg = "hello, short sends";
  ClientRun r;
  {
    test::ScopedEnvironment faults("SOCKLAB_FAULTS", "short:send");
    r = run_client(echo.port(), {"--timeout", "2000", msg});
  }
  EXPECT_EQ(r.exit.code, 0) << r.err
                            << tr("one send() may send less \u2014 see send_all() (step 3)");
  EXPECT_TRUE(test::contains(r.out, "reply: " + msg + "\n"));
}

TEST(Lesson02Client, E2E4_ServerThatClosesWithoutReplying) {
  Step step(4, 6, tr("server closes early"),
            "one clear error line, exit 1 \u2014 no hang, no crash");
  Socket server = any_port_listener();
  std::thread rude([&] {
    auto [conn, peer] = server.accept();
    std::array<char, 64> buf;
    (void)conn.recv(buf);  // take the message, then close without a reply
  });
  auto r = run_client(server.local_address().port(), {"hello"});
  unblock_accept(server);
  rude.join();
  EXPECT_TRUE(r.exit.exited_normally());
  EXPECT_EQ(r.exit.code, 1);
  EXPECT_NE(r.err.find("recv(127.0.0.1:" + std::to_string(server.local_address().port()) +
                       "): The peer closed the connection"),
            std::string::npos)
      << r.err;
}

TEST(Lesson02Client, E2E5_ServerThatNeverReplies) {
  Step step(5, 6, tr("server never replies"),
            "--timeout bounds the wait; exit 1 names the timeout");
  Socket server = any_port_listener();  // the kernel accepts the connection; nobody reads
  auto r = run_client(server.local_address().port(), {"--timeout", "200", "hello"});
  EXPECT_TRUE(r.exit.exited_normally());
  EXPECT_EQ(r.exit.code, 1);
  EXPECT_TRUE(test::contains(r.err, "timed out"));
}

// --- bad input ------------------------------------------------------------------

TEST(Lesson02Client, E2E6_AHostNameIsTriedAddressByAddress) {
  Step step(6, 6, tr("echo_client --host localhost, server on its last address"),
            "each getaddrinfo() answer is tried in turn (lesson 04), not only the first");
  const std::vector<Address> all = cli::host_ports("localhost", 0);
  std::string names;
  for (const Address& a : all) names += " " + a.ip();
  test::detail(trf("localhost is{}; the server listens on the last one only", names));
  Program server =
      Program::start("echo_server", {"--host", all.back().ip(), "--port", "0", "--once"});
  Address addr = server.listening_address();
  ASSERT_NE(addr.port(), 0);
  auto r = run_client(addr.port(), {"--host", "localhost", "hello"});
  EXPECT_EQ(r.exit.code, 0) << r.err;
  EXPECT_NE(r.out.find("reply: " + kPrefix + "hello\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("connected to " + addr.to_string()), std::string::npos) << r.out;
  EXPECT_EQ(server.wait().code, 0) << server.stderr_text();
}

TEST(Lesson02BadInput, NoServerListening) {
  Socket s = Socket::tcp();
  s.bind(Address::parse("127.0.0.1:0"));
  std::uint16_t port = s.local_address().port();
  s.close();  // now nobody has this port
  auto r = run_client(port, {"hello"});
  EXPECT_TRUE(r.exit.exited_normally());
  EXPECT_EQ(r.exit.code, 1);
  // The hint in the student's language (SOCKLAB_LANG, the locale): the program and this
  // test choose it by the same rule. The error's own text stays as the system says it.
  EXPECT_TRUE(test::contains(r.err, "Connection refused \u2014 " + tr("is the server running?")))
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// SOCKLAB_LANG=zh-CN: the same line, its hint in Chinese; SOCKLAB_LANG=en: in English,
// whatever the locale says. Without SOCKLAB_LANG: the first of LC_ALL, LC_MESSAGES, LANG
// that is set; zh... is Chinese. The rule of scripts/say.sh (socklab/cli/language.hpp).
TEST(Lesson02BadInput, NoServerListeningSaysItInTheStudentsLanguage) {
  Socket s = Socket::tcp();
  s.bind(Address::parse("127.0.0.1:0"));
  std::uint16_t port = s.local_address().port();
  s.close();
  const std::string chinese = "\u670d\u52a1\u5668\u5728\u8fd0\u884c\u5417\uff1f";
  const std::string english = "is the server running?";
  struct Case {
    const char* socklab_lang;
    const char* lc_all;
    const char* lc_messages;
    const char* lang;
    bool is_chinese;
  };
  const char* names[] = {"SOCKLAB_LANG", "LC_ALL", "LC_MESSAGES", "LANG"};
  std::vector<std::optional<std::string>> saved;
  for (const char* name : names) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
    saved.push_back(value ? std::optional<std::string>(value) : std::nullopt);
  }
  for (const Case& c : {Case{"zh-CN", nullptr, nullptr, "C.UTF-8", true},
                        Case{"en", "zh_CN.UTF-8", nullptr, nullptr, false},
                        Case{"fr", nullptr, nullptr, "zh_CN.UTF-8", false},
                        Case{"", nullptr, nullptr, "zh_CN.UTF-8", true},
                        Case{nullptr, nullptr, nullptr, "zh_CN.UTF-8", true},
                        Case{nullptr, "C", nullptr, "zh_CN.UTF-8", false},
                        Case{nullptr, nullptr, "zh_TW.UTF-8", "en_US.UTF-8", true}}) {
    const char* values[] = {c.socklab_lang, c.lc_all, c.lc_messages, c.lang};
    std::string shown;
    for (int i = 0; i < 4; ++i) {
      test::set_environment(names[i],
                            values[i] ? std::optional<std::string>(values[i]) : std::nullopt);
      if (values[i]) shown += std::string(names[i]) + "=" + values[i] + " ";
    }
    ClientRun r = run_client(port, {"hello"});
    EXPECT_EQ(r.exit.code, 1) << r.err;
    EXPECT_TRUE(test::contains(
        r.err, "echo_client: error: connect(127.0.0.1:" + std::to_string(port) +
                   "): Connection refused \u2014 " + (c.is_chinese ? chinese : english)))
        << shown << r.err;
  }
  for (int i = 0; i < 4; ++i) test::set_environment(names[i], saved[static_cast<std::size_t>(i)]);
}

TEST(Lesson02BadInput, UsageErrorsExitTwo) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--port", "70000"},
                                        {"--port", "abc"},
                                        {"--timeout", "soon"},
                                        {"--bogus"}}) {
    Program p = Program::start("echo_client", args);
    auto exit = p.wait();
    EXPECT_TRUE(exit.exited_normally());
    EXPECT_EQ(exit.code, 2) << args[0] << ": " << p.stderr_text();
    EXPECT_TRUE(test::contains(p.stderr_text(), "usage:"));
  }
}

TEST(Lesson02BadInput, UnknownHost) {
  Program p = Program::start("echo_client", {"--host", "no.such.host.invalid", "hi"});
  auto exit = p.wait();
  EXPECT_TRUE(exit.exited_normally());
  EXPECT_EQ(exit.code, 1);
  EXPECT_TRUE(test::contains(p.stderr_text(), "no.such.host.invalid"));
}
