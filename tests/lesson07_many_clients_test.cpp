// Lesson 07 — serving many clients, step by step (`make check-07`).
//
// Part 1 (Lesson07Demo): listen(backlog) in this process — clients finish the
// handshake (and send data) before anyone calls accept(), until the queue is full.
// Part 2 (Lesson07Servers): the real servers. The iterative one starves a second
// client while the first is idle; a thread per connection fixes that but grows
// without bound; a pool bounds threads and queue and turns the rest away.
//
// Lesson07Demo is a demonstration: the kit makes the calls, not your code, so it
// passes before you write a line and `make progress` does not count it.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "socklab/observe/tcp_state.hpp"
#include "socklab/poll.hpp"
#include "socklab/socklab.hpp"
#include "support/narrate.hpp"
#include "support/programs.hpp"

using namespace socklab;
using namespace socklab::observe;  // packets, pcap, capture, TCP state, the ladder (lib/observe)
using namespace std::chrono_literals;
using socklab::test::Program;
using socklab::test::Step;
using socklab::test::tr;
using socklab::test::trf;

namespace {

// How long "no reply" has to last to count as starved. Short, but far above a
// loopback round trip (tens of microseconds).
constexpr auto kStarved = 300ms;

Socket connect_to(const Address& a) {
  Socket c = Socket::tcp(a.family());
  c.set_recv_timeout(5s);  // a missing reply fails the test instead of hanging it
  c.connect(a);
  return c;
}

// Sends "text\n" and reads the reply "echo: text\n".
std::string ask(Socket& c, const std::string& text) {
  send_all(c, text + "\n");
  std::string reply(6 + text.size() + 1, '\0');
  recv_exact(c, reply);
  return reply;
}

// Everything until the peer closes (bounded by the socket's receive timeout).
std::string read_to_eof(Socket& c) {
  std::string all;
  std::array<char, 256> buf;
  for (Received got; !(got = c.recv(buf)).eof;) all.append(buf.data(), got.bytes);
  return all;
}

// True if nothing arrives on `c` for `wait` (recv() times out).
bool silent_for(Socket& c, std::chrono::milliseconds wait) {
  c.set_recv_timeout(wait);
  std::array<char, 64> buf;
  std::error_code ec;
  (void)c.recv(buf, ec);
  c.set_recv_timeout(5s);
  return ec == std::errc::timed_out;
}

// Connects with a bounded wait: a non-blocking connect() and poll() for the end of
// the handshake (lesson 09). SO_SNDTIMEO would bound a blocking connect() on Linux only.
std::error_code try_connect(Socket& c, const Address& a, std::chrono::milliseconds wait) {
  c.set_non_blocking(true);
  std::error_code ec;
  c.connect(a, ec);
  if (ec == std::errc::operation_in_progress) {
    std::array<PollFd, 1> fds{PollFd{c.native_handle(), Events::out}};
    ec = poll(fds, wait) == 0 ? std::make_error_code(std::errc::timed_out) : c.pending_error();
  }
  c.set_non_blocking(false);
  return ec;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace

// --- Part 1: listen(backlog) ----------------------------------------------------

TEST(Lesson07Demo, Step1_ClientsConnectAndSendBeforeAccept) {
  Step step(1, 2, tr("listen(5); 3 x connect(); no accept()"),
            "the kernel completes the handshakes: the clients are ESTABLISHED and may even send");
  Socket server = Socket::tcp();
  server.bind(Address::parse("127.0.0.1:0"));
  server.listen(5);
  std::vector<Socket> clients;
  for (int k = 0; k < 3; ++k) {
    clients.push_back(connect_to(server.local_address()));
    std::error_code ec;
    TcpState state = tcp_state(clients.back(), ec);
    if (ec == std::errc::operation_not_supported)
      test::detail(tr("(this system cannot report TCP states; connect() returning is the proof)"));
    else
      EXPECT_EQ(state, TcpState::established) << trf("client {}", k);
    send_all(clients.back(), "hi " + std::to_string(k));
  }
  test::detail(tr("3 clients connected and sent data; now accept() takes them from the queue"));
  for (int k = 0; k < 3; ++k) {
    auto [conn, peer] = server.accept();
    EXPECT_EQ(peer, clients[static_cast<std::size_t>(k)].local_address()) << tr("FIFO order");
    std::string got(4, '\0');
    recv_exact(conn, got);
    EXPECT_EQ(got, "hi " + std::to_string(k)) << tr("the data waited in the kernel too");
  }
}

TEST(Lesson07Demo, Step2_AFullQueueLeavesTheNextClientUnanswered) {
  Step step(2, 2, tr("listen(1); connect() until one hangs"),
            "the backlog is the length of the accept queue; once full, new handshakes wait");
  Socket server = Socket::tcp();
  server.bind(Address::parse("127.0.0.1:0"));
  server.listen(1);
  std::vector<Socket> in_queue;
  std::error_code last;
  for (int k = 0; k < 8 && !last; ++k) {  // bounded: a backlog of 1 never holds 8
    Socket c = Socket::tcp();
    last = try_connect(c, server.local_address(), kStarved);
    if (!last) in_queue.push_back(std::move(c));
  }
  test::detail(trf("{} clients fit in a backlog of 1 (Linux keeps backlog+1); the next one got: {}",
                   in_queue.size(), last.message()));
  EXPECT_TRUE(last) << tr("8 clients fit in a backlog of 1: the queue should have filled up");
  EXPECT_GE(in_queue.size(), 1u);
  EXPECT_LE(in_queue.size(), 3u);
  EXPECT_TRUE(last == std::errc::operation_in_progress || last == std::errc::timed_out ||
              last == std::errc::connection_refused)
      << last.message();

  test::detail(tr("accept() one: the queue has room again, and the next client gets in"));
  server.accept();
  Socket late = Socket::tcp();
  EXPECT_FALSE(try_connect(late, server.local_address(), 5s));
}

// --- Part 2: the servers ------------------------------------------------------------

TEST(Lesson07Servers, E2E1_IterativeServerStarvesTheSecondClient) {
  Step step(1, 7, tr("iterative_server: A idle, B asks"),
            "while the loop talks to A, B is connected (backlog) but nobody reads its request");
  Program server = Program::start("iterative_server", {"--port", "0", "--max-clients", "2"});
  Address at = server.listening_address();
  Socket a = connect_to(at);
  EXPECT_EQ(ask(a, "a"), "echo: a\n");  // the server is now inside serve(A)
  Socket b = connect_to(at);            // succeeds: the kernel queues B
  send_all(b, "b\n");
  EXPECT_TRUE(silent_for(b, kStarved)) << tr("B got a reply although A is still connected");
  test::detail(tr("B got nothing in 300 ms; now A leaves"));
  a.close();
  std::string reply(8, '\0');
  recv_exact(b, reply);
  EXPECT_EQ(reply, "echo: b\n") << tr("B is served as soon as A is gone");
  b.close();
  auto exit = server.wait();
  EXPECT_EQ(exit.code, 0) << server.stderr_text();
}

TEST(Lesson07Servers, E2E2_ThreadPerConnectionServesBWhileAIsIdle) {
  Step step(2, 7, tr("thread_server: A idle, B asks"),
            "each client has its own thread: an idle A blocks only its own thread");
  Program server = Program::start("thread_server", {"--port", "0", "--max-clients", "2"});
  Address at = server.listening_address();
  Socket a = connect_to(at);
  EXPECT_EQ(ask(a, "a"), "echo: a\n");
  Socket b = connect_to(at);
  EXPECT_EQ(ask(b, "b"), "echo: b\n") << tr("B must be answered while A is still connected");
  EXPECT_EQ(ask(a, "a again"), "echo: a again\n");
  a.close();
  b.close();
  auto exit = server.wait();  // --max-clients 2: it joins both threads and exits
  EXPECT_TRUE(exit.exited_normally()) << trf("killed by signal {}", exit.signal);
  EXPECT_EQ(exit.code, 0) << server.stderr_text();
}

TEST(Lesson07Servers, E2E3_ThreadsGrowWithClients) {
  Step step(3, 7, tr("thread_server: 20 idle clients"),
            "the pitfall: one thread per client and no limit — 20 idle clients, 20 threads");
  Program server = Program::start("thread_server", {"--port", "0", "--max-clients", "20"});
  Address at = server.listening_address();
  std::vector<Socket> idle;
  for (int k = 0; k < 20; ++k) idle.push_back(connect_to(at));
  std::string last;
  for (int k = 0; k < 20; ++k) {  // one "connection from" line per client
    auto line = server.read_line(5s);
    ASSERT_TRUE(line.has_value()) << trf("line {} missing; stderr: {}", k,
                                         server.first_stderr_line());
    last = *line;
  }
  EXPECT_TRUE(test::contains(last, "(20 threads serving)"));
  idle.clear();
  EXPECT_EQ(server.wait().code, 0) << server.stderr_text();
}

TEST(Lesson07Servers, E2E4_PoolQueuesThenTurnsAway) {
  Step step(4, 7, tr("pool_server --workers 2 --queue 2: 7 clients"),
            "2 served, 2 wait in the queue (no reply yet), 3 are told 'busy' at once");
  Program server = Program::start(
      "pool_server", {"--port", "0", "--workers", "2", "--queue", "2", "--max-clients", "7"});
  Address at = server.listening_address();
  // One round trip each proves a worker is busy with A1, then with A2.
  Socket a1 = connect_to(at), a2;
  EXPECT_EQ(ask(a1, "a1"), "echo: a1\n");
  a2 = connect_to(at);
  EXPECT_EQ(ask(a2, "a2"), "echo: a2\n");
  Socket b1 = connect_to(at), b2 = connect_to(at);
  send_all(b1, "b1\n");
  send_all(b2, "b2\n");
  for (int k = 1; k <= 3; ++k) {
    Socket c = connect_to(at);
    EXPECT_EQ(read_to_eof(c), "busy: all workers are busy and the queue is full\n")
        << fmt::format("C{}", k);
  }
  EXPECT_TRUE(silent_for(b1, kStarved)) << tr("B1 is queued: no worker is free to answer");
  test::detail(tr("A1 leaves: its worker takes B1 from the queue; then A2 leaves for B2"));
  a1.close();
  std::string reply(9, '\0');
  recv_exact(b1, reply);
  EXPECT_EQ(reply, "echo: b1\n");
  a2.close();
  recv_exact(b2, reply);
  EXPECT_EQ(reply, "echo: b2\n");
  b1.close();
  b2.close();
  auto exit = server.wait();  // closes the queue, joins the workers
  EXPECT_TRUE(exit.exited_normally()) << trf("killed by signal {}", exit.signal);
  EXPECT_EQ(exit.code, 0) << server.stderr_text();
  const std::string& log = server.stdout_text();
  EXPECT_EQ(count(log, "turned away (queue full)"), 3u) << log;
  EXPECT_EQ(count(log, "worker 1 serves") + count(log, "worker 2 serves"), 4u) << log;
  EXPECT_EQ(count(log, "worker 3"), 0u) << tr("only 2 workers exist");
}

TEST(Lesson07Servers, E2E5_BacklogDemoShowsTheQueue) {
  Step step(5, 7, "backlog_demo --backlog 1 --clients 3",
            "clients connect and send before accept(), until the accept queue is full");
  Program demo =
      Program::start("backlog_demo", {"--backlog", "1", "--clients", "3", "--wait-ms", "300"});
  auto exit = demo.wait();
  EXPECT_EQ(exit.code, 0) << demo.stderr_text();
  const std::string& out = demo.stdout_text();
  std::size_t in = count(out, "sent a hello; not accept()ed yet");
  std::size_t out_of_room = count(out, "the accept queue is full");
  EXPECT_GE(in, 1u) << out;
  EXPECT_GE(out_of_room, 1u) << tr("3 clients should overflow a backlog of 1:") << "\n" << out;
  EXPECT_EQ(in + out_of_room, 3u) << out;
  EXPECT_EQ(count(out, "accept() -> "), in) << tr("every queued client is accepted in the end");
  EXPECT_EQ(count(out, "which had sent: hello from client"), in) << out;
}

TEST(Lesson07Servers, E2E6_BadNumbersAreUsageErrors) {
  Step step(6, 7, "--workers 0, --queue -1, --backlog x", "one clear line and exit code 2");
  for (auto args : std::vector<std::vector<std::string>>{{"--workers", "0"}, {"--queue", "-1"}}) {
    Program p = Program::start("pool_server", args);
    EXPECT_EQ(p.wait().code, 2) << p.stderr_text();
  }
  Program p = Program::start("iterative_server", {"--backlog", "x"});
  EXPECT_EQ(p.wait().code, 2) << p.stderr_text();
  EXPECT_TRUE(test::contains(p.stderr_text(), "--backlog 'x'"));
}

TEST(Lesson07Servers, E2E7_PoolServerSurvivesAcceptWithoutDescriptors) {
  Step step(7, 7, tr("pool_server with the fewest descriptors: accept() fails (EMFILE)"),
            "it stays up and says so in one line (AcceptGuard), instead of exiting");
  auto prlimit = test::find_on_path("prlimit");
  if (!prlimit)
    GTEST_SKIP() << tr(
        "needs prlimit to lower RLIMIT_NOFILE (POSIX; Debian: apt-get install "
        "util-linux)");
  // The smallest RLIMIT_NOFILE the server can start with: its last descriptor is
  // then the listening socket (0, 1, 2 and whatever it inherited come first), so
  // the kernel completes our handshake but accept() has no descriptor to give us.
  std::optional<Program> server;
  Address at;
  for (int limit = 4; limit <= 32 && !server; ++limit) {
    Program p = Program::start_path(*prlimit, {fmt::format("--nofile={0}:{0}", limit),
                                               test::program_path("pool_server"), "--port", "0"});
    std::optional<std::string> first = p.read_line();
    if (!first || first->rfind("listening on ", 0) != 0) continue;  // too few to start
    at = Address::parse(first->substr(13));
    server.emplace(std::move(p));
  }
  ASSERT_TRUE(server) << tr("pool_server did not start with up to 32 descriptors");
  Socket c = connect_to(at);
  std::optional<std::string> said = server->read_line(10s);
  ASSERT_TRUE(said) << trf("pool_server said nothing after accept() failed; it {}",
                           server->how_it_ended());
  test::narrate("  " + *said);
  EXPECT_EQ(said->rfind("accept: ", 0), 0u)
      << trf("expected the guard's line \"accept: ...\", got \"{}\"", *said);
  EXPECT_TRUE(test::contains(*said, "Too many open files")) << *said;
  const std::string ended = server->how_it_ended(200ms);
  // how_it_ended() speaks the student's language: the line it gives a program still running.
  EXPECT_EQ(ended.rfind(test::trf("is still running (stopped after {} ms)", 200), 0), 0u)
      << trf("an accept() without descriptors must not end the server; it {}", ended);
}
