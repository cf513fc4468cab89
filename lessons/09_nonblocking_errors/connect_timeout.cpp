// Lesson 09 — connect() with a timeout: non-blocking connect, poll(), SO_ERROR.
//
// A blocking connect() to a host that never answers waits for the kernel's SYN
// retries: over two minutes on Linux (net.ipv4.tcp_syn_retries = 6). To wait
// at most N milliseconds:
//
//   set_non_blocking(true)    step 1: connect() now returns at once with EINPROGRESS
//                             (Windows: WSAEWOULDBLOCK) — the handshake goes on
//   poll(POLLOUT, N ms)       step 3: the socket becomes writable when the handshake ends,
//                             either way; 0 ready after N ms = timed out
//   getsockopt(SO_ERROR)      step 2: how it ended: 0 = connected, else e.g. ECONNREFUSED
//   set_non_blocking(false)   back to ordinary blocking calls
//
//   build/bin/connect_timeout --port 8888 --timeout 500
//
// Docs: docs/lessons/09-nonblocking-errors.md
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <array>
#include <chrono>
#include <stdexcept>

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

    // Step 1, non-blocking connect(): starts the handshake and returns at once.
    Socket sock = Socket::tcp(server.family());
    std::error_code ec;
    // SOLUTION-BEGIN: TODO(step 1): make `sock` non-blocking, then connect() to `server`, errors
    // into `ec`; "in progress" (or would block) is expected, any other error is thrown (man 2
    // connect, EINPROGRESS).
    // SOLUTION-STUB: throw std::logic_error("TODO(step 1): connect() is not written yet");
    sock.set_non_blocking(true);
    sock.connect(server, ec);
    if (ec && ec != std::errc::operation_in_progress && ec != std::errc::operation_would_block)
      throw_if(ec, "connect", server.to_string());  // failed at once (e.g. no route)
    // SOLUTION-END

    if (ec) {
      // Step 3: wait until the handshake is over (writable), or the timeout.
      // SOLUTION-BEGIN: TODO(step 3): poll() `sock` for POLLOUT for at most `timeout`; nothing
      // ready in time = throw a timed_out Error for connect (socklab/poll.hpp; man 2 poll).
      // SOLUTION-STUB: (void)timeout;  // remove this line
      // SOLUTION-STUB: throw std::logic_error("TODO(step 3): poll(POLLOUT) is not written yet");
      std::array<PollFd, 1> fds{PollFd{sock.native_handle(), Events::out}};
      if (poll(fds, timeout) == 0)
        throw Error(std::make_error_code(std::errc::timed_out), "connect", server.to_string());
      // SOLUTION-END

      // Step 2: writable says "over", not "succeeded": SO_ERROR says how it went.
      // SOLUTION-BEGIN: TODO(step 2): getsockopt(SO_ERROR): throw it if connect() failed
      // (pending_error() in socket.hpp; man 2 getsockopt, man 7 socket).
      // SOLUTION-STUB: throw std::logic_error("TODO(step 2): pending_error() is not written yet");
      throw_if(sock.pending_error(), "connect", server.to_string());
      // SOLUTION-END
    }

    // Connected. Back to blocking mode for the ordinary calls that follow.
    sock.set_non_blocking(false);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    cli::say("connected to {} from {} in {} ms", server.to_string(),
             sock.local_address().to_string(), ms.count());
    return 0;
  });
}
