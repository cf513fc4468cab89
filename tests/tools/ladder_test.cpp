// tools/ladder, end to end: a real loopback session (lesson 01's echo server and
// lesson 02's client) captured by tcpdump and by Wireshark's capture engine, dumpcap
// (what tshark and Wireshark run to capture; started alone, it writes its first bytes
// in 0.1 s where tshark took 3 s on a loaded machine) — pcap and pcapng, on `lo`
// (Ethernet) and on `any` (Linux cooked) — then drawn by `ladder`, and
// its connection count, segment count and flags checked against what tcpdump
// (libpcap's reader, which reads pcap and pcapng) reads from the same file: a reader
// of its own, in the same letters as `ladder --lines`, that starts in 0.1 s where
// tshark takes 2 s of a loaded machine. Bad files: one line and exit 1, usage errors exit 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "socklab/lab/own_namespaces.hpp"
#include "socklab/observe/capture_file.hpp"
#include "socklab/observe/connections.hpp"
#include "socklab/observe/encode.hpp"
#include "socklab/observe/ladder.hpp"
#include "socklab/observe/packet.hpp"
#include "socklab/observe/pcap.hpp"
#include "socklab/socklab.hpp"
#include "support/narrate.hpp"
#include "support/own_network.hpp"
#include "support/programs.hpp"

using namespace socklab;
using namespace socklab::test;
using namespace socklab::observe;

