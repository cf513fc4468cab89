// ladder.cpp — RFC 9293's state diagram run over captured segments, the
// teardown's count, and the two text renderings (ladder and tcpdump-like lines).
#include "socklab/observe/ladder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace socklab::observe {
namespace {

using packet::Segment;

bool from_client(const Segment& s, const Address& client) {
  return s.source == client;
}

// Relative sequence numbers: each side counts from its own first number (the
// ISN in its SYN), as Wireshark does. Unsigned arithmetic wraps mod 2^32 as TCP does.
struct Numbering {
  std::optional<std::uint32_t> base[2];  // [0] client, [1] server
  bool raw = false;

  Numbering(const std::vector<Segment>& segments, const Address& client, bool raw_seq)
      : raw(raw_seq) {
    for (const Segment& s : segments) {  // a SYN fixes the base; else the first seq seen
      auto& b = base[from_client(s, client) ? 0 : 1];
      if (s.has(packet::syn)) {
        if (!b || !syn_seen[from_client(s, client) ? 0 : 1]) b = s.seq;
        syn_seen[from_client(s, client) ? 0 : 1] = true;
      } else if (!b) {
        b = s.seq;
      }
    }
  }
  std::uint32_t seq(const Segment& s, bool client_sent) const {
    return raw ? s.seq : s.seq - base[client_sent ? 0 : 1].value_or(0);
  }
  std::uint32_t ack(const Segment& s, bool client_sent) const {
    return raw ? s.ack : s.ack - base[client_sent ? 1 : 0].value_or(0);
  }

 private:
  bool syn_seen[2] = {false, false};
};

std::string label_of(const Segment& s, const Numbering& n, bool client_sent) {
  std::string label = fmt::format("{} seq={}", packet::flags_text(s.flags), n.seq(s, client_sent));
  if (s.has(packet::ack)) label += fmt::format(" ack={}", n.ack(s, client_sent));
  if (s.has(packet::syn)) {
    label += fmt::format(" win={}", s.window);
    if (s.options.mss) label += fmt::format(" mss={}", *s.options.mss);
  }
  if (s.payload_length > 0) label += fmt::format(" len={}", s.payload_length);
  return label;
}

// tcpdump's flag letters: S F P R U W E, and "." for ACK.
std::string tcpdump_flags(std::uint8_t f) {
  std::string out;
  if (f & packet::syn) out += 'S';
  if (f & packet::fin) out += 'F';
  if (f & packet::psh) out += 'P';
  if (f & packet::rst) out += 'R';
  if (f & packet::urg) out += 'U';
  if (f & packet::cwr) out += 'W';
  if (f & packet::ece) out += 'E';
  if (f & packet::ack) out += '.';
  return out.empty() ? "none" : out;
}

std::string millis(std::chrono::nanoseconds t) {
  return fmt::format("{:.3f}", static_cast<double>(t.count()) / 1e6);
}

// Which segments a change of state on one side implies, for the ladder drawn
// without a capture. Only the changes lesson 03 produces are named.
std::string inferred(TcpState from, TcpState to) {
  using S = TcpState;
  if (from == to || to == S::unknown || from == S::unknown) return {};
  if (to == S::syn_sent) return "SYN sent";
  if (to == S::established && (from == S::closed || from == S::syn_sent))
    return "SYN, SYN,ACK, ACK crossed";
  if (to == S::established && from == S::listen) return "handshake done";
  if (to == S::fin_wait_1) return "FIN sent";
  if (to == S::fin_wait_2) return "FIN sent and ACKed";
  if (to == S::close_wait) return "FIN received";
  if (to == S::last_ack) return "FIN sent";
  if (to == S::time_wait) return "both FINs sent and ACKed";
  if (to == S::closed && (from == S::last_ack || from == S::close_wait)) return "FIN ACKed";
  if (to == S::closed && from == S::established) return "RST";
  return {};
}

std::string arrow(const std::string& label, int direction, std::size_t width) {
  // direction: +1 client -> server, -1 server -> client, 0 no arrow (inferred)
  std::string middle = " " + label + " ";
  std::size_t dashes = width > middle.size() + 1 ? width - middle.size() - 1 : 0;
  std::size_t left = dashes / 2, right = dashes - left;
  char line = direction == 0 ? '~' : '-';
  std::string out = direction < 0 ? "|<" : "|";
  out += std::string(left, line) + middle + std::string(right, line);
  out += direction > 0 ? ">|" : (direction < 0 ? "|" : "~|");
  return out;
}

}  // namespace

