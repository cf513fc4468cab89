// Lesson 08 — one thread, many sockets: an echo server built on poll().
//
// Lessons 01 and 07 wait inside recv() or accept() for ONE socket; while they
// wait, every other client waits too (or needs its own thread). This server has
// one thread and never waits for any single client: it asks poll() "which of my
// sockets can I use now?", does only what will not block, and asks again.
//
// The loop, once per turn:
//   1. build the poll array: the listener, then every client with what we want
//      from it (POLLIN: it may send more; POLLOUT: we have bytes to send it)
//   2. poll() — the only place this thread ever waits
//   3. accept() every waiting client (the listener is non-blocking)
//   4. recv() from readable clients; send() what we can; keep the rest
//   5. forget the clients that are done
//
// Docs: docs/lessons/08-event-loop.md
#include <socklab/accept_guard.hpp>
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

using namespace socklab;
using Clock = std::chrono::steady_clock;

struct Client {
  Client(Socket s, Address p) : sock(std::move(s)), peer(std::move(p)) {}
  Socket sock;
  Address peer;
  std::string pending;  // received, not yet echoed: this client's output buffer
  bool eof = false;     // the client has finished sending (recv() returned 0)
  bool failed = false;  // reset, or another error: drop it
  bool done() const { return failed || (eof && pending.empty()); }
};

// A client that sends but never reads its echoes must not make us buffer
// without end: above this many pending bytes we stop reading from it.
constexpr std::size_t max_pending = 1024 * 1024;

// 7. send() as much as the kernel takes now; the rest waits for POLLOUT.
void write_to(Client& c) {
  std::error_code ec;
  // SOLUTION-BEGIN: TODO(step 7): send() `c.pending` without waiting: would block = try again
  // later, another error = c.failed; erase what was sent, keep the rest (man 2 send).
  // SOLUTION-STUB: (void)c;  // remove this line
  // SOLUTION-STUB: throw std::logic_error("TODO(step 7): send() is not written yet");
  std::size_t n = c.sock.send(c.pending, ec);
  if (is_would_block(ec)) return;  // its send buffer is full: later
  if (ec) c.failed = true;
  c.pending.erase(0, n);  // a partial send is normal: keep the tail
  // SOLUTION-END
}

// 4. One recv(): poll() said it will not block (bytes, or 0 bytes = EOF).
void read_from(Client& c, std::span<char> buffer, bool naive) {
  std::error_code ec;
  // SOLUTION-BEGIN: TODO(step 4): recv() into `buffer` without waiting: would block = nothing
  // yet, an error = c.failed, 0 bytes = c.eof; return in each case (man 2 recv).
  // SOLUTION-STUB: throw std::logic_error("TODO(step 4): recv() is not written yet");
  // SOLUTION-STUB: Received got{};  // replace this line
  Received got = c.sock.recv(buffer, ec);
  if (is_would_block(ec)) return;  // nothing after all: poll() again
  if (ec) c.failed = true;         // e.g. ECONNRESET: this client's problem, not the server's
  if (got.eof) c.eof = true;       // the client has finished sending; we may still owe it bytes
  if (ec || got.eof) return;
  // SOLUTION-END
  std::string_view data(buffer.data(), got.bytes);
  if (naive) {
    // THE PITFALL (--naive): a blocking send_all() waits until this one client
    // reads. A client that never reads stops the whole server.
    send_all(c.sock, data, ec);
    c.failed = bool(ec);
    return;
  }
  c.pending.append(data);
  write_to(c);  // usually all of it goes at once; if not, POLLOUT tells us when
}

