// Fuzz target: packet::decode, lesson 03's IPv4/IPv6 + TCP header decoder.
// Promise: never reads past the bytes (ASan watches); what it reports fits in them.
#include <span>

#include "fuzz.hpp"
#include "socklab/observe/packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socklab;
  using namespace socklab::observe;
  auto bytes = std::as_bytes(std::span<const std::uint8_t>(data, size));
  std::error_code ec;
  packet::Segment s = packet::decode(bytes, ec);
  if (!ec) {
    FUZZ_CHECK(s.ip_length <= size);
    FUZZ_CHECK(s.payload_length + 20 + 20 <= s.ip_length);  // at least IPv4 + TCP headers
    FUZZ_CHECK(s.source.family() == s.destination.family());
    FUZZ_CHECK(!packet::flags_text(s.flags).empty());
  }
  return 0;
}
