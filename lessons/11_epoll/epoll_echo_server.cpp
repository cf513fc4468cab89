// Lesson 11 — an echo server on epoll: one thread, thousands of clients, and the
// kernel (not our loop) keeps the list of sockets we are interested in.
//
// Lesson 08's poll() hands the kernel every descriptor on every turn: O(n) work to
// find a few ready ones. epoll_ctl() registers a socket once; epoll_wait() returns
// only the ready ones: O(ready). The turn of the loop:
//   1. epoll_create1(), epoll_ctl(ADD) the listener          (once)
//   2. epoll_wait(timeout = the earliest idle deadline)      (the only wait)
//   3. listener ready: accept() until EAGAIN, through AcceptGuard (EMFILE: the spare)
//   4. client ready: recv() — LT: once is enough; ET (--edge): until EAGAIN
//   5. send() the echo; what the kernel won't take waits, with EPOLLOUT interest
//   6. recv() = 0 (EPOLLRDHUP): the peer is done; close() removes it from epoll
//   7. --idle-timeout: connections silent that long are closed (a min-heap of deadlines)
// (8. is reactor_server.cpp: one loop per thread.)
//   9. --workers N: N processes, each with its OWN listener on the same port (SO_REUSEPORT:
//      the kernel hashes each new connection to one listener) and its own epoll loop (1-7).
//      The parent serves nobody: it starts them, passes SIGTERM/SIGINT on, and waits.
//      This is nginx's shape; it gets past one process's RLIMIT_NOFILE, and past one core.
// Docs: docs/lessons/11-epoll.md
#include <socklab/accept_guard.hpp>
#include <socklab/epoll.hpp>
#include <socklab/poll.hpp>
#include <socklab/process.hpp>
#include <socklab/socklab.hpp>
#include <socklab/timer_heap.hpp>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace socklab;
using Clock = TimerHeap::Clock;

struct Client {
  Socket sock;
  std::uint64_t serial = 0;       // this connection's number (descriptors are reused)
  std::string out;                // echo not yet taken by the kernel: the output queue
  EpollEvents interest{};         // what epoll watches now
  Clock::time_point last_active;  // for --idle-timeout
  bool eof = false;               // the peer has finished sending
  bool failed = false;
};
// The output queue is bounded: past this, we stop reading from that client (its own
// data then waits in ITS socket buffers), so a client that never reads costs us at
// most this much and stalls nobody else.
constexpr std::size_t max_queued = 256 * 1024;

struct Server {
  Epoll ep;
  Socket listener;
  AcceptGuard guard;  // (opened before the first line: the spare is there from the start)
  TimerHeap timers;
  std::chrono::milliseconds idle{0};  // --idle-timeout; 0 = never
  std::uint64_t serial = 0;
  bool edge = false, naive_drain = false, verbose = false;
  std::string who;  // --workers: "worker 2 (pid 4711): " before each line; else ""
  std::vector<std::unique_ptr<Client>> by_fd;  // clients, indexed by descriptor
  std::array<char, 16 * 1024> buffer;

  // 5. Ask epoll for exactly what we need now: input while the queue has room, and
  //    EPOLLOUT only while output is queued (a writable socket is the normal case:
  //    watching it always would wake us for nothing, on every turn, under LT).
  void update(Client& c) {
    EpollEvents want = edge ? EpollEvents::et : EpollEvents::none;
    if (!c.eof && c.out.size() < max_queued) want |= EpollEvents::in | EpollEvents::rdhup;
    if (!c.out.empty()) want |= EpollEvents::out;
    if (want == c.interest) return;
    if (verbose && has(want, EpollEvents::out) != has(c.interest, EpollEvents::out))
      cli::say("{}connection {}: EPOLLOUT {} ({} bytes queued)", who, c.serial,
               c.out.empty() ? "off" : "on", c.out.size());
    ep.modify(c.sock.native_handle(), want, c.sock.native_handle());
    c.interest = want;
  }

