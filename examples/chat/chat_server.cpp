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
// And one client must not be able to push the others out: one recv() of 13000
// short lines becomes 13000 lines for EVERY reader. So a line is send()-ed to
// each reader as it is queued, and when a reader that is reading (its kernel
// took bytes within --stall-ms) still has more than half of --max-queue waiting,
// the SENDER is paused: its lines stay unread in its own socket (TCP pushes back
// on it) until the readers have caught up. The cost falls on the one who caused
// it. A reader that takes nothing for --stall-ms does not pause anyone: it fills
// its queue and is dropped, as above.
// Received text is neutralised on the way IN: every message and name a client
// sends goes through socklab::printable(), so ESC, CR and other control bytes
// reach the others (and the log) as visible escapes (\x1b, \r) and nobody can
// forge another user's line or repaint their terminal. (A backslash shows as \\.)
// Clients: at most --max-clients (more are told "full" and closed); a client
// gets --nick-ms to choose a nickname; running out of descriptors (EMFILE) is
// survived with socklab::AcceptGuard, without spinning or flooding the log.
//
// Docs: docs/examples/chat.md
#include <socklab/accept_guard.hpp>
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
  Clock::time_point progress;  // the last time its kernel took bytes (or its queue was empty)
  Clock::time_point nick_deadline;
  bool paused = false;  // its lines wait: a reader is catching up with it
};

// Nicknames are compared without case: "OBSERVER" would pass for "observer".
bool same_nick(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return lower(x) == lower(y); });
}

struct Limits {
  std::size_t max_line, max_queue, max_clients;
  std::chrono::milliseconds grace, stall, nick;
};

class ChatServer {
 public:
  explicit ChatServer(Limits limits)
      : max_line_(limits.max_line),
        max_queue_(limits.max_queue),
        max_clients_(limits.max_clients),
        grace_(limits.grace),
        stall_(limits.stall),
        nick_(limits.nick) {}

  /// Serves until `exit_when_empty` and everyone who came has left.
  void run(Socket& listener, bool exit_when_empty);

 private:
  void accept_all(Socket& listener);
  void read_from(Client& c);
  void handle_lines(Client& c);
  bool must_wait(const Client& sender) const;
  bool nick_taken(std::string_view name, const Client* except) const;
  void handle(Client& c, const std::string& line);
  void flush(Client& c);
  void send_to(Client& c, std::string_view text);
  void broadcast(const Client& from, std::string_view text);
  void disconnect(Client& c, std::string_view goodbye, std::string reason);
  void forget_gone();
  std::string names() const;

  std::size_t max_line_, max_queue_, max_clients_;
  std::chrono::milliseconds grace_, stall_, nick_;
  std::vector<Client> clients_;
  AcceptGuard guard_;
  Clock::time_point accept_paused_until_{};
  std::vector<PollFd> fds_;
  std::array<char, 64 * 1024> buffer_;
};

// Queues text for one client; a client too far behind is disconnected instead.
// Sends at once what the kernel takes (a queue only for the rest).
void ChatServer::send_to(Client& c, std::string_view text) {
  if (c.closing || c.gone) return;
  if (c.out.empty()) c.progress = Clock::now();  // a fresh queue: it has not stalled yet
  if (!c.out.push(text)) {
    cli::say("kicked {}: too far behind ({} bytes queued)", c.nick, c.out.size());
    disconnect(c, "* disconnected: you are too far behind (not reading)\n", "too far behind");
    return;
  }
  flush(c);
}

// True if a reader that IS reading has more than half its queue waiting: then
// the sender's next line waits, not the reader's connection.
bool ChatServer::must_wait(const Client& sender) const {
  const auto now = Clock::now();
  return std::any_of(clients_.begin(), clients_.end(), [&](const Client& c) {
    return &c != &sender && !c.closing && !c.gone && c.out.size() > max_queue_ / 2 &&
           now - c.progress < stall_;
  });
}

bool ChatServer::nick_taken(std::string_view name, const Client* except) const {
  return std::any_of(clients_.begin(), clients_.end(), [&](const Client& o) {
    return &o != except && !o.gone && same_nick(o.nick, name);
  });
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
    if (is_would_block(ec)) return;
    if (ec) {
      c.gone = true;
      return;
    }
    c.out.consume(n);
    c.progress = Clock::now();
  }
  if (c.closing) c.gone = true;  // the goodbye is out: close (the destructor does it)
}

