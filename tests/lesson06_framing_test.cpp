// Lesson 06 — the byte stream and framing, step by step (`make check-06`).
//
// Part 1 (Lesson06Demo): in this process, each pitfall of a byte stream made to
// happen for certain, then the fix: small reads split a message, a late reader
// gets two sends in one recv(), recv(1024) cuts a UTF-8 character in half, one
// send() takes less than asked; then newline and length-prefix framing.
// Part 2 (Lesson06Programs): the real frame_server and frame_client, naive
// (--framing raw) and framed (line, length).
//
// Lesson06Demo is a demonstration: the kit makes the calls, not your code, so it
// passes before you write a line and `make progress` does not count it.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>
#include <thread>

#include "socklab/socklab.hpp"
#include "support/narrate.hpp"
#include "support/programs.hpp"

using namespace socklab;
using namespace std::chrono_literals;
using socklab::test::Program;
using socklab::test::Step;
using socklab::test::tr;
using socklab::test::trf;

namespace {

const std::string kNi = "\u4f60";  // 你: 3 bytes in UTF-8, e4 bd a0

std::string recv_some(Socket& s, std::size_t max) {
  std::string buf(max, '\0');
  Received got = s.recv(std::span<char>(buf));
  buf.resize(got.bytes);
  return buf;
}

std::string read_to_eof(Socket& s) {
  std::string all;
  std::array<char, 64 * 1024> buf;
  for (Received got; !(got = s.recv(buf)).eof;) all.append(buf.data(), got.bytes);
  return all;
}

}  // namespace

// --- Part 1: the stream, in this process ---------------------------------------

TEST(Lesson06Demo, Step1_OneSendIsSplitIntoSeveralRecvs) {
  Step step(
      1, 7, "send(\"hello world\"); recv(5) x3",
      "a read smaller than the message returns part of it: the rest waits for the next recv()");
  auto [a, b] = tcp_pair();
  (void)a.send("hello world");
  EXPECT_EQ(recv_some(b, 5), "hello");
  EXPECT_EQ(recv_some(b, 5), " worl");
  EXPECT_EQ(recv_some(b, 5), "d");

  test::detail(tr("and one big send() is cut up on the way, even with big reads:"));
  a.set_send_buffer_size(4096);  // a small send buffer: the kernel takes it 4 KiB at a time
  const std::string big(512 * 1024, 'x');
  std::thread writer([&, &sender = a] {
    send_all(sender, big);
    sender.shutdown(Shutdown::write);
  });
  std::array<char, 64 * 1024> buf;
  std::size_t total = 0, recvs = 0;
  for (Received got; !(got = b.recv(buf)).eof;) total += got.bytes, ++recvs;
  writer.join();
  test::detail(
      trf("512 KiB sent with one send_all() arrived in {} recv()s of at most 64 KiB", recvs));
  EXPECT_EQ(total, big.size());
  EXPECT_GE(recvs, big.size() / buf.size()) << tr("the data cannot fit in fewer recv()s");
}

TEST(Lesson06Demo, Step2_TwoSendsMergeIntoOneRecv) {
  Step step(2, 7, "send(\"one\"); send(\"two\"); recv(1024)",
            "a reader that comes late finds both messages in the buffer: one recv(), no boundary");
  auto [a, b] = tcp_pair();
  // To make "the reader is late" certain: close() with SO_LINGER waits until the
  // peer's kernel has acknowledged every byte, i.e. both sends sit in b's buffer.
  a.set_linger(std::chrono::seconds(5));
  (void)a.send("one");
  (void)a.send("two");
  a.close();
  EXPECT_EQ(recv_some(b, 1024), "onetwo") << tr("the tutorial's server takes this as ONE message");
}

TEST(Lesson06Demo, Step3_Recv1024CutsAUtf8CharacterInHalf) {
  Step step(3, 7, "recv(1024) + decode()",
            "1022 ASCII bytes then 你 (3 bytes): the first recv(1024) ends 2 bytes into 你");
  auto [a, b] = tcp_pair();
  const std::string message = std::string(1022, 'a') + kNi;
  send_all(a, message);
  a.close();
  std::string first = recv_some(b, 1024);
  ASSERT_EQ(first.size(), 1024u);
  EXPECT_FALSE(is_valid_utf8(first))
      << tr("the naive server decodes this chunk: Python raises UnicodeDecodeError");
  std::string rest = read_to_eof(b);
  EXPECT_EQ(rest, "\xa0");
  test::detail(tr("the fix: join the bytes first, decode whole messages (framing, below)"));
  EXPECT_TRUE(is_valid_utf8(first + rest));
  EXPECT_EQ(first + rest, message);
}

