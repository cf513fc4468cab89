// Lesson 09 — the errors a socket program meets, each caused on purpose.
//
// Every case builds its own little scene on loopback, makes the error happen,
// and prints the layer's one-line message and the cause:
//
//   refused        connect() to a port where nothing listens      ECONNREFUSED
//   reset          the peer closed with SO_LINGER 0 (RST)          ECONNRESET
//   broken-pipe    send() after the peer has gone                  EPIPE (+ SIGPIPE!)
//   recv-timeout   recv() with SO_RCVTIMEO and a silent peer       ETIMEDOUT
//   would-block    recv() on a non-blocking socket, nothing there  EAGAIN / EWOULDBLOCK
//   in-use         restart a server while its old connection is    EADDRINUSE
//                  in TIME_WAIT; then the fix, SO_REUSEADDR
//
//   build/bin/errors                      # every case
//   build/bin/errors --show broken-pipe --naive-sigpipe   # the program dies of SIGPIPE
//
// Docs: docs/lessons/09-nonblocking-errors.md
#include <socklab/naive.hpp>
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace socklab;
using namespace std::chrono_literals;

Socket listener(bool reuse = false, std::uint16_t port = 0) {
  Socket s = Socket::tcp();
  // SOLUTION-BEGIN: TODO(step 9): SO_REUSEADDR on `s` when `reuse` is set, before bind()
  // (set_reuse_address() in socket.hpp; man 7 socket).
  // SOLUTION-STUB: (void)reuse;  // remove this line
  // SOLUTION-STUB: throw std::logic_error("TODO(step 9): set_reuse_address() is not written yet");
  s.set_reuse_address(reuse);
  // SOLUTION-END
  s.bind(Address::loopback(Family::ipv4, port));
  s.listen(4);
  return s;
}

void show(std::string_view what, const std::string& message, std::string_view cause) {
  cli::say("{}: {}", what, message);
  cli::say("  cause: {}", cause);
}

// A case whose error did not happen says so: silence would look like the lesson.
void not_shown(std::string_view what, std::string_view expected, std::string_view instead) {
  cli::say("{}: not shown: expected {}, but {} on this system", what, expected, instead);
}

void refused() {
  Socket bound = Socket::tcp();  // bound but not listening: its port takes no connections
  bound.bind(Address::parse("127.0.0.1:0"));
  try {
    Socket::tcp().connect(bound.local_address());
    not_shown("refused", "ECONNREFUSED", "connect() succeeded");
  } catch (const Error& e) {
    show("refused", e.what(), "nothing listens on that port: the kernel answered our SYN with RST");
  }
}

void reset() {
  Socket server = listener();
  Socket client = Socket::tcp();
  client.connect(server.local_address());
  Socket conn = server.accept().socket;
  conn.set_linger(0s);  // SO_LINGER 0: close() aborts with RST instead of FIN
  conn.close();
  std::array<char, 16> buf;
  try {
    (void)client.recv(buf);
    // Linux, macOS and Windows never get here; Wine does (docs/windows.md).
    cli::say("reset: recv() returned EOF, no error: this system closed with FIN, not RST");
  } catch (const Error& e) {
    show("reset", e.what(), "the peer aborted the connection (RST): unread data is lost");
  }
}

void broken_pipe(bool naive) {
  Socket server = listener();
  Socket client = Socket::tcp();
  client.connect(server.local_address());
  server.accept().socket.close();  // the peer goes away (FIN)
  (void)client.send("first");      // accepted by OUR kernel; the peer's answers with RST
  // Wait (bounded) until that RST has arrived: POLLERR. (Not POLLHUP: Windows
  // already reports the peer's FIN as a hangup.)
  std::array<PollFd, 1> fds{PollFd{client.native_handle(), Events::in}};
  for (int i = 0; i < 20 && !has(fds[0].revents, Events::error); ++i) poll(fds, 100ms);
  try {
    if (naive) {
      cli::say("broken-pipe: send() without MSG_NOSIGNAL (the naive way)...");
      naive::send(client, "second");  // SIGPIPE: the default action ends the process here
      cli::say("broken-pipe: still alive (this platform has no SIGPIPE)");
    }
    (void)client.send("second");
    not_shown("broken-pipe", "EPIPE", "the second send() succeeded");
  } catch (const Error& e) {
    show("broken-pipe", e.what(),
         "the peer closed and reset the connection; with the layer's MSG_NOSIGNAL you get "
         "EPIPE, without it SIGPIPE kills the program (Windows: no SIGPIPE, and the error "
         "is WSAECONNRESET)");
  }
}

