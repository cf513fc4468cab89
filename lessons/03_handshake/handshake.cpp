// Lesson 03 — the three-way handshake and the teardown, shown with real packets.
//
// The tutorial (section 3.2) says TCP "uses a three-way handshake to connect and
// a four-way wave to close". This program runs a server and a client on
// loopback, captures the segments of their one connection, and draws them as a
// ladder with the state of each end (RFC 9293, section 3.3.2).
//
// Run it:   sudo build/bin/handshake                 (capturing needs CAP_NET_RAW)
//           build/bin/handshake --close server       (see --help for the variants)
// Docs:     docs/lessons/03-handshake.md
#include <socklab/observe/recorder.hpp>
#include <socklab/socklab.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

using namespace socklab;
using namespace socklab::observe;  // packets, pcap, capture, TCP state, the ladder (lib/observe)
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  cli::Parser args("handshake", "Lesson 03: a TCP connection's segments and states, captured.");
  args.option("--host", "HOST", "127.0.0.1", "loopback address to use (127.0.0.1 or ::1)")
      .option("--port", "PORT", "0", "server port; 0 lets the kernel pick a free one")
      .option("--close", "HOW", "client",
              "client | server (who closes first) | half (shutdown(SHUT_WR)) | abort (SO_LINGER "
              "0: RST) | unread (close with unread data: RST) | syn-sent (full backlog)")
      .option("--format", "FORMAT", "ladder", "ladder, or lines (one line per segment)")
      .option("--pcap", "FILE", "", "also write the segments to FILE for Wireshark/tcpdump")
      .flag("--raw-seq", "absolute sequence numbers instead of relative ones")
      .flag("--step", "pause after each step (press Enter) so you can run ss -tan");

  return cli::run(argc, argv, args, [&] {
    const std::string how = args.get("--close");
    if (how != "client" && how != "server" && how != "half" && how != "abort" && how != "unread" &&
        how != "syn-sent")
      throw cli::UsageError("--close: expected client, server, half, abort, unread or syn-sent");
    if (args.get("--format") != "ladder" && args.get("--format") != "lines")
      throw cli::UsageError("--format: expected ladder or lines");
    Address address = cli::host_port(args.get("--host"), args.port());

    // The server: socket, bind, listen, as in lesson 01. For syn-sent the
    // backlog is 0: one finished handshake fills the accept queue.
    Socket listener = Socket::tcp(address.family());
    listener.bind(address);
    listener.listen(how == "syn-sent" ? 0 : 5);
    Address server_address = listener.local_address();
    cli::say("listening on {}", server_address.to_string());

    // Start capturing before the first SYN can leave.
    Recorder rec(server_address);
    if (!rec.capturing())
      cli::say("no capture ({}): {}\nshowing the states the kernel reports instead.",
               rec.capture_error().message(), Capture::hint(rec.capture_error()));

    Socket client = Socket::tcp(address.family());
    Socket conn;  // the server's socket for this client, once accept()ed
    auto step = [&](const std::string& what) {
      StepNote n = rec.step(what, client, conn);
      cli::say("step: {:<44} client {:<12} server {}", what, to_string(n.client),
               to_string(n.server));
      if (args.is_set("--step")) {
        cli::say("  look:  ss -tan '( sport = :{0} or dport = :{0} )'   then press Enter",
                 server_address.port());
        std::getchar();
      }
    };

    if (how == "syn-sent") {
      // A first client fills the accept queue; the kernel then drops our SYN
      // (no SYN,ACK) and the client retransmits it after 1 s, 3 s, ...
      Socket filler = Socket::tcp(address.family());
      filler.connect(server_address);
      std::error_code connect_error;  // connect() runs in a thread: its error comes back here
      std::thread connecting([&] { client.connect(server_address, connect_error); });
      for (int i = 0; i < 2000 && tcp_state(client) != TcpState::syn_sent; ++i)
        std::this_thread::sleep_for(1ms);  // bounded: wait for connect() to send its SYN
      rec.set_client(client.local_address());
      step("client: connect() waits, its SYN unanswered");
      Socket first = listener.accept().socket;  // makes room in the queue
      connecting.join();                        // the retransmitted SYN is answered now
      throw_if(connect_error, "connect", server_address.to_string());
      step("server: accept() the first client; connect() returns");
    } else {
      // connect(): the kernel sends SYN, gets SYN,ACK, sends ACK — then returns.
      client.connect(server_address);
      rec.set_client(client.local_address());
      step("client: connect()");
    }
    // accept() takes a connection whose handshake the kernel already finished.
    conn = listener.accept().socket;
    step("server: accept()");

    send_all(client, "hello");
    std::array<char, 64> buffer;
    (void)conn.recv(buffer);
    step("client: send(\"hello\"); server: recv()");

    if (how == "client" || how == "syn-sent") {  // the usual order: the client closes first
      client.close();                            // sends FIN
      step("client: close()");
      (void)conn.recv(buffer);  // returns 0 bytes: EOF, the client's FIN arrived
      step("server: recv() = 0 (EOF)");
      conn.close();
      step("server: close()");
    } else if (how == "server") {  // the server closes first: it gets the TIME_WAIT
      conn.close();
      step("server: close()");
      (void)client.recv(buffer);
      step("client: recv() = 0 (EOF)");
      client.close();
      step("client: close()");
    } else if (how == "half") {  // FIN one way only; data still flows the other way
      client.shutdown(Shutdown::write);
      step("client: shutdown(SHUT_WR)");
      (void)conn.recv(buffer);
      send_all(conn, "still talking");
      step("server: recv() = 0 (EOF); send(\"still talking\")");
      Received got = client.recv(buffer);
      step(fmt::format("client: recv() = {} bytes", got.bytes));
      conn.close();
      (void)client.recv(buffer);
      client.close();
      step("server: close(); client: recv() = 0, close()");
    } else {  // abort / unread: close() sends RST instead of FIN
      if (how == "abort") {
        client.set_linger(0s);  // SO_LINGER with 0 s: discard everything, send RST
      } else {
        send_all(conn, "you will not read all of this");
        (void)client.recv(std::span<char>(buffer.data(), 1));  // 1 byte: the rest stays unread
      }
      client.close();
      step("client: close()");
      std::error_code ec;
      (void)conn.recv(buffer, ec);
      step(fmt::format("server: recv() fails: {}", ec ? ec.message() : "no error"));
    }

    Conversation c = rec.finish();
    LadderOptions options{args.is_set("--raw-seq")};
    std::string drawing =
        args.get("--format") == "lines" ? render_lines(c, options) : render_ladder(c, options);
    fmt::print("\n{}\n", drawing);
    if (c.captured) cli::say("teardown: {}", describe(analyze_teardown(c.segments, c.client)));

    // After close() the socket is gone, but the kernel may keep its connection.
    for (auto [name, local, remote] :
         {std::tuple{"client", c.client, c.server}, std::tuple{"server", c.server, c.client}}) {
      std::error_code ec;
      auto entry = find_connection(local, remote, ec);
      if (entry && entry->state == TcpState::time_wait)
        cli::say("the {}'s end {} -> {} is in TIME_WAIT, {:.1f} s left (sock_diag)", name,
                 local.to_string(), remote.to_string(),
                 entry->timer ? static_cast<double>(entry->timer->count()) / 1000 : 0.0);
    }
    if (!args.get("--pcap").empty()) {
      pcap::write_file(args.get("--pcap"), rec.pcap_file());
      cli::say("wrote {} (open it with wireshark, or: tshark -r {})", args.get("--pcap"),
               args.get("--pcap"));
    }
    return 0;
  });
}