void ChatServer::handle(Client& c, const std::string& line) {
  chat::Command cmd = chat::parse_line(line);
  if (c.nick.empty()) {  // the first line names the client
    std::string name = cmd.kind == chat::Command::nick ? cmd.text : line;
    if (!chat::valid_nickname(name))
      send_to(c, "* a nickname is 1-16 letters, digits, _ or -; your nickname?\n");
    else if (nick_taken(name, &c))
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
    case chat::Command::message:  // neutralised on the way in: see the top of the file
      broadcast(c, fmt::format("<{}> {}\n", c.nick, printable(cmd.text, max_line_)));
      break;
    case chat::Command::who:
      send_to(c, fmt::format("* here: {}\n", names()));
      break;
    case chat::Command::nick:
      if (!chat::valid_nickname(cmd.text))
        send_to(c, "* a nickname is 1-16 letters, digits, _ or -\n");
      else if (cmd.text == c.nick)
        send_to(c, fmt::format("* you are {} already\n", c.nick));
      else if (nick_taken(cmd.text, &c))  // (a change of case of one's own name is fine)
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
      send_to(c, fmt::format("* unknown command {} (try /who, /nick NAME, /quit)\n",
                             printable(cmd.text, max_line_)));
      break;
    case chat::Command::empty:
      break;
  }
}

// One recv(): poll() said it will not block. Then every complete line.
void ChatServer::read_from(Client& c) {
  std::error_code ec;
  Received got = c.sock.recv(buffer_, ec);
  if (is_would_block(ec)) return;
  if (ec || got.eof) {  // reset, or the client closed: it has left
    c.gone = true;
    c.reason = ec ? ec.message() : "closed";
    return;
  }
  c.in.append(std::string_view(buffer_.data(), got.bytes));
  handle_lines(c);
}

// Every complete line, unless a reader has to catch up first: then the rest
// waits in c.in (and the socket is not read until it is used up).
void ChatServer::handle_lines(Client& c) {
  c.paused = false;
  while (!c.closing && !c.gone) {
    if (must_wait(c)) {
      c.paused = true;
      return;
    }
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
    Accepted a = guard_.accept(listener, ec);  // out of descriptors: sheds, never spins
    if (auto line = guard_.report()) cli::say("{}", *line);
    if (is_would_block(ec)) return;
    if (ec) {
      if (guard_.pause() > std::chrono::milliseconds(0)) {
        accept_paused_until_ = Clock::now() + guard_.pause();
        return;
      }
      if (is_resource_shortage(ec)) continue;  // one waiting client shed: the next
      return;
    }
    a.socket.set_non_blocking(true, ec);
    if (ec) continue;
    if (clients_.size() >= max_clients_) {  // one try, no waiting: the socket buffer is empty
      (void)a.socket.send(
          fmt::format("* the server is full ({} clients); try again later\n", max_clients_), ec);
      continue;  // closed here
    }
    clients_.emplace_back(std::move(a.socket), a.peer, max_line_, max_queue_);
    clients_.back().nick_deadline = Clock::now() + nick_;
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
    //    A paused sender is not read (its lines are not used up yet).
    const auto now = Clock::now();
    const bool listen_now = now >= accept_paused_until_;
    fds_.clear();
    fds_.push_back({listen_now ? listener.native_handle() : Socket::invalid_handle, Events::in});
    bool wake_soon = !listen_now;
    for (const Client& c : clients_) {
      Events want = c.closing || c.paused ? Events::none : Events::in;
      if (!c.out.empty()) want |= Events::out;
      wake_soon = wake_soon || c.closing || c.paused || c.nick.empty();
      fds_.push_back({c.sock.native_handle(), want});
    }
    // 2. Wait. With deadlines to check (closing, paused, nameless clients, accept
    //    paused) we wake up now and then; else only for events.
    std::error_code poll_ec;
    poll(fds_, wake_soon ? std::chrono::milliseconds(50) : wait_forever, poll_ec);

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
      if (c.nick.empty() && !c.closing && !c.gone && Clock::now() > c.nick_deadline)
        disconnect(c, "* no nickname in time, bye\n", "no nickname");
    }
    for (Client& c : clients_)  // senders paused for a reader: go on if it caught up
      if (c.paused && !c.closing && !c.gone) handle_lines(c);
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
      .option("--stall-ms", "MS", "500", "a reader that takes no bytes this long pauses nobody")
      .option("--nick-ms", "MS", "30000", "time a new client has to choose a nickname")
      .option("--max-clients", "N", "1000", "clients at once (more are told 'full')")
      .flag("--exit-when-empty", "exit when everyone who came has left (demos, tests)");

  return cli::run(argc, argv, args, [&] {
    auto number = [&](std::string_view name) {
      return static_cast<std::size_t>(args.integer(name, 1, 1LL << 40));
    };
    // --host may name several addresses (lesson 04): bind to the first that works.
    Socket listener = cli::bind_first(args.get("--host"), args.port());
    listener.listen(128);
    listener.set_non_blocking(true);
    raise_open_file_limit(65536);
    ChatServer server(Limits{
        number("--max-line"), number("--max-queue"), number("--max-clients"),
        args.milliseconds("--grace-ms"), args.milliseconds("--stall-ms"),
        args.milliseconds("--nick-ms")});  // its spare descriptor is open before we say "listening"
    cli::say_listening(listener);
    server.run(listener, args.is_set("--exit-when-empty"));
    return 0;
  });
}
