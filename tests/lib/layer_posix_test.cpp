// The POSIX rows of docs/layer.md that a test can only check with POSIX calls of
// its own: the EINTR retry inside recv(), UniqueFd closing exactly once, and the
// system calls of an edge-triggered drain (counted with strace).
// Built on POSIX systems only (tests/lib/CMakeLists.txt).
#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "socklab/epoll.hpp"
#include "socklab/error.hpp"
#include "socklab/io.hpp"
#include "socklab/socket.hpp"
#include "socklab/unique_fd.hpp"
#include "support/programs.hpp"

using namespace socklab;
using namespace std::chrono_literals;

namespace {

std::atomic<int> g_alarms{0};
int g_alarm_pipe = -1;  // the handler tells the sender thread through it

extern "C" void on_alarm(int) {
  g_alarms.fetch_add(1);
  char one = 1;
  (void)::write(g_alarm_pipe, &one, 1);  // async-signal-safe
}

bool is_open_fd(int fd) {
  return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

}  // namespace

// Socket::recv on POSIX: a signal that interrupts the blocking recv() (EINTR,
// handler installed without SA_RESTART) is retried inside the layer, so the
// caller sees the data, not the interruption.
TEST(LayerPosix, RecvRetriesAfterASignalInterruptsIt) {
  int alarm_pipe[2];
  ASSERT_EQ(::pipe(alarm_pipe), 0);
  UniqueFd alarm_read(alarm_pipe[0]), alarm_write(alarm_pipe[1]);
  g_alarm_pipe = alarm_write.get();

  struct sigaction action {
  }, previous{};
  action.sa_handler = on_alarm;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: the kernel returns EINTR from recv()
  ASSERT_EQ(::sigaction(SIGALRM, &action, &previous), 0);

  auto [a, b] = tcp_pair();
  b.set_recv_timeout(10s);  // a bound, should the test go wrong
  // The sender waits for the alarm, then sends: recv() below is blocked until then.
  sigset_t alarm_only, old_mask;
  sigemptyset(&alarm_only);
  sigaddset(&alarm_only, SIGALRM);
  ::pthread_sigmask(SIG_BLOCK, &alarm_only, &old_mask);  // the thread inherits the block
  std::thread sender([&a = a, fd = alarm_read.get()] {
    char c;
    while (::read(fd, &c, 1) < 0 && errno == EINTR) {
    }
    send_all(a, "after the signal");
  });
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);  // only this thread takes SIGALRM

  itimerval once{};
  once.it_value.tv_usec = 50'000;  // one SIGALRM, 50 ms from now
  ASSERT_EQ(::setitimer(ITIMER_REAL, &once, nullptr), 0);
  std::array<char, 64> buf;
  std::error_code ec;
  Received r = b.recv(buf, ec);
  sender.join();
  ::sigaction(SIGALRM, &previous, nullptr);

  EXPECT_EQ(g_alarms.load(), 1) << "the signal never came";
  EXPECT_FALSE(ec) << "recv() reported " << ec.message() << " instead of retrying";
  EXPECT_EQ(std::string(buf.data(), r.bytes).substr(0, 5), "after");
}

// UniqueFd: closes what it owns, once; release() hands it back; moves transfer it.
TEST(LayerPosix, UniqueFdClosesExactlyOnce) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  {
    UniqueFd r(p[0]);
    UniqueFd w(p[1]);
    EXPECT_TRUE(r && w);
    UniqueFd moved = std::move(r);
    EXPECT_FALSE(r.is_open()) << "the moved-from owns nothing";
    EXPECT_EQ(moved.get(), p[0]);
    int raw = w.release();
    EXPECT_FALSE(w.is_open());
    EXPECT_TRUE(is_open_fd(raw)) << "release() must not close";
    w.reset(raw);  // owned again
  }
  EXPECT_FALSE(is_open_fd(p[0])) << "the read end leaked";
  EXPECT_FALSE(is_open_fd(p[1])) << "the write end leaked";
  UniqueFd none(-1);
  EXPECT_FALSE(none.is_open());
}

