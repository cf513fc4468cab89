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
      .option("--sources", "K", "8", "source addresses 127.0.0.2 ... 127.0.0.(K+1)")
      .option("--pings", "P", "2000", "echoes the active client times while they are held");
  return cli::run(argc, argv, args, [&] {
    Address server = cli::host_port(args.get("--host"), args.port());
    const auto n = static_cast<std::size_t>(args.integer("--clients", 1, 1000000));
    const auto k = static_cast<int>(args.integer("--sources", 1, 250));
    const auto pings = static_cast<int>(args.integer("--pings", 1, 1000000));
    std::size_t limit = raise_open_file_limit(n + 64);
    if (limit < n + 16)
      throw Error(std::make_error_code(std::errc::too_many_files_open),
                  fmt::format("setrlimit(RLIMIT_NOFILE): {} allowed, {} needed", limit, n + 16));
    std::vector<Address> sources;
    for (int i = 0; i < k; ++i)
      sources.push_back(Address::parse(fmt::format("127.0.0.{}:0", i + 2)));

    auto start = Clock::now();
    std::vector<Socket> idle;
    idle.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      Socket s = Socket::tcp();
      s.bind(sources[i % sources.size()]);  // picks a port of THAT source address
      s.connect(server);
      idle.push_back(std::move(s));
    }
    auto ms = [](Clock::duration d) {
      return std::chrono::duration<double, std::milli>(d).count();
    };
    cli::say("connected {} clients in {:.0f} ms", n, ms(Clock::now() - start));

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
    auto at = [&](double q) { return lat[std::min(lat.size() - 1, std::size_t(q * lat.size()))]; };
    cli::say("active client: {} pings p50 {:.3f} ms p99 {:.3f} ms max {:.3f} ms", pings, at(0.5),
             at(0.99), lat.back());
    cli::say("holding");
    while (std::getchar() != EOF) {
    }
    return 0;
  });
}
