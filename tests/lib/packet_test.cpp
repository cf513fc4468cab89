// Unit tests of lesson 03's layer parts: the packet decoder (well-formed and
// malformed input), the pcap writer/reader, the ladder and the TCP state query.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "socklab/observe/ladder.hpp"
#include "socklab/observe/packet.hpp"
#include "socklab/observe/pcap.hpp"
#include "socklab/observe/tcp_state.hpp"
#include "socklab/socklab.hpp"

using namespace socklab;
using namespace socklab::observe;  // packets, pcap, capture, TCP state, the ladder (lib/observe)
using Bytes = std::vector<std::byte>;

namespace {

void put(Bytes& b, std::initializer_list<unsigned> values) {
  for (unsigned v : values) b.push_back(static_cast<std::byte>(v));
}
void put16(Bytes& b, unsigned v) {
  put(b, {(v >> 8) & 0xff, v & 0xff});
}
void put32(Bytes& b, std::uint32_t v) {
  put(b, {(v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff});
}

// A TCP header (+ options, padded to 4 bytes) and payload, built by hand.
Bytes tcp_bytes(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::uint32_t ack,
                std::uint8_t flags, Bytes options = {}, std::size_t payload = 0) {
  while (options.size() % 4 != 0) options.push_back(std::byte{1});  // NOP padding
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put32(b, seq);
  put32(b, ack);
  put(b, {static_cast<unsigned>((20 + options.size()) / 4) << 4, flags});
  put16(b, 65535);  // window
  put16(b, 0);      // checksum (not checked)
  put16(b, 0);      // urgent pointer
  b.insert(b.end(), options.begin(), options.end());
  b.insert(b.end(), payload, std::byte{'x'});
  return b;
}

Bytes ipv4(const Bytes& tcp, unsigned protocol = 6) {
  Bytes b;
  put(b, {0x45, 0});
  put16(b, static_cast<unsigned>(20 + tcp.size()));
  put(b, {0, 1, 0x40, 0, 64, protocol, 0, 0});  // id, DF, TTL, protocol, checksum
  put(b, {127, 0, 0, 1, 127, 0, 0, 2});
  b.insert(b.end(), tcp.begin(), tcp.end());
  return b;
}

Bytes ipv6(const Bytes& tcp, Bytes extension = {}, unsigned first_next = 6) {
  Bytes b;
  put(b, {0x60, 0, 0, 0});
  put16(b, static_cast<unsigned>(extension.size() + tcp.size()));
  put(b, {first_next, 64});
  for (int i = 0; i < 15; ++i) put(b, {0});
  put(b, {1});  // ::1
  put(b, {0x20, 0x01, 0x0d, 0xb8});
  for (int i = 0; i < 11; ++i) put(b, {0});
  put(b, {2});  // 2001:db8::2
  b.insert(b.end(), extension.begin(), extension.end());
  b.insert(b.end(), tcp.begin(), tcp.end());
  return b;
}

Bytes syn_options() {  // MSS 65495, SACK permitted, timestamps, NOP, window scale 7
  Bytes o;
  put(o, {2, 4, 0xff, 0xd7, 4, 2, 8, 10});
  put32(o, 1000);
  put32(o, 0);
  put(o, {1, 3, 3, 7});
  return o;
}

std::error_code decode_error(const Bytes& b) {
  std::error_code ec;
  packet::decode(b, ec);
  return ec;
}

}  // namespace

// --- decoder: well-formed input ----------------------------------------------------

TEST(PacketDecode, Ipv4SynWithOptions) {
  Bytes b = ipv4(tcp_bytes(40000, 8888, 0x11223344, 0, packet::syn, syn_options()));
  packet::Segment s = packet::decode(b);
  EXPECT_EQ(s.source.to_string(), "127.0.0.1:40000");
  EXPECT_EQ(s.destination.to_string(), "127.0.0.2:8888");
  EXPECT_EQ(s.seq, 0x11223344u);
  EXPECT_TRUE(s.has(packet::syn));
  EXPECT_FALSE(s.has(packet::ack));
  EXPECT_EQ(s.window, 65535);
  EXPECT_EQ(s.options.mss, 65495);
  EXPECT_TRUE(s.options.sack_permitted);
  EXPECT_EQ(s.options.timestamp, 1000u);
  EXPECT_EQ(s.options.window_scale, 7);
  EXPECT_EQ(s.payload_length, 0u);
  EXPECT_EQ(s.sequence_length(), 1u) << "a SYN takes one sequence number";
  EXPECT_EQ(packet::flags_text(s.flags), "SYN");
}

TEST(PacketDecode, Ipv6AckWithPayload) {
  Bytes b = ipv6(tcp_bytes(8888, 40000, 7, 42, packet::ack | packet::psh, {}, 5));
  packet::Segment s = packet::decode(b);
  EXPECT_EQ(s.source.to_string(), "[::1]:8888");
  EXPECT_EQ(s.destination.to_string(), "[2001:db8::2]:40000");
  EXPECT_EQ(s.ack, 42u);
  EXPECT_EQ(s.payload_length, 5u);
  EXPECT_EQ(s.sequence_length(), 5u);
  EXPECT_EQ(packet::flags_text(s.flags), "PSH,ACK");
}

TEST(PacketDecode, Ipv6SkipsAHopByHopHeader) {
  Bytes hop;
  put(hop, {6, 0, 1, 4, 0, 0, 0, 0});  // next = TCP, length 8 bytes, PadN
  Bytes b = ipv6(tcp_bytes(1, 2, 3, 4, packet::fin | packet::ack), hop, 0);
  packet::Segment s = packet::decode(b);
  EXPECT_EQ(packet::flags_text(s.flags), "FIN,ACK");
  EXPECT_EQ(s.sequence_length(), 1u) << "a FIN takes one sequence number";
}

TEST(PacketDecode, IgnoresLinkPaddingAfterTheIpLength) {
  Bytes b = ipv4(tcp_bytes(1, 2, 3, 4, packet::ack));
  b.insert(b.end(), 6, std::byte{0});  // Ethernet pads short frames to 60 bytes
  EXPECT_EQ(packet::decode(b).payload_length, 0u);
}

// --- decoder: malformed input gives an error, never a read past the end ---------------

TEST(PacketDecodeMalformed, EveryTruncationIsAnError) {
  for (const Bytes& full : {ipv4(tcp_bytes(1, 2, 3, 4, packet::syn, syn_options(), 3)),
                            ipv6(tcp_bytes(1, 2, 3, 4, packet::syn, syn_options(), 3))}) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_EQ(decode_error(cut), packet_errc::truncated) << "first " << n << " bytes";
    }
  }
}