void recv_timeout() {
  SocketPair pair = tcp_pair();
  pair.first.set_recv_timeout(200ms);  // SO_RCVTIMEO: give up waiting after 200 ms
  std::array<char, 16> buf;
  try {
    Received got = pair.first.recv(buf);  // the peer never sends
    not_shown("recv-timeout", "ETIMEDOUT",
              got.eof ? "recv() returned EOF" : "recv() returned data");
  } catch (const Error& e) {
    show("recv-timeout", e.what(), "nothing arrived within SO_RCVTIMEO (200 ms)");
  }
}

void would_block() {
  SocketPair pair = tcp_pair();
  pair.first.set_non_blocking(true);
  std::array<char, 16> buf;
  std::error_code ec;
  (void)pair.first.recv(buf, ec);  // nothing there, and we said "never wait"
  if (!ec) return not_shown("would-block", "EAGAIN", "recv() returned");
  show("would-block", Error(ec, "recv").what(),
       "not a failure: nothing to read YET; wait with poll() and try again");
}

// Starts a server on `port`, serves one client and closes first, like a server
// that is stopped; returns the port it used.
std::uint16_t run_server_once(bool reuse, std::uint16_t port) {
  Socket server = listener(reuse, port);
  Socket client = Socket::tcp();
  client.connect(server.local_address());
  server.accept().socket.close();  // the server closes first: ITS side goes to TIME_WAIT
  return server.local_address().port();
}

void address_in_use(bool reuse) {
  std::uint16_t port = run_server_once(reuse, 0);
  try {
    run_server_once(reuse, port);  // the restart, on the same port, at once
    cli::say("in-use: restarted on port {} {} SO_REUSEADDR: fine", port,
             reuse ? "with" : "without");
  } catch (const Error& e) {
    show("in-use", e.what(),
         "the old connection waits in TIME_WAIT (2 x MSL) and holds the port; set SO_REUSEADDR "
         "before bind()");
  }
}

int main(int argc, char** argv) {
  cli::Parser args("errors", "Lesson 09: the socket errors a student meets, caused on purpose.");
  args.option("--show", "CASE", "all",
              "refused, reset, broken-pipe, recv-timeout, would-block, in-use, or all")
      .flag("--naive-sigpipe", "broken-pipe: send without MSG_NOSIGNAL (the process dies)")
      .flag("--reuse", "in-use: set SO_REUSEADDR (the fix)");

  return cli::run(argc, argv, args, [&] {
    const bool naive = args.is_set("--naive-sigpipe"), reuse = args.is_set("--reuse");
    const std::vector<std::pair<std::string, std::function<void()>>> cases{
        {"refused", refused},
        {"reset", reset},
        {"broken-pipe", [&] { broken_pipe(naive); }},
        {"recv-timeout", recv_timeout},
        {"would-block", would_block},
        {"in-use", [&] { address_in_use(reuse); }},
    };
    const std::string wanted = args.get("--show");
    bool found = false;
    for (const auto& [name, run] : cases) {
      if (wanted != "all" && wanted != name) continue;
      found = true;
      run();
    }
    if (!found) throw cli::UsageError(cli::trf("--show: no case '{}'", wanted));
    if (wanted == "all" && !reuse) address_in_use(true);  // and the fix
    return 0;
  });
}
