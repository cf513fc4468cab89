// Example: loadgen (`ctest -L example_loadgen -V`).
//
// Percentiles by nearest rank; a short real run against lesson 08's server;
// --verify catching a server that does not echo exactly (lesson 01's prefix);
// the time bound against a server that never answers; loopback only.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "latency.hpp"
#include "socklab/socklab.hpp"
#include "support/narrate.hpp"
#include "support/programs.hpp"

using namespace socklab;
using namespace std::chrono_literals;
using socklab::test::Program;
using socklab::test::Step;

namespace {

// loadgen --tsv: requests/s, MB/s, p50, p99, max (µs), slow, errors, silent.
std::vector<double> tsv(const std::string& line) {
  std::vector<double> v;
  std::istringstream in(line);
  for (std::string cell; std::getline(in, cell, '\t');) v.push_back(std::stod(cell));
  return v;
}

}  // namespace

TEST(ExampleLoadgen, Step1_Percentiles) {
  Step step(1, 5, "Latencies", "nearest-rank percentiles: p50 of 1..100 is 50, p99 is 99");
  loadgen::Latencies l;
  EXPECT_EQ(l.percentile(50), 0u);
  for (std::uint64_t i = 100; i >= 1; --i) l.add(i);
  EXPECT_EQ(l.percentile(50), 50u);
  EXPECT_EQ(l.percentile(99), 99u);
  EXPECT_EQ(l.percentile(100), 100u);
  EXPECT_EQ(l.max(), 100u);
  EXPECT_EQ(l.at_least(91), 10u);
  loadgen::Latencies one;
  one.add(7);
  EXPECT_EQ(one.percentile(1), 7u);
  EXPECT_EQ(one.percentile(99), 7u);
}

TEST(ExampleLoadgen, Step2_ARealRunAgainstLesson08) {
  Step step(2, 5, "loadgen --connections 20 --verify", "every reply is the message; no errors");
  auto server = Program::start("poll_echo_server", {"--port", "0"});
  const std::string port = std::to_string(server.listening_address().port());
  // Both runs at once (the server serves them together): one run's time, not two.
  auto run = Program::start("loadgen", {"--port", port, "--connections", "20", "--size", "100",
                                        "--duration", "0.5", "--warmup", "0.1", "--verify"});
  auto connect = Program::start("loadgen", {"--port", port, "--mode", "connect", "--duration",
                                            "0.3", "--warmup", "0", "--tsv"});
  auto exit = run.wait(15s);
  EXPECT_EQ(exit.code, 0) << run.stdout_text() << run.stderr_text();
  EXPECT_NE(run.stdout_text().find("errors        0"), std::string::npos) << run.stdout_text();
  EXPECT_EQ(connect.wait(15s).code, 0) << connect.stderr_text();
  auto v = tsv(connect.read_line().value_or(""));
  ASSERT_EQ(v.size(), 8u);
  EXPECT_GT(v[0], 10) << "connect/close cycles per second";
  EXPECT_EQ(v[6], 0) << "errors";
}

TEST(ExampleLoadgen, Step3_VerifyCatchesAServerThatIsNotAnEcho) {
  Step step(3, 5, "--verify against lesson 01",
            "lesson 01 adds a prefix: counted without --verify, an error with it");
  // A fresh server per run: lesson 01 prints every message, and nobody reads
  // those lines here, so after ~1000 of them its stdout pipe is full and it stops.
  auto server = Program::start("echo_server", {"--port", "0", "--once"});
  std::string port = std::to_string(server.listening_address().port());
  auto plain =
      Program::start("loadgen", {"--port", port, "--duration", "0.3", "--warmup", "0", "--tsv"});
  EXPECT_EQ(plain.wait(15s).code, 0) << plain.stderr_text();
  auto v = tsv(plain.read_line().value_or(""));
  ASSERT_EQ(v.size(), 8u);
  EXPECT_GT(v[0], 0) << "requests/s";
  EXPECT_EQ(v[6], 0) << "errors";
  auto second = Program::start("echo_server", {"--port", "0", "--once"});
  port = std::to_string(second.listening_address().port());
  auto strict =
      Program::start("loadgen", {"--port", port, "--duration", "0.3", "--warmup", "0", "--verify"});
  EXPECT_EQ(strict.wait(15s).code, 1);
  EXPECT_NE(strict.stdout_text().find("the reply is not the message"), std::string::npos)
      << strict.stdout_text();
}

TEST(ExampleLoadgen, Step4_BoundedInTimeEvenWhenNobodyAnswers) {
  Step step(4, 5, "a listener that never accepts",
            "loadgen stops at warm-up + duration and reports the silent connections");
  Socket listener = Socket::tcp();
  listener.bind(Address::parse("127.0.0.1:0"));
  listener.listen(16);
  const auto start = std::chrono::steady_clock::now();
  auto run = Program::start(
      "loadgen", {"--port", std::to_string(listener.local_address().port()), "--connections", "3",
                  "--duration", "0.5", "--warmup", "0.2", "--tsv"});
  auto exit = run.wait(10s);
  EXPECT_FALSE(exit.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  auto v = tsv(run.read_line().value_or(""));
  ASSERT_EQ(v.size(), 8u);
  EXPECT_EQ(v[0], 0) << "no replies";
  EXPECT_EQ(v[7], 3) << "three silent connections";
}

TEST(ExampleLoadgen, Step5_LoopbackOnly) {
  Step step(5, 5, "--host 192.0.2.1",
            "a load generator aims only at loopback unless told otherwise");
  auto run = Program::start("loadgen", {"--host", "192.0.2.1", "--port", "9"});
  EXPECT_EQ(run.wait(10s).code, 2);
  EXPECT_NE(run.first_stderr_line().find("not a loopback address"), std::string::npos)
      << run.stderr_text();
}
