// The flight recorder (tests/support/flight_recorder.hpp), checked from outside:
// run flight_recorder_demo's planted lesson 01 mistake, then read what it left
// behind with lib/observe's reader and with tshark, and look at the page.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "socklab/observe/capture_file.hpp"
#include "socklab/socklab.hpp"
#include "support/flight_recorder.hpp"
#include "support/narrate.hpp"
#include "support/programs.hpp"

using namespace socklab;
using namespace socklab::observe;
using socklab::test::Program;
using socklab::test::Step;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The bytes a raw-IP frame's segment carried.
std::string data_of(const CapturedFrame& frame, const packet::Segment& s) {
  const std::size_t end = std::min(s.ip_length, frame.data.size());
  if (s.payload_length == 0 || s.payload_length > end) return {};
  return std::string(reinterpret_cast<const char*>(frame.data.data()) + (end - s.payload_length),
                     s.payload_length);
}

// Runs one test of flight_recorder_demo; returns its exit code and output.
struct DemoRun {
  int code = -1;
  std::string out;
};
DemoRun run_demo(const std::string& test_name) {
  // In English whatever the student's language: this test reads the demo's lines.
  test::ScopedEnvironment english("SOCKLAB_LANG", "en");
  auto demo = Program::start("flight_recorder_demo", {"--gtest_filter=" + test_name});
  auto exit = demo.wait(20s);
  return {exit.code, demo.stdout_text() + demo.stderr_text()};
}

// Removes the recording of `name` (also when the test fails half-way).
struct Cleanup {
  std::string base;
  ~Cleanup() {
    std::error_code ec;
    fs::remove(base + ".pcapng", ec);
    fs::remove(base + ".html", ec);
  }
};

}  // namespace

TEST(FlightRecorder, AFailingTestLeavesItsWireNamedAndReadable) {
  const std::string base = test::failures_dir() + "/FlightDemo.ReplyWithoutPrefix";
  Cleanup cleanup{base};
  DemoRun run;
  {
    Step step(1, 5, "flight_recorder_demo --gtest_filter=FlightDemo.ReplyWithoutPrefix",
              "lesson 01's check against a server that forgets the prefix: it must fail");
    std::error_code ec;
    fs::remove(base + ".pcapng", ec);
    fs::remove(base + ".html", ec);
    run = run_demo("FlightDemo.ReplyWithoutPrefix");
    ASSERT_NE(run.code, 0) << "the planted mistake passed:\n" << run.out;
    // Where the demo cannot record (not Linux, no namespaces, build/failures not
    // writable by this user), it says why in one line: that line is the skip's cause.
    if (auto at = run.out.find("no flight recording: "); at != std::string::npos)
      GTEST_SKIP() << run.out.substr(at, run.out.find('\n', at) - at);
    EXPECT_TRUE(test::contains(run.out, "got \"hello\" (5 bytes)"));  // the assertion itself
  }
  {
    Step step(2, 5, "the failure output", "names both files and shows the wrong segment");
    EXPECT_TRUE(test::contains(run.out, base + ".pcapng"));
    EXPECT_TRUE(test::contains(run.out, base + ".html"));
    EXPECT_TRUE(test::contains(run.out, "1 connection(s)"));
    // The reply, from the server (arrow to the left), carrying the bytes without the prefix.
    EXPECT_TRUE(test::contains(run.out, "<--"));
    EXPECT_TRUE(test::contains(run.out, "len=5 "));
    EXPECT_TRUE(test::contains(run.out, "! data: \"hello\""));
  }
  std::uint16_t server_port = 0;
  {
    Step step(3, 5, "read_capture_file(FILE.pcapng)",
              "lib/observe reads it back: the segments are what the test sent");
    ASSERT_TRUE(fs::exists(base + ".pcapng")) << run.out;
    CaptureFile file = read_capture_file(base + ".pcapng");
    EXPECT_EQ(file.format, "pcapng");
    DecodedFrames decoded = decode_frames(file);
    ASSERT_GE(decoded.segments.size(), 3u);
    const packet::Segment& syn = decoded.segments.front();
    EXPECT_EQ(syn.flags, packet::syn) << "the first segment is the client's SYN";
    server_port = syn.destination.port();
    std::vector<std::string> from_client, from_server;
    for (std::size_t i = 0; i < decoded.segments.size(); ++i) {
      const packet::Segment& s = decoded.segments[i];
      std::string data = data_of(file.packets[decoded.frame_of[i]], s);
      if (data.empty()) continue;
      (s.source.port() == server_port ? from_server : from_client).push_back(data);
    }
    EXPECT_EQ(from_client, std::vector<std::string>{"hello"});
    EXPECT_EQ(from_server, std::vector<std::string>{"hello"}) << "the reply, prefix missing";
  }
  {
    Step step(4, 5, "tshark -r FILE.pcapng -T fields -e tcp.flags -e tcp.payload",
              "Wireshark reads the same file");
    auto tshark = test::find_on_path("tshark");
    if (!tshark)
      GTEST_SKIP() << "tshark is not installed: make deps-tshark (Debian: apt-get install tshark)";
    auto read = Program::start_path(
        *tshark, {"-r", base + ".pcapng", "-T", "fields", "-e", "tcp.flags", "-e", "tcp.payload"});
    auto exit = read.wait(20s);
    EXPECT_EQ(exit.code, 0) << read.stderr_text();
    const std::string& out = read.stdout_text();
    EXPECT_TRUE(test::contains(out, "0x0002"));  // the SYN
    // "hello" in hex, once from each side.
    std::size_t first = out.find("68656c6c6f");
    ASSERT_NE(first, std::string::npos) << out;
    EXPECT_NE(out.find("68656c6c6f", first + 1), std::string::npos) << out;
  }
  {
    Step step(5, 5, "FILE.html", "the page: the ladder as SVG and the table of segments");
    const std::string html = read_text(base + ".html");
    EXPECT_TRUE(test::contains(html, "<svg"));
    EXPECT_TRUE(test::contains(html, "<h2>connection 1: "));
    EXPECT_TRUE(test::contains(html, "data: &quot;hello&quot;"));
  }
}

TEST(FlightRecorder, APassingTestKeepsNothing) {
  const std::string base = test::failures_dir() + "/FlightDemo.EchoServerReplies";
  Cleanup cleanup{base};
  Step step(1, 1, "flight_recorder_demo --gtest_filter=FlightDemo.EchoServerReplies",
            "the real echo_server replies with the prefix: passes, no file");
  DemoRun run = run_demo("FlightDemo.EchoServerReplies");
  ASSERT_EQ(run.code, 0) << run.out;
  EXPECT_FALSE(fs::exists(base + ".pcapng"));
  EXPECT_FALSE(fs::exists(base + ".html"));
  EXPECT_EQ(run.out.find("flight recorder"), std::string::npos) << run.out;
}
