// echo_contract.cpp — the suite of echo_contract.hpp: what every event-loop echo
// server promises, whatever its model (poll, epoll, io_uring). Compiled into each
// lesson test program that instantiates it (top-level CMakeLists.txt).
#include "support/echo_contract.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>

#include "socklab/poll.hpp"
#include "socklab/socklab.hpp"
#include "support/narrate.hpp"

#if defined(__linux__)
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace socklab::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

long long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

Socket connect_to(const Address& a) {
  Socket s = Socket::tcp(a.family());
  s.set_recv_timeout(5s);  // a missing echo fails the test, it does not hang it
  s.connect(a);
  return s;
}

// Sends `text` and expects it back within `timeout`.
::testing::AssertionResult serves(const Program& server, Socket& c, const std::string& text,
                                  std::chrono::milliseconds timeout = 2s) {
  std::error_code ec;
  send_all(c, text, ec);
  std::array<PollFd, 1> fds{PollFd{c.native_handle(), Events::in}};
  if (ec || poll(fds, timeout) == 0)
    return ::testing::AssertionFailure()
           << "no echo within " << timeout.count() << " ms from " << server.name()
           << (ec ? " (send: " + ec.message() + ")" : std::string());
  std::string back(text.size(), '\0');
  recv_exact(c, back, ec);
  if (ec)
    return ::testing::AssertionFailure()
           << server.name() << " closed or reset the connection instead of echoing ("
           << ec.message() << "): did it stop? (its error line follows)";
  if (back != text) return ::testing::AssertionFailure() << "echoed " << byte_text(back);
  return ::testing::AssertionSuccess();
}

// Reads until `want` bytes arrived, EOF, or nothing more came for `quiet`.
std::size_t read_until_quiet(Socket& s, std::size_t want, std::chrono::milliseconds quiet) {
  std::array<char, 64 * 1024> buf;
  std::size_t got = 0;
  while (got < want) {
    std::array<PollFd, 1> fds{PollFd{s.native_handle(), Events::in}};
    if (poll(fds, quiet) == 0) break;
    std::error_code ec;
    Received r = s.recv(buf, ec);
    if (ec || r.eof) break;
    got += r.bytes;
  }
  return got;
}

// True if the server closed `c` (EOF or reset) within `timeout`; false if it echoed or
// stayed silent (then *silent says which).
bool closed_within(Socket& c, std::chrono::milliseconds timeout, bool* silent = nullptr) {
  std::array<PollFd, 1> fds{PollFd{c.native_handle(), Events::in}};
  if (poll(fds, timeout) == 0) {
    if (silent) *silent = true;
    return false;
  }
  std::array<char, 16> buf;
  std::error_code ec;
  Received r = c.recv(buf, ec);
  return r.eof || ec;
}

#if defined(__linux__)
std::optional<long long> cpu_ticks(long pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto close_paren = text.rfind(')');  // the command name may hold spaces
  if (close_paren == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close_paren + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) stime = std::stoll(field);
  }
  return utime + stime;
}
#endif

}  // namespace

// --- the shared measurements ------------------------------------------------------

std::vector<long long> busy_ms_during(const std::vector<long>& pids,
                                      std::chrono::milliseconds window) {
#if defined(__linux__)
  auto runnable_ns = [](long pid) -> std::optional<long long> {
    const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
    long long sum = 0;
    std::error_code ec;
    for (const auto& t : std::filesystem::directory_iterator(tasks, ec)) {
      std::ifstream f(t.path() / "schedstat");
      long long run = 0, wait = 0;
      if (!(f >> run >> wait)) return std::nullopt;
      sum += run + wait;
    }
    if (ec) return std::nullopt;
    return sum;
  };
  std::vector<std::optional<long long>> before, cpu_before;
  for (long pid : pids) {
    before.push_back(runnable_ns(pid));
    cpu_before.push_back(cpu_ticks(pid));
  }
  std::this_thread::sleep_for(window);  // the measurement window, not a synchronisation
  std::vector<long long> ms;
  for (std::size_t i = 0; i < pids.size(); ++i) {
    const auto after = runnable_ns(pids[i]);
    const auto cpu_after = cpu_ticks(pids[i]);
    if (before[i] && after)
      ms.push_back((*after - *before[i]) / 1000000);
    else if (!cpu_before[i] || !cpu_after)
      ms.push_back(-1);
    else
      ms.push_back((*cpu_after - *cpu_before[i]) * 1000 / ::sysconf(_SC_CLK_TCK));
  }
  return ms;
#else
  (void)window;
  return std::vector<long long>(pids.size(), -1);
#endif
}

