// hostile.cpp — the misbehaving clients of hostile.hpp, built on the layer only
// (no platform calls), so they run wherever the layer does.
#include "support/hostile.hpp"

#include <array>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "socklab/error.hpp"
#include "socklab/io.hpp"

namespace socklab::test::hostile {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds left_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left < 1ms ? 1ms : left;
}

// Bytes as a C-like string literal, shortened: for failure messages.
std::string printable(std::string_view s, std::size_t max = 80) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      constexpr const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (s.size() > max) out += "... (" + std::to_string(s.size()) + " bytes)";
  return out;
}

// A connected TCP socket whose connect() can't hang: SO_SNDTIMEO bounds connect()
// on Linux, and the caller's timeouts bound everything after it.
Socket connect_to(const Address& server, std::error_code& ec) {
  Socket s = Socket::tcp(server.family(), ec);
  if (ec) return s;
  s.set_send_timeout(5s, ec);
  if (!ec) s.connect(server, ec);
  return s;
}

// A sanitizer, UBSan or valgrind report in a program's stderr.
bool has_checker_report(const std::string& err) {
  if (err.find("Sanitizer") != std::string::npos || err.find("runtime error:") != std::string::npos)
    return true;
  // valgrind: "==1234== Invalid read of size 4"
  for (std::size_t at = err.find("=="); at != std::string::npos; at = err.find("==", at + 2)) {
    std::size_t end = err.find_first_not_of("0123456789", at + 2);
    if (end != std::string::npos && end > at + 2 && err.compare(end, 3, "== ") == 0) return true;
  }
  return false;
}

}  // namespace

// --- Server ----------------------------------------------------------------------------

void PrintTo(const Target& target, std::ostream* os) {
  *os << target.name;
}

Server::Server(const Target& target) : target_(target) {
  std::vector<std::string> args{"--port", "0"};
  args.insert(args.end(), target_.args.begin(), target_.args.end());
  program_ = Program::start(target_.program, args);
  address_ = program_->listening_address(30s);  // valgrind takes its time to start
  if (!started()) return;
  start_fds_ = program_->open_descriptors();
  start_draining();
}

Server::Server(const Target& target, int nofile) : target_(target) {
  auto sh = find_on_path("sh");
  if (!sh) {
    ADD_FAILURE() << "no sh on PATH to set RLIMIT_NOFILE with";
    return;
  }
  // "$0" is the program, "$@" its arguments: no quoting of paths needed.
  std::vector<std::string> args{
      "-c", "echo pid $$; ulimit -n " + std::to_string(nofile) + " && exec \"$0\" \"$@\"",
      program_path(target_.program), "--port", "0"};
  args.insert(args.end(), target_.args.begin(), target_.args.end());
  program_ = Program::start_path(*sh, args);
  auto first = program_->read_line(30s);
  if (!first || first->rfind("pid ", 0) != 0) {
    ADD_FAILURE() << "sh did not print its pid: " << first.value_or("(nothing)");
    return;
  }
  pid_ = std::stoi(first->substr(4));
  address_ = program_->listening_address(30s);
  if (!started()) return;
  start_fds_ = program_->open_descriptors();
  start_draining();
}

void Server::start_draining() {
  draining_ = true;
  drain_ = std::thread([this] {
    while (draining_) {
      if (program_wanted_ > 0) {  // a test call waits for program_: at most one read
        std::this_thread::yield();
        continue;
      }
      std::lock_guard lock(program_mutex_);
      program_->read_line(20ms);  // the lines themselves are not needed
    }
  });
}

Server::~Server() {
  stop_draining();
}

void Server::stop_draining() {
  draining_ = false;
  if (drain_.joinable()) drain_.join();
}

Server::Client::Client(const Server& server, std::string message)
    : target_(&server.target()), message_(std::move(message)) {
  std::error_code ec;
  sock_ = connect_to(server.address(), ec);
  if (!ec) send_all(sock_, target_->encode(message_), ec);
  if (ec) error_ = ec.message();
}

