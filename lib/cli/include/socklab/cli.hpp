// socklab/cli.hpp — the small command-line front every lesson program shares.
//
// Same flags everywhere: --host (default 127.0.0.1), --port (0 = pick a free
// port), --help. Exit codes: 0 success, 1 runtime failure (one clear line on
// stderr), 2 usage error.
//
//   int main(int argc, char** argv) {
//     cli::Parser args("echo_server", "Lesson 01: the tutorial's echo server.");
//     args.option("--port", "PORT", "8888", "TCP port (0 = any free port)");
//     return cli::run(argc, argv, args, [&] { ...; return 0; });
//   }
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "socklab/address.hpp"
#include "socklab/cli/language.hpp"  // tr(), trf(): messages in the student's language
#include "socklab/error.hpp"

namespace socklab {
class Socket;
}

namespace socklab::cli {

/// A mistake in the command line: printed as one line, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Parser {
 public:
  Parser(std::string program, std::string summary);

  /// --name VALUE (also --name=VALUE), with a default.
  Parser& option(std::string name, std::string value_name, std::string default_value,
                 std::string help);
  /// --name on its own.
  Parser& flag(std::string name, std::string help);
  /// Words that are not options, e.g. the messages of the echo client.
  Parser& positionals(std::string value_name, std::string help);

  /// Reads argv. Throws UsageError on a mistake. Returns false if --help was
  /// asked for (the help has then been printed and the program should exit 0).
  bool parse(int argc, char** argv);

  std::string get(std::string_view name) const;
  bool is_set(std::string_view name) const;  ///< a flag, or an option given explicitly
  std::uint16_t port(std::string_view name = "--port") const;
  /// A whole number in [min, max]; "12abc", "", "-" or out of range is a UsageError.
  long long integer(std::string_view name, long long min, long long max) const;
  /// A positive number of milliseconds (e.g. --timeout 500).
  std::chrono::milliseconds milliseconds(std::string_view name) const;
  const std::vector<std::string>& words() const noexcept { return words_; }

  const std::string& program() const noexcept { return program_; }
  std::string help() const;

 private:
  struct Opt {
    std::string name, value_name, value, help;
    bool is_flag = false;
    bool given = false;
  };
  const Opt* find(std::string_view name) const;
  Opt* find(std::string_view name);

  std::string program_, summary_, positional_name_, positional_help_;
  std::vector<Opt> opts_;
  std::vector<std::string> words_;
  bool takes_positionals_ = false;
};

/// Parses the command line and runs `body`, turning failures into exit codes:
/// UsageError -> "PROGRAM: usage: ..." and 2; socklab::Error or any other
/// exception -> "PROGRAM: error: ..." and 1. --help prints the help and returns 0.
/// What follows the prefix is in the student's language (cli/language.hpp): an
/// Error's hint through translate_hints(), another exception's text through
/// translate_message() (a stub's "TODO(step N): ... is not written yet").
int run(int argc, char** argv, Parser& parser, const std::function<int()>& body);

/// Every address --host names, in getaddrinfo()'s order: a numeric host is just
/// itself (no lookup); a name can have several, e.g. ::1 and 127.0.0.1 for
/// "localhost" (lesson 04). Never empty: a name that does not resolve throws.
/// `family` other than unspecified asks getaddrinfo() for that family only; a
/// numeric host of the other family is then a UsageError.
std::vector<Address> host_ports(std::string_view host, std::uint16_t port, Type type = Type::stream,
                                Family family = Family::unspecified);

/// One numeric --host as an address (no lookup). A name is a UsageError here: it
/// can stand for several addresses — use host_port(host, port, type, attempt).
Address host_port(std::string_view host, std::uint16_t port, Type type = Type::stream);

/// Lesson 04's loop over getaddrinfo()'s answers: calls `attempt(address)` for each
/// address of --host in turn and returns what the first one that succeeds returns.
/// A server's attempt makes a socket and bind()s it: the first address that works
/// wins. A client's attempt makes a socket and connect()s: each address is tried
/// until one answers. An attempt fails by throwing socklab::Error; if every one
/// fails, the last error is thrown again, naming all the addresses tried. Other
/// exceptions (a bug, a TODO stub) are not caught.
///
///   Socket server = cli::host_port(host, port, Type::stream, [](const Address& a) {
///     Socket s = Socket::tcp(a.family());
///     s.bind(a);
///     return s;
///   });
/// The same for the addresses of one family only (e.g. a dual-stack server: IPv6).
template <typename Attempt>
auto host_port(std::string_view host, std::uint16_t port, Type type, Family family,
               Attempt&& attempt) {
  const std::vector<Address> addresses = host_ports(host, port, type, family);
  std::string tried;
  for (std::size_t i = 0;; ++i) {
    try {
      return attempt(addresses[i]);
    } catch (const Error& e) {
      tried += (tried.empty() ? "" : ", ") + addresses[i].to_string();
      if (i + 1 == addresses.size()) {
        if (i == 0) throw;
        throw Error(e.code(), e.call(), tried);
      }
    }
  }
}
template <typename Attempt>
auto host_port(std::string_view host, std::uint16_t port, Type type, Attempt&& attempt) {
  return host_port(host, port, type, Family::unspecified, std::forward<Attempt>(attempt));
}

/// For the examples (the lessons make these calls themselves, on purpose): a server's
/// socket for --host, bound. For each address in turn: socket(), setsockopt(SO_REUSEADDR)
/// (a restarted server takes its port back while old connections wait in TIME_WAIT),
/// bind(); the first that binds wins (host_port() above). listen() is the caller's.
Socket bind_first(std::string_view host, std::uint16_t port);
/// For the examples: a client's socket, connected. For each address of --host in turn:
/// socket(), connect(); the first that answers wins.
Socket connect_first(std::string_view host, std::uint16_t port);

/// True if `stream` (stdout, stderr) is a terminal, not a pipe or a file: a
/// program may then redraw a progress bar with '\r' instead of printing lines.
bool is_terminal(std::FILE* stream) noexcept;

/// fmt::print + newline + flush: output reaches a pipe (a test, a script) at once.
/// The line is written with one call, so lines said by several threads never mix.
template <typename... Args>
void say(fmt::format_string<Args...> format, Args&&... args) {
  std::string line = fmt::format(format, std::forward<Args>(args)...);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

/// A TCP server's first line, "listening on HOST:PORT", said only when it is true:
/// asks the socket (Socket::is_listening(), getsockopt(SO_ACCEPTCONN)) first. A
/// socket that is bound but not listening (listen() left out) throws instead:
///   not listening on 127.0.0.1:PORT — call listen() after bind() (man 2 listen)
/// which cli::run prints as one line, exit 1 — not a "listening on" line followed
/// by an accept() error.
void say_listening(const Socket& listener);

}  // namespace socklab::cli
