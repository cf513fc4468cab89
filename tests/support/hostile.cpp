// hostile.cpp — the misbehaving clients of hostile.hpp, built on the layer only
// (no platform calls), so they run wherever the layer does.
#include "support/hostile.hpp"

#include <array>
#include <atomic>
#include <csignal>

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
  draining_ = true;
  drain_ = std::thread([this] {
    while (draining_) {
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
      std::lock_guard lock(program_mutex_);
      now = program_->open_descriptors();
    }
    if (now == start_fds_) return ::testing::AssertionSuccess();
    if (!now || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(5ms);  // polling a count, not waiting for an event
  }
  return ::testing::AssertionFailure()
         << target_.program << " has " << (now ? std::to_string(*now) : "an unknown number of")
         << " descriptors open, " << *start_fds_ << " when it started: a leak";
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
  sock_ = connect_to(server, ec);
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
