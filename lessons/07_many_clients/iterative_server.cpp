// Lesson 07 — serving many clients, 1 of 4: the iterative server (the tutorial's).
//
// The tutorial's server is a loop: accept() one client, talk to it until it
// leaves, then accept() the next. While it talks to client A, client B can
// connect (the kernel completes B's handshake and queues it, see backlog_demo)
// and send its request — but nobody reads it until A leaves. One idle client
// starves everybody else.
//
// The protocol of all of lesson 07's servers: each line "X" gets "echo: X".
// Docs: docs/lessons/07-many-clients.md
#include <socklab/socklab.hpp>

#include <string>

using namespace socklab;

// Talks to one client until it closes the connection.
void serve(Socket& client, const Address& peer) {
  try {
    LineReader lines(client);
    while (auto line = lines.read_line()) send_all(client, "echo: " + *line + "\n");
  } catch (const Error& e) {
    fmt::print(stderr, "iterative_server: client {}: {}\n", peer.to_string(), e.what());
  }
  cli::say("closed {}", peer.to_string());
}

int main(int argc, char** argv) {
  cli::Parser args("iterative_server", "Lesson 07: one client at a time (and why that starves).");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "8888", "TCP port; 0 lets the kernel pick a free one")
      .option("--backlog", "N", "5", "listen() backlog: finished handshakes waiting for accept()")
      .option("--max-clients", "N", "0", "exit after serving N clients (0 = never)");

  return cli::run(argc, argv, args, [&] {
    const int backlog = static_cast<int>(args.integer("--backlog", 0, 10000));
    const int max_clients = static_cast<int>(args.integer("--max-clients", 0, 10000));

    // --host may name several addresses (lesson 04): bind to the first that works.
    Socket listener =
        cli::host_port(args.get("--host"), args.port(), Type::stream, [](const Address& address) {
          Socket s = Socket::tcp(address.family());
          s.set_reuse_address(true);
          s.bind(address);
          return s;
        });
    listener.listen(backlog);
    cli::say_listening(listener);

    for (int served = 0; max_clients == 0 || served < max_clients; ++served) {
      auto [client, peer] = listener.accept();
      cli::say("connection from {}", peer.to_string());
      serve(client, peer);  // <- everyone else waits here, however long this takes
    }
    return 0;
  });
}
