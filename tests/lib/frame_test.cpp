// Unit tests of send_frame and FrameReader: split headers, split bodies,
// zero-length frames, oversize claims, EOF in the middle of a frame.
//
// This is its own test program because frame_test_alloc.cpp replaces the
// global operator new to watch the largest single allocation: a reader must
// never allocate the size a peer merely claims.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "socklab/error.hpp"
#include "socklab/frame.hpp"
#include "socklab/io.hpp"

// Defined in frame_test_alloc.cpp, which replaces the global operator new.
extern std::atomic<std::size_t> largest_allocation;

using namespace socklab;
using namespace std::chrono_literals;

namespace {

std::string raw_header(std::uint32_t length) {
  auto h = encode_frame_header(length);
  return std::string(h.data(), h.size());
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31) % 251);
  return s;
}

}  // namespace

TEST(FrameHeader, IsFourBytesBigEndian) {
  auto h = encode_frame_header(0x01020304u);
  EXPECT_EQ(std::string(h.data(), h.size()), std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ(decode_frame_header(h), 0x01020304u);
  EXPECT_EQ(decode_frame_header(encode_frame_header(0xFFFFFFFFu)), 0xFFFFFFFFu);
  EXPECT_EQ(decode_frame_header(encode_frame_header(0)), 0u);
}

TEST(SendFrame, WritesTheHeaderThenThePayload) {
  auto [a, b] = tcp_pair();
  std::error_code ec;
  EXPECT_EQ(send_frame(a, "hello", ec), 9u) << "4 header bytes + 5 payload bytes";
  EXPECT_FALSE(ec) << ec.message();
  std::string got(9, '\0');
  recv_exact(b, got);
  EXPECT_EQ(got, std::string("\0\0\0\x05hello", 9));
}

TEST(FrameReader, SeparatesFramesThatArriveInOneRecv) {
  auto [a, b] = tcp_pair();
  // Three frames in one send(): the reader must cut them apart by their lengths.
  std::string all = raw_header(3) + "one" + raw_header(0) + raw_header(7) + "two\nand";
  send_all(a, all);
  a.close();
  FrameReader frames(b);
  EXPECT_EQ(frames.read_frame(), "one");
  EXPECT_EQ(frames.read_frame(), "") << "a zero-length frame is a frame, not the end";
  EXPECT_EQ(frames.read_frame(), "two\nand") << "a payload may hold any byte, '\\n' too";
  EXPECT_EQ(frames.read_frame(), std::nullopt) << "EOF between frames is a clean end";
}

TEST(FrameReader, ZeroLengthFramesOnly) {
  auto [a, b] = tcp_pair();
  for (int i = 0; i < 3; ++i) send_frame(a, "");
  a.shutdown(Shutdown::write);
  FrameReader frames(b);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(frames.read_frame(), "") << "frame " << i;
  EXPECT_EQ(frames.read_frame(), std::nullopt);
}

TEST(FrameReader, HeaderSplitAcrossRecvsKeepsTheFirstBytes) {
  auto [a, b] = tcp_pair();
  // A short receive timeout lets the test see the reader stop half-way: the
  // first recv() returns the 2 bytes (it waits for them), the next one times out.
  b.set_recv_timeout(50ms);
  FrameReader frames(b);
  std::string frame = raw_header(5) + "hello";
  (void)a.send(frame.substr(0, 2));
  std::error_code ec;
  EXPECT_EQ(frames.read_frame(ec), std::nullopt);
  EXPECT_EQ(ec, std::errc::timed_out);
  EXPECT_EQ(frames.buffered(), frame.substr(0, 2)) << "half a header must be kept, not dropped";
  b.set_recv_timeout(5s);
  (void)a.send(frame.substr(2));
  EXPECT_EQ(frames.read_frame(ec), "hello");
  EXPECT_FALSE(ec) << ec.message();
}

TEST(FrameReader, BodySplitAcrossRecvs) {
  auto [a, b] = tcp_pair();
  b.set_recv_timeout(50ms);
  FrameReader frames(b);
  (void)a.send(raw_header(10) + "01234");
  std::error_code ec;
  EXPECT_EQ(frames.read_frame(ec), std::nullopt);
  EXPECT_EQ(ec, std::errc::timed_out);
  EXPECT_EQ(frames.buffered().size(), 4u + 5u);
  b.set_recv_timeout(5s);
  (void)a.send("56789" + raw_header(1) + "x");  // the end of one frame and a whole next one
  EXPECT_EQ(frames.read_frame(), "0123456789");
  EXPECT_EQ(frames.read_frame(), "x");
}

TEST(FrameReader, BigFramesThroughSmallBuffers) {
  auto [a, b] = tcp_pair();
  a.set_send_buffer_size(4096);  // the frame squeezes through a few KiB at a time
  b.set_recv_buffer_size(64 * 1024);
  const std::string big = pattern(2 * 1024 * 1024 + 17);
  std::thread writer([&, &sender = a] {
    send_frame(sender, big);
    send_frame(sender, "after");
    sender.shutdown(Shutdown::write);
  });
  FrameReader frames(b, 4 * 1024 * 1024);
  auto first = frames.read_frame();
  writer.join();
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(*first == big) << "the payload changed on the way";
  EXPECT_EQ(frames.read_frame(), "after");
  EXPECT_EQ(frames.read_frame(), std::nullopt);
}

TEST(FrameReader, OversizeClaimIsAnErrorNotAnAllocation) {
  auto [a, b] = tcp_pair();
  send_all(a, raw_header(0xFFFFFFFFu) + "abc");  // "4 GiB follow" — three bytes do
  a.close();  // without the check the reader would wait for the rest, then hit EOF
  FrameReader frames(b, 1024 * 1024);
  std::error_code ec;
  largest_allocation = 0;
  EXPECT_EQ(frames.read_frame(ec), std::nullopt);
  std::size_t largest = largest_allocation;
  EXPECT_EQ(ec, errc::frame_too_large);
  EXPECT_LT(largest, 64u * 1024) << "the reader allocated for the claimed size";
}

TEST(FrameReader, OversizeThrowsAnErrorNamingTheCall) {
  auto [a, b] = tcp_pair();
  send_all(a, raw_header(17));
  a.close();
  FrameReader frames(b, 16);
  try {
    frames.read_frame();
    FAIL() << "a 17-byte claim with a 16-byte maximum must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), errc::frame_too_large);
    EXPECT_EQ(e.call(), "read_frame");
    EXPECT_NE(std::string(e.what()).find("Frame larger than the maximum"), std::string::npos)
        << e.what();
  }
}

TEST(FrameReader, ExactlyTheMaximumIsAllowed) {
  auto [a, b] = tcp_pair();
  send_frame(a, std::string(16, 'm'));
  FrameReader frames(b, 16);
  EXPECT_EQ(frames.read_frame(), std::string(16, 'm'));
}

TEST(FrameReader, EofInsideTheHeader) {
  auto [a, b] = tcp_pair();
  (void)a.send(raw_header(5).substr(0, 2));
  a.close();
  FrameReader frames(b);
  std::error_code ec;
  EXPECT_EQ(frames.read_frame(ec), std::nullopt);
  EXPECT_EQ(ec, errc::unexpected_eof) << "half a header then EOF is not a clean end";
}

TEST(FrameReader, EofInsideTheBodyAfterAHugeLegalClaim) {
  auto [a, b] = tcp_pair();
  // 512 MiB is legal here (max 1 GiB) but only 10 bytes come: memory must follow
  // the bytes that arrive, not the claim.
  send_all(a, raw_header(512u * 1024 * 1024) + "0123456789");
  a.close();
  FrameReader frames(b, 1024u * 1024 * 1024);
  std::error_code ec;
  largest_allocation = 0;
  EXPECT_EQ(frames.read_frame(ec), std::nullopt);
  std::size_t largest = largest_allocation;
  EXPECT_EQ(ec, errc::unexpected_eof);
  EXPECT_LT(largest, 64u * 1024) << "the reader allocated for the claimed size";
}

TEST(FrameReader, NaiveReaderAllocatesTheClaim) {
  // The pitfall FrameReader avoids, reproduced: a reader that sizes its buffer
  // from the header allocates 64 MiB for a peer that sends 10 bytes.
  auto [a, b] = tcp_pair();
  constexpr std::uint32_t claim = 64u * 1024 * 1024;
  send_all(a, raw_header(claim) + "0123456789");
  a.close();
  largest_allocation = 0;
  std::array<char, frame_header_size> header;
  recv_exact(b, header);
  std::string payload(decode_frame_header(header), '\0');  // trusts the peer
  std::error_code ec;
  recv_exact(b, payload, ec);
  std::size_t largest = largest_allocation;
  EXPECT_EQ(ec, errc::unexpected_eof);
  EXPECT_GE(largest, std::size_t{claim}) << "the naive reader allocated what the header claimed";
}