TEST(Lesson06Demo, Step4_OneSendTakesLessThanAsked) {
  Step step(4, 7, tr("send(4 MiB) versus send_all()"),
            "send() returns how much the kernel took; code that ignores it loses the rest");
  auto [a, b] = tcp_pair();
  a.set_send_buffer_size(4096);  // small buffers: little room in the kernel
  b.set_recv_buffer_size(64 * 1024);
  a.set_non_blocking(true);  // also happens to blocking sockets: timeouts, signals
  const std::string big(4 * 1024 * 1024, 'z');
  std::size_t taken = a.send(big);  // the naive program stops here
  test::detail(trf("send() took {} of {} bytes", taken, big.size()));
  EXPECT_LT(taken, big.size());
  a.set_non_blocking(false);
  a.close();
  EXPECT_EQ(read_to_eof(b).size(), taken) << tr("only what send() took ever arrives");

  test::detail(tr("the fix: send_all() calls send() again with the rest, until all is gone"));
  auto [c, d] = tcp_pair();
  std::thread writer([&, &sender = c] {
    send_all(sender, big);
    sender.close();
  });
  std::string got = read_to_eof(d);
  writer.join();
  EXPECT_EQ(got.size(), big.size());
}

TEST(Lesson06Demo, Step5_NewlineFraming) {
  Step step(5, 7, "LineReader",
            "a message ends at '\\n'; the reader keeps what follows for the next line");
  auto [a, b] = tcp_pair();
  a.set_linger(std::chrono::seconds(5));
  (void)a.send("one\ntw");  // the boundaries fall anywhere in the sends...
  (void)a.send("o\n" + kNi + "\n");
  a.close();
  LineReader lines(b, 16);
  EXPECT_EQ(lines.read_line(), "one");  // ...the lines come out whole
  EXPECT_EQ(lines.read_line(), "two");
  EXPECT_EQ(lines.read_line(), kNi);
  EXPECT_EQ(lines.read_line(), std::nullopt);

  test::detail(tr("its limits: a message may not contain '\\n', and a line has a maximum"));
  auto [c, d] = tcp_pair();
  send_all(c, std::string(100, 'x'));
  LineReader limited(d, 16);
  std::error_code ec;
  EXPECT_EQ(limited.read_line(ec), std::nullopt);
  EXPECT_EQ(ec, errc::line_too_long);
}

TEST(Lesson06Demo, Step6_LengthPrefixedFraming) {
  Step step(6, 7, "send_frame / FrameReader",
            "4 bytes of big-endian length, then the message: any byte may be inside");
  auto [a, b] = tcp_pair();
  send_frame(a, "line one\nline two");
  send_frame(a, "");
  send_frame(a, kNi);
  a.close();
  FrameReader frames(b);
  EXPECT_EQ(frames.read_frame(), "line one\nline two");
  EXPECT_EQ(frames.read_frame(), "");
  EXPECT_EQ(frames.read_frame(), kNi);
  EXPECT_EQ(frames.read_frame(), std::nullopt);
}

TEST(Lesson06Demo, Step7_AClaimAboveTheMaximumIsAnError) {
  Step step(7, 8, tr("header says 4 GiB"),
            "the reader refuses from the 4 header bytes alone, before allocating anything");
  auto [a, b] = tcp_pair();
  auto header = encode_frame_header(0xFFFFFFFFu);
  send_all(a, std::string_view(header.data(), header.size()));
  a.close();
  FrameReader frames(b, 64 * 1024);
  std::error_code ec;
  EXPECT_EQ(frames.read_frame(ec), std::nullopt);
  EXPECT_EQ(ec, errc::frame_too_large);
}

// --- Part 2: the real programs ----------------------------------------------------

