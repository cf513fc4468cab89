// Lesson 14 — the same echo server on Windows: I/O completion ports (IOCP), the proactor
// with Windows' names. As with io_uring we hand the system the whole operation —
// "WSARecv into THIS buffer" — and a completion port tells us when it is DONE.
//
// There is no submission queue: WSARecv, WSASend and AcceptEx start the operation when
// called. Each operation carries its own OVERLAPPED, and the completion gives that
// OVERLAPPED back: so each operation here is an object (Op) with the OVERLAPPED first,
// and its own buffer. The turn of the loop (the steps of uring_echo_server.cpp):
//   1. CreateIoCompletionPort(): the port; associate the listener with it     (once)
//   2. GetQueuedCompletionStatus(): sleep until ONE operation is done          (the only wait)
//   3. AcceptEx done: the new socket gets SO_UPDATE_ACCEPT_CONTEXT, joins the port, and
//      its first WSARecv; AcceptEx again (with a new socket: AcceptEx needs one ready)
//   4. WSARecv done with n bytes: the SAME Op (its buffer holds them) becomes a WSASend
//   5. WSASend done: a SHORT send sends the rest; all sent: the Op becomes a WSARecv
//   6. WSARecv = 0 bytes (the peer closed), an error, or cancelled: close — but only once
//      the connection's last operation has completed (its Op is the system's until then)
//   7. --idle-timeout: CancelIoEx() the silent connection's WSARecv (a min-heap of deadlines)
// Who owns an Op (its OVERLAPPED and its buffer) while it is in flight? The SYSTEM: we
// release() the unique_ptr when the call starts it, and take it back from the completion.
// On Linux this program says where to look instead (uring_echo_server) and exits 1.
// Docs: docs/lessons/14-proactor.md
#include <socklab/iocp.hpp>
#include <socklab/socklab.hpp>
#include <socklab/timer_heap.hpp>

#include <memory>
#include <span>
#include <unordered_map>

using namespace socklab;
using Clock = TimerHeap::Clock;

constexpr std::size_t buffer_size = 8 * 1024;
constexpr std::uint64_t accept_again = 0;  // the timer id of "start AcceptEx again"

struct Conn {
  Socket sock;
  std::uint64_t serial = 0;
  int in_flight = 0;     // operations the system holds; the Conn is freed only at 0
  bool closing = false;  // close() was asked while an operation was in flight
  const char* why = "";
  Clock::time_point last_active;
};

enum class Kind { accept, recv, send };

// One operation: the OVERLAPPED first (the completion gives us its address), then what
// the operation needs. A recv's buffer travels on with it when it becomes the send.
struct Op : Overlapped {
  Kind kind = Kind::recv;
  Conn* conn = nullptr;  // (accept: none)
  Socket accepting;      // (accept: the socket AcceptEx connects)
  std::unique_ptr<char[]> buffer = std::make_unique_for_overwrite<char[]>(buffer_size);
  std::size_t filled = 0, sent = 0;  // the echo: buffer[sent, filled) is still to send
};

struct Server {
  CompletionPort port;
  Socket listener;
  Family family = Family::ipv4;
  TimerHeap timers;
  std::chrono::milliseconds idle{0};  // --idle-timeout; 0 = never
  std::uint64_t serial = 0;
  bool verbose = false;
  std::unordered_map<std::uint64_t, std::unique_ptr<Conn>> conns;  // by serial, any number

  // Starts the Op's operation. Started: the Op is the system's (release) until its
  // completion. Not started (an error now): no completion will come; the Op is freed
  // here and the connection closed.
  void start(Conn& c, std::unique_ptr<Op> op) {
    std::error_code ec;
    if (op->kind == Kind::recv)
      port.wsa_recv(c.sock.native_handle(), {op->buffer.get(), buffer_size}, *op, ec);
    else
      port.wsa_send(c.sock.native_handle(), {op->buffer.get() + op->sent, op->filled - op->sent},
                    *op, ec);
    if (ec) return close(c, "error");
    op.release();  // the system's now: the completion hands it back
    ++c.in_flight;
  }

  // 6. Closing: with nothing in flight, now; else cancel what is in flight and close
  //    when the last completion (operation_canceled, or its result) comes back.
  void close(Conn& c, const char* why) {
    c.why = why;
    if (c.in_flight == 0) {
      if (verbose) cli::say("closed connection {} ({})", c.serial, why);
      const std::uint64_t gone = c.serial;
      return void(conns.erase(gone));  // closesocket()
    }
    if (c.closing) return;
    c.closing = true;
    std::error_code ec;
    port.cancel_io_ex(c.sock.native_handle(), ec);  // 7. CancelIoEx: every Op of c completes
    if (ec && verbose) cli::say("connection {}: cancel: {}", c.serial, ec.message());
  }

