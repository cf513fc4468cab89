// Example: a small HTTP/1.1 server for one directory (GET and HEAD).
//
//   build/bin/http_server --port 8080 --root docs      then:  curl -v http://127.0.0.1:8080/
//
// One thread, lesson 08's event loop: poll() is the only call that waits, every
// socket is non-blocking, and each connection is a small state machine
// (reading a request -> sending its response -> reading the next, or closing).
// A thread per connection (lesson 07) would let each slow client hold a thread
// and, with a cap on threads, let a few dozen slow clients take the server from
// everyone else; here a slow client costs one descriptor and a few bytes.
// What a hostile client could do, and what stops it:
//   - send a head that never ends       -> --max-head bytes, then 431 and close
//   - send it one byte a second         -> --request-ms: a deadline for the WHOLE
//                                          request (head and body), not per recv(): 408
//   - announce a huge body              -> --max-body bytes, then 413 and close
//   - pipeline requests, never read     -> one response at a time per connection; the
//                                          next request is read only when it is sent, so
//                                          the queue per client is one response (the
//                                          kernel's buffers hold the rest: backpressure)
//   - read the response very slowly     -> --send-ms for the whole response, then close
//   - connect and say nothing           -> --idle-ms, then close
//   - open more connections than fit    -> past --max-clients: 503, sent without waiting;
//                                          out of descriptors: AcceptGuard (EMFILE)
//   - ask for ../../etc/passwd          -> resolve_target() refuses ".." (also %2e%2e): 400
//   - plant a symlink leading outside   -> the real path must lie under --root: else 404
// Each response goes out as ONE buffer (head and the first part of the body
// together) and TCP_NODELAY is set, so lesson 09's Nagle + delayed-ACK stall
// never hits a keep-alive connection. Files are read on this thread (a local
// disk is fast next to a network; a server for slow disks would use a pool).
// The parsing is in http_message.cpp; this file is sockets and files.
//
// Docs: docs/examples/http.md
#include <socklab/accept_guard.hpp>
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <fmt/chrono.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "http_message.hpp"

using namespace socklab;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Config {
  fs::path root;  // canonical
  std::size_t max_head = 8192;
  std::uint64_t max_body = 65536;
  milliseconds idle{5000}, request{10000}, send{30000};
  std::size_t max_clients = 1000;
};

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

