// Lesson 14 — an echo server on io_uring: the proactor. We do not ask "is this socket
// ready?" (lesson 11's epoll, the reactor); we hand the kernel the whole operation —
// "recv into THIS buffer" — and it tells us when the operation is DONE, with its result.
//
// Two queues shared with the kernel: requests go into the submission queue (SQ), one
// completion per request comes back in the completion queue (CQ), carrying the `data`
// we gave the request: here the connection's number and which operation it was.
// The turn of the loop:
//   1. io_uring_queue_init(): the two queues                   (once)
//   2. submit_and_wait(): hand over what was prepared AND sleep until a completion
//      is in (one system call: the only wait); then peek() every completion that is
//      in the queue — shared memory, no system call each
//   3. accept done: a new connection gets its own buffer and its first recv; accept
//      again. -EMFILE: AcceptGuard sheds a client (the spare), or we pause on a timeout
//   4. recv done with n bytes: send those n bytes from the same buffer
//   5. send done: a SHORT send (fewer bytes than asked) sends the rest; all sent: recv
//   6. recv = 0 (the peer closed), an error or -ECANCELED: close — but only once no
//      operation of that connection is in flight (its buffer is the kernel's until then)
//   7. --idle-timeout: a silent connection's recv is cancelled (a min-heap of deadlines)
// Who owns a buffer while an operation is in flight? The KERNEL. Every connection has
// at most one operation in flight, and its buffer lives as long as the connection.
// Docs: docs/lessons/14-proactor.md
#include <socklab/accept_guard.hpp>
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>
#include <socklab/timer_heap.hpp>
#include <socklab/uring.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>

using namespace socklab;
using Clock = TimerHeap::Clock;

// A completion's `data`: the connection's serial number (descriptors are reused, serials
// are not) and what the operation was, in one 64-bit number.
enum Op : std::uint64_t { accept_op = 1, recv_op, send_op, cancel_op, pause_op };
constexpr std::uint64_t tag(std::uint64_t serial, Op op) {
  return serial << 3 | op;
}

constexpr std::size_t buffer_size = 8 * 1024;

struct Conn {
  Socket sock;
  std::uint64_t serial = 0;
  // The connection's buffer: a recv fills it, a send empties it. Never both at once,
  // and never freed while the kernel holds it (in_flight != 0).
  std::unique_ptr<char[]> buffer = std::make_unique_for_overwrite<char[]>(buffer_size);
  std::size_t filled = 0, sent = 0;  // the echo: buffer[sent, filled) is still to send
  std::uint64_t in_flight = 0;       // the data of the operation the kernel holds, or 0
  bool closing = false;              // close() was asked while an operation was in flight
  const char* why = "";
  Clock::time_point last_active;
};

struct Server {
  Uring ring;
  Socket listener;
  AcceptGuard guard;  // (opened before the first line: the spare is there from the start)
  TimerHeap timers;
  std::chrono::milliseconds idle{0};  // --idle-timeout; 0 = never
  std::uint64_t serial = 0;
  bool verbose = false;
  std::unordered_map<std::uint64_t, std::unique_ptr<Conn>> conns;  // by serial, any number

  // The connection's next operation, and its buffer handed to the kernel. One that
  // cannot even be queued (a fault injected by a test) closes the connection.
  void recv_into(Conn& c) {
    c.filled = c.sent = 0;
    std::error_code ec;
    ring.prep_recv(c.sock.native_handle(), {c.buffer.get(), buffer_size}, tag(c.serial, recv_op),
                   ec);
    queued(c, tag(c.serial, recv_op), ec);
  }
  void send_rest(Conn& c) {
    std::error_code ec;
    ring.prep_send(c.sock.native_handle(), {c.buffer.get() + c.sent, c.filled - c.sent},
                   tag(c.serial, send_op), ec);
    queued(c, tag(c.serial, send_op), ec);
  }
  void queued(Conn& c, std::uint64_t op, const std::error_code& ec) {
    if (!ec) return void(c.in_flight = op);
    close(c, "error");
  }

