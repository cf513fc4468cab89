// Fuzz target: parse_port ("0".."65535", digits only: the --port flag).
// Promise: accepts exactly 1-5 decimal digits with a value <= 65535.
#include <string>

#include "fuzz.hpp"
#include "socklab/address.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = socklab::fuzz::text(data, size);
  std::error_code ec;
  std::uint16_t port = socklab::parse_port(text, ec);
  bool digits = !text.empty() && text.size() <= 5 &&
                text.find_first_not_of("0123456789") == std::string_view::npos;
  bool in_range = digits && std::stoul(std::string(text)) <= 65535;
  FUZZ_CHECK(!ec == in_range);
  if (!ec) FUZZ_CHECK(port == std::stoul(std::string(text)));
  return 0;
}