std::string_view to_string(Side s) noexcept {
  return s == Side::client ? "client" : "server";
}

std::vector<Segment> segments_between(const std::vector<Segment>& all, const Address& client,
                                      const Address& server) {
  std::vector<Segment> out;
  for (const Segment& s : all) {
    if ((s.source == client && s.destination == server) ||
        (s.source == server && s.destination == client))
      out.push_back(s);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Segment& a, const Segment& b) { return a.time < b.time; });
  return out;
}

std::vector<StatesAfter> derive_states(const std::vector<Segment>& segments,
                                       const Address& client) {
  using S = TcpState;
  std::vector<StatesAfter> out;
  StatesAfter now;
  // The ack number that acknowledges each side's FIN, once it has sent one.
  std::optional<std::uint32_t> fin_end[2];
  for (const Segment& s : segments) {
    const int a = from_client(s, client) ? 0 : 1;  // sender
    const int b = 1 - a;                           // receiver
    S* state[2] = {&now.client, &now.server};
    S& sender = *state[a];
    S& receiver = *state[b];

    if (s.has(packet::rst)) {  // RFC 9293 3.10.7: a valid RST closes both ends
      sender = S::closed;
      if (receiver != S::listen) receiver = S::closed;
      out.push_back(now);
      continue;
    }
    // --- the sender's side of the diagram
    if (s.has(packet::syn) && !s.has(packet::ack) && sender == S::closed) sender = S::syn_sent;
    if (s.has(packet::syn) && s.has(packet::ack) && sender == S::listen) sender = S::syn_received;
    if (!s.has(packet::syn) && s.has(packet::ack) && sender == S::syn_sent) sender = S::established;
    if (s.has(packet::fin)) {
      fin_end[a] = s.seq + s.sequence_length();
      if (sender == S::established) sender = S::fin_wait_1;
      if (sender == S::close_wait) sender = S::last_ack;
    }
    // --- the receiver's side: first the ACK, then a FIN
    if (s.has(packet::ack) && !s.has(packet::syn) && receiver == S::syn_received)
      receiver = S::established;
    if (s.has(packet::ack) && fin_end[b] && s.ack == *fin_end[b]) {  // our FIN is ACKed
      if (receiver == S::fin_wait_1) receiver = S::fin_wait_2;
      if (receiver == S::closing) receiver = S::time_wait;
      if (receiver == S::last_ack) receiver = S::closed;
    }
    if (s.has(packet::fin)) {
      if (receiver == S::established) receiver = S::close_wait;
      if (receiver == S::fin_wait_1) receiver = S::closing;  // simultaneous close
      if (receiver == S::fin_wait_2) receiver = S::time_wait;
    }
    out.push_back(now);
  }
  return out;
}

void TeardownScan::add(const Segment& s, Side sender) {
  const std::size_t i = count_++;
  const int a = sender == Side::client ? 0 : 1;
  const int b = 1 - a;
  if (s.has(packet::rst) && !t_.reset_by) t_.reset_by = sender;
  if (s.has(packet::ack) && fin_end_[b] && !acked_[b] && s.ack == *fin_end_[b]) acked_[b] = i;
  if (s.has(packet::fin)) {
    (a == 0 ? t_.fins_from_client : t_.fins_from_server) += 1;
    if (!fin_[a]) {
      fin_[a] = i;
      fin_end_[a] = s.seq + s.sequence_length();
      if (!t_.first_fin) t_.first_fin = sender;
    }
  }
  t_.complete = fin_[0] && fin_[1] && acked_[0] && acked_[1];
}

bool TeardownScan::ended() const noexcept {
  return t_.complete || t_.reset_by.has_value();
}

Teardown TeardownScan::result() const {
  Teardown t = t_;
  std::vector<std::size_t> involved;
  for (const auto& i : {fin_[0], fin_[1], acked_[0], acked_[1]})
    if (i && std::find(involved.begin(), involved.end(), *i) == involved.end())
      involved.push_back(*i);
  t.segments = static_cast<int>(involved.size());
  return t;
}

Teardown analyze_teardown(const std::vector<Segment>& segments, const Address& client) {
  TeardownScan scan;
  for (const Segment& s : segments)
    scan.add(s, from_client(s, client) ? Side::client : Side::server);
  return scan.result();
}

