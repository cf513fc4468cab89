// Lesson 03 — the three-way handshake and the teardown, shown with real packets.
//
// The tutorial (section 3.2) says TCP "uses a three-way handshake to connect and
// a four-way wave to close". This program runs a server and a client on
// loopback, captures the segments of their one connection, and draws them as a
// ladder with the state of each end (RFC 9293, section 3.3.2).
//
// Each --close variant is one function below, and the table `variants` says
// which opening and which closing a variant uses. Steps 1-6 of the lesson's test
// are the variants client (1-4), server (5) and abort (6).
//
// Run it:   build/bin/handshake                      (as a user: in namespaces of its own)
//           build/bin/handshake --close server       (see --help for the variants)
//           build/bin/handshake --svg hs.svg --html hs.html   (a picture, a web page)
// Docs:     docs/lessons/03-handshake.md
#include <socklab/lab/own_namespaces.hpp>
#include <socklab/observe/recorder.hpp>
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

using namespace socklab;
using namespace socklab::observe;  // packets, pcap, capture, TCP state, the ladder (lib/observe)
using namespace std::chrono_literals;

// One connection: the server's listening and accepted sockets, the client, and
// the recorder that notes the state of both ends after each step.
struct Run {
  Socket& listener;
  Recorder& rec;
  bool pause = false;  // --step
  Socket client, conn;
  std::array<char, 64> buffer{};

  void step(const std::string& what) {
    StepNote n = rec.step(what, client, conn);
    cli::say("step: {:<44} client {:<12} server {}", what, to_string(n.client),
             to_string(n.server));
    if (!pause) return;
    cli::say("  look:  ss -tan '( sport = :{0} or dport = :{0} )'   then press Enter",
             rec.server().port());
    std::getchar();
  }
  std::size_t read(Socket& s) { return s.recv(buffer).bytes; }  // 0 = EOF
};

// 1. connect(): the kernel sends SYN, gets SYN,ACK, sends ACK — then returns.
//    accept() takes a connection whose handshake the kernel already finished.
void handshake(Run& r) {
  r.client.connect(r.rec.server());
  r.rec.set_client(r.client.local_address());
  r.step("client: connect()");
  r.conn = r.listener.accept().socket;
  r.step("server: accept()");
}

// syn-sent: a first client fills the accept queue (backlog 0); the kernel drops
// our SYN (no SYN,ACK) and the client retransmits it after 1 s, 3 s, ... The
// connect() is non-blocking (lesson 09), so that we can look at it meanwhile.
void handshake_into_a_full_queue(Run& r) {
  Socket filler = Socket::tcp(r.rec.server().family());
  filler.connect(r.rec.server());
  r.client.set_non_blocking(true);
  std::error_code ec;
  r.client.connect(r.rec.server(), ec);  // sends the SYN, returns at once
  const bool waiting =
      ec == std::errc::operation_in_progress || ec == std::errc::operation_would_block;
  if (!waiting) throw_if(ec, "connect", r.rec.server().to_string());
  r.rec.set_client(r.client.local_address());
  r.step("client: connect() waits, its SYN unanswered");
  Socket first = r.listener.accept().socket;  // makes room in the queue
  std::array<PollFd, 1> fds{PollFd{r.client.native_handle(), Events::out}};
  if (waiting && poll(fds, 10s) == 0)  // the retransmitted SYN is answered now
    throw Error(std::make_error_code(std::errc::timed_out), "connect", r.rec.server().to_string());
  throw_if(r.client.pending_error(), "connect", r.rec.server().to_string());
  r.client.set_non_blocking(false);
  r.step("server: accept() the first client; connect() returns");
  r.conn = r.listener.accept().socket;
  r.step("server: accept()");
}

// 2. Data: 5 bytes take 5 sequence numbers, and the ACK says so.
void hello(Run& r) {
  send_all(r.client, "hello");
  r.read(r.conn);
  r.step("client: send(\"hello\"); server: recv()");
}

// 3. The usual order: the client closes first (FIN), the server reads EOF, closes.
//    4. The client, the active closer, is the one left in TIME_WAIT.
void client_closes_first(Run& r) {
  r.client.close();
  r.step("client: close()");
  r.read(r.conn);  // 0 bytes: EOF, the client's FIN arrived
  r.step("server: recv() = 0 (EOF)");
  r.conn.close();
  r.step("server: close()");
}

// 5. The server closes first: now the server gets the TIME_WAIT.
void server_closes_first(Run& r) {
  r.conn.close();
  r.step("server: close()");
  r.read(r.client);
  r.step("client: recv() = 0 (EOF)");
  r.client.close();
  r.step("client: close()");
}

// half: shutdown(SHUT_WR) sends a FIN one way only; data still flows the other way.
void half_close(Run& r) {
  r.client.shutdown(Shutdown::write);
  r.step("client: shutdown(SHUT_WR)");
  r.read(r.conn);
  send_all(r.conn, "still talking");
  r.step("server: recv() = 0 (EOF); send(\"still talking\")");
  std::size_t n = r.read(r.client);
  r.step(fmt::format("client: recv() = {} bytes", n));
  r.conn.close();
  r.read(r.client);
  r.client.close();
  r.step("server: close(); client: recv() = 0, close()");
}