long long busy_ms_during(long pid, std::chrono::milliseconds window) {
  return busy_ms_during(std::vector<long>{pid}, window)[0];
}

std::optional<unsigned long long> set_soft_nofile(long pid, unsigned long long soft) {
#if defined(__linux__)
  rlimit old{};
  if (::prlimit(static_cast<pid_t>(pid), RLIMIT_NOFILE, nullptr, &old) != 0) return std::nullopt;
  rlimit now = old;
  now.rlim_cur = static_cast<rlim_t>(soft);
  if (::prlimit(static_cast<pid_t>(pid), RLIMIT_NOFILE, &now, nullptr) != 0) return std::nullopt;
  return static_cast<unsigned long long>(old.rlim_cur);
#else
  (void)pid, (void)soft;
  return std::nullopt;
#endif
}

std::set<long> open_descriptors_of(long pid) {
  std::set<long> open;
  std::error_code ec;
  for (const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec))
    open.insert(std::stol(e.path().filename().string()));
  return open;
}

std::string contract_name(const ::testing::TestParamInfo<ContractServer>& info) {
  std::string name = info.param.program;
  for (const std::string& a : info.param.args)
    for (char ch : a)
      if (std::isalnum(static_cast<unsigned char>(ch))) name += ch;
  return name;
}

// --- the fixture -----------------------------------------------------------------------

void EchoContract::SetUp() {
  if (GetParam().unavailable) {
    const std::string why = GetParam().unavailable();
    if (!why.empty()) GTEST_SKIP() << why;
  }
}

void EchoContract::TearDown() {
  for (Program& p : programs_) show_error_line_if_failed(p, p.name());
}

Program& EchoContract::start(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"--port", "0"};
  args.insert(args.end(), GetParam().args.begin(), GetParam().args.end());
  args.insert(args.end(), extra.begin(), extra.end());
  return programs_.emplace_back(Program::start(GetParam().program, args));
}

// --- the promises ------------------------------------------------------------------------

TEST_P(EchoContract, EchoesEveryByte) {
  const ContractServer& s = GetParam();
  Step step(s.steps.echo, s.total_steps, s.program + ": receive, then send what was received",
            "every byte comes back in order: a line, then 1 MiB written while it is echoed, "
            "and another client is served during the burst");
  Program& server = start();
  const Address addr = server.listening_address();
  Socket c = connect_to(addr);
  ASSERT_TRUE(serves(server, c, "hello, contract\n"));
  std::string big(1u << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  std::thread writer([&] {
    std::error_code ec;
    send_all(c, big, ec);  // (ends with an error if the socket is shut down below)
  });
  Socket other = connect_to(addr);
  const auto start_time = Clock::now();
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(serves(server, other, "beside the burst " + std::to_string(i) + "\n"));
  }
  const long long beside_ms = ms_since(start_time);
  std::string back(big.size(), '\0');
  std::error_code ec;
  recv_exact(c, back, ec);
  c.shutdown(Shutdown::both, ec);  // a writer still blocked in send() returns
  writer.join();
  ASSERT_EQ(back.size(), big.size());
  EXPECT_TRUE(back == big) << "the burst came back changed: first difference at byte "
                           << (std::mismatch(back.begin(), back.end(), big.begin()).first -
                               back.begin());
  EXPECT_LT(beside_ms, 2000) << "a burst from one client starved another";
  narrate("  1 MiB echoed; 5 echoes to another client beside it took " + std::to_string(beside_ms) +
          " ms");
}

