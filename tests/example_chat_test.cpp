// Example: chat (`ctest -L example_chat -V`).
//
// Part 1: the protocol's pure parts (lines, commands, nicknames, the bounded outbox).
// Part 2: the real chat_server with several clients at once — raw sockets, the
// example's chat_client, and `nc` (netcat) as a third-party client — and a
// client that stops reading, which must not stall the others.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "chat_protocol.hpp"
#include "socklab/socklab.hpp"
#include "support/narrate.hpp"
#include "support/programs.hpp"

using namespace socklab;
using namespace std::chrono_literals;
using socklab::test::Program;
using socklab::test::Step;
using Clock = std::chrono::steady_clock;

namespace {

// A test's own chat client: a socket with a line reader; every read is bounded.
struct Peer {
  explicit Peer(const Address& server, int recv_buffer = 0) {
    if (recv_buffer > 0) sock.set_recv_buffer_size(recv_buffer);  // before connect: the window
    sock.connect(server);
    sock.set_recv_timeout(5s);
    lines = std::make_unique<LineReader>(sock, 1 << 20);
  }
  std::string line() {
    std::error_code ec;
    auto l = lines->read_line(ec);
    return ec ? "(error: " + ec.message() + ")" : l.value_or("(eof)");
  }
  void say(std::string_view text) { send_all(sock, std::string(text) + "\n"); }
  // Connects, reads the greeting, picks a nickname, reads the welcome.
  static std::unique_ptr<Peer> join(const Address& server, std::string_view nick, int rcvbuf = 0) {
    auto p = std::make_unique<Peer>(server, rcvbuf);
    EXPECT_EQ(p->line(), "* welcome to socklab chat; your nickname?");
    p->say(nick);
    EXPECT_EQ(p->line().rfind(fmt::format("* welcome, {}!", nick), 0), 0u);
    return p;
  }
  Socket sock = Socket::tcp();
  std::unique_ptr<LineReader> lines;
};

}  // namespace

// --- Part 1: the protocol -----------------------------------------------------

TEST(ExampleChatProtocol, Step1_CommandsAndNicknames) {
  Step step(1, 11, "parse_line()",
            "a line is a message unless it starts with '/'; '//' escapes it");
  EXPECT_EQ(chat::parse_line("hello").kind, chat::Command::message);
  EXPECT_EQ(chat::parse_line("/who").kind, chat::Command::who);
  EXPECT_EQ(chat::parse_line("/quit").kind, chat::Command::quit);
  auto nick = chat::parse_line("/nick   bob  ");
  EXPECT_EQ(nick.kind, chat::Command::nick);
  EXPECT_EQ(nick.text, "bob");
  auto slash = chat::parse_line("//etc is a path");
  EXPECT_EQ(slash.kind, chat::Command::message);
  EXPECT_EQ(slash.text, "/etc is a path");
  auto unknown = chat::parse_line("/kick bob");
  EXPECT_EQ(unknown.kind, chat::Command::unknown);
  EXPECT_EQ(unknown.text, "/kick");
  EXPECT_EQ(chat::parse_line("").kind, chat::Command::empty);
  EXPECT_TRUE(chat::valid_nickname("alice_2-b"));
  EXPECT_FALSE(chat::valid_nickname(""));
  EXPECT_FALSE(chat::valid_nickname("with space"));
  EXPECT_FALSE(chat::valid_nickname("seventeen_chars_x"));
  EXPECT_FALSE(chat::valid_nickname("<bob>"));
}

