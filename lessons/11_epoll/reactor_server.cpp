// Lesson 11 — the reactor on several cores: one event loop per thread (muduo's
// "one loop per thread"). epoll_echo_server uses one core; this server runs N.
//
//   8. the main thread's loop only accepts; each new connection goes to one of N
//      loop threads, chosen round-robin, and lives there until it closes. The main
//      loop never waits for a worker: it puts the socket in that loop's inbox and
//      wakes the loop with eventfd (the loop's epoll watches the eventfd too).
//
// One connection = one loop = one thread: its bytes are read, queued and written by
// that thread alone, so a connection needs no lock. Only the inbox is shared. Each
// loop dispatches on what epoll reported (muduo's Channel::handleEvent) and keeps
// its own idle timers (--idle-timeout, as in epoll_echo_server).
//
// A thread's failure stops the server: the loop thread hands its exception to the
// main thread, which stops and joins every loop before it reports one line and
// exits 1 (a std::thread still joinable when destroyed would abort the process).
//
// The alternative is SO_REUSEPORT (Linux 3.9): N threads each open their OWN listener
// on the same port and the kernel spreads incoming connections over them by a hash
// of the addresses; no hand-over, no eventfd, but no say in the balance either (a
// busy loop keeps getting its share). See docs/lessons/11-epoll.md.
// Docs: docs/lessons/11-epoll.md
#include <socklab/accept_guard.hpp>
#include <socklab/epoll.hpp>
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>
#include <socklab/timer_heap.hpp>

#include <array>
#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace socklab;
using Clock = TimerHeap::Clock;
using std::chrono::milliseconds;

struct Conn {
  Socket sock;
  std::uint64_t serial = 0;
  std::string out;  // bounded output queue, as in epoll_echo_server
  EpollEvents interest = EpollEvents::in | EpollEvents::rdhup;
  Clock::time_point last_active;
  bool done = false;
};
constexpr std::size_t max_queued = 256 * 1024;

class Loop {
 public:
  Loop(int id, bool verbose, milliseconds idle) : id_(id), verbose_(verbose), idle_(idle) {
    ep_.add(wake_.native_handle(), EpollEvents::in, wake_id);
  }

  // Called by the MAIN thread (hand_over) or any thread (stop).
  void hand_over(Socket s, std::uint64_t serial, std::string peer) {
    {
      std::lock_guard lock(mutex_);
      inbox_.push_back({std::move(s), serial, std::move(peer)});
    }
    // SOLUTION-BEGIN: TODO(step 8): wake the loop's thread: write 1 to its eventfd `wake_`
    // (man 2 eventfd); its epoll_wait() watches it.
    // SOLUTION-STUB: throw std::logic_error("TODO(step 8): eventfd write is not written yet");
    wake_.write(1);
    // SOLUTION-END
  }
  void stop() noexcept {
    stopping_ = true;
    std::error_code ignored;
    wake_.write(1, ignored);
  }

  void run() {  // the loop thread's body: like epoll_echo_server's loop (LT)
    std::array<EpollEvent, 256> events;
    while (!stopping_) {
      std::size_t n = ep_.wait(events, timers_.timeout(Clock::now()));
      const auto now = Clock::now();
      for (std::size_t i = 0; i < n; ++i) {
        const auto fd = events[i].data;
        if (fd == wake_id) {
          adopt(now);
        } else if (Conn* c = by_fd_[fd].get()) {
          c->last_active = now;  // before handle(): it may close (free) the connection
          handle(*c, events[i].events);
        }
      }
      while (auto id = timers_.pop_expired(Clock::now())) {  // 7. idle deadlines due
        Conn* c = by_fd_[*id & 0xffffff].get();
        if (!c || c->serial != *id >> 24) continue;  // gone: the descriptor was reused
        if (c->last_active + idle_ <= Clock::now())
          close(*c, "idle");
        else
          timers_.push(c->last_active + idle_, *id);
      }
    }
  }

 private:
  struct Incoming {
    Socket sock;
    std::uint64_t serial;
    std::string peer;
  };
  static constexpr std::uint64_t wake_id = ~std::uint64_t{0};

  // One place decides what to do, from what epoll REPORTED (not from our interest):
  // input, EOF, an error or a hang-up -> recv() (it returns the data, 0 or the error);
  // room to write (or a fresh echo) -> send().
  void handle(Conn& c, EpollEvents ev) {
    std::error_code ec;
    if (has(ev, EpollEvents::in | EpollEvents::rdhup | EpollEvents::err | EpollEvents::hup)) {
      Received got = c.sock.recv(buffer_, ec);
      c.done = got.eof || (ec && !is_would_block(ec));
      c.out.append(buffer_.data(), got.bytes);
    }
    if (!c.out.empty() && (!ec || is_would_block(ec))) c.out.erase(0, c.sock.send(c.out, ec));
    if ((ec && !is_would_block(ec)) || (c.done && c.out.empty()))
      return close(c, ec && !is_would_block(ec) ? "error" : "peer closed");
    EpollEvents want = c.done || c.out.size() >= max_queued ? EpollEvents::none
                                                            : EpollEvents::in | EpollEvents::rdhup;
    if (!c.out.empty()) want |= EpollEvents::out;  // EPOLLOUT only while queued
    const auto fd = c.sock.native_handle();
    if (want != c.interest) ep_.modify(fd, c.interest = want, fd);
  }

