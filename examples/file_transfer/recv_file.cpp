// Example: file transfer, the receiving side (a server).
//
//   build/bin/recv_file --port 9000 --dir /tmp/inbox [--overwrite]
//
// A thread per transfer (lesson 07), at most --max-transfers at once; one more
// sender is told "busy: ..." at once and closed, never left waiting in the
// backlog. For each transfer: read the header; refuse unsafe names, files that
// exist (unless --overwrite; never over something that is not a regular file)
// and files larger than --max-size; receive into a hidden temporary file, check
// the CRC-32, and only then rename it into place — a broken transfer never
// leaves a half file under the real name. The protocol is in transfer.hpp.
//
// What a hostile sender could do, and what stops it:
//   - drip the header, a byte now and then -> --header-ms for the WHOLE header
//   - drip the data                        -> a deadline for the whole transfer:
//                                             --deadline-ms + 1 s per --min-rate bytes
//                                             (a deadline, not a timeout per recv())
//   - plant a symlink at .NAME.part        -> the part file is created with
//                                             fopen("wbx"): O_CREAT|O_EXCL, which
//                                             fails on ANY existing name, links too
//   - lie about the size                   -> too few bytes: nothing is kept;
//                                             bytes after the CRC: "error:", discarded
//   - open more connections than fit       -> "busy:"; out of descriptors: AcceptGuard
// Every failure the receiver sees is told to the sender as "error: ..." (a
// full disk, a failed rename), so a sender never reports success it did not have.
//
// Docs: docs/examples/file_transfer.md
#include <socklab/accept_guard.hpp>
#include <socklab/socklab.hpp>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "transfer.hpp"

using namespace socklab;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Options {
  fs::path dir;
  bool overwrite = false;
  std::uint64_t max_size = 0;
  milliseconds header{5000}, deadline{10000};
  std::uint64_t min_rate = 65536;  // bytes per second the deadline allows for
};

std::mutex log_mutex;  // one line at a time from the transfer threads
template <typename... Args>
void log(fmt::format_string<Args...> format, Args&&... args) {
  std::lock_guard lock(log_mutex);
  cli::say(format, std::forward<Args>(args)...);
}

// A failure to report to the sender as "error: ..." (and in the log).
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// recv() that gives up at `deadline`: SO_RCVTIMEO is set to the time LEFT
// before every call, so a byte now and then does not buy more time.
Received recv_by(Socket& sock, std::span<char> buffer, Clock::time_point deadline,
                 const char* what) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  if (left <= milliseconds(0)) throw Failure(fmt::format("{} took too long", what));
  sock.set_recv_timeout(left);
  std::error_code ec;
  Received got = sock.recv(buffer, ec);
  if (ec == std::errc::timed_out || ec == std::errc::operation_would_block)
    throw Failure(fmt::format("{} took too long", what));
  if (ec) throw std::system_error(ec, "recv");
  return got;
}

// The part file: fopen's "x" (C11) is O_CREAT|O_EXCL, which refuses any name
// that exists — a file, a directory, a symlink, dangling or not — so a link
// planted there can never make us write through it.
using File = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;
File create_new(const fs::path& path) {
  return File(std::fopen(path.string().c_str(), "wbx"), &std::fclose);
}

