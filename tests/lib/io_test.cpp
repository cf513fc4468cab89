// Unit tests of send_all, recv_exact and LineReader under partial I/O.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <thread>

#include "socklab/error.hpp"
#include "socklab/io.hpp"
#include "socklab/text.hpp"

using namespace socklab;

namespace {

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
  return s;
}

}  // namespace

TEST(SendAll, OneSendCanTakeLessThanAsked) {
  // The pitfall send_all exists for: make the buffers small and the socket
  // non-blocking, and a single send() of 4 MiB takes only part of it.
  auto [a, b] = tcp_pair();
  a.set_send_buffer_size(4096);
  b.set_recv_buffer_size(4096);
  a.set_non_blocking(true);
  std::string big = pattern(4 * 1024 * 1024);
  std::size_t n = a.send(big);
  EXPECT_GT(n, 0u);
  EXPECT_LT(n, big.size()) << "send() took all 4 MiB at once; it usually can't";
}

TEST(SendAll, SendsEverythingThroughASmallSendBuffer) {
  auto [a, b] = tcp_pair();
  a.set_send_buffer_size(4096);  // the data must squeeze through a few KiB at a time
  b.set_recv_buffer_size(64 * 1024);
  const std::string big = pattern(2 * 1024 * 1024);
  std::thread writer([&, &sender = a] {
    send_all(sender, big);
    sender.shutdown(Shutdown::write);
  });
  std::string got(big.size(), '\0');
  recv_exact(b, got);
  writer.join();
  EXPECT_TRUE(got == big) << "the bytes arrived changed or out of order";
  std::array<char, 1> one;
  EXPECT_TRUE(b.recv(one).eof);
}

TEST(RecvExact, AssemblesPiecesAndReportsAnEarlyEof) {
  auto [a, b] = tcp_pair();
  (void)a.send("abc");
  (void)a.send("defg");
  (void)a.send("h");
  std::array<char, 8> buf;
  recv_exact(b, buf);
  EXPECT_EQ(std::string(buf.data(), buf.size()), "abcdefgh");

  (void)a.send("xy");
  a.close();
  std::error_code ec;
  std::size_t got = recv_exact(b, buf, ec);
  EXPECT_EQ(ec, errc::unexpected_eof);
  EXPECT_EQ(got, 2u);
  EXPECT_THROW(recv_exact(b, buf), Error);
}

TEST(LineReader, LinesSplitAcrossReads) {
  auto [a, b] = tcp_pair();
  // max_line 7 limits each recv() to 8 bytes, so lines straddle reads.
  (void)a.send("abcd\nefghij\nk\r\n\nlast");
  a.close();
  LineReader reader(b, 7);
  EXPECT_EQ(reader.read_line(), "abcd");
  EXPECT_EQ(reader.read_line(), "efghij");
  EXPECT_EQ(reader.read_line(), "k");  // "\r\n" too
  EXPECT_EQ(reader.read_line(), "");
  EXPECT_EQ(reader.read_line(), "last");  // no '\n' before EOF: still a line
  EXPECT_EQ(reader.read_line(), std::nullopt);
  EXPECT_EQ(reader.read_line(), std::nullopt);
}

TEST(LineReader, ManyLinesInOneRead) {
  auto [a, b] = tcp_pair();
  (void)a.send("1\n2\n3\n");
  LineReader reader(b);
  EXPECT_EQ(reader.read_line(), "1");
  EXPECT_EQ(reader.buffered(), "2\n3\n");
  EXPECT_EQ(reader.read_line(), "2");
  EXPECT_EQ(reader.read_line(), "3");
}