TEST_P(EchoContract, NonReaderStallsNoOne) {
  const ContractServer& s = GetParam();
  Step step(
      s.steps.queue, s.total_steps,
      s.program + ": a client sends and never reads (the echo has nowhere to go)",
      "its own echo waits; the other clients are served; every byte comes back once it reads");
  Program& server = start();
  const Address addr = server.listening_address();
  Socket hog = connect_to(addr);
  hog.set_non_blocking(true);
  const std::string chunk(64 * 1024, 'h');
  std::size_t sent = 0;
  for (int i = 0; i < 1024; ++i) {  // at most 64 MiB
    std::error_code ec;
    std::size_t n = hog.send(chunk, ec);
    if (ec == std::errc::operation_would_block) {
      std::array<PollFd, 1> fds{PollFd{hog.native_handle(), Events::out}};
      if (poll(fds, 300ms) == 0) break;  // no room for 300 ms: the server stopped reading
      continue;
    }
    ASSERT_FALSE(ec) << ec.message();
    sent += n;
  }
  hog.set_non_blocking(false);
  if (sent >= 64u << 20) {  // it kept reading: are the bytes kept, or thrown away?
    hog.shutdown(Shutdown::write);
    const std::size_t back = read_until_quiet(hog, sent, 1s);
    FAIL() << (back < sent ? "lost data: " + std::to_string(back) + " of " + std::to_string(sent) +
                                 " bytes came back"
                           : "the server kept reading from a client that never reads: what it "
                             "holds for one client must be bounded");
  }
  narrate("  the hog got " + std::to_string(sent >> 10) + " KiB in before it had to wait");
  Socket polite = connect_to(addr);
  const auto start_time = Clock::now();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(serves(server, polite, "ping " + std::to_string(i)));
  EXPECT_LT(ms_since(start_time), 2000) << "the hog must not stall another client";
  hog.shutdown(Shutdown::write);
  EXPECT_EQ(read_until_quiet(hog, sent, 3s), sent) << "every byte the hog sent comes back";
}

TEST_P(EchoContract, PeerCloseIsSeen) {
  const ContractServer& s = GetParam();
  Step step(s.steps.peer_close, s.total_steps, s.program + ": recv() = 0, the peer's FIN",
            "the server echoes what it owes, then closes its side too");
  Program& server = start();
  Socket c = connect_to(server.listening_address());
  send_all(c, std::string("bye\n"));
  c.shutdown(Shutdown::write);
  std::array<char, 16> buf;
  std::string back;
  std::error_code ec;
  for (Received r = c.recv(buf, ec); !ec && !r.eof; r = c.recv(buf, ec))
    back.append(buf.data(), r.bytes);
  EXPECT_FALSE(ec) << "no close from the server within 5 s: " << ec.message();
  EXPECT_EQ(back, "bye\n");
}

TEST_P(EchoContract, IdleTimeoutOnTime) {
  const ContractServer& s = GetParam();
  Step step(s.steps.idle, s.total_steps, s.program + " --idle-timeout 400",
            "an idle connection is closed after 400 ms (not before, not at 800); an active one "
            "stays");
  Program& server = start({"--idle-timeout", "400"});
  const Address addr = server.listening_address();
  Socket active = connect_to(addr);
  ASSERT_TRUE(serves(server, active, "first\n"));
  const auto start_time = Clock::now();
  Socket idle = connect_to(addr);
  long long closed_after = -1;
  // The active client pings every 50 ms (its workload, not a synchronisation).
  for (int i = 0; i < 40 && closed_after < 0; ++i) {
    ASSERT_TRUE(serves(server, active, "tick\n"));
    if (closed_within(idle, 50ms)) closed_after = ms_since(start_time);
  }
  ASSERT_GE(closed_after, 0) << "the idle connection was never closed";
  EXPECT_GE(closed_after, 400) << "closed before its timeout";
  EXPECT_LT(closed_after, 800) << "closed long after its timeout";
  narrate("  idle connection closed after " + std::to_string(closed_after) + " ms");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(serves(server, active, "still here\n"));
}