TEST(ExampleChatProtocol, Step2_LinesArriveInPiecesAndOutboxesHaveALimit) {
  Step step(2, 11, "LineBuffer + Outbox",
            "bytes become lines however recv() cuts them; a queue refuses to pass its limit");
  chat::LineBuffer in(8);
  in.append("hel");
  EXPECT_FALSE(in.next_line());
  in.append("lo\r\nwor");
  EXPECT_EQ(in.next_line(), "hello");
  EXPECT_FALSE(in.next_line());
  in.append("ld\n\n");
  EXPECT_EQ(in.next_line(), "world");
  EXPECT_EQ(in.next_line(), "");
  EXPECT_FALSE(in.overflowed());
  in.append("123456789");  // 9 bytes, no newline, max 8
  EXPECT_TRUE(in.overflowed());

  chat::Outbox out(10);
  EXPECT_TRUE(out.push("12345"));
  EXPECT_TRUE(out.push("67890"));
  EXPECT_FALSE(out.push("x")) << "11 bytes would pass the limit of 10";
  EXPECT_EQ(out.pending(), "1234567890");
  out.consume(4);
  EXPECT_EQ(out.pending(), "567890");
  EXPECT_TRUE(out.push("abcd"));
  EXPECT_EQ(out.pending(), "567890abcd");
  out.replace_with("bye\n");  // "1234" went out: the rest of that unfinished line goes first
  EXPECT_EQ(out.pending(), "567890abcdbye\n");
  out.consume(out.size());
  EXPECT_TRUE(out.empty());
  out.replace_with("bye\n");  // nothing half sent: only the goodbye
  EXPECT_EQ(out.pending(), "bye\n");
  chat::Outbox half(100);  // a line half sent is finished before the goodbye
  EXPECT_TRUE(half.push("one\ntwo\nthree\n"));
  half.consume(6);  // "one\ntw"
  half.replace_with("bye\n");
  EXPECT_EQ(half.pending(), "o\nbye\n");
}

// --- Part 2: the server ---------------------------------------------------------

TEST(ExampleChatServer, Step3_JoinBroadcastWhoQuit) {
  Step step(3, 11, "two clients",
            "join notices, a broadcast to the others (not back), /who, /quit");
  auto server = Program::start("chat_server", {"--port", "0"});
  Address addr = server.listening_address();
  auto alice = Peer::join(addr, "alice");
  auto bob = Peer::join(addr, "bob");
  EXPECT_EQ(alice->line(), "* bob joined");

  alice->say("hello, bob");
  EXPECT_EQ(bob->line(), "<alice> hello, bob");
  alice->say("/who");  // alice's next line must be the answer, not her own message
  EXPECT_EQ(alice->line(), "* here: alice, bob (2)");

  auto taken = std::make_unique<Peer>(addr);
  EXPECT_EQ(taken->line(), "* welcome to socklab chat; your nickname?");
  taken->say("bob");
  EXPECT_EQ(taken->line(), "* bob is taken; your nickname?");
  taken->say("no spaces please");
  EXPECT_EQ(taken->line(), "* a nickname is 1-16 letters, digits, _ or -; your nickname?");
  taken.reset();  // leaves before choosing a name: nobody is told

  bob->say("/nick robert");
  EXPECT_EQ(bob->line(), "* you are now robert");
  EXPECT_EQ(alice->line(), "* bob is now robert");
  bob->say("/dance");
  EXPECT_EQ(bob->line(), "* unknown command /dance (try /who, /nick NAME, /quit)");
  bob->say("/quit");
  EXPECT_EQ(bob->line(), "* bye");
  EXPECT_EQ(bob->line(), "(eof)") << "after /quit the server closes the connection";
  EXPECT_EQ(alice->line(), "* robert left (quit)");
}

TEST(ExampleChatServer, Step4_NetcatIsARealClient) {
  auto nc = test::find_on_path("nc");
  if (!nc) GTEST_SKIP() << "nc (netcat) not installed: apt-get install netcat-openbsd";
  Step step(4, 11, "nc 127.0.0.1 PORT", "a third-party client speaks the line protocol unchanged");
  auto server = Program::start("chat_server", {"--port", "0"});
  Address addr = server.listening_address();
  auto alice = Peer::join(addr, "alice");

  auto carol = Program::start_path(*nc, {addr.ip(), std::to_string(addr.port())});
  EXPECT_EQ(carol.read_line(), "* welcome to socklab chat; your nickname?");
  carol.write_stdin("carol\nhello from netcat\n");
  EXPECT_EQ(carol.read_line().value_or("").rfind("* welcome, carol!", 0), 0u);
  EXPECT_EQ(alice->line(), "* carol joined");
  EXPECT_EQ(alice->line(), "<carol> hello from netcat");
  alice->say("hi carol");
  EXPECT_EQ(carol.read_line(), "<alice> hi carol");
  carol.write_stdin("/quit\n");
  EXPECT_EQ(carol.read_line(), "* bye");
  auto exit = carol.wait(10s);
  EXPECT_TRUE(exit.exited_normally()) << "nc ends when the server closes";
  EXPECT_EQ(alice->line(), "* carol left (quit)");
}

