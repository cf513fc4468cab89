// console.hpp — what a program needs from its platform: its arguments, its terminal,
// its user's language.
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

// The user's locale for messages, e.g. "zh_CN.UTF-8", "zh-CN" or "C"; "" if none.
// POSIX: the first of LC_ALL, LC_MESSAGES, LANG that is set and not empty (as
// setlocale() and scripts/say.sh choose). Windows: the same variables (MSYS2, Wine),
// else GetUserDefaultLocaleName() ("zh-CN").
std::string locale_name();

}  // namespace socklab::cli::sys
