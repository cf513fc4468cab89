// Example: a small HTTP/1.1 server for one directory (GET and HEAD).
//
//   build/bin/http_server --port 8080 --root docs      then:  curl -v http://127.0.0.1:8080/
//
// A thread per connection (lesson 07), bounded by --max-clients: when all are
// busy a new client gets "503" at once. Per connection, requests are read one
// after the other (keep-alive) until the client says "Connection: close", goes
// idle for --idle-ms, or sends something wrong. What a hostile client could do,
// and what stops it:
//   - send a head that never ends       -> --max-head bytes, then 431 and close
//   - announce a huge body              -> --max-body bytes, then 413 and close
//   - ask for ../../etc/passwd          -> resolve_target() refuses ".." (also %2e%2e): 400
//   - plant a symlink leading outside   -> the real path must lie under --root: else 404
//   - connect and say nothing           -> SO_RCVTIMEO (--idle-ms), then close
// The parsing is in http_message.cpp; this file is sockets and files.
//
// Docs: docs/examples/http.md
#include <socklab/socklab.hpp>

#include <fmt/chrono.h>

#include <array>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "http_message.hpp"

using namespace socklab;
namespace fs = std::filesystem;

struct Config {
  fs::path root;  // canonical
  std::size_t max_head = 8192;
  std::uint64_t max_body = 65536;
  std::chrono::milliseconds idle{5000};
};

std::mutex log_mutex;
void log(const std::string& line) {
  std::lock_guard lock(log_mutex);
  cli::say("{}", line);
}

// The status line and headers. Every response has a Content-Length, so the
// client knows where it ends and the connection can carry the next one.
std::string response_head(int status, std::string_view type, std::uint64_t length, bool keep_alive,
                          std::string_view extra = {}) {
  return fmt::format(
      "HTTP/1.1 {} {}\r\nDate: {:%a, %d %b %Y %H:%M:%S} GMT\r\nServer: socklab-http\r\n"
      "Content-Type: {}\r\nContent-Length: {}\r\n{}Connection: {}\r\n\r\n",
      status, http::reason_phrase(status), fmt::gmtime(std::time(nullptr)), type, length, extra,
      keep_alive ? "keep-alive" : "close");
}

void send_error(Socket& sock, int status, std::string_view why, bool keep_alive,
                bool head_only = false, std::string_view extra = {}) {
  std::string body = fmt::format("{} {}: {}\n", status, http::reason_phrase(status), why);
  send_all(sock,
           response_head(status, "text/plain; charset=utf-8", body.size(), keep_alive, extra) +
               (head_only ? "" : body));
}

// The file a path names, if it is a regular file whose real location (after
// following every symlink) lies under the root. Else nullopt: 404.
std::optional<fs::path> find_file(const Config& cfg, const std::string& relative) {
  std::error_code ec;
  fs::path real = fs::canonical(cfg.root / relative, ec);
  if (!ec && fs::is_directory(real, ec)) real = fs::canonical(real / "index.html", ec);
  if (ec) return std::nullopt;
  // Under the root = the root's components are a prefix of the real path's.
  auto [r, p] = std::mismatch(cfg.root.begin(), cfg.root.end(), real.begin(), real.end());
  if (r != cfg.root.end() || !fs::is_regular_file(real, ec)) return std::nullopt;
  return real;
}

// Closing after an error while the client may still be sending (a body we
// refused, the rest of a long head): a close() with unread bytes makes the
// kernel send RST, and the client may lose our error response with it (lesson
// 10). So: shutdown(SHUT_WR) — our response and a FIN go out — then read and
// drop what still comes, briefly and boundedly, and only then close.
// (RFC 9112 §9.6 calls this a lingering close.)
void linger_close(Socket& sock) {
  std::error_code ec;
  sock.shutdown(Shutdown::write, ec);
  sock.set_recv_timeout(std::chrono::milliseconds(500), ec);
  std::array<char, 16 * 1024> sink;
  for (int i = 0; i < 64 && !ec; ++i)
    if (sock.recv(sink, ec).eof) break;
}

