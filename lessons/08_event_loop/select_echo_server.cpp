// Lesson 08 — one thread, many sockets: the same echo server with select().
//
// select() is the oldest way to wait for many sockets (4.2BSD, 1983) and the
// one Python's tutorial-style code reaches for first:
//
//   r, w, _ = select.select(read_list, write_list, [])   ->  select(read, write, wait_forever)
//
// It works like poll_echo_server.cpp, with one catch that makes poll() the better
// tool: select()'s sets are bit sets of FD_SETSIZE bits (1024 on Linux), so a
// descriptor numbered 1024 or more cannot be watched at all. This server refuses
// such clients instead of corrupting memory (which FD_SET would do).
//
// Docs: docs/lessons/08-event-loop.md
#include <socklab/accept_guard.hpp>
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <array>
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

using namespace socklab;
using Clock = std::chrono::steady_clock;

struct Client {
  Client(Socket s, Address p) : sock(std::move(s)), peer(std::move(p)) {}
  Socket sock;
  Address peer;
  std::string pending;  // received, not yet echoed back
  bool eof = false;
  bool failed = false;
  bool done() const { return failed || (eof && pending.empty()); }
};
constexpr std::size_t max_pending = 1024 * 1024;

// 7. send() what the kernel takes now; the rest waits until select() says writable.
void write_to(Client& c) {
  std::error_code ec;
  // SOLUTION-BEGIN: TODO(step 7): as in poll_echo_server: send() what the kernel takes now.
  // SOLUTION-STUB: (void)c;  // remove this line
  // SOLUTION-STUB: throw std::logic_error("TODO(step 7): send() is not written yet");
  std::size_t n = c.sock.send(c.pending, ec);
  if (is_would_block(ec)) return;
  if (ec) c.failed = true;
  c.pending.erase(0, n);
  // SOLUTION-END
}

// 4. One recv() that must not wait: select() said readable (bytes, or EOF).
void read_from(Client& c, std::span<char> buffer) {
  std::error_code ec;
  // SOLUTION-BEGIN: TODO(step 4): as in poll_echo_server: one recv() that must not wait.
  // SOLUTION-STUB: throw std::logic_error("TODO(step 4): recv() is not written yet");
  // SOLUTION-STUB: Received got{};  // replace this line
  Received got = c.sock.recv(buffer, ec);
  if (is_would_block(ec)) return;
  if (ec || got.eof) {
    (ec ? c.failed : c.eof) = true;
    return;  // nothing to echo
  }
  // SOLUTION-END
  c.pending.append(buffer.data(), got.bytes);
  write_to(c);
}

// Can select() watch this socket, next to the ones we have? Ask it, with a zero timeout.
bool select_can_watch(const Socket& s, std::size_t clients) {
  std::error_code ec;
  Socket::native_handle_type h = s.native_handle();
  select(std::span(&h, 1), {}, std::chrono::milliseconds(0), ec);
  return !ec && clients + 2 <= select_limit();  // (Windows: a set holds FD_SETSIZE sockets)
}

int main(int argc, char** argv) {
  cli::Parser args("select_echo_server",
                   "Lesson 08: one thread serves many clients with select().");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "8888", "TCP port; 0 lets the kernel pick a free one")
      .flag("--verbose", "print a line for every client that comes or goes");

  return cli::run(argc, argv, args, [&] {
    const bool verbose = args.is_set("--verbose");

    // --host may name several addresses (lesson 04): bind to the first that works.
    Socket listener =
        cli::host_port(args.get("--host"), args.port(), Type::stream, [](const Address& address) {
          Socket s = Socket::tcp(address.family());
          s.set_reuse_address(true);
          s.bind(address);
          return s;
        });
    listener.listen(4096);
    listener.set_non_blocking(true);
    // Out of descriptors (EMFILE): as in poll_echo_server, the layer's AcceptGuard
    // sheds the queued client with a spare descriptor, or says how long to stop
    // watching the listener — a loop that just tries again would spin at 100 % CPU.
    AcceptGuard guard;  // (before the first line: the spare is open from the start)
    cli::say_listening(listener);
    cli::say("select() watches descriptors below FD_SETSIZE = {}", select_limit());
    raise_open_file_limit(65536);  // so that we reach FD_SETSIZE, not the file limit, first

    std::map<Socket::native_handle_type, Client> clients;  // by handle: select() returns handles
    std::array<char, 64 * 1024> buffer;
    Clock::time_point accept_again{};  // until then the listener is not watched (step 3)

    for (;;) {
      // The two lists: who may send us bytes, and to whom we owe bytes.
      const auto now = Clock::now();
      const bool accepting = now >= accept_again;
      std::vector<Socket::native_handle_type> want_read, want_write;
      if (accepting) want_read.push_back(listener.native_handle());
      for (const auto& [h, c] : clients) {
        if (!c.eof && c.pending.size() < max_pending) want_read.push_back(h);
        if (!c.pending.empty()) want_write.push_back(h);
      }

      // 5. Wait. select() returns the handles that are ready. No timeout, unless
      //    accepting is paused: then until it may resume.
      const auto timeout = accepting
                               ? wait_forever
                               : std::chrono::ceil<std::chrono::milliseconds>(accept_again - now);
      // SOLUTION-BEGIN: TODO(step 5): select() on the two lists with `timeout`
      // (socklab/poll.hpp; man 2 select).
      // SOLUTION-STUB: throw std::logic_error("TODO(step 5): select() is not written yet");
      // SOLUTION-STUB: Selected ready;  // replace this line
      Selected ready = select(want_read, want_write, timeout);
      // SOLUTION-END

      for (auto h : ready.readable) {
        if (h == listener.native_handle()) {
          // 3. New clients, until accept() would block.
          for (;;) {
            std::error_code ec;
            // SOLUTION-BEGIN: TODO(step 3): as in poll_echo_server: accept() until it would block.
            // SOLUTION-STUB: throw std::logic_error("TODO(step 3): accept() is not written yet");
            // SOLUTION-STUB: Accepted a;  // replace this line
            Accepted a = guard.accept(listener, ec);
            if (is_would_block(ec)) break;
            // SOLUTION-END
            // (the guard's report: at most one line a second, however many clients)
            if (auto line = guard.report()) cli::say("{}", *line);
            if (is_resource_shortage(ec)) {
              if (guard.pause() == std::chrono::milliseconds(0)) continue;  // shed one: next
              accept_again = Clock::now() + guard.pause();
              break;
            }
            throw_if(ec, "accept");
            // 6. select() cannot watch a descriptor at or above FD_SETSIZE.
            if (!select_can_watch(a.socket, clients.size())) {
              cli::say("refusing {}: select() cannot watch descriptor {}", a.peer.to_string(),
                       a.socket.native_handle());
              continue;  // `a` goes out of scope: closed
            }
            a.socket.set_non_blocking(true);
            if (verbose) cli::say("connection from {}", a.peer.to_string());
            Socket::native_handle_type key = a.socket.native_handle();
            clients.emplace(key, Client(std::move(a.socket), a.peer));
          }
        } else {
          read_from(clients.at(h), buffer);  // 4. a client sent bytes (or closed)
        }
      }
      for (auto h : ready.writable)  // 7. room in a send buffer we are waiting for
        if (auto it = clients.find(h); it != clients.end() && !it->second.done())
          write_to(it->second);

      // Forget the clients that are done.
      std::erase_if(clients, [&](const auto& entry) {
        if (entry.second.done() && verbose) cli::say("closed {}", entry.second.peer.to_string());
        return entry.second.done();
      });
    }
    return 0;  // not reached: stop the server with Ctrl-C
  });
}