// An edge-triggered drain makes no call but recv(): lesson 11 counts system calls,
// and a would-block costs nothing beyond the recv() that reports it. The layer knows
// the socket is non-blocking because set_non_blocking() said so; before, every EAGAIN
// was followed by a hidden fcntl(F_GETFL). tests/lib/drain_probe.cpp makes the drain
// between two marker lines; strace logs every call it makes.
TEST(LayerPosix, EdgeTriggeredDrainCallsOnlyRecv) {
  if (!Epoll::supported()) GTEST_SKIP() << "epoll is Linux's: this system has none";
  auto strace = test::find_on_path("strace");
  if (!strace) GTEST_SKIP() << "strace is not installed: apt-get install strace";
  // Built with AddressSanitizer (make test-asan), the probe's leak check at exit
  // (LeakSanitizer) stops the process's threads with ptrace(), which a traced process
  // cannot: it says "LeakSanitizer does not work under ptrace (strace, gdb, etc)" and
  // exits 1. Its leak check is off for this run only (harmless where there is no
  // sanitizer); every other ASan check stays, and the drain's calls are the same.
  const char* asan_options = std::getenv("ASAN_OPTIONS");
  test::ScopedEnvironment no_leak_check(
      "ASAN_OPTIONS",
      (asan_options != nullptr && *asan_options != '\0' ? std::string(asan_options) + ":" : "") +
          "detect_leaks=0");
  auto run = test::Program::start_path(
      *strace, {"-qq", "-e", "signal=none", test::program_path("drain_probe")});
  test::Exit exit = run.wait(20s);
  const std::string& log = run.stderr_text();  // strace writes its log to stderr
  // strace's own refusal is a line of its own ("strace: attach: ptrace(PTRACE_SEIZE, ...):
  // Operation not permitted"); a "ptrace" anywhere else is the probe's or a sanitizer's.
  std::string refusal;
  std::istringstream log_lines(log);
  for (std::string line; refusal.empty() && std::getline(log_lines, line);) {
    if (line.starts_with("strace:") && (line.find("ptrace") != std::string::npos ||
                                        line.find("Operation not permitted") != std::string::npos))
      refusal = line;
  }
  if (exit.code != 0 && !refusal.empty())
    GTEST_SKIP() << "strace cannot trace here (" << refusal
                 << "): a container without CAP_SYS_PTRACE, or kernel.yama.ptrace_scope=3; "
                    "run the test on a machine or VM";
  ASSERT_EQ(exit.code, 0) << "drain_probe under strace " << run.how_it_ended() << "\n" << log;

  std::vector<std::string> calls;  // the lines of strace's log between the two fences
  bool inside = false;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"drain: begin\\n\"") != std::string::npos) {
      inside = true;
    } else if (line.find("\"drain: end\\n\"") != std::string::npos) {
      break;
    } else if (inside) {
      calls.push_back(line);
    }
  }
  ASSERT_FALSE(calls.empty()) << "no call between the markers in strace's log:\n" << log;
  for (const std::string& call : calls) {
    std::string name = call.substr(0, call.find('('));
    EXPECT_TRUE(name == "recvfrom" || name == "recv")
        << "a drain made a call that is not recv(): " << call
        << "\n(docs/layer.md: an EAGAIN costs no call; the blocking mode is remembered)";
  }
  auto last_recv = std::find_if(calls.rbegin(), calls.rend(),
                                [](const std::string& call) { return call.starts_with("recv"); });
  ASSERT_NE(last_recv, calls.rend()) << "the drain made no recv() at all";
  EXPECT_NE(last_recv->find("EAGAIN"), std::string::npos)
      << "the drain should end with the recv() that fails with EAGAIN, not: " << *last_recv;
}

// Epoll and EventFd own their descriptor through UniqueFd: a move hands it over, the
// moved-from owns nothing, the destructor closes it, close() reports and closes once.
TEST(LayerPosix, EpollAndEventFdOwnTheirDescriptorOnce) {
  if (!Epoll::supported()) GTEST_SKIP() << "epoll is Linux's: this system has none";
  int ep_fd = -1, ev_fd = -1;
  {
    Epoll ep = Epoll::create1();
    EventFd ev = EventFd::create();
    ep_fd = static_cast<int>(ep.native_handle());
    ev_fd = static_cast<int>(ev.native_handle());
    Epoll moved_ep = std::move(ep);
    EventFd moved_ev = std::move(ev);
    EXPECT_FALSE(ep.is_open()) << "the moved-from Epoll owns nothing";
    EXPECT_EQ(ep.native_handle(), Socket::invalid_handle);
    EXPECT_FALSE(ev.is_open()) << "the moved-from EventFd owns nothing";
    EXPECT_EQ(static_cast<int>(moved_ep.native_handle()), ep_fd);
    EXPECT_TRUE(is_open_fd(ep_fd) && is_open_fd(ev_fd));
    std::error_code ec;
    moved_ev.close(ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_FALSE(is_open_fd(ev_fd)) << "close() left the eventfd open";
    moved_ev.close(ec);
    EXPECT_EQ(ec, make_error_code(socklab::errc::not_open))
        << "a second close() must not close(2) again";
  }
  EXPECT_FALSE(is_open_fd(ep_fd)) << "the epoll descriptor leaked";
}