// An error response, head and body in one string (no body for HEAD, RFC 9110 §9.3.2).
std::string error_response(int status, std::string_view why, bool keep_alive, bool head_only,
                           std::string_view extra = {}) {
  std::string body = fmt::format("{} {}: {}\n", status, http::reason_phrase(status), why);
  return response_head(status, "text/plain; charset=utf-8", body.size(), keep_alive, extra) +
         (head_only ? "" : body);
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

// The first line of what a client sent, for the log (without its "\r\n").
std::string_view request_line(std::string_view in) {
  std::string_view line = in.substr(0, in.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

struct Connection {
  enum class State { reading, sending, lingering };
  Connection(Socket s, Address p) : sock(std::move(s)), peer(std::move(p)) {}
  Socket sock;
  Address peer;
  State state = State::reading;
  std::string in;               // received, not yet used (the start of the next request)
  std::string out;              // the response being sent
  std::size_t sent = 0;         // bytes of `out` already sent
  std::ifstream file;           // the rest of a body too big for one buffer
  std::uint64_t file_left = 0;  // bytes of it still to read
  bool close_after = false;     // close once the response is out
  bool started = false;         // the first byte of a request has arrived
  bool gone = false;            // closed: forget it
  bool refused = false;         // answered 503 (counted in busy_, not a client)
  std::size_t drained = 0;      // bytes dropped while lingering
  Clock::time_point deadline;   // reading: idle or whole-request; sending: whole response
};

class HttpServer {
 public:
  explicit HttpServer(Config cfg) : cfg_(std::move(cfg)) {}
  void run(Socket& listener, std::size_t exit_after);

 private:
  void accept_all(Socket& listener);
  void read_from(Connection& c);
  void next_request(Connection& c);
  void respond(Connection& c, const http::Request& req);
  void start_sending(Connection& c, std::string bytes, bool close_after);
  void fail(Connection& c, int status, std::string_view why, std::string_view what);
  void flush(Connection& c);
  void expire(Connection& c, Clock::time_point now);

  Config cfg_;
  std::vector<Connection> conns_;
  std::vector<PollFd> fds_;
  std::array<char, 64 * 1024> chunk_;
  AcceptGuard guard_;
  Clock::time_point accept_paused_until_{};
  std::size_t accepted_ = 0, exit_after_ = 0;
  std::size_t busy_ = 0;  // connections being refused with 503 (they linger, briefly)
};

void HttpServer::start_sending(Connection& c, std::string bytes, bool close_after) {
  c.out = std::move(bytes);
  c.sent = 0;
  c.close_after = close_after;
  c.state = Connection::State::sending;
  c.deadline = Clock::now() + cfg_.send;
  flush(c);  // most responses fit the socket's buffer: out in this one send()
}

// An error: log it (the request line escaped, RFC 9112 §3), answer, close.
void HttpServer::fail(Connection& c, int status, std::string_view why, std::string_view what) {
  const bool head_only = c.in.starts_with("HEAD ");
  cli::say("{} \"{}\" {} ({})", c.peer.to_string(), printable(what, 100), status, why);
  start_sending(c, error_response(status, why, false, head_only), true);
}

void HttpServer::respond(Connection& c, const http::Request& req) {
  int status = 200;
  std::uint64_t length = 0;
  const bool head_only = req.method == "HEAD";
  std::string response;
  if (req.method != "GET" && req.method != "HEAD") {
    status = 405;
    response =
        error_response(405, "only GET and HEAD", req.keep_alive, false, "Allow: GET, HEAD\r\n");
  } else if (http::Target t = http::resolve_target(req.target); t.status != 0) {
    status = t.status;
    response = error_response(status, t.error, req.keep_alive, head_only);
  } else if (auto file = find_file(cfg_, t.path); !file) {
    status = 404;
    response = error_response(404, "no such file", req.keep_alive, head_only);
  } else {
    std::error_code ec;
    c.file = std::ifstream(*file, std::ios::binary);
    length = fs::file_size(*file, ec);
    if (!c.file || ec) {
      status = 500;
      response = error_response(500, "cannot read the file", false, head_only);
    } else {
      response = response_head(200, http::content_type_for(file->filename().string()), length,
                               req.keep_alive);
      c.file_left = head_only ? 0 : length;  // flush() appends the body, a chunk at a time
    }
  }
  cli::say("{} \"{} {} HTTP/1.{}\" {} {}", c.peer.to_string(), req.method,
           printable(req.target, 200), req.minor_version, status, length);
  start_sending(c, std::move(response), !req.keep_alive || status == 500);
}

// The next complete request in c.in, if there is one; else wait for more bytes.
void HttpServer::next_request(Connection& c) {
  // RFC 9112 §2.2: ignore empty lines before a request (robustness for old clients).
  if (!c.started) {
    const std::size_t skip = c.in.find_first_not_of("\r\n");
    c.in.erase(0, skip == std::string::npos ? c.in.size() : skip);
  }
  if (c.in.empty()) return;
  if (!c.started) {  // a request begins: from now on it has --request-ms to arrive whole
    c.started = true;
    c.deadline = Clock::now() + cfg_.request;
  }
  const std::size_t end = http::find_head_end(c.in);
  if (end == std::string::npos || end > cfg_.max_head) {
    if (c.in.size() > cfg_.max_head || end != std::string::npos)
      fail(c, 431, "the request head is too long", request_line(c.in));
    return;
  }
  http::ParsedRequest parsed = http::parse_request(std::string_view(c.in).substr(0, end));
  if (!parsed.request) return fail(c, parsed.status, parsed.error, request_line(c.in));
  const http::Request& req = *parsed.request;
  if (req.content_length > cfg_.max_body)
    return fail(c, 413, fmt::format("at most {} bytes of body", cfg_.max_body), request_line(c.in));
  if (c.in.size() - end < req.content_length) return;  // the body is still coming
  // GET and HEAD have no body, but a client may send one: skipped.
  http::Request request = req;
  c.in.erase(0, end + req.content_length);  // what is left is the next request
  c.started = false;
  respond(c, request);
}

void HttpServer::read_from(Connection& c) {
  // Never buffer more than one request can be: head + body. Bounded per client.
  const std::size_t cap = cfg_.max_head + static_cast<std::size_t>(cfg_.max_body) + 1;
  const std::size_t room = std::min(chunk_.size(), cap > c.in.size() ? cap - c.in.size() : 1);
  std::error_code ec;
  Received got = c.sock.recv(std::span<char>(chunk_.data(), room), ec);
  if (ec == std::errc::operation_would_block) return;
  if (ec || got.eof) {  // closed or reset: nothing to answer
    c.gone = true;
    return;
  }
  c.in.append(chunk_.data(), got.bytes);
  next_request(c);
}

// send() what the kernel takes now; POLLOUT brings us back for the rest.
void HttpServer::flush(Connection& c) {
  for (;;) {
    // The body goes into the same buffer as the head: one send() for a small
    // response, and never a head alone in its own segment (lesson 09).
    if (c.file_left > 0 && c.out.size() - c.sent < chunk_.size()) {
      c.out.erase(0, c.sent);
      c.sent = 0;
      const std::size_t before = c.out.size();
      c.out.resize(before + static_cast<std::size_t>(std::min<std::uint64_t>(
                                chunk_.size() - before % chunk_.size(), c.file_left)));
      c.file.read(c.out.data() + before, static_cast<std::streamsize>(c.out.size() - before));
      const auto n = static_cast<std::size_t>(c.file.gcount());
      c.out.resize(before + n);
      if (n == 0) {  // the file shrank: the client sees a short body and a close
        c.gone = true;
        return;
      }
      c.file_left -= n;
    }
    if (c.sent == c.out.size()) break;
    std::error_code ec;
    const std::size_t n = c.sock.send(std::string_view(c.out).substr(c.sent), ec);
    if (ec == std::errc::operation_would_block) return;
    if (ec) {  // reset, broken pipe (no SIGPIPE: the layer sends with MSG_NOSIGNAL)
      c.gone = true;
      return;
    }
    c.sent += n;
  }
  c.out.clear();
  c.sent = 0;
  c.file = std::ifstream();
  if (c.close_after) {
    // Closing while the client may still be sending (a body we refused, the rest
    // of a long head): close() with unread bytes makes the kernel send RST, and
    // the client may lose our response with it (lesson 10). So shutdown(SHUT_WR)
    // and read and drop what still comes, for at most a second, in the loop —
    // never blocking anyone (RFC 9112 §9.6: a lingering close).
    std::error_code ec;
    c.sock.shutdown(Shutdown::write, ec);
    c.state = Connection::State::lingering;
    c.deadline = Clock::now() + milliseconds(1000);
    return;
  }
  c.state = Connection::State::reading;
  c.deadline = Clock::now() + cfg_.idle;
  next_request(c);  // a pipelined request may be waiting already
}

void HttpServer::expire(Connection& c, Clock::time_point now) {
  if (c.gone || now < c.deadline) return;
  if (c.state == Connection::State::reading && c.started)
    return fail(c, 408, "the request did not arrive in time", request_line(c.in));
  c.gone = true;  // idle, too slow to read its response, or done lingering
}

void HttpServer::accept_all(Socket& listener) {
  for (;;) {
    std::error_code ec;
    Accepted a = guard_.accept(listener, ec);
    if (auto line = guard_.report()) cli::say("{}", *line);
    if (ec == std::errc::operation_would_block) return;
    if (ec) {
      if (guard_.pause() > milliseconds(0)) {  // out of descriptors: back off, don't spin
        accept_paused_until_ = Clock::now() + guard_.pause();
        return;
      }
      if (is_resource_shortage(ec)) continue;  // one waiting client was shed: next
      return;                                  // anything else: try again next turn
    }
    ++accepted_;
    a.socket.set_non_blocking(true, ec);
    if (!ec) a.socket.set_no_delay(true, ec);
    if (ec) continue;  // the socket closes; nothing here throws
    conns_.emplace_back(std::move(a.socket), a.peer);
    Connection& c = conns_.back();
    c.deadline = Clock::now() + cfg_.idle;
    if (conns_.size() - busy_ > cfg_.max_clients) {  // full: say so now, without waiting
      ++busy_;
      c.refused = true;
      start_sending(c, error_response(503, "too many connections, try again later", false, false),
                    true);
      c.deadline = Clock::now() + milliseconds(1000);
    }
    if (exit_after_ != 0 && accepted_ >= exit_after_) return;
  }
}

void HttpServer::run(Socket& listener, std::size_t exit_after) {
  exit_after_ = exit_after;
  for (;;) {
    const auto now = Clock::now();
    const bool accepting = (exit_after_ == 0 || accepted_ < exit_after_);
    if (!accepting && conns_.empty()) return;
    // 1. What we want from each socket, and the nearest deadline.
    fds_.clear();
    const bool listen_now = accepting && now >= accept_paused_until_;
    fds_.push_back({listen_now ? listener.native_handle() : Socket::invalid_handle, Events::in});
    auto wake = listen_now ? now + std::chrono::hours(1) : accept_paused_until_;
    for (const Connection& c : conns_) {
      const Events want =
          c.state == Connection::State::sending ? Events::out : Events::in;  // lingering: in
      fds_.push_back({c.sock.native_handle(), want});
      wake = std::min(wake, c.deadline);
    }
    // 2. Wait, at most until the nearest deadline.
    const auto wait = std::chrono::duration_cast<milliseconds>(wake - now) + milliseconds(1);
    std::error_code ec;
    poll(fds_, std::clamp(wait, milliseconds(0), milliseconds(60000)), ec);
    if (ec) continue;  // EINTR

    // 3. Serve what poll() reported; then the deadlines; then new clients.
    const std::size_t n = conns_.size();
    for (std::size_t i = 0; i < n; ++i) {
      Connection& c = conns_[i];
      const Events ev = fds_[i + 1].revents;
      if (has(ev, Events::in | Events::out | Events::error | Events::hangup)) {
        if (c.state == Connection::State::reading) {
          read_from(c);
        } else if (c.state == Connection::State::sending) {
          flush(c);
        } else {  // lingering: drop what comes, until EOF or 1 MiB
          Received got = c.sock.recv(chunk_, ec);
          c.drained += got.bytes;
          if ((ec && ec != std::errc::operation_would_block) || got.eof || c.drained > (1u << 20))
            c.gone = true;
        }
      }
      expire(c, Clock::now());
    }
    for (const Connection& c : conns_)
      if (c.gone && c.refused) --busy_;
    std::erase_if(conns_, [](const Connection& c) { return c.gone; });
    if (has(fds_[0].revents, Events::in)) accept_all(listener);
  }
}

int main(int argc, char** argv) {
  cli::Parser args("http_server", "Example: a small HTTP/1.1 file server (GET, HEAD).");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "8080", "TCP port; 0 lets the kernel pick a free one")
      .option("--root", "DIR", ".", "the directory to serve")
      .option("--max-clients", "N", "1000", "connections served at once (more get 503)")
      .option("--max-head", "BYTES", "8192", "longest request head, at most 1048576 (more: 431)")
      .option("--max-body", "BYTES", "65536", "longest request body, at most 1048576 (more: 413)")
      .option("--idle-ms", "MS", "5000", "close a connection idle this long between requests")
      .option("--request-ms", "MS", "10000", "a whole request must arrive within this (else 408)")
      .option("--send-ms", "MS", "30000", "a whole response must be taken within this (else close)")
      .option("--exit-after", "N", "0", "exit after N connections have been served (0 = never)");

  return cli::run(argc, argv, args, [&] {
    Config cfg;
    std::error_code ec;
    cfg.root = fs::canonical(args.get("--root"), ec);
    if (ec || !fs::is_directory(cfg.root))
      throw cli::UsageError(fmt::format("--root {}: not a directory", args.get("--root")));
    cfg.max_head = static_cast<std::size_t>(args.integer("--max-head", 64, 1 << 20));
    cfg.max_body = static_cast<std::uint64_t>(args.integer("--max-body", 0, 1 << 20));
    cfg.idle = args.milliseconds("--idle-ms");
    cfg.request = args.milliseconds("--request-ms");
    cfg.send = args.milliseconds("--send-ms");
    cfg.max_clients = static_cast<std::size_t>(args.integer("--max-clients", 1, 100000));
    const auto exit_after = static_cast<std::size_t>(args.integer("--exit-after", 0, 1LL << 40));

    // --host may name several addresses (lesson 04): bind to the first that works.
    Socket listener = cli::bind_first(args.get("--host"), args.port());
    listener.listen(511);
    listener.set_non_blocking(true);
    // Each connection is a descriptor; a file being sent is one more.
    raise_open_file_limit(2 * cfg.max_clients + 64);
    const std::string root = cfg.root.string();
    HttpServer server(std::move(cfg));  // (its spare descriptor is open before we say "listening")
    cli::say_listening(listener);
    cli::say("serving {}", root);
    server.run(listener, exit_after);
    return 0;
  });
}
