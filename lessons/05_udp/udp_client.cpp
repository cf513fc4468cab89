// Lesson 05 — a UDP client that survives a lossy network: timeout, retry, request ids.
//
// UDP delivers a datagram whole, or not at all, and tells nobody when it is
// lost. So a client that sends a request and waits for the answer must decide
// itself how long to wait (a timeout) and what to do then (send again). And once
// it sends again, the answer to the FIRST copy may still come, late: each
// request carries an id so that a late answer is recognised and ignored.
//
// It connect()s its UDP socket. No handshake happens: connect() only records
// the server's address in the kernel, which then (a) delivers only the server's
// datagrams to us and (b) reports an ICMP "port unreachable" — nobody listens
// there — as ECONNREFUSED on our next call, instead of letting us wait.
//
// Each MESSAGE travels as "ID MESSAGE"; an echo server sends it back as is.
// Docs: docs/lessons/05-udp.md
#include <socklab/socklab.hpp>

#include <array>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

using namespace socklab;

int main(int argc, char** argv) {
  cli::Parser args("udp_client", "Lesson 05: UDP requests with timeout, retry and ids.");
  args.option("--host", "HOST", "127.0.0.1", "server host name or IP")
      .option("--port", "PORT", "8888", "server UDP port")
      .option("--timeout", "MS", "1000", "wait this long for each reply (milliseconds)")
      .option("--tries", "N", "3", "send each request at most N times (1 = never retry)")
      .positionals("MESSAGE", "messages to send, one datagram each");

  return cli::run(argc, argv, args, [&] {
    const auto reply_timeout = args.milliseconds("--timeout");
    const long long tries = args.integer("--tries", 1, 100);
    if (args.words().empty()) throw cli::UsageError(cli::tr("give at least one MESSAGE"));

    // --host may name several addresses (lesson 04): the first one we can use.
    Socket udp =
        cli::host_port(args.get("--host"), args.port(), Type::datagram, [&](const Address& server) {
          // 1. socket(AF_INET, SOCK_DGRAM), and (step 7) a receive timeout: a lost
          //    datagram must not leave us waiting in recvfrom() forever.
          Socket dgram = Socket::udp(server.family());
          dgram.set_recv_timeout(reply_timeout);

          // 6. connect(): no packet is sent; the kernel remembers the peer (see above).
          // SOLUTION-BEGIN: TODO(step 6): connect() `dgram` to `server` (man 2 connect).
          // SOLUTION-STUB: throw std::logic_error("TODO(step 6): connect() is not written yet");
          dgram.connect(server);
          // SOLUTION-END
          return dgram;
        });
    const Address server = udp.peer_address();

    long id = 0;
    for (const std::string& message : args.words()) {
      const std::string request = fmt::format("{} {}", ++id, message);
      const std::string expected_prefix = fmt::format("{} ", id);
      std::string reply;
      bool answered = false;
      std::error_code timeout;
      for (long long attempt = 1; attempt <= tries && !answered; ++attempt) {
        // 7. send(): on a connected UDP socket, send() = sendto(the connected peer).
        // SOLUTION-BEGIN: TODO(step 7): send() `request` (again, on a retry) (man 2 send).
        // SOLUTION-STUB: throw std::logic_error("TODO(step 7): send() is not written yet");
        (void)udp.send(request);
        // SOLUTION-END

        // 7. recvfrom() until our answer comes or the timeout strikes. Bounded:
        //    at most 100 stale replies are skipped per attempt.
        for (int stale = 0; stale < 100; ++stale) {
          std::array<char, 65535> buffer;
          std::error_code ec;
          // SOLUTION-BEGIN: TODO(step 7): recvfrom() into `buffer`, errors into `ec`; when it
          // times out, keep the error in `timeout`, say so and break out to send again.
          // SOLUTION-STUB: throw std::logic_error("TODO(step 7): recvfrom() is not written yet");
          // SOLUTION-STUB: ReceivedFrom got{};  // replace this line
          ReceivedFrom got = udp.recv_from(buffer, ec);
          if (ec == std::errc::timed_out) {
            timeout = ec;
            cli::say("no reply within {} ms (try {} of {})", reply_timeout.count(), attempt, tries);
            break;  // send again, if tries are left
          }
          // SOLUTION-END
          // ECONNREFUSED (step 6) lands here: the ICMP error of an earlier send().
          if (ec) throw Error(ec, "recvfrom", server.to_string());
          std::string_view text(buffer.data(), got.bytes);
          // 8. Each reply carries the id of its request: a late one is not our answer.
          // SOLUTION-BEGIN: TODO(step 8): a reply without our id (`expected_prefix`) answers an
          // earlier try: say "ignoring a late reply to an earlier request: TEXT" and wait on.
          // SOLUTION-STUB: throw std::logic_error("TODO(step 8): the id check is not written yet");
          if (!text.starts_with(expected_prefix)) {
            cli::say("ignoring a late reply to an earlier request: {}", printable(text));
            continue;  // the answer to this request may still come
          }
          // SOLUTION-END
          reply = std::string(text.substr(expected_prefix.size()));
          answered = true;
          break;
        }
      }
      if (!answered) throw Error(timeout, "recvfrom", server.to_string());
      cli::say("reply: {}", printable(reply));
    }
    return 0;
  });
}