TEST_P(EchoContract, OutOfDescriptorsNoSpin) {
#if !defined(__linux__)
  GTEST_SKIP() << "lowers the server's RLIMIT_NOFILE with prlimit(2): Linux";
#else
  const ContractServer& s = GetParam();
  Step step(s.steps.accept, s.total_steps, s.program + " at RLIMIT_NOFILE (EMFILE)",
            "the excess client is closed at once, the server does not spin, and it serves "
            "again once descriptors are back");
  Program& server = start();
  const Address addr = server.listening_address();
  Socket first = connect_to(addr);
  ASSERT_TRUE(serves(server, first, "before\n"));
  // The limit is on descriptor NUMBERS, and a new descriptor takes the lowest free one
  // (inherited ones may sit high, with a gap below): room for exactly 3 more.
  const std::set<long> open = open_descriptors_of(server.pid());
  ASSERT_FALSE(open.empty());
  long room = 0, limit = 0;
  while (room < 3) room += open.count(limit++) == 0 ? 1 : 0;
  const auto old = set_soft_nofile(server.pid(), static_cast<unsigned long long>(limit));
  if (!old) GTEST_SKIP() << "prlimit(RLIMIT_NOFILE) on the server failed (needs the same user)";
  std::vector<Socket> held;
  bool refused = false;
  for (int i = 0; i < 50 && !refused; ++i) {
    Socket c = connect_to(addr);  // the kernel completes the handshake either way
    bool silent = false;
    std::error_code ec;
    send_all(c, std::string("held\n"), ec);
    if (!ec && closed_within(c, 2s, &silent)) {
      refused = true;  // accepted and closed at once
    } else if (silent) {
      const long long ms = busy_ms_during(server.pid(), 300ms);
      FAIL() << "at the limit a client waited 2 s, neither echoed nor closed; the server was "
             << "busy " << ms << " ms of 0.3 s"
             << (ms >= 100 ? ": it spins on EMFILE (the client stays queued, accept fails again "
                             "at once) - shed it with AcceptGuard's spare"
                           : ": accepting stopped and never resumed");
    } else {
      held.push_back(std::move(c));  // echoed (closed_within read the echo)
    }
  }
  ASSERT_TRUE(refused) << "the server never ran out of descriptors";
  narrate("  " + std::to_string(held.size()) +
          " clients held; the next one was accepted and closed at once (EOF)");
  std::vector<Socket> excess;
  for (int i = 0; i < 10; ++i) excess.push_back(connect_to(addr));
  const long long spare_ms = busy_ms_during(server.pid(), 500ms);
  EXPECT_LT(spare_ms, 150) << "the server spins at RLIMIT_NOFILE: after EMFILE it must make "
                              "progress (the spare sheds the waiting client) or pause";
  for (Socket& e : excess)
    EXPECT_TRUE(closed_within(e, 2s))
        << "an excess client must be closed at once, not left waiting";
  // No spare either: a limit below every descriptor the server has.
  ASSERT_TRUE(set_soft_nofile(server.pid(), 3));
  std::vector<Socket> queued;
  for (int i = 0; i < 3; ++i) queued.push_back(connect_to(addr));
  const long long pause_ms = busy_ms_during(server.pid(), 500ms);
  ASSERT_TRUE(set_soft_nofile(server.pid(), *old));
  narrate("  busy over 0.5 s: " + std::to_string(spare_ms) + " ms with the spare, " +
          std::to_string(pause_ms) + " ms with none (AcceptGuard's pause)");
  EXPECT_LT(pause_ms, 150) << "with no descriptor and no spare the server spins: when "
                              "guard.pause() > 0, stop accepting for that long";
  for (Socket& q : queued)  // the pause is at most 1 s
    EXPECT_TRUE(serves(server, q, "after\n", 3s)) << "accepting did not resume";
  for (Socket& h : held) EXPECT_TRUE(serves(server, h, "still served\n"));
  Socket again = connect_to(addr);
  EXPECT_TRUE(serves(server, again, "served again\n"));
#endif
}

}  // namespace socklab::test