  // On the loop's own thread: take the inbox, register each connection here.
  void adopt(Clock::time_point now) {
    wake_.read();  // reset the counter: LT would report it again otherwise
    std::vector<Incoming> mine;
    {
      std::lock_guard lock(mutex_);
      mine.swap(inbox_);
    }
    for (Incoming& in : mine) {
      auto h = in.sock.native_handle();
      if (h >= by_fd_.size()) by_fd_.resize(h + 1);
      auto c = std::make_unique<Conn>();
      c->sock = std::move(in.sock), c->serial = in.serial, c->last_active = now;
      ep_.add(h, c->interest, h);
      if (idle_.count() > 0) timers_.push(now + idle_, c->serial << 24 | h);
      if (verbose_) cli::say("connection {} from {} on loop {}", in.serial, in.peer, id_);
      by_fd_[h] = std::move(c);
    }
  }

  void close(Conn& c, const char* why) {
    if (verbose_) cli::say("loop {}: closed connection {} ({})", id_, c.serial, why);
    by_fd_[c.sock.native_handle()].reset();  // close(): gone from this loop's epoll too
  }

  int id_;
  bool verbose_;
  milliseconds idle_;
  Epoll ep_ = Epoll::create1();
  EventFd wake_ = EventFd::create();
  TimerHeap timers_;  // this loop's deadlines: touched by its thread only
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<Incoming> inbox_;               // guarded by mutex_: main thread in, loop thread out
  std::vector<std::unique_ptr<Conn>> by_fd_;  // touched by the loop's thread only
  std::array<char, 16 * 1024> buffer_;
};

// The loop threads. Whatever ends main() — its own exception or a loop's — first
// stops and joins them all (destroying a joinable std::thread calls std::terminate).
struct Crew {
  std::vector<std::unique_ptr<Loop>> loops;
  std::vector<std::thread> threads;
  EventFd failed = EventFd::create();  // a loop thread's failure wakes the main loop
  std::mutex mutex;
  std::exception_ptr error;  // the first loop thread's failure, for the main thread

  void start(int id, bool verbose, milliseconds idle) {
    Loop& loop = *loops.emplace_back(std::make_unique<Loop>(id, verbose, idle));
    threads.emplace_back([this, &loop] {
      try {
        loop.run();
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!error) error = std::current_exception();
        std::error_code ignored;
        failed.write(1, ignored);
      }
    });
  }
  std::exception_ptr failure() {
    std::lock_guard lock(mutex);
    return error;
  }
  ~Crew() {
    for (auto& loop : loops) loop->stop();
    for (auto& t : threads) t.join();
  }
};

int main(int argc, char** argv) {
  cli::Parser args("reactor_server", "Lesson 11: one epoll loop per thread, connections spread.");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "8888", "TCP port; 0 lets the kernel pick a free one")
      .option("--threads", "N", "2", "how many loop threads serve connections")
      .option("--idle-timeout", "MS", "0", "close connections silent this long (0 = never)")
      .flag("--verbose", "a line per connection: which loop got it, and when it closed");
  return cli::run(argc, argv, args, [&] {
    Address address = cli::host_port(args.get("--host"), args.port());
    const auto threads = static_cast<int>(args.integer("--threads", 1, 256));
    const milliseconds idle(args.integer("--idle-timeout", 0, 24LL * 3600 * 1000));
    const bool verbose = args.is_set("--verbose");
    raise_open_file_limit(1 << 20);  // each client is a descriptor (before we say "listening")
    Socket listener = Socket::tcp(address.family());
    listener.set_reuse_address(true);
    listener.bind(address);
    listener.listen(4096);
    listener.set_non_blocking(true);
    AcceptGuard guard;  // EMFILE: a spare descriptor and a back-off, as in epoll_echo_server
    cli::say_listening(listener);

    Crew crew;
    for (int i = 0; i < threads; ++i) crew.start(i, verbose, idle);

    // The main loop: accept, hand over round-robin, never serve. It watches the
    // listener (data 0) and the crew's failure eventfd (data 1).
    Epoll ep = Epoll::create1();
    const auto lfd = listener.native_handle();
    ep.add(lfd, EpollEvents::in, 0);
    ep.add(crew.failed.native_handle(), EpollEvents::in, 1);
    std::array<EpollEvent, 2> ready;
    milliseconds paused{-1};  // accepting paused for this long (-1: not paused)
    std::uint64_t serial = 0;
    for (;;) {
      const std::size_t n = ep.wait(ready, paused);
      for (std::size_t i = 0; i < n; ++i)
        if (ready[i].data == 1) std::rethrow_exception(crew.failure());  // a loop failed
      if (paused.count() >= 0) ep.modify(lfd, EpollEvents::in, 0);       // the pause is over
      paused = milliseconds(-1);
      for (;;) {
        std::error_code ec;
        Accepted incoming = guard.accept_non_blocking(listener, ec);  // accept4(SOCK_NONBLOCK)
        if (auto line = guard.report()) cli::say("{}", *line);
        if (ec == std::errc::operation_would_block) break;  // nobody is waiting
        if (ec && guard.pause() > milliseconds(0)) {        // the spare could not help: back off
          ep.modify(lfd, EpollEvents::none, 0);
          paused = guard.pause();
          break;
        }
        if (is_resource_shortage(ec)) continue;  // one waiting client shed: the next
        throw_if(ec, "accept");                  // the listener itself is broken
        incoming.socket.set_no_delay(true);      // no Nagle stall on a partial echo (lesson 09)
        crew.loops[serial % crew.loops.size()]->hand_over(std::move(incoming.socket), serial + 1,
                                                          incoming.peer.to_string());
        ++serial;
      }
    }
    return 0;
  });
}
