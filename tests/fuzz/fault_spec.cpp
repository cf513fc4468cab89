// Fuzz target: fault::parse, the SOCKLAB_FAULTS environment variable.
// Promise: what parses prints back (to_string) as a spec that parses the same.
#include "fuzz.hpp"
#include "socklab/fault.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socklab;
  std::error_code ec;
  fault::Plan p = fault::parse(fuzz::text(data, size), ec);
  if (!ec) {
    std::error_code ec2;
    fault::Plan q = fault::parse(fault::to_string(p), ec2);
    FUZZ_CHECK(!ec2);
    // to_string writes "at, then every" only when every == at, as parse makes them.
    FUZZ_CHECK(q == p);
  }
  return 0;
}