// Receives one file; returns a line for the log. Throws on a broken connection.
std::string receive(Socket& sock, const Options& opt) {
  // 1. The header: at most 2 + 255 + 8 bytes, in as many pieces as TCP likes.
  const auto header_deadline = Clock::now() + opt.header;
  std::string bytes;
  std::array<char, 64 * 1024> buffer;
  transfer::HeaderResult head;
  while ((head = transfer::decode_header(bytes)).status == transfer::HeaderStatus::incomplete) {
    Received got =
        recv_by(sock, std::span<char>(buffer.data(), 512), header_deadline, "the header");
    if (got.eof) throw std::runtime_error("the sender closed before its header was complete");
    bytes.append(buffer.data(), got.bytes);
  }
  auto refuse = [&](const std::string& why) {
    std::error_code ec;
    send_all(sock, "refused: " + why + "\n", ec);
    return "refused: " + why;
  };
  if (head.status == transfer::HeaderStatus::invalid) return refuse(head.error);
  const transfer::Header& h = head.header;
  if (!transfer::is_safe_file_name(h.name))
    return refuse(fmt::format(
        "unsafe file name (allowed: 1-{} bytes of A-Z a-z 0-9 . _ -, not starting with '.')",
        transfer::max_safe_name_length));
  if (h.size > opt.max_size)
    return refuse(fmt::format("{} bytes is more than --max-size {}", h.size, opt.max_size));
  const fs::path target = opt.dir / h.name;
  std::error_code fs_ec;
  const auto status = fs::symlink_status(target, fs_ec);
  if (fs::exists(status) && !opt.overwrite)
    return refuse(h.name + " exists (start recv_file with --overwrite to replace it)");
  if (fs::exists(status) && !fs::is_regular_file(status))
    return refuse(h.name + " exists and is not a regular file: not replaced");

  // 2. The bytes, into ".NAME.part" (no safe name starts with '.', so it is ours).
  const fs::path part = opt.dir / ("." + h.name + ".part");
  File out = create_new(part);
  if (!out)
    return refuse(fmt::format("cannot create {}: {} (another transfer of {}, or a leftover)",
                              part.filename().string(), std::strerror(errno), h.name));
  send_all(sock, "ready\n");
  transfer::Crc32 crc;
  transfer::Progress progress("received", h.size);
  std::string data = bytes.substr(head.used);  // anything that came with the header
  std::uint64_t done = 0;
  const auto start = Clock::now();
  const auto deadline = start + opt.deadline + std::chrono::seconds(h.size / opt.min_rate);
  try {
    for (;;) {
      std::size_t take = std::min<std::uint64_t>(data.size(), h.size - done);
      crc.update(std::string_view(data).substr(0, take));
      if (take > 0 && std::fwrite(data.data(), 1, take, out.get()) != take)
        throw Failure(fmt::format("writing {} failed: {}", h.name, std::strerror(errno)));
      done += take;
      data.erase(0, take);
      if (auto line = progress.line(done, Clock::now() - start)) log("{}", *line);
      if (done == h.size && data.size() >= 4) break;
      Received got = recv_by(sock, buffer, deadline, "the transfer");
      if (got.eof)
        throw std::runtime_error(
            fmt::format("the sender closed after {} of {} bytes", done, h.size));
      data.append(buffer.data(), got.bytes);
    }
    if (std::fflush(out.get()) != 0)
      throw Failure(fmt::format("writing {} failed: {}", h.name, std::strerror(errno)));
    if (std::fclose(out.release()) != 0)
      throw Failure(fmt::format("writing {} failed: {}", h.name, std::strerror(errno)));

    // 3. The checksum: the sender's, computed from its file, against ours.
    std::uint32_t theirs = 0;
    for (int i = 0; i < 4; ++i) theirs = (theirs << 8) | static_cast<std::uint8_t>(data[i]);
    if (data.size() > 4)  // the header said h.size: more is a lie (or a bug), not data
      throw Failure(fmt::format("{} bytes after the checksum (the header said {} bytes)",
                                data.size() - 4, h.size));
    if (theirs != crc.value())
      throw Failure(
          fmt::format("checksum mismatch (sender {:08x}, received {:08x})", theirs, crc.value()));
    fs::rename(part, target, fs_ec);  // replaces a regular file only with --overwrite (above)
    if (fs_ec) throw Failure(fmt::format("cannot rename into {}: {}", h.name, fs_ec.message()));
  } catch (...) {
    out.reset();
    fs::remove(part, fs_ec);
    throw;
  }
  std::error_code ec;
  send_all(sock, fmt::format("ok {} {:08x}\n", h.size, crc.value()), ec);
  return fmt::format("received {} ({} bytes, crc32 {:08x})", h.name, h.size, crc.value());
}

// Closing after a refusal or an error while the sender may still be sending: a
// close() with unread bytes makes the kernel send RST, and the sender may lose
// our last line with it (lesson 10). So shutdown(SHUT_WR) and drop what still
// comes, briefly: until the sender's FIN, 200 ms or 1 MiB, whichever is first
// (this is the transfer's own thread). Bounded by time and bytes, not by calls:
// a recv() may return one byte at a time (SOCKLAB_FAULTS=short shows it).
void close_gently(Socket& sock) {
  std::error_code ec;
  sock.shutdown(Shutdown::write, ec);
  const auto deadline = Clock::now() + milliseconds(200);
  std::array<char, 16 * 1024> sink;
  for (std::size_t dropped = 0; !ec && dropped < (std::size_t{1} << 20);) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left <= milliseconds(0)) break;
    sock.set_recv_timeout(left, ec);
    if (ec) break;
    Received got = sock.recv(sink, ec);
    if (got.eof) break;
    dropped += got.bytes;
  }
}

