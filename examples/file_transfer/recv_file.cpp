// Example: file transfer, the receiving side (a server).
//
//   build/bin/recv_file --port 9000 --dir /tmp/inbox [--overwrite]
//
// One sender at a time (an iterative server, lesson 01's shape: transfers are
// long and disk-bound, so serving them one by one is a fair choice). For each:
// read the header; refuse unsafe names, files that exist (unless --overwrite)
// and files larger than --max-size; receive into a hidden temporary file, check
// the CRC-32, and only then rename it into place — a broken transfer never
// leaves a half file under the real name. The protocol is in transfer.hpp.
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

struct Options {
  fs::path dir;
  bool overwrite = false;
  std::uint64_t max_size = 0;
};

// Receives one file; returns a line for the log. Throws on a broken connection.
std::string receive(Socket& sock, const Options& opt) {
  // 1. The header: at most 2 + 255 + 8 bytes, in as many pieces as TCP likes.
  std::string bytes;
  std::array<char, 64 * 1024> buffer;
  transfer::HeaderResult head;
  while ((head = transfer::decode_header(bytes)).status == transfer::HeaderStatus::incomplete) {
    Received got = sock.recv(std::span<char>(buffer.data(), 512));
    if (got.eof) throw std::runtime_error("the sender closed before its header was complete");
    bytes.append(buffer.data(), got.bytes);
  }
  auto refuse = [&](const std::string& why) {
    send_all(sock, "refused: " + why + "\n");
    return "refused: " + why;
  };
  if (head.status == transfer::HeaderStatus::invalid) return refuse(head.error);
  const transfer::Header& h = head.header;
  if (!transfer::is_safe_file_name(h.name))
    return refuse("unsafe file name (allowed: A-Z a-z 0-9 . _ -, not starting with '.')");
  if (h.size > opt.max_size)
    return refuse(fmt::format("{} bytes is more than --max-size {}", h.size, opt.max_size));
  const fs::path target = opt.dir / h.name;
  if (fs::exists(fs::symlink_status(target)) && !opt.overwrite)
    return refuse(h.name + " exists (start recv_file with --overwrite to replace it)");
  send_all(sock, "ready\n");

  // 2. The bytes, into ".NAME.part" (no safe name starts with '.', so it is ours).
  const fs::path part = opt.dir / ("." + h.name + ".part");
  std::ofstream out(part, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(fmt::format("cannot create {}", part.string()));
  transfer::Crc32 crc;
  transfer::Progress progress("received", h.size);
  std::string data = bytes.substr(head.used);  // anything that came with the header
  std::uint64_t done = 0;
  const auto start = Clock::now();
  try {
    for (;;) {
      std::size_t take = std::min<std::uint64_t>(data.size(), h.size - done);
      crc.update(std::string_view(data).substr(0, take));
      out.write(data.data(), static_cast<std::streamsize>(take));
      done += take;
      data.erase(0, take);
      if (auto line = progress.line(done, Clock::now() - start)) cli::say("{}", *line);
      if (done == h.size && data.size() >= 4) break;
      Received got = sock.recv(buffer);
      if (got.eof)
        throw std::runtime_error(
            fmt::format("the sender closed after {} of {} bytes", done, h.size));
      data.append(buffer.data(), got.bytes);
    }
    out.close();
    if (!out) throw std::runtime_error(fmt::format("writing {} failed", part.string()));
  } catch (...) {
    fs::remove(part);
    throw;
  }

  // 3. The checksum: the sender's, computed from its file, against ours.
  std::uint32_t theirs = 0;
  for (int i = 0; i < 4; ++i) theirs = (theirs << 8) | static_cast<std::uint8_t>(data[i]);
  if (theirs != crc.value()) {
    fs::remove(part);
    send_all(sock, fmt::format("error: checksum mismatch (sender {:08x}, received {:08x})\n",
                               theirs, crc.value()));
    return fmt::format("{}: checksum mismatch, discarded", h.name);
  }
  fs::rename(part, target);  // replaces an existing file only with --overwrite (checked above)
  send_all(sock, fmt::format("ok {} {:08x}\n", h.size, crc.value()));
  return fmt::format("received {} ({} bytes, crc32 {:08x})", h.name, h.size, crc.value());
}

int main(int argc, char** argv) {
  cli::Parser args("recv_file", "Example: receive files sent by send_file.");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "9000", "TCP port; 0 lets the kernel pick a free one")
      .option("--dir", "DIR", ".", "directory to write the files into")
      .option("--max-size", "BYTES", "1073741824", "refuse files larger than this")
      .flag("--overwrite", "replace files that already exist")
      .flag("--once", "receive one file (or refusal), then exit");

  return cli::run(argc, argv, args, [&] {
    Options opt{args.get("--dir"), args.is_set("--overwrite"), 0};
    opt.max_size = static_cast<std::uint64_t>(args.integer("--max-size", 0, 1LL << 50));
    if (!fs::is_directory(opt.dir))
      throw cli::UsageError(fmt::format("--dir {}: not a directory", opt.dir.string()));
    // --host may name several addresses (lesson 04): bind to the first that works.
    Socket listener =
        cli::host_port(args.get("--host"), args.port(), Type::stream, [](const Address& address) {
          Socket s = Socket::tcp(address.family());
          s.set_reuse_address(true);
          s.bind(address);
          return s;
        });
    listener.listen(16);
    cli::say("listening on {}", listener.local_address().to_string());
    do {
      auto [sock, peer] = listener.accept();
      sock.set_recv_timeout(std::chrono::seconds(30));  // a sender that stops sending
      try {
        cli::say("{}: {}", peer.to_string(), receive(sock, opt));
      } catch (const std::exception& e) {
        fmt::print(stderr, "recv_file: {}: {}\n", peer.to_string(), e.what());
      }
    } while (!args.is_set("--once"));
    return 0;
  });
}
