// Lesson 09 — connect() with a timeout: non-blocking connect, poll(), SO_ERROR.
//
// A blocking connect() to a host that never answers waits for the kernel's SYN
// retries: over two minutes on Linux (net.ipv4.tcp_syn_retries = 6). To wait
// at most N milliseconds:
//
//   1. set_non_blocking(true)    connect() now returns at once with EINPROGRESS
//                                (Windows: WSAEWOULDBLOCK) — the handshake goes on
//   2. poll(POLLOUT, N ms)       the socket becomes writable when the handshake ends,
//                                either way; 0 ready after N ms = timed out
//   3. getsockopt(SO_ERROR)      how it ended: 0 = connected, else e.g. ECONNREFUSED
//   4. set_non_blocking(false)   back to ordinary blocking calls
//
//   build/bin/connect_timeout --port 8888 --timeout 500
//
// Docs: docs/lessons/09-nonblocking-errors.md
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <array>
#include <chrono>

using namespace socklab;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  cli::Parser args("connect_timeout", "Lesson 09: connect() that gives up after a timeout.");
  args.option("--host", "HOST", "127.0.0.1", "server host name or IP")
      .option("--port", "PORT", "8888", "server TCP port")
      .option("--timeout", "MS", "1000", "give up after this many milliseconds");

  return cli::run(argc, argv, args, [&] {
    Address server = cli::host_port(args.get("--host"), args.port());
    const auto timeout = args.milliseconds("--timeout");
    auto start = Clock::now();

    // 1. Non-blocking connect(): starts the handshake and returns at once.
    Socket sock = Socket::tcp(server.family());
    sock.set_non_blocking(true);
    std::error_code ec;
    sock.connect(server, ec);
    if (ec && ec != std::errc::operation_in_progress && ec != std::errc::operation_would_block)
      throw_if(ec, "connect", server.to_string());  // failed at once (e.g. no route)

    if (ec) {
      // 2. Wait until the handshake is over (writable), or the timeout.
      std::array<PollFd, 1> fds{PollFd{sock.native_handle(), Events::out}};
      if (poll(fds, timeout) == 0)
        throw Error(std::make_error_code(std::errc::timed_out), "connect", server.to_string());

      // 3. Writable says "over", not "succeeded": SO_ERROR says how it went.
      throw_if(sock.pending_error(), "connect", server.to_string());
    }

    // 4. Connected. Back to blocking mode for the ordinary calls that follow.
    sock.set_non_blocking(false);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    cli::say("connected to {} from {} in {} ms", server.to_string(),
             sock.local_address().to_string(), ms.count());
    return 0;
  });
}
