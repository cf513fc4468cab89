// chat_protocol.hpp — the pure parts of the chat example: splitting bytes into
// lines, reading a command from a line, nicknames, and the bounded queue of
// bytes waiting to go to one client. No sockets here: each part can be tested
// (and fuzzed) alone, and the server stays about the event loop.
//
// The protocol is lines of text ("\n", a "\r" before it is dropped), so `nc`
// is a complete client:
//   server: "* welcome to socklab chat; your nickname?"
//   client: "alice"                    the first line is the nickname
//   client: "hello"                    everyone else gets "<alice> hello"
//   client: "/who"  "/nick NEW"  "/quit"
//   server: "* ..." lines are notices (joined, left, errors)
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace chat {

/// What a line from a client asks for.
struct Command {
  enum Kind { message, who, nick, quit, unknown, empty } kind = empty;
  std::string text;  ///< message: the text; nick: the new name; unknown: the command word
};

/// Reads one line (without its "\n"): "/who", "/nick bob", "/quit", or a message.
/// A line starting with "//" is a message that starts with "/".
Command parse_line(std::string_view line);

/// 1..16 characters of A-Z a-z 0-9 _ -.
bool valid_nickname(std::string_view name) noexcept;
inline constexpr std::size_t max_nickname = 16;

/// Splits a byte stream into lines, however the bytes arrive (the non-blocking
/// cousin of socklab::LineReader: append() what recv() gave, then take lines).
class LineBuffer {
 public:
  explicit LineBuffer(std::size_t max_line) : max_line_(max_line) {}
  void append(std::string_view bytes) { buffer_.append(bytes); }
  /// The next complete line without "\n" (and "\r"), or nullopt if none is complete.
  std::optional<std::string> next_line();
  /// True when the bytes after the last complete line are more than max_line:
  /// the client is sending a line that never ends. Close it.
  bool overflowed() const noexcept;

 private:
  std::size_t max_line_;
  std::string buffer_;
  std::size_t start_ = 0;  // where the next line begins in buffer_
};

/// The bytes waiting to be sent to one client, with a limit. A client that does
/// not read lets its queue grow; at the limit push() refuses, and the server
/// disconnects that client instead of buffering without end (or blocking).
class Outbox {
 public:
  explicit Outbox(std::size_t limit) : limit_(limit) {}
  /// Queues `bytes`; false (and nothing queued) if that would pass the limit.
  bool push(std::string_view bytes);
  /// Drops everything queued and queues `last` (ignoring the limit): the goodbye.
  /// A line already partly sent is completed first (lines are pushed whole).
  void replace_with(std::string_view last);
  std::string_view pending() const noexcept { return std::string_view(queue_).substr(sent_); }
  /// `n` bytes of pending() have been sent.
  void consume(std::size_t n) noexcept;
  bool empty() const noexcept { return sent_ == queue_.size(); }
  std::size_t size() const noexcept { return queue_.size() - sent_; }

 private:
  std::size_t limit_;
  std::string queue_;
  std::size_t sent_ = 0;   // bytes at the front already sent (erased in bulk, not per send)
  bool mid_line_ = false;  // the last byte sent was not a '\n': a line is half out
};

}  // namespace chat
