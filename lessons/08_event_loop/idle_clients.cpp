// Lesson 08 — a load tool: open many idle connections to an echo server, hold
// them, then check that every one of them still gets its echo.
//
//   build/bin/poll_echo_server --port 0 &          (prints: listening on 127.0.0.1:PORT)
//   build/bin/idle_clients --port PORT --clients 10000 --hold-ms 5000
//
// It is not part of the test suite (10,000 connections take a few seconds and
// 20,000 descriptors); the docs record a run. Docs: docs/lessons/08-event-loop.md
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace socklab;
using Clock = std::chrono::steady_clock;

long long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

int main(int argc, char** argv) {
  cli::Parser args("idle_clients", "Lesson 08: hold many idle connections to an echo server.");
  args.option("--host", "HOST", "127.0.0.1", "the echo server's host")
      .option("--port", "PORT", "8888", "the echo server's port")
      .option("--clients", "N", "10000", "how many connections to open and hold")
      .option("--hold-ms", "MS", "2000", "how long to hold them idle before the echo check");

  return cli::run(argc, argv, args, [&] {
    const auto n = static_cast<unsigned long>(args.integer("--clients", 1, 1000000));
    const auto hold = std::chrono::milliseconds(args.integer("--hold-ms", 0, 3600 * 1000));
    std::size_t limit = raise_open_file_limit(n + 64);
    if (limit < n + 16)
      throw Error(std::make_error_code(std::errc::too_many_files_open),
                  fmt::format("setrlimit(RLIMIT_NOFILE): {} allowed, {} needed", limit, n + 16));

    // Open them all. Each connect() returns once the handshake is done: the
    //    kernel completes it for the server; the server need not accept() yet.
    auto start = Clock::now();
    auto open = [](const Address& server) {
      Socket s = Socket::tcp(server.family());
      s.set_recv_timeout(std::chrono::seconds(10));  // a missing echo fails, it does not hang
      s.connect(server);
      return s;
    };
    // The first tries each address of --host (lesson 04); the others use the one that worked.
    std::vector<Socket> clients;
    clients.reserve(n);
    clients.push_back(cli::host_port(args.get("--host"), args.port(), Type::stream, open));
    const Address server = clients.front().peer_address();
    for (unsigned long i = 1; i < n; ++i) clients.push_back(open(server));
    cli::say("connected {} clients in {} ms", n, ms_since(start));

    // Hold them: all idle, all open, in the server's poll() array.
    std::this_thread::sleep_for(hold);
    cli::say("held {} idle connections for {} ms", n, hold.count());

    // Every one still works: send on all of them, then read every echo.
    start = Clock::now();
    for (unsigned long i = 0; i < n; ++i)
      send_all(clients[i], fmt::format("ping {:05}\n", i % 100000));
    for (unsigned long i = 0; i < n; ++i) {
      std::string expected = fmt::format("ping {:05}\n", i % 100000), got(expected.size(), '\0');
      recv_exact(clients[i], got);
      if (got != expected)
        throw Error(errc::unexpected_eof, fmt::format("client {}: got '{}'", i, printable(got)));
    }
    cli::say("all {} clients got their echo in {} ms", n, ms_since(start));
    return 0;
  });
}
