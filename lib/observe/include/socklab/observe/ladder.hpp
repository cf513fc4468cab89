// socklab/observe/ladder.hpp — draw one TCP connection as a ladder diagram.
//
//    t(ms)  client 127.0.0.1:48494                        server 127.0.0.1:5564
//           CLOSED                                        LISTEN
//    0.000  SYN_SENT    |---- SYN seq=0 win=65495 mss=65495 ---->|
//    0.013              |<------ SYN,ACK seq=0 ack=1 ------------| SYN_RCVD
//    0.027  ESTABLISHED |---------- ACK seq=1 ack=1 ------------>| ESTABLISHED
//
// The states beside the arrows follow RFC 9293's state diagram (section 3.3.2)
// driven by the captured segments; lines starting with "--" are the program's
// steps with the states the kernel reported at that moment. Sequence numbers
// are relative to each side's first one (its SYN), as Wireshark shows them,
// unless raw_seq is set. render_lines() gives one tcpdump-like line per segment.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "socklab/address.hpp"
#include "socklab/observe/packet.hpp"
#include "socklab/observe/tcp_state.hpp"

namespace socklab::observe {

enum class Side { client, server };
std::string_view to_string(Side s) noexcept;

/// What the program did at one moment, and the states the kernel reported then.
struct StepNote {
  std::chrono::nanoseconds time{0};  ///< since 1970-01-01 UTC, like the capture's timestamps
  std::string what;                  ///< e.g. "client: close()"
  TcpState client = TcpState::unknown;
  TcpState server = TcpState::unknown;
};

/// One connection: its two ends, its segments and the program's steps.
struct Conversation {
  Address client;
  Address server;
  std::vector<packet::Segment> segments;  ///< see segments_between()
  std::vector<StepNote> steps;
  /// false: nothing was captured; the ladder then shows the steps and the states
  /// the kernel reported, with the segments inferred from the state changes.
  bool captured = true;
};

/// The segments between `client` and `server` (both directions), sorted by time.
std::vector<packet::Segment> segments_between(const std::vector<packet::Segment>& all,
                                              const Address& client, const Address& server);

/// Each side's state after each segment, by RFC 9293's state diagram, starting
/// from client CLOSED and server LISTEN.
struct StatesAfter {
  TcpState client = TcpState::closed;
  TcpState server = TcpState::listen;
};
std::vector<StatesAfter> derive_states(const std::vector<packet::Segment>& segments,
                                       const Address& client);

/// How the connection ended.
struct Teardown {
  std::optional<Side> first_fin;  ///< who sent the first FIN (the active closer)
  int fins_from_client = 0;
  int fins_from_server = 0;
  /// Segments that carry a FIN or first acknowledge one: 4, or 3 when the ACK
  /// of the first FIN rode on the second FIN. 0 without a FIN.
  int segments = 0;
  bool complete = false;         ///< both FINs sent and acknowledged
  std::optional<Side> reset_by;  ///< who sent an RST, if anyone
};
Teardown analyze_teardown(const std::vector<packet::Segment>& segments, const Address& client);

/// analyze_teardown() one segment at a time, for a reader that sees a capture go by
/// (split_connections() asks after every segment whether a connection has ended):
/// add() the segments in order, each with its sender; result() at any moment.
class TeardownScan {
 public:
  void add(const packet::Segment& s, Side sender);
  Teardown result() const;
  /// result().complete or result().reset_by, without building the result.
  bool ended() const noexcept;

 private:
  Teardown t_;
  std::size_t count_ = 0;                         // segments added so far
  std::optional<std::size_t> fin_[2], acked_[2];  // index of each side's first FIN / its ACK
  std::optional<std::uint32_t> fin_end_[2];
};
/// One sentence: "4 segments: FIN, ACK, FIN, ACK (client closed first)" etc.
std::string describe(const Teardown& t);

struct LadderOptions {
  bool raw_seq = false;  ///< absolute sequence numbers instead of relative ones
  /// One note per segment (segment_notes() in connections.hpp), shown beside its
  /// arrow: "retransmission", "duplicate ACK #1", ... Empty: no notes.
  std::vector<std::string> notes = {};
};

/// One row of a ladder, whatever draws it (text, SVG): a segment or a program step.
struct LadderRow {
  std::chrono::nanoseconds time{0};  ///< since the first row
  int direction = 0;                 ///< +1 client -> server, -1 server -> client, 0 a step
  std::string label;                 ///< "SYN seq=0 win=65495 mss=65495", or the step
  std::string client_state;          ///< the client's new state, "" if unchanged
  std::string server_state;
  std::string note;                          ///< from LadderOptions::notes
  const packet::Segment* segment = nullptr;  ///< the segment drawn (into c.segments)
};
/// The rows render_ladder() and render_svg() draw, in time order.
std::vector<LadderRow> ladder_rows(const Conversation& c, const LadderOptions& options = {});

/// The ladder diagram (several lines, each ending in '\n').
std::string render_ladder(const Conversation& c, const LadderOptions& options = {});
/// The same ladder as an SVG picture: two lifelines, one arrow per segment with
/// its label, the states beside the lifelines, the time at the left. Standalone
/// (an .svg file) and readable at 760 px, the width of a GitHub page.
std::string render_svg(const Conversation& c, const LadderOptions& options = {});

/// One self-contained HTML page (no network access needed to view it): a title,
/// the teardown in words, the SVG, and a table of the segments.
std::string render_html(const Conversation& c, const LadderOptions& options = {},
                        std::string_view title = "TCP connection");

/// One connection of several on one page (see the render_html() below).
struct HtmlSection {
  std::string heading;  ///< e.g. "connection 1: 127.0.0.1:40046 → 127.0.0.1:41999"
  Conversation conversation;
  LadderOptions options = {};
};
/// Several connections on one self-contained page (the tests' flight recorder):
/// the title, `preface` as preformatted text (if any), then for each section its
/// heading, teardown, SVG and table of segments.
std::string render_html(const std::vector<HtmlSection>& sections, std::string_view title,
                        std::string_view preface = {});

/// One line per segment, tcpdump style: time, addresses, flags, seq, ack, win, options, length.
std::string render_lines(const Conversation& c, const LadderOptions& options = {});

/// Writes a picture or page (render_svg(), render_html()) to `path`, replacing
/// the file. Throws Error("write", path) with the reason (ENOENT, EACCES, ENOSPC ...).
void write_text_file(const std::string& path, std::string_view text);

}  // namespace socklab::observe

namespace socklab::observe {

/// One packet seen crossing one link of a path: from node `from` to node `to`
/// (indexes into the node list), e.g. a probe arriving at a router with "TTL 63".
struct PathArrow {
  std::size_t from = 0, to = 0;
  std::string label;
  std::chrono::nanoseconds time{0};  ///< when it was captured (0 = unknown)
};

/// A ladder of a path through routers (lesson 12): one column per node, one line
/// per arrow, time in ms since the first arrow on the left.
///
///    t(ms)  host A        R1            R2
///           10.12.1.2     10.12.1.1     10.12.2.2
///    0.000  |-- TTL 64 -->|             |
///    0.019  |             |-- TTL 63 -->|
std::string render_path_ladder(const std::vector<std::string>& names,
                               const std::vector<std::string>& addresses,
                               const std::vector<PathArrow>& arrows);

}  // namespace socklab::observe
