// cli.cpp — flags, help text and exit codes shared by every lesson program.
#include "socklab/cli.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "console.hpp"
#include "socklab/cli/language.hpp"
#include "socklab/error.hpp"
#include "socklab/fault.hpp"
#include "socklab/socket.hpp"

namespace socklab::cli {
namespace {

// An error names what the user typed, but must stay one line on stderr even if
// an argument holds a newline or a terminal escape: control bytes are shown as
// \n, \r, \t or \xNN. (Found by the cli_parser fuzz target.)
std::string one_line(std::string_view text) {
  std::string out;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += ch;
  }
  return out;
}

}  // namespace

Parser::Parser(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

Parser& Parser::option(std::string name, std::string value_name, std::string default_value,
                       std::string help) {
  opts_.push_back({std::move(name), std::move(value_name), std::move(default_value),
                   std::move(help), false, false});
  return *this;
}

Parser& Parser::flag(std::string name, std::string help) {
  opts_.push_back({std::move(name), {}, {}, std::move(help), true, false});
  return *this;
}

Parser& Parser::positionals(std::string value_name, std::string help) {
  takes_positionals_ = true;
  positional_name_ = std::move(value_name);
  positional_help_ = std::move(help);
  return *this;
}

const Parser::Opt* Parser::find(std::string_view name) const {
  for (const Opt& o : opts_)
    if (o.name == name) return &o;
  return nullptr;
}
Parser::Opt* Parser::find(std::string_view name) {
  for (Opt& o : opts_)
    if (o.name == name) return &o;
  return nullptr;
}

bool Parser::parse(int argc, char** argv) {
  // The arguments as UTF-8 (Windows hands main() its ANSI code page instead).
  const std::vector<std::string> args = sys::arguments(argc, argv);
  argc = static_cast<int>(args.size());
  bool only_words = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = args[static_cast<std::size_t>(i)];
    if (only_words || arg.size() < 2 || arg.substr(0, 2) != "--") {
      if (!takes_positionals_) throw UsageError(trf("unexpected argument '{}'", one_line(arg)));
      words_.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      only_words = true;
      continue;
    }
    if (arg == "--help") {
      fmt::print("{}", help());
      std::fflush(stdout);
      return false;
    }
    std::string_view name = arg, value;
    bool inline_value = false;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_value = true;
    }
    Opt* o = find(name);
    if (o == nullptr) throw UsageError(trf("unknown option '{}'", one_line(name)));
    o->given = true;
    if (o->is_flag) {
      if (inline_value) throw UsageError(trf("{} takes no value", one_line(name)));
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= argc)
        throw UsageError(trf("{} needs a value ({})", one_line(name), o->value_name));
      value = args[static_cast<std::size_t>(++i)];
    }
    o->value = std::string(value);
  }
  return true;
}

std::string Parser::get(std::string_view name) const {
  const Opt* o = find(name);
  return o != nullptr ? o->value : std::string{};
}

bool Parser::is_set(std::string_view name) const {
  const Opt* o = find(name);
  return o != nullptr && o->given;
}

std::uint16_t Parser::port(std::string_view name) const {
  std::string text = get(name);
  std::error_code ec;
  std::uint16_t p = socklab::parse_port(text, ec);
  if (ec)
    throw UsageError(trf("{} '{}': not a port number (0-65535)", one_line(name), one_line(text)));
  return p;
}

long long Parser::integer(std::string_view name, long long min, long long max) const {
  const std::string text = get(name);
  long long value = 0;
  bool ok = !text.empty() && text.size() <= 18;
  std::size_t i = 0;
  bool negative = ok && text[0] == '-';
  if (negative) i = 1;
  ok = ok && i < text.size();
  for (; ok && i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9')
      ok = false;
    else
      value = value * 10 + (text[i] - '0');
  }
  if (negative) value = -value;
  if (!ok || value < min || value > max)
    throw UsageError(trf("{} '{}': expected a whole number from {} to {}", one_line(name),
                         one_line(text), min, max));
  return value;
}

std::chrono::milliseconds Parser::milliseconds(std::string_view name) const {
  return std::chrono::milliseconds(integer(name, 1, 24LL * 3600 * 1000));
}

