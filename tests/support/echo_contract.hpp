// echo_contract.hpp — one contract, every event model (DESIGN.md 7b).
//
// poll, epoll (the reactor) and io_uring (the proactor) echo servers promise the same
// things, and one suite holds each of them to it:
//   EchoesEveryByte        a line, and a 1 MiB burst written while it is echoed back
//   NonReaderStallsNoOne   a client that sends and never reads; the others are served,
//                          and every byte it sent comes back once it reads
//   PeerCloseIsSeen        the peer's FIN: what is owed is echoed, then the server closes
//   IdleTimeoutOnTime      --idle-timeout 400: closed no earlier than 400 ms, before 800 ms,
//                          while an active client keeps its connection
//   OutOfDescriptorsNoSpin at RLIMIT_NOFILE: the excess client is closed at once, the
//                          server does not spin, and serves again once descriptors are back
//
// A lesson's test runs it against its server, in its own step numbering (so that a
// failure in the student edition names the lesson's step):
//
//   INSTANTIATE_TEST_SUITE_P(Lesson14, EchoContract, ::testing::Values(test::ContractServer{
//       "uring_echo_server", {}, 7, {.accept = 3, .echo = 4, ...}, supported_or_skip}));
//
// The lesson's CMake adds tests/support/echo_contract.cpp (the TEST_Ps) to its test
// program (top-level CMakeLists.txt). The servers must take --port 0 and --idle-timeout MS.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "support/programs.hpp"

namespace socklab::test {

/// The lesson's step numbers for each promise.
struct ContractSteps {
  int accept = 3;      ///< accept, and what it does out of descriptors
  int echo = 4;        ///< receive, and echo what was received
  int queue = 5;       ///< what the kernel will not take yet (queue, short send)
  int peer_close = 6;  ///< recv() = 0
  int idle = 7;        ///< the idle timeout
};

struct ContractServer {
  std::string program;            ///< e.g. "uring_echo_server"
  std::vector<std::string> args;  ///< besides --port 0 (e.g. {"--edge"})
  int total_steps = 7;            ///< the lesson's number of steps
  ContractSteps steps;
  /// Why this server cannot run here (empty: it can): the suite skips with it.
  std::function<std::string()> unavailable;
};

inline std::ostream& operator<<(std::ostream& out, const ContractServer& s) {
  out << s.program;
  for (const auto& a : s.args) out << ' ' << a;
  return out;
}

/// The suite's test names: "uring_echo_server", "epoll_echo_server_edge".
std::string contract_name(const ::testing::TestParamInfo<ContractServer>& info);

class EchoContract : public ::testing::TestWithParam<ContractServer> {
 protected:
  void SetUp() override;     // skips, with the cause, where the server cannot run
  void TearDown() override;  // a failed test ends with the server's own error line
  /// Starts the server with --port 0, its args and `extra`.
  Program& start(const std::vector<std::string>& extra = {});
  std::deque<Program> programs_;
};

// --- measurements the contract (and the lessons' own tests) share -------------------

/// How long (ms) process `pid` was runnable — on a CPU or waiting for one — over the
/// next `window`, all threads (/proc/PID/task/*/schedstat). A spinning loop is runnable
/// all the time however busy the machine is; a loop asleep in its wait is not. Falls
/// back to CPU time (/proc/PID/stat) where schedstat is missing; -1 off Linux.
long long busy_ms_during(long pid, std::chrono::milliseconds window);

/// The same for several processes over ONE shared window (each its own figure): measuring
/// them together costs a test one window, not one each.
std::vector<long long> busy_ms_during(const std::vector<long>& pids,
                                      std::chrono::milliseconds window);

/// Sets the soft RLIMIT_NOFILE of a running process (prlimit(2)); returns the old soft
/// limit, or nullopt if it could not (another user's process, not Linux).
std::optional<unsigned long long> set_soft_nofile(long pid, unsigned long long soft);

/// The descriptor numbers process `pid` has open (/proc/PID/fd; empty off Linux).
std::set<long> open_descriptors_of(long pid);

}  // namespace socklab::test
