// Lesson 01 — the echo server of the tutorial (section 2.3), in C++.
//
// The Python original, line for line:
//
//   server_socket = socket.socket(AF_INET, SOCK_STREAM)   -> Socket::tcp()
//   server_socket.bind(('localhost', 8888))               -> server.bind(address)
//   server_socket.listen(5)                               -> server.listen(5)
//   client_socket, client_address = server_socket.accept() -> server.accept()
//   data = client_socket.recv(1024)                       -> client.recv(buffer)
//   if not data: break                                    -> if (got.eof) break
//   client_socket.send(response.encode())                 -> send_all(client, reply)
//   client_socket.close()                                 -> client.close()
//
// Run it:   build/bin/echo_server            (then lesson 02's echo_client)
// Docs:     docs/lessons/01-echo-server.md
#include <socklab/socklab.hpp>

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>

using namespace socklab;

// The tutorial's reply: "收到您的消息:" ("received your message:") + the message.
constexpr std::string_view reply_prefix = "收到您的消息:";

// Talks to one client until it closes the connection.
void serve(Socket& client, const Address& peer) {
  std::array<char, 1024> buffer;  // recv(1024)
  for (;;) {
    // 5. recv(): waits for bytes and returns whatever has arrived — maybe half a
    //    message, maybe two messages at once. TCP is a byte stream, not messages.
    // SOLUTION-BEGIN: TODO(step 5): recv() into `buffer` (man 2 recv); `got` says how many
    // bytes arrived, or eof when the client has closed.
    // SOLUTION-STUB: throw std::logic_error("TODO(step 5): recv() is not written yet");
    // SOLUTION-STUB: Received got{};      // replace this line
    Received got = client.recv(buffer);
    // SOLUTION-END
    if (got.eof) break;  // recv() returned 0 bytes: the client closed its side

    std::string_view data(buffer.data(), got.bytes);
    // Escaped: bytes from a client must not be able to repaint our terminal.
    cli::say("message from {}: {}", peer.to_string(), printable(data));

    // 6. send() the reply. We join raw bytes and never decode them, so a UTF-8
    //    character cut in half by recv() is put back together by the client.
    //    send_all() loops, because one send() may take only part of the bytes.
    // SOLUTION-BEGIN: TODO(step 6): send reply_prefix + data back (see send_all() in io.hpp).
    // Two std::string_view cannot be joined with +: make a std::string of one, append the other.
    // SOLUTION-STUB: throw std::logic_error("TODO(step 6): send() is not written yet");
    send_all(client, std::string(reply_prefix) + std::string(data));
    // SOLUTION-END
  }
  // 7. close(): we are done with this client (the destructor would do it too).
  client.close();
  cli::say("closed {}", peer.to_string());
}

int main(int argc, char** argv) {
  cli::Parser args("echo_server", "Lesson 01: the tutorial's TCP echo server.");
  args.option("--host", "HOST", "127.0.0.1",
              "address to listen on (0.0.0.0 or :: exposes the server to the network)")
      .option("--port", "PORT", "8888", "TCP port; 0 lets the kernel pick a free one")
      .flag("--once", "serve one client, then exit");

  return cli::run(argc, argv, args, [&] {
    // --host may name several addresses ("localhost": ::1 and 127.0.0.1, lesson
    // 04): cli::host_port() runs this for each in turn, until one bind()s.
    Socket server =
        cli::host_port(args.get("--host"), args.port(), Type::stream, [](const Address& address) {
          // 1. socket(): a TCP socket of the address's family (IPv4 here by default).
          Socket server_socket = Socket::tcp(address.family());
          // Let a restarted server take its port back at once, even while connections
          // of the last run wait in TIME_WAIT (lesson 03 shows that state).
          server_socket.set_reuse_address(true);

          // 2. bind(): claim the address and port. Port 0 = "any free port".
          // SOLUTION-BEGIN: TODO(step 2): bind() `server_socket` to `address` (man 2 bind).
          // SOLUTION-STUB: throw std::logic_error("TODO(step 2): bind() is not written yet");
          server_socket.bind(address);
          // SOLUTION-END
          return server_socket;
        });

    // 3. listen(5): from now on the kernel answers clients' handshakes by itself.
    //    5 is NOT "at most 5 clients": it is the queue of connections that are
    //    already established but not yet accept()ed. We still serve one at a time.
    // SOLUTION-BEGIN: TODO(step 3): listen() with a backlog of 5 (man 2 listen).
    // SOLUTION-STUB: throw std::logic_error("TODO(step 3): listen() is not written yet");
    server.listen(5);
    // SOLUTION-END
    // The first line, "listening on HOST:PORT" — said only if listen() really ran
    // (getsockopt(SO_ACCEPTCONN)); without it: "not listening on …", exit 1.
    cli::say_listening(server);

    do {
      // 4. accept(): waits for the next client and returns a NEW socket for it;
      //    `server` keeps listening for others.
      // SOLUTION-BEGIN: TODO(step 4): accept() the next client (man 2 accept).
      // SOLUTION-STUB: throw std::logic_error("TODO(step 4): accept() is not written yet");
      // SOLUTION-STUB: auto [client, peer] = Accepted{};  // replace this line
      auto [client, peer] = server.accept();
      // SOLUTION-END
      cli::say("connection from {}", peer.to_string());
      try {
        serve(client, peer);
      } catch (const Error& e) {
        // One client's failure (e.g. it reset the connection) must not stop the server.
        fmt::print(stderr, "echo_server: client {}: {}\n", peer.to_string(), e.what());
      }
    } while (!args.is_set("--once"));
    return 0;
  });
}
