// Lesson 07 — serving many clients, 3 of 4: a bounded thread pool.
//
// A fixed number of worker threads and a queue of fixed size between them and
// the accepting thread:
//
//   accept() --> [ queue: at most --queue connections ] --> --workers threads
//
// Memory and threads stay bounded however many clients come. When every worker
// is busy the next clients wait in the queue (connected, but unanswered). When
// the queue is full too, the server must say no: this one accept()s the client,
// sends "busy: ..." and closes — a clear answer at once, instead of leaving it
// hanging. (The other choice: stop calling accept(); then clients pile up in the
// listen() backlog, and when that is full the kernel drops their SYNs.)
//
// Docs: docs/lessons/07-many-clients.md
#include <socklab/accept_guard.hpp>
#include <socklab/socklab.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace socklab;

// Accepted connections waiting for a worker; at most `capacity` of them.
class ConnectionQueue {
 public:
  explicit ConnectionQueue(std::size_t capacity) : capacity_(capacity) {}

  // Called by the accepting thread. Never waits: false means "full".
  bool try_push(Accepted& connection) {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(connection));
    ready_.notify_one();
    return true;
  }
  // Called by the workers: waits for a connection; nullopt once closed and empty.
  std::optional<Accepted> pop() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return !queue_.empty() || closed_; });
    if (queue_.empty()) return std::nullopt;
    Accepted next = std::move(queue_.front());
    queue_.pop_front();
    return next;
  }
  // No more connections will come: the workers finish the queue, then stop.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    ready_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Accepted> queue_;
  std::size_t capacity_;
  bool closed_ = false;
};

void serve(Socket& client, const Address& peer) {
  try {
    LineReader lines(client);
    while (auto line = lines.read_line()) send_all(client, "echo: " + *line + "\n");
  } catch (const Error& e) {
    fmt::print(stderr, "pool_server: client {}: {}\n", peer.to_string(), e.what());
  }
  cli::say("closed {}", peer.to_string());
}

int main(int argc, char** argv) {
  cli::Parser args("pool_server", "Lesson 07: a fixed pool of worker threads and a bounded queue.");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "8888", "TCP port; 0 lets the kernel pick a free one")
      .option("--workers", "N", "4", "worker threads: clients served at the same time")
      .option("--queue", "N", "16", "connections that may wait for a worker")
      .option("--max-clients", "N", "0", "accept N clients, finish them, exit (0 = never)");

  return cli::run(argc, argv, args, [&] {
    const int workers = static_cast<int>(args.integer("--workers", 1, 10000));
    const int capacity = static_cast<int>(args.integer("--queue", 0, 10000));
    const int max_clients = static_cast<int>(args.integer("--max-clients", 0, 10000));

    // --host may name several addresses (lesson 04): bind to the first that works.
    Socket listener =
        cli::host_port(args.get("--host"), args.port(), Type::stream, [](const Address& address) {
          Socket s = Socket::tcp(address.family());
          s.set_reuse_address(true);
          s.bind(address);
          return s;
        });
    listener.listen(64);
    // Out of descriptors (EMFILE): the layer's AcceptGuard closes the waiting client
    // with a spare descriptor and says when to back off, so a burst of clients
    // neither ends the server nor makes it spin (lesson 08 explains the trick).
    AcceptGuard guard;
    cli::say_listening(listener);

    // 4. (the lesson's E2E step 4) The workers: each takes the next connection from
    // the queue and serves it.
    // However main() ends — also when accept() throws — the queue is closed
    // first, so that the workers return from pop() and the jthreads can join;
    // otherwise the process would wait for them forever.
    ConnectionQueue queue(static_cast<std::size_t>(capacity));
    struct Pool {
      ConnectionQueue& queue;
      std::vector<std::jthread> threads;  // a jthread joins when destroyed...
      ~Pool() { queue.close(); }          // ...after this has woken it up
    } pool{queue, {}};
    // SOLUTION-BEGIN: TODO(step 4): start `workers` threads in `pool.threads`; worker W takes
    // connections from queue.pop() until it returns nullopt, says "worker W serves PEER",
    // and serve()s it.
    // SOLUTION-STUB: (void)workers;  // remove this line
    // SOLUTION-STUB: throw std::logic_error("TODO(step 4): the workers are not started yet");
    for (int w = 1; w <= workers; ++w)
      pool.threads.emplace_back([&queue, w] {
        while (auto job = queue.pop()) {
          cli::say("worker {} serves {}", w, job->peer.to_string());
          serve(job->socket, job->peer);
        }
      });
    // SOLUTION-END

    for (int accepted = 0; max_clients == 0 || accepted < max_clients;) {
      // Any other accept() error ends the server (exit 1, one line on stderr) once
      // the workers are done with their clients; a client that gave up is no error.
      std::error_code ec;
      Accepted connection = guard.accept(listener, ec);
      if (auto line = guard.report()) cli::say("{}", *line);  // at most one line a second
      if (is_resource_shortage(ec)) {
        std::this_thread::sleep_for(guard.pause());  // 0 unless the spare could not help
        continue;
      }
      if (ec == std::errc::connection_aborted) continue;
      if (ec) throw Error(ec, "accept", listener.local_address().to_string());
      ++accepted;
      std::string peer = connection.peer.to_string();
      if (queue.try_push(connection)) {
        cli::say("connection from {}: queued", peer);
      } else {
        // Full: say so and close, rather than keep a client waiting unanswered.
        std::error_code ignored;  // it may be gone already; that is fine
        send_all(connection.socket, "busy: all workers are busy and the queue is full\n", ignored);
        connection.socket.close(ignored);
        cli::say("connection from {}: turned away (queue full)", peer);
      }
    }
    queue.close();         // the workers serve what is queued, then return
    pool.threads.clear();  // joins them
    return 0;
  });
}
