// Lesson 07 — serving many clients, 4 of 4: what listen(backlog) really is.
//
// The tutorial says listen(5) sets "the maximum number of connections". It does
// not. After listen(), the KERNEL answers SYNs and completes handshakes on its
// own; finished connections wait in the accept queue until the program calls
// accept(). The backlog is the length of that queue. This demo never calls
// accept() until the end: clients connect anyway, and even send data, until the
// queue is full — then the next client's connect() gets no answer (Linux drops
// its SYN, and the client would retry it for a while; Windows refuses it).
//
// Docs: docs/lessons/07-many-clients.md
#include <socklab/observe/tcp_state.hpp>
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <array>
#include <chrono>
#include <string>
#include <vector>

using namespace socklab;
using namespace socklab::observe;  // packets, pcap, capture, TCP state, the ladder (lib/observe)

int main(int argc, char** argv) {
  cli::Parser args("backlog_demo",
                   "Lesson 07: clients connect before accept(), up to the backlog.");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "0", "TCP port; 0 lets the kernel pick a free one")
      .option("--backlog", "N", "2", "the listen() backlog")
      .option("--clients", "N", "4", "how many clients try to connect")
      .option("--wait-ms", "MS", "300", "how long a client's connect() may take");

  return cli::run(argc, argv, args, [&] {
    const int backlog = static_cast<int>(args.integer("--backlog", 0, 10000));
    const int clients = static_cast<int>(args.integer("--clients", 1, 10000));
    const int wait_ms = static_cast<int>(args.integer("--wait-ms", 1, 10000));

    // socket(), bind(), listen(backlog) — and then NO accept() for a while.
    // --host may name several addresses (lesson 04): bind to the first that works.
    Socket listener =
        cli::host_port(args.get("--host"), args.port(), Type::stream, [](const Address& address) {
          Socket s = Socket::tcp(address.family());
          s.bind(address);
          return s;
        });
    listener.listen(backlog);
    Address where = listener.local_address();
    cli::say_listening(listener);
    cli::say("listen(backlog={}); nobody calls accept() yet", backlog);

    // 1. The clients connect one after another (and 2. until the queue is full). connect() returns
    // when the
    //    handshake is done. To wait at most --wait-ms for that, it runs non-blocking
    //    and poll() waits for the end of the handshake (lesson 09 explains how);
    //    SO_SNDTIMEO would bound a blocking connect() on Linux only.
    std::vector<Socket> connected;
    for (int k = 1; k <= clients; ++k) {
      Socket c = Socket::tcp(where.family());
      c.set_non_blocking(true);
      std::error_code ec;
      c.connect(where, ec);
      if (ec == std::errc::operation_in_progress || ec == std::errc::operation_would_block) {
        std::array<PollFd, 1> fds{PollFd{c.native_handle(), Events::out}};
        ec = poll(fds, std::chrono::milliseconds(wait_ms)) == 0
                 ? std::make_error_code(std::errc::timed_out)
                 : c.pending_error();  // how the handshake ended
      }
      c.set_non_blocking(false);
      if (ec == std::errc::connection_refused) {  // Windows: a full queue answers with RST
        cli::say("client {}: connect() refused: the accept queue is full", k);
        continue;
      }
      if (ec) {  // Linux: the SYN was dropped, connect() is still waiting (and would retry)
        cli::say("client {}: no answer after {} ms ({}): the accept queue is full", k, wait_ms,
                 ec.message());
        continue;  // closing the socket abandons the attempt
      }
      std::error_code state_ec;  // TCP_INFO: Linux only; elsewhere "?"
      TcpState state = tcp_state(c, state_ec);
      send_all(c, fmt::format("hello from client {}", k));  // data can wait in the queue too
      cli::say("client {}: connected, state {}, sent a hello; not accept()ed yet", k,
               to_string(state));
      connected.push_back(std::move(c));
    }

    // Now accept() them: each comes out of the queue with its data waiting.
    for (std::size_t i = 0; i < connected.size(); ++i) {
      auto [conn, peer] = listener.accept();
      std::array<char, 64> buffer;
      Received sent = conn.recv(buffer);
      cli::say("accept() -> {}, which had sent: {}", peer.to_string(),
               std::string_view(buffer.data(), sent.bytes));
    }
    cli::say("{} of {} clients got through a backlog of {}", connected.size(), clients, backlog);
    return 0;
  });
}
