// Lesson 12 — trace_route: find the routers on the way, one TTL at a time.
//
// Every router takes one off a packet's Time to Live and, when it reaches 0,
// drops the packet and tells the sender: ICMP Time Exceeded, sent FROM the
// router (RFC 1812 section 5.3.1). So a datagram sent with TTL 1 makes the
// first router answer, TTL 2 the second, and so on. When a probe finally
// reaches the destination, nobody listens on its (unlikely) UDP port, and the
// host answers ICMP Port Unreachable: we have arrived (RFC 1393 era
// traceroute, Van Jacobson 1988).
//
// Reading the answers: an ordinary UDP socket with IP_RECVERR set keeps every
// ICMP error about its datagrams in its *error queue*, read with
// recvmsg(MSG_ERRQUEUE): who sent it (the router), its type and code, and our
// original destination. No root needed (Linux). The classic tool instead reads
// a raw ICMP socket (root) and matches the quoted UDP header to its probes.
//
//   $ trace_route 10.12.4.2
//   trace_route to 10.12.4.2, 30 hops max, 3 probes, UDP port 33434+
//     1  10.12.1.1  0.061 ms  0.034 ms  0.030 ms
//     ...
//   reached 10.12.4.2 in 4 hops
//
// A `*` is a probe nobody answered in time (a router that sends no ICMP, a
// rate limit, a firewall). Exit 0 when the destination answered, 1 if not.
// Docs: docs/lessons/12-routing.md
#include <socklab/ip.hpp>
#include <socklab/lab/route.hpp>
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace socklab;
using namespace std::chrono;

int main(int argc, char** argv) {
  cli::Parser args("trace_route", "Lesson 12: traceroute with UDP probes and the error queue.");
  args.option("--host", "HOST", "127.0.0.1", "where to trace to (or give HOST as a word)")
      .option("--max-hops", "N", "30", "give up after this TTL")
      .option("--probes", "N", "3", "probes per TTL")
      .option("--port", "P", "33434", "UDP port of the first probe (+1 for each next one)")
      .option("--wait", "MS", "1000", "wait this long for each probe's answer")
      .positionals("HOST", "the host to trace to");
  return cli::run(argc, argv, args, [&] {
    if (args.words().size() > 1) throw cli::UsageError(cli::tr("give one HOST"));
    const std::string host = args.words().empty() ? args.get("--host") : args.words()[0];
    const int max_hops = static_cast<int>(args.integer("--max-hops", 1, 255));
    const int probes = static_cast<int>(args.integer("--probes", 1, 10));
    const long long first_port = args.port();
    const auto wait = args.milliseconds("--wait");
    if (first_port == 0 || first_port + max_hops * probes > 65536)
      throw cli::UsageError(cli::trf("--port must leave room for one port per probe (1..{})",
                                     65536 - max_hops * probes));
    Address target = cli::host_port(host, 0, Type::datagram);
    cli::say("trace_route to {}, {} hops max, {} probes, UDP port {}+", target.ip(), max_hops,
             probes, first_port);

    std::vector<std::pair<std::string, int>> seen;  // who answered, at which hop first
    std::string loop;                               // "10.12.3.2 at hops 3 and 5"
    bool reached = false;
    std::string stopped;  // why we stopped early: an unreachable from a router
    int next_port = static_cast<int>(first_port);
    int hop = 1;
    for (; hop <= max_hops && !reached && stopped.empty(); ++hop) {
      std::string line = fmt::format("{:3d}", hop);
      std::string last_from;
      int finals = 0;  // probes answered by the destination or with an unreachable
      for (int probe = 0; probe < probes; ++probe) {
        // 1. One UDP socket per probe: its error queue holds only this probe's answer.
        Socket udp = Socket::udp(target.family());
        // SOLUTION-BEGIN: TODO(step 3): set the probe's TTL to `hop` (IP_TTL) and ask for
        // ICMP errors in the error queue (IP_RECVERR): socklab/ip.hpp, man 7 ip.
        // SOLUTION-STUB: throw std::logic_error("TODO(step 3): IP_TTL/IP_RECVERR not set yet");
        set_ttl(udp, hop);
        set_recv_errors(udp, true);
        // SOLUTION-END
        const Address to = target.with_port(static_cast<std::uint16_t>(next_port++));
        auto sent = steady_clock::now();
        udp.send_to("socklab trace_route probe", to);

        // 2. Wait (bounded) for an error: poll() reports Events::error while the
        //    queue is not empty. Then recvmsg(MSG_ERRQUEUE) reads it.
        std::optional<IcmpError> answer;
        const auto deadline = sent + wait;
        for (int spins = 0; spins < 100 && !answer; ++spins) {
          auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
          if (left <= 0ms) break;
          PollFd p{udp.native_handle(), Events::none};  // errors are always reported
          if (poll(std::span(&p, 1), left + 1ms) == 0) break;
          // SOLUTION-BEGIN: TODO(step 3): read the queued error into `answer` (recv_error()).
          // SOLUTION-STUB: throw std::logic_error("TODO(step 3): the error queue is not read yet");
          answer = recv_error(udp);
          // SOLUTION-END
          if (answer && answer->destination.port() != to.port()) answer.reset();  // not ours
        }
        if (!answer) {
          line += probe == 0 ? "  *" : " *";
          continue;
        }
        // 3. Who answered (the ICMP message's sender, not our destination), how
        //    long it took, and what it said: lab::read_answer(), lib/lab/src/route.cpp.
        const lab::HopAnswer hop_answer = lab::read_answer(*answer, target);
        const std::string& from = hop_answer.from;
        for (const auto& [address, at] : seen)
          if (address == from && at != hop && loop.empty())
            loop = fmt::format("{} answered at hops {} and {}", from, at, hop);
        seen.emplace_back(from, hop);
        if (from != last_from) line += "  " + from;
        last_from = from;
        duration<double, std::milli> rtt = answer->received - sent;
        line += fmt::format("  {:.3f} ms", rtt.count());
        if (!answer->mark().empty()) line += " " + answer->mark();
        if (hop_answer.reached) {
          reached = true;
          ++finals;
        } else if (hop_answer.stops) {
          ++finals;
          stopped = fmt::format("{} says {}", from, answer->text());
        }
      }
      cli::say("{}", line);
      if (!reached && finals < probes) stopped.clear();  // some probe went on: keep going
    }
    // 4. The verdict.
    if (reached) {
      cli::say("reached {} in {} hop{}", target.ip(), hop - 1, hop - 1 == 1 ? "" : "s");
      return 0;
    }
    if (!loop.empty()) cli::say("a routing loop? {}", loop);
    if (!stopped.empty())
      cli::say("not reached: {}", stopped);
    else
      cli::say("not reached: no answer from {} within {} hops", target.ip(), max_hops);
    throw std::runtime_error(cli::trf("{} not reached", target.ip()));
  });
}
