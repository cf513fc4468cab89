// Fuzz target: pcap::parse, the capture-file reader behind lesson 03's --pcap.
// Promise: never reads past the bytes; no record is longer than the file.
#include <span>

#include "fuzz.hpp"
#include "socklab/observe/pcap.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socklab;
  using namespace socklab::observe;
  auto bytes = std::as_bytes(std::span<const std::uint8_t>(data, size));
  std::error_code ec;
  pcap::File f = pcap::parse(bytes, ec);
  if (!ec) {
    std::size_t total = 0;
    for (const auto& r : f.records) total += r.data.size();
    FUZZ_CHECK(total <= size);
  }
  return 0;
}
