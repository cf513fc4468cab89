// Lesson 03 — the handshake and the teardown, checked on real packets
// (`ctest -L lesson03 -V` reads like the lesson).
//
// Part 1 (Lesson03Demo): one connection per test, made in this process, its
// segments captured on loopback and checked against RFC 9293.
// Part 2 (Lesson03Program): the real program lessons/03_handshake, run end to
// end; its pcap file read back (and by tshark, if installed), its --svg picture
// and --html page compared with the segments and the states of the same run.
//
// Capturing needs CAP_NET_RAW: without it those tests are skipped with the
// reason (CI runs as root). The state checks need no privilege and always run.
//
// Lesson03Demo is a demonstration: the kit makes the calls, not your code, so it
// passes before you write a line and `make progress` does not count it.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "socklab/observe/recorder.hpp"
#include "socklab/socklab.hpp"
#include "support/narrate.hpp"
#include "support/own_network.hpp"
#include "support/programs.hpp"

using namespace socklab;
using namespace socklab::observe;  // packets, pcap, capture, TCP state, the ladder (lib/observe)
using namespace std::chrono_literals;
using packet::Segment;
using socklab::test::narrate;
using socklab::test::Program;
using socklab::test::Step;
using socklab::test::tr;
using socklab::test::trf;

namespace {

// Why this process cannot capture: the namespaces of its own were refused (the
// cause and fix: tests/support/own_network.hpp), or the capture's own hint.
std::string capture_hint(const std::error_code& ec) {
  if (std::string why = test::lab_unavailable(); !why.empty()) return why;
  return std::string(Capture::hint(ec));
}

// Skips the current test (with the reason) when packets cannot be captured.
#define REQUIRE_CAPTURE(recorder)                                                  \
  if (!(recorder).capturing())                                                     \
  GTEST_SKIP() << trf("no capture ({}): {}", (recorder).capture_error().message(), \
                      capture_hint((recorder).capture_error()))

// A listener on a free port, a capture on that port, and one client.
struct Lab {
  Socket listener = listen_any();
  Address server = listener.local_address();
  Recorder rec{server};
  Socket client;
  Socket conn;
  std::array<char, 64> buffer{};

  static Socket listen_any() {
    Socket s = Socket::tcp();
    s.bind(Address::parse("127.0.0.1:0"));
    s.listen(5);
    return s;
  }
  StepNote note(const std::string& what) {
    StepNote n = rec.step(what, client, conn);
    test::detail(
        fmt::format("  {:<34} {}", what,
                    trf("kernel: client {}, server {}", to_string(n.client), to_string(n.server))));
    return n;
  }
  void connect_and_accept() {
    client = Socket::tcp();
    client.connect(server);
    rec.set_client(client.local_address());
    note("client: connect()");
    conn = listener.accept().socket;
    note("server: accept()");
  }
  void exchange_hello() {
    send_all(client, "hello");
    recv_exact(conn, std::span<char>(buffer.data(), 5));
    note("client: send(hello); server: recv()");
  }
  // The usual close: the client first, the server after it reads EOF.
  void close_client_first() {
    client.close();
    note("client: close()");
    EXPECT_TRUE(conn.recv(buffer).eof) << tr("the client's FIN reads as EOF");
    note("server: recv() = 0 (EOF)");
    conn.close();
    note("server: close()");
  }
  Conversation finish() {
    Conversation c = rec.finish();
    test::detail(tr("the captured ladder:"));
    std::istringstream lines(render_ladder(c));
    for (std::string line; std::getline(lines, line);) narrate("    " + line);
    return c;
  }
};

bool from(const Segment& s, const Address& a) {
  return s.source == a;
}

std::vector<Segment> with_flag(const Conversation& c, packet::Flag f, const Address& sender) {
  std::vector<Segment> out;
  for (const Segment& s : c.segments)
    if (s.has(f) && from(s, sender)) out.push_back(s);
  return out;
}

// The first segment from `sender` that acknowledges `ack` (nullopt if none).
std::optional<Segment> acknowledging(const Conversation& c, const Address& sender,
                                     std::uint32_t ack) {
  for (const Segment& s : c.segments)
    if (from(s, sender) && s.has(packet::ack) && s.ack == ack) return s;
  return std::nullopt;
}

// Waits (bounded) until the kernel's table has the wanted entry for local->remote.
std::optional<TcpEntry> wait_for_entry(const Address& local, const Address& remote,
                                       std::optional<TcpState> wanted) {
  std::optional<TcpEntry> e;
  for (int i = 0; i < 2000; ++i) {  // the loopback teardown ends within microseconds
    e = find_connection(local, remote);
    if (wanted ? (e && e->state == *wanted) : !e) break;
    std::this_thread::sleep_for(1ms);  // polling the kernel's table: no event says a state changed
  }
  return e;
}

// The states a side passes through, in RFC 9293's order for this close.
bool in_order(const std::vector<TcpState>& seen, const std::vector<TcpState>& order) {
  std::size_t at = 0;
  for (TcpState s : seen) {
    while (at < order.size() && order[at] != s) ++at;
    if (at == order.size()) return false;
  }
  return true;
}

}  // namespace

