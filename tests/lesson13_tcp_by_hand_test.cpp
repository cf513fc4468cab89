// Lesson 13 — TCP by hand, checked against the kernel (`ctest -L lesson13 -V`
// reads like the lesson). One step numbering, the lesson's: 1 SYN, 2 SYN,ACK,
// 3 ACK, 4 our data, 5 the peer's data and FIN, 6 our FIN.
//
// Lesson13Headers and Lesson13Endpoint need nothing (no root, no device): the
// checksum, the SYN byte by byte, and the endpoint (tcp_endpoint.cpp) driven
// with crafted segments, in-process, as CS144's minnow tests its TCP.
// Lesson13Steps and Lesson13Scenarios run the real program lessons/13_tcp_by_hand
// end to end in its own network namespace, and check the pcap file it writes
// (what really crossed the TUN device). They need root (CAP_NET_ADMIN,
// CAP_SYS_ADMIN): otherwise skipped with the reason; CI is root. Tests pick
// segments by what they are (the SYN,ACK, the FIN), never by their index.
// The unit tests of the encoder are in tests/lib/encode_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "socklab/lab/own_namespaces.hpp"
#include "socklab/lab/scratch.hpp"
#include "socklab/observe/encode.hpp"
#include "socklab/observe/segment_log.hpp"
#include "socklab/socklab.hpp"
#include "support/narrate.hpp"
#include "support/own_network.hpp"
#include "support/programs.hpp"
#include "tcp_endpoint.hpp"

using namespace socklab;
using namespace socklab::observe;
using namespace std::chrono_literals;
using lesson13::Endpoint;
using lesson13::Out;
using lesson13::Seq32;
using lesson13::Time;
using packet::Segment;
using socklab::test::narrate;
using socklab::test::Program;
using socklab::test::Step;
using socklab::test::tr;
using socklab::test::trf;

namespace {

constexpr int total_steps = 6;
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
  Step step(1, total_steps, "internet_checksum()",
            "RFC 1071's own example: words 0001 f203 f4f5 f6f7 sum to ddf2, checksum 220d");
  auto data = bytes_of({0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7});
  EXPECT_EQ(packet::internet_checksum(data), 0x220d);
  data.push_back(std::byte{0x22});
  data.push_back(std::byte{0x0d});
  test::detail(tr("with the checksum appended the sum is 0: that is what a receiver checks"));
  EXPECT_EQ(packet::internet_checksum(data), 0);
}

TEST(Lesson13Headers, Step1TheSynByteByByte) {
  Step step(1, total_steps, "packet::encode(SYN)",
            "20 bytes of IPv4, 24 of TCP (20 + the 4-byte MSS option), both checksums right");
  std::vector<std::byte> syn = packet::encode(lesson_syn(), std::span<const std::byte>{}, 1);
  ASSERT_EQ(syn.size(), 44u);
  EXPECT_EQ(syn[0], std::byte{0x45}) << tr("version 4, IHL 5");
  EXPECT_EQ(syn[9], std::byte{6}) << tr("protocol 6 = TCP");
  EXPECT_EQ(syn[32], std::byte{0x60}) << tr("data offset 6 words = 24 bytes");
  EXPECT_EQ(syn[33], std::byte{0x02}) << tr("flags: SYN only");
  EXPECT_EQ(std::vector<std::byte>(syn.begin() + 40, syn.end()), bytes_of({2, 4, 0x05, 0xb4}))
      << tr("kind 2, length 4, MSS 1460");
  EXPECT_TRUE(packet::checksums_ok(syn));
  Segment back = packet::decode(syn);
  test::detail(trf("decoded back: {}", packetdrill_line(back, true, back.seq, 0)));
  EXPECT_EQ(packetdrill_line(back, true, back.seq, 0), "> S 0:0(0) win 65535 <mss 1460>");
  EXPECT_EQ(back.source, lesson_syn().source);
  EXPECT_EQ(back.seq, 0x12345678u);
}