// The server's recv() after the client's RST: it fails (ECONNRESET).
void server_sees_the_reset(Run& r) {
  r.client.close();
  r.step("client: close()");
  std::error_code ec;
  (void)r.conn.recv(r.buffer, ec);
  r.step(fmt::format("server: recv() fails: {}", ec ? ec.message() : "no error"));
}

// 6. abort: SO_LINGER with 0 s makes close() discard everything and send RST.
void abort_close(Run& r) {
  r.client.set_linger(0s);
  server_sees_the_reset(r);
}

// unread: close() with bytes still unread also sends RST (RFC 9293, 3.6.1).
void close_with_unread_data(Run& r) {
  send_all(r.conn, "you will not read all of this");
  (void)r.client.recv(std::span<char>(r.buffer.data(), 1));  // 1 byte: the rest stays unread
  server_sees_the_reset(r);
}

struct Variant {
  std::string_view name;
  int backlog;
  void (*open)(Run&);
  void (*close)(Run&);
};
constexpr std::array variants{
    Variant{"client", 5, handshake, client_closes_first},
    Variant{"server", 5, handshake, server_closes_first},
    Variant{"half", 5, handshake, half_close},
    Variant{"abort", 5, handshake, abort_close},
    Variant{"unread", 5, handshake, close_with_unread_data},
    Variant{"syn-sent", 0, handshake_into_a_full_queue, client_closes_first},
};

int main(int argc, char** argv) {
  cli::Parser args("handshake", "Lesson 03: a TCP connection's segments and states, captured.");
  args.option("--host", "HOST", "127.0.0.1", "loopback address to use (127.0.0.1 or ::1)")
      .option("--port", "PORT", "0", "server port; 0 lets the kernel pick a free one")
      .option("--close", "HOW", "client",
              "client | server (who closes first) | half (shutdown(SHUT_WR)) | abort (SO_LINGER "
              "0: RST) | unread (close with unread data: RST) | syn-sent (full backlog)")
      .option("--format", "FORMAT", "ladder", "ladder, or lines (one line per segment)")
      .option("--pcap", "FILE", "", "also write the segments to FILE for Wireshark/tcpdump")
      .option("--svg", "OUT.svg", "", "also draw the ladder as an SVG picture (as ladder --svg)")
      .option("--html", "OUT.html", "", "also write a web page: the SVG and a table of segments")
      .flag("--raw-seq", "absolute sequence numbers instead of relative ones")
      .flag("--step", "pause after each step (press Enter) so you can run ss -tan");

  return cli::run(argc, argv, args, [&] {
    const Variant* variant = nullptr;
    for (const Variant& v : variants)
      if (v.name == args.get("--close")) variant = &v;
    if (variant == nullptr)
      throw cli::UsageError(
          cli::tr("--close: expected client, server, half, abort, unread or syn-sent"));
    if (args.get("--format") != "ladder" && args.get("--format") != "lines")
      throw cli::UsageError(cli::tr("--format: expected ladder or lines"));
    // Capturing needs CAP_NET_RAW. As an ordinary user a network namespace of our
    // own gives it, with a loopback of our own (lib/lab/own_namespaces.hpp); not with
    // --step, whose pauses are for `ss` in another terminal, which sees the machine's.
    std::error_code own_ec;
    if (!args.is_set("--step")) own_ec = lab::use_own_namespaces();
    // The server: socket, bind, listen, as in lesson 01.
    Socket listener =
        cli::host_port(args.get("--host"), args.port(), Type::stream, [](const Address& address) {
          Socket s = Socket::tcp(address.family());
          s.bind(address);
          return s;
        });
    listener.listen(variant->backlog);
    cli::say_listening(listener);

    // Start capturing before the first SYN can leave.
    Recorder rec(listener.local_address());
    if (!rec.capturing())
      cli::say("{}", cli::trf("no capture ({}): {}\nshowing the states the kernel reports instead.",
                              rec.capture_error().message(),
                              own_ec ? lab::own_namespaces_hint(own_ec)
                                     : Capture::hint(rec.capture_error())));

    Run run{listener, rec, args.is_set("--step"), Socket::tcp(rec.server().family()), Socket{}};
    variant->open(run);
    hello(run);
    variant->close(run);

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
    // The same ladder as a picture and as a web page: the renderer tools/ladder uses.
    if (!args.get("--svg").empty()) {
      write_text_file(args.get("--svg"), render_svg(c, options));
      cli::say("wrote {}", args.get("--svg"));
    }
    if (!args.get("--html").empty()) {
      write_text_file(
          args.get("--html"),
          render_html(c, options, "lesson 03: handshake --close " + args.get("--close")));
      cli::say("wrote {} (open it in a browser)", args.get("--html"));
    }
    return 0;
  });
}