// Serves one connection: requests until close, error or idle timeout.
void serve(Socket& sock, const Address& peer, const Config& cfg) {
  sock.set_recv_timeout(cfg.idle);  // an idle keep-alive connection ends here
  sock.set_send_timeout(std::chrono::seconds(30));
  std::string buffer;
  std::array<char, 64 * 1024> chunk;
  std::error_code ec;
  for (;;) {
    // 1. The head: read until the empty line, never more than max_head bytes.
    std::size_t end;
    while ((end = http::find_head_end(buffer)) == std::string::npos) {
      if (buffer.size() > cfg.max_head)
        return send_error(sock, 431, "the request head is too long", false);
      Received got = sock.recv(std::span<char>(chunk.data(), cfg.max_head + 1 - buffer.size()), ec);
      if (ec || got.eof) return;  // closed, reset or idle: nothing to answer
      buffer.append(chunk.data(), got.bytes);
    }
    if (end > cfg.max_head) return send_error(sock, 431, "the request head is too long", false);
    http::ParsedRequest parsed = http::parse_request(std::string_view(buffer).substr(0, end));
    if (!parsed.request) return send_error(sock, parsed.status, parsed.error, false);
    const http::Request& req = *parsed.request;

    // 2. A body (GET and HEAD have none, but a client may send one): bounded, skipped.
    if (req.content_length > cfg.max_body)
      return send_error(sock, 413, fmt::format("at most {} bytes of body", cfg.max_body), false);
    while (buffer.size() - end < req.content_length) {
      Received got = sock.recv(chunk, ec);
      if (ec || got.eof) return;
      buffer.append(chunk.data(), got.bytes);
    }
    buffer.erase(0, end + req.content_length);  // what is left is the next request

    // 3. The answer.
    int status = 200;
    std::uint64_t length = 0;
    const bool head_only = req.method == "HEAD";
    if (req.method != "GET" && req.method != "HEAD") {
      status = 405;
      send_error(sock, 405, "only GET and HEAD", req.keep_alive, false, "Allow: GET, HEAD\r\n");
    } else if (http::Target t = http::resolve_target(req.target); t.status != 0) {
      status = t.status;
      send_error(sock, status, t.error, req.keep_alive, head_only);
    } else if (auto file = find_file(cfg, t.path); !file) {
      status = 404;
      send_error(sock, 404, "no such file", req.keep_alive, head_only);
    } else {
      std::ifstream in(*file, std::ios::binary);
      length = fs::file_size(*file, ec);
      if (!in || ec) return send_error(sock, 500, "cannot read the file", false);
      send_all(sock, response_head(200, http::content_type_for(file->filename().string()), length,
                                   req.keep_alive));
      for (std::uint64_t left = head_only ? 0 : length; left > 0 && in;) {
        in.read(chunk.data(),
                static_cast<std::streamsize>(std::min<std::uint64_t>(chunk.size(), left)));
        const auto n = static_cast<std::size_t>(in.gcount());
        if (n == 0) return;  // the file shrank: the client sees a short body and a close
        send_all(sock, std::string_view(chunk.data(), n));
        left -= n;
      }
    }
    log(fmt::format("{} \"{} {} HTTP/1.{}\" {} {}", peer.to_string(), req.method, req.target,
                    req.minor_version, status, length));
    if (!req.keep_alive) return;
  }
}

int main(int argc, char** argv) {
  cli::Parser args("http_server", "Example: a small HTTP/1.1 file server (GET, HEAD).");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "8080", "TCP port; 0 lets the kernel pick a free one")
      .option("--root", "DIR", ".", "the directory to serve")
      .option("--max-clients", "N", "32", "connections served at once (more get 503)")
      .option("--max-head", "BYTES", "8192", "longest request head (more: 431)")
      .option("--max-body", "BYTES", "65536", "longest request body (more: 413)")
      .option("--idle-ms", "MS", "5000", "close a keep-alive connection idle this long")
      .option("--exit-after", "N", "0", "exit after N connections have been served (0 = never)");

  return cli::run(argc, argv, args, [&] {
    auto number = [&](std::string_view name, long long min = 1) {
      return static_cast<std::size_t>(args.integer(name, min, 1LL << 40));
    };
    Config cfg;
    std::error_code ec;
    cfg.root = fs::canonical(args.get("--root"), ec);
    if (ec || !fs::is_directory(cfg.root))
      throw cli::UsageError(fmt::format("--root {}: not a directory", args.get("--root")));
    cfg.max_head = number("--max-head");
    cfg.max_body = number("--max-body");
    cfg.idle = args.milliseconds("--idle-ms");
    const std::size_t max_clients = number("--max-clients");
    const std::size_t exit_after = number("--exit-after", 0);

    // --host may name several addresses (lesson 04): bind to the first that works.
    Socket listener =
        cli::host_port(args.get("--host"), args.port(), Type::stream, [](const Address& address) {
          Socket s = Socket::tcp(address.family());
          s.set_reuse_address(true);
          s.bind(address);
          return s;
        });
    listener.listen(128);
    cli::say("listening on {}", listener.local_address().to_string());
    cli::say("serving {}", cfg.root.string());

    // Lesson 07's pattern: one thread per connection, joined through its future.
    std::vector<std::future<void>> workers;
    for (std::size_t served = 0; exit_after == 0 || served < exit_after; ++served) {
      auto [sock, peer] = listener.accept();
      std::erase_if(workers, [](auto& w) {
        return w.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
      });
      if (workers.size() >= max_clients) {  // busy: say so now rather than leave it hanging
        send_error(sock, 503, "too many connections, try again later", false);
        linger_close(sock);  // (this blocks the accepting thread for at most 0.5 s)
        continue;
      }
      workers.push_back(std::async(std::launch::async, [&cfg, s = std::move(sock), peer]() mutable {
        try {
          serve(s, peer, cfg);
        } catch (const std::exception& e) {
          log(fmt::format("{}: {}", peer.to_string(), e.what()));
        }
        linger_close(s);
      }));
    }
    workers.clear();  // joins them: the last connections finish first
    return 0;
  });
}