// --- Part 1: one connection per test, in this process --------------------------------

TEST(Lesson03Demo, Step1_HandshakeIsSynSynAckAck) {
  Step step(1, 6, "connect() / accept()",
            "three segments: SYN, SYN+ACK, ACK — each SYN takes one sequence number");
  Lab lab;
  REQUIRE_CAPTURE(lab.rec);
  lab.connect_and_accept();
  lab.close_client_first();
  Conversation c = lab.finish();
  ASSERT_GE(c.segments.size(), 3u);
  const Segment &syn = c.segments[0], &synack = c.segments[1], &ack = c.segments[2];
  EXPECT_EQ(packet::flags_text(syn.flags), "SYN");
  EXPECT_TRUE(from(syn, c.client)) << tr("the client speaks first");
  EXPECT_EQ(packet::flags_text(synack.flags), "SYN,ACK");
  EXPECT_TRUE(from(synack, c.server));
  EXPECT_EQ(packet::flags_text(ack.flags), "ACK");
  EXPECT_TRUE(from(ack, c.client));
  EXPECT_EQ(synack.ack, syn.seq + 1) << tr("the server acknowledges the client's SYN");
  EXPECT_EQ(ack.ack, synack.seq + 1) << tr("the client acknowledges the server's SYN");
  EXPECT_EQ(ack.seq, syn.seq + 1) << tr("the SYN used up one sequence number");
  EXPECT_TRUE(syn.options.mss) << tr("MSS option in the client's SYN");
  EXPECT_TRUE(synack.options.mss) << tr("MSS option in the server's SYN");
  test::detail(trf("ISNs: client {}, server {}; MSS {} / {}", syn.seq, synack.seq,
                   syn.options.mss.value_or(0), synack.options.mss.value_or(0)));
}

TEST(Lesson03Demo, Step2_DataIsAcknowledgedWithSeqPlusLen) {
  Step step(2, 6, "send(\"hello\")", "5 bytes take 5 sequence numbers; the ACK says seq + len");
  Lab lab;
  REQUIRE_CAPTURE(lab.rec);
  lab.connect_and_accept();
  lab.exchange_hello();
  lab.close_client_first();
  Conversation c = lab.finish();
  std::optional<Segment> data;
  for (const Segment& s : c.segments)
    if (s.payload_length > 0 && from(s, c.client)) data = s;
  ASSERT_TRUE(data) << tr("no data segment from the client");
  EXPECT_EQ(data->payload_length, 5u);
  auto ack = acknowledging(c, c.server, data->seq + 5);
  EXPECT_TRUE(ack) << trf("no server segment with ack = seq + len = {}", data->seq + 5);
}