TEST(ExampleChatServer, Step5_TheChatClientProgram) {
  Step step(5, 11, "chat_client --nick dave",
            "stdin lines go out, server lines are printed; end of stdin sends /quit");
  auto server = Program::start("chat_server", {"--port", "0"});
  Address addr = server.listening_address();
  auto alice = Peer::join(addr, "alice");
  auto dave =
      Program::start("chat_client", {"--port", std::to_string(addr.port()), "--nick", "dave"});
  EXPECT_EQ(dave.read_line(), "* welcome to socklab chat; your nickname?");
  EXPECT_EQ(dave.read_line().value_or("").rfind("* welcome, dave!", 0), 0u);
  EXPECT_EQ(alice->line(), "* dave joined");
  dave.write_stdin("typed on a keyboard\n");
  EXPECT_EQ(alice->line(), "<dave> typed on a keyboard");
  alice->say("welcome, dave");
  EXPECT_EQ(dave.read_line(), "<alice> welcome, dave");
  dave.close_stdin();
  EXPECT_EQ(dave.read_line(), "* bye");
  auto exit = dave.wait(10s);
  EXPECT_TRUE(exit.exited_normally());
  EXPECT_EQ(exit.code, 0);
  EXPECT_EQ(alice->line(), "* dave left (quit)");
}

TEST(ExampleChatServer, Step6_AStuckClientDoesNotStallTheOthers) {
  Step step(6, 11, "a client that never reads",
            "its queue fills to --max-queue, it is dropped; the others never wait");
  auto server =
      Program::start("chat_server", {"--port", "0", "--max-queue", "65536", "--grace-ms", "20000"});
  Address addr = server.listening_address();
  auto alice = Peer::join(addr, "alice");
  auto bob = Peer::join(addr, "bob");
  EXPECT_EQ(alice->line(), "* bob joined");
  auto zed = Peer::join(addr, "zed", 4096);  // a small window: its kernel buffers fill fast
  EXPECT_EQ(alice->line(), "* zed joined");
  EXPECT_EQ(bob->line(), "* zed joined");

  // alice talks, bob reads every line at once, zed reads nothing.
  const std::string filler(1000, 'z');
  bool dropped = false;
  std::chrono::milliseconds slowest{0};
  int sent = 0;
  for (; sent < 20000 && !dropped; ++sent) {
    alice->say(fmt::format("{:05} {}", sent, filler));
    const auto t0 = Clock::now();
    std::string got = bob->line();
    slowest =
        std::max(slowest, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0));
    if (got == "* zed left (too far behind)") {
      dropped = true;
      got = bob->line();  // the message that pushed zed over
    }
    ASSERT_EQ(got, fmt::format("<alice> {:05} {}", sent, filler)) << "bob missed a line";
  }
  ASSERT_TRUE(dropped) << "zed was never dropped after " << sent << " messages";
  test::narrate(fmt::format("zed dropped after {} KiB of chat; bob's slowest line took {} ms", sent,
                            slowest.count()));
  EXPECT_LT(slowest, 2000ms) << "bob waited for zed";

  // zed reads at last: old lines, then the goodbye, then EOF — nothing is cut mid-line.
  std::string last, line;
  for (int i = 0; i < 100000 && (line = zed->line()) != "(eof)"; ++i) last = line;
  EXPECT_EQ(last, "* disconnected: you are too far behind (not reading)");
  EXPECT_EQ(line, "(eof)");
  server.stop();
  EXPECT_NE(server.stdout_text().find("kicked zed: too far behind"), std::string::npos)
      << server.stdout_text();
}

TEST(ExampleChatServer, Step7_ALineThatNeverEnds) {
  Step step(7, 11, "--max-line 100",
            "a client sending bytes without '\\n' is cut off, not buffered");
  auto server = Program::start("chat_server", {"--port", "0", "--max-line", "100"});
  Address addr = server.listening_address();
  auto mallory = Peer::join(addr, "mallory");
  send_all(mallory->sock, std::string(5000, 'A'));
  EXPECT_EQ(mallory->line(), "* disconnected: line too long");
  EXPECT_EQ(mallory->line(), "(eof)");
}

// --- Part 3: what a hostile user found (issue 12), each fixed with this test first --

