// Lesson 13 — our end of a TCP connection (tcp_endpoint.hpp): the part you write.
//
// Each step answers one question of RFC 9293 section 3.10: what do we send, and
// what does a segment that arrives change. Sequence numbers are Seq32: compare
// them with `-` (a distance), never with `<`, because they wrap at 2^32.
#include "tcp_endpoint.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace lesson13 {
namespace packet = socklab::observe::packet;

std::uint64_t Seq32::unwrap(Seq32 isn, std::uint64_t checkpoint) const {
  const std::uint64_t offset = raw_ - isn.raw_, period = 1ull << 32;
  std::uint64_t n = (checkpoint & ~(period - 1)) + offset;  // in checkpoint's 4 GiB period
  if (n > checkpoint && n - checkpoint > period / 2 && n >= period)
    n -= period;
  else if (n < checkpoint && checkpoint - n > period / 2)
    n += period;
  return n;
}

Endpoint::Endpoint(Address us, Address peer, std::uint32_t isn, std::uint16_t window)
    : us_(us), peer_(peer), isn_(isn), snd_una_(isn), snd_nxt_(isn), window_(window) {}

Out Endpoint::segment(std::uint8_t flags, Seq32 seq, std::string data) const {
  Segment s;  // the fields we choose; encode() adds the rest and the checksums
  s.source = us_, s.destination = peer_, s.flags = flags, s.seq = seq.raw();
  s.ack = (flags & packet::ack) ? rcv_nxt_.raw() : 0;
  s.window = window_;
  s.payload_length = data.size();
  return {s, std::move(data)};
}

std::vector<Out> Endpoint::ack_now() const {
  std::vector<Out> out{segment(packet::ack, snd_nxt_)};
  return out;
}

std::vector<Out> Endpoint::sent(std::vector<Out> out, Time now) {
  for (const Out& o : out)
    if (o.segment.sequence_length() > 0) unacked_.push_back(o);  // a bare ACK is not kept
  if (!out.empty()) sent_at_ = now;
  return out;
}

std::vector<Out> Endpoint::connect(Time now) {
  // 1. SYN: "I start counting at isn". It takes one sequence number.
  // SOLUTION-BEGIN: TODO(step 1): the SYN: seq = isn_, flags packet::syn, MSS option 1460;
  // snd_nxt_ = isn_ + 1 and state_ = TcpState::syn_sent.
  // SOLUTION-STUB: throw std::logic_error("TODO(step 1): the SYN is not written yet");
  // SOLUTION-STUB: return sent({}, now);
  Out syn = segment(packet::syn, isn_);
  syn.segment.options.mss = 1460;  // the most data we take in one segment
  snd_nxt_ = isn_ + 1;
  state_ = TcpState::syn_sent;
  return sent({syn}, now);
  // SOLUTION-END
}

std::vector<Out> Endpoint::receive(const Segment& s, std::string_view data, Time /*now*/) {
  if (s.has(packet::rst)) {  // a reset (closed port): it must ACK our SYN, or be in window
    if (state_ != TcpState::syn_sent || Seq32(s.ack) == snd_nxt_) state_ = TcpState::closed;
    return {};
  }
  if (state_ == TcpState::syn_sent) {
    // 2. The SYN,ACK: the peer's ISN in seq, and ack = isn + 1 ("next I expect isn + 1").
    // SOLUTION-BEGIN: TODO(step 2): ignore (return {}) anything but SYN|ACK with ack ==
    // snd_nxt_; else rcv_nxt_ = its seq + 1, acknowledged(its ack), state_ = established.
    // SOLUTION-STUB: throw std::logic_error("TODO(step 2): the SYN,ACK is not checked yet");
    if (s.flags != (packet::syn | packet::ack) || Seq32(s.ack) != snd_nxt_) return {};
    rcv_nxt_ = Seq32(s.seq) + 1;
    acknowledged(snd_nxt_);  // its ack: our SYN arrived
    state_ = TcpState::established;
    // SOLUTION-END
    // 3. The ACK of the SYN,ACK: the handshake is complete, the peer's accept() returns.
    // SOLUTION-BEGIN: TODO(step 3): return the ACK: flags packet::ack, seq = snd_nxt_.
    // SOLUTION-STUB: throw std::logic_error("TODO(step 3): the ACK is not written yet");
    return {segment(packet::ack, snd_nxt_)};
    // SOLUTION-END
  }
  if (state_ == TcpState::closed || state_ == TcpState::time_wait) return {};
  if (s.has(packet::ack)) acknowledged(Seq32(s.ack));
  if (s.has(packet::syn)) return ack_now();  // its SYN,ACK again: our ACK was lost

  return take(s, data);  // step 5, below
}