TEST(LineReader, MultiByteCharacterSplitAcrossTwoReads) {
  const std::string text = "\u4f60\u597d";  // "你好": 6 bytes of UTF-8
  auto [a, b] = tcp_pair();
  (void)a.send(text + "\n");
  // The tutorial's way: decode each recv() chunk. A 4-byte chunk cuts 好 in half.
  std::array<char, 4> chunk;
  Received r = b.recv(chunk);
  EXPECT_FALSE(is_valid_utf8(std::string_view(chunk.data(), r.bytes)))
      << "the first 4 bytes should end in the middle of a character";

  // The right way: keep bytes until the line is complete, then decode.
  (void)a.send(text + "\n");
  // max_line 7: reads of at most 8 bytes. The first read ends inside the first
  // 好 of the second line, so that character is split across two reads.
  LineReader reader(b, 7);
  auto first = reader.read_line();  // the rest of the first line
  auto second = reader.read_line();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(*second, text);
  EXPECT_TRUE(is_valid_utf8(*second));
  EXPECT_EQ(std::string(chunk.data(), r.bytes) + first.value_or(""), text);
}

TEST(LineReader, OverlongLineIsAnErrorNotAnAllocation) {
  auto [a, b] = tcp_pair();
  (void)a.send(std::string(100, 'x'));  // no newline in sight
  LineReader reader(b, 16);
  std::error_code ec;
  EXPECT_EQ(reader.read_line(ec), std::nullopt);
  EXPECT_EQ(ec, errc::line_too_long);
  EXPECT_LE(reader.buffered().size(), 17u) << "the reader kept more than max_line + 1 bytes";
}

TEST(LineReader, LineOfExactlyTheMaximumIsAccepted) {
  auto [a, b] = tcp_pair();
  (void)a.send(std::string(16, 'y') + "\n" + std::string(17, 'z') + "\n");
  LineReader reader(b, 16);
  EXPECT_EQ(reader.read_line(), std::string(16, 'y'));
  EXPECT_THROW(reader.read_line(), Error);
}

TEST(Text, Utf8CheckAcceptsWholeCharactersOnly) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("hello"));
  EXPECT_TRUE(is_valid_utf8("\u6536\u5230\u60a8\u7684\u6d88\u606f:"));
  EXPECT_TRUE(is_valid_utf8("\U0001F600"));                 // 4 bytes
  EXPECT_FALSE(is_valid_utf8(std::string("\xe4\xbd", 2)));  // 你 cut after 2 of 3 bytes
  EXPECT_FALSE(is_valid_utf8(std::string("\xbd\xa0", 2)));  // starts mid-character
  EXPECT_FALSE(is_valid_utf8(std::string("\xff", 1)));      // never a lead byte
}

TEST(Text, PrintableKeepsTextAndEscapesWhatWouldDriveTheTerminal) {
  EXPECT_EQ(printable("hello, socket"), "hello, socket");
  EXPECT_EQ(printable("\u4f60\u597d"), "\u4f60\u597d") << "UTF-8 text prints as itself";
  EXPECT_EQ(printable("a\r\nb\tc\\"), "a\\r\\nb\\tc\\\\");
  EXPECT_EQ(printable("\x1b[2J\x1b[H"), "\\x1b[2J\\x1b[H") << "ESC must not reach the terminal";
  EXPECT_EQ(printable(std::string("\0\x7f", 2)), "\\x00\\x7f");
  EXPECT_EQ(printable("\xc2\x9b"
                      "31m"),
            "\\xc2\\x9b31m")
      << "U+009B is a one-byte CSI on some terminals";
  EXPECT_EQ(printable("\xe4\xbd"), "\\xe4\\xbd") << "a cut character is shown as bytes";
}

TEST(Text, PrintableCutsLongDataOnACharacterBoundaryAndSaysHowLong) {
  EXPECT_EQ(printable(std::string(300, 'x'), 10), "xxxxxxxxxx... (300 bytes)");
  EXPECT_EQ(printable("abc", 3), "abc") << "exactly the maximum is not cut";
  // 你 is 3 bytes: a cut at 4 keeps one character, never half of the second.
  EXPECT_EQ(printable("\u4f60\u597d", 4), "\u4f60... (6 bytes)");
}
