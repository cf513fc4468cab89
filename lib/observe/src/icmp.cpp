// icmp.cpp — Echo Request/Reply bytes and the IP header (pure code). The checksum
// is encode.hpp's packet::internet_checksum(), the room's only one.
#include "socklab/observe/icmp.hpp"

#include <cstdio>

#include "bytes.hpp"
#include "socklab/observe/encode.hpp"

namespace socklab::observe::icmp {
namespace {

using bytes::be16;
unsigned at(std::span<const std::byte> b, std::size_t i) noexcept {
  return bytes::u8(b, i);
}

std::string ipv4_text(std::span<const std::byte> b, std::size_t i) {
  return std::to_string(at(b, i)) + '.' + std::to_string(at(b, i + 1)) + '.' +
         std::to_string(at(b, i + 2)) + '.' + std::to_string(at(b, i + 3));
}

// Full, uncompressed IPv6 text is enough for a ladder label.
std::string ipv6_text(std::span<const std::byte> b, std::size_t i) {
  std::string out;
  char group[8];
  for (std::size_t g = 0; g < 8; ++g) {
    std::snprintf(group, sizeof group, g == 0 ? "%x" : ":%x", be16(b, i + 2 * g));
    out += group;
  }
  return out;
}

}  // namespace

std::vector<std::byte> echo_request(bool ipv6, std::uint16_t identifier, std::uint16_t sequence,
                                    std::span<const std::byte> data) {
  std::vector<std::byte> m(8 + data.size());
  m[0] = std::byte{static_cast<unsigned char>(ipv6 ? 128 : 8)};  // type: Echo Request
  m[1] = std::byte{0};                                           // code
  m[4] = std::byte{static_cast<unsigned char>(identifier >> 8)};
  m[5] = std::byte{static_cast<unsigned char>(identifier & 0xff)};
  m[6] = std::byte{static_cast<unsigned char>(sequence >> 8)};
  m[7] = std::byte{static_cast<unsigned char>(sequence & 0xff)};
  for (std::size_t i = 0; i < data.size(); ++i) m[8 + i] = data[i];
  if (!ipv6) {
    std::uint16_t sum = packet::internet_checksum(m);  // computed with the field at zero
    m[2] = std::byte{static_cast<unsigned char>(sum >> 8)};
    m[3] = std::byte{static_cast<unsigned char>(sum & 0xff)};
  }
  return m;
}

std::optional<Message> decode(std::span<const std::byte> b) noexcept {
  if (b.size() < 8) return std::nullopt;
  Message m;
  m.type = static_cast<int>(at(b, 0));
  m.code = static_cast<int>(at(b, 1));
  m.identifier = static_cast<std::uint16_t>(be16(b, 4));
  m.sequence = static_cast<std::uint16_t>(be16(b, 6));
  return m;
}

std::optional<IpHeader> decode_ip(std::span<const std::byte> b) {
  if (b.empty()) return std::nullopt;
  IpHeader h;
  h.version = static_cast<int>(at(b, 0) >> 4);
  if (h.version == 4) {
    if (b.size() < 20) return std::nullopt;
    h.header_length = (at(b, 0) & 0x0f) * 4u;
    if (h.header_length < 20 || b.size() < h.header_length) return std::nullopt;
    h.total_length = be16(b, 2);
    h.dont_fragment = (be16(b, 6) & 0x4000) != 0;
    h.ttl = static_cast<int>(at(b, 8));
    h.protocol = static_cast<int>(at(b, 9));
    h.source = ipv4_text(b, 12);
    h.destination = ipv4_text(b, 16);
    return h;
  }
  if (h.version == 6) {
    if (b.size() < 40) return std::nullopt;
    h.header_length = 40;
    h.total_length = 40 + be16(b, 4);
    h.protocol = static_cast<int>(at(b, 6));
    h.ttl = static_cast<int>(at(b, 7));
    h.source = ipv6_text(b, 8);
    h.destination = ipv6_text(b, 24);
    return h;
  }
  return std::nullopt;
}

}  // namespace socklab::observe::icmp
