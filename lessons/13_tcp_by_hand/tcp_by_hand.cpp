// Lesson 13 — TCP by hand: be the kernel's peer, one segment at a time.
//
// Lesson 03 watched the kernel do the three-way handshake. Here we do it: this
// program writes every IPv4 and TCP header itself and hands the packets to the
// kernel through a TUN device. The kernel, running lesson 01's echo server on
// 10.13.0.1, is the other end; we are host 10.13.0.2, a host that exists only
// in this program. When our third segment is right, the kernel's accept()
// returns, and the reply 收到您的消息:你好 comes back to a TCP we wrote.
//
//   SYN ->  <- SYN,ACK  ACK ->  data ->  <- ACK, reply  ACK ->  FIN ->  <- FIN  ACK ->
//
// Everything happens in a network namespace of our own (socklab-PID-tcp13),
// removed at the end. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) on Linux.
// Run it:   sudo build/bin/tcp_by_hand [--scenario no-ack] [--pcap tcp.pcap]
// Docs:     docs/lessons/13-tcp-by-hand.md
#include <socklab/lab/tun_lab.hpp>
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

using namespace socklab;
using namespace socklab::observe;  // encode, decode, the ladder (lib/observe)
using namespace std::chrono_literals;
using packet::Segment;

// The kernel's side: lesson 01's echo server (accept, recv, reply, recv = 0, close),
// in a thread, every wait bounded so the thread always ends.
void echo_server(Socket& listener, std::promise<Address>& accepted, std::atomic<bool>& stop) {
  PollFd p{listener.native_handle(), Events::in};
  for (int i = 0; i < 100 && !stop && poll(std::span(&p, 1), 50ms) == 0; ++i) {
  }
  if (stop || !has(p.revents, Events::in)) return;
  auto [conn, peer] = listener.accept();
  accepted.set_value(peer);
  conn.set_recv_timeout(5s);
  std::array<char, 1024> buffer;
  std::error_code ec;
  for (Received got; !(got = conn.recv(buffer, ec)).eof && !ec;)
    send_all(conn, "收到您的消息:" + std::string(buffer.data(), got.bytes));
}

