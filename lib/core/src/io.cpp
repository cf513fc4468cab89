// io.cpp — send_all, recv_exact and LineReader: loops over the thin calls.
#include "socklab/io.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "address_text.hpp"
#include "socklab/error.hpp"

namespace socklab {
namespace {

// The peer for a message; the failed call's error stays in last_socket_error().
std::string peer_of(const Socket& sock) {
  return detail::peer_text(sock.native_handle());
}

}  // namespace

std::size_t send_all(Socket& sock, std::string_view data, std::error_code& ec) noexcept {
  std::size_t sent = 0;
  ec.clear();
  while (sent < data.size()) {
    // send() may take only part of what we hand it: keep going from where it stopped.
    std::size_t n = sock.send(data.substr(sent), ec);
    if (ec == std::errc::interrupted) continue;  // a signal came before any byte moved: again
    if (ec) break;
    sent += n;
  }
  return sent;
}

void send_all(Socket& sock, std::string_view data) {
  std::error_code ec;
  send_all(sock, data, ec);
  throw_if(ec, "send_all", peer_of(sock));
}

std::size_t recv_exact(Socket& sock, std::span<char> buffer, std::error_code& ec) noexcept {
  std::size_t got = 0;
  ec.clear();
  while (got < buffer.size()) {
    Received r = sock.recv(buffer.subspan(got), ec);
    if (ec == std::errc::interrupted) continue;
    if (ec) break;
    if (r.eof) {
      ec = errc::unexpected_eof;
      break;
    }
    got += r.bytes;
  }
  return got;
}

void recv_exact(Socket& sock, std::span<char> buffer) {
  std::error_code ec;
  recv_exact(sock, buffer, ec);
  throw_if(ec, "recv_exact", peer_of(sock));
}

LineReader::LineReader(Socket& sock, std::size_t max_line)
    : sock_(&sock), max_line_(std::max<std::size_t>(max_line, 1)) {}

std::optional<std::string> LineReader::read_line(std::error_code& ec) {
  ec.clear();
  std::size_t searched = 0;  // bytes already known to hold no '\n'
  for (;;) {
    auto nl = buffer_.find('\n', searched);
    if (nl != std::string::npos) {
      if (nl > max_line_) break;  // a complete line, but too long
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    searched = buffer_.size();
    if (buffer_.size() > max_line_) break;
    if (eof_) {
      if (buffer_.empty()) return std::nullopt;
      return std::exchange(buffer_, std::string{});  // the last line had no '\n'
    }
    std::array<char, 4096> chunk;
    // Never read more than can still make a legal line: memory stays bounded.
    std::size_t room = std::min(chunk.size(), max_line_ + 1 - buffer_.size());
    Received r = sock_->recv(std::span<char>(chunk.data(), room), ec);
    if (ec == std::errc::interrupted) continue;
    // Any other error: the bytes already buffered stay, so a caller that retries
    // (after would_block on a non-blocking socket, say) loses nothing.
    if (ec) return std::nullopt;
    if (r.eof) eof_ = true;
    buffer_.append(chunk.data(), r.bytes);
  }
  ec = errc::line_too_long;
  return std::nullopt;
}

std::optional<std::string> LineReader::read_line() {
  std::error_code ec;
  auto line = read_line(ec);
  throw_if(ec, "read_line", peer_of(*sock_));
  return line;
}

}  // namespace socklab