namespace {

struct Run {
  Program server;
  Address address;
};

Run start_server(std::vector<std::string> extra) {
  std::vector<std::string> args{"--port", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  Program p = Program::start("frame_server", args);
  Address a = p.listening_address();
  return {std::move(p), a};
}

// Runs frame_client against `a` and returns its stdout; expects exit 0.
std::string run_client(const Address& a, std::vector<std::string> args) {
  args.insert(args.begin(), {"--port", std::to_string(a.port())});
  Program client = Program::start("frame_client", args);
  auto exit = client.wait();
  EXPECT_EQ(exit.code, 0) << client.stderr_text();
  return client.stdout_text();
}

// True if the peer closed the connection: EOF, or a reset (a close with unread data).
bool closed_by_peer(Socket& s) {
  std::array<char, 16> buf;
  std::error_code ec;
  Received got = s.recv(buf, ec);
  return (!ec && got.eof) || ec == std::errc::connection_reset;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(Lesson06Programs, E2E1_RawServerSeesTwoMessagesAsOne) {
  Step step(1, 8, "frame_server --framing raw; frame_client --framing raw one two",
            "without framing, the two messages arrive as one: \"onetwo\"");
  auto run = start_server({"--framing", "raw", "--once"});
  std::string out = run_client(run.address, {"--framing", "raw", "one", "two"});
  EXPECT_TRUE(contains(out, "recv() returned 11 bytes: #1: onetwo\\n")) << out;
  EXPECT_EQ(run.server.wait().code, 0) << run.server.stderr_text();
  EXPECT_TRUE(contains(run.server.stdout_text(), "message 1 (6 bytes): onetwo"))
      << run.server.stdout_text();
  EXPECT_FALSE(contains(run.server.stdout_text(), "message 2")) << run.server.stdout_text();
}

TEST(Lesson06Programs, E2E2_RawServerWithSmallReadsSplitsAMessage) {
  Step step(2, 8, tr("frame_server --framing raw --recv-size 2; send hello"),
            "recv(2) cuts one message into three \"messages\"");
  auto run = start_server({"--framing", "raw", "--recv-size", "2", "--once"});
  run_client(run.address, {"--framing", "raw", "hello"});
  EXPECT_EQ(run.server.wait().code, 0) << run.server.stderr_text();
  const std::string& log = run.server.stdout_text();
  EXPECT_TRUE(contains(log, "message 1 (2 bytes): he")) << log;
  EXPECT_TRUE(contains(log, "message 2 (2 bytes): ll")) << log;
  EXPECT_TRUE(contains(log, "message 3 (1 bytes): o")) << log;
}

TEST(Lesson06Programs, E2E3_RawServerDiesOnAHalfCharacter) {
  Step step(3, 8, tr("frame_server --framing raw; send 1022 x 'a' + 你"),
            "the tutorial's bug: recv(1024) ends inside 你, decoding fails, the server dies");
  // In English whatever the student's language: its error line is matched below.
  auto run = [] {
    test::ScopedEnvironment english("SOCKLAB_LANG", "en");
    return start_server({"--framing", "raw"});
  }();
  Program client =
      Program::start("frame_client", {"--port", std::to_string(run.address.port()), "--framing",
                                      "raw", std::string(1022, 'a') + kNi});
  client.wait();  // it may see EOF or a reset: the server died with bytes unread
  auto exit = run.server.wait();
  EXPECT_EQ(exit.code, 1) << trf("the naive server should fail: {}", run.server.stderr_text());
  EXPECT_TRUE(contains(run.server.stderr_text(), "1024 bytes that are not valid UTF-8"))
      << run.server.stderr_text();
}

TEST(Lesson06Programs, E2E4_LineFramingKeepsMessagesAndCharacters) {
  Step step(4, 8, "frame_server/frame_client --framing line",
            "the same bytes with '\\n' after each message: every message comes out whole");
  auto run = start_server({"--framing", "line", "--once"});
  const std::string long_one = std::string(1022, 'a') + kNi;
  std::string out = run_client(run.address, {"--framing", "line", "one", "two", long_one});
  EXPECT_TRUE(contains(out, "reply: #1: one\n")) << out;
  EXPECT_TRUE(contains(out, "reply: #2: two\n")) << out;
  EXPECT_TRUE(contains(out, "reply: #3: " + long_one + "\n")) << tr("你 must survive");
  // A --once server exits when its client is done; a client that failed may
  // leave it waiting: then the failure above is the news, not a 20 s wait.
  if (!HasFailure()) {
    EXPECT_EQ(run.server.wait().code, 0) << run.server.stderr_text();
  }
  EXPECT_TRUE(contains(run.server.stdout_text(), "message 3 (1025 bytes)"));
}

TEST(Lesson06Programs, E2E5_LengthFramingCarriesNewlines) {
  Step step(5, 8, "frame_server/frame_client --framing length",
            "a length prefix lets a message contain '\\n'; an empty message is a message too");
  auto run = start_server({"--framing", "length", "--once"});
  std::string out = run_client(run.address, {"--framing", "length", "a\nb", "", kNi});
  EXPECT_TRUE(contains(out, "reply: #1: a\\nb\n")) << out;
  EXPECT_TRUE(contains(out, "reply: #2: \n")) << out;
  EXPECT_TRUE(contains(out, "reply: #3: " + kNi + "\n")) << out;
  // A --once server exits when its client is done; a client that failed may
  // leave it waiting: then the failure above is the news, not a 20 s wait.
  if (!HasFailure()) {
    EXPECT_EQ(run.server.wait().code, 0) << run.server.stderr_text();
  }
}

TEST(Lesson06Programs, E2E6_OversizeFrameDropsTheClientNotTheServer) {
  Step step(6, 8, tr("a 17-byte frame, --max-size 16"),
            "the server refuses the frame, closes that connection, and serves the next client");
  auto run = start_server({"--framing", "length", "--max-size", "16"});
  {
    Socket rude = Socket::tcp();
    rude.set_recv_timeout(5s);
    rude.connect(run.address);
    // Just above the maximum, and complete: a FrameReader without max_size (its
    // default is 1 MiB) would take it and reply.
    auto header = encode_frame_header(17);
    send_all(rude, std::string(header.data(), header.size()) + std::string(17, 'x'));
    EXPECT_TRUE(closed_by_peer(rude))
        << tr("the server accepted a 17-byte frame with --max-size 16: does its FrameReader "
              "get max_size (step 6)?");
  }
  std::string out = run_client(run.address, {"--framing", "length", "fine"});
  EXPECT_TRUE(contains(out, "reply: #1: fine")) << out;
  run.server.stop();
  EXPECT_TRUE(contains(run.server.stderr_text(), "Frame larger than the maximum size"))
      << run.server.stderr_text();
}

TEST(Lesson06Programs, E2E7_TooLongLineDropsTheClient) {
  Step step(7, 8, tr("a 100-byte line, --max-size 16"),
            "a line reader needs a maximum too, or a client without '\\n' eats all memory");
  auto run = start_server({"--framing", "line", "--max-size", "16", "--once"});
  Socket rude = Socket::tcp();
  rude.set_recv_timeout(5s);
  rude.connect(run.address);
  send_all(rude, std::string(100, 'x') + "\n");  // a LineReader without max_size takes it
  EXPECT_TRUE(closed_by_peer(rude))
      << tr("the server accepted a 100-byte line with --max-size 16: does its LineReader get "
            "max_size (step 5)?");
  EXPECT_EQ(run.server.wait().code, 0);
  EXPECT_TRUE(contains(run.server.stderr_text(), "Line too long")) << run.server.stderr_text();
}

TEST(Lesson06Programs, E2E8_PrintsWhatItReceivedEscaped) {
  Step step(8, 8, tr("frame_server, each framing: a message with ESC [2J CR"),
            "the log shows \\x1b[2J\\r: a client cannot repaint our terminal");
  for (std::string framing : {"raw", "line", "length"}) {
    auto run = start_server({"--framing", framing, "--once"});
    run_client(run.address, {"--framing", framing, "\x1b[2J\rgotcha"});
    EXPECT_EQ(run.server.wait().code, 0) << run.server.stderr_text();
    const std::string& log = run.server.stdout_text();
    EXPECT_TRUE(contains(log, "(11 bytes): \\x1b[2J\\rgotcha\n")) << framing << ":\n" << log;
    EXPECT_FALSE(contains(log, "\x1b")) << trf("{}: a raw ESC reached the terminal", framing);
    EXPECT_FALSE(contains(log, "\r")) << trf("{}: a raw CR reached the terminal", framing);
  }
}

TEST(Lesson06Programs, BadFramingIsAUsageError) {
  for (const char* program : {"frame_server", "frame_client"}) {
    Program p = Program::start(program, {"--framing", "json"});
    auto exit = p.wait();
    EXPECT_EQ(exit.code, 2) << program << ": " << p.stderr_text();
    EXPECT_TRUE(contains(p.stderr_text(), "--framing")) << p.stderr_text();
  }
  Program p = Program::start("frame_server", {"--recv-size", "0"});
  EXPECT_EQ(p.wait().code, 2) << p.stderr_text();
}