TEST(Lesson03Demo, Step3_TeardownOneFinEachWayEachAcknowledged) {
  Step step(3, 6, tr("close() on both ends"),
            "one FIN each way, the active closer's first; each ACKed with fin.seq + 1");
  Lab lab;
  REQUIRE_CAPTURE(lab.rec);
  lab.connect_and_accept();
  lab.exchange_hello();
  lab.close_client_first();
  Conversation c = lab.finish();
  auto client_fins = with_flag(c, packet::fin, c.client);
  auto server_fins = with_flag(c, packet::fin, c.server);
  ASSERT_EQ(client_fins.size(), 1u);
  ASSERT_EQ(server_fins.size(), 1u);
  EXPECT_LT(client_fins[0].time, server_fins[0].time) << tr("the client closed first");
  const Segment& fin1 = client_fins[0];
  const Segment& fin2 = server_fins[0];
  EXPECT_TRUE(acknowledging(c, c.server, fin1.seq + fin1.payload_length + 1))
      << tr("the server acknowledges the client's FIN with fin.seq + 1");
  EXPECT_TRUE(acknowledging(c, c.client, fin2.seq + fin2.payload_length + 1))
      << tr("the client acknowledges the server's FIN with fin.seq + 1");
  Teardown t = analyze_teardown(c.segments, c.client);
  EXPECT_TRUE(t.complete);
  EXPECT_TRUE(t.segments == 3 || t.segments == 4) << t.segments;
  EXPECT_FALSE(t.reset_by);
  test::detail(trf("this run: {}", describe(t)));
}

