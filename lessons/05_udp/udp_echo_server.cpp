// Lesson 05 — a UDP echo server: datagrams instead of a connection.
//
// Compare with lesson 01's TCP server. There is no listen() and no accept():
// one socket receives datagrams from everybody, and each recvfrom() says who
// sent the datagram, so that sendto() can answer exactly that sender.
//
//   Python                                         socklab
//   s = socket.socket(AF_INET, SOCK_DGRAM)         Socket::udp()
//   s.bind(('127.0.0.1', 8888))                    sock.bind(address)
//   data, addr = s.recvfrom(65535)                 sock.recv_from(buffer)
//   s.sendto(data, addr)                           sock.send_to(data, got.from)
//
// Two flags make the network's bad days visible on loopback:
//   --buffer 8   a receive buffer smaller than the datagrams: they are truncated
//   --drop 1     ignore the first datagram, as if the network had lost it
//
// Docs: docs/lessons/05-udp.md
#include <socklab/socklab.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace socklab;

int main(int argc, char** argv) {
  cli::Parser args("udp_echo_server", "Lesson 05: a UDP echo server (recvfrom + sendto).");
  args.option("--host", "HOST", "127.0.0.1", "address to receive on")
      .option("--port", "PORT", "8888", "UDP port; 0 lets the kernel pick a free one")
      .option("--buffer", "BYTES", "65535", "receive buffer; smaller datagrams get truncated")
      .option("--drop", "N", "0", "ignore the first N datagrams (a lossy network)")
      .option("--count", "N", "0", "exit after answering N datagrams (0 = run forever)");

  return cli::run(argc, argv, args, [&] {
    std::vector<char> buffer(static_cast<std::size_t>(args.integer("--buffer", 1, 65535)));
    long long drop = args.integer("--drop", 0, 1000000);
    const long long count = args.integer("--count", 0, 1000000);

    // 1. socket(AF_INET, SOCK_DGRAM): a UDP socket, and bind(): the port clients
    //    send to. That is all the set-up there is: UDP has no connections, so no
    //    listen() and no accept().
    //    (--host may name several addresses, lesson 04: the first that binds.)
    Socket sock =
        cli::host_port(args.get("--host"), args.port(), Type::datagram, [](const Address& address) {
          Socket s = Socket::udp(address.family());
          s.bind(address);
          return s;
        });
    cli::say("listening on {}", sock.local_address().to_string());

    for (long long answered = 0; count == 0 || answered < count;) {
      // 2. recvfrom(): waits for ONE datagram — always a whole one (or its first
      //    buffer.size() bytes) — and tells us who sent it.
      // SOLUTION-BEGIN: TODO(step 2): recvfrom() one datagram into `buffer`; `got` says how
      // many bytes, from whom, and whether it was truncated (man 2 recvfrom).
      // SOLUTION-STUB: throw std::logic_error("TODO(step 2): recvfrom() is not written yet");
      // SOLUTION-STUB: ReceivedFrom got{};  // replace this line
      ReceivedFrom got = sock.recv_from(buffer);
      // SOLUTION-END
      std::string_view data(buffer.data(), got.bytes);
      // Escaped (printable()): a datagram's bytes must not repaint our terminal.
      cli::say("datagram from {}: {} bytes: {}", got.from.to_string(), got.bytes, printable(data));
      if (got.truncated) {
        // 4. UDP never splits a datagram across two recvfrom()s: what did not fit is gone.
        cli::say("  truncated: it was longer than our {}-byte buffer; the rest is lost",
                 buffer.size());
      }
      if (drop > 0) {
        --drop;
        cli::say("  dropped (--drop): no reply, as if the network had lost it");
        continue;
      }

      // 2. sendto(): the reply goes to the address recvfrom() reported.
      // SOLUTION-BEGIN: TODO(step 2): sendto() `data` back to its sender (man 2 sendto).
      // SOLUTION-STUB: throw std::logic_error("TODO(step 2): sendto() is not written yet");
      sock.send_to(data, got.from);
      // SOLUTION-END
      ++answered;
    }
    return 0;
  });
}
