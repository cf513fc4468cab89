// chat_protocol.cpp — lines, commands, nicknames, the bounded outbox.
#include "chat_protocol.hpp"

#include <algorithm>

namespace chat {

Command parse_line(std::string_view line) {
  if (line.empty()) return {Command::empty, {}};
  if (line.front() != '/') return {Command::message, std::string(line)};
  if (line.size() >= 2 && line[1] == '/') return {Command::message, std::string(line.substr(1))};
  const std::size_t space = line.find(' ');
  const std::string_view word = line.substr(0, space);
  std::string_view rest = space == std::string_view::npos ? "" : line.substr(space + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  if (word == "/who") return {Command::who, {}};
  if (word == "/quit") return {Command::quit, {}};
  if (word == "/nick") return {Command::nick, std::string(rest)};
  return {Command::unknown, std::string(word)};
}

bool valid_nickname(std::string_view name) noexcept {
  if (name.empty() || name.size() > max_nickname) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::optional<std::string> LineBuffer::next_line() {
  const std::size_t nl = buffer_.find('\n', start_);
  if (nl == std::string::npos) {
    // Compact now and then, so a long-lived connection does not keep old lines.
    if (start_ > 0 && start_ >= buffer_.size() / 2) {
      buffer_.erase(0, start_);
      start_ = 0;
    }
    return std::nullopt;
  }
  std::size_t end = nl;
  if (end > start_ && buffer_[end - 1] == '\r') --end;
  std::string line = buffer_.substr(start_, end - start_);
  start_ = nl + 1;
  if (line.size() > max_line_) line.resize(max_line_);  // a complete but long line: cut it
  return line;
}

bool LineBuffer::overflowed() const noexcept {
  return buffer_.size() - start_ > max_line_ && buffer_.find('\n', start_) == std::string::npos;
}

bool Outbox::push(std::string_view bytes) {
  if (size() + bytes.size() > limit_) return false;
  if (sent_ > 0 && sent_ >= queue_.size() / 2) {  // drop what was sent, in bulk
    queue_.erase(0, sent_);
    sent_ = 0;
  }
  queue_.append(bytes);
  return true;
}

void Outbox::replace_with(std::string_view last) {
  // A line the kernel has taken a part of is finished first: the client must
  // never see half a line glued to the goodbye.
  std::string keep;
  if (mid_line_) {
    const std::string_view rest = pending();
    keep.assign(rest.substr(
        0, rest.find('\n') == std::string_view::npos ? rest.size() : rest.find('\n') + 1));
  }
  queue_ = keep + std::string(last);
  sent_ = 0;
  mid_line_ = false;
}

void Outbox::consume(std::size_t n) noexcept {
  sent_ = std::min(queue_.size(), sent_ + n);
  if (n > 0) mid_line_ = queue_[sent_ - 1] != '\n';
  if (sent_ == queue_.size()) {
    queue_.clear();
    sent_ = 0;
  }
}

}  // namespace chat