std::string describe(const Teardown& t) {
  if (!t.first_fin) {
    if (t.reset_by)
      return fmt::format("no FIN: the {} aborted the connection with RST", to_string(*t.reset_by));
    return "no teardown seen (no FIN, no RST)";
  }
  const std::string_view first = to_string(*t.first_fin);
  const std::string_view second = t.first_fin == Side::client ? "server" : "client";
  std::string text;
  if (!t.complete) {
    text =
        fmt::format("teardown incomplete: {} segments seen after the {}'s FIN", t.segments, first);
  } else if (t.segments == 4) {
    text = fmt::format("4 segments: {0} FIN, {1} ACK, {1} FIN, {0} ACK (the {0} closed first)",
                       first, second);
  } else {
    text = fmt::format(
        "{} segments: {} FIN, {} FIN+ACK, {} ACK (the ACK of the first FIN was delayed "
        "and rode on the second FIN)",
        t.segments, first, second, first);
  }
  if (t.reset_by) text += fmt::format("; the {} sent RST", to_string(*t.reset_by));
  return text;
}

std::vector<LadderRow> ladder_rows(const Conversation& c, const LadderOptions& options) {
  const auto& segs = c.segments;
  Numbering numbering(segs, c.client, options.raw_seq);
  auto states = derive_states(segs, c.client);

  // One row per segment and per step, in time order.
  std::vector<LadderRow> rows;
  StatesAfter before;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    bool client_sent = from_client(segs[i], c.client);
    LadderRow r;
    r.time = segs[i].time;
    r.direction = client_sent ? 1 : -1;
    r.label = label_of(segs[i], numbering, client_sent);
    if (states[i].client != before.client) r.client_state = to_string(states[i].client);
    if (states[i].server != before.server) r.server_state = to_string(states[i].server);
    if (options.notes.size() == segs.size()) r.note = options.notes[i];
    r.segment = &segs[i];
    before = states[i];
    rows.push_back(std::move(r));
  }
  TcpState seen_client = TcpState::closed, seen_server = TcpState::listen;
  for (const StepNote& step : c.steps) {
    LadderRow r;
    r.time = step.time;
    r.label = step.what;
    if (c.captured) {
      if (step.client != TcpState::unknown || step.server != TcpState::unknown)
        r.label += fmt::format("  [kernel: client {}, server {}]", to_string(step.client),
                               to_string(step.server));
    } else {  // no capture: the states are the row, the segments are inferred
      std::string guess = inferred(seen_client, step.client);
      std::string other = inferred(seen_server, step.server);
      if (guess.empty()) guess = other;
      if (!guess.empty()) r.label += " (inferred: " + guess + ")";
      if (step.client != seen_client) r.client_state = to_string(step.client);
      if (step.server != seen_server) r.server_state = to_string(step.server);
      if (step.client != TcpState::unknown) seen_client = step.client;
      if (step.server != TcpState::unknown) seen_server = step.server;
    }
    rows.push_back(std::move(r));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const LadderRow& a, const LadderRow& b) { return a.time < b.time; });
  if (!rows.empty()) {
    const auto t0 = rows.front().time;
    for (LadderRow& r : rows) r.time -= t0;
  }
  return rows;
}

std::string render_ladder(const Conversation& c, const LadderOptions& options) {
  const std::vector<LadderRow> rows = ladder_rows(c, options);
  std::size_t width = 36;
  for (const LadderRow& r : rows)
    if (r.direction != 0 || !c.captured) width = std::max(width, r.label.size() + 10);

  std::string out;
  out += fmt::format("{:>8}  {:<{}}server {}\n", "t(ms)", "client " + c.client.to_string(),
                     width + 14, c.server.to_string());
  out += fmt::format("{:>8}  {:<{}}{}\n", "", "CLOSED", width + 14, "LISTEN");
  for (const LadderRow& r : rows) {
    std::string t = millis(r.time);
    if (r.direction == 0 && c.captured) {
      out += fmt::format("{:>8}  -- {}\n", t, r.label);
    } else {
      out += fmt::format("{:>8}  {:<12}{} {:<12}{}\n", t, r.client_state,
                         arrow(r.label, r.direction, width), r.server_state,
                         r.note.empty() ? "" : "  ! " + r.note);
    }
  }
  if (c.captured && c.steps.empty()) {
    out +=
        "  (states beside the arrows are INFERRED: RFC 9293's state diagram driven by the\n"
        "   captured segments, not read from the kernel)\n";
  } else if (c.captured) {
    out +=
        "  (states beside the arrows: RFC 9293's diagram driven by the captured segments;\n"
        "   -- lines: the program's steps, with what the kernel reported then)\n";
  } else {
    out +=
        "  (INFERRED, nothing captured: the states are what the kernel reported after each\n"
        "   step; the segments in brackets are inferred from the changes of state)\n";
  }
  // Strip the spaces an empty server column leaves at the ends of lines.
  std::string trimmed;
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t end = out.find('\n', start);
    std::string line = out.substr(start, end - start);
    line.erase(line.find_last_not_of(' ') + 1);
    trimmed += line + '\n';
    start = end + 1;
  }
  return trimmed;
}

