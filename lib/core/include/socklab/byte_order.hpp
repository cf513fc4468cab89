// socklab/byte_order.hpp — host and network byte order, portably.
//
// Numbers in IP, TCP and UDP headers travel big-endian, "network byte order"
// (RFC 791 appendix B; RFC 1700 "Data Notations"). A little-endian CPU (x86,
// most ARM systems) keeps the low byte first in memory, so port 8888 = 0x22b8
// sits in memory as b8 22 but must go on the wire as 22 b8. The C API's
// htons()/ntohs()/htonl()/ntohl() do that swap; these are the same functions
// without a platform header (they compile to one instruction or to nothing).
//
// The layer calls them for you: Address::from_ip(ip, 8888) stores the port in
// network order, Address::port() gives it back in host order. You need them
// when you write a number into a message of your own (a length prefix, a
// header), or when you read raw sockaddr or packet bytes.
//
// The system calls behind each member, per platform: docs/layer.md.
#pragma once

#include <bit>
#include <cstdint>

namespace socklab {

/// Reverses the two bytes of a 16-bit number: 0x22b8 -> 0xb822.
constexpr std::uint16_t byte_swap16(std::uint16_t v) noexcept {
  return static_cast<std::uint16_t>((v << 8) | (v >> 8));
}

/// Reverses the four bytes of a 32-bit number: 0x7f000001 -> 0x0100007f.
constexpr std::uint32_t byte_swap32(std::uint32_t v) noexcept {
  return (v << 24) | ((v << 8) & 0x00ff0000u) | ((v >> 8) & 0x0000ff00u) | (v >> 24);
}

/// true on x86 and most ARM systems: the low byte comes first in memory.
constexpr bool host_is_little_endian() noexcept {
  return std::endian::native == std::endian::little;
}

/// htons(): a 16-bit number in host order -> the value whose bytes in memory are big-endian.
constexpr std::uint16_t host_to_network16(std::uint16_t v) noexcept {
  return host_is_little_endian() ? byte_swap16(v) : v;
}
/// ntohs(): the inverse (the same swap).
constexpr std::uint16_t network_to_host16(std::uint16_t v) noexcept {
  return host_to_network16(v);
}
/// htonl()
constexpr std::uint32_t host_to_network32(std::uint32_t v) noexcept {
  return host_is_little_endian() ? byte_swap32(v) : v;
}
/// ntohl()
constexpr std::uint32_t network_to_host32(std::uint32_t v) noexcept {
  return host_to_network32(v);
}

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big,
              "socklab assumes a little- or big-endian host");

}  // namespace socklab
