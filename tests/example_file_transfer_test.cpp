// Example: file transfer (`ctest -L example_file_transfer -V`).
//
// Part 1: the pure parts — CRC-32 against its published check value, the
// header in pieces, safe names, progress lines and the bar.
// Part 2: send_file and recv_file for real: the bytes arrive intact, progress
// lines when stdout is a pipe, no overwrite without --overwrite, a corrupted
// byte caught by the checksum, unsafe names refused on both sides.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "socklab/socklab.hpp"
#include "support/narrate.hpp"
#include "support/programs.hpp"
#include "transfer.hpp"

using namespace socklab;
using namespace std::chrono_literals;
using socklab::test::Program;
using socklab::test::Step;
namespace fs = std::filesystem;

namespace {

struct Dirs {
  Dirs() {
    std::random_device rd;
    base = fs::temp_directory_path() / fmt::format("socklab-ft-{}", rd());
    fs::create_directories(base / "out");
    fs::create_directories(base / "in");
  }
  ~Dirs() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
  fs::path make_file(const std::string& name, std::size_t size, unsigned seed) const {
    std::mt19937 gen(seed);
    std::string data(size, '\0');
    for (char& c : data) c = static_cast<char>(gen());
    fs::path p = base / "out" / name;
    std::ofstream(p, std::ios::binary) << data;
    return p;
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  fs::path base;
};

}  // namespace

TEST(ExampleFileTransferParts, Step1_Crc32) {
  Step step(1, 12, "Crc32", "the published check value; pieces give the same CRC as the whole");
  transfer::Crc32 whole;
  whole.update("123456789");
  EXPECT_EQ(whole.value(), 0xCBF43926u) << "CRC-32/ISO-HDLC check value";
  transfer::Crc32 fox;  // a second published value (the CRC-32 of zip and gzip)
  fox.update("The quick brown fox jumps over the lazy dog");
  EXPECT_EQ(fox.value(), 0x414FA339u);
  transfer::Crc32 pieces;
  pieces.update("1234");
  pieces.update("");
  pieces.update("56789");
  EXPECT_EQ(pieces.value(), whole.value());
  transfer::Crc32 empty;
  EXPECT_EQ(empty.value(), 0u);
  transfer::Crc32 flipped;
  flipped.update("123456788");
  EXPECT_NE(flipped.value(), whole.value());
}

TEST(ExampleFileTransferParts, Step2_HeaderAndSafeNames) {
  Step step(2, 12, "encode_header / decode_header",
            "name length, name, 64-bit size, big-endian; decoding waits for all of it");
  std::string h = transfer::encode_header("a.txt", 0x0102030405060708ull);
  EXPECT_EQ(h.size(), 2u + 5 + 8);
  EXPECT_EQ(h.substr(0, 2), std::string("\x00\x05", 2));
  for (std::size_t cut = 0; cut < h.size(); ++cut)
    EXPECT_EQ(transfer::decode_header(h.substr(0, cut)).status, transfer::HeaderStatus::incomplete);
  auto r = transfer::decode_header(h + "file bytes");
  ASSERT_EQ(r.status, transfer::HeaderStatus::complete);
  EXPECT_EQ(r.header.name, "a.txt");
  EXPECT_EQ(r.header.size, 0x0102030405060708ull);
  EXPECT_EQ(r.used, h.size());
  EXPECT_EQ(transfer::decode_header(std::string("\x00\x00", 2)).status,
            transfer::HeaderStatus::invalid);
  EXPECT_EQ(transfer::decode_header(std::string("\x01\x00", 2)).status,
            transfer::HeaderStatus::invalid)
      << "256 bytes of name";

  EXPECT_TRUE(transfer::is_safe_file_name("report-2024_v1.tar.gz"));
  for (const std::string& bad :
       std::vector<std::string>{"", "..", "../etc/passwd", ".hidden", "a/b", "a\\b", "a b", "x\n",
                                std::string("a\0b", 3), std::string(256, 'a')})
    EXPECT_FALSE(transfer::is_safe_file_name(bad)) << "'" << bad << "'";
}

TEST(ExampleFileTransferParts, Step3_ProgressLinesAndBar) {
  Step step(3, 12, "Progress", "a line per quarter when not a terminal; a bar with rate and ETA");
  transfer::Progress p("sent", 1000);
  EXPECT_FALSE(p.line(100, 1s));
  EXPECT_EQ(p.line(250, 1s), "sent 25% (250 B of 1000 B, 250 B/s)");
  EXPECT_FALSE(p.line(260, 1s));
  EXPECT_EQ(p.line(800, 2s), "sent 75% (800 B of 1000 B, 400 B/s)")
      << "50% and 75% at once: one line";
  EXPECT_EQ(p.line(1000, 2s), "sent 100% (1000 B of 1000 B, 500 B/s)");
  EXPECT_FALSE(p.line(1000, 2s));
  transfer::Progress b("sent", 4 * 1024 * 1024);
  EXPECT_EQ(b.bar(2 * 1024 * 1024, 2s),
            "sent [##########..........]  50%  2.0 MiB of 4.0 MiB  1.0 MiB/s  ETA 0:02");
}

class ExampleFileTransfer : public ::testing::Test {
 protected:
  Program start_receiver(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--port", "0", "--dir", (dirs.base / "in").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto p = Program::start("recv_file", args);
    port = std::to_string(p.listening_address().port());
    return p;
  }
  Program send(std::vector<std::string> args) {
    args.insert(args.begin(), {"--port", port});
    return Program::start("send_file", args);
  }
  Dirs dirs;
  std::string port;
};

TEST_F(ExampleFileTransfer, Step4_AFileArrivesIntact) {
  Step step(4, 12, "send_file FILE -> recv_file",
            "3 MiB arrive byte for byte; progress as plain lines (stdout is a pipe)");
  auto receiver = start_receiver();
  fs::path file = dirs.make_file("data.bin", 3 * 1024 * 1024 + 7, 1);
  auto sender = send({file.string()});
  auto exit = sender.wait(20s);
  EXPECT_EQ(exit.code, 0) << sender.stderr_text();
  const std::string& out = sender.stdout_text();
  for (const char* q : {"sent 25% ", "sent 50% ", "sent 75% ", "sent 100% "})
    EXPECT_NE(out.find(q), std::string::npos) << out;
  EXPECT_EQ(out.find('\r'), std::string::npos) << "no bar redraws into a pipe";
  EXPECT_NE(out.find("the receiver has the same bytes"), std::string::npos) << out;
  EXPECT_EQ(Dirs::read(dirs.base / "in" / "data.bin"), Dirs::read(file));
  EXPECT_FALSE(fs::exists(dirs.base / "in" / ".data.bin.part"));
  // The bar, forced: redrawn with '\r', with a rate and an ETA.
  fs::path other = dirs.make_file("other.bin", 100000, 2);
  auto bar = send({"--progress", "bar", other.string()});
  EXPECT_EQ(bar.wait(20s).code, 0) << bar.stderr_text();
  EXPECT_NE(bar.stdout_text().find("\rsent ["), std::string::npos) << bar.stdout_text();
  EXPECT_NE(bar.stdout_text().find("ETA"), std::string::npos);
}

TEST_F(ExampleFileTransfer, Step5_NoOverwriteWithoutTheFlag) {
  Step step(5, 12, "the same name twice",
            "refused after the header (before any data), unless the receiver has --overwrite");
  auto receiver = start_receiver();
  fs::path first = dirs.make_file("same.bin", 1000, 3);
  EXPECT_EQ(send({first.string()}).wait(20s).code, 0);
  fs::path second = dirs.make_file("second.bin", 2000, 4);
  auto again = send({"--name", "same.bin", second.string()});
  EXPECT_EQ(again.wait(20s).code, 1);
  EXPECT_NE(again.first_stderr_line().find("same.bin exists"), std::string::npos)
      << again.stderr_text();
  EXPECT_EQ(Dirs::read(dirs.base / "in" / "same.bin"), Dirs::read(first)) << "left untouched";
  receiver.stop();

  auto overwriting = start_receiver({"--overwrite"});
  EXPECT_EQ(send({"--name", "same.bin", second.string()}).wait(20s).code, 0);
  EXPECT_EQ(Dirs::read(dirs.base / "in" / "same.bin"), Dirs::read(second)) << "replaced";
}

TEST_F(ExampleFileTransfer, Step6_TheChecksumCatchesACorruptedByte) {
  Step step(6, 12, "--corrupt-byte 5000",
            "one bit flipped on the wire: CRC-32 differs, the receiver discards the file");
  auto receiver = start_receiver();
  fs::path file = dirs.make_file("fragile.bin", 100000, 5);
  auto sender = send({"--corrupt-byte", "5000", file.string()});
  EXPECT_EQ(sender.wait(20s).code, 1);
  EXPECT_NE(sender.first_stderr_line().find("checksum mismatch"), std::string::npos)
      << sender.stderr_text();
  EXPECT_FALSE(fs::exists(dirs.base / "in" / "fragile.bin"));
  EXPECT_FALSE(fs::exists(dirs.base / "in" / ".fragile.bin.part"));
}

TEST_F(ExampleFileTransfer, Step7_UnsafeNamesAreRefusedOnBothSides) {
  Step step(7, 12, "names like ../x",
            "the sender refuses to send them; the receiver to write them");
  auto receiver = start_receiver();
  fs::path file = dirs.make_file("ok.bin", 10, 6);
  auto local = send({"--name", "../escape.bin", file.string()});
  EXPECT_EQ(local.wait(10s).code, 2) << "a usage error at the sender";
  // A hostile sender that skips the check: the receiver still refuses.
  Socket s = Socket::tcp();
  s.connect(Address::parse("127.0.0.1:" + port));
  s.set_recv_timeout(5s);
  send_all(s, transfer::encode_header("../escape.bin", 10));
  LineReader reply(s);
  EXPECT_EQ(reply.read_line().value_or("").rfind("refused: unsafe file name", 0), 0u);
  EXPECT_FALSE(fs::exists(dirs.base / "escape.bin"));
}

// --- Part 3: what a hostile user found (issue 12), each fixed with this test first --

namespace {
using Clock = std::chrono::steady_clock;

// A raw sender: connects, sends `bytes`, returns the receiver's first line.
std::string raw_send(const std::string& port, std::string_view bytes,
                     std::chrono::milliseconds timeout = 5s) {
  Socket s = Socket::tcp();
  s.connect(Address::parse("127.0.0.1:" + port));
  s.set_recv_timeout(timeout);
  std::error_code ec;
  send_all(s, bytes, ec);
  LineReader reply(s);
  return reply.read_line(ec).value_or(ec ? "(error: " + ec.message() + ")" : "(eof)");
}

std::string crc_trailer(std::string_view data) {
  transfer::Crc32 crc;
  crc.update(data);
  const std::uint32_t v = crc.value();
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}
}  // namespace

TEST_F(ExampleFileTransfer, Step8_APlantedPartFileIsNeverFollowed) {
  Step step(8, 12, "a symlink .NAME.part -> a file outside",
            "the part file is created with O_CREAT|O_EXCL (fopen \"wbx\"): a planted link is "
            "refused, its target untouched");
  auto receiver = start_receiver();
  const fs::path victim = dirs.base / "victim.txt";
  std::ofstream(victim) << "precious\n";
  std::error_code ec;
  fs::create_symlink(victim, dirs.base / "in" / ".x.bin.part", ec);
  if (ec) GTEST_SKIP() << "this system refused to create a symlink: " << ec.message();
  fs::path file = dirs.make_file("x.bin", 5000, 7);
  auto sender = send({file.string()});
  EXPECT_EQ(sender.wait(20s).code, 1) << "the transfer must be refused";
  EXPECT_NE(sender.first_stderr_line().find(".x.bin.part"), std::string::npos)
      << sender.stderr_text();
  EXPECT_TRUE(Dirs::read(victim) == "precious\n") << "the link was followed: the victim changed";
  EXPECT_FALSE(fs::exists(dirs.base / "in" / "x.bin"));
}

TEST_F(ExampleFileTransfer, Step9_ADrippingSenderBlocksNobody) {
  Step step(9, 12, "one sender drips its header, another sends a file",
            "a transfer per thread, a deadline for the whole header: the second is served at once");
  auto receiver = start_receiver({"--header-ms", "500"});
  Socket dripper = Socket::tcp();
  dripper.connect(Address::parse("127.0.0.1:" + port));
  dripper.set_recv_timeout(5s);
  send_all(dripper, std::string("\x00", 1));  // one byte of the header, then nothing
  fs::path file = dirs.make_file("meanwhile.bin", 20000, 8);
  const auto t0 = Clock::now();
  auto sender = send({file.string()});
  EXPECT_EQ(sender.wait(20s).code, 0) << sender.stderr_text();
  EXPECT_LT(Clock::now() - t0, 2s) << "the second sender waited for the first";
  // The dripper meets the header deadline: the receiver says so and closes.
  LineReader reply(dripper);
  std::error_code ec;
  EXPECT_EQ(reply.read_line(ec).value_or("").rfind("error: ", 0), 0u) << ec.message();
}

TEST_F(ExampleFileTransfer, Step10_LyingSizesAndExtraBytes) {
  Step step(10, 12, "a header that lies about the size",
            "fewer bytes: nothing kept; bytes after the CRC: an error, not silence");
  auto receiver = start_receiver();
  // Says 1000 bytes, sends 10, then closes: nothing may be left behind.
  {
    Socket s = Socket::tcp();
    s.connect(Address::parse("127.0.0.1:" + port));
    send_all(s, transfer::encode_header("short.bin", 1000) + std::string(10, 's'));
  }
  // Says 10 bytes, sends 10 + CRC + 20 more.
  const std::string data(10, 'd');
  std::string got = raw_send(port, transfer::encode_header("long.bin", 10));
  EXPECT_EQ(got, "ready");
  Socket s = Socket::tcp();
  s.connect(Address::parse("127.0.0.1:" + port));
  s.set_recv_timeout(5s);
  send_all(s, transfer::encode_header("long2.bin", 10) + data + crc_trailer(data) +
                  std::string(20, 'x'));
  LineReader reply(s);
  std::string first = reply.read_line().value_or("");
  std::string second = first == "ready" ? reply.read_line().value_or("") : first;
  EXPECT_EQ(second.rfind("error: ", 0), 0u) << second;
  EXPECT_NE(second.find("after the checksum"), std::string::npos) << second;
  EXPECT_FALSE(fs::exists(dirs.base / "in" / "long2.bin"));
  // The first two transfers end in the receiver's own threads, at their pace: wait
  // (bounded) until their part files are gone before stopping it.
  for (const char* part : {".short.bin.part", ".long.bin.part"}) {
    const auto deadline = Clock::now() + 5s;
    while (fs::exists(dirs.base / "in" / part) && Clock::now() < deadline)
      std::this_thread::sleep_for(5ms);  // polling a file, not waiting for an event
  }
  receiver.stop();
  for (const auto& entry : fs::directory_iterator(dirs.base / "in"))
    ADD_FAILURE() << "left behind: " << entry.path().filename();
}

TEST_F(ExampleFileTransfer, Step11_NamesThatCannotHaveAPartFile) {
  Step step(11, 12, "names of 250-255 bytes",
            "'.NAME.part' must fit 255 bytes too: safe names are at most 249");
  EXPECT_TRUE(transfer::is_safe_file_name(std::string(249, 'n')));
  EXPECT_FALSE(transfer::is_safe_file_name(std::string(250, 'n')));
  auto receiver = start_receiver();
  EXPECT_EQ(raw_send(port, transfer::encode_header(std::string(252, 'n'), 1)).rfind("refused: ", 0),
            0u);
}

TEST_F(ExampleFileTransfer, Step12_FailuresTheSenderHears) {
  Step step(12, 12, "--overwrite onto a directory; a write that fails",
            "the sender gets 'refused:' or 'error:' and exit 1, no .part is left behind");
  fs::create_directories(dirs.base / "in" / "adir");
  {
    auto receiver = start_receiver({"--overwrite"});
    fs::path file = dirs.make_file("adir", 100, 9);
    auto sender = send({file.string()});
    EXPECT_EQ(sender.wait(20s).code, 1);
    EXPECT_NE(sender.first_stderr_line().find("not a regular file"), std::string::npos)
        << sender.stderr_text();
    EXPECT_TRUE(fs::is_directory(dirs.base / "in" / "adir"));
    EXPECT_FALSE(fs::exists(dirs.base / "in" / ".adir.part"));
  }
  // A full disk, simulated with RLIMIT_FSIZE (write() then fails with EFBIG, as it
  // would with ENOSPC); SIGXFSZ is ignored by the shell so the receiver lives on.
  auto sh = test::find_on_path("sh");
  if (!sh) GTEST_SKIP() << "no sh to start the receiver under ulimit -f";
  auto limited = Program::start_path(
      *sh, {"-c", "trap '' XFSZ; ulimit -f 100; exec \"$0\" \"$@\"",
            test::program_path("recv_file"), "--port", "0", "--dir", (dirs.base / "in").string()});
  port = std::to_string(limited.listening_address().port());
  fs::path big = dirs.make_file("big.bin", 400 * 1024, 10);  // ulimit -f 100 = 100 blocks of 512 B
  auto sender = send({big.string()});
  EXPECT_EQ(sender.wait(20s).code, 1) << sender.stdout_text();
  EXPECT_NE(sender.first_stderr_line().find("error: "), std::string::npos) << sender.stderr_text();
  EXPECT_EQ(sender.stdout_text().find("the receiver has the same bytes"), std::string::npos);
  EXPECT_FALSE(fs::exists(dirs.base / "in" / "big.bin"));
  EXPECT_FALSE(fs::exists(dirs.base / "in" / ".big.bin.part"));
}
