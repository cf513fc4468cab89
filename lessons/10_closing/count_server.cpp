// Lesson 10 — closing well, the server side: count what a client uploads.
//
// A client sends any amount of bytes and then says "that's all" by half-closing
// (shutdown(SHUT_WR): its FIN). We know the upload is complete only when recv()
// returns 0 — there is no other end marker. Then we reply and close().
//
// An upload larger than --max-bytes is refused early, with a reply. How we
// close then matters:
//
//   --naive-close   close() at once, with the rest of the upload unread in our
//                   receive buffer: the kernel sends RST instead of FIN (RFC 2525
//                   2.17), and the client gets "connection reset" — often before
//                   it has read our reply, which is lost with the connection.
//   (default)       shutdown(SHUT_WR) after the reply (our FIN follows it), then
//                   read and discard until the client's FIN, then close(): a
//                   "lingering close", so the client reads the reply and a clean EOF.
//
// Docs: docs/lessons/10-closing.md (the packets: lesson 03, handshake --close unread)
#include <socklab/socklab.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <stdexcept>
#include <string>

using namespace socklab;

void serve(Socket& conn, std::size_t max_bytes, bool naive_close) {
  std::array<char, 64 * 1024> buffer;
  std::size_t bytes = 0, lines = 0;
  // 1. recv() until it returns 0: the client's FIN, "no more data".
  for (;;) {
    // SOLUTION-BEGIN: TODO(step 1): recv() into `buffer`; stop when it returns 0 bytes (man 2
    // recv).
    // SOLUTION-STUB: throw std::logic_error("TODO(step 1): recv() is not written yet");
    // SOLUTION-STUB: Received got{};  // replace this line
    Received got = conn.recv(buffer);
    if (got.eof) break;  // the client's FIN: the upload is complete
    // SOLUTION-END
    bytes += got.bytes;
    lines += static_cast<std::size_t>(std::count(buffer.begin(), buffer.begin() + got.bytes, '\n'));
    if (bytes > max_bytes) {
      // Too much: refuse early, with a reply the client should get to read.
      send_all(conn, fmt::format("error: more than {} bytes\n", max_bytes));
      if (naive_close) return;  // 7. close() with unread data -> RST; the reply may be lost
      // SOLUTION-BEGIN: TODO(step 7): the lingering close: shutdown(SHUT_WR), then recv() and
      // discard until the client's FIN (at most 5 s: set_recv_timeout()), so nothing is unread.
      // SOLUTION-STUB: throw std::logic_error("TODO(step 7): shutdown() is not written yet");
      conn.shutdown(Shutdown::write);                  // FIN after the reply: "I'm done sending"
      conn.set_recv_timeout(std::chrono::seconds(5));  // don't drain a stuck client forever
      while (!conn.recv(buffer).eof) {
      }  // read and discard until the client's FIN: nothing unread, no RST
      // SOLUTION-END
      return;
    }
  }
  // The whole upload is here: the reply, then close() sends our FIN.
  send_all(conn, fmt::format("{} bytes, {} lines\n", bytes, lines));
}

int main(int argc, char** argv) {
  cli::Parser args("count_server", "Lesson 10: counts an upload that ends with a half-close.");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "8888", "TCP port; 0 lets the kernel pick a free one")
      .option("--max-bytes", "N", "1048576", "refuse uploads larger than this")
      .flag("--naive-close", "refuse with close() at once (the pitfall: RST, lost reply)")
      .flag("--once", "serve one client, then exit");

  return cli::run(argc, argv, args, [&] {
    const auto max_bytes = static_cast<std::size_t>(args.integer("--max-bytes", 0, 1LL << 40));

    // --host may name several addresses (lesson 04): bind to the first that works.
    Socket listener =
        cli::host_port(args.get("--host"), args.port(), Type::stream, [](const Address& address) {
          Socket s = Socket::tcp(address.family());
          s.set_reuse_address(true);
          s.bind(address);
          return s;
        });
    listener.listen(16);
    cli::say_listening(listener);

    do {
      auto [client, peer] = listener.accept();
      try {
        serve(client, max_bytes, args.is_set("--naive-close"));
        // close(): FIN if everything was read, RST (7.) if bytes were left unread.
        client.close();
        cli::say("closed {}", peer.to_string());
      } catch (const Error& e) {
        fmt::print(stderr, "count_server: client {}: {}\n", peer.to_string(), e.what());
      }
    } while (!args.is_set("--once"));
    return 0;
  });
}
