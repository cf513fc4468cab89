// Lesson 12 — ping_host: ICMP Echo Request out, Echo Reply back, TTL and round-trip time.
//
// ping is not UDP or TCP: it speaks ICMP, IP's own control protocol (RFC 792).
// There are two ways to open an ICMP socket:
//   - socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), the "ping socket": no root
//     needed if your group id is in net.ipv4.ping_group_range (many systems
//     set "0 2147483647"; the kernel's default "1 0" allows nobody). The kernel
//     sets the identifier and gives us only our own replies, without IP header.
//   - socket(AF_INET, SOCK_RAW, IPPROTO_ICMP): needs root (CAP_NET_RAW); we get
//     every ICMP message the host receives, IP header included, and must pick ours.
// We try the first and fall back to the second.
//
//   $ ping_host 10.12.4.2 --count 2
//   PING 10.12.4.2 with an ICMP datagram socket
//   16 bytes from 10.12.4.2: icmp_seq=1 ttl=61 time=0.081 ms
//
// Exit 0 if any reply came, 1 (one line on stderr) if none did within --timeout.
// Docs: docs/lessons/12-routing.md
#include <socklab/ip.hpp>
#include <socklab/observe/icmp.hpp>
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <array>
#include <chrono>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

using namespace socklab;
using namespace std::chrono;
namespace icmp = socklab::observe::icmp;

int main(int argc, char** argv) {
  cli::Parser args("ping_host", "Lesson 12: ICMP echo, with TTL and round-trip time per reply.");
  args.option("--host", "HOST", "127.0.0.1", "where to send (or give HOST as a word)")
      .option("--count", "N", "3", "how many echo requests")
      .option("--timeout", "MS", "1000", "wait this long for each reply")
      .option("--interval", "MS", "1000", "time between requests")
      .positionals("HOST", "the host to ping");
  return cli::run(argc, argv, args, [&] {
    if (args.words().size() > 1) throw cli::UsageError(cli::tr("give one HOST"));
    const std::string host = args.words().empty() ? args.get("--host") : args.words()[0];
    const long long count = args.integer("--count", 1, 1000);
    const auto timeout = args.milliseconds("--timeout");
    const auto interval = args.milliseconds("--interval");
    Address target = cli::host_port(host, 0, Type::datagram);
    const bool v6 = target.family() == Family::ipv6;

    // 1. The ICMP socket: unprivileged "ping socket" first, raw socket as root.
    std::error_code ec;
    Socket sock = icmp_datagram_socket(target.family(), ec);
    bool raw = false;
    if (ec) {
      std::error_code raw_ec;
      sock = icmp_raw_socket(target.family(), raw_ec);
      if (raw_ec) throw Error(ec, "socket(SOCK_DGRAM, IPPROTO_ICMP)");  // with the hint
      raw = true;
    }
    // The TTL of each reply, as a control message (a raw IPv4 socket has the header).
    set_recv_ttl(sock, true);
    // ICMP errors about our requests (unreachable...) into the error queue.
    set_recv_errors(sock, true);
    cli::say("PING {} with an ICMP {} socket", target.ip(), raw ? "raw" : "datagram");

    // The identifier: a raw socket's to pick (ping uses its PID); the kernel sets its own
    // on a datagram socket.
    const auto id = static_cast<std::uint16_t>(std::random_device{}() & 0xffff);
    long long received = 0;
    duration<double, std::milli> fastest{1e9}, slowest{0}, total{0};
    for (long long seq = 1; seq <= count; ++seq) {
      // 2. sendto(): an Echo Request with a sequence number and 8 bytes of data.
      std::array<std::byte, 8> data{};
      auto sent = steady_clock::now();
      // SOLUTION-BEGIN: TODO(step 4): build an Echo Request (icmp::echo_request) with `id`,
      // `seq` and `data`, and sendto() it to `target` (man 7 icmp).
      // SOLUTION-STUB: (void)data;
      // SOLUTION-STUB: throw std::logic_error("TODO(step 4): the Echo Request is not sent yet");
      sock.send_to(icmp::echo_request(v6, id, static_cast<std::uint16_t>(seq), data), target);
      // SOLUTION-END

      // 3. Wait (bounded) for our reply: poll() for data or an error.
      bool answered = false;
      const auto deadline = sent + timeout;
      for (int spins = 0; spins < 1000 && !answered; ++spins) {
        auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
        if (left <= 0ms) break;
        PollFd p{sock.native_handle(), Events::in};
        if (poll(std::span(&p, 1), left + 1ms) == 0) break;
        if (has(p.revents, Events::error)) {
          if (auto e = recv_error(sock)) {
            cli::say("From {}: icmp_seq={} {}", e->offender.ip(), seq, e->text());
            answered = true;  // answered, though not by the host
          }
          continue;
        }
        std::array<std::byte, 2048> buffer;
        ReceivedWithTtl got = recv_with_ttl(sock, buffer);
        auto now = steady_clock::now();
        std::span<const std::byte> message(buffer.data(), got.bytes);
        int ttl = got.ttl;
        if (raw && !v6) {  // IPv4 raw: the IP header comes first; the TTL is in it
          auto ip = icmp::decode_ip(message);
          if (!ip || ip->header_length > message.size()) continue;
          ttl = ip->ttl;
          message = message.subspan(ip->header_length);
        }
        auto reply = icmp::decode(message);
        if (!reply || !reply->is_echo_reply(v6) || reply->sequence != seq) continue;
        if (raw && (reply->identifier != id || got.from.ip() != target.ip())) continue;
        duration<double, std::milli> rtt = now - sent;
        cli::say("{} bytes from {}: icmp_seq={} ttl={} time={:.3f} ms", message.size(),
                 got.from.ip(), seq, ttl, rtt.count());
        ++received;
        answered = true;
        fastest = std::min(fastest, rtt);
        slowest = std::max(slowest, rtt);
        total += rtt;
      }
      if (!answered) cli::say("no reply for icmp_seq={} within {} ms", seq, timeout.count());
      if (seq < count) std::this_thread::sleep_for(interval);  // pacing, as ping does
    }

    // 4. The summary, and the exit code: 1 if nothing answered.
    cli::say("--- {}: {} sent, {} received, {}% loss", target.ip(), count, received,
             (count - received) * 100 / count);
    if (received == 0)
      throw std::runtime_error(
          cli::trf("no echo reply from {} within {} ms", target.ip(), timeout.count()));
    cli::say("rtt min/avg/max = {:.3f}/{:.3f}/{:.3f} ms", fastest.count(),
             total.count() / static_cast<double>(received), slowest.count());
    return 0;
  });
}
