// transfer.cpp — header, safe names, CRC-32 (zlib) and progress (see transfer.hpp).
#include "transfer.hpp"

#include <fmt/core.h>
#include <zlib.h>

#include <algorithm>
#include <utility>

namespace transfer {

bool is_safe_file_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > max_safe_name_length || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string encode_header(std::string_view name, std::uint64_t size) {
  std::string out;
  out.push_back(static_cast<char>((name.size() >> 8) & 0xFF));
  out.push_back(static_cast<char>(name.size() & 0xFF));
  out.append(name);
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((size >> shift) & 0xFF));
  return out;
}

HeaderResult decode_header(std::string_view bytes) {
  HeaderResult r;
  auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
  if (bytes.size() < 2) return r;
  const std::size_t name_length = (std::size_t{byte(0)} << 8) | byte(1);
  if (name_length == 0 || name_length > max_name_length) {
    r.status = HeaderStatus::invalid;
    r.error = fmt::format("file name length {} is not 1..{}", name_length, max_name_length);
    return r;
  }
  const std::size_t total = 2 + name_length + 8;
  if (bytes.size() < total) return r;
  r.header.name.assign(bytes.substr(2, name_length));
  for (std::size_t i = 2 + name_length; i < total; ++i)
    r.header.size = (r.header.size << 8) | byte(i);
  r.used = total;
  r.status = HeaderStatus::complete;
  return r;
}

void Crc32::update(std::string_view bytes) noexcept {
  // crc32_z (zlib 1.2.9+) takes a size_t length: no 4 GiB limit on one piece.
  value_ = static_cast<std::uint32_t>(
      crc32_z(value_, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.1f} {}", bytes, units[u]);
}

Progress::Progress(std::string verb, std::uint64_t total) : verb_(std::move(verb)), total_(total) {}

std::string Progress::bar(std::uint64_t done, std::chrono::duration<double> elapsed) const {
  constexpr int width = 20;
  const double fraction =
      total_ == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total_);
  const int filled = std::clamp(static_cast<int>(fraction * width), 0, width);
  const double rate = elapsed.count() > 0 ? static_cast<double>(done) / elapsed.count() : 0.0;
  std::string eta = "--:--";
  if (rate > 0 && done <= total_) {
    const auto left = static_cast<long long>(static_cast<double>(total_ - done) / rate + 0.5);
    eta = fmt::format("{}:{:02}", left / 60, left % 60);
  }
  return fmt::format("{} [{}{}] {:3.0f}%  {} of {}  {}/s  ETA {}", verb_, std::string(filled, '#'),
                     std::string(width - filled, '.'), fraction * 100,
                     human_bytes(static_cast<double>(done)),
                     human_bytes(static_cast<double>(total_)), human_bytes(rate), eta);
}

std::optional<std::string> Progress::line(std::uint64_t done,
                                          std::chrono::duration<double> elapsed) {
  if (next_quarter_ > 4) return std::nullopt;
  // done / total >= next_quarter / 4, without overflow or division by zero
  const bool crossed = total_ == 0 || done >= total_ ||
                       static_cast<double>(done) * 4 >= static_cast<double>(total_) * next_quarter_;
  if (!crossed) return std::nullopt;
  int quarter = next_quarter_;
  while (next_quarter_ <= 4 && (total_ == 0 || static_cast<double>(done) * 4 >=
                                                   static_cast<double>(total_) * next_quarter_))
    quarter = next_quarter_++;
  const double rate = elapsed.count() > 0 ? static_cast<double>(done) / elapsed.count() : 0.0;
  return fmt::format("{} {}% ({} of {}, {}/s)", verb_, quarter * 25,
                     human_bytes(static_cast<double>(done)),
                     human_bytes(static_cast<double>(total_)), human_bytes(rate));
}

}  // namespace transfer