int main(int argc, char** argv) {
  cli::Parser args("poll_echo_server", "Lesson 08: one thread serves many clients with poll().");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "8888", "TCP port; 0 lets the kernel pick a free one")
      .option("--exit-after", "N", "0", "exit after N clients have come and gone (0 = never)")
      .flag("--verbose", "print a line for every client that comes or goes")
      .flag("--naive", "reply with a blocking send_all() (the pitfall: one client stalls all)");

  return cli::run(argc, argv, args, [&] {
    const long long exit_after = args.integer("--exit-after", 0, 1000000000);
    const bool verbose = args.is_set("--verbose"), naive = args.is_set("--naive");

    // --host may name several addresses (lesson 04): bind to the first that works.
    Socket listener =
        cli::host_port(args.get("--host"), args.port(), Type::stream, [](const Address& address) {
          Socket s = Socket::tcp(address.family());
          s.set_reuse_address(true);
          s.bind(address);
          return s;
        });
    listener.listen(4096);  // a burst of clients queues here until the loop accept()s them
    listener.set_non_blocking(true);  // accept() must never wait: we do the waiting in poll()
    // Out of descriptors (EMFILE), accept() fails but the client stays queued: poll()
    // reports the listener again at once and a loop that just tries again spins at
    // 100 % CPU. The layer's AcceptGuard keeps a spare descriptor to accept-and-close
    // that client (muduo's trick), and says when to stop asking for a while instead.
    AcceptGuard guard;  // (before the first line: the spare is open from the start)
    cli::say_listening(listener);
    // Each client is a descriptor; the default limit (often 1024) would stop us early.
    // (Windows counts no sockets against such a limit: SIZE_MAX, "none".)
    const std::size_t limit = raise_open_file_limit(65536);
    cli::say("open-file limit: {}", limit == SIZE_MAX ? "none" : std::to_string(limit));

    Clock::time_point accept_again{};  // until then the listener is not polled (step 3)
    std::vector<Client> clients;
    std::vector<PollFd> fds;
    std::array<char, 64 * 1024> buffer;
    long long gone = 0;

    while (exit_after == 0 || gone < exit_after) {
      // What do we want from each socket?
      const auto now = Clock::now();
      const bool accepting = now >= accept_again;
      fds.clear();
      fds.push_back({listener.native_handle(), accepting ? Events::in : Events::none});
      for (const Client& c : clients) {
        Events want = Events::none;
        if (!c.eof && c.pending.size() < max_pending) want |= Events::in;
        if (!c.pending.empty()) want |= Events::out;
        fds.push_back({c.sock.native_handle(), want});
      }

      // 1. Wait until at least one socket is ready (no timeout: nothing else to do,
      //    unless accepting is paused: then until it may resume).
      poll(fds, accepting ? wait_forever
                          : std::chrono::ceil<std::chrono::milliseconds>(accept_again - now));

      // 3. New clients: accept() until it would block (several may be queued).
      while (has(fds[0].revents, Events::in)) {
        std::error_code ec;
        // SOLUTION-BEGIN: TODO(step 3): accept() on the non-blocking listener through
        // `guard` (guard.accept(listener, ec)), errors into `ec`; stop when it would block:
        // no client is waiting any more (man 2 accept).
        // SOLUTION-STUB: throw std::logic_error("TODO(step 3): accept() is not written yet");
        // SOLUTION-STUB: Accepted a;  // replace this line
        Accepted a = guard.accept(listener, ec);
        if (is_would_block(ec)) break;
        // SOLUTION-END
        // (the guard's report: at most one line a second, however many clients)
        if (auto line = guard.report()) cli::say("{}", *line);
        if (is_resource_shortage(ec)) {
          if (guard.pause() == std::chrono::milliseconds(0)) continue;  // shed one: the next
          accept_again = Clock::now() + guard.pause();  // the spare could not help: back off
          break;
        }
        throw_if(ec, "accept");
        if (!naive) a.socket.set_non_blocking(true);
        if (verbose) cli::say("connection from {}", a.peer.to_string());
        clients.emplace_back(std::move(a.socket), a.peer);
      }

      // 2. Serve the sockets poll() reported in revents (fds[i + 1] is clients[i]).
      for (std::size_t i = 0; i + 1 < fds.size(); ++i) {
        Client& c = clients[i];
        Events ev = fds[i + 1].revents;
        if (has(ev, Events::in | Events::error | Events::hangup)) read_from(c, buffer, naive);
        if (has(ev, Events::out) && !c.done()) write_to(c);
      }

      // Forget the clients that are done (Socket's destructor closes them).
      auto first_done = std::stable_partition(clients.begin(), clients.end(),
                                              [](const Client& c) { return !c.done(); });
      for (auto it = first_done; it != clients.end(); ++it, ++gone)
        if (verbose) cli::say("closed {}", it->peer.to_string());
      clients.erase(first_done, clients.end());
    }
    return 0;
  });
}