  // 3. AcceptEx needs the socket it will connect, made beforehand. If it cannot start
  //    (out of sockets or memory), try again in 100 ms rather than at once (a spin).
  void accept_next() {
    auto op = std::make_unique<Op>();
    op->kind = Kind::accept;
    std::error_code ec;
    op->accepting = Socket::tcp(family, ec);
    if (!ec)
      port.accept_ex(listener.native_handle(), op->accepting.native_handle(),
                     {op->buffer.get(), buffer_size}, *op, ec);
    if (!ec) return void(op.release());
    if (verbose) cli::say("AcceptEx: {}: again in 100 ms", ec.message());
    timers.push(Clock::now() + std::chrono::milliseconds(100), accept_again);
  }

  void accepted(std::unique_ptr<Op> op, const IoCompletion& done, Clock::time_point now) {
    accept_next();  // the next client's AcceptEx first
    // A failed AcceptEx (a client that reset while queued) loses that client only.
    if (!done.ok()) {
      if (verbose) cli::say("AcceptEx failed: {}", done.error.message());
      return;
    }
    auto c = std::make_unique<Conn>();
    c->sock = std::move(op->accepting), c->serial = ++serial, c->last_active = now;
    // No throwing call on the accept path: a client that has already reset must not
    // take the server down.
    std::error_code ec;
    CompletionPort::update_accept_context(c->sock.native_handle(), listener.native_handle(), ec);
    if (!ec) port.associate(c->sock.native_handle(), c->serial, ec);  // its completions: here
    if (ec) return;                                                   // (closes the socket)
    c->sock.set_no_delay(true, ec);  // echoes go out in pieces: no Nagle stall
    if (verbose) {
      Address peer = c->sock.peer_address(ec);
      cli::say("connection {} from {}", c->serial, ec ? "?" : peer.to_string());
    }
    if (idle.count() > 0) timers.push(now + idle, c->serial);
    Conn& conn = *conns.emplace(c->serial, std::move(c)).first->second;
    op->kind = Kind::recv, op->conn = &conn;  // the accept's Op becomes the first recv
    start(conn, std::move(op));
  }

  void completed(const IoCompletion& done, Clock::time_point now) {
    std::unique_ptr<Op> op(static_cast<Op*>(done.operation));  // ours again
    if (op->kind == Kind::accept) return accepted(std::move(op), done, now);
    Conn& c = *op->conn;  // alive: it has an operation in flight (this one)
    --c.in_flight;
    c.last_active = now;
    if (c.closing) return close(c, c.why);
    if (!done.ok())  // 6. a failed (connection_reset, ...) or cancelled operation
      return close(c, done.error == std::errc::operation_canceled ? "cancelled" : "error");
    if (op->kind == Kind::recv) {
      if (done.bytes == 0) return close(c, "peer closed");  // 6. the peer's FIN
      // 4. n bytes are in the Op's buffer: the same Op sends them.
      op->kind = Kind::send, op->filled = done.bytes, op->sent = 0;
      return start(c, std::move(op));
    }
    // 5. The send took n bytes — maybe fewer than asked. The rest: send it again.
    op->sent += done.bytes;
    if (op->sent < op->filled) {
      if (verbose)
        cli::say("connection {}: short send, {} of {} bytes so far: WSASend() the rest", c.serial,
                 op->sent, op->filled);
      return start(c, std::move(op));
    }
    op->kind = Kind::recv;
    start(c, std::move(op));
  }
};

int main(int argc, char** argv) {
  cli::Parser args("iocp_echo_server",
                   "Lesson 14: one thread serves many clients with I/O completion ports "
                   "(Windows' proactor).");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "8888", "TCP port; 0 lets the kernel pick a free one")
      .option("--idle-timeout", "MS", "0", "close connections silent this long (0 = never)")
      .flag("--verbose", "a line per connection: accepted, short sends, closed and why");
  return cli::run(argc, argv, args, [&] {
    Address address = cli::host_port(args.get("--host"), args.port());
    Server s;
    s.idle = std::chrono::milliseconds(args.integer("--idle-timeout", 0, 24LL * 3600 * 1000));
    s.verbose = args.is_set("--verbose");
    // 1. The port, before "listening": where there is none (Linux), that is the first
    //    and only thing said.
    s.port = CompletionPort::create();
    s.family = address.family();
    Socket& listener = s.listener = Socket::tcp(address.family());
    listener.set_reuse_address(true);
    listener.bind(address);
    listener.listen(4096);
    s.port.associate(listener.native_handle(), 0);  // AcceptEx's completions come here
    cli::say_listening(listener);
    s.accept_next();  // 3. the first AcceptEx

    for (;;) {
      // 2. Sleep until one operation is done or the earliest deadline is due.
      if (auto done = s.port.get_queued_completion_status(s.timers.timeout(Clock::now())))
        s.completed(*done, Clock::now());
      // 7. Deadlines that are due: "accept again", or a connection's idle time. An
      //    entry whose connection is gone is dropped; one active since is pushed again.
      while (auto id = s.timers.pop_expired(Clock::now())) {
        if (*id == accept_again) {
          s.accept_next();
          continue;
        }
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
