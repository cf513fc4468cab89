// Example: a load generator for any echo server.
//
//   build/bin/loadgen --port 8888 --connections 100 --size 64 --duration 5
//
// N connections, each in a closed loop: send a message of --size bytes (its
// last byte is '\n', so line-based servers work too), wait for the reply to
// end with '\n', send the next. The first --warmup seconds are not counted
// (connections opening, caches and TCP windows warming up); then --duration
// seconds are measured: requests/s, MB/s of replies, latency p50/p99/max,
// replies slower than 40 ms (lesson 09's Nagle + delayed-ACK stall), errors.
//
// --mode connect measures the connection rate instead: connect, one message,
// reply, close, again.
//
// One thread and poll(), like lesson 08: the generator itself must not be the
// bottleneck it measures. It only talks to loopback unless --allow-remote —
// pointing a load generator at somebody else's server is an attack.
//
// Docs: docs/examples/loadgen.md
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "latency.hpp"

using namespace socklab;
using Clock = std::chrono::steady_clock;

struct Conn {
  Socket sock;
  bool connecting = true;
  std::size_t sent = 0;       // bytes of the current message sent
  std::size_t received = 0;   // bytes of the current reply received
  Clock::time_point started;  // when the current request (or connect) began
  bool answered = false;      // got at least one reply
  bool dead = false;
};

struct Totals {
  std::uint64_t requests = 0, reply_bytes = 0, errors = 0, connects = 0;
  loadgen::Latencies latency;
};

class Load {
 public:
  Load(Address target, std::string message, bool verify, bool reconnect)
      : target_(std::move(target)),
        msg_(std::move(message)),
        verify_(verify),
        reconnect_(reconnect) {}

  void open(Conn& c, Clock::time_point now) {
    const bool answered = c.answered;  // kept across reconnects (connect mode)
    c = Conn{};
    c.answered = answered;
    c.sock = Socket::tcp(target_.family());
    c.sock.set_non_blocking(true);
    c.sock.set_no_delay(true);  // a request/response protocol: never wait for Nagle
    c.started = now;
    std::error_code ec;
    c.sock.connect(target_, ec);  // non-blocking: usually "in progress", POLLOUT says done
    if (ec && ec != std::errc::operation_in_progress)  // WSAEWOULDBLOCK too: docs/layer.md
      fail(c, ec.message());
  }

  // One turn of the loop for one connection, after poll() said `ev`.
  void serve(Conn& c, Events ev, Clock::time_point now, bool counting) {
    if (c.connecting) {
      if (!has(ev, Events::out | Events::error | Events::hangup)) return;
      if (std::error_code ec = c.sock.pending_error()) return fail(c, "connect: " + ec.message());
      c.connecting = false;
      if (!reconnect_) c.started = now;  // connect mode times connect + request + reply
      if (counting) ++totals.connects;
      send_some(c);
      return;
    }
    if (has(ev, Events::out) && c.sent < msg_.size()) send_some(c);
    if (has(ev, Events::in | Events::error | Events::hangup)) receive(c, now, counting);
  }

  Events wanted(const Conn& c) const {
    if (c.dead) return Events::none;
    if (c.connecting) return Events::out;
    return c.sent < msg_.size() ? Events::out | Events::in : Events::in;
  }

  void fail(Conn& c, const std::string& why) {
    if (!c.dead && first_error.empty()) first_error = why;
    c.dead = true;
    ++totals.errors;
  }

  Totals totals;
  std::string first_error;

 private:
  void send_some(Conn& c) {
    std::error_code ec;
    std::size_t n = c.sock.send(std::string_view(msg_).substr(c.sent), ec);
    if (is_would_block(ec)) return;
    if (ec) return fail(c, "send: " + ec.message());
    c.sent += n;
  }

  void receive(Conn& c, Clock::time_point now, bool counting) {
    std::error_code ec;
    Received got = c.sock.recv(buffer_, ec);
    if (is_would_block(ec)) return;
    if (ec) return fail(c, "recv: " + ec.message());
    if (got.eof) return fail(c, "the server closed the connection");
    std::string_view data(buffer_.data(), got.bytes);
    if (verify_ && (c.received + data.size() > msg_.size() ||
                    data != std::string_view(msg_).substr(c.received, data.size())))
      return fail(c, "the reply is not the message (--verify)");
    c.received += data.size();
    // The reply is complete at its '\n' (the message holds only one, at its end).
    if (data.back() != '\n') return;
    if (counting) {
      ++totals.requests;
      totals.reply_bytes += c.received;
      totals.latency.add(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.started).count()));
    }
    c.answered = true;
    if (reconnect_) return open(c, now);
    c.sent = c.received = 0;
    c.started = now;
    send_some(c);
  }

  Address target_;
  std::string msg_;
  bool verify_, reconnect_;
  std::array<char, 256 * 1024> buffer_;
};

double number(const cli::Parser& args, std::string_view name, double lo, double hi) {
  double v = -1;
  try {
    v = std::stod(args.get(name));
  } catch (const std::exception&) {
  }
  if (!(v >= lo && v <= hi))
    throw cli::UsageError(
        fmt::format("{} '{}': expected a number {}..{}", name, args.get(name), lo, hi));
  return v;
}

