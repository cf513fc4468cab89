// Lesson 02 — the echo client of the tutorial (section 3.3), in C++.
//
//   sock = socket.socket(AF_INET, SOCK_STREAM)   -> Socket::tcp()
//   sock.connect(('localhost', 8888))            -> sock.connect(address)
//   sock.sendall(message.encode())               -> send_all(sock, message)
//   data = sock.recv(1024)                       -> sock.recv(buffer), in a loop (see below)
//   sock.close()                                 -> sock.close()
//
// It sends each MESSAGE given on the command line (or, with none, each line of
// stdin) and prints the server's reply. It works with any echo server: ours,
// the tutorial's Python one, or `ncat -e /bin/cat -l`.
//
// Docs: docs/lessons/02-echo-client.md
#include <socklab/socklab.hpp>

#include <array>
#include <chrono>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace socklab;

// Receives one reply. An echo server's reply ENDS WITH the bytes we sent (ours
// puts "收到您的消息:" in front), so we call recv() until it does: one recv()
// may return only part of the reply — TCP does not keep message boundaries.
std::string receive_reply(Socket& sock, const Address& server, std::string_view message) {
  std::string reply;
  std::array<char, 1024> buffer;
  while (!std::string_view(reply).ends_with(message)) {
    // SOLUTION-BEGIN: TODO(step 4): recv() the next bytes into `buffer` (man 2 recv).
    // SOLUTION-STUB: (void)sock;  // remove this line
    // SOLUTION-STUB: throw std::logic_error("TODO(step 4): recv() is not written yet");
    // SOLUTION-STUB: Received got{};  // replace this line
    Received got = sock.recv(buffer);
    // SOLUTION-END
    if (got.eof) throw Error(errc::unexpected_eof, "recv", server.to_string());
    reply.append(buffer.data(), got.bytes);
    if (reply.size() > 1024 * 1024) throw Error(errc::line_too_long, "recv", server.to_string());
  }
  return reply;
}

int main(int argc, char** argv) {
  cli::Parser args("echo_client", "Lesson 02: the tutorial's TCP echo client.");
  args.option("--host", "HOST", "127.0.0.1", "server host name or IP")
      .option("--port", "PORT", "8888", "server TCP port")
      .option("--timeout", "MS", "5000", "give up when a reply takes longer (milliseconds)")
      .positionals("MESSAGE", "messages to send; with none, each line of stdin is one");

  return cli::run(argc, argv, args, [&] {
    const auto timeout = args.milliseconds("--timeout");

    // --host may name several addresses ("localhost": ::1 and 127.0.0.1, lesson
    // 04): cli::host_port() runs this for each in turn, until one connect()s.
    Socket sock =
        cli::host_port(args.get("--host"), args.port(), Type::stream, [&](const Address& server) {
          // 1. socket(): a TCP socket of the server address's family.
          Socket client = Socket::tcp(server.family());
          // A server that never answers must not hang us: recv() gives up after this.
          client.set_recv_timeout(timeout);

          // 2. connect(): the three-way handshake happens here (lesson 03 shows it).
          // SOLUTION-BEGIN: TODO(step 2): connect() `client` to `server` (man 2 connect).
          // SOLUTION-STUB: throw std::logic_error("TODO(step 2): connect() is not written yet");
          client.connect(server);
          // SOLUTION-END
          return client;
        });
    const Address server = sock.peer_address();
    cli::say("connected to {} from {}", server.to_string(), sock.local_address().to_string());

    auto talk = [&](const std::string& message) {
      if (message.empty()) return;  // 0 bytes would get no reply: nothing to wait for
      // 3. send(): send_all() repeats send() until every byte is gone.
      // SOLUTION-BEGIN: TODO(step 3): send `message`, all of it (send_all() in io.hpp).
      // SOLUTION-STUB: throw std::logic_error("TODO(step 3): send() is not written yet");
      send_all(sock, message);
      // SOLUTION-END
      // 4. recv(): until the whole reply is here.
      cli::say("reply: {}", printable(receive_reply(sock, server, message)));
    };

    if (!args.words().empty()) {
      for (const std::string& message : args.words()) talk(message);
    } else {
      for (std::string line; std::getline(std::cin, line);) talk(line);
    }

    // 5. close(): the server's recv() now returns 0 bytes — it sees EOF.
    sock.close();
    return 0;
  });
}
