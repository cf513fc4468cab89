// Lesson 11, step 9 — epoll_echo_server --workers N: the nginx shape, several processes on
// one port (`ctest -L lesson11 -V` reads like the lesson).
//
// The demo: two listeners with SO_REUSEPORT share a port, and the kernel hashes new
// connections over them. Then the real server with two workers: every byte echoed, both
// workers used (their --verbose lines carry the worker's pid), a stop signal passed on, a
// worker killed stops the others, the parent killed leaves no worker, bad --workers
// values refused. Off Linux every test skips: lesson 11 is Linux's.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "socklab/epoll.hpp"
#include "socklab/poll.hpp"
#include "socklab/socklab.hpp"
#include "support/narrate.hpp"
#include "support/need_epoll.hpp"
#include "support/programs.hpp"

#if defined(__linux__)
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#endif

using namespace socklab;
using namespace std::chrono_literals;
using socklab::test::Program;
using socklab::test::Step;
using socklab::test::tr;
using socklab::test::trf;
using Clock = std::chrono::steady_clock;

namespace {

Socket connect_to(const Address& a) {
  Socket s = Socket::tcp(a.family());
  s.set_recv_timeout(5s);  // a missing echo fails the test, it does not hang it
  s.connect(a);
  return s;
}

// "worker 2 (pid 4711): connection 3 from 127.0.0.1:5555" -> {2, 4711}; nullopt if the
// line is not a worker's.
std::optional<std::pair<int, long>> worker_of(const std::string& line) {
  int worker = 0;
  long pid = 0;
  const auto at = line.find("worker ");
  if (at == std::string::npos ||
      std::sscanf(line.c_str() + at, "worker %d (pid %ld):", &worker, &pid) != 2)
    return std::nullopt;
  return std::make_pair(worker, pid);
}

// Reads the server's lines until `n` workers said "serving"; their pids by number.
// (Used by the Linux-only tests below; the Windows build compiles it unused.)
[[maybe_unused]] std::map<int, long> serving_workers(Program& server, int n) {
  std::map<int, long> pids;
  const auto deadline = Clock::now() + 10s;
  while (static_cast<int>(pids.size()) < n && Clock::now() < deadline) {
    auto line = server.read_line(5s);
    if (!line) break;
    if (line->find("serving") == std::string::npos) continue;
    if (auto w = worker_of(*line)) pids[w->first] = w->second;
  }
  return pids;
}

#if defined(__linux__)
// True once process `pid` (not our child: a worker is the server's) has ended, waiting at
// most `timeout`. pidfd_open(2) (Linux 5.3) gives a descriptor that poll() reports readable
// when the process ends: a real event, no sleep. A zombie has ended (its parent reaps it).
bool ends_within(long pid, std::chrono::milliseconds timeout) {
  const long fd = ::syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0);
  if (fd < 0) return errno == ESRCH;  // already gone (and reaped)
  pollfd p{static_cast<int>(fd), POLLIN, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  ::close(static_cast<int>(fd));
  return ready == 1;
}
#endif

}  // namespace

// --- the call: SO_REUSEPORT ----------------------------------------------------------

TEST(Lesson11Demo, Step9_ReusePortLetsListenersShareAPortAndTheKernelSpreadsConnections) {
  NEED_EPOLL();
  Step step(9, 9, "setsockopt(SO_REUSEPORT) on two listeners, bind() both to one port",
            "both bind; new connections are hashed over the two listeners' queues");
  Socket first = Socket::tcp();
  first.set_reuse_port(true);
  first.bind(Address::parse("127.0.0.1:0"));
  first.listen(64);
  const Address at = first.local_address();
  Socket plain = Socket::tcp();  // without the option: the port is taken
  std::error_code ec;
  plain.bind(at, ec);
  EXPECT_EQ(ec, std::errc::address_in_use) << tr("a second bind() without SO_REUSEPORT");
  Socket second = Socket::tcp();
  second.set_reuse_port(true);
  second.bind(at);
  second.listen(64);
  std::vector<Socket> clients;
  for (int i = 0; i < 32; ++i) clients.push_back(connect_to(at));
  // The handshakes are complete (connect() returned): each connection waits in the accept
  // queue of the listener the kernel chose. Count them without waiting.
  first.set_non_blocking(true), second.set_non_blocking(true);
  auto drain = [](Socket& l) {
    int n = 0;
    std::error_code e;
    while (l.accept(e).socket && !e) ++n;  // until EAGAIN: the queue is empty
    return n;
  };
  const int a = drain(first), b = drain(second);
  test::detail(trf("32 connections: {} in the first listener's queue, {} in the second's", a, b));
  EXPECT_EQ(a + b, 32);
  EXPECT_GT(a, 0) << tr("the kernel's hash spreads connections (all 32 on one: chance 2^-31)");
  EXPECT_GT(b, 0);
}