  // 5. send() what the kernel takes now; the rest stays queued until EPOLLOUT.
  void send_queued(Client& c) {
    std::error_code ec;
    // SOLUTION-BEGIN: TODO(step 5): send() `c.out` without waiting: would block = later,
    // another error = c.failed; erase what was sent, keep the rest (man 2 send).
    // SOLUTION-STUB: (void)c;
    // SOLUTION-STUB: throw std::logic_error("TODO(step 5): send() is not written yet");
    std::size_t n = c.sock.send(c.out, ec);
    if (ec && ec != std::errc::operation_would_block) c.failed = true;
    c.out.erase(0, n);
    // SOLUTION-END
  }

  // 4. Read what arrived. LT: one recv() per event is fine, epoll reports the rest
  //    on the next turn. ET reports a change once: read until EAGAIN or lose it.
  void read_from(Client& c) {
    while (c.out.size() < max_queued) {
      std::error_code ec;
      // SOLUTION-BEGIN: TODO(step 4): recv() into `buffer`: would block = drained, return;
      // an error = c.failed, 0 bytes = c.eof (then return) (man 2 recv).
      // SOLUTION-STUB: throw std::logic_error("TODO(step 4): recv() is not written yet");
      // SOLUTION-STUB: Received got{};  // replace this line
      Received got = c.sock.recv(buffer, ec);
      if (ec == std::errc::operation_would_block) return;
      if (ec) return void(c.failed = true);
      if (got.eof) return void(c.eof = true);  // 6. the peer's FIN (EPOLLRDHUP came with it)
      // SOLUTION-END
      c.out.append(buffer.data(), got.bytes);
      send_queued(c);
      if (!edge || naive_drain || c.failed) return;  // --naive-drain: THE ET PITFALL
    }
  }

  // 3. Accept every queued client (LT: one left behind costs a turn). AcceptGuard
  //    (lessons 07, 08) survives EMFILE with a spare descriptor, passes over a client
  //    that failed in the queue, and says when to stop trying for a while.
  void accept_all(Clock::time_point now) {
    const auto lfd = listener.native_handle();
    for (;;) {
      std::error_code ec;
      Accepted incoming = guard.accept_non_blocking(listener, ec);  // accept4(SOCK_NONBLOCK)
      if (auto line = guard.report()) cli::say("{}{}", who, *line);
      if (ec == std::errc::operation_would_block) break;  // nobody is waiting
      if (ec && guard.pause() > std::chrono::milliseconds(0)) {
        // Out of descriptors and the spare could not help: the client stays queued and
        // LT would report the listener again at once (a spin). Stop watching it; timer
        // 0 (serials start at 1) turns it back on.
        ep.modify(lfd, EpollEvents::none, lfd);
        return timers.push(now + guard.pause(), 0);
      }
      if (is_resource_shortage(ec)) continue;  // one waiting client shed: the next
      throw_if(ec, "accept");                  // the listener itself is broken (EBADF, ...)
      incoming.socket.set_no_delay(true);      // echoes go out in pieces: no Nagle stall
      auto h = incoming.socket.native_handle();
      if (h >= by_fd.size()) by_fd.resize(h + 1);
      auto c = std::make_unique<Client>();
      c->sock = std::move(incoming.socket), c->serial = ++serial, c->last_active = now;
      c->interest =
          (edge ? EpollEvents::et : EpollEvents::none) | EpollEvents::in | EpollEvents::rdhup;
      ep.add(h, c->interest, h);
      // The timer's id: serial and descriptor in one number (descriptors < 2^24).
      if (idle.count() > 0) timers.push(now + idle, c->serial << 24 | h);
      if (verbose) cli::say("{}connection {} from {}", who, c->serial, incoming.peer.to_string());
      by_fd[h] = std::move(c);
    }
  }

  void close(Client& c, const char* why) {
    if (verbose) cli::say("{}closed connection {} ({})", who, c.serial, why);
    by_fd[c.sock.native_handle()].reset();  // close(): the kernel drops it from epoll too
  }
};