namespace {

// A directory of this test's own, removed at the end (ctest -j runs tests side by side).
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("socklab-ladder-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A whole text file ("" when it cannot be read): the capture tool's stderr log.
std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Capturer {
  std::string tool;             // "tcpdump" or "dumpcap"
  std::string package;          // the Debian package it comes with
  std::string interface;        // "lo" or "any"
  std::string expected_format;  // "pcap" / "pcapng"
};

// The whole walk: capture a session with `c`, then read the file with ladder and tcpdump.
void capture_and_compare(const Capturer& c) {
  auto tool = find_on_path(c.tool);
  if (!tool)
    GTEST_SKIP() << c.tool << " is not installed (Debian: apt-get install " << c.package << ")";
  auto tcpdump = find_on_path("tcpdump");
  if (!tcpdump) GTEST_SKIP() << "tcpdump is not installed (Debian: apt-get install tcpdump)";
  auto sh = find_on_path("sh");
  if (!sh) GTEST_SKIP() << "no sh on PATH to start " << c.tool << " with";
  TempDir dir;
  const std::string file = dir / ("session." + c.expected_format);

  Address server_address;
  std::optional<Program> server;
  {
    Step step(1, 6, "echo_server --port 0 --once", "the session to capture: lesson 01's server");
    server.emplace(Program::start("echo_server", {"--port", "0", "--once"}));
    server_address = server->listening_address();
    ASSERT_NE(server_address.port(), 0);
  }
  std::optional<Program> capture;
  // tcpdump run as uid 0 always changes its user with initgroups() (even with -Z root);
  // a user namespace of our own refuses setgroups() (user_namespaces(7)), so there
  // tcpdump cannot start. tshark (dumpcap) keeps its user and runs.
  if (c.tool == "tcpdump" && lab::own_namespaces())
    GTEST_SKIP() << "tcpdump drops root with initgroups(), which a user namespace of our own "
                    "refuses (setgroups is denied there): run the tests as root to check "
                    "tcpdump's files (tshark's are checked in the other two cases)";
  {
    const std::string filter = "tcp port " + std::to_string(server_address.port());
    // The tool writes the capture to its stdout (-w -), so the test sees each packet
    // as it is written: it stops the tool once the whole session is in, an event, not
    // a guess (stopping it "soon after" loses what it has not read yet). sh sends its
    // stderr to a log file: the file format must not mix with its messages.
    // -s 4096 -B: the kernel's capture ring holds buffer / snapshot length packets, and
    // with the defaults (2 MiB, 262144 bytes) that is 8: on a loaded machine the kernel
    // dropped the teardown ("8 packets dropped by kernel", measured on 2 cores under
    // ctest -j2). 4096 bytes keep every segment of this session whole; the ring then
    // holds thousands.
    const std::string command =
        c.tool == "tcpdump" ? "exec " + *tool + " -i " + c.interface +
                                  " -s 4096 -B 8192 --immediate-mode -U -Z root -w - '" + filter +
                                  "' 2>'" + file + ".log'"
                            : "exec " + *tool + " -i " + c.interface + " -s 4096 -B 8 -w - -f '" +
                                  filter + "' 2>'" + file + ".log'";
    Step step(2, 6, c.tool + " -i " + c.interface + " -w - (" + c.expected_format + ")",
              "capture the server's port; wait until the file header arrives");
    capture.emplace(Program::start_path(*sh, {"-c", command}));
    // The file's first bytes (pcap header / pcapng section and interface blocks) are
    // written once the tool captures.
    std::error_code ec;
    for (auto deadline = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < deadline;) {
      capture->read_line(100ms);
      if (capture->stdout_text().size() >= 24) break;
    }
    if (capture->stdout_text().size() < 24) {
      const std::string said = read_text(file + ".log");
      if (said.find("ermission") != std::string::npos ||
          said.find("not permitted") != std::string::npos)
        GTEST_SKIP() << c.tool << " may not capture here ("
                     << (test::lab_unavailable().empty() ? "no CAP_NET_RAW"
                                                         : test::lab_unavailable())
                     << "): " << said;
      FAIL() << c.tool << " did not start capturing; it said:\n" << said;
    }
  }
  {
    Step step(3, 6, "echo_client hello", "one whole TCP connection: handshake, data, teardown");
    auto client = Program::start(
        "echo_client", {"--port", std::to_string(server_address.port()), "hello, ladder"});
    EXPECT_EQ(client.wait().code, 0) << client.stderr_text();
    EXPECT_EQ(server->wait().code, 0) << server->stderr_text();
  }
  {
    Step step(4, 6, "wait for the teardown in the capture, then stop the tool",
              "the last ACK of the teardown is the event; then SIGTERM");
    auto segments_so_far = [&] {
      std::error_code ec;
      auto bytes = std::as_bytes(std::span(capture->stdout_text()));
      CaptureFile f = read_capture(bytes, ec);  // the last packet may be half written
      std::vector<packet::Segment> segments;
      for (const auto& frame : f.packets)
        if (packet::Segment s = decode_frame(frame, ec); !ec) segments.push_back(s);
      return segments;
    };
    // On failure: what the capture did hold, as `ladder --lines` prints it.
    auto seen = [&] {
      std::string text = std::to_string(capture->stdout_text().size()) + " bytes captured:\n";
      for (const auto& connection : split_connections(segments_so_far()))
        text += render_lines(connection.conversation());
      return text;
    };
    auto complete = [&] {
      auto connections = split_connections(segments_so_far());
      if (connections.empty()) return false;
      Teardown t = analyze_teardown(connections[0].segments, connections[0].client);
      return t.complete || t.reset_by.has_value();
    };
    for (auto deadline = std::chrono::steady_clock::now() + 10s;
         !complete() && std::chrono::steady_clock::now() < deadline;)
      capture->read_line(100ms);
    const bool whole = complete();
    const std::string before_stop = whole ? "" : seen();
    capture->stop();
    if (!whole)
      ADD_FAILURE() << "the capture never showed the whole teardown; before the stop, "
                    << before_stop << "after the stop, " << seen() << c.tool << " said:\n"
                    << read_text(file + ".log");
    std::ofstream(file, std::ios::binary) << capture->stdout_text();
  }
  // What tcpdump reads from the file: one line per TCP segment,
  // "... IP 127.0.0.1.41234 > 127.0.0.1.40281: Flags [S.], seq ...".
  std::vector<std::string> reference_flags;
  std::set<std::string> streams;  // the connections: each pair of endpoints, in order
  {
    Step step(5, 6, "tcpdump -n -r FILE tcp",
              "the reference: libpcap's own reading of the same file, tcpdump's flags");
    // tcpdump run as uid 0 changes its user with initgroups(), refused in a user
    // namespace of our own: there it reads as an ordinary user of a nested one.
    std::optional<std::string> unshare = test::find_on_path("unshare");
    if (lab::own_namespaces() && !unshare)
      GTEST_SKIP() << "tcpdump cannot read as uid 0 in a user namespace and there is no unshare "
                      "to read as another user: apt-get install util-linux";
    auto read = lab::own_namespaces()
                    ? Program::start_path(*unshare, {"--map-user=65534", "--map-group=65534",
                                                     *tcpdump, "-n", "-r", file, "tcp"})
                    : Program::start_path(*tcpdump, {"-n", "-r", file, "tcp"});
    while (auto line = read.read_line(10s)) {
      const std::size_t ip = line->find(" IP ");
      const std::size_t flags = line->find("Flags [");
      if (ip == std::string::npos || flags == std::string::npos) continue;
      std::istringstream in(line->substr(ip + 4));
      std::string from, arrow, to;
      in >> from >> arrow >> to;
      if (!to.empty() && to.back() == ':') to.pop_back();
      streams.insert(std::min(from, to) + " " + std::max(from, to));
      reference_flags.push_back(line->substr(flags + 7, line->find(']', flags) - flags - 7));
    }
    EXPECT_EQ(read.wait().code, 0) << read.stderr_text();
    ASSERT_GE(reference_flags.size(), 3u) << "not even a handshake was captured";
  }
  {
    Step step(6, 6, "ladder FILE --list, ladder FILE --lines",
              "the same connections, segments and flags as tcpdump; a ladder with states");
    auto list = Program::start("ladder", {file, "--list"});
    auto summary = list.read_line();
    ASSERT_TRUE(summary.has_value()) << list.stderr_text();
    EXPECT_NE(summary->find(c.expected_format + ","), std::string::npos) << *summary;
    EXPECT_NE(summary->find(std::to_string(reference_flags.size()) + " TCP segments in " +
                            std::to_string(streams.size()) + " connection(s)"),
              std::string::npos)
        << "ladder: " << *summary << "\ntcpdump: " << reference_flags.size() << " segments, "
        << streams.size() << " streams";
    EXPECT_EQ(list.wait().code, 0) << list.stderr_text();

    auto lines = Program::start("ladder", {file, "--lines"});
    std::vector<std::string> ours;
    while (auto line = lines.read_line()) {
      auto at = line->find("Flags [");
      if (at == std::string::npos) continue;
      ours.push_back(line->substr(at + 7, line->find(']', at) - at - 7));
    }
    EXPECT_EQ(lines.wait().code, 0) << lines.stderr_text();
    EXPECT_EQ(ours, reference_flags)
        << "flags, segment by segment, as ladder and tcpdump read them";

    auto ladder = Program::start("ladder", {file});
    EXPECT_EQ(ladder.wait().code, 0) << ladder.stderr_text();
    EXPECT_NE(ladder.stdout_text().find("ESTABLISHED"), std::string::npos) << ladder.stdout_text();
    EXPECT_NE(ladder.stdout_text().find("INFERRED"), std::string::npos)
        << "the states must be marked as inferred";
  }
}

}  // namespace

TEST(LadderTool, E2E1_TcpdumpPcapOnLoopback) {
  capture_and_compare({"tcpdump", "tcpdump", "lo", "pcap"});
}
TEST(LadderTool, E2E2_TcpdumpPcapOnAnyIsLinuxCooked) {
  capture_and_compare({"tcpdump", "tcpdump", "any", "pcap"});
}
TEST(LadderTool, E2E3_DumpcapPcapngOnLoopback) {
  capture_and_compare({"dumpcap", "tshark", "lo", "pcapng"});
}
TEST(LadderTool, E2E4_DumpcapPcapngOnAny) {
  capture_and_compare({"dumpcap", "tshark", "any", "pcapng"});
}

TEST(LadderTool, E2E5_BadFilesGetOneLineAndExit1) {
  struct Case {
    std::string name, bytes, says;
  } cases[] = {
      {"empty", "", "empty file"},
      {"text", "GET / HTTP/1.1\r\n\r\n", "not a capture file"},
      {"truncated", std::string("\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a", 12),
       "truncated"},
  };
  TempDir dir;
  int n = 0;
  for (const Case& c : cases) {
    Step step(++n, 4, "ladder " + c.name, "a file that is not a capture: one clear line, exit 1");
    const std::string path = dir / c.name;
    std::ofstream(path, std::ios::binary) << c.bytes;
    auto p = Program::start("ladder", {path});
    Exit e = p.wait();
    EXPECT_EQ(e.code, 1);
    EXPECT_NE(p.first_stderr_line().find(c.says), std::string::npos) << p.stderr_text();
    EXPECT_EQ(std::count(p.stderr_text().begin(), p.stderr_text().end(), '\n'), 1)
        << p.stderr_text();
  }
  Step step(4, 4, "ladder (no file), ladder a b", "usage errors exit 2");
  EXPECT_EQ(Program::start("ladder", {}).wait().code, 2);
  EXPECT_EQ(Program::start("ladder", {"a", "b"}).wait().code, 2);
  EXPECT_EQ(Program::start("ladder", {"x", "--port", "70000"}).wait().code, 2);
}

TEST(LadderTool, E2E6_WritesSvgAndHtml) {
  const std::string corpus = SOCKLAB_LADDER_CORPUS;
  TempDir dir;
  const std::string svg = dir / "out.svg", html = dir / "out.html";
  Step step(1, 1, "ladder tshark-lo-pcapng --svg --html",
            "the same ladder as a picture and as a self-contained page");
  auto p = Program::start("ladder", {corpus + "/tshark-lo-pcapng", "--svg", svg, "--html", html});
  ASSERT_EQ(p.wait().code, 0) << p.stderr_text();
  std::ifstream s(svg), h(html);
  std::stringstream svg_text, html_text;
  svg_text << s.rdbuf();
  html_text << h.rdbuf();
  EXPECT_TRUE(svg_text.str().starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_NE(html_text.str().find("<svg"), std::string::npos);
  EXPECT_NE(html_text.str().find("<table>"), std::string::npos);
}

// A 200,000-byte transfer as `tcpdump -i lo -s 4096` (the command docs/captures.md
// recommends) writes it: loopback's segments are up to 64 KiB, the file keeps 4096
// bytes of each, and the last data segment carries the client's FIN. Built with the
// project's own encoder and pcap writer, so it needs no tcpdump. The old reader
// called each cut packet "unreadable": the connection showed "0 + 0 bytes" and
// "teardown incomplete" although both FINs are in the file; and a file whose
// snapshot length is 0 (as some capture tools write) failed on its first record.
TEST(LadderTool, E2E7_ASnapshotLengthCutsDataNotSegments) {
  using namespace packet;
  const Address client = Address::parse("127.0.0.1:40000");
  const Address server = Address::parse("127.0.0.1:8080");
  std::vector<std::vector<std::byte>> packets;
  auto add = [&](bool from_client, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags,
                 std::size_t length) {
    Segment s;
    s.source = from_client ? client : server;
    s.destination = from_client ? server : client;
    s.seq = seq;
    s.ack = ack;
    s.flags = flags;
    s.window = 65535;
    packets.push_back(encode(s, std::vector<std::byte>(length, std::byte{'x'})));
  };
  const std::uint32_t c0 = 1000, s0 = 5000;  // each side's ISN
  constexpr std::size_t total = 200'000, chunk = 65'000;
  add(true, c0, 0, syn, 0);
  add(false, s0, c0 + 1, syn | ack, 0);
  add(true, c0 + 1, s0 + 1, ack, 0);
  for (std::size_t sent = 0; sent < total; sent += chunk) {
    const std::size_t n = std::min(chunk, total - sent);
    const bool last = sent + n == total;
    add(true, c0 + 1 + static_cast<std::uint32_t>(sent), s0 + 1,
        static_cast<std::uint8_t>(psh | ack | (last ? fin : 0)), n);
  }
  add(false, s0 + 1, c0 + 1 + total + 1, fin | ack, 0);
  add(true, c0 + 1 + total + 1, s0 + 2, ack, 0);

  TempDir dir;
  pcap::File cut, zero;
  cut.snaplen = 4096;
  zero.snaplen = 0;
  std::chrono::nanoseconds t = std::chrono::seconds(1'700'000'000);
  for (const auto& p : packets) {
    t += std::chrono::microseconds(10);
    const std::size_t kept = std::min<std::size_t>(p.size(), cut.snaplen);
    cut.records.push_back({t,
                           std::vector<std::byte>(p.begin(), p.begin() + static_cast<long>(kept)),
                           static_cast<std::uint32_t>(p.size())});
    zero.records.push_back({t, p, 0});
  }
  {
    Step step(1, 2, "ladder s4096.pcap --list",
              "4 data segments cut to 4096 bytes: 200000 bytes and a whole teardown");
    pcap::write_file(dir / "s4096.pcap", cut);
    auto p = Program::start("ladder", {dir / "s4096.pcap", "--list"});
    ASSERT_EQ(p.wait().code, 0) << p.stderr_text();
    const std::string out = p.stdout_text();
    EXPECT_NE(out.find("9 TCP segments in 1 connection(s), 4 with data cut by the snapshot length"),
              std::string::npos)
        << out;
    EXPECT_EQ(out.find("unreadable"), std::string::npos) << out;
    EXPECT_NE(out.find("200000 + 0 bytes"), std::string::npos) << out;
    EXPECT_NE(out.find("closed: 3 segments: client FIN, server FIN+ACK, client ACK"),
              std::string::npos)
        << out;
  }
  {
    Step step(2, 2, "ladder snaplen0.pcap --list",
              "snapshot length 0 means no limit, as for libpcap: the file is read");
    pcap::write_file(dir / "snaplen0.pcap", zero);
    auto p = Program::start("ladder", {dir / "snaplen0.pcap", "--list"});
    ASSERT_EQ(p.wait().code, 0) << p.stderr_text();
    EXPECT_NE(p.stdout_text().find("200000 + 0 bytes"), std::string::npos) << p.stdout_text();
    EXPECT_EQ(p.stdout_text().find("cut by the snapshot"), std::string::npos) << p.stdout_text();
  }
}
