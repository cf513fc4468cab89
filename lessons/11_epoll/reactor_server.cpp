// Lesson 11 — the reactor on several cores: one event loop per thread (muduo's
// "one loop per thread"). epoll_echo_server uses one core; this server runs N.
//
//   8. the main thread's loop only accepts; each new connection goes to one of N
//      loop threads, chosen round-robin, and lives there until it closes. The main
//      loop never waits for a worker: it puts the socket in that loop's inbox and
//      wakes the loop with eventfd (the loop's epoll watches the eventfd too).
//
// One connection = one loop = one thread: its bytes are read, queued and written by
// that thread alone, so a connection needs no lock. Only the inbox is shared.
//
// The alternative is SO_REUSEPORT (Linux 3.9): N threads each open their OWN listener
// on the same port and the kernel spreads incoming connections over them by a hash
// of the addresses; no hand-over, no eventfd, but no say in the balance either (a
// busy loop keeps getting its share). See docs/lessons/11-epoll.md.
// Docs: docs/lessons/11-epoll.md
#include <socklab/epoll.hpp>
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace socklab;

struct Conn {
  Socket sock;
  std::uint64_t serial = 0;
  std::string out;  // bounded output queue, as in epoll_echo_server
  EpollEvents interest = EpollEvents::in | EpollEvents::rdhup;
  bool done = false;
};
constexpr std::size_t max_queued = 256 * 1024;

class Loop {
 public:
  Loop(int id, bool verbose) : id_(id), verbose_(verbose) {
    ep_.add(wake_.native_handle(), EpollEvents::in, wake_.native_handle());
  }

  // Called by the MAIN thread: the only member that is.
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

  void run() {  // the loop thread's body: like epoll_echo_server's loop (LT)
    std::array<EpollEvent, 256> events;
    std::array<char, 16 * 1024> buffer;
    for (;;) {
      std::size_t n = ep_.wait(events, wait_forever);
      for (std::size_t i = 0; i < n; ++i) {
        auto fd = events[i].data;
        if (fd == wake_.native_handle()) {
          adopt();
          continue;
        }
        if (!by_fd_[fd]) continue;
        Conn& c = *by_fd_[fd];
        std::error_code ec;
        if (has(events[i].events, EpollEvents::out)) c.out.erase(0, c.sock.send(c.out, ec));
        if (has(c.interest, EpollEvents::in) && !ec) {  // reading: the queue has room
          Received arrived = c.sock.recv(buffer, ec);
          c.done = arrived.eof;
          if (!ec && arrived.bytes > 0) {
            c.out.append(buffer.data(), arrived.bytes);
            c.out.erase(0, c.sock.send(c.out, ec));
          }
        }
        if ((ec && ec != std::errc::operation_would_block) || (c.done && c.out.empty())) {
          if (verbose_) cli::say("loop {}: closed connection {}", id_, c.serial);
          by_fd_[fd].reset();  // close(): gone from this loop's epoll too
          continue;
        }
        EpollEvents want = c.done || c.out.size() >= max_queued
                               ? EpollEvents::none
                               : EpollEvents::in | EpollEvents::rdhup;
        if (!c.out.empty()) want |= EpollEvents::out;  // EPOLLOUT only while queued
        if (want != c.interest) ep_.modify(fd, c.interest = want, fd);
      }
    }
  }

 private:
  struct Incoming {
    Socket sock;
    std::uint64_t serial;
    std::string peer;
  };
  // On the loop's own thread: take the inbox, register each connection here.
  void adopt() {
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
      c->sock = std::move(in.sock), c->serial = in.serial;
      ep_.add(h, c->interest, h);
      if (verbose_) cli::say("connection {} from {} on loop {}", in.serial, in.peer, id_);
      by_fd_[h] = std::move(c);
    }
  }

  int id_;
  bool verbose_;
  Epoll ep_ = Epoll::create1();
  EventFd wake_ = EventFd::create();
  std::mutex mutex_;
  std::vector<Incoming> inbox_;               // guarded by mutex_: main thread in, loop thread out
  std::vector<std::unique_ptr<Conn>> by_fd_;  // touched by the loop's thread only
};

int main(int argc, char** argv) {
  cli::Parser args("reactor_server", "Lesson 11: one epoll loop per thread, connections spread.");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "8888", "TCP port; 0 lets the kernel pick a free one")
      .option("--threads", "N", "2", "how many loop threads serve connections")
      .flag("--verbose", "a line per connection: which loop got it, and when it closed");
  return cli::run(argc, argv, args, [&] {
    Address address = cli::host_port(args.get("--host"), args.port());
    const auto threads = static_cast<int>(args.integer("--threads", 1, 256));
    const bool verbose = args.is_set("--verbose");
    raise_open_file_limit(1 << 20);  // each client is a descriptor (before we say "listening")
    Socket listener = Socket::tcp(address.family());
    listener.set_reuse_address(true);
    listener.bind(address);
    listener.listen(4096);
    listener.set_non_blocking(true);
    cli::say_listening(listener);

    std::vector<std::unique_ptr<Loop>> loops;
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) {
      Loop& loop = *loops.emplace_back(std::make_unique<Loop>(i, verbose));
      workers.emplace_back([&loop] {
        try {
          loop.run();
        } catch (const std::exception& e) {  // one line and exit 1, as cli::run would
          std::fprintf(stderr, "reactor_server: error: %s\n", e.what());
          std::exit(1);
        }
      });
    }

    // The main loop: accept, hand over round-robin, never serve.
    Epoll ep = Epoll::create1();
    ep.add(listener.native_handle(), EpollEvents::in, 0);
    Socket spare = Socket::udp();  // for EMFILE, as in epoll_echo_server
    std::array<EpollEvent, 1> ready;
    std::uint64_t serial = 0;
    for (;;) {
      ep.wait(ready, wait_forever);
      for (;;) {
        std::error_code ec;
        Accepted incoming = listener.accept(ec);
        if (ec == std::errc::operation_would_block) break;
        if (ec == std::errc::too_many_files_open ||
            ec == std::errc::too_many_files_open_in_system) {
          spare.close(ec);
          listener.accept(ec);  // accepted and closed at once
          spare = Socket::udp(Family::ipv4, ec);
          break;
        }
        throw_if(ec, "accept");
        incoming.socket.set_non_blocking(true);
        incoming.socket.set_no_delay(true);  // no Nagle stall on a partial echo (lesson 09)
        loops[serial % loops.size()]->hand_over(std::move(incoming.socket), serial + 1,
                                                incoming.peer.to_string());
        ++serial;
      }
    }
    return 0;
  });
}
