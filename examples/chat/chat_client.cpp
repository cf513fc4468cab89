// Example: the chat client — what you type goes to the server, what the server
// sends is printed. `nc 127.0.0.1 7000` does the same; this is how it is made.
//
//   build/bin/chat_client --port 7000 --nick alice
//
// Two things can happen at any moment: you type a line, or a line arrives.
// A blocking program can wait for only one of them, so the client has two
// threads: this one reads the socket and prints, a second one reads stdin and
// sends. (poll() on stdin works on POSIX but not with WSAPoll on Windows, so
// the thread is the portable answer.) When stdin ends the client sends /quit;
// when the server closes the connection the client exits.
//
// Docs: docs/examples/chat.md
#include <socklab/socklab.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <thread>

using namespace socklab;

int main(int argc, char** argv) {
  cli::Parser args("chat_client", "Example: a line-based chat client.");
  args.option("--host", "HOST", "127.0.0.1", "the chat server's address")
      .option("--port", "PORT", "7000", "the chat server's TCP port")
      .option("--nick", "NAME", "", "your nickname (1-16 letters, digits, _ or -)");

  return cli::run(argc, argv, args, [&] {
    if (args.get("--nick").empty()) throw cli::UsageError("--nick NAME is required");
    // Each address of --host in turn (lesson 04), until one connects. The socket is
    // shared with the typing thread, which may outlive this function (see below).
    auto shared = std::make_shared<Socket>(cli::connect_first(args.get("--host"), args.port()));
    Socket& sock = *shared;
    LineReader lines(sock, 64 * 1024);
    send_all(sock, args.get("--nick") + "\n");  // the first line is the nickname

    // The typing side. It only ever send()s; this thread only ever recv()s:
    // one sender and one receiver on the same socket need no lock.
    std::thread keyboard([shared] {
      Socket& out = *shared;
      std::string line;
      std::error_code ec;
      while (std::getline(std::cin, line) && !ec) send_all(out, line + "\n", ec);
      if (!ec) send_all(out, "/quit\n", ec);
    });
    // Not joined: when the server closes, we exit even if nobody types again
    // (a thread blocked reading stdin cannot be woken portably).
    keyboard.detach();

    while (auto line = lines.read_line()) cli::say("{}", *line);
    return 0;
  });
}