TEST(Lesson03Demo, Step4_StatesInOrderAndTimeWaitForTheActiveCloserOnly) {
  Step step(4, 6, tr("the states of both ends"),
            "client: ESTABLISHED, FIN_WAIT_*, TIME_WAIT; server: ESTABLISHED, CLOSE_WAIT, "
            "LAST_ACK, CLOSED (no capture needed: TCP_INFO and sock_diag)");
  Lab lab;
  std::error_code ec;
  find_connection(lab.server, lab.server, ec);
  if (ec == std::errc::operation_not_supported) GTEST_SKIP() << tr("no TCP state query here");
  lab.connect_and_accept();
  lab.exchange_hello();
  lab.close_client_first();
  Conversation c = lab.finish();
  std::vector<TcpState> client_seen, server_seen;
  for (const StepNote& n : c.steps) {
    client_seen.push_back(n.client);
    server_seen.push_back(n.server);
  }
  using S = TcpState;
  EXPECT_EQ(c.steps[0].client, S::established) << tr("connect() returns after the handshake");
  EXPECT_EQ(c.steps[0].server, S::established) << tr("established before accept() is called");
  EXPECT_EQ(c.steps[4].server, S::close_wait) << tr("the server read EOF but has not closed");
  EXPECT_TRUE(in_order(client_seen, {S::established, S::fin_wait_1, S::fin_wait_2, S::time_wait}));
  EXPECT_TRUE(in_order(server_seen, {S::established, S::close_wait, S::last_ack, S::closed}));

  auto tw = wait_for_entry(c.client, c.server, S::time_wait);
  ASSERT_TRUE(tw) << tr("the active closer's end should be in TIME_WAIT");
  EXPECT_EQ(tw->state, S::time_wait);
  EXPECT_FALSE(wait_for_entry(c.server, c.client, std::nullopt))
      << tr("the passive closer keeps nothing");
#if defined(__linux__)
  ASSERT_TRUE(tw->timer) << tr("sock_diag reports the TIME_WAIT timer");
#endif
  if (!tw->timer) {  // Windows' TCP table has states, no timers
    test::detail(trf("TIME_WAIT on {} -> {}; none on the server's end", c.client.to_string(),
                     c.server.to_string()));
    return;
  }
  EXPECT_GT(tw->timer->count(), 0);
  EXPECT_LE(tw->timer->count(), 60'000) << tr("Linux keeps TIME_WAIT for 60 s");
  test::detail(trf("TIME_WAIT on {} -> {}, {} ms left; none on the server's end",
                   c.client.to_string(), c.server.to_string(), tw->timer->count()));
}

TEST(Lesson03Demo, Step5_WhoClosesFirstGetsTheTimeWait) {
  Step step(5, 6, tr("server close() first"), "now the server is the active closer");
  Lab lab;
  std::error_code ec;
  find_connection(lab.server, lab.server, ec);
  if (ec == std::errc::operation_not_supported) GTEST_SKIP() << tr("no TCP state query here");
  lab.connect_and_accept();
  lab.conn.close();
  lab.note("server: close()");
  EXPECT_TRUE(lab.client.recv(lab.buffer).eof);
  lab.client.close();
  lab.note("client: close()");
  Conversation c = lab.finish();
  EXPECT_TRUE(wait_for_entry(c.server, c.client, TcpState::time_wait));
  EXPECT_FALSE(wait_for_entry(c.client, c.server, std::nullopt)) << tr("the client keeps nothing");
  if (c.captured) {
    Teardown t = analyze_teardown(c.segments, c.client);
    EXPECT_EQ(t.first_fin, Side::server);
    EXPECT_TRUE(t.complete);
    test::detail(trf("this run: {}", describe(t)));
  }
}

TEST(Lesson03Demo, Step6_AbortiveCloseSendsRstAndLeavesNoTimeWait) {
  Step step(6, 6, "SO_LINGER 0, close()",
            "RST instead of FIN: the peer gets ECONNRESET, nobody waits in TIME_WAIT");
  Lab lab;
  REQUIRE_CAPTURE(lab.rec);
  lab.connect_and_accept();
  lab.exchange_hello();
  lab.client.set_linger(0s);
  lab.client.close();
  lab.note("client: close() with SO_LINGER 0");
  std::error_code ec;
  (void)lab.conn.recv(lab.buffer, ec);
  EXPECT_EQ(ec, std::errc::connection_reset) << trf("got: {}", ec.message());
  lab.note("server: recv() fails");
  Conversation c = lab.finish();
  EXPECT_EQ(with_flag(c, packet::rst, c.client).size(), 1u) << tr("one RST from the client");
  EXPECT_TRUE(with_flag(c, packet::fin, c.client).empty()) << tr("no FIN from the aborting side");
  EXPECT_FALSE(find_connection(c.client, c.server)) << tr("no TIME_WAIT after an abort");
  EXPECT_FALSE(find_connection(c.server, c.client));
  test::detail(describe(analyze_teardown(c.segments, c.client)));
}

TEST(Lesson03Demo, HalfCloseLetsTheOtherSideKeepSending) {
  Step step(1, 1, "shutdown(SHUT_WR)", "FIN one way; data still flows the other way");
  Lab lab;
  REQUIRE_CAPTURE(lab.rec);
  lab.connect_and_accept();
  lab.client.shutdown(Shutdown::write);
  lab.note("client: shutdown(SHUT_WR)");
  EXPECT_TRUE(lab.conn.recv(lab.buffer).eof);
  send_all(lab.conn, "still talking");
  std::array<char, 13> got{};
  recv_exact(lab.client, got);
  EXPECT_EQ(std::string(got.data(), got.size()), "still talking");
  lab.note("server: send() after the client's FIN");
  lab.conn.close();
  EXPECT_TRUE(lab.client.recv(lab.buffer).eof);
  lab.client.close();
  lab.note("both closed");
  Conversation c = lab.finish();
  auto fin = with_flag(c, packet::fin, c.client);
  ASSERT_EQ(fin.size(), 1u);
  bool data_after_fin = false;
  for (const Segment& s : c.segments)
    if (from(s, c.server) && s.payload_length == 13 && s.time > fin[0].time) data_after_fin = true;
  EXPECT_TRUE(data_after_fin) << tr("the server's data crossed after the client's FIN");
}

// --- Part 2: the real program -------------------------------------------------------

namespace {

std::string temp_pcap() {
  return (std::filesystem::temp_directory_path() /
          ("socklab_lesson03_" + std::to_string(std::random_device{}()) + ".pcap"))
      .string();
}

// Whether this process may capture (the child inherits the same privileges).
std::error_code capture_error() {
  std::error_code ec;
  Capture::loopback(9, ec);
  return ec;
}

#define REQUIRE_CAPTURE_PRIVILEGE()  \
  if (auto cap_ec = capture_error()) \
  GTEST_SKIP() << trf("no capture ({}): {}", cap_ec.message(), capture_hint(cap_ec))

std::vector<Segment> decode_all(const pcap::File& f) {
  std::vector<Segment> out;
  for (const auto& r : f.records) out.push_back(packet::decode(r.data));
  return out;
}

// Runs `handshake` with args + --pcap; returns its stdout; fails the test on a bad exit.
std::string run_handshake(std::vector<std::string> args, const std::string& pcap_path) {
  args.push_back("--pcap");
  args.push_back(pcap_path);
  Program p = Program::start("handshake", args);
  auto exit = p.wait(20s);
  EXPECT_TRUE(exit.exited_normally());
  EXPECT_EQ(exit.code, 0) << p.first_stderr_line();
  return p.stdout_text();
}

}  // namespace

TEST(Lesson03Program, E2E1_LadderAndPcapAgree) {
  Step step(1, 6, "handshake --pcap FILE",
            "the ladder on the terminal; the same segments in a pcap file");
  REQUIRE_CAPTURE_PRIVILEGE();
  std::string path = temp_pcap();
  std::string out = run_handshake({"--format", "lines", "--raw-seq"}, path);
  pcap::File f = pcap::read_file(path);
  std::filesystem::remove(path);
  EXPECT_EQ(f.link_type, pcap::linktype_raw);
  auto segs = decode_all(f);
  ASSERT_GE(segs.size(), 7u) << tr("handshake 3 + data 2 + teardown 3 or 4");
  // Each record matches one printed line, in order, with the same absolute seq.
  std::istringstream lines(out);
  std::size_t i = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find(": Flags [") == std::string::npos) continue;
    ASSERT_LT(i, segs.size()) << trf("more lines than records: {}", line);
    EXPECT_TRUE(test::contains(line, fmt::format("seq {}", segs[i].seq)));
    ++i;
  }
  EXPECT_EQ(i, segs.size()) << tr("one line per pcap record");
  EXPECT_TRUE(test::contains(out, "teardown: "));
  EXPECT_TRUE(test::contains(out, "TIME_WAIT"));
  test::detail(trf("{} records, magic ok, link type 101 (raw IP)", segs.size()));
}

