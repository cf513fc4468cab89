// console_win32.cpp — lib/cli's platform calls on Windows (see console.hpp).
#include <io.h>  // _isatty, _fileno
#include <windows.h>

// shellapi.h needs windows.h's types first (a separate block: not re-sorted).
#include <shellapi.h>  // CommandLineToArgvW

#include <cstdio>

#include "console.hpp"

namespace socklab::cli::sys {

std::vector<std::string> arguments(int argc, char** argv) {
  std::vector<std::string> given(argv, argv + argc);
  int count = 0;
  wchar_t** wide = ::CommandLineToArgvW(::GetCommandLineW(), &count);
  if (wide == nullptr) return given;
  std::vector<std::string> utf8;
  // Only if argv is this process's command line (not, say, a test's own array):
  // each argument must read the same once converted to the ANSI code page.
  bool same = count == argc;
  for (int i = 0; same && i < count; ++i) {
    auto convert = [&](UINT page) {
      int n = ::WideCharToMultiByte(page, 0, wide[i], -1, nullptr, 0, nullptr, nullptr);
      std::string out(n > 0 ? static_cast<std::size_t>(n) : 1u, '\0');
      if (n > 0) ::WideCharToMultiByte(page, 0, wide[i], -1, out.data(), n, nullptr, nullptr);
      out.resize(out.size() - 1);  // the terminating NUL
      return out;
    };
    same = i == 0 || convert(CP_ACP) == given[static_cast<std::size_t>(i)];
    utf8.push_back(i == 0 ? given[0] : convert(CP_UTF8));
  }
  ::LocalFree(wide);
  return same ? utf8 : given;
}

bool is_terminal(std::FILE* stream) noexcept {
  return stream != nullptr && ::_isatty(::_fileno(stream)) != 0;
}

}  // namespace socklab::cli::sys