int main(int argc, char** argv) {
  cli::Parser args("tcp_by_hand", "Lesson 13: TCP by hand, against the kernel, over TUN.");
  args.option("--message", "TEXT", "你好", "what to send the kernel's echo server")
      .option("--scenario", "NAME", "normal",
              "normal | bad-checksum | closed-port | no-ack | out-of-order | zero-window")
      .option("--port", "PORT", "0", "the echo server's port; 0 lets the kernel pick")
      .option("--pcap", "FILE", "", "also write every segment to FILE (raw IP) for Wireshark")
      .flag("--step", "pause after each step (press Enter) to look with ss");
  return cli::run(argc, argv, args, [&] {
    const std::string scenario = args.get("--scenario"), message = args.get("--message");
    if (!std::set<std::string>{"normal", "bad-checksum", "closed-port", "no-ack", "out-of-order",
                               "zero-window"}
             .count(scenario))
      throw cli::UsageError(
          "--scenario: expected normal, bad-checksum, closed-port, no-ack, "
          "out-of-order or zero-window");
    if (message.size() < 2 || message.size() > 1000)
      throw cli::UsageError(
          "--message: 2 to 1000 bytes (one segment, split in two for "
          "out-of-order)");
    std::uint16_t port = args.port();
    if (std::string missing = lab::missing_privileges(); !missing.empty())
      throw std::runtime_error("this lesson needs " + missing);

    // The network: a namespace of our own; in it a TUN device whose address
    // 10.13.0.1 is the kernel's. Packets the kernel sends to 10.13.0.0/24 come
    // out of the device to us; the packets we write into it arrive as if from a cable.
    auto wire = lab::TunLab::create("tcp13", "tun13", "10.13.0.1/24");
    Socket listener = Socket::tcp();
    listener.bind(Address::from_ip("10.13.0.1", port));
    listener.listen(5);
    Address server = listener.local_address();
    cli::say("kernel: echo server listening on {} (namespace {})", server.to_string(),
             wire.ns().name());
    std::promise<Address> accepted;
    std::atomic<bool> stop{false};
    std::thread kernel([&] {
      try {
        echo_server(listener, accepted, stop);
      } catch (const std::exception&) {  // a reset, say: shows here as a missing reply
      }
    });
    struct Join {  // the thread ends within 5 s whatever happens here
      std::thread& t;
      std::atomic<bool>& stop;
      ~Join() { stop = true, t.join(); }
    } join{kernel, stop};

    // Our end: 10.13.0.2, NOT the device's own address (the kernel would take a
    // segment "from 10.13.0.1" as one it sent to itself). A random port and ISN.
    std::random_device random;
    Address us =
        Address::from_ip("10.13.0.2", static_cast<std::uint16_t>(40000 + random() % 20000));
    Address peer =
        scenario == "closed-port" ? server.with_port(server.port() == 9 ? 10 : 9) : server;
    wire.connect_ends(us, peer);
    std::uint32_t isn = random(), snd_nxt = isn, rcv_nxt = 0;  // what we send next / expect next
    auto segment = [&](std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
                       std::uint16_t window = 65535) {
      Segment s;  // the fields we choose; encode() adds the rest and the checksums
      s.source = us, s.destination = peer, s.flags = flags, s.seq = seq, s.ack = ack;
      s.window = window;
      return s;
    };
    auto send = [&](const Segment& s, std::string_view data = {}) { wire.send(s, data); };
    auto receive = [&](std::chrono::milliseconds wait) { return wire.receive(wait); };
    auto step = [&](const std::string& what) {
      wire.log().note(what);
      cli::say("-- {}", what);
      if (args.is_set("--step")) {
        cli::say("   look: ip netns exec {} ss -tni   then press Enter", wire.ns().name());
        std::getchar();
      }
    };
    auto fail = [](const std::string& why) { throw std::runtime_error(why); };
    auto finish = [&] {  // the ladder of what crossed the device, and the pcap file
      fmt::print("\n{}\n", render_ladder(wire.log().conversation()));
      if (args.get("--pcap").empty()) return 0;
      pcap::write_file(args.get("--pcap"), wire.log().pcap_file());
      cli::say("wrote {} (check it: tshark -r {} -o tcp.check_checksum:TRUE)", args.get("--pcap"),
               args.get("--pcap"));
      return 0;
    };

    // 1. SYN: "I start counting at isn". It takes one sequence number.
    // SOLUTION-BEGIN: TODO(step 1): make the SYN: seq = isn, flags packet::syn, MSS option 1460.
    // SOLUTION-STUB: throw std::logic_error("TODO(step 1): the SYN is not written yet");
    // SOLUTION-STUB: Segment syn;
    Segment syn = segment(packet::syn, isn, 0);
    syn.options.mss = 1460;  // the most data we take in one segment
    // SOLUTION-END
    if (scenario == "bad-checksum") {  // the kernel drops it silently: only a counter moves
      auto before = lab::snmp_counter("Tcp", "InCsumErrors").value_or(0);
      wire.send(syn, {}, true);  // spoiled checksum
      if (receive(500ms)) fail("the kernel answered a segment with a wrong checksum");
      auto after = lab::snmp_counter("Tcp", "InCsumErrors").value_or(0);
      step(fmt::format("no answer in 500 ms; TcpInCsumErrors {} -> {} (nstat)", before, after));
      if (after != before + 1) fail("TcpInCsumErrors did not go up by one");
    }
    send(syn);

    // 2. The SYN,ACK: the kernel's ISN in seq, and ack = isn + 1 ("next I expect isn + 1").
    std::optional<Segment> got = receive(1s);
    if (scenario == "closed-port") {  // nobody listens: RST, ack = isn + 1 (RFC 9293 3.10.7.1)
      if (!got || !got->has(packet::rst) || got->ack != isn + 1) fail("no RST from a closed port");
      step("closed port: the kernel answered RST,ACK: no connection");
      return finish();
    }
    // SOLUTION-BEGIN: TODO(step 2): check the SYN,ACK (flags, ack == isn + 1); then
    // snd_nxt = isn + 1 and rcv_nxt = its seq + 1.
    // SOLUTION-STUB: throw std::logic_error("TODO(step 2): the SYN,ACK is not checked yet");
    if (!got || got->flags != (packet::syn | packet::ack) || got->ack != isn + 1)
      fail("no SYN,ACK with ack = ISN + 1 within 1 s");
    snd_nxt = isn + 1;
    rcv_nxt = got->seq + 1;
    // SOLUTION-END
    if (scenario == "bad-checksum" || scenario == "no-ack") {
      if (scenario == "no-ack") {  // no ACK: the kernel's retransmission timer fires (1 s)
        auto first = got->time;
        got = receive(3s);
        if (!got || !got->has(packet::syn) || got->seq + 1 != rcv_nxt) fail("no SYN,ACK again");
        step(fmt::format("SYN,ACK retransmitted after {:.2f} s (initial RTO 1 s, RFC 6298)",
                         std::chrono::duration<double>(got->time - first).count()));
      }
      send(segment(packet::rst, snd_nxt, 0));  // give up the half-open connection
      step("we reset the half-open connection");
      return finish();
    }

    // 3. The ACK of the SYN,ACK: the handshake is complete, accept() returns.
    //    zero-window: we advertise a window of 0 bytes: "send me nothing yet".
    std::uint16_t window = scenario == "zero-window" ? 0 : 65535;
    // SOLUTION-BEGIN: TODO(step 3): send the ACK: seq = snd_nxt, ack = rcv_nxt.
    // SOLUTION-STUB: throw std::logic_error("TODO(step 3): the ACK is not written yet");
    send(segment(packet::ack, snd_nxt, rcv_nxt, window));
    // SOLUTION-END
    auto accept_returned = accepted.get_future();
    if (accept_returned.wait_for(2s) != std::future_status::ready) fail("accept() did not return");
    auto entry = find_connection(server, us);
    step(fmt::format("kernel: accept() returned {}; its socket is {}",
                     accept_returned.get().to_string(),
                     to_string(entry ? entry->state : TcpState::closed)));
    std::string kernel_view =
        wire.ns().output(fmt::format("ss -tni src {} dst {}", server.to_string(), us.to_string()));

    // 4. Our data, with PSH: "hand it to the application". Out of order: the
    //    second half first; the kernel keeps it and repeats its ACK (a duplicate ACK).
    std::size_t half = scenario == "out-of-order" ? message.size() / 2 : 0;
    if (half > 0) {
      send(segment(packet::psh | packet::ack, snd_nxt + half, rcv_nxt, window),
           message.substr(half));
      got = receive(1s);
      if (!got || got->ack != snd_nxt) fail("no duplicate ACK for the out-of-order segment");
      step("the kernel ACKs what it has in order again: a duplicate ACK");
    }
    // SOLUTION-BEGIN: TODO(step 4): send the message with PSH|ACK; it takes message.size() numbers.
    // SOLUTION-STUB: throw std::logic_error("TODO(step 4): the data is not written yet");
    send(segment(packet::psh | packet::ack, snd_nxt, rcv_nxt, window),
         message.substr(0, half ? half : message.size()));
    snd_nxt += static_cast<std::uint32_t>(message.size());
    // SOLUTION-END

    // 5. The kernel's ACK and its reply (in one segment or two); we ACK the reply.
    const std::string expected = "收到您的消息:" + message;
    std::string reply;
    bool acked = false;
    if (scenario == "zero-window") {  // window 0: an ACK and window probes, no data
      auto until = std::chrono::steady_clock::now() + 1s;
      while ((got = receive(std::chrono::duration_cast<std::chrono::milliseconds>(
                  until - std::chrono::steady_clock::now())))) {
        if (got->payload_length > 0) fail("the kernel sent data into a zero window");
        acked = acked || got->ack == snd_nxt;
        if (got->seq + 1 == rcv_nxt) send(segment(packet::ack, snd_nxt, rcv_nxt, 0));  // a probe
      }
      step("1 s of zero window: the kernel sent no data; now we open the window");
      send(segment(packet::ack, snd_nxt, rcv_nxt, 65535));  // a window update
    }
    for (int i = 0; i < 20 && (!acked || reply.size() < expected.size()) && (got = receive(2s));
         ++i) {
      acked = acked || got->ack == snd_nxt;
      // SOLUTION-BEGIN: TODO(step 5): if the data starts at rcv_nxt, keep it and advance
      // rcv_nxt by its length; then ACK (seq = snd_nxt, ack = rcv_nxt).
      // SOLUTION-STUB: throw std::logic_error("TODO(step 5): the reply is not ACKed yet");
      if (got->payload_length == 0) continue;
      if (got->seq == rcv_nxt)
        reply += wire.data(), rcv_nxt += static_cast<std::uint32_t>(wire.data().size());
      send(segment(packet::ack, snd_nxt, rcv_nxt));
      // SOLUTION-END
    }
    if (!acked || reply != expected) fail("no ACK and reply from the echo server within 2 s");
    step("the echo reply arrived and is ACKed");

    // 6. FIN: "I have no more to send". It takes one sequence number too. The
    //    kernel's ACK of it and its own FIN come in either order, or together.
    // SOLUTION-BEGIN: TODO(step 6): send FIN|ACK; then ACK the kernel's FIN (it takes one number).
    // SOLUTION-STUB: throw std::logic_error("TODO(step 6): the teardown is not written yet");
    send(segment(packet::fin | packet::ack, snd_nxt, rcv_nxt));
    snd_nxt += 1;
    bool fin_acked = false, fin_received = false;
    for (int i = 0; i < 10 && !(fin_acked && fin_received) && (got = receive(2s)); ++i) {
      fin_acked = fin_acked || got->ack == snd_nxt;
      if (got->has(packet::fin) && got->seq + got->payload_length == rcv_nxt) {
        fin_received = true;
        rcv_nxt += 1;
        send(segment(packet::ack, snd_nxt, rcv_nxt));
      }
    }
    // SOLUTION-END
    TcpState ours = derive_states(wire.log().segments(), us).back().client;
    // The kernel handles our last ACK a moment after write() returns: ask its table
    // again for at most 0.5 s (there is no event to wait for from out here).
    for (int i = 0; i < 50 && (entry = find_connection(server, us)); ++i)
      std::this_thread::sleep_for(10ms);
    step(fmt::format("we are in {}; the kernel's socket: {}", to_string(ours),
                     entry ? to_string(entry->state) : "closed, gone from its table"));
    if (ours != TcpState::time_wait || entry)
      fail("the teardown did not end in TIME_WAIT / CLOSED");

    finish();
    cli::say("the kernel's view while ESTABLISHED (ss -tni, inside {}):\n{}", wire.ns().name(),
             kernel_view);
    cli::say("echo reply: {}", printable(reply));
    return 0;
  });
}
