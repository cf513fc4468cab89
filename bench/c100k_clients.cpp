// bench/c100k_clients.cpp — the client side of `bench/run.sh --c100k`: open N idle
// connections to an echo server (from several loopback source addresses, to get past
// the ~28,000 ephemeral ports one source address has), hold them, and meanwhile time
// one active client's echoes (p50/p99/max). A benchmark tool, not a lesson.
//
//   c100k_clients --port PORT --clients 100000 --sources 8 --pings 2000
//
// Prints "connected N clients in T ms", then (after the pings) one line
// "active client: P pings p50 X ms p99 Y ms max Z ms", then "holding" and waits
// for stdin to close (the script reads the server's memory while it holds).
// One process may hold only RLIMIT_NOFILE descriptors: bench/c100k.sh runs several,
// each with its own source addresses (--first-source), and one more with --clients 0
// for the pings once they all hold. At the end every connection is closed with
// SO_LINGER 0 (a reset): no TIME_WAIT keeps the source ports from the next run.
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace socklab;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  cli::Parser args("c100k_clients", "bench: hold many idle connections, time an active one.");
  args.option("--host", "HOST", "127.0.0.1", "the echo server's host")
      .option("--port", "PORT", "8888", "the echo server's port")
      .option("--clients", "N", "100000", "idle connections to open and hold")
      .option("--sources", "K", "8", "source addresses: K of them, from 127.0.0.2 on")
      .option("--first-source", "I", "0", "start at the I-th source address (127.0.0.2 + I)")
      .option("--pings", "P", "2000", "echoes the active client times (0: no active client)")
      .option("--confirm-every", "K", "500",
              "after every K connections, one echo on the newest (0: never)");
  return cli::run(argc, argv, args, [&] {
    Address server = cli::host_port(args.get("--host"), args.port());
    const auto n = static_cast<std::size_t>(args.integer("--clients", 0, 10000000));
    const auto k = static_cast<std::uint32_t>(args.integer("--sources", 1, 1 << 20));
    const auto first = static_cast<std::uint32_t>(args.integer("--first-source", 0, 1 << 20));
    const auto pings = static_cast<int>(args.integer("--pings", 0, 1000000));
    const auto confirm = static_cast<std::size_t>(args.integer("--confirm-every", 0, 1000000));
    std::size_t limit = raise_open_file_limit(n + 64);
    if (limit < n + 16)
      throw Error(std::make_error_code(std::errc::too_many_files_open),
                  fmt::format("setrlimit(RLIMIT_NOFILE): {} allowed, {} needed", limit, n + 16));
    std::vector<Address> sources;
    for (std::uint32_t i = 0; i < k; ++i) {  // 127.0.0.2 + first + i, all of 127/8 is loopback
      const std::uint32_t ip = (127u << 24) + 2 + first + i;
      sources.push_back(Address::parse(
          fmt::format("{}.{}.{}.{}:0", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255)));
    }

    auto start = Clock::now();
    std::vector<Socket> idle;
    idle.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      // Where a ceiling is hit (ENFILE, EADDRINUSE: no port left, ENOBUFS ...), say which call
      // and how far it got.
      const Address& from = sources[i % sources.size()];
      std::error_code ec;
      const char* call = "socket";
      Socket s = Socket::tcp(Family::ipv4, ec);
      if (!ec) call = "bind", s.bind(from, ec);  // picks a port of THAT source address
      if (!ec) call = "connect", s.connect(server, ec);
      if (ec)
        throw Error(ec,
                    fmt::format("{} (connection {} of {}, from {})", call, i + 1, n, from.ip()));
      // Pacing: connect() returns once the kernel completed the handshake, long before the
      // server accept()s. Run ahead by more than the listen backlog and the kernel drops
      // SYNs (ListenOverflows in /proc/net/netstat): that client waits 1 s, then 3 s, to
      // retry. One echo on the newest connection now and then waits until the server has
      // accepted it (a listener's queue is FIFO) without a sleep.
      if (confirm > 0 && (i + 1) % confirm == 0) {
        s.set_recv_timeout(std::chrono::seconds(30));
        std::string one(1, '\n');
        send_all(s, one);
        recv_exact(s, one);
      }
      idle.push_back(std::move(s));
    }
    auto ms = [](Clock::duration d) {
      return std::chrono::duration<double, std::milli>(d).count();
    };
    cli::say("connected {} clients in {:.0f} ms", n, ms(Clock::now() - start));

    if (pings > 0) {
      Socket active = Socket::tcp();
      active.set_no_delay(true);
      active.set_recv_timeout(std::chrono::seconds(5));
      active.connect(server);
      std::vector<double> lat;
      std::string msg(63, 'a'), back(64, '\0');
      msg += '\n';
      for (int i = 0; i < pings; ++i) {
        auto t = Clock::now();
        send_all(active, msg);
        recv_exact(active, back);
        lat.push_back(ms(Clock::now() - t));
      }
      std::sort(lat.begin(), lat.end());
      auto at = [&](double q) {
        return lat[std::min(lat.size() - 1, std::size_t(q * lat.size()))];
      };
      cli::say("active client: {} pings p50 {:.3f} ms p99 {:.3f} ms max {:.3f} ms", pings, at(0.5),
               at(0.99), lat.back());
    }
    cli::say("holding");
    while (std::getchar() != EOF) {
    }
    std::error_code ignored;
    for (Socket& s : idle) s.set_linger(std::chrono::seconds(0), ignored);  // RST, no TIME_WAIT
    return 0;
  });
}