::testing::AssertionResult Server::Client::reply(std::chrono::milliseconds timeout) {
  if (!error_.empty())
    return ::testing::AssertionFailure() << "the client could not connect and send: " << error_;
  auto deadline = Clock::now() + timeout;
  std::array<char, 64 * 1024> buffer;
  for (;;) {
    switch (target_->check(received_, message_)) {
      case Reply::complete:
        return ::testing::AssertionSuccess();
      case Reply::wrong:
        return ::testing::AssertionFailure() << "wrong reply to \"" << printable(message_)
                                             << "\": \"" << printable(received_) << "\"";
      case Reply::incomplete:
        break;
    }
    if (Clock::now() >= deadline)
      return ::testing::AssertionFailure()
             << "no complete reply to \"" << printable(message_) << "\" within " << timeout.count()
             << " ms; got \"" << printable(received_) << "\"";
    std::error_code ec;
    sock_.set_recv_timeout(left_until(deadline), ec);
    Received got = sock_.recv(buffer, ec);
    if (ec == std::errc::timed_out) continue;
    if (ec)
      return ::testing::AssertionFailure() << "recv failed waiting for the reply: " << ec.message();
    if (got.eof)
      return ::testing::AssertionFailure()
             << "the server closed the connection before the whole reply; got \""
             << printable(received_) << "\"";
    received_.append(buffer.data(), got.bytes);
  }
}

::testing::AssertionResult Server::exchange(std::string message,
                                            std::chrono::milliseconds timeout) const {
  Client c(*this, std::move(message));
  return c.reply(timeout);
}

