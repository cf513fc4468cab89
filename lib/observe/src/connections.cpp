// connections.cpp — split segments by 4-tuple, and name what each segment is.
#include "socklab/observe/connections.hpp"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <utility>

namespace socklab::observe {
namespace {

using packet::Segment;

// A key that is the same for both directions of a connection: the two ends as
// text, formatted once per segment (Address's == formats both IPs each time).
std::pair<std::string, std::string> tuple_key(const Segment& s, bool& source_first) {
  std::string a = s.source.to_string(), b = s.destination.to_string();
  source_first = a < b;
  return source_first ? std::make_pair(std::move(a), std::move(b))
                      : std::make_pair(std::move(b), std::move(a));
}

// An open connection: where it is in `out`, which end of its key is the client,
// and its teardown so far — kept up to date segment by segment, so that a new SYN
// asks "has it ended?" in O(1), not by reading the connection again (that made a
// SYN flood on one port pair quadratic: 39.8 s for 20,000 SYNs).
struct Open {
  std::size_t index = 0;
  bool client_first = false;  // the client is key.first
  TeardownScan teardown;
};

// a - b in sequence space: positive when a is after b (RFC 9293 §3.4, mod 2^32).
std::int32_t seq_diff(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b);
}

}  // namespace

std::chrono::nanoseconds Connection::duration() const noexcept {
  if (segments.empty()) return std::chrono::nanoseconds{0};
  return segments.back().time - segments.front().time;
}

std::string Connection::ending() const {
  Teardown t = analyze_teardown(segments, client);
  if (t.reset_by && !t.first_fin) return fmt::format("reset by the {}", to_string(*t.reset_by));
  if (t.complete) return "closed: " + describe(t);
  if (t.first_fin) return describe(t);
  return "still open at the end of the capture";
}

Conversation Connection::conversation() const {
  Conversation c;
  c.client = client;
  c.server = server;
  c.segments = segments;
  c.captured = true;
  return c;
}

std::vector<Connection> split_connections(const std::vector<Segment>& segments) {
  std::vector<Connection> out;
  std::map<std::pair<std::string, std::string>, Open> open;  // 4-tuple -> its connection
  for (const Segment& s : segments) {
    bool source_first = false;
    auto key = tuple_key(s, source_first);
    auto it = open.find(key);
    const bool first_syn = s.has(packet::syn) && !s.has(packet::ack);
    if (it != open.end() && first_syn && it->second.teardown.ended()) {
      open.erase(it);  // the port pair is reused by a new connection
      it = open.end();
    }
    if (it == open.end()) {
      Connection c;
      // The client sent the first SYN; a SYN,ACK first (its SYN was not captured)
      // means the receiver is the client; else guess the sender of the first segment.
      const bool reply = s.has(packet::syn) && s.has(packet::ack);
      c.client = reply ? s.destination : s.source;
      c.server = reply ? s.source : s.destination;
      c.saw_syn = s.has(packet::syn);
      out.push_back(std::move(c));
      Open o;
      o.index = out.size() - 1;
      o.client_first = reply ? !source_first : source_first;
      it = open.emplace(std::move(key), std::move(o)).first;
    }
    Open& o = it->second;
    Connection& c = out[o.index];
    const bool from_client = source_first == o.client_first;
    c.segments.push_back(s);
    (from_client ? c.bytes_from_client : c.bytes_from_server) += s.payload_length;
    o.teardown.add(s, from_client ? Side::client : Side::server);
  }
  return out;
}

std::vector<std::string> segment_notes(const std::vector<Segment>& segments,
                                       const Address& client) {
  std::vector<std::string> notes(segments.size());
  struct Sender {
    std::optional<std::uint32_t> next;  // the highest sequence number sent so far, + 1
    std::optional<std::uint32_t> last_ack;
    std::uint16_t last_window = 0;
    int duplicates = 0;
    bool zero_window = false;
  } side[2];  // [0] the client, [1] the server
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = segments[i];
    Sender& me = side[s.source == client ? 0 : 1];
    const Sender& peer = side[s.source == client ? 1 : 0];
    const std::uint32_t length = s.sequence_length();
    std::string& note = notes[i];
    if (s.has(packet::rst)) {
      note = "RST: connection aborted";
      continue;
    }
    // Sequence numbers already sent again: a retransmission (RFC 9293 §3.8).
    if (length > 0 && me.next && seq_diff(s.seq + length, *me.next) <= 0) note = "retransmission";
    if (length > 0 && (!me.next || seq_diff(s.seq + length, *me.next) > 0))
      me.next = s.seq + length;
    // The same ACK again, with no data and the same window, while the peer has data
    // outstanding: a duplicate ACK (RFC 5681 §2).
    const bool pure_ack = s.has(packet::ack) && length == 0;
    const bool outstanding = peer.next && seq_diff(*peer.next, s.ack) > 0;
    if (pure_ack && outstanding && me.last_ack && *me.last_ack == s.ack &&
        me.last_window == s.window && s.window != 0) {
      ++me.duplicates;
      note = fmt::format("duplicate ACK #{}", me.duplicates);
    } else if (s.has(packet::ack)) {
      if (pure_ack && me.last_ack && *me.last_ack == s.ack && me.zero_window && s.window != 0)
        note = "window update: the receiver has room again";
      me.duplicates = 0;
    }
    if (!s.payload_captured)
      note = note.empty() ? "data not captured (snapshot length)"
                          : note + ", data not captured (snapshot length)";
    if (s.window == 0 && !s.has(packet::syn)) {
      note = note.empty() ? "zero window: the receiver's buffer is full" : note + ", zero window";
      me.zero_window = true;
    } else {
      me.zero_window = false;
    }
    if (s.has(packet::ack)) {
      me.last_ack = s.ack;
      me.last_window = s.window;
    }
  }
  return notes;
}

}  // namespace socklab::observe