TEST(Lesson13Headers, Step1TheLogAsAPcapFile) {
  Step step(1, total_steps, "SegmentLog::pcap_file()",
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

// --- The endpoint, in-process: crafted segments in, segments out, no root -------

const Address us_address = Address::parse("10.13.0.2:40000");
const Address kernel_address = Address::parse("10.13.0.1:7");
const Time t0{};

// A segment from the peer (the kernel's side), as the device would hand it over.
Segment from_peer(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
                  std::string_view data = {}, std::uint16_t window = 65535) {
  Segment s;
  s.source = kernel_address, s.destination = us_address;
  s.flags = flags, s.seq = seq, s.ack = ack, s.window = window;
  s.payload_length = data.size();
  return s;
}

// The one segment of `out` that is what `what` says, e.g. the ACK: none or two fail.
const Out& the(const std::vector<Out>& out, const std::string& what,
               const std::function<bool(const Segment&)>& is) {
  const Out* found = nullptr;
  for (const Out& o : out)
    if (is(o.segment)) {
      EXPECT_EQ(found, nullptr) << trf("two segments are {}", what);
      found = &o;
    }
  if (found == nullptr) {
    ADD_FAILURE() << trf("no segment is {} ({} segments)", what, out.size());
    static const Out none{};
    return none;
  }
  return *found;
}
bool is_syn(const Segment& s) {
  return s.flags == packet::syn;
}
bool is_ack(const Segment& s) {
  return s.flags == packet::ack;
}
bool is_data(const Segment& s) {
  return s.has(packet::psh) && s.payload_length > 0;
}
bool is_fin(const Segment& s) {
  return s.has(packet::fin);
}

// Our endpoint after the handshake: ISN `isn`, the peer's `peer_isn`.
Endpoint established(std::uint32_t isn, std::uint32_t peer_isn, std::uint16_t window = 65535) {
  Endpoint e(us_address, kernel_address, isn, window);
  (void)e.connect(t0);
  (void)e.receive(from_peer(packet::syn | packet::ack, peer_isn, isn + 1), {}, t0);
  return e;
}

TEST(Lesson13Endpoint, Step1ConnectSendsTheSyn) {
  Step step(1, total_steps, "Endpoint::connect()", "the SYN: seq = ISN, MSS 1460; SYN_SENT");
  Endpoint e(us_address, kernel_address, 1000);
  auto out = e.connect(t0);
  const Out& syn = the(out, tr("the SYN"), is_syn);
  EXPECT_EQ(syn.segment.seq, 1000u);
  EXPECT_EQ(syn.segment.options.mss, 1460);
  EXPECT_EQ(syn.segment.source, us_address);
  EXPECT_EQ(e.state(), TcpState::syn_sent);
  EXPECT_EQ(e.snd_nxt(), Seq32(1001)) << tr("the SYN takes one sequence number");
}

TEST(Lesson13Endpoint, Step2OnlyTheRightSynAckCounts) {
  Step step(2, total_steps, "Endpoint::receive(SYN,ACK)",
            "ack must be ISN + 1; a wrong one is ignored, the right one: ESTABLISHED");
  Endpoint e(us_address, kernel_address, 1000);
  (void)e.connect(t0);
  EXPECT_TRUE(e.receive(from_peer(packet::syn | packet::ack, 5000, 999), {}, t0).empty());
  EXPECT_EQ(e.state(), TcpState::syn_sent) << tr("ack 999 does not ACK our SYN");
  EXPECT_TRUE(e.receive(from_peer(packet::ack, 5000, 1001), {}, t0).empty());
  EXPECT_EQ(e.state(), TcpState::syn_sent) << tr("an ACK without SYN is no SYN,ACK");
  (void)e.receive(from_peer(packet::syn | packet::ack, 5000, 1001), {}, t0);
  EXPECT_EQ(e.state(), TcpState::established);
  EXPECT_EQ(e.rcv_nxt(), Seq32(5001)) << tr("its SYN took one number too");
}

TEST(Lesson13Endpoint, Step3TheHandshakeEndsWithOurAck) {
  Step step(3, total_steps, "Endpoint::receive(SYN,ACK) -> ACK",
            "seq = ISN + 1, ack = its ISN + 1; a repeated SYN,ACK gets the ACK again");
  Endpoint e(us_address, kernel_address, 1000);
  (void)e.connect(t0);
  auto out = e.receive(from_peer(packet::syn | packet::ack, 5000, 1001), {}, t0);
  const Out& ack = the(out, tr("the ACK"), is_ack);
  EXPECT_EQ(ack.segment.seq, 1001u);
  EXPECT_EQ(ack.segment.ack, 5001u);
  out = e.receive(from_peer(packet::syn | packet::ack, 5000, 1001), {}, t0);
  EXPECT_EQ(the(out, tr("the ACK again"), is_ack).segment.ack, 5001u);
}

TEST(Lesson13Endpoint, Step4DataAndTheOutOfOrderHalves) {
  Step step(4, total_steps, "Endpoint::write()",
            "PSH,ACK at ISN + 1; out-of-order: the second half, then ONLY the first half");
  Endpoint e = established(1000, 5000);
  auto out = e.write("hello!", t0);
  const Out& data = the(out, tr("the data"), is_data);
  EXPECT_EQ(data.segment.seq, 1001u);
  EXPECT_EQ(data.data, "hello!");
  EXPECT_EQ(e.snd_nxt(), Seq32(1007));
  Endpoint split = established(1000, 5000);
  out = split.write("hello!", t0, true);
  ASSERT_EQ(out.size(), 2u) << tr("two halves");
  EXPECT_EQ(out.front().segment.seq, 1004u) << tr("the second half goes first");
  EXPECT_EQ(out.front().data, "lo!");
  EXPECT_EQ(out.back().segment.seq, 1001u);
  EXPECT_EQ(out.back().data, "hel") << tr("then the first half only, not the whole message");
  EXPECT_EQ(split.snd_nxt(), Seq32(1007));
}

TEST(Lesson13Endpoint, Step5DataInOrderIsKeptAndAcked) {
  Step step(5, total_steps, "Endpoint::receive(data)", "kept, rcv_nxt advances, ACKed");
  Endpoint e = established(1000, 5000);
  (void)e.write("hi", t0);
  auto out = e.receive(from_peer(packet::psh | packet::ack, 5001, 1003, "reply"), "reply", t0);
  EXPECT_EQ(e.received(), "reply");
  EXPECT_TRUE(e.all_acked()) << tr("ack 1003 covers our 2 bytes");
  EXPECT_EQ(the(out, tr("the ACK"), is_ack).segment.ack, 5006u);
}

TEST(Lesson13Endpoint, Step5ARetransmissionThatOverlaps) {
  Step step(5, total_steps, "Endpoint::receive(overlap)",
            "bytes we have are skipped, the new ones kept: \"abc\" then \"bcdef\" is \"abcdef\"");
  Endpoint e = established(1000, 5000);
  (void)e.receive(from_peer(packet::ack, 5001, 1001, "abc"), "abc", t0);
  auto out = e.receive(from_peer(packet::ack, 5002, 1001, "bcdef"), "bcdef", t0);
  EXPECT_EQ(e.received(), "abcdef");
  EXPECT_EQ(the(out, tr("the ACK"), is_ack).segment.ack, 5007u);
  out = e.receive(from_peer(packet::ack, 5001, 1001, "abc"), "abc", t0);  // all old
  EXPECT_EQ(e.received(), "abcdef");
  EXPECT_EQ(the(out, tr("the ACK of an old segment"), is_ack).segment.ack, 5007u);
}

TEST(Lesson13Endpoint, Step5OutOfOrderIsNotKept) {
  Step step(5, total_steps, tr("Endpoint::receive(out of order)"),
            "a segment after a hole: nothing kept, a duplicate ACK; then the hole, then it again");
  Endpoint e = established(1000, 5000);
  auto out = e.receive(from_peer(packet::ack, 5004, 1001, "def"), "def", t0);
  EXPECT_EQ(e.received(), "");
  EXPECT_EQ(the(out, tr("the duplicate ACK"), is_ack).segment.ack, 5001u);
  (void)e.receive(from_peer(packet::ack, 5001, 1001, "abc"), "abc", t0);
  (void)e.receive(from_peer(packet::ack, 5004, 1001, "def"), "def", t0);
  EXPECT_EQ(e.received(), "abcdef");
}

TEST(Lesson13Endpoint, Step5AFinThatCarriesData) {
  Step step(5, total_steps, "Endpoint::receive(data + FIN)",
            "the data kept, then the FIN (one more number), ACKed: CLOSE_WAIT");
  Endpoint e = established(1000, 5000);
  auto out = e.receive(from_peer(packet::fin | packet::ack, 5001, 1001, "bye"), "bye", t0);
  EXPECT_EQ(e.received(), "bye");
  EXPECT_EQ(the(out, tr("the ACK"), is_ack).segment.ack, 5005u) << tr("3 bytes + the FIN");
  EXPECT_EQ(e.state(), TcpState::close_wait);
  // Retransmitted with an overlap: "ye" + FIN again changes nothing and is ACKed.
  out = e.receive(from_peer(packet::fin | packet::ack, 5002, 1001, "ye"), "ye", t0);
  EXPECT_EQ(e.received(), "bye");
  EXPECT_EQ(the(out, tr("the ACK"), is_ack).segment.ack, 5005u);
}

TEST(Lesson13Endpoint, Step5ZeroWindowTakesNothing) {
  Step step(5, total_steps, tr("Endpoint with window 0"),
            "data is not kept, the ACK says win 0; a probe is answered; opening sends an update");
  Endpoint e = established(1000, 5000, 0);
  auto out = e.receive(from_peer(packet::ack, 5001, 1001, "abc"), "abc", t0);
  EXPECT_EQ(e.received(), "");
  EXPECT_EQ(the(out, tr("the ACK"), is_ack).segment.window, 0);
  out = e.receive(from_peer(packet::ack, 5000, 1001), {}, t0);  // a probe: seq one below
  EXPECT_EQ(the(out, tr("the answer to a window probe"), is_ack).segment.ack, 5001u);
  out = e.set_window(65535);
  EXPECT_EQ(the(out, tr("the window update"), is_ack).segment.window, 65535);
  (void)e.receive(from_peer(packet::ack, 5001, 1001, "abc"), "abc", t0);
  EXPECT_EQ(e.received(), "abc");
}

TEST(Lesson13Endpoint, Step5SequenceNumbersWrapAt2To32) {
  Step step(5, total_steps, tr("Seq32 near 2^32"),
            "0xfffffffe + 4 is 2; both ISNs just below 2^32: a whole conversation still works");
  EXPECT_EQ(Seq32(0xfffffffeu) + 4, Seq32(2));
  EXPECT_EQ(Seq32(2) - Seq32(0xfffffffeu), 4);
  EXPECT_EQ(Seq32(0xfffffffeu) - Seq32(2), -4);
  EXPECT_EQ(Seq32::wrap(3ull << 32 | 17, Seq32(5)), Seq32(22));
  EXPECT_EQ(Seq32(22).unwrap(Seq32(5), 3ull << 32), (3ull << 32) + 17);
  EXPECT_EQ(Seq32(0xfffffff0u).unwrap(Seq32(0), 1ull << 32), 0xfffffff0ull) << tr("just before");
  EXPECT_EQ(Seq32(0x10).unwrap(Seq32(0), 0xfffffff0ull), (1ull << 32) + 0x10) << tr("just after");
  EXPECT_EQ(Seq32(0xfffffff0u).unwrap(Seq32(0), 0), 0xfffffff0ull) << tr("never below 0");
  Endpoint e = established(0xfffffffdu, 0xfffffffeu);  // our data crosses 2^32, and theirs
  EXPECT_EQ(the(e.write("hello", t0), tr("the data"), is_data).segment.seq, 0xfffffffeu);
  auto out = e.receive(from_peer(packet::ack, 0xffffffffu, 3, "abcd"), "abcd", t0);
  EXPECT_TRUE(e.all_acked()) << tr("ack 3 covers 0xfffffffe..2");
  EXPECT_EQ(e.received(), "abcd");
  EXPECT_EQ(the(out, tr("the ACK"), is_ack).segment.ack, 3u);
  out = e.receive(from_peer(packet::ack, 0, 3, "bcdefg"), "bcdefg", t0);  // overlaps, wrapped
  EXPECT_EQ(e.received(), "abcdefg");
  EXPECT_EQ(the(out, tr("the ACK"), is_ack).segment.ack, 6u);
}

TEST(Lesson13Endpoint, Step6FinAndTeardownToTimeWait) {
  Step step(6, total_steps, "Endpoint::close()",
            "FIN,ACK (one number); its ACK: FIN_WAIT_2; its FIN: TIME_WAIT, and our last ACK");
  Endpoint e = established(1000, 5000);
  auto out = e.close(t0);
  const Out& fin = the(out, tr("our FIN"), is_fin);
  EXPECT_EQ(fin.segment.seq, 1001u);
  EXPECT_EQ(e.state(), TcpState::fin_wait_1);
  EXPECT_TRUE(e.receive(from_peer(packet::ack, 5001, 1002), {}, t0).empty());
  EXPECT_EQ(e.state(), TcpState::fin_wait_2);
  out = e.receive(from_peer(packet::fin | packet::ack, 5001, 1002), {}, t0);
  EXPECT_EQ(the(out, tr("the last ACK"), is_ack).segment.ack, 5002u);
  EXPECT_EQ(e.state(), TcpState::time_wait);
  Endpoint both = established(1000, 5000);  // its ACK and its FIN in one segment
  (void)both.close(t0);
  (void)both.receive(from_peer(packet::fin | packet::ack, 5001, 1002), {}, t0);
  EXPECT_EQ(both.state(), TcpState::time_wait);
}

TEST(Lesson13Endpoint, Step6UnackedIsSentAgainAfterOneSecond) {
  Step step(6, total_steps, "Endpoint::tick(now)",
            "the time is passed in: the FIN again at 1 s (RFC 6298's first RTO), then at 3 s");
  Endpoint e = established(1000, 5000);
  (void)e.close(t0);
  EXPECT_TRUE(e.tick(t0 + 999ms).empty()) << tr("not before 1 s");
  EXPECT_EQ(the(e.tick(t0 + 1000ms), tr("the FIN again"), is_fin).segment.seq, 1001u);
  EXPECT_TRUE(e.tick(t0 + 2500ms).empty()) << tr("the timer doubled: 2 s");
  EXPECT_EQ(e.tick(t0 + 3000ms).size(), 1u);
  (void)e.receive(from_peer(packet::ack, 5001, 1002), {}, t0);
  EXPECT_TRUE(e.tick(t0 + 60s).empty()) << tr("nothing left to send once ACKed");
}

// --- The real program against the kernel (root) --------------------------------

// What the program needs and this machine lacks: a network namespace (root, or one
// of our own: tests/support/own_network.hpp) and a TUN device. "" when it can run.
std::string lab_missing() {
  if (std::string why = test::lab_unavailable(); !why.empty()) return why;
  if (std::string why = lab::tun_node_hint(); !why.empty()) return why;
  return lab::missing_privileges();
}

#define REQUIRE_LAB() \
  if (std::string why = lab_missing(); !why.empty()) GTEST_SKIP() << why

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
  // The index of the first segment from `from` on that is what `is` says, or none.
  std::optional<std::size_t> find(const std::function<bool(const Segment&)>& is,
                                  std::size_t from = 0) const {
    for (std::size_t i = from; i < segments.size(); ++i)
      if (is(segments[i])) return i;
    return std::nullopt;
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
  if (ec)
    test::detail(
        trf("no pcap file ({}): the program stopped before its bench; it said:", ec.message()));
  else
    test::detail(f.records.size() == 1
                     ? trf("{} segment crossed the TUN device (its pcap file); the program said:",
                           f.records.size())
                     : trf("{} segments crossed the TUN device (its pcap file); the program said:",
                           f.records.size()));
  std::istringstream lines(r.out + r.err);
  for (std::string line; std::getline(lines, line);)
    if ((line.size() > 6 && (line[6] == '>' || line[6] == '<')) || line.rfind("--", 0) == 0 ||
        line.find("error") != std::string::npos)
      narrate("      " + line);
  return r;
}

bool from_kernel_is(const ScenarioRun& r, const Segment& s, std::uint8_t flags) {
  return !r.ours(s) && s.flags == flags;
}

// The lesson's six steps, checked on one normal run.
TEST(Lesson13Steps, NormalRunStepByStep) {
  REQUIRE_LAB();
  ScenarioRun r = run_scenario("normal");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  auto syn = r.find([&](const Segment& s) { return r.ours(s) && s.flags == packet::syn; });
  auto syn_ack =
      r.find([&](const Segment& s) { return from_kernel_is(r, s, packet::syn | packet::ack); });
  ASSERT_TRUE(syn && syn_ack) << tr("no SYN or no SYN,ACK in the pcap file");
  const std::uint32_t isn = r.segments[*syn].seq, kernel_isn = r.segments[*syn_ack].seq;
  {
    Step step(1, total_steps, "SYN", "seq = a random ISN, flags SYN, the MSS option 1460");
    EXPECT_EQ(r.segments[*syn].options.mss, 1460);
  }
  {
    Step step(2, total_steps, "SYN,ACK",
              "the kernel's ISN in seq; ack = our ISN + 1 (the SYN took one)");
    EXPECT_EQ(r.segments[*syn_ack].ack, isn + 1);
  }
  {
    Step step(3, total_steps, "ACK",
              "ack = its ISN + 1: the kernel's accept() returns, ESTABLISHED");
    auto ack = r.find([&](const Segment& s) { return r.ours(s) && s.flags == packet::ack; });
    ASSERT_TRUE(ack.has_value()) << tr("no ACK of ours");
    EXPECT_GT(*ack, *syn_ack);
    EXPECT_EQ(r.segments[*ack].ack, kernel_isn + 1);
    test::detail(tr("the kernel's table (sock_diag, then ss -tni) had the 4-tuple ESTABLISHED"));
    EXPECT_NE(r.out.find("its socket is ESTABLISHED"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ESTAB"), std::string::npos);
    EXPECT_NE(r.out.find(r.us.to_string()), std::string::npos);
  }
  {
    Step step(4, total_steps, "PSH,ACK 你好",
              "6 bytes of UTF-8 at seq ISN + 1; the kernel ACKs ISN + 7");
    auto data = r.find([&](const Segment& s) { return r.ours(s) && s.payload_length > 0; });
    ASSERT_TRUE(data.has_value()) << tr("no data of ours");
    EXPECT_TRUE(r.segments[*data].has(packet::psh) && r.segments[*data].seq == isn + 1);
    EXPECT_EQ(r.payload(*data), "你好");
    EXPECT_TRUE(r.find([&](const Segment& s) { return !r.ours(s) && s.ack == isn + 7; }, *data))
        << tr("the kernel never ACKed our 6 bytes");
  }
  {
    Step step(5, total_steps, tr("the reply"),
              "收到您的消息: + the UTF-8 bytes, intact, and ACKed by us");
    std::string reply;
    std::uint32_t end = 0;
    for (std::size_t i = 0; i < r.segments.size(); ++i)
      if (!r.ours(r.segments[i]) && r.segments[i].payload_length > 0)
        reply += r.payload(i),
            end = r.segments[i].seq + static_cast<std::uint32_t>(r.segments[i].payload_length);
    EXPECT_EQ(reply, reply_prefix + "你好");
    EXPECT_NE(r.out.find("echo reply: " + reply_prefix + "你好"), std::string::npos);
    EXPECT_TRUE(r.find([&](const Segment& s) { return r.ours(s) && s.ack == end; }));
  }
  {
    Step step(6, total_steps, "FIN, FIN, ACK",
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

TEST(Lesson13Scenarios, Step1BadChecksumGetsSilence) {
  Step step(1, total_steps, "--scenario bad-checksum",
            "the kernel drops the spoiled SYN without a word; only TcpInCsumErrors goes up");
  REQUIRE_LAB();
  ScenarioRun r = run_scenario("bad-checksum");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  ASSERT_GE(r.segments.size(), 3u);
  EXPECT_FALSE(packet::checksums_ok(r.packets[0])) << tr("the first SYN is the spoiled one");
  auto good = r.find([&](const Segment& s) { return r.ours(s) && s.flags == packet::syn; }, 1);
  auto answer = r.find([&](const Segment& s) { return !r.ours(s); });
  ASSERT_TRUE(good && answer);
  EXPECT_GT(*answer, *good) << tr("no answer between the spoiled SYN and the good one");
  EXPECT_TRUE(packet::checksums_ok(r.packets[*good]));
  EXPECT_EQ(r.segments[*answer].flags, packet::syn | packet::ack) << tr("the good SYN is answered");
  EXPECT_NE(r.out.find("TcpInCsumErrors 0 -> 1"), std::string::npos) << r.out;
}

TEST(Lesson13Scenarios, Step2ClosedPortGetsRst) {
  Step step(2, total_steps, "--scenario closed-port",
            "nobody listens: RST,ACK with ack = ISN + 1 (RFC 9293 section 3.10.7.1)");
  REQUIRE_LAB();
  ScenarioRun r = run_scenario("closed-port");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  auto syn = r.find([&](const Segment& s) { return r.ours(s) && s.flags == packet::syn; });
  auto rst =
      r.find([&](const Segment& s) { return from_kernel_is(r, s, packet::rst | packet::ack); });
  ASSERT_TRUE(syn && rst);
  EXPECT_EQ(r.segments[*rst].ack, r.segments[*syn].seq + 1);
  EXPECT_EQ(r.segments.size(), 2u) << tr("nothing more after the RST");
}

TEST(Lesson13Scenarios, Step3NoAckRetransmitsSynAck) {
  Step step(3, total_steps, "--scenario no-ack",
            "without our ACK the kernel sends its SYN,ACK again when its 1 s timer fires");
  REQUIRE_LAB();
  ScenarioRun r = run_scenario("no-ack");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  auto is_syn_ack = [&](const Segment& s) {
    return from_kernel_is(r, s, packet::syn | packet::ack);
  };
  auto first = r.find(is_syn_ack);
  ASSERT_TRUE(first.has_value());
  auto again = r.find(is_syn_ack, *first + 1);
  ASSERT_TRUE(again.has_value()) << tr("no second SYN,ACK");
  EXPECT_EQ(r.segments[*again].seq, r.segments[*first].seq)
      << tr("the same SYN,ACK: a retransmission");
  EXPECT_FALSE(r.find([&](const Segment& s) { return r.ours(s) && s.flags == packet::ack; }))
      << tr("we sent no ACK");
  double gap =
      std::chrono::duration<double>(r.segments[*again].time - r.segments[*first].time).count();
  test::detail(trf("retransmitted after {:.3f} s (Linux TCP_TIMEOUT_INIT = 1 s)", gap));
  EXPECT_GT(gap, 0.8);
  EXPECT_LT(gap, 3.0);
}

TEST(Lesson13Scenarios, Step4OutOfOrderGetsDuplicateAck) {
  Step step(4, total_steps, "--scenario out-of-order",
            "the second half first: the kernel repeats its ACK (a duplicate ACK); then the "
            "first half alone fills the hole");
  REQUIRE_LAB();
  ScenarioRun r = run_scenario("out-of-order");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  auto syn = r.find([&](const Segment& s) { return r.ours(s) && s.flags == packet::syn; });
  ASSERT_TRUE(syn.has_value());
  const std::uint32_t next = r.segments[*syn].seq + 1;  // our first data byte
  auto late_half = r.find([&](const Segment& s) { return r.ours(s) && s.payload_length > 0; });
  ASSERT_TRUE(late_half.has_value()) << tr("no data of ours");
  EXPECT_EQ(r.segments[*late_half].seq, next + 3) << tr("the second half (3 bytes) first");
  EXPECT_EQ(r.segments[*late_half].payload_length, 3u);
  auto dup = r.find([&](const Segment& s) { return !r.ours(s) && s.ack == next; }, *late_half);
  ASSERT_TRUE(dup.has_value()) << tr("no duplicate ACK (ack = our first byte)");
  auto first_half =
      r.find([&](const Segment& s) { return r.ours(s) && s.payload_length > 0; }, *dup);
  ASSERT_TRUE(first_half.has_value()) << tr("no first half after the duplicate ACK");
  EXPECT_EQ(r.segments[*first_half].seq, next);
  EXPECT_EQ(r.segments[*first_half].payload_length, 3u)
      << tr("only the first half: the kernel already has the second");
  EXPECT_TRUE(
      r.find([&](const Segment& s) { return !r.ours(s) && s.ack == next + 6; }, *first_half))
      << tr("once the hole is filled, one ACK covers all 6 bytes");
  EXPECT_NE(r.out.find("echo reply: " + reply_prefix + "你好"), std::string::npos);
}

TEST(Lesson13Scenarios, Step5ZeroWindowStopsTheKernel) {
  Step step(5, total_steps, "--scenario zero-window",
            "window 0: the kernel only probes; the reply comes once we open the window");
  REQUIRE_LAB();
  ScenarioRun r = run_scenario("zero-window");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  auto syn_ack =
      r.find([&](const Segment& s) { return from_kernel_is(r, s, packet::syn | packet::ack); });
  ASSERT_TRUE(syn_ack.has_value());
  // Our window update: the first of ours after the handshake with a window > 0.
  auto update = r.find([&](const Segment& s) { return r.ours(s) && s.window > 0; }, *syn_ack);
  ASSERT_TRUE(update.has_value());
  int probes = 0;
  for (std::size_t i = *syn_ack + 1; i < *update; ++i) {
    if (r.ours(r.segments[i])) continue;
    EXPECT_EQ(r.segments[i].payload_length, 0u) << tr("data sent into a zero window");
    // A probe: no data, seq one below the next byte it would send (= its ISN here).
    probes += r.segments[i].seq == r.segments[*syn_ack].seq ? 1 : 0;
  }
  test::detail(trf("{} window probe(s) while the window was 0", probes));
  EXPECT_GE(probes, 1);
  auto reply = r.find([&](const Segment& s) { return !r.ours(s) && s.payload_length > 0; });
  ASSERT_TRUE(reply.has_value()) << tr("no reply at all");
  EXPECT_GT(*reply, *update) << tr("the reply comes after the update");
}

TEST(Lesson13Scenarios, Step6PcapCheckedByTshark) {
  Step step(6, total_steps, "tshark -r FILE",
            "an independent decoder checks every checksum we wrote, FIN included");
  REQUIRE_LAB();
  auto tshark = test::find_on_path("tshark");
  if (!tshark) GTEST_SKIP() << tr("tshark is not installed (Debian: apt-get install tshark)");
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
    EXPECT_EQ(row, "1\t1") << trf("segment {}: 1 = good (ip, tcp)", n + 1);
  EXPECT_EQ(n, r.segments.size());
}

TEST(Lesson13Program, AsAnOrdinaryUser) {
  Step step(1, total_steps, tr("tcp_by_hand as an ordinary user"),
            "takes namespaces of its own; where /dev/net/tun is closed to users, says so and how "
            "to open it (exit 1)");
  std::optional<Program> p;
  bool tun_open_to_all = false;
  // In English whatever the student's language: its error line is matched below.
  test::ScopedEnvironment english("SOCKLAB_LANG", "en");
  if (lab::own_namespaces()) {
    // This test is itself an ordinary user's (tests/support/own_network.hpp); the
    // program inherits its namespaces.
    p = Program::start("tcp_by_hand", {});
    tun_open_to_all = lab::tun_node_hint().empty();
  } else if (lab::missing_privileges().empty() && std::filesystem::exists("/usr/bin/setpriv")) {
    // We are root: run it as user nobody, so that CI (root) tests this path too.
    p = Program::start_path("/usr/bin/setpriv",
                            {"--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                             test::program_path("tcp_by_hand")});
    namespace fs = std::filesystem;
    std::error_code ec;
    auto perms = fs::status("/dev/net/tun", ec).permissions();
    tun_open_to_all = !ec && (perms & fs::perms::others_read) != fs::perms::none &&
                      (perms & fs::perms::others_write) != fs::perms::none;
  } else if (std::string why = lab_missing(); !why.empty()) {
    GTEST_SKIP() << why;
  } else {
    GTEST_SKIP() << tr("running as root and no setpriv to drop privileges with");
  }
  auto exit = p->wait(20s);
  if (p->first_stderr_line().find("needs a network namespace") != std::string::npos)
    GTEST_SKIP() << trf("this system forbids an ordinary user namespaces: {}",
                        p->first_stderr_line());
  if (tun_open_to_all) {
    EXPECT_EQ(exit.code, 0) << p->stderr_text() << p->stdout_text();
    EXPECT_NE(p->stdout_text().find("kernel: echo server listening on 10.13.0.1:"),
              std::string::npos)
        << p->stdout_text();
  } else {
    EXPECT_EQ(exit.code, 1);
    EXPECT_NE(p->first_stderr_line().find("chmod 0666 /dev/net/tun"), std::string::npos)
        << p->stderr_text();
    EXPECT_EQ(p->stdout_text(), "") << tr("nothing built, nothing sent");
  }
}

TEST(Lesson13Program, UsageErrorsExit2) {
  Step step(1, total_steps, "tcp_by_hand --scenario nonsense",
            "a usage error before any segment: one line, exit 2");
  Program p = Program::start("tcp_by_hand", {"--scenario", "nonsense"});
  auto exit = p.wait();
  EXPECT_EQ(exit.code, 2);
  EXPECT_NE(p.first_stderr_line().find("--scenario"), std::string::npos);
}

}  // namespace
