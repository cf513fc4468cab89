// console_posix.cpp — lib/cli's platform calls on POSIX (see console.hpp).
#include <unistd.h>  // isatty

#include <cstdio>

#include "console.hpp"

namespace socklab::cli::sys {

std::vector<std::string> arguments(int argc, char** argv) {
  return std::vector<std::string>(argv, argv + argc);
}

bool is_terminal(std::FILE* stream) noexcept {
  return stream != nullptr && ::isatty(::fileno(stream)) == 1;
}

}  // namespace socklab::cli::sys
