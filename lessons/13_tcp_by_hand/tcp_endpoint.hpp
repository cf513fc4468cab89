// Lesson 13 — our end of a TCP connection, as pure code: segments in, segments out.
//
// No socket, no device, no root: the time is passed in, the segments are plain
// values. tcp_by_hand.cpp joins it to the kernel over a TUN device; the tests
// (tests/lesson13_tcp_by_hand_test.cpp) drive it in-process with crafted
// segments. The shape is that of CS144's minnow (its TCPSender, TCPReceiver and
// Wrap32), written anew for this lesson.
//
// The six steps you write are in tcp_endpoint.cpp (TODO(step N)):
//   1 connect(): the SYN            4 write(): the data
//   2 receive(): check the SYN,ACK  5 receive(): the peer's data and FIN, ACKed
//   3 receive(): ACK it             6 close(): our FIN
#pragma once

#include <socklab/observe/packet.hpp>
#include <socklab/observe/tcp_state.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lesson13 {

using socklab::Address;
using socklab::observe::TcpState;
using socklab::observe::packet::Segment;
using Time = std::chrono::steady_clock::time_point;

/// A sequence number (RFC 9293 section 3.4): 32 bits, arithmetic and order modulo
/// 2^32, so Seq32(0xfffffff0) + 0x20 is Seq32(0x10), and 0x10 comes after 0xfffffff0.
class Seq32 {
 public:
  constexpr explicit Seq32(std::uint32_t raw = 0) : raw_(raw) {}
  constexpr std::uint32_t raw() const { return raw_; }
  constexpr Seq32 operator+(std::uint32_t n) const { return Seq32(raw_ + n); }  // wraps
  /// How far this number is after `from` (negative: before), within 2^31 either way.
  constexpr std::int32_t operator-(Seq32 from) const {
    return static_cast<std::int32_t>(raw_ - from.raw_);
  }
  constexpr bool operator==(const Seq32&) const = default;
  /// Stream offset n (0 = the SYN) -> its sequence number, counting from the ISN.
  static constexpr Seq32 wrap(std::uint64_t n, Seq32 isn) {
    return isn + static_cast<std::uint32_t>(n);
  }
  /// The stream offset this number stands for: of all n with wrap(n, isn) == *this,
  /// the one closest to `checkpoint` (a recent offset): 32 bits repeat every 4 GiB.
  std::uint64_t unwrap(Seq32 isn, std::uint64_t checkpoint) const;

 private:
  std::uint32_t raw_;
};

/// One segment to put on the wire, with its data.
struct Out {
  Segment segment;
  std::string data;
};

class Endpoint {
 public:
  /// `us` is our address, `peer` the other end's; `isn` our initial sequence number.
  Endpoint(Address us, Address peer, std::uint32_t isn, std::uint16_t window = 65535);

  std::vector<Out> connect(Time now);  ///< step 1: the SYN
  /// Steps 2, 3 and 5: one segment from the peer (and its data); what to answer.
  std::vector<Out> receive(const Segment& s, std::string_view data, Time now);
  /// Step 4: data to send, at most one MSS. second_half_first: the out-of-order
  /// experiment, its second half sent before its first.
  std::vector<Out> write(std::string_view data, Time now, bool second_half_first = false);
  std::vector<Out> close(Time now);  ///< step 6: our FIN
  std::vector<Out> reset();          ///< an RST: we give up the connection
  /// Our receive window from now on; on a change, a window update (an ACK).
  std::vector<Out> set_window(std::uint16_t window);
  /// Retransmits the oldest unacknowledged segment once the timer (1 s, doubling;
  /// RFC 6298) has run out since it was sent.
  std::vector<Out> tick(Time now);

  TcpState state() const { return state_; }
  const std::string& received() const { return received_; }  ///< the peer's data, in order
  bool all_acked() const { return snd_una_ == snd_nxt_; }
  Seq32 snd_nxt() const { return snd_nxt_; }
  Seq32 rcv_nxt() const { return rcv_nxt_; }

 private:
  Out segment(std::uint8_t flags, Seq32 seq, std::string data = {}) const;
  std::vector<Out> ack_now() const;                                // a bare ACK: where we are
  std::vector<Out> sent(std::vector<Out> out, Time now);           // remembered until ACKed
  std::vector<Out> take(const Segment& s, std::string_view data);  // step 5
  void acknowledged(Seq32 ack);                                    // the peer's ACK number
  void fin_arrived();

  Address us_, peer_;
  Seq32 isn_, snd_una_, snd_nxt_, rcv_nxt_;  // oldest unACKed, next to send, next expected
  std::uint16_t window_;
  TcpState state_ = TcpState::closed;
  std::string received_;
  std::vector<Out> unacked_;  // sent, not yet ACKed: what tick() sends again
  Time sent_at_{};
  std::chrono::milliseconds rto_{1000};
};

}  // namespace lesson13
