// hostile.hpp — clients that misbehave, to run against any server of the kit.
//
// A server that only ever meets well-behaved clients proves little. This harness
// starts a server program, attacks it the ways real clients do by accident or on
// purpose, and after each attack checks that a normal client is still served
// correctly and that the server gave back every descriptor it used.
//
//   hostile::Server server(target);            // starts target.program --port 0
//   hostile::disconnect_mid_message(server.address(), "half a mess");
//   EXPECT_TRUE(server.exchange("hello"));     // a normal client is still served
//   EXPECT_TRUE(server.descriptors_back_to_start());
//
// What a server claims is written in its Target (tests/reliability/hostile_test.cpp
// holds the table): an iterative server (lesson 01) serves one client at a time,
// so others wait while one is idle; a concurrent one must answer them promptly.
// Every attack is bounded in bytes, connections and time.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "socklab/socket.hpp"
#include "support/programs.hpp"

namespace socklab::test::hostile {

using namespace std::chrono_literals;

/// How far a reply has got, as judged by Target::check.
enum class Reply {
  incomplete,  ///< what arrived so far is a correct beginning
  complete,    ///< the whole, correct reply
  wrong,       ///< bytes that the right reply can't start with
};

/// A server program and what it promises.
struct Target {
  std::string name;               ///< test name suffix, e.g. "lesson01_echo_server"
  std::string program;            ///< program in build/bin
  std::vector<std::string> args;  ///< extra arguments (--port 0 is added)
  /// Serves a second client while another one is connected and idle.
  bool concurrent = false;
  /// How many idle connections the slowloris test opens. An iterative server
  /// with listen(5) can hold only a few in its backlog: more would wait for
  /// SYN retransmissions (seconds), which is the lesson, not a failure.
  int idle_clients = 100;
  /// The longest line or frame the server accepts (it must close a connection
  /// that sends more); 0 = the server has no lines or frames and no limit.
  std::size_t max_message = 0;
  /// The bytes a normal client sends for one message (e.g. message + "\n").
  std::function<std::string(std::string_view message)> encode;
  /// Judges the bytes received so far against the reply `message` must get.
  std::function<Reply(std::string_view received, std::string_view message)> check;
  /// One sentence on what the server can and cannot promise (narrated).
  std::string promise;
};

/// Lets gtest print a Target by its name (test names, failure messages).
void PrintTo(const Target& target, std::ostream* os);

/// A running server under test. Its stdout and stderr are read all the time on
/// a thread of their own: a server that logs every message must never block on
/// a full pipe because the test is busy attacking it.
class Server {
 public:
  explicit Server(const Target& target);
  /// The same, with RLIMIT_NOFILE (soft and hard) set to `nofile` in the child
  /// before it starts: `sh -c 'ulimit -n N; exec PROGRAM ...'` (POSIX sh; the
  /// shell prints its PID first, and exec keeps it). For the EMFILE scenario.
  Server(const Target& target, int nofile);
  ~Server();

  const Target& target() const noexcept { return target_; }
  const Address& address() const noexcept { return address_; }
  bool started() const noexcept { return address_.port() != 0; }

  /// A normal client: connects and sends one message at once; reply() waits.
  class Client {
   public:
    Client(const Server& server, std::string message);
    /// Waits (at most `timeout`) for the complete, correct reply.
    ::testing::AssertionResult reply(std::chrono::milliseconds timeout);
    Socket& socket() { return sock_; }

   private:
    const Target* target_;
    std::string message_;
    std::string received_;
    Socket sock_;
    std::string error_;  // connect/send failure
  };

  /// Connects, sends `message`, waits for the right reply, closes.
  ::testing::AssertionResult exchange(std::string message,
                                      std::chrono::milliseconds timeout = 10s) const;
  Client client(std::string message) const { return Client(*this, std::move(message)); }

  /// Descriptors the server had open just after it started (nullopt: unknown here).
  std::optional<int> start_descriptors() const noexcept { return start_fds_; }
  /// Waits (bounded) until the server's descriptor count is back to the start.
  ::testing::AssertionResult descriptors_back_to_start(std::chrono::milliseconds timeout = 5s);

  /// CPU time (user + system) the server has used so far, from /proc/PID/stat;
  /// nullopt where there is no /proc or the PID is unknown (only Server(target, nofile)).
  std::optional<double> cpu_seconds() const;
  /// Bytes the server has written to stdout and stderr so far (its log volume).
  std::size_t output_bytes();
  /// Exchanges until one succeeds, at most for `within`: a server that has just
  /// had descriptors freed may need a turn of its loop to notice.
  ::testing::AssertionResult serves_again(std::chrono::milliseconds within = 3s);

  /// Stops the server (SIGTERM / TerminateProcess) and checks that it had not
  /// crashed and that no sanitizer or valgrind report is on its stderr.
  ::testing::AssertionResult stop_cleanly();

 private:
  void stop_draining();
  void start_draining();

