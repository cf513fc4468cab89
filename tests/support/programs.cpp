// programs.cpp — the portable part of Program; the process calls are in process_*.cpp.
#include "support/programs.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <sstream>

#include "socklab/error.hpp"
#include "socklab/text.hpp"
#include "support/narrate.hpp"

namespace socklab::test {

std::string program_path(std::string_view name) {
  const char* dir = std::getenv("SOCKLAB_BIN_DIR");  // lets a packaged suite run elsewhere
  std::string base = dir != nullptr && *dir != '\0' ? dir : SOCKLAB_BIN_DIR;
  return base + "/" + std::string(name) + SOCKLAB_EXE_SUFFIX;
}

Program Program::start(std::string_view name, const std::vector<std::string>& args) {
  // SOCKLAB_TEST_WRAPPER="/usr/bin/valgrind -q ..." runs every program under a
  // checker (make test-valgrind): the wrapper's words, then the program and args.
  // Says which program the test runs: `make progress` counts a test as the
  // student's only when it runs one of the lesson's own programs.
  std::string line = "[runs " + std::string(name);
  for (const auto& a : args) line += " " + a;
  narrate(line + "]");
  const char* wrapper = std::getenv("SOCKLAB_TEST_WRAPPER");
  if (wrapper == nullptr || *wrapper == '\0') {
    Program p = start_path(program_path(name), args);
    p.name_ = std::string(name);
    return p;
  }
  std::vector<std::string> words;
  std::istringstream split(wrapper);
  for (std::string w; split >> w;) words.push_back(w);
  std::string tool = words.front();
  words.erase(words.begin());
  words.push_back(program_path(name));
  words.insert(words.end(), args.begin(), args.end());
  Program p = start_path(tool, words);
  p.name_ = std::string(name);
  return p;
}

std::string Program::how_it_ended(std::chrono::milliseconds timeout) {
  Exit e = wait(timeout);
  std::string text;
  if (e.timed_out) {
    text = trf("is still running (stopped after {} ms)", timeout.count());
  } else if (e.signal != 0) {
    text = trf("was killed by signal {}", e.signal);
  } else {
    text = trf("exited with status {}", e.code);
  }
  std::string err = first_stderr_line();
  return err.empty() ? trf("{} (and printed nothing on stderr)", text) : text + ": " + err;
}

Address Program::listening_address(std::chrono::milliseconds timeout) {
  auto line = read_line(timeout);
  const std::string prefix = "listening on ";
  std::string problem;
  if (!line) {
    // read_line() returns at once when stdout closes: the program has ended (or
    // closed stdout). Say how, with its own error line; else it is just slow.
    problem = stdout_closed()
                  ? name_ + " " + how_it_ended()
                  : trf("{} printed no first line within {} ms (expected 'listening on HOST:PORT')",
                        name_, timeout.count());
  } else if (line->rfind(prefix, 0) != 0) {
    problem =
        trf("{}'s first line should be 'listening on HOST:PORT', got: {}", name_, printable(*line));
  } else {
    std::error_code ec;
    Address a = Address::parse(line->substr(prefix.size()), ec);
    if (!ec) return a;
    problem = trf("cannot parse the address in: {} ({})", printable(*line), ec.message());
  }
  ADD_FAILURE() << problem;
  throw DidNotStart(trf("{} did not start; the test stops here", name_));
}

void show_error_line_if_failed(Program& p, std::string_view who) {
  if (!::testing::Test::HasFailure()) return;
  p.wait(500ms);  // a program that is failing may still be writing its error line: let it
                  // (one still running after that is stopped)
  if (std::string said = p.first_stderr_line(); !said.empty())
    ADD_FAILURE() << trf("{}'s error: {}", who, said);
}

std::string Program::first_stderr_line() const {
  const std::string& err = stderr_text();
  return err.substr(0, err.find('\n'));
}

ScopedEnvironment::ScopedEnvironment(std::string name, const std::string& value)
    : name_(std::move(name)) {
  if (const char* old = std::getenv(name_.c_str())) old_ = old;
  set_environment(name_, value);
}

ScopedEnvironment::~ScopedEnvironment() {
  set_environment(name_, old_);
}

std::string byte_text(std::string_view bytes) {
  // Whole UTF-8 characters only (is_valid_utf8 accepts a character cut at the end).
  auto whole = [](std::string_view b) {
    std::size_t i = 0;
    while (i < b.size()) {
      const auto c = static_cast<unsigned char>(b[i]);
      const std::size_t n = c < 0x80         ? 1
                            : (c >> 5) == 6  ? 2
                            : (c >> 4) == 14 ? 3
                            : (c >> 3) == 30 ? 4
                                             : 0;
      if (n == 0 || i + n > b.size()) return false;
      i += n;
    }
    return true;
  };
  std::string shown;
  if (whole(bytes) && is_valid_utf8(bytes)) {
    shown = printable(bytes);
  } else {  // e.g. the first byte of a UTF-8 character: show the bytes, not a '?'
    for (unsigned char c : bytes) {
      if (c < 0x80) {
        shown += printable(std::string_view(reinterpret_cast<const char*>(&c), 1));
      } else {
        constexpr char hex[] = "0123456789abcdef";
        shown += {'\\', 'x', hex[c >> 4], hex[c & 15]};
      }
    }
  }
  return "\"" + shown + "\" (" + std::to_string(bytes.size()) + " bytes)";
}

::testing::AssertionResult contains(std::string_view text, std::string_view wanted) {
  if (text.find(wanted) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << trf("expected to find {} in {}, which does not contain it", byte_text(wanted),
                byte_text(text));
}

::testing::AssertionResult receives(Socket& sock, std::string_view expected, std::string_view hint,
                                    std::chrono::milliseconds timeout) {
  std::string got;
  std::string ended;  // why the receiving stopped early
  std::error_code ec;
  sock.set_recv_timeout(timeout, ec);
  std::array<char, 4096> buffer;
  while (got.size() < expected.size()) {
    const std::size_t want = std::min(buffer.size(), expected.size() - got.size());
    Received r = sock.recv(std::span<char>(buffer.data(), want), ec);
    if (ec) {
      ended = ec == std::errc::timed_out || ec == std::errc::resource_unavailable_try_again
                  ? trf("nothing more arrived within {} ms", timeout.count())
                  : trf("recv() failed: {}", ec.message());
      break;
    }
    if (r.eof) {
      ended = tr("then the peer closed the connection");
      break;
    }
    got.append(buffer.data(), r.bytes);
  }
  if (got == expected) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure()
                 << trf("got {}, expected {}", byte_text(got), byte_text(expected));
  if (!ended.empty()) failure << "; " << ended;
  if (!got.empty() && got.size() < expected.size() && expected.substr(0, got.size()) == got) {
    failure << "\n" << trf("the client got {} of {} bytes", got.size(), expected.size());
    if (!hint.empty()) failure << ": " << hint;
  } else if (!hint.empty() && got.empty()) {
    failure << "\n" << hint;
  }
  return failure;
}

}  // namespace socklab::test
