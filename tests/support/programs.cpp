// programs.cpp — the portable part of Program; the process calls are in process_*.cpp.
#include "support/programs.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "socklab/error.hpp"

namespace socklab::test {

std::string program_path(std::string_view name) {
  const char* dir = std::getenv("SOCKLAB_BIN_DIR");  // lets a packaged suite run elsewhere
  std::string base = dir != nullptr && *dir != '\0' ? dir : SOCKLAB_BIN_DIR;
  return base + "/" + std::string(name) + SOCKLAB_EXE_SUFFIX;
}

Program Program::start(std::string_view name, const std::vector<std::string>& args) {
  // SOCKLAB_TEST_WRAPPER="/usr/bin/valgrind -q ..." runs every program under a
  // checker (make test-valgrind): the wrapper's words, then the program and args.
  const char* wrapper = std::getenv("SOCKLAB_TEST_WRAPPER");
  if (wrapper == nullptr || *wrapper == '\0') return start_path(program_path(name), args);
  std::vector<std::string> words;
  std::istringstream split(wrapper);
  for (std::string w; split >> w;) words.push_back(w);
  std::string tool = words.front();
  words.erase(words.begin());
  words.push_back(program_path(name));
  words.insert(words.end(), args.begin(), args.end());
  return start_path(tool, words);
}

Address Program::listening_address(std::chrono::milliseconds timeout) {
  auto line = read_line(timeout);
  const std::string prefix = "listening on ";
  if (!line) {
    ADD_FAILURE() << "the server printed no first line within " << timeout.count()
                  << " ms; stderr: " << first_stderr_line();
    return {};
  }
  if (line->rfind(prefix, 0) != 0) {
    ADD_FAILURE() << "the server's first line should be 'listening on HOST:PORT', got: " << *line;
    return {};
  }
  std::error_code ec;
  Address a = Address::parse(line->substr(prefix.size()), ec);
  if (ec) ADD_FAILURE() << "cannot parse the address in: " << *line << " (" << ec.message() << ")";
  return a;
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

}  // namespace socklab::test