TEST(Lesson03Program, E2E2_TsharkReadsTheSameFlagsAndNumbers) {
  Step step(2, 6, "tshark -r FILE", "an independent decoder agrees with ours");
  REQUIRE_CAPTURE_PRIVILEGE();
  std::string tshark = test::find_on_path("tshark").value_or("");
  if (tshark.empty())
    GTEST_SKIP() << tr("tshark is not installed: make deps-tshark (or apt-get install tshark)");
  std::string path = temp_pcap();
  run_handshake({}, path);
  auto segs = decode_all(pcap::read_file(path));
  Program t = Program::start_path(tshark, {"-r", path, "-T", "fields", "-e", "tcp.flags", "-e",
                                           "tcp.seq_raw", "-e", "tcp.ack_raw", "-e", "tcp.len"});
  auto exit = t.wait(30s);
  std::filesystem::remove(path);
  ASSERT_EQ(exit.code, 0) << t.first_stderr_line();
  std::istringstream rows(t.stdout_text());
  std::size_t i = 0;
  for (std::string row; std::getline(rows, row); ++i) {
    ASSERT_LT(i, segs.size()) << row;
    unsigned long flags = 0, seq = 0, ack = 0, len = 0;
    std::istringstream fields(row);
    fields >> std::hex >> flags >> std::dec >> seq >> ack >> len;
    EXPECT_EQ(flags & 0xff, segs[i].flags) << row;
    EXPECT_EQ(seq, segs[i].seq) << row;
    if (segs[i].has(packet::ack)) {
      EXPECT_EQ(ack, segs[i].ack) << row;
    }
    EXPECT_EQ(len, segs[i].payload_length) << row;
  }
  EXPECT_EQ(i, segs.size()) << tr("tshark saw as many segments as we wrote");
  test::detail(trf("tshark agrees on flags, seq, ack and length of {} segments", i));
}

TEST(Lesson03Program, E2E3_CloseWithUnreadDataSendsRst) {
  Step step(3, 6, "handshake --close unread", "close() with bytes still unread: RST, not FIN");
  REQUIRE_CAPTURE_PRIVILEGE();
  std::string path = temp_pcap();
  std::string out = run_handshake({"--close", "unread"}, path);
  auto segs = decode_all(pcap::read_file(path));
  std::filesystem::remove(path);
  ASSERT_FALSE(segs.empty());
  const Address client = segs[0].source;
  Teardown t = analyze_teardown(segs, client);
  EXPECT_EQ(t.reset_by, Side::client);
  EXPECT_EQ(t.fins_from_client, 0);
  EXPECT_TRUE(test::contains(out, "Connection reset by peer"));
}