  Target target_;
  std::optional<Program> program_;
  Address address_;
  std::optional<int> start_fds_;
  int pid_ = 0;               // known only when started through sh (Server(target, nofile))
  std::mutex program_mutex_;  // the drain thread and the test both use program_
  // The test's calls that want program_: the drain thread lets them in first (a
  // std::mutex is not fair, and the drain thread takes it again at once).
  std::atomic<int> program_wanted_{0};
  std::unique_lock<std::mutex> lock_program();
  std::atomic<bool> draining_{false};
  std::thread drain_;
};

// --- the attacks -------------------------------------------------------------------

/// Connects, sends part of a message, closes normally (FIN) in the middle of it.
void disconnect_mid_message(const Address& server, std::string_view partial);

/// Connects, sends part of a message, then aborts: SO_LINGER 0 + close sends RST.
void reset_mid_message(const Address& server, std::string_view partial);

/// A client that sends well-formed messages (`unit`, repeated) as fast as it can
/// and never reads a byte of the replies. It stops when nothing moves for
/// `stall` or after `cap` bytes.
class NeverReads {
 public:
  NeverReads(const Address& server, const std::string& unit, std::size_t cap = 8u << 20,
             std::chrono::milliseconds stall = 150ms);
  ~NeverReads();
  std::size_t sent() const noexcept { return sent_; }
  /// True if sending stalled: the server stopped reading (its buffers are full).
  bool stalled() const noexcept { return stalled_; }
  /// Leaves by RST (unread replies are still queued, so close() would reset anyway).
  void leave();

 private:
  Socket sock_;
  std::size_t sent_ = 0;
  bool stalled_ = false;
};

/// Many connections that say (almost) nothing and stay open: slowloris.
class IdleCrowd {
 public:
  /// Opens `count` connections; every other one sends `partial` and nothing more.
  IdleCrowd(const Address& server, int count, std::string_view partial);
  int connected() const noexcept { return static_cast<int>(socks_.size()); }
  /// How many of them the server has closed (EOF or reset, after whatever it sent):
  /// a server out of descriptors sheds the clients it cannot take, it does not
  /// leave them hanging in the queue. Reads without waiting.
  int closed_by_server();
  void leave();

 private:
  std::vector<Socket> socks_;
};

/// Sends `bytes` bytes with no line end or frame end, reading (and discarding)
/// whatever the server answers meanwhile, so the client is not the one stuck.
/// With `expect_close`, then waits (at most `timeout`) for the server to hang up.
struct Overlong {
  std::size_t sent = 0;           ///< bytes the server took before it closed (or all)
  bool closed_by_server = false;  ///< the server ended the connection (EOF, RST, EPIPE)
};
Overlong send_overlong(const Address& server, std::size_t bytes, bool expect_close,
                       std::chrono::milliseconds timeout = 10s);

/// `cycles` connect + close cycles, `group` connections at a time; after each
/// group `between` runs (e.g. an exchange, so that an iterative server's backlog
/// drains). Returns how many cycles were made (all, unless a connect failed).
int connect_close_cycles(const Address& server, int cycles, int group,
                         const std::function<void()>& between);

/// Every byte value except '\n' and '\r', then invalid UTF-8: a lone continuation
/// byte, an overlong '/', a UTF-16 surrogate, 0xFF, a truncated 3-byte sequence.
std::string binary_and_invalid_utf8();

}  // namespace socklab::test::hostile

namespace socklab::test::hostile {

// --- the examples' protocols -----------------------------------------------------------

/// An empty directory for the examples to serve from / write into (created once).
std::string empty_directory();

/// http_server: a message becomes "GET /<message, percent-encoded> HTTP/1.1"; the
/// reply is complete when a whole response (head + Content-Length bytes) is in.
std::string http_request(std::string_view message);
Reply http_response(std::string_view received, std::string_view message);

/// chat_server: a message is sent as a nickname line; the reply is the greeting
/// and then exactly one "* ..." line (welcome, taken, or not a valid nickname).
std::string chat_line(std::string_view message);
Reply chat_reply(std::string_view received, std::string_view message);

/// recv_file: a message is the name of a hidden file (".message"), which the
/// receiver must refuse in one line; "busy:" or "error:" is a wrong reply.
std::string file_header(std::string_view message);
Reply file_refusal(std::string_view received, std::string_view message);

/// The three examples' entries for the hostile table (extra args appended).
Target http_target(std::vector<std::string> extra = {});
Target chat_target(std::vector<std::string> extra = {});
Target file_target(std::vector<std::string> extra = {});

// --- the lesson servers' protocols ---------------------------------------------------

std::string as_is(std::string_view message);      ///< the message itself
std::string line(std::string_view message);       ///< the message + "\n"
std::string echo_line(std::string_view message);  ///< lesson 07's reply: "echo: " + message + "\n"
/// The reply must be exactly reply_to(message).
std::function<Reply(std::string_view, std::string_view)> exactly(
    std::function<std::string(std::string_view)> reply_to);
/// One entry of the table, in the order of Target's fields.
Target entry(std::string name, std::string program, std::vector<std::string> args, bool concurrent,
             int idle_clients, std::size_t max_message,
             std::function<std::string(std::string_view)> encode,
             std::function<Reply(std::string_view, std::string_view)> check, std::string promise);

/// The concurrent lesson servers (07, 08): the hostile table and the EMFILE test.
Target thread_server_target();
Target pool_server_target();
Target poll_echo_target();
Target select_echo_target();

}  // namespace socklab::test::hostile