TEST(PacketDecodeMalformed, BadHeaderFields) {
  Bytes good = ipv4(tcp_bytes(1, 2, 3, 4, packet::ack));
  Bytes b = good;
  b[0] = std::byte{0x55};  // version 5
  EXPECT_EQ(decode_error(b), packet_errc::bad_version);
  b = good;
  b[0] = std::byte{0x44};  // IHL 4 = 16 bytes
  EXPECT_EQ(decode_error(b), packet_errc::bad_header_length);
  b = good;
  b[0] = std::byte{0x4f};  // IHL 15 = 60 bytes: past the total length
  EXPECT_EQ(decode_error(b), packet_errc::bad_total_length);
  b = good;
  b[2] = std::byte{0};
  b[3] = std::byte{10};  // total length 10 < 20
  EXPECT_EQ(decode_error(b), packet_errc::bad_total_length);
  b = good;
  b[3] = std::byte{200};  // total length 200: past the end of the bytes
  EXPECT_EQ(decode_error(b), packet_errc::truncated);
  b = good;
  b[6] = std::byte{0x20};  // More Fragments
  EXPECT_EQ(decode_error(b), packet_errc::fragment);
  EXPECT_EQ(decode_error(ipv4(tcp_bytes(1, 2, 3, 4, 0), 17)), packet_errc::not_tcp);
  EXPECT_EQ(decode_error(ipv6(tcp_bytes(1, 2, 3, 4, 0), {}, 17)), packet_errc::not_tcp);
  Bytes v6 = ipv6(tcp_bytes(1, 2, 3, 4, 0));
  v6[4] = v6[5] = std::byte{0};  // payload length 0
  EXPECT_EQ(decode_error(v6), packet_errc::bad_total_length);
}

