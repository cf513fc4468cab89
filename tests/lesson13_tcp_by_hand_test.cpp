// Lesson 13 — TCP by hand, checked against the kernel (`ctest -L lesson13 -V`
// reads like the lesson).
//
// Part 1 (Lesson13Headers): no privilege needed — the checksum of RFC 1071, the
// lesson's SYN laid out byte by byte, the encoder read back by the decoder, the
// log written as a pcap file and read back.
// Part 2 (Lesson13Steps, Lesson13Scenarios): the real program lessons/13_tcp_by_hand
// run end to end in its own network namespace: the lesson's six steps on a normal
// run, then each scenario. Part 3 (Lesson13Program): no privilege, usage errors. Every check is
// made on the pcap file it writes (what really crossed the TUN device), not on its text alone.
// Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN): otherwise skipped with the reason; CI is root. The
// unit tests of the encoder are in tests/lib/encode_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "socklab/lab/scratch.hpp"
#include "socklab/observe/encode.hpp"
#include "socklab/observe/segment_log.hpp"
#include "socklab/socklab.hpp"
#include "support/narrate.hpp"
#include "support/programs.hpp"

using namespace socklab;
using namespace socklab::observe;
using namespace std::chrono_literals;
using packet::Segment;
using socklab::test::narrate;
using socklab::test::Program;
using socklab::test::Step;

namespace {

const std::string reply_prefix = "收到您的消息:";

std::vector<std::byte> bytes_of(std::initializer_list<unsigned> values) {
  std::vector<std::byte> out;
  for (unsigned v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

// The SYN of the lesson's step 1, with a fixed ISN and port so its bytes are known.
Segment lesson_syn() {
  Segment s;
  s.source = Address::parse("10.13.0.2:40000");
  s.destination = Address::parse("10.13.0.1:7");
  s.seq = 0x12345678;
  s.flags = packet::syn;
  s.window = 65535;
  s.options.mss = 1460;
  return s;
}

// --- Part 1: the headers, no privilege needed ----------------------------------

TEST(Lesson13Headers, Step1ChecksumByRfc1071) {
  Step step(1, 3, "internet_checksum()",
            "RFC 1071's own example: words 0001 f203 f4f5 f6f7 sum to ddf2, checksum 220d");
  auto data = bytes_of({0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7});
  EXPECT_EQ(packet::internet_checksum(data), 0x220d);
  data.push_back(std::byte{0x22});
  data.push_back(std::byte{0x0d});
  narrate("    with the checksum appended the sum is 0: that is what a receiver checks");
  EXPECT_EQ(packet::internet_checksum(data), 0);
}

TEST(Lesson13Headers, Step2TheSynByteByByte) {
  Step step(2, 3, "packet::encode(SYN)",
            "20 bytes of IPv4, 24 of TCP (20 + the 4-byte MSS option), both checksums right");
  std::vector<std::byte> syn = packet::encode(lesson_syn(), std::span<const std::byte>{}, 1);
  ASSERT_EQ(syn.size(), 44u);
  EXPECT_EQ(syn[0], std::byte{0x45}) << "version 4, IHL 5";
  EXPECT_EQ(syn[9], std::byte{6}) << "protocol 6 = TCP";
  EXPECT_EQ(syn[32], std::byte{0x60}) << "data offset 6 words = 24 bytes";
  EXPECT_EQ(syn[33], std::byte{0x02}) << "flags: SYN only";
  EXPECT_EQ(std::vector<std::byte>(syn.begin() + 40, syn.end()), bytes_of({2, 4, 0x05, 0xb4}))
      << "kind 2, length 4, MSS 1460";
  EXPECT_TRUE(packet::checksums_ok(syn));
  Segment back = packet::decode(syn);
  narrate("    decoded back: " + packetdrill_line(back, true, back.seq, 0));
  EXPECT_EQ(packetdrill_line(back, true, back.seq, 0), "> S 0:0(0) win 65535 <mss 1460>");
  EXPECT_EQ(back.source, lesson_syn().source);
  EXPECT_EQ(back.seq, 0x12345678u);
}

TEST(Lesson13Headers, Step3TheLogAsAPcapFile) {
  Step step(3, 3, "SegmentLog::pcap_file()",
            "link type 101 (raw IP): every record is the packet as written, checksums intact");
  SegmentLog log(lesson_syn().source, lesson_syn().destination);
  Segment data = lesson_syn();
  data.flags = packet::psh | packet::ack;
  data.seq += 1;
  data.options = {};
  log.add(packet::encode(lesson_syn(), std::span<const std::byte>{}, 1), true);
  log.add(packet::encode(data, "你好", 2), true);
  pcap::File back = pcap::parse(pcap::serialize(log.pcap_file()));
  EXPECT_EQ(back.link_type, pcap::linktype_raw);
  ASSERT_EQ(back.records.size(), 2u);
  for (const auto& r : back.records) EXPECT_TRUE(packet::checksums_ok(r.data));
  auto p = packet::payload(back.records[1].data);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(p.data()), p.size()), "你好");
  EXPECT_EQ(log.line(1).substr(6), "> P. 1:7(6) ack 0 win 65535");
}

// --- Part 2: the real program against the kernel --------------------------------

#define REQUIRE_ROOT()                                                        \
  if (std::string missing = lab::missing_privileges(); !missing.empty())      \
  GTEST_SKIP() << "needs " << missing << " — e.g. sudo ctest -L lesson13 (" \
               << "CI runs as root)"

struct ScenarioRun {
  int code = -1;
  std::string out, err;
  std::vector<Segment> segments;  // from the pcap file, in order
  std::vector<std::vector<std::byte>> packets;
  std::string pcap_path;
  Address us, kernel;