  // 6. Closing: with nothing in flight, now; else cancel the operation and close when
  //    its completion (-ECANCELED, or its result if it was faster) comes back.
  void close(Conn& c, const char* why) {
    c.why = why;
    if (c.in_flight == 0) {
      if (verbose) cli::say("closed connection {} ({})", c.serial, why);
      const std::uint64_t gone = c.serial;  // (c is erased: not a key into itself)
      return void(conns.erase(gone));       // close(): the buffer goes with it
    }
    if (c.closing) return;
    c.closing = true;
    // 7. io_uring_prep_cancel: "stop that recv" (or send). The buffer is still the
    //    kernel's until the cancelled operation's own completion arrives.
    // SOLUTION-BEGIN: TODO(step 7): prep_cancel() the operation in flight (its data is
    // c.in_flight); the cancel's own completion carries tag(c.serial, cancel_op).
    // SOLUTION-STUB: throw std::logic_error("TODO(step 7): the cancel is not written yet");
    ring.prep_cancel(c.in_flight, tag(c.serial, cancel_op));
    // SOLUTION-END
  }

  // 3. A new connection: its own Conn (buffer and all) and its first recv.
  void adopt(Socket sock, Clock::time_point now) {
    auto c = std::make_unique<Conn>();
    c->sock = std::move(sock), c->serial = ++serial, c->last_active = now;
    // No throwing call on the accept path: a client that has already reset must not
    // take the server down.
    std::error_code ec;
    c->sock.set_no_delay(true, ec);  // echoes go out in pieces: no Nagle stall
    if (verbose) {
      Address peer = c->sock.peer_address(ec);
      cli::say("connection {} from {}", c->serial, ec ? "?" : peer.to_string());
    }
    if (idle.count() > 0) timers.push(now + idle, c->serial);
    Conn& conn = *conns.emplace(c->serial, std::move(c)).first->second;
    recv_into(conn);
  }

  // 3. The accept completed: result = the new descriptor, or -errno.
  void accepted(const Completion& done, Clock::time_point now) {
    if (done.ok()) {
      adopt(Socket(static_cast<Socket::native_handle_type>(done.result)), now);
      return ring.prep_accept(listener.native_handle(), tag(0, accept_op));
    }
    if (!is_resource_shortage(done.error()) && !is_client_accept_error(done.error()))
      throw_if(done.error(), "accept");  // the listener itself is broken (EBADF, ...)
    if (is_resource_shortage(done.error())) {
      // Out of descriptors, and the client still waits in the queue: accepting again
      // at once fails again at once (a spin). AcceptGuard closes its spare, accepts
      // that client, closes it, reopens the spare: the queue shrinks by one.
      std::error_code ec;
      listener.set_non_blocking(true, ec);  // (an empty queue must not block the guard)
      Accepted extra = guard.accept_non_blocking(listener, ec);
      std::error_code ignored;
      listener.set_non_blocking(false, ignored);
      if (auto line = guard.report()) cli::say("{}", *line);
      if (!ec) {  // descriptors came back meanwhile: a real client
        extra.socket.set_non_blocking(false, ec);
        adopt(std::move(extra.socket), now);
      } else if (guard.pause() > std::chrono::milliseconds(0)) {
        // Even the spare could not help: ask again after a pause, on io_uring's clock.
        return ring.prep_timeout(guard.pause(), tag(0, pause_op));
      }
    }
    ring.prep_accept(listener.native_handle(), tag(0, accept_op));
  }

