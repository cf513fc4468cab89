// Example: a multi-client chat server, one thread, lesson 08's event loop.
//
//   build/bin/chat_server --port 7000        then:  nc 127.0.0.1 7000
//
// Every line a client sends goes to every other client. Lesson 08 echoes a
// client's bytes back to that same client; here one client's line becomes
// bytes queued for ALL the others, and that is where a chat server goes wrong:
// a client that stops reading (a stuck laptop, a full pipe) must not stall the
// rest. So nothing here ever waits for one client:
//   - poll() is the only call that waits;
//   - each client has its own bounded Outbox (chat_protocol.hpp): we send()
//     what the kernel takes now and keep the rest for POLLOUT;
//   - a client whose Outbox would pass --max-queue is too far behind: its queue
//     is replaced by one goodbye line, and it is closed once that is sent (or
//     after --grace-ms, if it never reads again).
//
// Docs: docs/examples/chat.md
#include <socklab/poll.hpp>
#include <socklab/socklab.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "chat_protocol.hpp"

using namespace socklab;
using Clock = std::chrono::steady_clock;

struct Client {
  Client(Socket s, Address p, std::size_t max_line, std::size_t max_queue)
      : sock(std::move(s)), peer(std::move(p)), in(max_line), out(max_queue) {}
  Socket sock;
  Address peer;
  std::string nick;  // empty until the client has chosen one
  chat::LineBuffer in;
  chat::Outbox out;
  bool closing = false;    // send what is queued (the goodbye), then close
  bool gone = false;       // closed or failed: forget it
  bool announced = false;  // the others were told that it left
  std::string reason;      // why it left, for the notice
  Clock::time_point deadline;
};

class ChatServer {
 public:
  ChatServer(std::size_t max_line, std::size_t max_queue, std::chrono::milliseconds grace)
      : max_line_(max_line), max_queue_(max_queue), grace_(grace) {}

  /// Serves until `exit_when_empty` and everyone who came has left.
  void run(Socket& listener, bool exit_when_empty);

 private:
  void accept_all(Socket& listener);
  void read_from(Client& c);
  void handle(Client& c, const std::string& line);
  void flush(Client& c);
  void send_to(Client& c, std::string_view text);
  void broadcast(const Client& from, std::string_view text);
  void disconnect(Client& c, std::string_view goodbye, std::string reason);
  void forget_gone();
  std::string names() const;

  std::size_t max_line_, max_queue_;
  std::chrono::milliseconds grace_;
  std::vector<Client> clients_;
  std::vector<PollFd> fds_;
  std::array<char, 64 * 1024> buffer_;
};

// Queues text for one client; a client too far behind is disconnected instead.
void ChatServer::send_to(Client& c, std::string_view text) {
  if (c.closing || c.gone) return;
  if (!c.out.push(text)) {
    cli::say("kicked {}: too far behind ({} bytes queued)", c.nick, c.out.size());
    disconnect(c, "* disconnected: you are too far behind (not reading)\n", "too far behind");
  }
}

void ChatServer::broadcast(const Client& from, std::string_view text) {
  for (Client& c : clients_)
    if (&c != &from && !c.nick.empty()) send_to(c, text);
}

void ChatServer::disconnect(Client& c, std::string_view goodbye, std::string reason) {
  c.out.replace_with(goodbye);
  c.closing = true;
  c.reason = std::move(reason);
  c.deadline = Clock::now() + grace_;
  flush(c);
}

std::string ChatServer::names() const {
  std::string out;
  std::size_t n = 0;
  for (const Client& c : clients_)
    if (!c.nick.empty() && !c.closing && !c.gone) {
      out += (n++ ? ", " : "") + c.nick;
    }
  return fmt::format("{} ({})", out.empty() ? "nobody" : out, n);
}

// send() what the kernel takes now; POLLOUT brings us back for the rest.
void ChatServer::flush(Client& c) {
  while (!c.out.empty()) {
    std::error_code ec;
    std::size_t n = c.sock.send(c.out.pending(), ec);
    if (ec == std::errc::operation_would_block) return;
    if (ec) {
      c.gone = true;
      return;
    }
    c.out.consume(n);
  }
  if (c.closing) c.gone = true;  // the goodbye is out: close (the destructor does it)
}

void ChatServer::handle(Client& c, const std::string& line) {
  chat::Command cmd = chat::parse_line(line);
  if (c.nick.empty()) {  // the first line names the client
    std::string name = cmd.kind == chat::Command::nick ? cmd.text : line;
    bool taken = std::any_of(clients_.begin(), clients_.end(),
                             [&](const Client& o) { return o.nick == name; });
    if (!chat::valid_nickname(name))
      send_to(c, "* a nickname is 1-16 letters, digits, _ or -; your nickname?\n");
    else if (taken)
      send_to(c, fmt::format("* {} is taken; your nickname?\n", name));
    else {
      c.nick = name;
      cli::say("{} joined from {}", name, c.peer.to_string());
      send_to(c, fmt::format("* welcome, {}! here: {}. /who, /nick NAME, /quit\n", name, names()));
      broadcast(c, fmt::format("* {} joined\n", name));
    }
    return;
  }
  switch (cmd.kind) {
    case chat::Command::message:
      broadcast(c, fmt::format("<{}> {}\n", c.nick, cmd.text));
      break;
    case chat::Command::who:
      send_to(c, fmt::format("* here: {}\n", names()));
      break;
    case chat::Command::nick:
      if (!chat::valid_nickname(cmd.text))
        send_to(c, "* a nickname is 1-16 letters, digits, _ or -\n");
      else if (std::any_of(clients_.begin(), clients_.end(),
                           [&](const Client& o) { return o.nick == cmd.text; }))
        send_to(c, fmt::format("* {} is taken\n", cmd.text));
      else {
        broadcast(c, fmt::format("* {} is now {}\n", c.nick, cmd.text));
        send_to(c, fmt::format("* you are now {}\n", cmd.text));
        c.nick = cmd.text;
      }
      break;
    case chat::Command::quit:
      disconnect(c, "* bye\n", "quit");
      break;
    case chat::Command::unknown:
      send_to(c, fmt::format("* unknown command {} (try /who, /nick NAME, /quit)\n", cmd.text));
      break;
    case chat::Command::empty:
      break;
  }
}