// Steps 1-7: one process's loop, forever (with --workers, each worker runs its own).
void serve(Server& s) {
  // 1. The interest list lives in the kernel: register the listener once.
  // SOLUTION-BEGIN: TODO(step 1): epoll_create1() into `s.ep`, then epoll_ctl(ADD) the
  // listener for EPOLLIN with its descriptor as data (man 2 epoll_create1, epoll_ctl).
  // SOLUTION-STUB: throw std::logic_error("TODO(step 1): epoll_create1() is not written yet");
  s.ep = Epoll::create1();
  s.ep.add(s.listener.native_handle(), EpollEvents::in, s.listener.native_handle());
  // SOLUTION-END
  std::vector<EpollEvent> events(1024);

  for (;;) {
    // 2. Sleep until something is ready or the earliest deadline is due.
    std::size_t n = s.ep.wait(events, s.timers.timeout(Clock::now()));
    const auto now = Clock::now();
    for (std::size_t i = 0; i < n; ++i) {
      const auto fd = events[i].data;
      if (fd == s.listener.native_handle()) {
        s.accept_all(now);
        continue;
      }
      if (!s.by_fd[fd]) continue;  // closed earlier in this batch
      Client& c = *s.by_fd[fd];
      const EpollEvents ev = events[i].events;
      if (has(ev, EpollEvents::in | EpollEvents::rdhup | EpollEvents::hup | EpollEvents::err))
        s.read_from(c);
      if (has(ev, EpollEvents::out) && !c.failed) s.send_queued(c);
      // An error or hang-up while we are not reading (queue full): nobody will read it.
      if (has(ev, EpollEvents::err | EpollEvents::hup) && !has(c.interest, EpollEvents::in))
        c.failed = true;
      c.last_active = now;
      if (c.failed || (c.eof && c.out.empty())) {
        s.close(c, c.failed ? "error" : "peer closed");
        continue;
      }
      s.update(c);
    }
    // 7. Idle deadlines that are due. An entry whose client is gone (the serial
    //    differs) is dropped; one whose client was active since is pushed again.
    while (auto id = s.timers.pop_expired(Clock::now())) {
      if (*id == 0) {  // 3. the accept pause is over
        const auto lfd = s.listener.native_handle();
        s.ep.modify(lfd, EpollEvents::in, lfd);
        continue;
      }
      const std::uint64_t fd = *id & 0xffffff;
      Client* c = fd < s.by_fd.size() ? s.by_fd[fd].get() : nullptr;
      if (!c || c->serial != *id >> 24) continue;
      if (c->last_active + s.idle <= Clock::now())
        s.close(*c, "idle");
      else
        s.timers.push(c->last_active + s.idle, *id);
    }
  }
}

// 9. One listener per worker, all on the same address and port. SO_REUSEPORT (set before
//    bind(), on every one of them) lets them share it; without it the second bind() fails
//    with EADDRINUSE. --port 0: the first picks a free port and the others join it.
std::vector<Socket> open_listeners(const Address& address, long long workers) {
  std::vector<Socket> listeners;
  Address at = address;
  for (long long i = 0; i < workers; ++i) {
    Socket l = Socket::tcp(address.family());
    l.set_reuse_address(true);
    if (workers > 1) {
      // SOLUTION-BEGIN: TODO(step 9): let every worker's listener bind the same port:
      // setsockopt(SO_REUSEPORT) before bind() (man 7 socket).
      // SOLUTION-STUB: throw std::logic_error("TODO(step 9): SO_REUSEPORT is not written yet");
      l.set_reuse_port(true);
      // SOLUTION-END
    }
    l.bind(at);
    l.listen(4096);
    l.set_non_blocking(true);
    if (i == 0) at = l.local_address();
    listeners.push_back(std::move(l));
  }
  return listeners;
}

