// console.hpp — what a program needs from its platform: its arguments, its terminal.
//
// Internal to lib/cli. Defined once per platform, in console_posix.cpp or
// console_win32.cpp: the only files of this room with platform calls.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace socklab::cli::sys {

// main()'s arguments as UTF-8: argv itself on POSIX; on Windows argv is in the
// ANSI code page, so the UTF-16 command line is converted (CommandLineToArgvW).
std::vector<std::string> arguments(int argc, char** argv);

// isatty(fileno(stream)) / _isatty(_fileno(stream)).
bool is_terminal(std::FILE* stream) noexcept;

}  // namespace socklab::cli::sys
