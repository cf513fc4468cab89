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
  Step step(1, 7, "Crc32", "the published check value; pieces give the same CRC as the whole");
  transfer::Crc32 whole;
  whole.update("123456789");
  EXPECT_EQ(whole.value(), 0xCBF43926u) << "CRC-32/ISO-HDLC check value";
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
  Step step(2, 7, "encode_header / decode_header",
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
  Step step(3, 7, "Progress", "a line per quarter when not a terminal; a bar with rate and ETA");
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
  Step step(4, 7, "send_file FILE -> recv_file",
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
  Step step(5, 7, "the same name twice",
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
  Step step(6, 7, "--corrupt-byte 5000",
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
  Step step(7, 7, "names like ../x", "the sender refuses to send them; the receiver to write them");
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