// One recv(): poll() said it will not block. Then every complete line.
void ChatServer::read_from(Client& c) {
  std::error_code ec;
  Received got = c.sock.recv(buffer_, ec);
  if (ec == std::errc::operation_would_block) return;
  if (ec || got.eof) {  // reset, or the client closed: it has left
    c.gone = true;
    c.reason = ec ? ec.message() : "closed";
    return;
  }
  c.in.append(std::string_view(buffer_.data(), got.bytes));
  while (!c.closing && !c.gone) {
    auto line = c.in.next_line();
    if (!line) break;
    handle(c, *line);
  }
  if (c.in.overflowed() && !c.closing)
    disconnect(c, "* disconnected: line too long\n", "line too long");
}

void ChatServer::accept_all(Socket& listener) {
  for (;;) {
    std::error_code ec;
    Accepted a = listener.accept(ec);
    if (ec == std::errc::operation_would_block) return;
    if (ec) {  // e.g. out of descriptors: say so and try again next turn
      cli::say("accept: {}", ec.message());
      return;
    }
    a.socket.set_non_blocking(true);
    clients_.emplace_back(std::move(a.socket), a.peer, max_line_, max_queue_);
    send_to(clients_.back(), "* welcome to socklab chat; your nickname?\n");
  }
}

// Tell the others who left (which may push more clients over their limit:
// repeat until nobody new has left), then drop the closed clients.
void ChatServer::forget_gone() {
  for (bool again = true; again;) {
    again = false;
    for (Client& c : clients_) {
      if (!(c.closing || c.gone) || c.announced) continue;
      c.announced = again = true;
      if (c.nick.empty()) continue;
      cli::say("{} left ({})", c.nick, c.reason);
      broadcast(c, fmt::format("* {} left ({})\n", c.nick, c.reason));
    }
  }
  std::erase_if(clients_, [](const Client& c) { return c.gone; });
}

void ChatServer::run(Socket& listener, bool exit_when_empty) {
  for (bool anyone_came = false; !(exit_when_empty && anyone_came && clients_.empty());) {
    // 1. What we want from each socket. Closing clients are only written to.
    fds_.clear();
    fds_.push_back({listener.native_handle(), Events::in});
    bool any_closing = false;
    for (const Client& c : clients_) {
      Events want = c.closing ? Events::none : Events::in;
      if (!c.out.empty()) want |= Events::out;
      any_closing = any_closing || c.closing;
      fds_.push_back({c.sock.native_handle(), want});
    }
    // 2. Wait. With a client closing we wake up now and then to check its deadline.
    poll(fds_, any_closing ? std::chrono::milliseconds(200) : wait_forever);

    // 3. Serve what poll() reported (fds_[i + 1] is clients_[i]; accept last,
    //    since it adds to clients_).
    const std::size_t n = clients_.size();
    for (std::size_t i = 0; i < n; ++i) {
      Client& c = clients_[i];
      const Events ev = fds_[i + 1].revents;
      if (has(ev, Events::in | Events::error | Events::hangup) && !c.closing && !c.gone)
        read_from(c);
      if (has(ev, Events::out | Events::error | Events::hangup) && !c.gone) flush(c);
      if (c.closing && Clock::now() > c.deadline) c.gone = true;  // never read its goodbye
    }
    if (has(fds_[0].revents, Events::in)) accept_all(listener);
    anyone_came = anyone_came || !clients_.empty();
    forget_gone();
  }
}

int main(int argc, char** argv) {
  cli::Parser args("chat_server", "Example: a chat server for many clients on one thread.");
  args.option("--host", "HOST", "127.0.0.1", "address to listen on")
      .option("--port", "PORT", "7000", "TCP port; 0 lets the kernel pick a free one")
      .option("--max-queue", "BYTES", "262144", "bytes queued for one client before it is dropped")
      .option("--max-line", "BYTES", "4096", "longest line a client may send")
      .option("--grace-ms", "MS", "5000", "how long a dropped client has to read its goodbye")
      .flag("--exit-when-empty", "exit when everyone who came has left (demos, tests)");

  return cli::run(argc, argv, args, [&] {
    auto number = [&](std::string_view name) {
      return static_cast<std::size_t>(args.integer(name, 1, 1LL << 40));
    };
    // --host may name several addresses (lesson 04): bind to the first that works.
    Socket listener =
        cli::host_port(args.get("--host"), args.port(), Type::stream, [](const Address& address) {
          Socket s = Socket::tcp(address.family());
          s.set_reuse_address(true);
          s.bind(address);
          return s;
        });
    listener.listen(128);
    listener.set_non_blocking(true);
    cli::say("listening on {}", listener.local_address().to_string());
    raise_open_file_limit(65536);
    ChatServer server(number("--max-line"), number("--max-queue"), args.milliseconds("--grace-ms"));
    server.run(listener, args.is_set("--exit-when-empty"));
    return 0;
  });
}
