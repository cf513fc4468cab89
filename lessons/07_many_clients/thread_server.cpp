// Lesson 07 — serving many clients, 2 of 4: one thread per connection.
//
// The fix for the iterative server's starvation: accept() a client, hand it to
// a new thread, and go straight back to accept(). Each client has its own
// thread blocked in its own recv(), so an idle client blocks only itself.
//
// The price: one thread (a stack of megabytes, a scheduler entry) per client,
// with no upper bound — 10,000 idle clients are 10,000 threads, and a burst of
// connections can exhaust memory or the thread limit. pool_server bounds it;
// lesson 08 serves them all from one thread.
//
// Docs: docs/lessons/07-many-clients.md
#include <socklab/accept_guard.hpp>
#include <socklab/socklab.hpp>

#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace socklab;
using namespace std::chrono_literals;

// Runs on its own thread: talks to one client until it closes the connection.
// The Socket is moved in, so the thread owns it and closes it when done.
void serve(Socket client, Address peer) {
  try {
    LineReader lines(client);
    while (auto line = lines.read_line()) send_all(client, "echo: " + *line + "\n");
  } catch (const Error& e) {
    fmt::print(stderr, "thread_server: client {}: {}\n", peer.to_string(), e.what());
  }
  cli::say("closed {}", peer.to_string());
}

int main(int argc, char** argv) {
  cli::Parser args("thread_server", "Lesson 07: a thread per connection.");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "8888", "TCP port; 0 lets the kernel pick a free one")
      .option("--max-clients", "N", "0",
              "accept N clients, wait until all have left, exit (0 = never)");

  return cli::run(argc, argv, args, [&] {
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
    // Out of descriptors (EMFILE), a throwing accept() would end the server at the
    // first burst of clients. The layer's AcceptGuard closes the waiting client with
    // a spare descriptor instead (it sees a close), and says when to back off.
    AcceptGuard guard;
    cli::say_listening(listener);

    // 2. (the lesson's E2E step 2) One std::async(launch::async) = one new thread. Its future joins
    // the thread when destroyed, so no thread outlives main() (none is detached).
    std::vector<std::future<void>> threads;
    for (int accepted = 0; max_clients == 0 || accepted < max_clients;) {
      std::error_code ec;
      auto [client, peer] = guard.accept(listener, ec);
      if (auto line = guard.report()) cli::say("{}", *line);  // at most one line a second
      if (is_resource_shortage(ec)) {
        std::this_thread::sleep_for(guard.pause());  // 0 unless the spare could not help
        continue;
      }
      if (ec) throw Error(ec, "accept", listener.local_address().to_string());
      ++accepted;
      // Join the threads whose clients have left: a long-running server must not
      // collect finished threads forever.
      // SOLUTION-BEGIN: TODO(step 2): a new thread runs serve(client, peer) (std::async with
      // launch::async; keep its future in `threads`), after joining the finished ones.
      // SOLUTION-STUB: throw std::logic_error("TODO(step 2): the thread is not started yet");
      std::erase_if(threads, [](auto& t) { return t.wait_for(0s) == std::future_status::ready; });
      threads.push_back(std::async(std::launch::async, serve, std::move(client), peer));
      // SOLUTION-END
      cli::say("connection from {} ({} threads serving)", peer.to_string(), threads.size());
    }
    cli::say("accepted {} clients; waiting for them to leave", max_clients);
    threads.clear();  // joins every thread
    return 0;
  });
}
