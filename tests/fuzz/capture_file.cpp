// Fuzz target: read_capture (pcap and pcapng, every link type), then the link
// header taken off and the TCP decoder, the split into connections and the ladder
// renderers: everything tools/ladder does with a file somebody else wrote.
// Promise: never reads past the bytes; every frame fits in the file.
#include <span>

#include "fuzz.hpp"
#include "socklab/observe/capture_file.hpp"
#include "socklab/observe/connections.hpp"
#include "socklab/observe/ladder.hpp"
#include "socklab/observe/packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socklab;
  using namespace socklab::observe;
  auto bytes = std::as_bytes(std::span<const std::uint8_t>(data, size));
  std::error_code ec;
  CaptureFile f = read_capture(bytes, ec);
  if (ec) return 0;
  std::size_t total = 0;
  std::vector<packet::Segment> segments;
  for (const CapturedFrame& frame : f.packets) {
    total += frame.data.size();
    auto ip = ip_payload(frame, ec);
    if (!ip) continue;
    FUZZ_CHECK(ip->size() <= frame.data.size());
    packet::Segment s = decode_frame(frame, ec);
    if (ec) continue;
    FUZZ_CHECK(s.payload_captured || frame.original_length > frame.data.size());
    segments.push_back(s);
  }
  FUZZ_CHECK(total <= size);
  for (const Connection& c : split_connections(segments)) {
    LadderOptions options;
    options.notes = segment_notes(c.segments, c.client);
    FUZZ_CHECK(options.notes.size() == c.segments.size());
    (void)render_ladder(c.conversation(), options);
    (void)render_svg(c.conversation(), options);
  }
  return 0;
}