TEST(ExampleChatServer, Step8_OneSenderCannotEmptyTheRoom) {
  Step step(8, 11, "13000 x \"a\\n\" in one write, 8 readers",
            "lines go out as they are queued, and the sender waits for the readers: nobody is "
            "kicked for someone else's burst");
  auto server = Program::start("chat_server", {"--port", "0", "--max-queue", "65536"});
  Address addr = server.listening_address();
  auto mallory = Peer::join(addr, "mallory");
  std::vector<std::unique_ptr<Peer>> readers;
  for (int i = 0; i < 8; ++i) {
    readers.push_back(Peer::join(addr, fmt::format("reader{}", i)));
    EXPECT_EQ(mallory->line(), fmt::format("* reader{} joined", i));
    for (int j = 0; j < i; ++j) EXPECT_EQ(readers[j]->line(), fmt::format("* reader{} joined", i));
  }
  std::string burst;
  for (int i = 0; i < 13000; ++i) burst += "a\n";
  burst += "END\n";
  std::vector<int> got(readers.size(), 0);
  std::vector<std::string> last(readers.size());
  std::vector<std::thread> threads;
  for (std::size_t r = 0; r < readers.size(); ++r)
    threads.emplace_back([&, r] {
      for (int i = 0; i < 13001; ++i) {  // every line, or the first line that is not one
        std::string l = readers[r]->line();
        if (l != "<mallory> a") {
          last[r] = l;
          return;
        }
        ++got[r];
      }
    });
  send_all(mallory->sock, burst);  // one write: the server gets it in a few big recv()s
  for (auto& t : threads) t.join();
  for (std::size_t r = 0; r < readers.size(); ++r) {
    EXPECT_EQ(got[r], 13000) << "reader" << r << " stopped at: " << last[r];
    EXPECT_EQ(last[r], "<mallory> END") << "reader" << r;
  }
}

TEST(ExampleChatServer, Step9_ControlBytesAreNeutralisedOnTheWayIn) {
  Step step(9, 11, "a message with ESC and CR",
            "printable(): the others see \\x1b and \\r as text, no line can be forged");
  auto server = Program::start("chat_server", {"--port", "0"});
  Address addr = server.listening_address();
  auto alice = Peer::join(addr, "alice");
  auto bob = Peer::join(addr, "bob");
  EXPECT_EQ(alice->line(), "* bob joined");
  alice->say("hi\x1b[2J\r<bob> I owe alice 100 euros\x07");
  EXPECT_EQ(bob->line(), "<alice> hi\\x1b[2J\\r<bob> I owe alice 100 euros\\x07");
  alice->say("/x\x1b[31m");
  EXPECT_EQ(alice->line(), "* unknown command /x\\x1b[31m (try /who, /nick NAME, /quit)");
}

TEST(ExampleChatServer, Step10_NicknamesIgnoreCase) {
  Step step(10, 11, "OBSERVER beside observer; /nick to one's own name",
            "names compare without case; renaming to yourself is not 'taken'");
  auto server = Program::start("chat_server", {"--port", "0"});
  Address addr = server.listening_address();
  auto observer = Peer::join(addr, "observer");
  auto other = std::make_unique<Peer>(addr);
  EXPECT_EQ(other->line(), "* welcome to socklab chat; your nickname?");
  other->say("OBSERVER");
  EXPECT_EQ(other->line(), "* OBSERVER is taken; your nickname?");
  observer->say("/nick observer");
  EXPECT_EQ(observer->line(), "* you are observer already");
  observer->say("/nick Observer");
  EXPECT_EQ(observer->line(), "* you are now Observer") << "a change of case is fine";
}

TEST(ExampleChatServer, Step11_ANicknameDeadlineAndAClientCap) {
  Step step(11, 11, "--nick-ms 300, --max-clients 2",
            "a client that never names itself is closed; past the cap a client is told 'full'");
  auto server =
      Program::start("chat_server", {"--port", "0", "--nick-ms", "300", "--max-clients", "2"});
  Address addr = server.listening_address();
  auto silent = std::make_unique<Peer>(addr);
  EXPECT_EQ(silent->line(), "* welcome to socklab chat; your nickname?");
  const auto t0 = Clock::now();
  EXPECT_EQ(silent->line(), "* no nickname in time, bye");
  EXPECT_EQ(silent->line(), "(eof)");
  EXPECT_LT(Clock::now() - t0, 3s);
  auto a = Peer::join(addr, "a");
  auto b = Peer::join(addr, "b");
  auto c = std::make_unique<Peer>(addr);
  EXPECT_EQ(c->line(), "* the server is full (2 clients); try again later");
  EXPECT_EQ(c->line(), "(eof)");
}