  void completed(const Completion& done, Clock::time_point now) {
    const Op op = static_cast<Op>(done.data & 7);
    if (op == accept_op) return accepted(done, now);
    if (op == pause_op) return ring.prep_accept(listener.native_handle(), tag(0, accept_op));
    auto it = conns.find(done.data >> 3);
    if (it == conns.end()) return;  // a cancel's own completion for a connection gone
    Conn& c = *it->second;
    if (op == cancel_op) {
      if (verbose && done.result != 0)
        cli::say("connection {}: cancel: {}", c.serial, done.error().message());
      return;
    }
    c.in_flight = 0;  // the kernel has given the buffer back
    c.last_active = now;
    if (c.closing) return close(c, c.why);
    if (!done.ok()) {  // 6. a failed (-ECONNRESET, ...) or cancelled (-ECANCELED) operation
      return close(c, done.error() == std::errc::operation_canceled ? "cancelled" : "error");
    }
    const auto n = static_cast<std::size_t>(done.result);
    if (op == recv_op) {
      if (n == 0) return close(c, "peer closed");  // 6. the peer's FIN
      // 4. n bytes are in OUR buffer now: hand the same bytes to a send.
      // SOLUTION-BEGIN: TODO(step 4): the recv gave n bytes: c.filled = n, c.sent = 0,
      // then send_rest(c) (prep_send of buffer[sent, filled)).
      // SOLUTION-STUB: throw std::logic_error("TODO(step 4): the echo is not written yet");
      c.filled = n, c.sent = 0;
      send_rest(c);
      // SOLUTION-END
      return;
    }
    // 5. The send took n bytes — maybe fewer than asked. The rest: send it again.
    // SOLUTION-BEGIN: TODO(step 5): add n to c.sent; bytes left: send_rest(c) again
    // (a short send), else recv_into(c) for the next bytes.
    // SOLUTION-STUB: throw std::logic_error("TODO(step 5): the short send is not written yet");
    c.sent += n;
    if (c.sent < c.filled) {
      if (verbose) cli::say("connection {}: short send, the rest resubmitted", c.serial);
      return send_rest(c);
    }
    recv_into(c);
    // SOLUTION-END
  }
};

int main(int argc, char** argv) {
  cli::Parser args("uring_echo_server",
                   "Lesson 14: one thread serves many clients with io_uring (the proactor).");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "8888", "TCP port; 0 lets the kernel pick a free one")
      .option("--idle-timeout", "MS", "0", "close connections silent this long (0 = never)")
      .option("--entries", "N", "256", "submission queue entries (io_uring_queue_init)")
      .flag("--verbose", "a line per connection: accepted, short sends, closed and why");
  return cli::run(argc, argv, args, [&] {
    Address address = cli::host_port(args.get("--host"), args.port());
    Server s;
    s.idle = std::chrono::milliseconds(args.integer("--idle-timeout", 0, 24LL * 3600 * 1000));
    const auto entries = static_cast<unsigned>(args.integer("--entries", 1, 32768));
    s.verbose = args.is_set("--verbose");

    raise_open_file_limit(1 << 20);  // each client is a descriptor (before we say "listening")
    // 1. The two queues, mapped into this process (refused where io_uring is: the
    //    error says why). Made before "listening": a refusal is the first thing said.
    // SOLUTION-BEGIN: TODO(step 1): io_uring_queue_init() into `s.ring` with `entries`
    // (man 3 io_uring_queue_init).
    // SOLUTION-STUB: (void)entries;
    // SOLUTION-STUB: throw std::logic_error("TODO(step 1): the ring is not written yet");
    s.ring = Uring::queue_init(entries);
    // SOLUTION-END
    Socket& listener = s.listener = Socket::tcp(address.family());
    listener.set_reuse_address(true);
    listener.bind(address);
    listener.listen(4096);
    cli::say_listening(listener);
    s.ring.prep_accept(listener.native_handle(), tag(0, accept_op));  // 3. the first accept

    for (;;) {
      // 2. Hand the kernel what we prepared and sleep until an operation is done or the
      //    earliest idle deadline is due: one io_uring_enter(). Then every completion
      //    that is in the queue (steps 3-6), read from shared memory: under load one
      //    system call serves many requests.
      s.ring.submit_and_wait(s.timers.timeout(Clock::now()));
      while (auto done = s.ring.peek()) s.completed(*done, Clock::now());
      // 7. Idle deadlines that are due. An entry whose connection is gone is dropped;
      //    one whose connection was active since is pushed again.
      while (auto id = s.timers.pop_expired(Clock::now())) {
        auto it = s.conns.find(*id);
        if (it == s.conns.end()) continue;
        Conn& c = *it->second;
        if (c.last_active + s.idle <= Clock::now())
          s.close(c, "idle");
        else
          s.timers.push(c.last_active + s.idle, *id);
      }
    }
    return 0;
  });
}
