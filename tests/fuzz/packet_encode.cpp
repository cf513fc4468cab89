// Fuzz target: lesson 13's encoder (packet::encode, checksums_ok, payload).
// Promise: any segment the fuzzer describes encodes to bytes the decoder reads
// back field for field, with checksums that verify; and checksums_ok()/payload()
// never read past garbage they are given (ASan watches).
#include <fmt/format.h>

#include <span>
#include <vector>

#include "fuzz.hpp"
#include "socklab/observe/encode.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socklab;
  using namespace socklab::observe;
  auto raw = std::as_bytes(std::span<const std::uint8_t>(data, size));
  (void)packet::checksums_ok(raw);  // as bytes off a TUN device: garbage allowed
  FUZZ_CHECK(packet::payload(raw).size() <= size);
  if (size < 24) return 0;
  auto u32 = [&](std::size_t at) {
    return std::uint32_t{data[at]} << 24 | std::uint32_t{data[at + 1]} << 16 |
           std::uint32_t{data[at + 2]} << 8 | data[at + 3];
  };
  packet::Segment s;
  s.source = Address::from_ip(fmt::format("{}.{}.{}.{}", data[0], data[1], data[2], data[3]),
                              static_cast<std::uint16_t>(u32(4) >> 16));
  s.destination = Address::from_ip(fmt::format("{}.{}.{}.{}", data[6], data[7], data[8], data[9]),
                                   static_cast<std::uint16_t>(u32(4) & 0xffff));
  s.seq = u32(10);
  s.ack = u32(14);
  s.flags = data[18];
  s.window = static_cast<std::uint16_t>(data[19] << 8 | data[20]);
  s.ttl = data[21] == 0 ? 64 : data[21];
  std::uint8_t which = data[22];
  if (which & 1) s.options.mss = static_cast<std::uint16_t>(s.seq & 0xffff);
  if (which & 2) s.options.window_scale = static_cast<std::uint8_t>(s.ack & 0xff);
  s.options.sack_permitted = (which & 4) != 0;
  if (which & 8) s.options.timestamp = s.ack, s.options.timestamp_echo = s.seq;
  auto payload = raw.subspan(23);
  std::error_code ec;
  std::vector<std::byte> bytes = packet::encode(s, payload, data[23], ec);
  if (ec) {  // only a payload too long for one IPv4 packet may be refused
    FUZZ_CHECK(ec == std::errc::message_size && payload.size() > 65535 - 40 - 20);
    return 0;
  }
  FUZZ_CHECK(packet::checksums_ok(bytes));
  packet::Segment back = packet::decode(bytes);
  FUZZ_CHECK(back.source == s.source && back.destination == s.destination);
  FUZZ_CHECK(back.seq == s.seq && back.ack == s.ack && back.flags == s.flags);
  FUZZ_CHECK(back.window == s.window && back.ttl == s.ttl);
  FUZZ_CHECK(back.options.mss == s.options.mss);
  FUZZ_CHECK(back.options.window_scale == s.options.window_scale);
  FUZZ_CHECK(back.options.sack_permitted == s.options.sack_permitted);
  FUZZ_CHECK(back.options.timestamp == s.options.timestamp);
  FUZZ_CHECK(back.payload_length == payload.size());
  auto p = packet::payload(bytes);
  FUZZ_CHECK(std::equal(p.begin(), p.end(), payload.begin(), payload.end()));
  return 0;
}
