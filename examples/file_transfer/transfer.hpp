// transfer.hpp — the pure parts of the file-transfer example: the header that
// goes in front of the file, the rule for safe file names, CRC-32 (zlib's) and
// the progress line. No sockets here, so each part can be tested (and fuzzed) alone.
//
// The protocol (all integers big-endian, "network byte order"):
//
//   sender -> receiver   header:  name length (2 bytes) | name | file size (8 bytes)
//   receiver -> sender   "ready\n"  or  "refused: REASON\n" (then it closes)
//   sender -> receiver   the file's bytes, then their CRC-32 (4 bytes)
//   receiver -> sender   "ok SIZE CRC\n"  or  "error: REASON\n"
//
// The receiver answers after the header so that a refusal (the file exists, the
// name is not safe) costs one round trip, not the whole file.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace transfer {

/// Longest file name a header may carry (most file systems allow 255 bytes).
inline constexpr std::size_t max_name_length = 255;
/// Longest name the receiver accepts: it writes ".NAME.part" first, and that
/// must fit 255 bytes too (1 + name + 5).
inline constexpr std::size_t max_safe_name_length = max_name_length - 6;

/// A name that is safe to create in the receiver's directory: 1..249 bytes of
/// A-Z a-z 0-9 . _ -, not starting with '.' (no "..", no hidden files, no '/'
/// or '\\', so it can never name a file outside the directory).
bool is_safe_file_name(std::string_view name) noexcept;

/// The bytes of a header for `name` and `size`.
std::string encode_header(std::string_view name, std::uint64_t size);

/// Decoding a header that arrives in pieces: feed it what has arrived.
struct Header {
  std::string name;
  std::uint64_t size = 0;
};
enum class HeaderStatus { incomplete, complete, invalid };
struct HeaderResult {
  HeaderStatus status = HeaderStatus::incomplete;
  Header header;         ///< when complete
  std::size_t used = 0;  ///< bytes of `bytes` the header took (when complete)
  std::string error;     ///< when invalid
};
/// Parses a header from the start of `bytes` (it never reads past the header).
HeaderResult decode_header(std::string_view bytes);

/// CRC-32 (IEEE 802.3, the one of zip, gzip and PNG: reflected polynomial
/// 0xEDB88320, initial value and final XOR 0xFFFFFFFF), computed by zlib's
/// crc32_z(): the library users reach for (Debian zlib1g-dev, mingw, vcpkg), not
/// a table of our own. Feed it in pieces:
///   Crc32 crc; crc.update(a); crc.update(b); crc.value();
/// Check value: "123456789" -> 0xCBF43926.
class Crc32 {
 public:
  void update(std::string_view bytes) noexcept;
  std::uint32_t value() const noexcept { return value_; }

 private:
  std::uint32_t value_ = 0;  // zlib's crc32 of no bytes; it continues from any value it gave
};

/// "12.3 MiB", "512 B" — sizes for people.
std::string human_bytes(double bytes);

/// The progress of one transfer: a bar for a terminal, plain lines otherwise.
class Progress {
 public:
  Progress(std::string verb, std::uint64_t total);

  /// A terminal bar line (to print after '\r'):
  ///   "sent [##########..........]  50%  5.0 MiB of 10.0 MiB  12.5 MiB/s  ETA 0:01"
  std::string bar(std::uint64_t done, std::chrono::duration<double> elapsed) const;
  /// A plain line when `done` crosses the next quarter (25 %, 50 %, ...), else nullopt:
  ///   "sent 50% (5.0 MiB of 10.0 MiB, 12.5 MiB/s)"
  std::optional<std::string> line(std::uint64_t done, std::chrono::duration<double> elapsed);

 private:
  std::string verb_;
  std::uint64_t total_;
  int next_quarter_ = 1;
};

}  // namespace transfer
