// socklab/io.hpp — robust I/O beside the thin calls (never instead of them).
//
// TCP is a byte stream: one send() may arrive as several recv()s and several
// send()s as one recv(); send() may take fewer bytes than asked. These helpers
// loop so that you don't have to — read them once, they are short. A call
// interrupted by a signal (std::errc::interrupted, EINTR) is simply made again;
// after any other error what was already received stays buffered.
//
// The system calls behind each member, per platform: docs/layer.md.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "socklab/socket.hpp"

namespace socklab {

/// Calls send() until every byte of `data` is sent (Python's sendall()).
void send_all(Socket& sock, std::string_view data);
/// Returns how many bytes were sent before an error (all of them on success).
std::size_t send_all(Socket& sock, std::string_view data, std::error_code& ec) noexcept;

/// Calls recv() until `buffer` is full. If the peer closes first it fails with
/// socklab::errc::unexpected_eof; the error_code form returns the bytes it got.
void recv_exact(Socket& sock, std::span<char> buffer);
std::size_t recv_exact(Socket& sock, std::span<char> buffer, std::error_code& ec) noexcept;

/// Reads '\n'-terminated lines from one connection, however the bytes arrive.
///
/// One LineReader per connection: it keeps the bytes after a line for the next
/// call. A line longer than max_line is an error (socklab::errc::line_too_long),
/// so a client that never sends '\n' cannot make the reader eat all memory.
class LineReader {
 public:
  explicit LineReader(Socket& sock, std::size_t max_line = 64 * 1024);

  /// The next line without its "\n" (and without a "\r" before it).
  /// std::nullopt when the peer has closed and no bytes are left. A last line
  /// without '\n' before EOF is returned as a line.
  std::optional<std::string> read_line();
  std::optional<std::string> read_line(std::error_code& ec);

  /// Bytes received but not yet returned as a line.
  std::string_view buffered() const noexcept { return buffer_; }
  std::size_t max_line() const noexcept { return max_line_; }

 private:
  Socket* sock_;
  std::size_t max_line_;
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace socklab