TEST(PacketDecodeMalformed, BadDataOffsets) {
  Bytes b = ipv4(tcp_bytes(1, 2, 3, 4, packet::ack));
  b[20 + 12] = std::byte{0x40};  // data offset 4 words = 16 bytes < 20
  EXPECT_EQ(decode_error(b), packet_errc::bad_data_offset);
  b[20 + 12] = std::byte{0xf0};  // 60 bytes, but the segment has 20
  EXPECT_EQ(decode_error(b), packet_errc::bad_data_offset);
}

TEST(PacketDecodeMalformed, BadOptions) {
  Bytes zero_length;
  put(zero_length, {2, 0, 0, 0});
  EXPECT_EQ(decode_error(ipv4(tcp_bytes(1, 2, 3, 4, packet::syn, zero_length))),
            packet_errc::bad_option);
  Bytes past_end;
  put(past_end, {1, 1, 9, 9});  // a kind-9 option of 9 bytes in a 4-byte option area
  EXPECT_EQ(decode_error(ipv4(tcp_bytes(1, 2, 3, 4, packet::syn, past_end))),
            packet_errc::bad_option);
  Bytes wrong_mss;
  put(wrong_mss, {2, 3, 0xff, 1});
  EXPECT_EQ(decode_error(ipv4(tcp_bytes(1, 2, 3, 4, packet::syn, wrong_mss))),
            packet_errc::bad_option);
  Bytes no_length;
  put(no_length, {1, 1, 1, 2});  // a kind byte as the last byte: no room for its length
  EXPECT_EQ(decode_error(ipv4(tcp_bytes(1, 2, 3, 4, packet::syn, no_length))),
            packet_errc::bad_option);
}

TEST(PacketDecodeMalformed, RandomGarbageNeverCrashes) {
  std::mt19937 random(3);  // fixed seed: the same bytes every run
  int errors = 0;
  for (int i = 0; i < 2000; ++i) {
    Bytes b(random() % 120);
    for (auto& x : b) x = static_cast<std::byte>(random());
    if (!b.empty()) b[0] = static_cast<std::byte>((i % 2 ? 0x40 : 0x60) | (random() & 0x0f));
    if (decode_error(b)) ++errors;
  }
  EXPECT_GT(errors, 1900) << "random bytes are almost never a valid packet";
}

TEST(PacketDecodeMalformed, ThrowingFormNamesTheProblem) {
  try {
    packet::decode(Bytes{std::byte{0x45}});
    FAIL() << "expected socklab::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), packet_errc::truncated);
    EXPECT_NE(std::string(e.what()).find("decode"), std::string::npos) << e.what();
  }
}

// --- pcap ------------------------------------------------------------------------------

TEST(Pcap, WritesTheClassicHeaderAndReadsItBack) {
  pcap::File file;
  file.records.push_back({std::chrono::nanoseconds(1'700'000'000'123'456'789),
                          ipv4(tcp_bytes(1, 2, 3, 0, packet::syn)), 0});
  file.records.push_back({std::chrono::nanoseconds(1'700'000'000'223'456'789),
                          ipv4(tcp_bytes(2, 1, 9, 4, packet::syn | packet::ack)), 0});
  Bytes bytes = pcap::serialize(file);
  ASSERT_GE(bytes.size(), 24u);
  // Little-endian magic 0xa1b23c4d (nanoseconds), version 2.4, link type 101.
  EXPECT_EQ(bytes[0], std::byte{0x4d});
  EXPECT_EQ(bytes[3], std::byte{0xa1});
  EXPECT_EQ(bytes[4], std::byte{2});
  EXPECT_EQ(bytes[6], std::byte{4});
  EXPECT_EQ(bytes[20], std::byte{101});
  EXPECT_EQ(bytes.size(), 24 + 2 * 16 + file.records[0].data.size() + file.records[1].data.size());

  pcap::File back = pcap::parse(bytes);
  EXPECT_EQ(back.link_type, pcap::linktype_raw);
  EXPECT_TRUE(back.nanosecond);
  ASSERT_EQ(back.records.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back.records[i].time, file.records[i].time);
    EXPECT_EQ(back.records[i].data, file.records[i].data);
    EXPECT_EQ(back.records[i].original_length, file.records[i].data.size());
  }
  EXPECT_EQ(packet::decode(back.records[1].data).seq, 9u);
}