// The words of the help are the student's language (tr()); the program's own texts,
// written in English where main() names them, too if the catalogue has them.
std::string Parser::help() const {
  std::string out = fmt::format("{}\n\n{}", tr(summary_), trf("usage: {} [options]", program_));
  if (takes_positionals_) out += fmt::format(" [{}...]", positional_name_);
  out += fmt::format("\n\n{}\n", tr("options:"));
  for (const Opt& o : opts_) {
    std::string left = o.is_flag ? o.name : fmt::format("{} {}", o.name, o.value_name);
    std::string def = o.is_flag || o.value.empty() ? "" : trf(" (default {})", o.value);
    out += fmt::format("  {:<18} {}{}\n", left, tr(o.help), def);
  }
  out += fmt::format("  {:<18} {}\n", "--help", tr("show this help and exit"));
  if (takes_positionals_)
    out += fmt::format("\n  {:<18} {}\n", positional_name_, tr(positional_help_));
  out += fmt::format("\n{}\n", tr("exit status: 0 success, 1 runtime error, 2 usage error"));
  return out;
}

int run(int argc, char** argv, Parser& parser, const std::function<int()>& body) {
  // C says stderr starts "not fully buffered" (C17 7.21.3); the Windows C runtime
  // buffers it fully when it is a pipe or a file, so an error line printed by a
  // server that is later stopped (TerminateProcess) would never arrive. Unbuffered
  // everywhere: every stderr line leaves the program as it is printed.
  std::setvbuf(stderr, nullptr, _IONBF, 0);
  fault::load_environment();  // SOCKLAB_FAULTS=short etc. (lib/testing; docs/fault-injection.md)
  translate_hints();          // an Error's hint in the student's language (cli/language.hpp)
  try {
    if (!parser.parse(argc, argv)) return 0;
    return body();
  } catch (const UsageError& e) {
    // "PROGRAM: usage:" and "PROGRAM: error:" read the same in every language: scripts
    // (progress.sh, junit.awk) look for "PROGRAM: error: TODO(step N)".
    fmt::print(stderr, "{}\n",
               trf("{}: usage: {} (try --help)", parser.program(), one_line(e.what())));
    return 2;
  } catch (const Error& e) {  // its hint is the student's language already (hint_hook)
    fmt::print(stderr, "{}: error: {}\n", parser.program(), one_line(e.what()));
    return 1;
  } catch (const std::exception& e) {  // e.g. a stub's "TODO(step 2): bind() is not written yet"
    fmt::print(stderr, "{}: error: {}\n", parser.program(), one_line(translate_message(e.what())));
    return 1;
  }
}

std::vector<Address> host_ports(std::string_view host, std::uint16_t port, Type type,
                                Family family) {
  std::error_code ec;
  Address numeric = Address::from_ip(host, port, ec);
  if (!ec) {
    if (family != Family::unspecified && numeric.family() != family)
      throw UsageError(trf("--host '{}': this program needs an {} address", one_line(host),
                           family == Family::ipv6 ? "IPv6" : "IPv4"));
    return {numeric};
  }
  if (host.empty()) throw UsageError(tr("--host must not be empty"));
  // A name: ask getaddrinfo(), keep all its answers (it throws when there are none).
  return Address::resolve(host, std::to_string(port), family, type);
}

Address host_port(std::string_view host, std::uint16_t port, Type type) {
  (void)type;
  std::error_code ec;
  Address numeric = Address::from_ip(host, port, ec);
  if (ec)
    throw UsageError(trf("--host '{}': this program needs a numeric address", one_line(host)));
  return numeric;
}

Socket bind_first(std::string_view host, std::uint16_t port) {
  return host_port(host, port, Type::stream, [](const Address& address) {
    Socket s = Socket::tcp(address.family());
    s.set_reuse_address(true);
    s.bind(address);
    return s;
  });
}

Socket connect_first(std::string_view host, std::uint16_t port) {
  return host_port(host, port, Type::stream, [](const Address& address) {
    Socket s = Socket::tcp(address.family());
    s.connect(address);
    return s;
  });
}

void say_listening(const Socket& listener) {
  const std::string where = listener.local_address().to_string();
  if (!listener.is_listening())
    throw std::runtime_error(
        trf("not listening on {} \u2014 call listen() after bind() (man 2 listen)", where));
  say("listening on {}", where);
}

bool is_terminal(std::FILE* stream) noexcept {
  return sys::is_terminal(stream);
}

}  // namespace socklab::cli
