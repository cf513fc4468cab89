// frame.cpp — send_frame and FrameReader: a 4-byte big-endian length, then the payload.
#include "socklab/frame.hpp"

#include <algorithm>
#include <array>

#include "address_text.hpp"
#include "socklab/error.hpp"
#include "socklab/io.hpp"

namespace socklab {
namespace {

// The peer for a message; the failed call's error stays in last_socket_error().
std::string peer_of(const Socket& sock) {
  return detail::peer_text(sock.native_handle());
}

}  // namespace

std::array<char, frame_header_size> encode_frame_header(std::uint32_t length) noexcept {
  // Big-endian ("network byte order", RFC 1700): the most significant byte first,
  // whatever the byte order of this machine. Shifts are independent of it.
  return {static_cast<char>((length >> 24) & 0xFF), static_cast<char>((length >> 16) & 0xFF),
          static_cast<char>((length >> 8) & 0xFF), static_cast<char>(length & 0xFF)};
}

std::uint32_t decode_frame_header(const std::array<char, frame_header_size>& header) noexcept {
  std::uint32_t length = 0;
  for (char c : header) length = (length << 8) | static_cast<unsigned char>(c);
  return length;
}

std::size_t send_frame(Socket& sock, std::string_view payload, std::error_code& ec) {
  if (payload.size() > frame_length_limit) {
    ec = errc::frame_too_large;
    return 0;
  }
  auto header = encode_frame_header(static_cast<std::uint32_t>(payload.size()));
  std::string frame;
  frame.reserve(header.size() + payload.size());
  frame.append(header.data(), header.size()).append(payload);
  return send_all(sock, frame, ec);
}

void send_frame(Socket& sock, std::string_view payload) {
  std::error_code ec;
  send_frame(sock, payload, ec);
  throw_if(ec, "send_frame", peer_of(sock));
}

FrameReader::FrameReader(Socket& sock, std::size_t max_frame)
    : sock_(&sock), max_frame_(std::min(max_frame, frame_length_limit)) {}

bool FrameReader::fill(std::error_code& ec) {
  if (eof_) return false;
  // A fixed-size chunk: what we append is what arrived, never what the peer claims.
  std::array<char, 4096> chunk;
  Received r = sock_->recv(chunk, ec);
  if (ec == std::errc::interrupted) {  // a signal came before any byte moved: call again
    ec.clear();
    return true;
  }
  if (ec) return false;  // buffer_ keeps what arrived: a retry (after EAGAIN) loses nothing
  if (r.eof) {
    eof_ = true;
    return false;
  }
  buffer_.append(chunk.data(), r.bytes);
  return true;
}

std::optional<std::string> FrameReader::read_frame(std::error_code& ec) {
  ec.clear();
  // 1. The header: 4 bytes, which may arrive one at a time.
  while (buffer_.size() < frame_header_size) {
    if (fill(ec)) continue;
    if (ec) return std::nullopt;
    if (buffer_.empty()) return std::nullopt;  // EOF between frames: a clean end
    ec = errc::unexpected_eof;                 // EOF inside a header
    return std::nullopt;
  }
  std::array<char, frame_header_size> header;
  std::copy_n(buffer_.begin(), header.size(), header.begin());
  std::size_t length = decode_frame_header(header);

  // 2. Check the claim before reading (or allocating) anything for it.
  if (length > max_frame_) {
    ec = errc::frame_too_large;
    return std::nullopt;
  }

  // 3. The payload: keep reading until all `length` bytes are here.
  while (buffer_.size() < frame_header_size + length) {
    if (fill(ec)) continue;
    if (!ec) ec = errc::unexpected_eof;  // EOF inside a payload
    return std::nullopt;
  }
  std::string payload = buffer_.substr(frame_header_size, length);
  buffer_.erase(0, frame_header_size + length);  // what follows belongs to the next frame
  return payload;
}

std::optional<std::string> FrameReader::read_frame() {
  std::error_code ec;
  auto frame = read_frame(ec);
  throw_if(ec, "read_frame", peer_of(*sock_));
  return frame;
}

}  // namespace socklab
