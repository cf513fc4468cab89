// Example: file transfer, the sending side.
//
//   build/bin/recv_file --port 9000 --dir /tmp/inbox     (the receiver listens)
//   build/bin/send_file --port 9000 photo.jpg            (this program)
//
// It sends a header (name, size), waits for the receiver's "ready", streams the
// file while drawing a progress bar (plain lines when stdout is not a terminal),
// sends the CRC-32 of what it read and waits for the receiver to confirm it got
// the same bytes. The protocol is in transfer.hpp.
//
// Docs: docs/examples/file_transfer.md
#include <socklab/socklab.hpp>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "transfer.hpp"

using namespace socklab;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  cli::Parser args("send_file", "Example: send a file to recv_file over TCP.");
  args.option("--host", "HOST", "127.0.0.1", "the receiver's address")
      .option("--port", "PORT", "9000", "the receiver's TCP port")
      .option("--name", "NAME", "", "name to give the file at the receiver (default: its own)")
      .option("--progress", "KIND", "auto", "bar, lines, none, or auto (bar on a terminal)")
      .option("--corrupt-byte", "N", "", "for the tests: flip a bit of byte N on the wire")
      .positionals("FILE", "the file to send");

  return cli::run(argc, argv, args, [&] {
    if (args.words().size() != 1) throw cli::UsageError("give exactly one FILE");
    const fs::path path = args.words()[0];
    std::string name = args.get("--name").empty() ? path.filename().string() : args.get("--name");
    if (!transfer::is_safe_file_name(name))
      throw cli::UsageError(fmt::format(
          "'{}' is not a safe file name (A-Z a-z 0-9 . _ -, not starting with '.'); use --name",
          name));
    std::string kind = args.get("--progress");
    if (kind == "auto") kind = cli::is_terminal(stdout) ? "bar" : "lines";
    if (kind != "bar" && kind != "lines" && kind != "none")
      throw cli::UsageError("--progress: expected bar, lines, none or auto");
    std::uint64_t corrupt_at = UINT64_MAX;
    if (!args.get("--corrupt-byte").empty())
      corrupt_at = static_cast<std::uint64_t>(args.integer("--corrupt-byte", 0, 1LL << 62));

    std::ifstream file(path, std::ios::binary);
    std::error_code fs_ec;
    const std::uint64_t size = fs::file_size(path, fs_ec);
    if (!file || fs_ec || !fs::is_regular_file(path))
      throw std::runtime_error(fmt::format("{}: not a readable regular file", path.string()));

    // Each address of --host in turn (lesson 04), until one connects.
    Socket sock = cli::connect_first(args.get("--host"), args.port());
    sock.set_recv_timeout(std::chrono::seconds(30));  // a receiver that never answers
    LineReader replies(sock, 1024);
    // A send that fails (the receiver closed: a full disk, a deadline) is
    // explained by the receiver's last line, if it sent one: read it and say it.
    auto send_or_explain = [&](std::string_view bytes) {
      std::error_code ec;
      send_all(sock, bytes, ec);
      if (!ec) return;
      std::error_code rec;
      auto why = replies.read_line(rec);
      throw std::runtime_error(
          why ? fmt::format("receiver: {}", *why)
              : fmt::format("send: {} (the receiver gave no reason)", ec.message()));
    };

    // 1. The header, then the receiver's go-ahead (or its reason to refuse).
    send_or_explain(transfer::encode_header(name, size));
    std::string answer = replies.read_line().value_or("(the receiver closed the connection)");
    if (answer != "ready") throw std::runtime_error(fmt::format("receiver: {}", answer));

    // 2. The bytes, through the CRC as they go.
    transfer::Crc32 crc;
    transfer::Progress progress("sent", size);
    std::array<char, 64 * 1024> chunk;
    std::uint64_t sent = 0;
    const auto start = Clock::now();
    auto last_draw = start;
    while (sent < size) {
      file.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      const auto got = static_cast<std::size_t>(file.gcount());
      if (got == 0) throw std::runtime_error(fmt::format("{}: shorter than it was", path.string()));
      std::string_view piece(chunk.data(), std::min<std::uint64_t>(got, size - sent));
      crc.update(piece);
      if (corrupt_at >= sent && corrupt_at < sent + piece.size())
        chunk[corrupt_at - sent] ^= 0x01;  // after the CRC saw the true byte
      send_or_explain(piece);
      sent += piece.size();
      const auto now = Clock::now();
      if (kind == "bar" && (now - last_draw > std::chrono::milliseconds(100) || sent == size)) {
        fmt::print("\r{}", progress.bar(sent, now - start));
        std::fflush(stdout);
        last_draw = now;
      } else if (kind == "lines") {
        if (auto line = progress.line(sent, now - start)) cli::say("{}", *line);
      }
    }
    if (kind == "bar") cli::say("{}", size == 0 ? "\r" + progress.bar(0, {}) : "");

    // 3. The checksum, big-endian, and the receiver's verdict.
    const std::uint32_t value = crc.value();
    const std::array<char, 4> trailer{static_cast<char>(value >> 24),
                                      static_cast<char>(value >> 16), static_cast<char>(value >> 8),
                                      static_cast<char>(value)};
    send_or_explain(std::string_view(trailer.data(), trailer.size()));
    answer = replies.read_line().value_or("(the receiver closed the connection)");
    if (answer.rfind("ok ", 0) != 0) throw std::runtime_error(fmt::format("receiver: {}", answer));
    cli::say("sent {} ({} bytes, crc32 {:08x}): the receiver has the same bytes", name, size,
             value);
    return 0;
  });
}
