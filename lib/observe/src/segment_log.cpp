// segment_log.cpp — packetdrill-style lines, and the record behind the ladder and pcap.
#include "socklab/observe/segment_log.hpp"

#include <fmt/format.h>

#include <utility>

namespace socklab::observe {
namespace {

std::chrono::nanoseconds now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch());
}

// packetdrill's flag letters, ACK last as ".".
std::string flag_letters(std::uint8_t f) {
  std::string out;
  if (f & packet::syn) out += 'S';
  if (f & packet::fin) out += 'F';
  if (f & packet::rst) out += 'R';
  if (f & packet::psh) out += 'P';
  if (f & packet::urg) out += 'U';
  if (f & packet::ece) out += 'E';
  if (f & packet::cwr) out += 'W';
  if (f & packet::ack) out += '.';
  return out.empty() ? "-" : out;
}

std::string options_text(const packet::Options& o) {
  std::string out;
  auto add = [&](const std::string& item) { out += (out.empty() ? "" : ",") + item; };
  if (o.mss) add(fmt::format("mss {}", *o.mss));
  if (o.sack_permitted) add("sackOK");
  if (o.timestamp) add(fmt::format("TS val {} ecr {}", *o.timestamp, o.timestamp_echo.value_or(0)));
  if (o.window_scale) add(fmt::format("wscale {}", *o.window_scale));
  return out.empty() ? "" : " <" + out + ">";
}

}  // namespace

std::string packetdrill_line(const packet::Segment& s, bool sent, std::uint32_t seq_base,
                             std::uint32_t ack_base) {
  std::uint32_t start = s.seq - seq_base;  // unsigned: wraps mod 2^32 as TCP does
  std::string line =
      fmt::format("{} {} {}:{}({})", sent ? '>' : '<', flag_letters(s.flags), start,
                  start + static_cast<std::uint32_t>(s.payload_length), s.payload_length);
  if (s.has(packet::ack)) line += fmt::format(" ack {}", s.ack - ack_base);
  line += fmt::format(" win {}", s.window);
  return line + options_text(s.options);
}

SegmentLog::SegmentLog(Address us, Address peer) : us_(std::move(us)), peer_(std::move(peer)) {}

std::string SegmentLog::add(std::span<const std::byte> bytes, bool sent) {
  packet::Segment s = packet::decode(bytes);
  s.time = now();
  if (s.has(packet::syn)) (sent ? isn_us_ : isn_peer_) = s.seq;
  segments_.push_back(s);
  sent_.push_back(sent);
  records_.push_back({s.time, std::vector<std::byte>(bytes.begin(), bytes.end()), 0});
  return line(segments_.size() - 1);
}

std::string SegmentLog::line(std::size_t i) const {
  const packet::Segment& s = segments_.at(i);
  std::uint32_t mine = (sent_[i] ? isn_us_ : isn_peer_).value_or(0);
  std::uint32_t theirs = (sent_[i] ? isn_peer_ : isn_us_).value_or(0);
  double t = static_cast<double>((s.time - segments_.front().time).count()) / 1e9;
  return fmt::format("{:.3f} {}", t, packetdrill_line(s, sent_[i], mine, theirs));
}

void SegmentLog::note(std::string what, TcpState ours, TcpState kernel) {
  steps_.push_back({now(), std::move(what), ours, kernel});
}

Conversation SegmentLog::conversation() const {
  Conversation c;
  c.client = us_;
  c.server = peer_;
  c.segments = segments_;
  c.steps = steps_;
  return c;
}

pcap::File SegmentLog::pcap_file() const {
  pcap::File f;  // link type raw IP: each record starts with the IPv4 header
  f.records = records_;
  return f;
}

}  // namespace socklab::observe