// One connection, start to end: never throws (it runs on its own thread).
void serve(Socket sock, const Address& peer, const Options& opt) {
  try {
    log("{}: {}", peer.to_string(), receive(sock, opt));
  } catch (const Failure& e) {
    log("{}: error: {}", peer.to_string(), e.what());
    std::error_code ec;
    send_all(sock, fmt::format("error: {}\n", e.what()), ec);  // the sender hears why
  } catch (const std::exception& e) {
    std::lock_guard lock(log_mutex);
    fmt::print(stderr, "recv_file: {}: {}\n", peer.to_string(), e.what());
  }
  close_gently(sock);
}

int main(int argc, char** argv) {
  cli::Parser args("recv_file", "Example: receive files sent by send_file.");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "9000", "TCP port; 0 lets the kernel pick a free one")
      .option("--dir", "DIR", ".", "directory to write the files into")
      .option("--max-size", "BYTES", "1073741824", "refuse files larger than this")
      .option("--max-transfers", "N", "16", "transfers at once (one more is told 'busy')")
      .option("--header-ms", "MS", "5000", "the whole header must arrive within this")
      .option("--deadline-ms", "MS", "10000", "a whole transfer may take this long, plus ...")
      .option("--min-rate", "BYTES", "65536", "... one second per this many bytes")
      .flag("--overwrite", "replace files that already exist")
      .flag("--once", "receive one file (or refusal), then exit");

  return cli::run(argc, argv, args, [&] {
    Options opt{args.get("--dir"), args.is_set("--overwrite")};
    opt.max_size = static_cast<std::uint64_t>(args.integer("--max-size", 0, 1LL << 50));
    opt.header = args.milliseconds("--header-ms");
    opt.deadline = args.milliseconds("--deadline-ms");
    opt.min_rate = static_cast<std::uint64_t>(args.integer("--min-rate", 1, 1LL << 40));
    const auto max_transfers = static_cast<std::size_t>(args.integer("--max-transfers", 1, 1024));
    if (!fs::is_directory(opt.dir))
      throw cli::UsageError(fmt::format("--dir {}: not a directory", opt.dir.string()));
    // --host may name several addresses (lesson 04): bind to the first that works.
    Socket listener = cli::bind_first(args.get("--host"), args.port());
    listener.listen(128);          // a burst of senders waits here, not in SYN retries
    AcceptGuard guard;             // out of descriptors: shed the client, back off, never spin
    cli::say_listening(listener);  // (after the spare)

    std::vector<std::future<void>> transfers;
    for (;;) {
      std::error_code ec;
      Accepted a = guard.accept(listener, ec);
      if (auto line = guard.report()) log("{}", *line);
      if (ec) {
        if (guard.pause() > milliseconds(0)) std::this_thread::sleep_for(guard.pause());
        continue;  // a shed client, a client that reset in the queue, ...: the next one
      }
      if (args.is_set("--once")) {
        serve(std::move(a.socket), a.peer, opt);
        return 0;
      }
      std::erase_if(transfers, [](auto& t) {
        return t.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
      });
      if (transfers.size() >= max_transfers) {
        // Busy: one non-blocking send of one short line, then close. Nothing
        // here waits for this client, and nothing throws.
        a.socket.set_non_blocking(true, ec);
        (void)a.socket.send(
            fmt::format("busy: {} transfers in progress, try again later\n", transfers.size()), ec);
        log("{}: busy", a.peer.to_string());
        continue;
      }
      try {
        transfers.push_back(
            std::async(std::launch::async, serve, std::move(a.socket), a.peer, std::cref(opt)));
      } catch (const std::exception& e) {  // no thread to be had: the client is closed
        log("{}: no thread for it: {}", a.peer.to_string(), e.what());
      }
    }
  });
}