TEST(Lesson03Program, E2E4_FullBacklogHoldsTheSynUnanswered) {
  Step step(4, 6, "handshake --close syn-sent",
            "the accept queue is full: the SYN gets no answer until accept() makes room");
  REQUIRE_CAPTURE_PRIVILEGE();
  std::string path = temp_pcap();
  std::string out = run_handshake({"--close", "syn-sent"}, path);
  auto segs = decode_all(pcap::read_file(path));
  std::filesystem::remove(path);
  EXPECT_TRUE(test::contains(out, "client SYN_SENT"));
  ASSERT_GE(segs.size(), 3u);
  std::size_t syns = 0;
  while (syns < segs.size() && segs[syns].flags == packet::syn) ++syns;
  EXPECT_GE(syns, 2u) << tr("the first SYN went unanswered and was sent again");
  ASSERT_LT(syns, segs.size());
  EXPECT_EQ(segs[syns].flags, packet::syn | packet::ack);
  test::detail(trf("{} SYNs before the SYN,ACK; the retransmission came {:.2f} s later", syns,
                   std::chrono::duration<double>(segs[1].time - segs[0].time).count()));
}

namespace {

// A fresh directory for one test's files, removed at the end.
struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("socklab_lesson03_" + std::to_string(std::random_device{}()) +
                                std::to_string(std::random_device{}()));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string escaped(std::string_view s) {  // as XML text: & < > "
  std::string out;
  for (char ch : s) {
    if (ch == '&')
      out += "&amp;";
    else if (ch == '<')
      out += "&lt;";
    else if (ch == '>')
      out += "&gt;";
    else if (ch == '"')
      out += "&quot;";
    else
      out += ch;
  }
  return out;
}

// The text of every <text class="CLASS" ...>...</text>, in order, with its x.
struct SvgText {
  int x = 0;
  std::string text;
};
std::vector<SvgText> svg_texts(const std::string& svg, const std::string& cls) {
  std::vector<SvgText> out;
  const std::string open = "<text class=\"" + cls + "\" x=\"";
  for (std::size_t at = svg.find(open); at != std::string::npos; at = svg.find(open, at + 1)) {
    SvgText t;
    t.x = std::stoi(svg.substr(at + open.size()));
    const std::size_t begin = svg.find('>', at) + 1;
    t.text = svg.substr(begin, svg.find("</text>", begin) - begin);
    out.push_back(t);
  }
  return out;
}

// Every element opened is closed, in order (a small XML check; returns what is wrong).
// In HTML, <meta> and <br> have no end tag.
std::string xml_problem(const std::string& doc) {
  std::vector<std::string> open;
  for (std::size_t at = doc.find('<'); at != std::string::npos; at = doc.find('<', at + 1)) {
    const std::size_t end = doc.find('>', at);
    if (end == std::string::npos) return "a '<' never closed by '>'";
    const std::string tag = doc.substr(at + 1, end - at - 1);
    if (tag.ends_with('/') || tag.starts_with('!')) continue;  // <line .../>, <!DOCTYPE>
    const std::string name = tag.substr(0, tag.find_first_of(" \n"));
    if (name == "meta" || name == "br") continue;  // HTML's elements without an end tag
    if (!name.starts_with('/')) {
      open.push_back(name);
    } else if (open.empty() || "/" + open.back() != name) {
      return "<" + name + "> closes " + (open.empty() ? "nothing" : "<" + open.back() + ">");
    } else {
      open.pop_back();
    }
  }
  return open.empty() ? "" : "<" + open.back() + "> is never closed";
}

// Each side's relative numbers, as Wireshark's: seq - ISN (the seq of its SYN).
struct Relative {
  std::uint32_t client_isn = 0, server_isn = 0;
  Address client;
  explicit Relative(const std::vector<Segment>& segs) : client(segs.at(0).source) {
    for (const Segment& s : segs)
      if (s.has(packet::syn)) (s.source == client ? client_isn : server_isn) = s.seq;
  }
  std::uint32_t seq(const Segment& s) const {
    return s.seq - (s.source == client ? client_isn : server_isn);
  }
  std::uint32_t ack(const Segment& s) const {
    return s.ack - (s.source == client ? server_isn : client_isn);
  }
};

// The program's "step: WHAT   client STATE   server STATE" lines.
struct ProgramStep {
  std::string what, client, server;
};
std::vector<ProgramStep> program_steps(const std::string& out) {
  std::vector<ProgramStep> steps;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("step: ")) continue;
    const std::size_t c = line.rfind(" client "), s = line.rfind(" server ");
    if (c == std::string::npos || s == std::string::npos || s < c) continue;
    ProgramStep p;
    p.what = line.substr(6, c - 6);
    p.what.erase(p.what.find_last_not_of(' ') + 1);
    std::istringstream(line.substr(c + 8, s - c - 8)) >> p.client;
    std::istringstream(line.substr(s + 8)) >> p.server;
    steps.push_back(p);
  }
  return steps;
}

}  // namespace

