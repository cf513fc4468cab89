// process_extra_win32.cpp — the Windows side of the reliability helpers in
// programs.hpp (kept apart from process_win32.cpp; they may be merged later).
#include <stdlib.h>

#include "support/programs.hpp"

namespace socklab::test {

// Windows has no /proc/PID/fd; GetProcessHandleCount() counts every kind of
// handle (threads, events, ...), not just sockets, so the leak test skips there.
std::optional<int> Program::open_descriptors() const {
  return std::nullopt;
}

void set_environment(const std::string& name, const std::optional<std::string>& value) {
  // _putenv_s with an empty value removes the variable.
  ::_putenv_s(name.c_str(), value ? value->c_str() : "");
}

}  // namespace socklab::test
