// socklab/lab/tun_lab.hpp — lesson 13's bench: a namespace of our own, a TUN
// device in it carrying the kernel's address, and a hand-written TCP's two I/O calls.
//
//   TunLab lab = TunLab::create("tcp13", "tun13", "10.13.0.1/24");
//       // ip netns add socklab-PID-tcp13; setns(); open(/dev/net/tun) + TUNSETIFF;
//       // ip addr add 10.13.0.1/24 dev tun13; ip link set tun13 up
//   lab.connect_ends(us, kernel);          // which 4-tuple is ours (and the log's)
//   lab.send(segment, "你好");             // packet::encode() + write(tun), printed
//   std::optional<Segment> s = lab.receive(1s);  // read(tun) + decode(), printed
//
// send() prints the packet as packetdrill would ("0.000 > S 0:0(0) win 65535
// <mss 1460>") and keeps it in log() for the ladder and the pcap file.
// receive() waits at most the given time for a packet between the two ends;
// packets of other connections or protocols (the kernel's IPv6 chatter on the
// new interface) are skipped; a segment whose checksums do not verify throws.
// Everything is undone by the destructor: the device goes with its descriptor,
// the namespace with `ip netns del`. This is the room's one class that uses
// lib/observe (lab may use core and observe).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "socklab/address.hpp"
#include "socklab/lab/scratch.hpp"
#include "socklab/lab/tun.hpp"
#include "socklab/observe/packet.hpp"
#include "socklab/observe/segment_log.hpp"

namespace socklab::lab {

class TunLab {
 public:
  /// Builds the bench (see above) and leaves the calling thread inside the namespace.
  static TunLab create(std::string_view suffix, std::string_view device,
                       std::string_view kernel_address_cidr);

  /// The two ends of the connection we are going to play: `us` is the address we
  /// pretend to be (NOT the device's own), `peer` the kernel's socket.
  void connect_ends(const Address& us, const Address& peer);

  /// Encodes the segment with `data`, writes it to the device, prints its line.
  /// spoil_checksum flips the TCP checksum's first byte after encoding.
  void send(const observe::packet::Segment& segment, std::string_view data = {},
            bool spoil_checksum = false);
  /// The next segment from the peer to us within `wait`, printed; nullopt if none.
  std::optional<observe::packet::Segment> receive(std::chrono::milliseconds wait);
  /// The data bytes of the segment receive() returned last.
  const std::string& data() const noexcept { return data_; }

  const ScratchNamespace& ns() const noexcept { return ns_; }
  observe::SegmentLog& log() { return log_; }

 private:
  TunLab(ScratchNamespace ns, TunDevice tun) noexcept;
  ScratchNamespace ns_;
  TunDevice tun_;
  Address us_, peer_;
  observe::SegmentLog log_{{}, {}};
  std::string data_;
  std::uint16_t ip_id_ = 0;
};

}  // namespace socklab::lab
