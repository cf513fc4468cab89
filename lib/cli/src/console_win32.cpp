// console_win32.cpp — lib/cli's platform calls on Windows (see console.hpp).
// clang-format off
#include <windows.h>   // must come before shellapi.h (it defines EXTERN_C, WINAPI, ...)
#include <shellapi.h>  // CommandLineToArgvW
#include <io.h>        // _isatty, _fileno
// clang-format on

#include <cstdio>
#include <cstdlib>

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

std::string locale_name() {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
    if (value != nullptr && *value != '\0') return value;
  }
  wchar_t wide[LOCALE_NAME_MAX_LENGTH] = {};
  if (::GetUserDefaultLocaleName(wide, LOCALE_NAME_MAX_LENGTH) <= 0) return {};
  std::string name;
  for (const wchar_t* c = wide; *c != L'\0'; ++c)  // a locale name is ASCII: "zh-CN"
    name += *c < 0x80 ? static_cast<char>(*c) : '?';
  return name;
}

}  // namespace socklab::cli::sys
