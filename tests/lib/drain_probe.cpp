// drain_probe — one edge-triggered drain, for a system-call count (Linux).
//
// LayerPosix.EdgeTriggeredDrainCallsOnlyRecv runs this program under strace. It
// makes a connected pair, switches the receiving side to non-blocking, watches it
// with EPOLLIN | EPOLLET, sends 10,000 bytes, waits for the event and then drains
// the socket as lesson 11 does: recv() until it would block. The drain is fenced
// by two marker lines written to stdout (each one write(2)), so the test can read
// exactly the calls the layer made for it: one recv() per chunk and the last one
// failing with EAGAIN — nothing else (docs/layer.md, "The blocking mode is
// remembered").
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "socklab/epoll.hpp"
#include "socklab/error.hpp"
#include "socklab/io.hpp"
#include "socklab/socket.hpp"

namespace {

void mark(std::string_view line) {
  (void)::write(1, line.data(), line.size());  // one write(2): the fence in strace's log
}

}  // namespace

int main() {
  using namespace socklab;
  try {
    auto [sender, receiver] = tcp_pair();
    receiver.set_non_blocking(true);
    Epoll ep = Epoll::create1();
    ep.add(receiver.native_handle(), EpollEvents::in | EpollEvents::et, 1);
    send_all(sender, std::string(10'000, 'x'));

    std::array<EpollEvent, 4> events;
    if (ep.wait(events, std::chrono::seconds(5)) != 1) {
      std::fputs("drain_probe: no event within 5 s\n", stderr);
      return 1;
    }
    std::array<char, 4096> buffer;
    std::size_t calls = 0, bytes = 0;
    mark("drain: begin\n");
    for (;;) {
      std::error_code ec;
      Received got = receiver.recv(buffer, ec);
      ++calls;
      if (ec) {
        if (is_would_block(ec)) break;  // drained: the edge is consumed
        std::fprintf(stderr, "drain_probe: recv: %s\n", ec.message().c_str());
        return 1;
      }
      if (got.eof) break;
      bytes += got.bytes;
    }
    mark("drain: end\n");
    std::printf("drained %zu bytes in %zu recv calls\n", bytes, calls);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drain_probe: %s\n", e.what());
    return 1;
  }
}