// --- the server: epoll_echo_server --workers 2 ------------------------------------------

class Lesson11Workers : public ::testing::Test {
 protected:
  Program& start(const std::vector<std::string>& args) {
    return programs_.emplace_back(Program::start("epoll_echo_server", args));
  }
  void TearDown() override {
    for (Program& p : programs_) test::show_error_line_if_failed(p, p.name());
  }
  std::deque<Program> programs_;
};

TEST_F(Lesson11Workers, Step9_TwoWorkersEchoEveryByteAndShareTheConnections) {
  NEED_EPOLL();
  Step step(9, 9, "epoll_echo_server --workers 2 --verbose, 64 clients x 8 KiB",
            "every byte echoed; both workers (two processes, two pids) accepted connections");
  Program& server = start({"--port", "0", "--workers", "2", "--verbose"});
  const Address addr = server.listening_address();
  std::vector<Socket> clients;
  for (int i = 0; i < 64; ++i) clients.push_back(connect_to(addr));
  std::vector<std::string> sent;
  for (int i = 0; i < 64; ++i) {
    std::string text(8 * 1024, static_cast<char>('a' + i % 26));
    text += std::to_string(i) + "\n";
    send_all(clients[i], text);
    sent.push_back(std::move(text));
  }
  for (int i = 0; i < 64; ++i)
    ASSERT_TRUE(test::receives(clients[i], sent[i], tr("a worker lost bytes")))
        << trf("client {}", i);
  // Every connection was accepted (its line written) before its echo came back.
  std::map<int, std::set<long>> pids_of;  // worker number -> the pids seen for it
  std::map<int, int> connections;         // worker number -> connections it accepted
  int seen = 0;
  while (seen < 64) {
    auto line = server.read_line(5s);
    ASSERT_TRUE(line) << trf("expected 64 'connection N from' lines, got {}", seen);
    if (line->find(" from ") == std::string::npos) continue;
    auto w = worker_of(*line);
    ASSERT_TRUE(w) << trf("a connection line without its worker: {}", *line);
    pids_of[w->first].insert(w->second);
    ++connections[w->first];
    ++seen;
  }
  test::detail(trf("worker 1: {} connections, worker 2: {}", connections[1], connections[2]));
  ASSERT_EQ(pids_of.size(), 2u) << tr("both workers must get connections (the kernel's hash)");
  EXPECT_EQ(pids_of[1].size(), 1u);
  EXPECT_EQ(pids_of[2].size(), 1u);
  EXPECT_NE(*pids_of[1].begin(), *pids_of[2].begin()) << tr("two processes, two pids");
  EXPECT_EQ(pids_of[1].count(server.pid()), 0u) << tr("the parent serves nobody");
  EXPECT_EQ(pids_of[2].count(server.pid()), 0u) << tr("the parent serves nobody");
}

TEST_F(Lesson11Workers, Step9_KillingTheParentLeavesNoWorker) {
  NEED_EPOLL();
#if defined(__linux__)
  Step step(9, 9, "kill -KILL the parent of epoll_echo_server --workers 2",
            "SIGKILL cannot be passed on: PR_SET_PDEATHSIG ends each worker with its parent");
  Program& server = start({"--port", "0", "--workers", "2", "--verbose"});
  const Address addr = server.listening_address();
  const std::map<int, long> pids = serving_workers(server, 2);
  ASSERT_EQ(pids.size(), 2u) << tr("expected 'worker N (pid P): serving' from both workers");
  Socket c = connect_to(addr);
  send_all(c, std::string("served?\n"));
  ASSERT_TRUE(test::receives(c, "served?\n"));
  ASSERT_EQ(::kill(static_cast<pid_t>(server.pid()), SIGKILL), 0);
  bool orphans = false;
  for (const auto& [n, pid] : pids) {
    if (ends_within(pid, 3s)) continue;
    orphans = true;
    ADD_FAILURE() << trf(
        "worker {} (pid {}) still runs 3 s after its parent was killed: an orphan holding the "
        "port (the worker must ask for PR_SET_PDEATHSIG)",
        n, pid);
    ::kill(static_cast<pid_t>(pid), SIGKILL);  // this test's orphans go with it
  }
  if (orphans) return;
  std::array<char, 16> buf;
  std::error_code ec;
  Received r = c.recv(buf, ec);
  EXPECT_TRUE(r.eof || ec == std::errc::connection_reset)
      << tr("the client's worker is gone: its connection must be closed");
  test::detail(tr("both workers ended with their parent; the client saw its connection close"));
#endif
}

