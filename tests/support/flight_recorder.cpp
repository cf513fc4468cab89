// flight_recorder.cpp — see flight_recorder.hpp: a network namespace of the test
// program's own (before main), a capture of its loopback during each test, kept
// only when the test fails.
#include "support/flight_recorder.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <socklab/cli/language.hpp>
#include <socklab/error.hpp>
#include <socklab/lab/own_namespaces.hpp>
#include <socklab/observe/capture.hpp>
#include <socklab/observe/capture_file.hpp>
#include <socklab/observe/connections.hpp>
#include <socklab/observe/ladder.hpp>
#include <socklab/observe/pcap.hpp>
#include <socklab/text.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace socklab::test {
namespace {

using namespace socklab::observe;

constexpr std::size_t last_segments = 10;  // printed under the failure; all are in the files

// A segment's identity within one capture, to find its frame again after
// split_connections() copied it into its connection.
using SegmentKey = std::tuple<std::int64_t, std::string, std::uint32_t, std::uint8_t>;
SegmentKey key_of(const packet::Segment& s) {
  return {s.time.count(), s.source.to_string(), s.seq, s.flags};
}

// The bytes a segment carried, escaped and cut for one line: a raw-IP frame holds
// the IP packet, whose last payload_length bytes (within ip_length) are the data.
std::string data_of(const CapturedFrame& frame, const packet::Segment& s) {
  if (s.payload_length == 0) return {};
  const std::size_t end = std::min(s.ip_length, frame.data.size());
  if (s.payload_length > end) return {};
  const auto* first = reinterpret_cast<const char*>(frame.data.data()) + (end - s.payload_length);
  return printable(std::string_view(first, s.payload_length), 60);
}

// Keeps `lines[from, to)` of a multi-line text.
std::string lines_of(const std::string& text, std::size_t from, std::size_t to) {
  std::string out;
  std::size_t line = 0, start = 0;
  while (start < text.size() && line < to) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (line >= from) out += "  " + text.substr(start, end - start) + "\n";
    start = end + 1;
    ++line;
  }
  return out;
}

class FlightRecorder : public ::testing::EmptyTestEventListener {
 public:
  explicit FlightRecorder(std::string off) : off_(std::move(off)) {}

  void OnTestStart(const ::testing::TestInfo&) override {
    capture_ = Capture{};
    if (!off_.empty()) return;
    std::error_code ec;
    capture_ = Capture::loopback(0, ec);  // every TCP segment on lo; nothing read yet
    if (ec) off_ = cli::trf("cannot capture lo: {} ({})", ec.message(), Capture::hint(ec));
  }

  void OnTestEnd(const ::testing::TestInfo& info) override {
    Capture capture = std::move(capture_);  // closed on return: a passing test keeps nothing
    const ::testing::TestResult* result = info.result();
    if (result == nullptr || !result->Failed()) return;
    if (!capture.is_open()) {
      if (!said_off_) std::printf("%s\n", cli::trf("no flight recording: {}", off_).c_str());
      said_off_ = true;
      std::fflush(stdout);
      return;
    }
    try {
      report(capture, recording_name(info.test_suite_name(), info.name()));
    } catch (const std::exception& e) {
      std::printf("%s\n", cli::trf("no flight recording: {}", e.what()).c_str());
    }
    std::fflush(stdout);
  }