  // The segments we sent (from 10.13.0.2) and the kernel's.
  bool ours(const Segment& s) const { return s.source == us; }
  std::string payload(std::size_t i) const {
    auto p = packet::payload(packets[i]);
    return {reinterpret_cast<const char*>(p.data()), p.size()};
  }
};

std::string temp_pcap() {
  std::random_device random;
  return (std::filesystem::temp_directory_path() /
          fmt::format("socklab-lesson13-{:08x}.pcap", random()))
      .string();
}

ScenarioRun run_scenario(const std::string& scenario, bool keep_pcap = false) {
  ScenarioRun r;
  r.pcap_path = temp_pcap();
  Program p = Program::start("tcp_by_hand", {"--scenario", scenario, "--pcap", r.pcap_path});
  auto exit = p.wait(20s);
  r.code = exit.timed_out ? -2 : exit.code;
  r.out = p.stdout_text();
  r.err = p.stderr_text();
  std::error_code ec;
  pcap::File f = pcap::read_file(r.pcap_path, ec);
  if (!keep_pcap) std::filesystem::remove(r.pcap_path);
  for (const auto& rec : f.records) {
    r.packets.push_back(rec.data);
    r.segments.push_back(packet::decode(rec.data));
    r.segments.back().time = rec.time;
  }
  if (!r.segments.empty()) {
    r.us = r.segments.front().source;
    r.kernel = r.segments.front().destination;
  }
  narrate(
      fmt::format("    {} segments crossed the TUN device; the program said:", f.records.size()));
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    if (line.size() > 6 && (line[6] == '>' || line[6] == '<' || line.rfind("--", 0) == 0))
      narrate("      " + line);
  return r;
}

// The lesson's six steps, checked on one normal run (the step numbers of the
// lesson's comments and TODOs).
TEST(Lesson13Steps, NormalRunStepByStep) {
  REQUIRE_ROOT();
  ScenarioRun r = run_scenario("normal");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  ASSERT_GE(r.segments.size(), 8u);
  const Segment &syn = r.segments[0], &syn_ack = r.segments[1];
  {
    Step step(1, 6, "SYN", "seq = a random ISN, flags SYN, the MSS option 1460");
    EXPECT_TRUE(r.ours(syn));
    EXPECT_EQ(syn.flags, packet::syn);
    EXPECT_EQ(syn.options.mss, 1460);
  }
  {
    Step step(2, 6, "SYN,ACK", "the kernel's ISN in seq; ack = our ISN + 1 (the SYN took one)");
    EXPECT_EQ(syn_ack.flags, packet::syn | packet::ack);
    EXPECT_EQ(syn_ack.ack, syn.seq + 1);
  }
  {
    Step step(3, 6, "ACK", "ack = its ISN + 1: the kernel's accept() returns, ESTABLISHED");
    EXPECT_TRUE(r.ours(r.segments[2]) && r.segments[2].flags == packet::ack);
    EXPECT_EQ(r.segments[2].ack, syn_ack.seq + 1);
    narrate("    the kernel's table (sock_diag, then ss -tni) had the 4-tuple ESTABLISHED");
    EXPECT_NE(r.out.find("its socket is ESTABLISHED"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ESTAB"), std::string::npos);
    EXPECT_NE(r.out.find(r.us.to_string()), std::string::npos);
  }
  {
    Step step(4, 6, "PSH,ACK 你好", "6 bytes of UTF-8 at seq ISN + 1; the kernel ACKs ISN + 7");
    const Segment& data = r.segments[3];
    EXPECT_TRUE(r.ours(data) && data.has(packet::psh) && data.seq == syn.seq + 1);
    EXPECT_EQ(r.payload(3), "你好");
    bool acked = false;
    for (std::size_t i = 4; i < r.segments.size(); ++i)
      acked = acked || (!r.ours(r.segments[i]) && r.segments[i].ack == syn.seq + 7);
    EXPECT_TRUE(acked);
  }
  {
    Step step(5, 6, "the reply", "收到您的消息: + the UTF-8 bytes, intact, and ACKed by us");
    std::string reply;
    std::uint32_t end = 0;
    for (std::size_t i = 0; i < r.segments.size(); ++i)
      if (!r.ours(r.segments[i]) && r.segments[i].payload_length > 0)
        reply += r.payload(i),
            end = r.segments[i].seq + static_cast<std::uint32_t>(r.segments[i].payload_length);
    EXPECT_EQ(reply, reply_prefix + "你好");
    EXPECT_NE(r.out.find("echo reply: " + reply_prefix + "你好"), std::string::npos);
    bool we_acked = false;
    for (const Segment& s : r.segments) we_acked = we_acked || (r.ours(s) && s.ack == end);
    EXPECT_TRUE(we_acked);
  }
  {
    Step step(6, 6, "FIN, FIN, ACK",
              "RFC 9293's state machine over the segments: we end in TIME_WAIT, the kernel CLOSED");
    auto states = derive_states(r.segments, r.us);
    EXPECT_EQ(states.back().client, TcpState::time_wait);
    EXPECT_EQ(states.back().server, TcpState::closed);
    EXPECT_NE(r.out.find("the kernel's socket: closed, gone from its table"), std::string::npos);
    Teardown t = analyze_teardown(r.segments, r.us);
    EXPECT_TRUE(t.complete) << describe(t);
    EXPECT_EQ(t.first_fin, Side::client);
  }
}

TEST(Lesson13Scenarios, BadChecksumGetsSilence) {
  Step step(1, 6, "--scenario bad-checksum",
            "the kernel drops the segment without a word; only TcpInCsumErrors goes up");
  REQUIRE_ROOT();
  ScenarioRun r = run_scenario("bad-checksum");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  ASSERT_GE(r.segments.size(), 3u);
  EXPECT_FALSE(packet::checksums_ok(r.packets[0])) << "the first SYN is the spoiled one";
  EXPECT_TRUE(r.ours(r.segments[1])) << "no answer between the spoiled SYN and the good one";
  EXPECT_TRUE(packet::checksums_ok(r.packets[1]));
  EXPECT_EQ(r.segments[2].flags, packet::syn | packet::ack) << "the good SYN is answered";
  EXPECT_NE(r.out.find("TcpInCsumErrors 0 -> 1"), std::string::npos) << r.out;
}

TEST(Lesson13Scenarios, ClosedPortGetsRst) {
  Step step(2, 6, "--scenario closed-port",
            "nobody listens: RST,ACK with ack = ISN + 1 (RFC 9293 section 3.10.7.1)");
  REQUIRE_ROOT();
  ScenarioRun r = run_scenario("closed-port");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  ASSERT_EQ(r.segments.size(), 2u);
  EXPECT_EQ(r.segments[1].flags, packet::rst | packet::ack);
  EXPECT_EQ(r.segments[1].ack, r.segments[0].seq + 1);
}

TEST(Lesson13Scenarios, NoAckRetransmitsSynAck) {
  Step step(3, 6, "--scenario no-ack",
            "without our ACK the kernel sends its SYN,ACK again when its 1 s timer fires");
  REQUIRE_ROOT();
  ScenarioRun r = run_scenario("no-ack");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  ASSERT_GE(r.segments.size(), 3u);
  const Segment &first = r.segments[1], &again = r.segments[2];
  EXPECT_EQ(first.flags, packet::syn | packet::ack);
  EXPECT_EQ(again.flags, packet::syn | packet::ack);
  EXPECT_EQ(again.seq, first.seq) << "the same SYN,ACK: a retransmission";
  double gap = std::chrono::duration<double>(again.time - first.time).count();
  narrate(fmt::format("    retransmitted after {:.3f} s (Linux TCP_TIMEOUT_INIT = 1 s)", gap));
  EXPECT_GT(gap, 0.8);
  EXPECT_LT(gap, 3.0);
}

TEST(Lesson13Scenarios, OutOfOrderGetsDuplicateAck) {
  Step step(4, 6, "--scenario out-of-order",
            "the second half first: the kernel repeats its ACK (a duplicate ACK) and waits");
  REQUIRE_ROOT();
  ScenarioRun r = run_scenario("out-of-order");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  ASSERT_GE(r.segments.size(), 6u);
  std::uint32_t next = r.segments[0].seq + 1;  // our first data byte
  const Segment &late_half = r.segments[3], &dup = r.segments[4], &first_half = r.segments[5];
  EXPECT_TRUE(r.ours(late_half) && late_half.seq == next + 3 && late_half.payload_length == 3);
  EXPECT_FALSE(r.ours(dup));
  EXPECT_EQ(dup.ack, next) << "still expecting our first byte: the duplicate ACK";
  EXPECT_TRUE(r.ours(first_half) && first_half.seq == next);
  bool all_acked = false;
  for (std::size_t i = 6; i < r.segments.size(); ++i)
    all_acked = all_acked || (!r.ours(r.segments[i]) && r.segments[i].ack == next + 6);
  EXPECT_TRUE(all_acked) << "once the hole is filled, one ACK covers all 6 bytes";
  EXPECT_NE(r.out.find("echo reply: " + reply_prefix + "你好"), std::string::npos);
}

TEST(Lesson13Scenarios, ZeroWindowStopsTheKernel) {
  Step step(5, 6, "--scenario zero-window",
            "window 0: the kernel only probes; the reply comes once we open the window");
  REQUIRE_ROOT();
  ScenarioRun r = run_scenario("zero-window");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  std::size_t update = 0;  // our window update: the first of ours after the handshake with win > 0
  for (std::size_t i = 3; i < r.segments.size() && update == 0; ++i)
    if (r.ours(r.segments[i]) && r.segments[i].window > 0) update = i;
  ASSERT_GT(update, 0u);
  int probes = 0;
  for (std::size_t i = 3; i < update; ++i) {
    if (r.ours(r.segments[i])) continue;
    EXPECT_EQ(r.segments[i].payload_length, 0u) << "data sent into a zero window";
    // A probe: no data, seq one below the next byte it would send (= its ISN here).
    probes += r.segments[i].seq == r.segments[1].seq ? 1 : 0;
  }
  narrate(fmt::format("    {} window probe(s) while the window was 0", probes));
  EXPECT_GE(probes, 1);
  ASSERT_LT(update + 1, r.segments.size());
  EXPECT_GT(r.segments[update + 1].payload_length, 0u) << "the reply, right after the update";
}

TEST(Lesson13Scenarios, PcapCheckedByTshark) {
  Step step(6, 6, "tshark -r FILE", "an independent decoder checks every checksum we wrote");
  REQUIRE_ROOT();
  auto tshark = test::find_on_path("tshark");
  if (!tshark) GTEST_SKIP() << "tshark is not installed (Debian: apt-get install tshark)";
  ScenarioRun r = run_scenario("normal", true);
  ASSERT_EQ(r.code, 0) << r.err;
  Program t = Program::start_path(
      *tshark, {"-r", r.pcap_path, "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                "-T", "fields", "-e", "ip.checksum.status", "-e", "tcp.checksum.status"});
  auto exit = t.wait(30s);
  std::filesystem::remove(r.pcap_path);
  ASSERT_EQ(exit.code, 0) << t.first_stderr_line();
  std::istringstream rows(t.stdout_text());
  std::size_t n = 0;
  for (std::string row; std::getline(rows, row); ++n)
    EXPECT_EQ(row, "1\t1") << "segment " << n + 1 << ": 1 = good (ip, tcp)";
  EXPECT_EQ(n, r.segments.size());
}

TEST(Lesson13Program, WithoutPrivilegeSaysWhatIsMissing) {
  Step step(1, 1, "tcp_by_hand as user nobody",
            "names CAP_NET_ADMIN and CAP_SYS_ADMIN (root has both) and exits 1");
  std::optional<Program> p;
  if (!lab::missing_privileges().empty()) {
    p = Program::start("tcp_by_hand", {});  // not root: the path under test
  } else if (std::filesystem::exists("/usr/bin/setpriv")) {
    p = Program::start_path("/usr/bin/setpriv",
                            {"--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                             test::program_path("tcp_by_hand")});
  } else {
    GTEST_SKIP() << "running as root and no setpriv to drop privileges with";
  }
  auto exit = p->wait();
  EXPECT_EQ(exit.code, 1);
  // Off Linux there is nothing to grant: it says "not supported" and where to run it.
  bool linux_system = lab::missing_privileges().rfind("Linux", 0) != 0;
  EXPECT_NE(p->first_stderr_line().find(linux_system ? "CAP_NET_ADMIN" : "not supported"),
            std::string::npos)
      << p->stderr_text();
  EXPECT_EQ(p->stdout_text(), "") << "nothing built, nothing sent";
}

TEST(Lesson13Program, UsageErrorsExit2) {
  Step step(1, 1, "tcp_by_hand --scenario nonsense", "a usage error: one line, exit 2");
  Program p = Program::start("tcp_by_hand", {"--scenario", "nonsense"});
  auto exit = p.wait();
  EXPECT_EQ(exit.code, 2);
  EXPECT_NE(p.first_stderr_line().find("--scenario"), std::string::npos);
}

}  // namespace
