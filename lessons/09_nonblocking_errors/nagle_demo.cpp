// Lesson 09 — Nagle's algorithm meets delayed ACK: a 40 ms stall per message.
//
// A server answers each 4-byte request with a reply written in several small
// send()s (a header, then pieces of a body — as naive code often does). Timed
// on loopback, each round trip takes ~40 ms on Linux instead of ~0.05 ms. Why:
//
//   server: send(piece 1)  -> goes out at once (nothing unacknowledged)
//   server: send(piece 2)  -> Nagle (RFC 896): a small segment waits while
//                             earlier data is unacknowledged
//   client: got piece 1    -> delayed ACK (RFC 1122 4.2.3.2): wait a little for
//                             data to piggyback the ACK on; it has none, since
//                             it waits for the rest of the reply -> 40 ms timer
//   ...40 ms later the ACK comes, Nagle releases piece 2 and the rest.
//
// The fixes, measured side by side: write the whole reply with one send(), or
// switch Nagle off with TCP_NODELAY.
//
//   build/bin/nagle_demo                 # all three ways
//   build/bin/nagle_demo --mode small-writes --rounds 5
//
// Docs: docs/lessons/09-nonblocking-errors.md
#include <socklab/socklab.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace socklab;
using Clock = std::chrono::steady_clock;

constexpr int pieces = 4;                // the reply is written in this many send()s
constexpr std::size_t piece_size = 100;  // of this many bytes each
constexpr std::string_view request = "GET\n";

// Serves one connection: for each request, the reply, written the way `mode` says.
void serve(Socket listener, std::string mode, int rounds) try {
  Socket conn = listener.accept().socket;
  if (mode == "nodelay") conn.set_no_delay(true);  // the fix: no Nagle on this socket
  std::string piece(piece_size, 'r'), got(request.size(), '\0');
  for (int i = 0; i < rounds; ++i) {
    recv_exact(conn, got);
    if (mode == "whole") {
      std::string reply;  // the other fix: build the message, then ONE send
      for (int p = 0; p < pieces; ++p) reply += piece;
      send_all(conn, reply);
    } else {
      for (int p = 0; p < pieces; ++p) send_all(conn, piece);  // several small writes
    }
  }
} catch (const Error& e) {
  fmt::print(stderr, "nagle_demo: server: {}\n", e.what());  // the client's recv() times out
}

// Times each of `rounds` request/reply round trips with a server that replies the `mode` way.
std::vector<double> round_trips_ms(const std::string& mode, int rounds) {
  Socket listener = Socket::tcp();
  listener.bind(Address::parse("127.0.0.1:0"));
  listener.listen(1);
  Socket client = Socket::tcp();
  client.set_recv_timeout(std::chrono::seconds(5));
  client.connect(listener.local_address());
  std::thread server(serve, std::move(listener), mode, rounds);

  std::string reply(pieces * piece_size, '\0');
  std::vector<double> times;
  for (int i = 0; i < rounds; ++i) {
    auto start = Clock::now();
    send_all(client, request);
    recv_exact(client, reply);  // the client needs the WHOLE reply before it goes on
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  server.join();
  return times;
}

int main(int argc, char** argv) {
  cli::Parser args("nagle_demo", "Lesson 09: Nagle's algorithm + delayed ACK, measured.");
  args.option("--mode", "MODE", "all", "small-writes, nodelay, whole or all")
      .option("--rounds", "N", "8", "request/reply round trips per mode");

  return cli::run(argc, argv, args, [&] {
    const int rounds = static_cast<int>(args.integer("--rounds", 1, 1000));
    std::vector<std::string> modes{args.get("--mode")};
    if (modes[0] == "all") modes = {"small-writes", "nodelay", "whole"};
    for (const std::string& mode : modes) {
      if (mode != "small-writes" && mode != "nodelay" && mode != "whole")
        throw cli::UsageError(cli::tr("--mode must be small-writes, nodelay, whole or all"));
      std::vector<double> ms = round_trips_ms(mode, rounds);
      double total = 0;
      for (double t : ms) total += t;
      // The first round trips are often fast: Linux ACKs at once until it sees the
      // request/reply pattern ("quick ACK" mode). The median shows the steady state.
      std::sort(ms.begin(), ms.end());
      cli::say("{:<12} {} round trips in {:.1f} ms, median {:.3f} ms", mode, rounds, total,
               ms[ms.size() / 2]);
    }
    return 0;
  });
}
