// recorder.cpp — glue between the capture, the state query and the ladder.
#include "socklab/observe/recorder.hpp"

#include <algorithm>

#include "socklab/observe/packet.hpp"
#include "socklab/observe/tcp_state.hpp"

namespace socklab::observe {
namespace {
std::chrono::nanoseconds wall_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch());
}
}  // namespace

Recorder::Recorder(const Address& server)
    : server_(server), last_step_(std::chrono::steady_clock::now()) {
  capture_ = Capture::loopback(server.port(), capture_error_);
}

StepNote Recorder::step(std::string what, const Socket& client, const Socket& server) {
  // Take what is queued first: those segments crossed before this step, whatever
  // their timestamps say (see Capture: a packet read before the kernel's
  // timestamping is on carries the time it was read, not when it arrived).
  if (capturing()) {
    std::error_code ignored;
    for (auto& p : capture_.read_until(std::chrono::steady_clock::now(), ignored))
      raw_.push_back(std::move(p));
  }
  StepNote note{wall_now(), std::move(what), TcpState::closed, TcpState::listen};
  if (client_.family() != Family::unspecified) {  // the connection exists: ask for it
    note.client = state_of(client, client_, server_);
    note.server = state_of(server, server_, client_);
  } else if (client.is_open()) {
    std::error_code ignored;  // unknown on failure
    note.client = tcp_state(client, ignored);
  }
  steps_.push_back(note);
  last_step_ = std::chrono::steady_clock::now();
  return note;
}

Conversation Recorder::finish(std::chrono::milliseconds linger) {
  Conversation c{client_, server_, {}, steps_, capturing()};
  if (capturing()) {
    std::error_code ec;
    for (auto& p : capture_.read_until(last_step_ + linger, ec)) raw_.push_back(std::move(p));
    std::vector<packet::Segment> all;
    for (auto& p : raw_) {
      packet::Segment s = packet::decode(p.bytes, ec);
      if (ec) continue;  // not a TCP segment we can read: leave it out
      s.time = p.time;
      if ((s.source == client_ && s.destination == server_) ||
          (s.source == server_ && s.destination == client_)) {
        all.push_back(s);
        packets_.push_back(std::move(p));
      }
    }
    c.segments = segments_between(all, client_, server_);
    std::stable_sort(
        packets_.begin(), packets_.end(),
        [](const CapturedPacket& a, const CapturedPacket& b) { return a.time < b.time; });
  }
  return c;
}

pcap::File Recorder::pcap_file() const {
  pcap::File file;
  for (const CapturedPacket& p : packets_) file.records.push_back({p.time, p.bytes, 0});
  return file;
}

}  // namespace socklab::observe