// 9. The parent of the workers. Each worker gets its own listener and (in serve(), after
//    fork()) its own epoll: an epoll instance created before fork() would be SHARED by
//    all of them. The parent waits for three signals, blocked so that none is lost:
//    SIGTERM/SIGINT (stop: pass it on, wait for every worker, exit 0) and SIGCHLD (a
//    worker ended on its own: stop the others, exit 1). A worker exits when the parent
//    does, even by SIGKILL (PR_SET_PDEATHSIG): no orphan keeps the port.
int run_workers(Server& s, std::vector<Socket>& listeners) {
  using process::Signal;
  process::block_signals({Signal::child, Signal::terminate, Signal::interrupt});
  const process::Pid parent = process::self();
  std::vector<process::Pid> pids;
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    const process::Pid pid = process::fork();
    if (pid == 0) {  // the worker: a copy of this process, from here on its own
      process::unblock_signals({Signal::child, Signal::terminate, Signal::interrupt});
      process::end_with_parent(parent, Signal::kill);
      s.listener = std::move(listeners[i]);
      listeners.clear();  // the other workers' listeners: not ours to keep open
      s.who = fmt::format("worker {} (pid {}): ", i + 1, process::self());
      if (s.verbose) cli::say("{}serving", s.who);
      serve(s);
    }
    pids.push_back(pid);
  }
  listeners.clear();  // each listener is now held by its worker alone
  for (;;) {
    const Signal got = process::wait_signal({Signal::child, Signal::terminate, Signal::interrupt});
    std::optional<process::Ended> ended;
    if (got == Signal::child && !(ended = process::try_wait_any())) continue;
    std::error_code gone;  // (a worker that has just ended: ESRCH, nothing to stop)
    for (process::Pid pid : pids)
      if (!ended || pid != ended->pid) process::kill(pid, ended ? Signal::terminate : got, gone);
    for (std::size_t left = pids.size() - (ended ? 1 : 0); left > 0; --left) process::wait_any();
    if (!ended) return 0;  // stopped by SIGTERM/SIGINT, every worker with it
    // A worker that exited said why itself (its error line); one killed by a signal could not.
    if (ended->signal != 0) {
      const auto nth = std::find(pids.begin(), pids.end(), ended->pid) - pids.begin() + 1;
      throw std::runtime_error(
          fmt::format("worker {} (pid {}) was killed by signal {}; the "
                      "other workers were stopped",
                      nth, ended->pid, ended->signal));
    }
    return 1;
  }
}

int main(int argc, char** argv) {
  cli::Parser args("epoll_echo_server", "Lesson 11: one thread serves many clients with epoll.");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "8888", "TCP port; 0 lets the kernel pick a free one")
      .option("--idle-timeout", "MS", "0", "close connections silent this long (0 = never)")
      .option("--workers", "N", "1", "N processes, each its own listener (SO_REUSEPORT) and loop")
      .flag("--edge", "edge-triggered epoll (EPOLLET) instead of level-triggered")
      .flag("--naive-drain", "with --edge: one recv() per event (the pitfall: clients stall)")
      .flag("--verbose", "a line per connection: accepted, EPOLLOUT on/off, closed");
  return cli::run(argc, argv, args, [&] {
    Address address = cli::host_port(args.get("--host"), args.port());
    Server s;
    s.idle = std::chrono::milliseconds(args.integer("--idle-timeout", 0, 24LL * 3600 * 1000));
    s.edge = args.is_set("--edge"), s.naive_drain = args.is_set("--naive-drain");
    s.verbose = args.is_set("--verbose");
    const long long workers = args.integer("--workers", 1, 1024);

    raise_open_file_limit(1 << 20);  // each client is a descriptor (before we say "listening")
    std::vector<Socket> listeners = open_listeners(address, workers);
    cli::say_listening(listeners[0]);
    if (workers > 1) return run_workers(s, listeners);
    s.listener = std::move(listeners[0]);
    serve(s);
    return 0;
  });
}