TEST(Pcap, ReadsBigEndianMicrosecondFiles) {
  Bytes b;
  put32(b, pcap::magic_microseconds);  // written big-endian: a1 b2 c3 d4
  put(b, {0, 2, 0, 4});
  put32(b, 0);
  put32(b, 0);
  put32(b, 65535);
  put32(b, 101);
  put32(b, 10);  // 10 s
  put32(b, 5);   // 5 µs
  put32(b, 3);
  put32(b, 3);
  put(b, {0xaa, 0xbb, 0xcc});
  pcap::File f = pcap::parse(b);
  EXPECT_FALSE(f.nanosecond);
  ASSERT_EQ(f.records.size(), 1u);
  EXPECT_EQ(f.records[0].time, std::chrono::seconds(10) + std::chrono::microseconds(5));
  EXPECT_EQ(f.records[0].data.size(), 3u);
}

TEST(Pcap, RejectsMalformedFiles) {
  std::error_code ec;
  pcap::parse(Bytes(10), ec);
  EXPECT_EQ(ec, packet_errc::truncated);
  pcap::parse(Bytes(24), ec);
  EXPECT_EQ(ec, packet_errc::bad_pcap_magic);
  pcap::File one;
  one.records.push_back({std::chrono::seconds(1), Bytes(40), 0});
  Bytes bytes = pcap::serialize(one);
  bytes.pop_back();  // the record says 40 bytes; 39 are there
  pcap::parse(bytes, ec);
  EXPECT_EQ(ec, packet_errc::truncated) << "libpcap: 'truncated dump file'";
  pcap::File huge;  // longer than any capture tool writes: a damaged file (libpcap refuses it)
  huge.records.push_back({std::chrono::seconds(1), Bytes(pcap::max_snaplen + 1), 0});
  pcap::parse(pcap::serialize(huge), ec);
  EXPECT_EQ(ec, packet_errc::bad_pcap_record);
  bytes.resize(24 + 8);  // half a record header
  pcap::parse(bytes, ec);
  EXPECT_EQ(ec, packet_errc::truncated);
}

// What libpcap (and so tcpdump and Wireshark) reads, we read (libpcap's sf-pcap.c):
// a snapshot length of 0, as some capture tools write, means "no limit" (262144);
// a record longer than the snapshot length keeps the snapshot length's bytes and
// its original length. The old reader refused both with bad_pcap_record.
TEST(Pcap, ReadsWhatLibpcapReads) {
  pcap::File zero;
  zero.snaplen = 0;
  zero.records.push_back({std::chrono::seconds(1), Bytes(1500), 0});
  std::error_code ec;
  pcap::File back = pcap::parse(pcap::serialize(zero), ec);
  ASSERT_FALSE(ec) << "snapshot length 0: " << ec.message();
  ASSERT_EQ(back.records.size(), 1u);
  EXPECT_EQ(back.records[0].data.size(), 1500u);

  pcap::File longer;  // a writer that kept 100 bytes of each packet but said 60
  longer.snaplen = 60;
  Bytes data(100);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i);
  longer.records.push_back({std::chrono::seconds(1), data, 1500});
  longer.records.push_back({std::chrono::seconds(2), Bytes(10), 0});
  back = pcap::parse(pcap::serialize(longer), ec);
  ASSERT_FALSE(ec) << "a record longer than the snapshot length: " << ec.message();
  ASSERT_EQ(back.records.size(), 2u) << "the rest of the long record is skipped, not read as one";
  EXPECT_EQ(back.records[0].data, Bytes(data.begin(), data.begin() + 60));
  EXPECT_EQ(back.records[0].original_length, 1500u);
  EXPECT_EQ(back.records[1].data.size(), 10u);
}

TEST(Pcap, FilesRoundTrip) {
  // A random name: parallel runs of this test must not share the file.
  auto path = std::filesystem::temp_directory_path() /
              ("socklab_pcap_test_" + std::to_string(std::random_device{}()) + ".pcap");
  pcap::File file;
  file.records.push_back({std::chrono::seconds(5), ipv4(tcp_bytes(1, 2, 3, 4, 0)), 0});
  pcap::write_file(path.string(), file);
  pcap::File back = pcap::read_file(path.string());
  std::filesystem::remove(path);
  ASSERT_EQ(back.records.size(), 1u);
  EXPECT_EQ(back.records[0].data, file.records[0].data);
  std::error_code ec;
  pcap::read_file(path.string(), ec);
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
}

// --- ladder: states, teardown, rendering ----------------------------------------------------