::testing::AssertionResult Server::descriptors_back_to_start(std::chrono::milliseconds timeout) {
  if (!start_fds_) return ::testing::AssertionSuccess() << "(descriptor count not available)";
  // The server closes a connection after it has seen our FIN: that happens in
  // another process, at its own pace. Poll its descriptor table, bounded.
  auto deadline = Clock::now() + timeout;
  std::optional<int> now;
  for (;;) {
    {
      auto lock = lock_program();
      now = program_->open_descriptors();
    }
    if (now == start_fds_) return ::testing::AssertionSuccess();
    if (!now || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(5ms);  // polling a count, not waiting for an event
  }
  std::string open;  // what they are, where the PID is known (/proc/PID/fd/N -> socket:[...])
  if (pid_ > 0) {
    std::error_code ec;
    for (const auto& e :
         std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/fd", ec))
      open += " " + e.path().filename().string() + "->" +
              std::filesystem::read_symlink(e.path(), ec).string();
  }
  return ::testing::AssertionFailure()
         << target_.program << " has " << (now ? std::to_string(*now) : "an unknown number of")
         << " descriptors open, " << *start_fds_ << " when it started: a leak" << open;
}

std::optional<double> Server::cpu_seconds() const {
  if (pid_ <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  // "PID (comm) S ppid ...": the name may hold spaces, so count from the last ')'.
  const std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return std::nullopt;  // no such process, or no /proc
  std::istringstream fields(stat.substr(paren + 2));
  std::vector<std::string> f{std::istream_iterator<std::string>(fields), {}};
  if (f.size() < 13) return std::nullopt;
  // Fields 14 and 15 of proc(5), utime and stime, in clock ticks: USER_HZ,
  // which Linux fixes at 100 for /proc on every architecture.
  return (std::stod(f[11]) + std::stod(f[12])) / 100.0;
}

std::unique_lock<std::mutex> Server::lock_program() {
  ++program_wanted_;
  std::unique_lock lock(program_mutex_);
  --program_wanted_;
  return lock;
}

std::size_t Server::output_bytes() {
  auto lock = lock_program();
  return program_->stdout_text().size() + program_->stderr_text().size();
}

::testing::AssertionResult Server::serves_again(std::chrono::milliseconds within) {
  const auto deadline = Clock::now() + within;
  ::testing::AssertionResult last = ::testing::AssertionFailure() << "no attempt";
  while (Clock::now() < deadline) {
    last = exchange("back again?", left_until(deadline));
    if (last) return last;
    std::this_thread::sleep_for(20ms);  // retrying a client, bounded by `within`
  }
  return ::testing::AssertionFailure()
         << "not served again within " << within.count() << " ms: " << last.message();
}

::testing::AssertionResult Server::stop_cleanly() {
  stop_draining();
  Exit e = program_->stop();
  const std::string& err = program_->stderr_text();
  if (has_checker_report(err))
    return ::testing::AssertionFailure() << target_.program << " reported:\n" << err;
  if (e.timed_out)
    return ::testing::AssertionFailure() << target_.program << " did not stop when asked";
  if (e.signal != 0 && e.signal != SIGTERM)
    return ::testing::AssertionFailure()
           << target_.program << " died of signal " << e.signal << "; stderr:\n"
           << err;
  return ::testing::AssertionSuccess();
}

// --- attacks ---------------------------------------------------------------------------

void disconnect_mid_message(const Address& server, std::string_view partial) {
  std::error_code ec;
  Socket s = connect_to(server, ec);
  if (!ec) send_all(s, partial, ec);
  s.close(ec);  // FIN in the middle of a message
}

void reset_mid_message(const Address& server, std::string_view partial) {
  std::error_code ec;
  Socket s = connect_to(server, ec);
  if (!ec) send_all(s, partial, ec);
  s.set_linger(std::chrono::seconds(0), ec);  // abortive close: RST, not FIN
  s.close(ec);
}

NeverReads::NeverReads(const Address& server, const std::string& unit, std::size_t cap,
                       std::chrono::milliseconds stall) {
  std::error_code ec;
  // Small buffers on our side, set before connect() (the window scale is agreed in
  // the handshake): the replies fill our receive buffer after a few KiB instead of
  // megabytes, so the server's send() blocks, and its reading stops, after about
  // its own buffers' worth. Under `make test-faults` every send() moves one byte:
  // with the default buffers this client sent 4 MiB, one byte per call (25 s).
  sock_ = Socket::tcp(server.family(), ec);
  if (ec) return;
  sock_.set_recv_buffer_size(4096, ec);
  if (!ec) sock_.set_send_buffer_size(4096, ec);
  if (!ec) sock_.set_send_timeout(5s, ec);
  if (!ec) sock_.connect(server, ec);
  if (ec) return;
  // A blocking send that moves nothing for `stall` fails with timed_out:
  // then the server has stopped reading, because we never read its replies.
  sock_.set_send_timeout(stall, ec);
  std::string chunk;
  while (chunk.size() < 64 * 1024) chunk += unit;  // whole messages: the server must serve them
  std::size_t offset = 0;                          // where the next send starts in `chunk`
  while (!ec && sent_ < cap) {
    std::size_t n = sock_.send(std::string_view(chunk).substr(offset), ec);
    if (ec == std::errc::timed_out) stalled_ = true;
    sent_ += n;
    offset = (offset + n) % chunk.size();
  }
}

NeverReads::~NeverReads() {
  leave();
}

void NeverReads::leave() {
  if (!sock_.is_open()) return;
  std::error_code ec;
  sock_.set_linger(std::chrono::seconds(0), ec);
  sock_.close(ec);
}

IdleCrowd::IdleCrowd(const Address& server, int count, std::string_view partial) {
  for (int i = 0; i < count; ++i) {
    std::error_code ec;
    Socket s = connect_to(server, ec);
    if (ec) break;
    if (i % 2 == 1) send_all(s, partial, ec);  // says half a thing, then nothing
    socks_.push_back(std::move(s));
  }
}

int IdleCrowd::closed_by_server() {
  int closed = 0;
  std::array<char, 4096> sink;
  for (Socket& s : socks_) {
    std::error_code ec;
    s.set_non_blocking(true, ec);
    Received got;
    while (!ec && !(got = s.recv(sink, ec)).eof) {
    }
    if (got.eof || (ec && !is_would_block(ec))) ++closed;
  }
  return closed;
}

void IdleCrowd::leave() {
  socks_.clear();
}

Overlong send_overlong(const Address& server, std::size_t bytes, bool expect_close,
                       std::chrono::milliseconds timeout) {
  Overlong out;
  std::error_code ec;
  Socket s = connect_to(server, ec);
  if (ec) return out;
  auto deadline = Clock::now() + timeout;
  std::atomic<bool> closed{false}, stop{false};
  // Read and drop the replies meanwhile: an echo server answers as it reads,
  // and must not block because of us.
  std::thread reader([&] {
    std::array<char, 64 * 1024> sink;
    std::error_code rec;
    s.set_recv_timeout(50ms, rec);
    while (!stop && Clock::now() < deadline) {
      Received r = s.recv(sink, rec);
      if (rec == std::errc::timed_out) continue;
      if (rec || r.eof) {
        closed = true;
        return;
      }
    }
  });
  const std::string chunk(64 * 1024, 'x');  // no '\n', no frame end
  while (out.sent < bytes && !closed && Clock::now() < deadline) {
    s.set_send_timeout(left_until(deadline), ec);
    std::size_t n = s.send(std::string_view(chunk).substr(0, bytes - out.sent), ec);
    out.sent += n;
    if (ec) {
      if (ec != std::errc::timed_out) closed = true;  // EPIPE / ECONNRESET
      break;
    }
  }
  if (!expect_close) stop = true;  // else the reader waits for the hang-up (or the deadline)
  reader.join();
  out.closed_by_server = closed;
  return out;
}

int connect_close_cycles(const Address& server, int cycles, int group,
                         const std::function<void()>& between) {
  int done = 0;
  while (done < cycles) {
    std::vector<Socket> socks;
    for (int i = 0; i < group && done < cycles; ++i, ++done) {
      std::error_code ec;
      socks.push_back(connect_to(server, ec));
      if (ec) return done;
    }
    socks.clear();  // close them all
    if (between) between();
  }
  return done;
}

std::string binary_and_invalid_utf8() {
  std::string s;
  for (int b = 0; b < 256; ++b)
    if (b != '\n' && b != '\r') s += static_cast<char>(b);
  s += "\x80";          // a continuation byte with no lead byte
  s += "\xC0\xAF";      // an overlong encoding of '/'
  s += "\xED\xA0\x80";  // a UTF-16 surrogate, not allowed in UTF-8
  s += "\xFF\xFE";      // bytes that never occur in UTF-8
  s += "\xE4\xB8";      // the first two bytes of a three-byte character
  return s;
}

}  // namespace socklab::test::hostile

// --- the examples' protocols -----------------------------------------------------------

namespace socklab::test::hostile {

std::string empty_directory() {
  static const std::string dir = [] {
    auto d = std::filesystem::temp_directory_path() / "socklab-hostile-empty";
    std::error_code ec;
    std::filesystem::create_directories(d, ec);
    return d.string();
  }();
  return dir;
}

std::string http_request(std::string_view message) {
  std::string path;
  constexpr const char* hex = "0123456789ABCDEF";
  for (unsigned char c : message) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      path += static_cast<char>(c);
    } else {
      path += '%';
      path += hex[c >> 4];
      path += hex[c & 15];
    }
  }
  return "GET /" + path + " HTTP/1.1\r\nHost: hostile\r\n\r\n";
}

Reply http_response(std::string_view got, std::string_view) {
  constexpr std::string_view start = "HTTP/1.1 ";
  if (got.substr(0, start.size()) != start.substr(0, std::min(got.size(), start.size())))
    return Reply::wrong;
  const std::size_t end = got.find("\r\n\r\n");
  if (end == std::string_view::npos) return got.size() > 16384 ? Reply::wrong : Reply::incomplete;
  const std::string_view head = got.substr(0, end + 4);
  const std::size_t at = head.find("Content-Length: ");
  if (at == std::string_view::npos) return Reply::wrong;  // every response of ours has one
  const std::size_t length = std::stoul(std::string(head.substr(at + 16, 20)));
  const std::size_t total = head.size() + length;
  return got.size() < total    ? Reply::incomplete
         : got.size() == total ? Reply::complete
                               : Reply::wrong;
}

std::string chat_line(std::string_view message) {
  return std::string(message) + "\n";
}

Reply chat_reply(std::string_view got, std::string_view) {
  constexpr std::string_view greeting = "* welcome to socklab chat; your nickname?\n";
  if (got.size() <= greeting.size())
    return greeting.substr(0, got.size()) == got ? Reply::incomplete : Reply::wrong;
  if (got.substr(0, greeting.size()) != greeting) return Reply::wrong;
  const std::string_view answer = got.substr(greeting.size());
  if (answer[0] != '*' || (answer.size() > 1 && answer[1] != ' ')) return Reply::wrong;
  const std::size_t nl = answer.find('\n');
  if (nl == std::string_view::npos) return Reply::incomplete;
  return nl + 1 == answer.size() ? Reply::complete : Reply::wrong;
}

std::string file_header(std::string_view message) {
  const std::string name = "." + std::string(message);  // never a safe name: always refused
  std::string out;
  out += static_cast<char>((name.size() >> 8) & 0xFF);
  out += static_cast<char>(name.size() & 0xFF);
  out += name;
  out += std::string(8, '\0');  // size 0
  return out;
}

Reply file_refusal(std::string_view got, std::string_view) {
  constexpr std::string_view refused = "refused: ";
  if (got.size() < refused.size())
    return refused.substr(0, got.size()) == got ? Reply::incomplete : Reply::wrong;
  if (got.substr(0, refused.size()) != refused) return Reply::wrong;
  const std::size_t nl = got.find('\n');
  if (nl == std::string_view::npos) return Reply::incomplete;
  return nl + 1 == got.size() ? Reply::complete : Reply::wrong;
}

namespace {
std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
}  // namespace

Target http_target(std::vector<std::string> extra) {
  return {"example_http_server",
          "http_server",
          plus({"--root", empty_directory()}, extra),
          true,
          100,
          8192,
          http_request,
          http_response,
          "one thread, poll(), whole-request deadlines: no client can hold the server; a "
          "client that pipelines and never reads gets one response at a time, then TCP "
          "pushes back on it; a head past --max-head (8 KiB) gets 431 and a close."};
}

Target chat_target(std::vector<std::string> extra) {
  return {"example_chat_server",
          "chat_server",
          extra,
          true,
          100,
          4096,
          chat_line,
          chat_reply,
          "one thread, poll(): a client that never reads is dropped at --max-queue; a line "
          "past --max-line (4 KiB) ends the connection."};
}

Target file_target(std::vector<std::string> extra) {
  return {"example_recv_file",
          "recv_file",
          plus({"--dir", empty_directory()}, extra),
          true,
          12,
          265,
          file_header,
          file_refusal,
          "a thread per transfer, up to --max-transfers (16): 12 idle senders leave room for "
          "others (a 17th would be told 'busy'); a header that never completes meets "
          "--header-ms; a name length past 255 is refused at once."};
}

// --- the lesson servers ----------------------------------------------------------------

std::string as_is(std::string_view message) {
  return std::string(message);
}
std::string line(std::string_view message) {
  return std::string(message) + "\n";
}
std::string echo_line(std::string_view m) {
  return "echo: " + std::string(m) + "\n";
}

std::function<Reply(std::string_view, std::string_view)> exactly(
    std::function<std::string(std::string_view)> reply_to) {
  return [reply_to](std::string_view got, std::string_view message) {
    std::string want = reply_to(message);
    if (got == want) return Reply::complete;
    return got.size() < want.size() && want.compare(0, got.size(), got) == 0 ? Reply::incomplete
                                                                             : Reply::wrong;
  };
}

Target entry(std::string name, std::string program, std::vector<std::string> args, bool concurrent,
             int idle_clients, std::size_t max_message,
             std::function<std::string(std::string_view)> encode,
             std::function<Reply(std::string_view, std::string_view)> check, std::string promise) {
  return {std::move(name), std::move(program), std::move(args),  concurrent,        idle_clients,
          max_message,     std::move(encode),  std::move(check), std::move(promise)};
}

Target thread_server_target() {
  return entry("lesson07_thread_server", "thread_server", {}, true, 100, 65536, line,
               exactly(echo_line),
               "one thread per client: idle clients block only their own thread.");
}
Target pool_server_target() {
  return entry("lesson07_pool_server", "pool_server", {}, true, 3, 65536, line, exactly(echo_line),
               "4 workers: up to 4 clients at once. 3 idle ones leave a worker free; a 5th idle "
               "one would make others queue (that is the pool's bound, not a failure).");
}
Target poll_echo_target() {
  return entry("lesson08_poll_echo_server", "poll_echo_server", {}, true, 100, 0, as_is,
               exactly(as_is),
               "one thread, poll(): no client can block another; a client that never reads is "
               "buffered up to 1 MiB, then no longer read.");
}
Target select_echo_target() {
  return entry("lesson08_select_echo_server", "select_echo_server", {}, true, 100, 0, as_is,
               exactly(as_is), "one thread, select(): as poll_echo_server, below FD_SETSIZE.");
}

}  // namespace socklab::test::hostile
