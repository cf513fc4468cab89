// Lesson 06 — the byte stream and framing: a server that finds messages three ways.
//
// TCP delivers bytes, not messages: one send() can arrive as several recv()s and
// several send()s as one recv(). The tutorial's server (lesson 01) does
//
//   data = client_socket.recv(1024)        # "one message"... or half of one, or two
//   print(data.decode())                   # fails if a UTF-8 character was cut in half
//
// --framing raw     that, on purpose: each recv() is taken as one message and
//                   decoded (checked) as UTF-8. Run it to see both bugs.
// --framing line    one message per line: LineReader cuts the stream at '\n'.
// --framing length  a 4-byte big-endian length, then the message: FrameReader.
//
// For each message it prints `message N (B bytes): TEXT` and replies `#N: TEXT`
// in the same framing. Pair it with frame_client. Docs: docs/lessons/06-framing.md
#include <socklab/socklab.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace socklab;

// The tutorial's loop: one recv() = one message. Wrong, and here to show it:
// steps 1-3 of the lesson (one send() split, two merged, a character cut in half).
// Every message is printed escaped (printable()): a client must not be able to
// send ESC or CR bytes that repaint our terminal.
void serve_raw(Socket& client, std::size_t recv_size) {
  std::vector<char> buffer(recv_size);
  for (int n = 1;; ++n) {
    Received chunk = client.recv(buffer);  // recv(1024): whatever has arrived, up to 1024
    if (chunk.eof) return;
    std::string_view data(buffer.data(), chunk.bytes);
    if (!is_valid_utf8(data))  // what data.decode() checks
      // Python's data.decode() raises UnicodeDecodeError here, and the tutorial's
      // server dies. So does this one: the message is one clear line on stderr.
      throw std::runtime_error(
          cli::trf("message {}: recv() returned {} bytes that are not valid UTF-8 (a character cut "
                   "in half?); Python's data.decode() raises UnicodeDecodeError here",
                   n, chunk.bytes));
    cli::say("message {} ({} bytes): {}", n, chunk.bytes, printable(data));
    send_all(client, fmt::format("#{}: {}\n", n, data));
  }
}

// 5. Newline framing: a message ends at '\n'. LineReader keeps what follows a
// line for the next call, and refuses a line longer than max_size.
void serve_lines(Socket& client, std::size_t max_size) {
  // SOLUTION-BEGIN: TODO(step 5): read lines of at most max_size bytes (LineReader in io.hpp)
  // until EOF; print "message N (B bytes): TEXT" and reply "#N: TEXT\n" for each.
  // SOLUTION-STUB: (void)client;    // remove this line
  // SOLUTION-STUB: (void)max_size;  // remove this line
  // SOLUTION-STUB: throw std::logic_error("TODO(step 5): line framing is not written yet");
  LineReader lines(client, max_size);
  for (int n = 1; auto line = lines.read_line(); ++n) {
    cli::say("message {} ({} bytes): {}", n, line->size(), printable(*line));
    send_all(client, fmt::format("#{}: {}\n", n, *line));
  }
  // SOLUTION-END
}

// 6. Length framing: 4 bytes of length, then exactly that many bytes. Any byte may
// be in a message, '\n' too; 7. a claimed length above max_size is an error.
void serve_frames(Socket& client, std::size_t max_size) {
  // SOLUTION-BEGIN: TODO(step 6): read frames of at most max_size bytes (FrameReader in
  // frame.hpp) until EOF; print "message N (B bytes): TEXT" and reply "#N: TEXT" as a frame.
  // SOLUTION-STUB: (void)client;    // remove this line
  // SOLUTION-STUB: (void)max_size;  // remove this line
  // SOLUTION-STUB: throw std::logic_error("TODO(step 6): length framing is not written yet");
  FrameReader frames(client, max_size);
  for (int n = 1; auto message = frames.read_frame(); ++n) {
    cli::say("message {} ({} bytes): {}", n, message->size(), printable(*message));
    send_frame(client, fmt::format("#{}: {}", n, *message));
  }
  // SOLUTION-END
}

std::size_t size_option(const cli::Parser& args, std::string_view name) {
  return static_cast<std::size_t>(args.integer(name, 1, 64 * 1024 * 1024));
}

int main(int argc, char** argv) {
  cli::Parser args("frame_server", "Lesson 06: finding messages in a TCP byte stream.");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "8888", "TCP port; 0 lets the kernel pick a free one")
      .option("--framing", "KIND", "line", "raw (the tutorial's recv(1024)), line or length")
      .option("--recv-size", "BYTES", "1024", "raw: the size of each recv()")
      .option("--max-size", "BYTES", "65536", "line/length: the largest message accepted")
      .flag("--once", "serve one client, then exit");

  return cli::run(argc, argv, args, [&] {
    const std::string framing = args.get("--framing");
    if (framing != "raw" && framing != "line" && framing != "length")
      throw cli::UsageError(cli::tr("--framing: expected raw, line or length"));
    const std::size_t recv_size = size_option(args, "--recv-size");
    const std::size_t max_size = size_option(args, "--max-size");

    // socket(), bind(), listen(): as in lesson 01.
    // --host may name several addresses (lesson 04): bind to the first that works.
    Socket listener =
        cli::host_port(args.get("--host"), args.port(), Type::stream, [](const Address& address) {
          Socket s = Socket::tcp(address.family());
          s.set_reuse_address(true);
          s.bind(address);
          return s;
        });
    listener.listen(5);
    cli::say_listening(listener);
    cli::say("framing: {}", framing);

    do {
      auto [client, peer] = listener.accept();
      cli::say("connection from {}", peer.to_string());
      try {
        if (framing == "raw") serve_raw(client, recv_size);
        if (framing == "line") serve_lines(client, max_size);
        if (framing == "length") serve_frames(client, max_size);
      } catch (const Error& e) {
        // A peer that breaks the framing (too long, cut off) loses its connection,
        // not the server: after such an error we can no longer find the next message.
        fmt::print(stderr, "frame_server: client {}: {}\n", peer.to_string(), e.what());
      }
      client.close();
      cli::say("closed {}", peer.to_string());
    } while (!args.is_set("--once"));
    return 0;
  });
}
