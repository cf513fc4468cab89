// socklab/frame.hpp — length-prefixed messages on a TCP byte stream.
//
// TCP keeps no message boundaries, so a protocol must mark them. LineReader
// (io.hpp) ends each message with '\n'; this header puts the length in front:
//
//   +--------+--------+--------+--------+---------------------------+
//   |  length, 4 bytes, big-endian (network byte order)  |  payload, length bytes  |
//   +--------+--------+--------+--------+---------------------------+
//
//   send_frame(sock, "hello");          // 00 00 00 05 'h' 'e' 'l' 'l' 'o'
//   FrameReader frames(sock);           // one per connection
//   while (auto msg = frames.read_frame()) use(*msg);   // nullopt: the peer closed
//
// A length prefix lets a payload hold any bytes (also '\n'), but it also lets a
// peer claim a size: a reader that trusted "4 GiB" would try to allocate it. So
// FrameReader has a maximum frame size, and a larger claim is an error
// (socklab::errc::frame_too_large) found from the 4 header bytes alone — the
// buffer only ever grows by the bytes that really arrived.
//
// Portable code on top of Socket::recv() and send_all(): no system calls of its own.
//
// The system calls behind each member, per platform: docs/layer.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "socklab/socket.hpp"

namespace socklab {

/// Bytes of the length header in front of every frame.
inline constexpr std::size_t frame_header_size = 4;
/// The largest length the 4-byte header can carry.
inline constexpr std::size_t frame_length_limit = 0xFFFFFFFFu;

/// The 4-byte big-endian header for a payload of `length` bytes.
std::array<char, frame_header_size> encode_frame_header(std::uint32_t length) noexcept;
/// Reads the length back from a header.
std::uint32_t decode_frame_header(const std::array<char, frame_header_size>& header) noexcept;

/// Sends one frame (header + payload) with a single send_all(), so the header
/// does not travel alone in a tiny segment (lesson 09: Nagle and delayed ACK).
/// A payload longer than frame_length_limit fails with errc::frame_too_large.
void send_frame(Socket& sock, std::string_view payload);
/// Returns the bytes sent (header included) before an error.
std::size_t send_frame(Socket& sock, std::string_view payload, std::error_code& ec);

/// Reads length-prefixed frames from one connection, however the bytes arrive
/// (a header split over two recv()s, several frames in one recv(), ...).
///
/// One FrameReader per connection: it keeps the bytes after a frame for the
/// next call. After frame_too_large or unexpected_eof the stream's framing is
/// lost: close the connection. After a timeout (SO_RCVTIMEO) or would_block
/// (a non-blocking socket) call again: the bytes received so far are kept.
class FrameReader {
 public:
  explicit FrameReader(Socket& sock, std::size_t max_frame = 1024 * 1024);

  /// The next frame's payload (possibly empty: a zero-length frame is legal).
  /// std::nullopt when the peer closed between two frames (a clean end).
  /// Errors: errc::frame_too_large (the header claims more than max_frame),
  /// errc::unexpected_eof (the peer closed in the middle of a frame), and the
  /// errors of recv().
  std::optional<std::string> read_frame();
  std::optional<std::string> read_frame(std::error_code& ec);

  /// Bytes received but not yet returned as a frame.
  std::string_view buffered() const noexcept { return buffer_; }
  std::size_t max_frame() const noexcept { return max_frame_; }

 private:
  // Reads once more from the socket into buffer_; false at EOF or on error.
  bool fill(std::error_code& ec);

  Socket* sock_;
  std::size_t max_frame_;
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace socklab