std::string render_lines(const Conversation& c, const LadderOptions& options) {
  Numbering numbering(c.segments, c.client, options.raw_seq);
  std::string out;
  const auto t0 = c.segments.empty() ? std::chrono::nanoseconds{0} : c.segments.front().time;
  for (const Segment& s : c.segments) {
    bool client_sent = from_client(s, c.client);
    std::uint32_t seq = numbering.seq(s, client_sent);
    std::string line = fmt::format(
        "{:.6f} {} > {}: Flags [{}], seq {}", static_cast<double>((s.time - t0).count()) / 1e9,
        s.source.to_string(), s.destination.to_string(), tcpdump_flags(s.flags), seq);
    if (s.payload_length > 0) line += fmt::format(":{}", seq + s.payload_length);
    if (s.has(packet::ack)) line += fmt::format(", ack {}", numbering.ack(s, client_sent));
    line += fmt::format(", win {}", s.window);
    std::vector<std::string> opts;
    if (s.options.mss) opts.push_back(fmt::format("mss {}", *s.options.mss));
    if (s.options.sack_permitted) opts.push_back("sackOK");
    if (s.options.timestamp)
      opts.push_back(fmt::format("TS val {} ecr {}", *s.options.timestamp,
                                 s.options.timestamp_echo.value_or(0)));
    if (s.options.window_scale) opts.push_back(fmt::format("wscale {}", *s.options.window_scale));
    if (!opts.empty()) line += fmt::format(", options [{}]", fmt::join(opts, ","));
    line += fmt::format(", length {}\n", s.payload_length);
    out += line;
  }
  return out;
}

}  // namespace socklab::observe

namespace socklab::observe {

std::string render_path_ladder(const std::vector<std::string>& names,
                               const std::vector<std::string>& addresses,
                               const std::vector<PathArrow>& arrows) {
  constexpr std::size_t width = 16;  // one column per node
  auto row = [&](const std::string& left, auto cell) {
    std::string line = left;
    line.resize(9, ' ');
    for (std::size_t i = 0; i < names.size(); ++i) {
      std::string c = cell(i);
      if (i + 1 < names.size()) c.resize(width, ' ');
      line += c;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + '\n';
  };
  std::string out = row("  t(ms)", [&](std::size_t i) { return names[i]; });
  out += row("", [&](std::size_t i) { return i < addresses.size() ? addresses[i] : ""; });
  const std::chrono::nanoseconds start =
      arrows.empty() ? std::chrono::nanoseconds{0} : arrows[0].time;
  for (const PathArrow& a : arrows) {
    const std::size_t lo = std::min(a.from, a.to), hi = std::max(a.from, a.to);
    std::string arrow(width * (hi - lo) - 1, '-');
    std::string label = " " + a.label + " ";
    if (label.size() + 4 < arrow.size())
      arrow.replace((arrow.size() - label.size()) / 2, label.size(), label);
    if (a.to > a.from)
      arrow.back() = '>';
    else
      arrow.front() = '<';
    std::string t =
        a.time.count() == 0
            ? std::string("")
            : fmt::format("  {:.3f}",
                          std::chrono::duration<double, std::milli>(a.time - start).count());
    std::string line = t;
    line.resize(9, ' ');
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i == lo) {
        line += "|" + arrow;
        i = hi - 1;
        continue;
      }
      line += i + 1 < names.size() ? std::string("|") + std::string(width - 1, ' ') : "|";
    }
    out += line + '\n';
  }
  return out;
}

}  // namespace socklab::observe
