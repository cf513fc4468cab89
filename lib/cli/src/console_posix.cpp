// console_posix.cpp — lib/cli's platform calls on POSIX (see console.hpp).
#include <unistd.h>  // isatty

#include <cstdio>
#include <cstdlib>

#include "console.hpp"

namespace socklab::cli::sys {

std::vector<std::string> arguments(int argc, char** argv) {
  return std::vector<std::string>(argv, argv + argc);
}

bool is_terminal(std::FILE* stream) noexcept {
  return stream != nullptr && ::isatty(::fileno(stream)) == 1;
}

std::string locale_name() {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
    if (value != nullptr && *value != '\0') return value;
  }
  return {};
}

}  // namespace socklab::cli::sys