TEST(Lesson03Program, E2E5_SvgDrawsThisRunsSegmentsAndStates) {
  Step step(5, 6, "handshake --svg OUT.svg",
            "the same ladder as a picture: one arrow per captured segment, labelled with the "
            "relative seq/ack --format lines prints, the states beside the lifelines");
  REQUIRE_CAPTURE_PRIVILEGE();
  TempDir dir;
  const std::string svg_path = dir / "hs.svg";
  std::string out = run_handshake({"--format", "lines", "--svg", svg_path}, dir / "hs.pcap");
  const std::vector<Segment> segs = decode_all(pcap::read_file(dir / "hs.pcap"));
  const std::string svg = read_text(svg_path);
  ASSERT_GE(segs.size(), 7u) << tr("handshake 3 + data 2 + teardown 3 or 4");
  EXPECT_TRUE(test::contains(out, "wrote " + svg_path));

  // Well-formed: one <svg> element, everything inside it closed.
  EXPECT_TRUE(svg.starts_with("<svg ")) << svg.substr(0, 80);
  EXPECT_TRUE(svg.ends_with("</svg>\n"));
  EXPECT_EQ(xml_problem(svg), "");

  // One label per segment of the pcap file, in order: flags, relative seq and ack.
  const Relative rel(segs);
  const std::vector<SvgText> labels = svg_texts(svg, "label");
  ASSERT_EQ(labels.size(), segs.size()) << tr("one arrow label per captured segment");
  std::vector<std::string> printed;  // the --format lines output of the same run
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (line.find(": Flags [") != std::string::npos) printed.push_back(line);
  ASSERT_EQ(printed.size(), segs.size());
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const Segment& s = segs[i];
    std::string want = fmt::format("{} seq={}", packet::flags_text(s.flags), rel.seq(s));
    if (s.has(packet::ack)) want += fmt::format(" ack={}", rel.ack(s));
    EXPECT_TRUE(labels[i].text.starts_with(want)) << trf("arrow {}: {}", i + 1, labels[i].text);
    EXPECT_TRUE(test::contains(printed[i],
                               fmt::format("seq {}{}", rel.seq(s), s.payload_length ? ":" : ",")));
  }
  EXPECT_TRUE(labels[0].text.starts_with("SYN seq=0 "));
  EXPECT_TRUE(labels[1].text.starts_with("SYN,ACK seq=0 ack=1 "));
  EXPECT_TRUE(labels[2].text.starts_with("ACK seq=1 ack=1"));

  // Each program step is drawn with the states the kernel reported in this run,
  // and each lifeline ends in the state the kernel reported last.
  const std::vector<ProgramStep> steps = program_steps(out);
  ASSERT_FALSE(steps.empty()) << out;
  for (const ProgramStep& p : steps)
    EXPECT_TRUE(test::contains(svg, escaped(fmt::format("{}  [kernel: client {}, server {}]",
                                                        p.what, p.client, p.server))));
  std::string client_last, server_last;
  for (const SvgText& t : svg_texts(svg, "state"))
    (t.x < 405 ? client_last : server_last) = t.text;  // 405: between the lifelines
  EXPECT_EQ(client_last, steps.back().client)
      << tr("the client's lifeline ends as the kernel said");
  EXPECT_EQ(server_last, steps.back().server)
      << tr("the server's lifeline ends as the kernel said");
  test::detail(trf("{} arrows for {} segments; the lifelines end in {} and {}", labels.size(),
                   segs.size(), client_last, server_last));
}