 private:
  static void report(Capture& capture, const std::string& name) {
    // 1. What the kernel queued while the test ran (the deadline is now: no waiting).
    pcap::File file;
    file.link_type = pcap::linktype_raw;  // Capture gives IP packets without a link header
    std::error_code ec;
    const auto now = std::chrono::steady_clock::now();
    while (auto packet = capture.next(now, ec))
      file.records.push_back({packet->time, std::move(packet->bytes), 0});
    if (ec) throw Error(ec, "flight recorder: read lo");

    // 2. The pcapng file, for tshark and Wireshark.
    std::filesystem::create_directories(failures_dir());
    const std::string base = failures_dir() + "/" + name;
    pcap::write_pcapng_file(base + ".pcapng", file, "socklab flight recorder: " + name);

    // 3. The segments, split into connections, each data segment noted with its bytes.
    CaptureFile frames;
    frames.format = "pcapng";
    for (pcap::Record& r : file.records)
      frames.packets.push_back({r.time, link_raw, std::move(r.data), 0});
    const DecodedFrames decoded = decode_frames(frames);
    std::map<SegmentKey, std::string> data;
    for (std::size_t i = 0; i < decoded.segments.size(); ++i) {
      std::string bytes = data_of(frames.packets[decoded.frame_of[i]], decoded.segments[i]);
      if (!bytes.empty()) data[key_of(decoded.segments[i])] = "data: \"" + bytes + "\"";
    }
    std::set<SegmentKey> last;  // the last few segments of the whole test
    for (std::size_t i = decoded.segments.size() - std::min(decoded.segments.size(), last_segments);
         i < decoded.segments.size(); ++i)
      last.insert(key_of(decoded.segments[i]));

    const std::vector<Connection> connections = split_connections(decoded.segments);
    std::vector<HtmlSection> sections;
    std::string ladders;
    for (std::size_t n = 0; n < connections.size(); ++n) {
      const Connection& c = connections[n];
      HtmlSection section;
      section.heading = fmt::format("connection {}: {} → {} ({})", n + 1, c.client.to_string(),
                                    c.server.to_string(), c.ending());
      section.conversation = c.conversation();
      section.options.notes = segment_notes(c.segments, c.client);
      std::size_t shown = 0;
      for (std::size_t i = 0; i < c.segments.size(); ++i) {
        auto found = data.find(key_of(c.segments[i]));
        std::string& note = section.options.notes[i];
        if (found != data.end()) note += (note.empty() ? "" : "; ") + found->second;
        shown += last.count(key_of(c.segments[i]));
      }
      if (shown > 0) {
        // The ladder's two heading lines, then its last `shown` rows (one per segment).
        const std::string ladder = render_ladder(section.conversation, section.options);
        const std::size_t rows = c.segments.size();
        ladders += fmt::format(
            "connection {} of {}: {} -> {}{}\n", n + 1, connections.size(), c.client.to_string(),
            c.server.to_string(),
            shown < rows ? fmt::format(" (its last {} of {} segments)", shown, rows) : "");
        ladders += lines_of(ladder, 0, 2) + lines_of(ladder, 2 + rows - shown, 2 + rows);
      }
      sections.push_back(std::move(section));
    }
    const std::string summary = fmt::format(
        "flight recorder: {} TCP segments on this test's loopback, in {} connection(s){}{}",
        decoded.segments.size(), connections.size(),
        decoded.malformed ? fmt::format(", {} unreadable", decoded.malformed) : "",
        decoded.segments.empty() ? " (nothing crossed it: did a program start and connect?)" : "");

    // 4. The page, for a browser.
    write_text_file(base + ".html",
                    render_html(sections, "socklab flight recorder: " + name, summary));

    // 5. Under the assertion: where the files are, and the last segments.
    std::string out = summary + "\n";
    out += fmt::format("  {}.pcapng   (tshark -r, Wireshark)\n  {}.html     (a browser)\n", base,
                       base);
    if (!ladders.empty()) out += fmt::format("the last {} segments:\n{}", last.size(), ladders);
    std::fputs(out.c_str(), stdout);
  }

  Capture capture_;
  std::string off_;
  bool said_off_ = false;
};

// Before main(), while the process has one thread (unshare(2) needs that for a user
// namespace): the namespace, then the listener. A network of our own is what
// makes the capture this program's alone; without it the recorder stays off.
std::string take_network() {
  // SOCKLAB_FLIGHT_RECORDER=off: the machine's network and no recording, as
  // before the recorder (to compare test times, or to look at a test with ss).
  if (const char* setting = std::getenv("SOCKLAB_FLIGHT_RECORDER");
      setting != nullptr && std::string(setting) == "off")
    return "switched off (SOCKLAB_FLIGHT_RECORDER=off)";
  const std::error_code ec = lab::use_own_network();
  if (!ec) {
    // The kernel switches arrival timestamps on a moment after a socket asks, and off
    // when the last one closes: asked now and kept on, each test's capture finds them
    // on, instead of waiting for them (measured: ~20 ms a test process, spinning).
    Capture::keep_arrival_stamps_on();
    return {};
  }
  return cli::trf("no network namespace of its own ({})", lab::own_namespaces_hint(ec));
}

const std::string& off_reason() {
  static const std::string reason = take_network();
  return reason;
}

[[maybe_unused]] const bool installed = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new FlightRecorder(off_reason()));
  return true;
}();

}  // namespace

std::string failures_dir() {
  return SOCKLAB_FAILURES_DIR;
}

std::string flight_recorder_off() {
  return off_reason();
}

std::string recording_name(const std::string& suite, const std::string& test) {
  std::string name = suite + "." + test;
  std::replace(name.begin(), name.end(), '/', '_');
  return name;
}

}  // namespace socklab::test
