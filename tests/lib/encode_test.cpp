// Unit tests of lesson 13's encoder (socklab/observe/encode.hpp): RFC 1071
// checksums against known vectors, a segment the Linux kernel sent, and the
// encoder round-tripped through lesson 03's decoder over many random headers.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "socklab/observe/encode.hpp"
#include "socklab/observe/segment_log.hpp"

using namespace socklab;
using namespace socklab::observe;

namespace {

std::vector<std::byte> bytes(std::initializer_list<unsigned> values) {
  std::vector<std::byte> out;
  for (unsigned v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

// The SYN,ACK a Linux 6.x kernel sent from 10.13.0.1:43653 to 10.13.0.2:43044
// in lesson 13 (tshark: both checksums "good"): IP checksum 26 b0, TCP c9 98.
const std::vector<std::byte> kernel_syn_ack =
    bytes({0x45, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x26, 0xb0, 0x0a, 0x0d, 0x00,
           0x01, 0x0a, 0x0d, 0x00, 0x02, 0xaa, 0x85, 0xa8, 0x24, 0xef, 0x9d, 0xff, 0xac, 0x7b, 0xe5,
           0x01, 0x96, 0x60, 0x12, 0xfa, 0xf0, 0xc9, 0x98, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4});

TEST(Checksum, Rfc1071Section3Example) {
  // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (with the
  // end-around carry); the checksum is its complement, 220d.
  auto data = bytes({0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7});
  EXPECT_EQ(packet::internet_checksum(data), 0x220d);
  // Appending the checksum makes the whole sum to zero: how a receiver checks.
  auto with = data;
  with.push_back(std::byte{0x22});
  with.push_back(std::byte{0x0d});
  EXPECT_EQ(packet::internet_checksum(with), 0);
}

// One checksum for any length: a sum kept in 32 bits that folds only at the end
// overflows past 65,537 words of 0xffff (128 KiB): lesson 12's old ICMP
// checksum did, and gave 0x0001 here instead of 0. 0xffff words sum, in ones'
// complement, to 0xffff (RFC 1071 section 2), so the checksum is 0; and a buffer
// followed by its own checksum sums to 0 at every length.
TEST(Checksum, AnyLengthPast128KiB) {
  std::vector<std::byte> ones(140'000, std::byte{0xff});
  EXPECT_EQ(packet::internet_checksum(ones), 0x0000) << "140,000 bytes of 0xff";
  std::vector<std::byte> data(200'001);
  std::uint32_t x = 12345;
  for (auto& b : data) b = static_cast<std::byte>((x = x * 1103515245u + 12345u) >> 24);
  data.push_back(std::byte{0});  // even length: the checksum goes in a whole word
  const std::uint16_t sum = packet::internet_checksum(data);
  data.push_back(static_cast<std::byte>(sum >> 8));
  data.push_back(static_cast<std::byte>(sum & 0xff));
  EXPECT_EQ(packet::internet_checksum(data), 0) << "200,002 bytes followed by their checksum";
}

TEST(Checksum, OddLengthPadsWithZero) {
  EXPECT_EQ(packet::internet_checksum(bytes({0xab})), packet::internet_checksum(bytes({0xab, 0})));
  EXPECT_EQ(packet::internet_checksum({}), 0xffff);  // the sum of nothing is 0; its complement
}

TEST(Checksum, KnownIpv4Header) {
  // The classic example header (192.168.0.1 -> 192.168.0.199, UDP): checksum b861.
  auto header = bytes({0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                       0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7});
  EXPECT_EQ(packet::internet_checksum(header), 0xb861);
}

TEST(Checksum, SegmentTheKernelSent) {
  EXPECT_TRUE(packet::checksums_ok(kernel_syn_ack));
  auto spoiled = kernel_syn_ack;
  spoiled[packet::tcp_checksum_offset(spoiled)] ^= std::byte{0xff};
  EXPECT_FALSE(packet::checksums_ok(spoiled));
}

TEST(Encode, ReproducesTheKernelsSegmentByteForByte) {
  // Decode what the kernel sent, encode it again: the same 44 bytes, checksums included.
  packet::Segment s = packet::decode(kernel_syn_ack);
  EXPECT_EQ(packet::encode(s, std::span<const std::byte>{}, 0), kernel_syn_ack);
}

TEST(Encode, OptionsInLinuxOrder) {
  packet::Options o;
  o.mss = 1460;
  o.sack_permitted = true;
  o.timestamp = 0x01020304;
  o.timestamp_echo = 0;
  o.window_scale = 7;
  // What Linux puts in its SYN: mss 1460, sackOK, TS, nop, wscale 7.
  EXPECT_EQ(packet::encode_options(o),
            bytes({2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7}));
  packet::Options sack_only;
  sack_only.sack_permitted = true;
  EXPECT_EQ(packet::encode_options(sack_only), bytes({1, 1, 4, 2}));
}

TEST(Encode, RejectsIpv6) {
  packet::Segment s;
  s.source = Address::parse("[::1]:1");
  s.destination = Address::parse("[::1]:2");
  std::error_code ec;
  EXPECT_TRUE(packet::encode(s, std::span<const std::byte>{}, 0, ec).empty());
  EXPECT_EQ(ec, std::errc::address_family_not_supported);
}

// Property: for many random headers (seeded: a failure repeats), decode(encode(s)) == s,
// both checksums verify, and spoiling any one byte of the TCP part breaks the checksum.
TEST(Encode, RoundTripThroughTheDecoder) {
  std::mt19937 random(13);
  auto pick = [&](std::uint32_t max) {
    return std::uniform_int_distribution<std::uint32_t>(0, max)(random);
  };
  for (int i = 0; i < 2000; ++i) {
    packet::Segment s;
    s.source = Address::from_ip(fmt::format("10.{}.{}.{}", pick(255), pick(255), pick(255)),
                                static_cast<std::uint16_t>(pick(65535)));
    s.destination = Address::from_ip(fmt::format("192.168.{}.{}", pick(255), pick(255)),
                                     static_cast<std::uint16_t>(pick(65535)));
    s.seq = random();
    s.ack = random();
    s.flags = static_cast<std::uint8_t>(pick(255));
    s.window = static_cast<std::uint16_t>(pick(65535));
    s.ttl = static_cast<std::uint8_t>(1 + pick(254));
    if (pick(1)) s.options.mss = static_cast<std::uint16_t>(pick(65535));
    if (pick(1)) s.options.window_scale = static_cast<std::uint8_t>(pick(14));
    s.options.sack_permitted = pick(1) == 1;
    if (pick(1)) s.options.timestamp = random(), s.options.timestamp_echo = random();
    std::vector<std::byte> data(pick(i % 10 == 0 ? 1400 : 20));
    for (auto& b : data) b = static_cast<std::byte>(pick(255));
    auto packet = packet::encode(s, data, static_cast<std::uint16_t>(i));

    SCOPED_TRACE(packetdrill_line(s, true, 0, 0));
    packet::Segment back = packet::decode(packet);
    EXPECT_EQ(back.source, s.source);
    EXPECT_EQ(back.destination, s.destination);
    EXPECT_EQ(back.seq, s.seq);
    EXPECT_EQ(back.ack, s.ack);
    EXPECT_EQ(back.flags, s.flags);
    EXPECT_EQ(back.window, s.window);
    EXPECT_EQ(back.ttl, s.ttl);
    EXPECT_EQ(back.options.mss, s.options.mss);
    EXPECT_EQ(back.options.window_scale, s.options.window_scale);
    EXPECT_EQ(back.options.sack_permitted, s.options.sack_permitted);
    EXPECT_EQ(back.options.timestamp, s.options.timestamp);
    EXPECT_EQ(back.options.timestamp_echo, s.options.timestamp_echo);
    EXPECT_EQ(back.payload_length, data.size());
    EXPECT_EQ(back.ip_length, packet.size());
    auto p = packet::payload(packet);
    EXPECT_TRUE(std::equal(p.begin(), p.end(), data.begin(), data.end()));
    ASSERT_TRUE(packet::checksums_ok(packet));
    auto spoiled = packet;
    spoiled[20 + pick(static_cast<std::uint32_t>(packet.size() - 21))] ^= std::byte{0xff};
    EXPECT_FALSE(packet::checksums_ok(spoiled));
    if (testing::Test::HasFailure()) break;  // one broken case is enough to read
  }
}

TEST(PacketdrillLine, RelativeNumbersFlagsAndOptions) {
  packet::Segment s = packet::decode(kernel_syn_ack);
  // seq relative to the sender's ISN, ack to ours (here: the SYN,ACK's ack - 1).
  EXPECT_EQ(packetdrill_line(s, false, s.seq, s.ack - 1), "< S. 0:0(0) ack 1 win 64240 <mss 1460>");
  s.flags = packet::psh | packet::ack;
  s.payload_length = 6;
  EXPECT_EQ(packetdrill_line(s, true, s.seq - 1, s.ack - 1),
            "> P. 1:7(6) ack 1 win 64240 <mss 1460>");
}

}  // namespace
