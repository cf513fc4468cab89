// Fuzz target: LineReader, the per-connection line reader (lessons, chat, HTTP).
//
// Input: byte 0 picks max_line (1..64); byte 1 picks how the bytes arrive (fault
// injection: recv() moves 1..8 bytes per call, and may fail with EINTR or EAGAIN
// now and then); the rest is what the peer sends, then it closes.
// Promise: the lines come back exactly (without "\n" and a "\r" before it), a
// last line without "\n" too; a line longer than max_line is line_too_long, and
// only then; EAGAIN loses no byte (a retry goes on where it stopped).
#include <string>

#include "fuzz.hpp"
#include "socklab/error.hpp"
#include "socklab/fault.hpp"
#include "socklab/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socklab;
  if (size < 2) return 0;
  const std::size_t max_line = 1 + data[0] % 64;
  const unsigned how = data[1];
  // Fits in the loopback buffers: send_all below can't block on this thread.
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

  LineReader reader(reader_socket, max_line);
  std::size_t pos = 0;  // how far the lines returned so far account for the input
  for (std::size_t guard = 0; guard < 8 * input.size() + 64; ++guard) {
    std::error_code ec;
    auto line = reader.read_line(ec);
    if (is_would_block(ec)) continue;  // injected: retry
    std::size_t nl = input.find('\n', pos);
    std::string_view raw = input.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    if (ec) {
      FUZZ_CHECK(ec == errc::line_too_long);
      FUZZ_CHECK(raw.size() > max_line);  // too long, and only then
      return 0;
    }
    if (!line) {
      FUZZ_CHECK(pos == input.size());  // EOF only after every byte came back
      return 0;
    }
    FUZZ_CHECK(pos < input.size());
    FUZZ_CHECK(raw.size() <= max_line);
    std::string_view expected = raw;
    if (nl != std::string_view::npos && !expected.empty() && expected.back() == '\r')
      expected.remove_suffix(1);
    FUZZ_CHECK(*line == expected);
    pos = nl == std::string_view::npos ? input.size() : nl + 1;
  }
  FUZZ_CHECK(!"read_line made no progress");
  return 0;
}