int main(int argc, char** argv) {
  cli::Parser args("loadgen", "Example: load an echo server; report requests/s, MB/s, latency.");
  args.option("--host", "HOST", "127.0.0.1",
              "the server's address (loopback unless --allow-remote)")
      .option("--port", "PORT", "8888", "the server's TCP port")
      .option("--connections", "N", "1", "concurrent connections")
      .option("--size", "BYTES", "64", "message size (the last byte is '\\n')")
      .option("--duration", "SECONDS", "5", "how long to measure (at most 600)")
      .option("--warmup", "SECONDS", "1", "how long to run before measuring")
      .option("--mode", "MODE", "echo", "echo (requests on open connections) or connect")
      .flag("--verify", "check that each reply is exactly the message (pure echo servers)")
      .flag("--tsv", "print one tab-separated line instead of the report (for scripts)")
      .flag("--allow-remote", "allow a target that is not a loopback address");

  return cli::run(argc, argv, args, [&] {
    const auto n = static_cast<std::size_t>(number(args, "--connections", 1, 100000));
    const auto size = static_cast<std::size_t>(number(args, "--size", 1, 64 * 1024 * 1024));
    const auto duration = std::chrono::duration<double>(number(args, "--duration", 0.1, 600));
    const auto warmup = std::chrono::duration<double>(number(args, "--warmup", 0, 60));
    const std::string mode = args.get("--mode");
    if (mode != "echo" && mode != "connect") throw cli::UsageError("--mode: echo or connect");
    // A load aims at one address: the first getaddrinfo() answer for a name (give a
    // numeric --host to choose). Every answer must be loopback, unless allowed.
    const std::vector<Address> targets = cli::host_ports(args.get("--host"), args.port());
    for (const Address& a : targets)
      if (!a.is_loopback() && !args.is_set("--allow-remote"))
        throw cli::UsageError(fmt::format(
            "{} is not a loopback address; load only servers you own (--allow-remote)", a.ip()));
    const Address target = targets.front();
    if (raise_open_file_limit(n + 64) < n + 16)
      throw std::runtime_error(fmt::format("{} connections need more descriptors than allowed", n));

    // The message: printable bytes, one '\n' at the end.
    std::string message(size, 'x');
    for (std::size_t i = 0; i + 1 < size; ++i) message[i] = static_cast<char>('a' + i % 26);
    message.back() = '\n';

    Load load(target, message, args.is_set("--verify"), mode == "connect");
    std::vector<Conn> conns(n);
    std::vector<PollFd> fds;
    std::vector<std::size_t> which;  // fds[k] is conns[which[k]]: dead connections are left out
    const auto start = Clock::now();
    const auto measure_from = start + std::chrono::duration_cast<Clock::duration>(warmup);
    const auto stop = measure_from + std::chrono::duration_cast<Clock::duration>(duration);
    for (Conn& c : conns) load.open(c, start);

    for (auto now = start; now < stop; now = Clock::now()) {
      fds.clear();
      which.clear();
      for (std::size_t i = 0; i < n; ++i)
        if (!conns[i].dead) {
          fds.push_back({conns[i].sock.native_handle(), load.wanted(conns[i])});
          which.push_back(i);
        }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(stop - now);
      auto wait = std::min(left + std::chrono::milliseconds(1), std::chrono::milliseconds(100));
      if (fds.empty()) break;  // every connection failed: nothing left to wait for
      poll(fds, wait);
      now = Clock::now();
      const bool counting = now >= measure_from;
      for (std::size_t k = 0; k < fds.size(); ++k)
        if (fds[k].revents != Events::none)
          load.serve(conns[which[k]], fds[k].revents, now, counting);
    }

    Totals& t = load.totals;
    std::size_t silent =
        0;  // connections that never got a reply (e.g. queued behind an iterative server)
    for (const Conn& c : conns) silent += !c.answered && !c.dead;
    const double secs = duration.count();
    const double rps = static_cast<double>(t.requests) / secs;
    const double mbps = static_cast<double>(t.reply_bytes) / secs / 1e6;
    const double p50 = static_cast<double>(t.latency.percentile(50)) / 1e3;
    const double p99 = static_cast<double>(t.latency.percentile(99)) / 1e3;
    const double max = static_cast<double>(t.latency.max()) / 1e3;
    const std::size_t slow = t.latency.at_least(40'000'000);
    if (args.is_set("--tsv")) {
      cli::say("{:.0f}\t{:.2f}\t{:.1f}\t{:.1f}\t{:.1f}\t{}\t{}\t{}", rps, mbps, p50, p99, max, slow,
               t.errors, silent);
      return 0;
    }
    cli::say("loadgen: {} {} x {} B to {}, {:.1f} s measured after {:.1f} s warm-up", n,
             n == 1 ? "connection" : "connections", size, target.to_string(), secs, warmup.count());
    if (mode == "connect") cli::say("connections/s {:.0f}", static_cast<double>(t.connects) / secs);
    cli::say("requests/s    {:.0f}", rps);
    cli::say("MB/s          {:.2f}", mbps);
    cli::say("latency       p50 {:.3f} ms  p99 {:.3f} ms  max {:.3f} ms", p50 / 1e3, p99 / 1e3,
             max / 1e3);
    cli::say("slow (>=40ms) {}", slow);
    cli::say("errors        {}{}", t.errors, t.errors ? " (first: " + load.first_error + ")" : "");
    if (silent) cli::say("silent        {} connections never got a reply", silent);
    return t.errors == 0 ? 0 : 1;
  });
}
