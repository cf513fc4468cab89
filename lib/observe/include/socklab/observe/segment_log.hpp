// socklab/observe/segment_log.hpp — every segment a hand-written TCP sent or
// received, printed as packetdrill writes them and kept for the ladder and pcap.
//
// Lesson 13 writes TCP segments itself and reads the kernel's answers from a TUN
// device. Each packet goes through add(), which decodes it, stamps the time,
// and returns a line in packetdrill's notation (github.com/google/packetdrill):
//
//   0.000 > S 0:0(0) win 65535 <mss 1460>
//   0.000 < S. 0:0(0) ack 1 win 64240 <mss 1460>
//   0.001 > . 1:1(0) ack 1 win 65535
//
// ">" is a segment we sent, "<" one we received; the flags are S(YN) F(IN)
// R(ST) P(SH) U(RG) E(CE) W (CWR) and "." for ACK; "1:7(6)" is the first and the
// one-past-last sequence number and the length of the data. Sequence numbers
// are relative to each side's ISN (its SYN's seq), as packetdrill and Wireshark
// show them; before a side's SYN is seen they are raw.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "socklab/address.hpp"
#include "socklab/observe/ladder.hpp"
#include "socklab/observe/packet.hpp"
#include "socklab/observe/pcap.hpp"

namespace socklab::observe {

/// One packet line: `> S. 0:0(0) ack 1 win 65535 <mss 1460>` (no time). The bases
/// are subtracted from seq (the sender's ISN) and ack (the receiver's ISN).
std::string packetdrill_line(const packet::Segment& s, bool sent, std::uint32_t seq_base,
                             std::uint32_t ack_base);

class SegmentLog {
 public:
  /// `us` is our end (drawn as the ladder's client), `peer` the kernel's.
  SegmentLog(Address us, Address peer);

  /// Decodes and keeps `packet` (an IPv4/IPv6 + TCP packet; throws on garbage)
  /// and returns its line with the time since the first packet: "0.012 > S ...".
  std::string add(std::span<const std::byte> packet, bool sent);

  /// The line of an already kept segment (index into segments()).
  std::string line(std::size_t index) const;

  const std::vector<packet::Segment>& segments() const noexcept { return segments_; }
  /// Notes a step of the program for the ladder ("-- kernel: accept() returned").
  void note(std::string what, TcpState ours = TcpState::unknown,
            TcpState kernel = TcpState::unknown);
  /// Our and the kernel's segments as a Conversation for render_ladder().
  Conversation conversation() const;
  /// Every kept packet, as a pcap file with link type raw IP (LINKTYPE_RAW, 101).
  pcap::File pcap_file() const;

 private:
  Address us_, peer_;
  std::vector<packet::Segment> segments_;
  std::vector<bool> sent_;
  std::vector<pcap::Record> records_;
  std::vector<StepNote> steps_;
  std::optional<std::uint32_t> isn_us_, isn_peer_;
};

}  // namespace socklab::observe