namespace {

const Address kClient = Address::parse("127.0.0.1:40000");
const Address kServer = Address::parse("127.0.0.1:8888");

packet::Segment seg(bool from_client, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags,
                    std::size_t len = 0, int t = 0) {
  packet::Segment s;
  s.source = from_client ? kClient : kServer;
  s.destination = from_client ? kServer : kClient;
  s.seq = seq;
  s.ack = ack;
  s.flags = flags;
  s.payload_length = len;
  s.window = 100;
  s.time = std::chrono::microseconds(t);
  if (flags & packet::syn) s.options.mss = 1460;
  return s;
}

// ISNs 1000 (client) and 5000 (server); the client sends 5 bytes, then closes first.
std::vector<packet::Segment> conversation(bool three_segment_teardown) {
  using namespace packet;
  std::vector<packet::Segment> v = {
      seg(true, 1000, 0, syn, 0, 0),      seg(false, 5000, 1001, syn | ack, 0, 10),
      seg(true, 1001, 5001, ack, 0, 20),  seg(true, 1001, 5001, psh | ack, 5, 30),
      seg(false, 5001, 1006, ack, 0, 40), seg(true, 1006, 5001, fin | ack, 0, 50)};
  if (three_segment_teardown) {
    v.push_back(seg(false, 5001, 1007, fin | ack, 0, 60));
  } else {
    v.push_back(seg(false, 5001, 1007, ack, 0, 60));
    v.push_back(seg(false, 5001, 1007, fin | ack, 0, 70));
  }
  v.push_back(seg(true, 1007, 5002, ack, 0, 80));
  return v;
}

}  // namespace

TEST(Ladder, DerivesTheStatesOfRfc9293) {
  auto states = derive_states(conversation(false), kClient);
  ASSERT_EQ(states.size(), 9u);
  using S = TcpState;
  EXPECT_EQ(states[0].client, S::syn_sent);
  EXPECT_EQ(states[1].server, S::syn_received);
  EXPECT_EQ(states[2].client, S::established);
  EXPECT_EQ(states[2].server, S::established);
  EXPECT_EQ(states[5].client, S::fin_wait_1);
  EXPECT_EQ(states[5].server, S::close_wait);
  EXPECT_EQ(states[6].client, S::fin_wait_2);
  EXPECT_EQ(states[7].client, S::time_wait);
  EXPECT_EQ(states[7].server, S::last_ack);
  EXPECT_EQ(states[8].server, S::closed);
}

TEST(Ladder, CountsThreeOrFourTeardownSegments) {
  Teardown four = analyze_teardown(conversation(false), kClient);
  EXPECT_EQ(four.segments, 4);
  EXPECT_TRUE(four.complete);
  EXPECT_EQ(four.first_fin, Side::client);
  EXPECT_NE(describe(four).find("4 segments"), std::string::npos) << describe(four);
  Teardown three = analyze_teardown(conversation(true), kClient);
  EXPECT_EQ(three.segments, 3);
  EXPECT_TRUE(three.complete);
  EXPECT_NE(describe(three).find("rode on the second FIN"), std::string::npos);
}

TEST(Ladder, SeesAnAbortiveClose) {
  auto v = conversation(false);
  v.resize(5);
  v.push_back(seg(true, 1006, 5001, packet::rst | packet::ack, 0, 50));
  Teardown t = analyze_teardown(v, kClient);
  EXPECT_EQ(t.reset_by, Side::client);
  EXPECT_FALSE(t.first_fin);
  EXPECT_EQ(derive_states(v, kClient).back().server, TcpState::closed);
}

// The line of `text` that contains `part` ("" if none).
std::string line_with(const std::string& text, const std::string& part) {
  std::size_t at = text.find(part);
  if (at == std::string::npos) return {};
  std::size_t begin = text.rfind('\n', at);
  begin = begin == std::string::npos ? 0 : begin + 1;
  return text.substr(begin, text.find('\n', at) - begin);
}