TEST_F(Lesson11Workers, Step9_SigtermIsPassedOnAndTheParentExitsZero) {
  NEED_EPOLL();
#if defined(__linux__)
  Step step(9, 9, "kill -TERM the parent of epoll_echo_server --workers 2",
            "the parent passes SIGTERM to every worker, waits for them, exits 0");
  Program& server = start({"--port", "0", "--workers", "2", "--verbose"});
  (void)server.listening_address();
  const std::map<int, long> pids = serving_workers(server, 2);
  ASSERT_EQ(pids.size(), 2u) << tr("expected 'worker N (pid P): serving' from both workers");
  const test::Exit e = server.stop(5s);  // SIGTERM
  EXPECT_FALSE(e.timed_out) << tr("the parent did not end after SIGTERM");
  EXPECT_EQ(e.signal, 0) << tr(
      "the parent must take SIGTERM (blocked, sigwaitinfo), not die of it");
  EXPECT_EQ(e.code, 0) << server.stderr_text();
  for (const auto& [n, pid] : pids)
    if (!ends_within(pid, 1s)) {
      ADD_FAILURE() << trf("worker {} outlived its parent's SIGTERM", n);
      ::kill(static_cast<pid_t>(pid), SIGKILL);
    }
#endif
}

TEST_F(Lesson11Workers, Step9_AWorkerKilledStopsTheOthersWithOneLine) {
  NEED_EPOLL();
#if defined(__linux__)
  Step step(9, 9, "kill -KILL worker 1 of epoll_echo_server --workers 2",
            "SIGCHLD: the parent stops the other worker, says one line, exits 1");
  Program& server = start({"--port", "0", "--workers", "2", "--verbose"});
  (void)server.listening_address();
  const std::map<int, long> pids = serving_workers(server, 2);
  ASSERT_EQ(pids.size(), 2u) << tr("expected 'worker N (pid P): serving' from both workers");
  ASSERT_EQ(::kill(static_cast<pid_t>(pids.at(1)), SIGKILL), 0);
  const test::Exit e = server.wait(5s);
  ASSERT_FALSE(e.timed_out) << tr(
      "the parent went on after a worker died: half the port's connections would go to a "
      "listener nobody serves");
  EXPECT_EQ(e.code, 1);
  const std::string err = server.stderr_text();
  test::detail(server.first_stderr_line());
  EXPECT_TRUE(test::contains(err, "epoll_echo_server: error: worker 1 (pid " +
                                      std::to_string(pids.at(1)) + ") was killed by signal 9"));
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << trf("one line, got: {}", err);
  if (!ends_within(pids.at(2), 1s)) {
    ADD_FAILURE() << tr("worker 2 outlived the parent");
    ::kill(static_cast<pid_t>(pids.at(2)), SIGKILL);
  }
#endif
}

TEST_F(Lesson11Workers, Step9_BadWorkerCountsAreUsageErrors) {
  NEED_EPOLL();
  Step step(9, 9, "epoll_echo_server --workers 0 / -2 / two / 1025 / ''",
            "a usage error: one line on stderr, exit 2, nothing started");
  for (const char* bad : {"0", "-2", "two", "1025", "", "3x"}) {
    Program p = Program::start("epoll_echo_server", {"--port", "0", "--workers", bad});
    const test::Exit e = p.wait(5s);
    const std::string err = p.stderr_text();
    EXPECT_EQ(e.code, 2) << trf("--workers '{}': {}", bad, err);
    EXPECT_TRUE(test::contains(err, "--workers")) << tr("the line names the option");
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << trf("one line, got: {}", err);
    EXPECT_TRUE(p.stdout_text().empty()) << trf("nothing listens: {}", p.stdout_text());
  }
}