std::vector<Out> Endpoint::write(std::string_view data, Time now, bool second_half_first) {
  if (state_ != TcpState::established && state_ != TcpState::close_wait)
    throw std::logic_error("write(): the connection is not established");
  // 4. Our data, with PSH: "hand it to the application". It takes data.size() numbers.
  // SOLUTION-BEGIN: TODO(step 4): one PSH|ACK segment at snd_nxt_ with all of `data`,
  // and advance snd_nxt_. If second_half_first: two segments, the second half (at
  // snd_nxt_ + half) first, then ONLY the first half — the kernel keeps the second.
  // SOLUTION-STUB: (void)data, (void)now, (void)second_half_first;
  // SOLUTION-STUB: throw std::logic_error("TODO(step 4): the data is not written yet");
  std::vector<Out> out;
  const std::size_t half = second_half_first ? data.size() / 2 : 0;
  const std::uint8_t flags = packet::psh | packet::ack;
  if (half > 0)
    out.push_back(segment(flags, snd_nxt_ + static_cast<std::uint32_t>(half),
                          std::string(data.substr(half))));
  out.push_back(segment(flags, snd_nxt_, std::string(data.substr(0, half ? half : data.size()))));
  snd_nxt_ = snd_nxt_ + static_cast<std::uint32_t>(data.size());
  return sent(std::move(out), now);
  // SOLUTION-END
}

std::vector<Out> Endpoint::take(const Segment& s, std::string_view data) {
  // 5. What the peer sends: data, then maybe its FIN. A segment may repeat bytes we
  //    have (a retransmission), start beyond rcv_nxt_ (a byte before it is missing),
  //    or carry data and FIN together.
  if (data.empty() && !s.has(packet::fin)) {  // a bare ACK: nothing to answer, unless it
    if (Seq32(s.seq) == rcv_nxt_) return {};  // is out of place (a zero-window probe):
    return ack_now();                         // then say where we are (RFC 9293 3.10.7.4)
  }
  // SOLUTION-BEGIN: TODO(step 5): skip the bytes before rcv_nxt_ (already had); if the
  // segment starts after rcv_nxt_ keep nothing (out of order); else keep the new bytes
  // (at most window_) in received_, advance rcv_nxt_, then take a FIN that follows them
  // (fin_arrived()); always answer with an ACK (seq = snd_nxt_, ack = rcv_nxt_).
  // SOLUTION-STUB: throw std::logic_error("TODO(step 5): the peer's data is not taken yet");
  const std::int32_t had = rcv_nxt_ - Seq32(s.seq);  // bytes of it we already have
  if (had >= 0 && static_cast<std::size_t>(had) <= data.size()) {
    std::string_view fresh = data.substr(static_cast<std::size_t>(had));
    const std::size_t kept = std::min<std::size_t>(fresh.size(), window_);
    received_.append(fresh.substr(0, kept));
    rcv_nxt_ = rcv_nxt_ + static_cast<std::uint32_t>(kept);
    if (s.has(packet::fin) && kept == fresh.size()) fin_arrived();
  }
  return {segment(packet::ack, snd_nxt_)};
  // SOLUTION-END
}

std::vector<Out> Endpoint::close(Time now) {
  // 6. FIN: "I have no more to send". It takes one sequence number too.
  // SOLUTION-BEGIN: TODO(step 6): send FIN|ACK at snd_nxt_, advance snd_nxt_ by one;
  // state_: established -> fin_wait_1, close_wait -> last_ack.
  // SOLUTION-STUB: throw std::logic_error("TODO(step 6): the FIN is not written yet");
  // SOLUTION-STUB: return sent({}, now);
  Out fin = segment(packet::fin | packet::ack, snd_nxt_);
  snd_nxt_ = snd_nxt_ + 1;
  state_ = state_ == TcpState::close_wait ? TcpState::last_ack : TcpState::fin_wait_1;
  return sent({fin}, now);
  // SOLUTION-END
}

std::vector<Out> Endpoint::reset() {
  state_ = TcpState::closed;
  unacked_.clear();
  return {segment(packet::rst, snd_nxt_)};
}

std::vector<Out> Endpoint::set_window(std::uint16_t window) {
  if (window == window_) return {};
  window_ = window;
  return ack_now();
}

std::vector<Out> Endpoint::tick(Time now) {
  if (unacked_.empty() || now - sent_at_ < rto_) return {};
  sent_at_ = now;
  rto_ = std::min(rto_ * 2, std::chrono::milliseconds(60'000));  // back off (RFC 6298 5.5)
  Out again = unacked_.front();
  if (again.segment.has(packet::ack)) again.segment.ack = rcv_nxt_.raw();
  return {again};
}

void Endpoint::acknowledged(Seq32 ack) {
  if (ack - snd_una_ <= 0 || ack - snd_nxt_ > 0) return;  // old, or for what we never sent
  snd_una_ = ack;
  std::erase_if(unacked_, [&](const Out& o) {
    return (ack - (Seq32(o.segment.seq) + o.segment.sequence_length())) >= 0;
  });
  rto_ = std::chrono::milliseconds(1000);
  if (!all_acked()) return;  // our FIN (if sent) is ACKed only when everything is
  if (state_ == TcpState::fin_wait_1) state_ = TcpState::fin_wait_2;
  if (state_ == TcpState::closing) state_ = TcpState::time_wait;
  if (state_ == TcpState::last_ack) state_ = TcpState::closed;
}

void Endpoint::fin_arrived() {  // the FIN takes one sequence number
  rcv_nxt_ = rcv_nxt_ + 1;
  if (state_ == TcpState::established) state_ = TcpState::close_wait;
  if (state_ == TcpState::fin_wait_1) state_ = TcpState::closing;
  if (state_ == TcpState::fin_wait_2) state_ = TcpState::time_wait;
}

}  // namespace lesson13