TEST(Ladder, RendersRelativeAndRawNumbers) {
  Conversation c{kClient, kServer, conversation(true), {}, true};
  c.steps.push_back({std::chrono::microseconds(25), "client: connect()", TcpState::established,
                     TcpState::established});
  std::string ladder = render_ladder(c);
  std::string syn = line_with(ladder, " SYN seq=0 win=100 mss=1460 ");
  EXPECT_NE(syn.find("SYN_SENT    |-"), std::string::npos) << ladder;
  EXPECT_EQ(syn.substr(syn.size() - 3), "->|") << "client -> server: " << syn;
  std::string synack = line_with(ladder, " SYN,ACK seq=0 ack=1 ");
  EXPECT_NE(synack.find("|<-"), std::string::npos) << synack;
  EXPECT_NE(synack.find("-| SYN_RCVD"), std::string::npos) << synack;
  EXPECT_NE(ladder.find("PSH,ACK seq=1 ack=1 len=5"), std::string::npos) << ladder;
  EXPECT_NE(ladder.find("-- client: connect()  [kernel: client ESTABLISHED"), std::string::npos);
  EXPECT_NE(ladder.find("TIME_WAIT"), std::string::npos);
  // The step (25 µs) sits between the ACK (20 µs) and the data (30 µs).
  EXPECT_LT(ladder.find("ACK seq=1 ack=1 "), ladder.find("client: connect()"));
  EXPECT_LT(ladder.find("client: connect()"), ladder.find("PSH,ACK"));

  std::string raw = render_ladder(c, {true});
  EXPECT_NE(raw.find("SYN seq=1000 "), std::string::npos) << raw;
  std::string lines = render_lines(c);
  EXPECT_NE(lines.find("127.0.0.1:8888 > 127.0.0.1:40000: Flags [S.], seq 0, ack 1"),
            std::string::npos)
      << lines;
  EXPECT_NE(lines.find("Flags [P.], seq 1:6, ack 1, win 100, length 5"), std::string::npos);
}

TEST(Ladder, WithoutACaptureSaysTheSegmentsAreInferred) {
  Conversation c{kClient, kServer, {}, {}, false};
  c.steps.push_back({std::chrono::microseconds(1), "client: connect()", TcpState::established,
                     TcpState::established});
  std::string ladder = render_ladder(c);
  EXPECT_NE(ladder.find("INFERRED"), std::string::npos) << ladder;
  EXPECT_NE(ladder.find("inferred: SYN, SYN,ACK, ACK crossed"), std::string::npos) << ladder;
}

// --- TCP state query -------------------------------------------------------------------

TEST(TcpStateQuery, NamesFollowTheRfc) {
  EXPECT_EQ(to_string(TcpState::syn_received), "SYN_RCVD");
  EXPECT_EQ(to_string(TcpState::time_wait), "TIME_WAIT");
  EXPECT_EQ(to_string(TcpState::closed), "CLOSED");
}

TEST(TcpStateQuery, TcpInfoAndTheKernelTable) {
  Socket listener = Socket::tcp();
  listener.bind(Address::parse("127.0.0.1:0"));
  listener.listen(1);
  std::error_code ec;
  TcpState s = tcp_state(listener, ec);
  if (ec == std::errc::operation_not_supported) GTEST_SKIP() << "no TCP state query here";
  EXPECT_EQ(s, TcpState::listen);
  Socket client = Socket::tcp();
  client.connect(listener.local_address());
  Socket conn = listener.accept().socket;
  EXPECT_EQ(tcp_state(client), TcpState::established);
  const Address c = client.local_address(), srv = listener.local_address();
  auto entry = find_connection(srv, c);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->state, TcpState::established);

  // The client closes first; once the server closes too, the client's end
  // lives on in TIME_WAIT (60 s on Linux) and the server's is gone.
  client.close();
  std::array<char, 8> buffer;
  EXPECT_TRUE(conn.recv(buffer).eof);
  conn.close();
  std::optional<TcpEntry> tw;
  for (int i = 0; i < 2000; ++i) {  // bounded: the final ACK crosses loopback at once
    tw = find_connection(c, srv);
    if (tw && tw->state == TcpState::time_wait && !find_connection(srv, c)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(tw);
  EXPECT_EQ(tw->state, TcpState::time_wait);
  ASSERT_TRUE(tw->timer);
  EXPECT_GT(tw->timer->count(), 0);
  EXPECT_LE(tw->timer->count(), 60'000);
  EXPECT_FALSE(find_connection(srv, c)) << "the passive closer keeps no entry";
  EXPECT_FALSE(find_connection(srv, Address::parse("127.0.0.1:1")))
      << "a listener on the port is not the connection";
}
