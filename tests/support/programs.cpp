// programs.cpp — the portable part of Program; the process calls are in process_*.cpp.
#include "support/programs.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "socklab/error.hpp"

namespace socklab::test {

std::string program_path(std::string_view name) {
  const char* dir = std::getenv("SOCKLAB_BIN_DIR");  // lets a packaged suite run elsewhere
  std::string base = dir != nullptr && *dir != '\0' ? dir : SOCKLAB_BIN_DIR;
  return base + "/" + std::string(name) + SOCKLAB_EXE_SUFFIX;
}

Program Program::start(std::string_view name, const std::vector<std::string>& args) {
  return start_path(program_path(name), args);
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

}  // namespace socklab::test
