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
// Our TCP is tcp_endpoint.cpp: pure code, segments in and segments out (the six
// steps you write are there, tested without root). This file is the loop that
// joins it to the kernel: what the endpoint says goes into the TUN device, what
// comes out of the device goes to the endpoint, and each scenario bends one rule.
// Everything happens in a network namespace of our own (socklab-PID-tcp13),
// removed at the end. Linux; as an ordinary user it takes a user namespace of its own
// (in which it is root), and needs /dev/net/tun open to users (Debian: mode 0666).
// Run it:   build/bin/tcp_by_hand [--scenario no-ack] [--pcap tcp.pcap]
// Docs:     docs/lessons/13-tcp-by-hand.md
#include <socklab/lab/own_namespaces.hpp>
#include <socklab/lab/tun_lab.hpp>
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include "tcp_endpoint.hpp"

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
using lesson13::Out;
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
          cli::tr("--scenario: expected normal, bad-checksum, closed-port, no-ack, "
                  "out-of-order or zero-window"));
    if (message.size() < 2 || message.size() > 1000)
      throw cli::UsageError(
          cli::tr("--message: 2 to 1000 bytes (one segment, split in two for out-of-order)"));
    std::uint16_t port = args.port();
    // Root, or a user namespace of our own in which we are root (own_namespaces.hpp);
    // the TUN device also needs /dev/net/tun to be open to us.
    if (std::error_code ec = lab::use_own_namespaces())
      throw std::runtime_error(
          cli::trf("this lesson needs a network namespace: {}", lab::own_namespaces_hint(ec)));
    if (std::string why = lab::tun_node_hint(); !why.empty())
      throw std::runtime_error(cli::trf("this lesson needs a TUN device: {}", why));
    if (std::string missing = lab::missing_privileges(); !missing.empty())
      throw std::runtime_error(cli::trf("this lesson needs {}", missing));

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
    lesson13::Endpoint tcp(us, peer, random(), scenario == "zero-window" ? 0 : 65535);
    auto now = [] { return std::chrono::steady_clock::now(); };
    auto put = [&](const std::vector<Out>& out) {
      for (const Out& o : out) wire.send(o.segment, o.data);
    };
    auto get = [&](std::chrono::milliseconds wait) { return wire.receive(wait); };
    auto take = [&](const Segment& s) { return tcp.receive(s, wire.data(), now()); };
    auto step = [&](const std::string& what) {
      wire.log().note(what);
      cli::say("-- {}", what);
      if (args.is_set("--step")) {
        // In namespaces of our own (not root), another terminal must first enter them:
        // nsenter into this process (its PID is in the namespace's name).
        const std::string& ns = wire.ns().name();
        const std::string pid = ns.substr(8, ns.find('-', 8) - 8);  // "socklab-PID-tcp13"
        cli::say("   look: {}ip netns exec {} ss -tni   then press Enter",
                 lab::own_namespaces()
                     ? "nsenter --preserve-credentials --target " + pid + " --user --mount --net "
                     : std::string(),
                 ns);
        std::getchar();
      }
    };
    auto fail = [](const std::string& why) { throw std::runtime_error(why); };
    auto save = [&] {  // the pcap file, written on failure too: it shows what happened
      if (args.get("--pcap").empty()) return;
      pcap::write_file(args.get("--pcap"), wire.log().pcap_file());
      cli::say("wrote {} (check it: tshark -r {} -o tcp.check_checksum:TRUE)", args.get("--pcap"),
               args.get("--pcap"));
    };
    auto finish = [&] {  // the ladder of what crossed the device
      fmt::print("\n{}\n", render_ladder(wire.log().conversation()));
      save();
      return 0;
    };
    try {
      // Steps 1-3, the handshake: SYN ->, <- SYN,ACK, ACK ->.
      std::vector<Out> syn = tcp.connect(now());
      if (scenario == "bad-checksum") {  // the kernel drops it silently: only a counter moves
        auto before = lab::snmp_counter("Tcp", "InCsumErrors").value_or(0);
        wire.send(syn.at(0).segment, {}, true);  // spoiled checksum
        if (get(500ms)) fail("the kernel answered a segment with a wrong checksum");
        auto after = lab::snmp_counter("Tcp", "InCsumErrors").value_or(0);
        step(fmt::format("no answer in 500 ms; TcpInCsumErrors {} -> {} (nstat)", before, after));
        if (after != before + 1) fail("TcpInCsumErrors did not go up by one");
      }
      put(syn);
      std::optional<Segment> got = get(1s);
      std::vector<Out> ack = got ? take(*got) : std::vector<Out>{};
      if (scenario == "closed-port") {  // nobody listens: RST, ack = ISN + 1 (RFC 9293 3.10.7.1)
        if (!got || !got->has(packet::rst) || tcp.state() != TcpState::closed)
          fail("no RST from a closed port");
        step("closed port: the kernel answered RST,ACK: no connection");
        return finish();
      }
      if (tcp.state() != TcpState::established)
        fail("step 2: no SYN,ACK with ack = ISN + 1 within 1 s");
      if (scenario == "bad-checksum" || scenario == "no-ack") {
        if (scenario == "no-ack") {  // we drop our ACK: the kernel's timer fires (1 s)
          auto first = got->time;
          got = get(3s);
          if (!got || !got->has(packet::syn) || got->seq + 1 != tcp.rcv_nxt().raw())
            fail("no SYN,ACK again");
          step(fmt::format("SYN,ACK retransmitted after {:.2f} s (initial RTO 1 s, RFC 6298)",
                           std::chrono::duration<double>(got->time - first).count()));
        }
        put(tcp.reset());  // give up the half-open connection
        step("we reset the half-open connection");
        return finish();
      }
      put(ack);  // zero-window: it advertises a window of 0 bytes, "send me nothing yet"
      auto accept_returned = accepted.get_future();
      if (accept_returned.wait_for(2s) != std::future_status::ready)
        fail("step 3: accept() did not return");
      auto entry = find_connection(server, us);
      step(fmt::format("kernel: accept() returned {}; its socket is {}",
                       accept_returned.get().to_string(),
                       to_string(entry ? entry->state : TcpState::closed)));
      std::string kernel_view = wire.ns().output(
          fmt::format("ss -tni src {} dst {}", server.to_string(), us.to_string()));

      // Step 4, our data. out-of-order: its second half first; the kernel keeps it
      // and repeats its ACK (a duplicate ACK); then the first half fills the hole.
      std::vector<Out> data = tcp.write(message, now(), scenario == "out-of-order");
      if (data.size() > 1) {
        put({data.front()});
        got = get(1s);
        if (!got || got->ack != data.back().segment.seq)
          fail("step 4: no duplicate ACK for the out-of-order segment");
        put(take(*got));
        step("the kernel ACKs what it has in order again: a duplicate ACK");
        data.erase(data.begin());
      }
      put(data);

      // Step 5, the kernel's ACK and its reply (in one segment or two), ACKed by us.
      const std::string expected = "收到您的消息:" + message;
      if (scenario == "zero-window") {  // window 0: an ACK and window probes, no data
        for (auto until = now() + 1s;
             (got = get(std::chrono::duration_cast<std::chrono::milliseconds>(until - now())));) {
          if (got->payload_length > 0) fail("the kernel sent data into a zero window");
          put(take(*got));  // a probe gets our ACK, window still 0
        }
        step("1 s of zero window: the kernel sent no data; now we open the window");
        put(tcp.set_window(65535));  // a window update
      }
      for (int i = 0; i < 20 && (!tcp.all_acked() || tcp.received().size() < expected.size()) &&
                      (got = get(2s));
           ++i)
        put(take(*got));
      if (!tcp.all_acked() || tcp.received() != expected)
        fail("step 5: no ACK and reply from the echo server within 2 s");
      step("the echo reply arrived and is ACKed");

      // Step 6, FIN: the kernel's ACK of it and its own FIN come in either order, or together.
      put(tcp.close(now()));
      for (int i = 0; i < 10 && tcp.state() != TcpState::time_wait && (got = get(2s)); ++i)
        put(take(*got));
      TcpState ours = derive_states(wire.log().segments(), us).back().client;
      // The kernel handles our last ACK a moment after write() returns: ask its table
      // again for at most 0.5 s (there is no event to wait for from out here).
      for (int i = 0; i < 50 && (entry = find_connection(server, us)); ++i)
        std::this_thread::sleep_for(10ms);
      step(fmt::format("we are in {}; the kernel's socket: {}", to_string(ours),
                       entry ? to_string(entry->state) : "closed, gone from its table"));
      if (ours != TcpState::time_wait || entry)
        fail("step 6: the teardown did not end in TIME_WAIT / CLOSED");
      finish();
      cli::say("the kernel's view while ESTABLISHED (ss -tni, inside {}):\n{}", wire.ns().name(),
               kernel_view);
      cli::say("echo reply: {}", printable(tcp.received()));
      return 0;
    } catch (...) {
      save();
      throw;
    }
  });
}
