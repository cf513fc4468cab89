// Fuzz target: Address::parse ("127.0.0.1:8888", "[::1]:8888") and from_ip.
// Promise: never crash; what parses prints back as text that parses to the same address.
#include "fuzz.hpp"
#include "socklab/address.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socklab;
  std::string_view text = fuzz::text(data, size);
  std::error_code ec;
  Address a = Address::parse(text, ec);
  if (!ec) {
    FUZZ_CHECK(a.family() != Family::unspecified);
    std::string printed = a.to_string();
    std::error_code ec2;
    Address b = Address::parse(printed, ec2);
    FUZZ_CHECK(!ec2);
    FUZZ_CHECK(a == b);
    FUZZ_CHECK(b.to_string() == printed);
  }
  Address c = Address::from_ip(text, 8888, ec);
  if (!ec) FUZZ_CHECK(c.port() == 8888 && Address::from_ip(c.ip(), 8888) == c);
  return 0;
}
