// Lesson 06 — the byte stream and framing: a client that sends framed messages.
//
// It frames every MESSAGE (raw = not at all, line = + '\n', length = a 4-byte
// big-endian length in front), sends them ALL with one send_all() — as a busy
// client or Nagle's algorithm would merge them anyway — and then reads the
// server's replies with the same framing. The server must find the boundaries
// itself: with framing it can, without it it cannot.
//
//   frame_client --framing raw one two      # the server sees one message "onetwo"
//   frame_client --framing line one two     # two messages, two replies
//
// Docs: docs/lessons/06-framing.md
#include <socklab/socklab.hpp>

#include <array>
#include <chrono>
#include <stdexcept>
#include <string>

using namespace socklab;

int main(int argc, char** argv) {
  cli::Parser args("frame_client", "Lesson 06: send messages with (or without) framing.");
  args.option("--host", "HOST", "127.0.0.1", "server host name or IP")
      .option("--port", "PORT", "8888", "server TCP port")
      .option("--framing", "KIND", "line", "raw (no framing), line or length")
      .option("--timeout", "MS", "5000", "give up when the server is silent this long")
      .positionals("MESSAGE", "the messages to send");

  return cli::run(argc, argv, args, [&] {
    const std::string framing = args.get("--framing");
    if (framing != "raw" && framing != "line" && framing != "length")
      throw cli::UsageError(cli::tr("--framing: expected raw, line or length"));
    const std::chrono::milliseconds timeout = args.milliseconds("--timeout");

    // Frame the messages, back to back, into one buffer: step 5 (lines) or 6 (lengths).
    std::string request;
    for (const std::string& message : args.words()) {
      if (framing == "raw") request += message;  // no boundary at all
      if (framing == "line") {
        // SOLUTION-BEGIN: TODO(step 5): append `message` and the '\n' that ends it.
        // SOLUTION-STUB: throw std::logic_error("TODO(step 5): line framing is not written yet");
        request += message + "\n";
        // SOLUTION-END
      }
      if (framing == "length") {
        // SOLUTION-BEGIN: TODO(step 6): append the 4-byte big-endian length of `message`
        // (encode_frame_header() in frame.hpp), then `message`.
        // SOLUTION-STUB: throw std::logic_error("TODO(step 6): length framing is not written yet");
        auto header = encode_frame_header(static_cast<std::uint32_t>(message.size()));
        request.append(header.data(), header.size()).append(message);
        // SOLUTION-END
      }
    }

    // socket(), connect(), then one send_all() for everything (4. one send() may
    // take less than asked: send_all() loops).
    // (--host may name several addresses, lesson 04: each is tried in turn.)
    Socket sock =
        cli::host_port(args.get("--host"), args.port(), Type::stream, [&](const Address& server) {
          Socket s = Socket::tcp(server.family());
          s.set_recv_timeout(timeout);
          s.connect(server);
          return s;
        });
    send_all(sock, request);
    cli::say("sent {} message(s), {} bytes, with one send_all()", args.words().size(),
             request.size());

    // shutdown(write): "no more messages" (lesson 10). The server's reader sees EOF after
    //    the last one, answers, and closes; our reads below then end at EOF too.
    sock.shutdown(Shutdown::write);

    // The replies, read with the same framing, printed escaped (printable(): a
    // '\n' inside a reply shows as \n) and whole.
    if (framing == "line") {
      LineReader lines(sock);
      while (auto line = lines.read_line()) cli::say("reply: {}", printable(*line, line->size()));
    } else if (framing == "length") {
      FrameReader frames(sock);
      while (auto frame = frames.read_frame())
        cli::say("reply: {}", printable(*frame, frame->size()));
    } else {
      // Raw: we cannot tell replies apart either; show what each recv() returned
      // (printable() shows a '\n' as \n, so that you see where the bytes end).
      std::array<char, 1024> buffer;
      for (Received got; !(got = sock.recv(buffer)).eof;)
        cli::say("recv() returned {} bytes: {}", got.bytes,
                 printable(std::string_view(buffer.data(), got.bytes), buffer.size()));
    }
    sock.close();
    return 0;
  });
}