TEST(Lesson03Program, E2E6_HtmlPageEmbedsTheSvgAndATableAndFetchesNothing) {
  Step step(6, 6, "handshake --close abort --svg OUT.svg --html OUT.html",
            "one self-contained page: the picture, a table row per segment, no network");
  REQUIRE_CAPTURE_PRIVILEGE();
  TempDir dir;
  const std::string svg_path = dir / "abort.svg", html_path = dir / "abort.html";
  run_handshake({"--close", "abort", "--svg", svg_path, "--html", html_path}, dir / "abort.pcap");
  const std::vector<Segment> segs = decode_all(pcap::read_file(dir / "abort.pcap"));
  const std::string svg = read_text(svg_path), html = read_text(html_path);
  ASSERT_FALSE(segs.empty());
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_EQ(xml_problem(html), "");
  EXPECT_TRUE(test::contains(html, svg)) << tr("the page embeds the very SVG --svg wrote");

  // The table: one row per segment, in order, with its flags and payload length.
  std::vector<std::string> rows;
  for (std::size_t at = html.find("<tr><td>"); at != std::string::npos;
       at = html.find("<tr><td>", at + 1))
    rows.push_back(html.substr(at, html.find("</tr>", at) - at));
  ASSERT_EQ(rows.size(), segs.size()) << tr("one table row per captured segment");
  for (std::size_t i = 0; i < segs.size(); ++i) {
    EXPECT_TRUE(test::contains(rows[i], "<td>" + packet::flags_text(segs[i].flags) + "</td>"));
    EXPECT_TRUE(test::contains(rows[i], fmt::format("<td>{}</td>", segs[i].payload_length)));
  }
  EXPECT_TRUE(test::contains(rows.back(), "RST")) << tr("this run ended with the client's RST");

  // Nothing to fetch: the only URL is the SVG namespace's name, which is never loaded.
  for (std::string_view scheme : {"http://", "https://"})
    for (std::size_t at = html.find(scheme); at != std::string::npos;
         at = html.find(scheme, at + 1))
      EXPECT_TRUE(html.substr(0, at).ends_with("xmlns=\""))
          << trf("a URL in the page: {}", html.substr(at, 60));
  for (std::string_view fetches : {"src=", "href=", "<link", "@import", "url(http"})
    EXPECT_EQ(html.find(fetches), std::string::npos)
        << trf("the page would load something: {}", fetches);
  test::detail(trf("{} table rows for {} segments, the SVG inside, no URL to fetch", rows.size(),
                   segs.size()));
}

TEST(Lesson03Program, PictureToAnUnwritablePathIsOneLineAndExit1) {
  TempDir dir;  // no capture needed: without one the program draws the kernel's states
  const std::string bad = dir / "no-such-dir/out";
  std::vector<Program> runs;  // both at once: each run waits ~250 ms for late segments
  for (std::string flag : {"--svg", "--html"})
    runs.push_back(
        Program::start("handshake", {"--pcap", dir / (flag.substr(2) + ".pcap"), flag, bad}));
  for (Program& p : runs) {
    auto exit = p.wait(20s);
    EXPECT_EQ(exit.code, 1) << p.stderr_text();
    EXPECT_TRUE(test::contains(p.first_stderr_line(), "write(" + bad + ")"));
    EXPECT_EQ(std::count(p.stderr_text().begin(), p.stderr_text().end(), '\n'), 1)
        << p.stderr_text();
  }
}

TEST(Lesson03Program, UnknownCloseVariantIsAUsageError) {
  Program p = Program::start("handshake", {"--close", "bogus"});
  auto exit = p.wait(10s);
  EXPECT_EQ(exit.code, 2) << tr("a bad --close is a usage error");
  EXPECT_TRUE(test::contains(p.stderr_text(), "--close"));
}
