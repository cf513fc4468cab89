// Fuzz target: FrameReader, lesson 06's length-prefixed frames (4-byte big-endian
// length, then the payload).
//
// Input: byte 0 picks max_frame (0..255); byte 1 picks how the bytes arrive
// (fault injection: recv() moves 1..8 bytes per call, and may fail with EINTR or
// EAGAIN now and then); the rest is what the peer sends, then it closes.
// Promise: every frame comes back exactly; a claimed length above max_frame is
// frame_too_large before anything is allocated for it; a stream that ends inside
// a header or payload is unexpected_eof; EAGAIN loses no byte.
#include <string>

#include "fuzz.hpp"
#include "socklab/error.hpp"
#include "socklab/fault.hpp"
#include "socklab/frame.hpp"
#include "socklab/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socklab;
  if (size < 2) return 0;
  const std::size_t max_frame = data[0];
  const unsigned how = data[1];
  std::string_view input = fuzz::text(data + 2, std::min<std::size_t>(size - 2, 16 * 1024));

  auto [writer, reader_socket] = tcp_pair();
  send_all(writer, input);
  writer.shutdown(Shutdown::write);

  fault::Plan plan;
  plan.max_bytes = 1 + (how & 7);
  plan.short_calls = fault::Calls::recv;
  plan.failure = (how & 0x10) ? fault::Failure::would_block : fault::Failure::interrupted;
  plan.at = (how >> 5) == 0 ? 0 : (how >> 5) + 1;  // never every call: no progress
  plan.every = plan.at;
  plan.failure_calls = fault::Calls::recv;
  fault::Scope faults(plan);

  FrameReader reader(reader_socket, max_frame);
  std::size_t pos = 0;
  for (std::size_t guard = 0; guard < 8 * input.size() + 64; ++guard) {
    std::error_code ec;
    auto frame = reader.read_frame(ec);
    if (is_would_block(ec)) continue;  // injected: retry
    std::string_view rest = input.substr(pos);
    if (rest.empty()) {
      FUZZ_CHECK(!ec && !frame);  // a clean end between frames
      return 0;
    }
    if (rest.size() < 4) {
      FUZZ_CHECK(ec == errc::unexpected_eof);
      return 0;
    }
    std::size_t length = 0;
    for (int i = 0; i < 4; ++i) length = (length << 8) | static_cast<unsigned char>(rest[i]);
    if (length > max_frame) {
      FUZZ_CHECK(ec == errc::frame_too_large);
      return 0;
    }
    if (rest.size() - 4 < length) {
      FUZZ_CHECK(ec == errc::unexpected_eof);
      return 0;
    }
    FUZZ_CHECK(!ec && frame);
    FUZZ_CHECK(*frame == rest.substr(4, length));
    pos += 4 + length;
  }
  FUZZ_CHECK(!"read_frame made no progress");
  return 0;
}
