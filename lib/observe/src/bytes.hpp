// bytes.hpp — observe's one reader of multi-byte integers and its one reader of
// whole files (private to lib/observe/src). Every decoder in this room (IP and
// TCP headers, ICMP, pcap, pcapng, link-layer headers) reads through these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace socklab::observe::bytes {

/// The byte at `at` (the caller has checked that it is inside `b`).
inline unsigned u8(std::span<const std::byte> b, std::size_t at) noexcept {
  return std::to_integer<unsigned>(b[at]);
}

/// The `n`-byte (1..4) unsigned integer at `at`: big-endian (network byte order)
/// when `big`, else little-endian. The caller has checked that it is inside `b`.
inline std::uint32_t uint(std::span<const std::byte> b, std::size_t at, std::size_t n,
                          bool big) noexcept {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < n; ++i)
    v |= std::uint32_t{u8(b, at + i)} << (8 * (big ? n - 1 - i : i));
  return v;
}
inline std::uint16_t be16(std::span<const std::byte> b, std::size_t at) noexcept {
  return static_cast<std::uint16_t>(uint(b, at, 2, true));
}
inline std::uint32_t be32(std::span<const std::byte> b, std::size_t at) noexcept {
  return uint(b, at, 4, true);
}

/// Every byte of the file at `path` (fopen/fread: the same on every platform).
/// Errors: the system's error for a file that cannot be opened; std::errc::io_error.
std::vector<std::byte> read_file(const std::string& path, std::error_code& ec);

}  // namespace socklab::observe::bytes
