// process_win32.cpp — Program on Windows: CreateProcessW with three pipes.
//
// Anonymous pipes on Windows cannot be waited on together with a timeout, so
// one small thread per output pipe reads it (a blocking ReadFile) and wakes the
// test through a condition variable: waiting stays event-driven, no sleeps.
// What mirrors POSIX, so one test reads the same on both:
//  - the C runtime writes "\r\n" in text mode; stdout/stderr are given back
//    with "\n" line ends;
//  - stop() ends the program with TerminateProcess (Windows has no SIGTERM for
//    a program without a console) and reports it as signal 15, as POSIX would;
//    a program killed at a wait() deadline is reported as signal 9 and timed_out.
//  - only the three pipe ends are inherited by the child: the parent's ends are
//    made non-inheritable, and (Windows sockets are handles) socklab creates its
//    sockets non-inheritable too.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#include <winsock2.h>  // getsockopt(): is this handle a socket?

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "support/programs.hpp"

namespace socklab::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int sigkill = 9;
constexpr int sigterm = 15;

std::string last_error_text(DWORD code) {
  char* text = nullptr;
  DWORD n = ::FormatMessageA(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, code, 0, reinterpret_cast<char*>(&text), 0, nullptr);
  std::string out = n != 0 && text != nullptr ? std::string(text, n) : std::string{};
  if (text != nullptr) ::LocalFree(text);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out + " (error " + std::to_string(code) + ")";
}

std::wstring widen(std::string_view utf8) {
  if (utf8.empty()) return {};
  int n = ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring out(static_cast<std::size_t>(n), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), out.data(), n);
  return out;
}

// One argument quoted so that the C runtime's argv parser gives it back
// unchanged: backslashes are literal except before a '"'.
void append_quoted(std::wstring& line, const std::wstring& arg) {
  if (!line.empty()) line += L' ';
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    line += arg;
    return;
  }
  line += L'"';
  std::size_t backslashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    if (c == L'"') backslashes = backslashes * 2 + 1;  // escape them and the quote
    line.append(backslashes, L'\\');
    backslashes = 0;
    line += c;
  }
  line.append(backslashes * 2, L'\\');  // before the closing quote
  line += L'"';
}

void close_handle(HANDLE& h) {
  if (h != nullptr && h != INVALID_HANDLE_VALUE) ::CloseHandle(h);
  h = nullptr;
}

// What the reader threads share with the Program. Owned by both, so a thread
// that outlives its Program (a pipe kept open by a grandchild) stays safe.
struct Output {
  std::mutex mutex;
  std::condition_variable changed;
  std::string text[2];  // stdout, stderr ("\r\n" already turned into "\n")
  bool open[2] = {true, true};
  bool pending_cr[2] = {false, false};

  void append(int which, const char* data, std::size_t size) {
    std::string& t = text[which];
    for (std::size_t i = 0; i < size; ++i) {
      char c = data[i];
      if (pending_cr[which]) {
        pending_cr[which] = false;
        if (c != '\n') t += '\r';
      }
      if (c == '\r') {
        pending_cr[which] = true;
        continue;
      }
      t += c;
    }
  }
};

void read_pipe(std::shared_ptr<Output> output, HANDLE pipe, int which) {
  char buf[4096];
  for (;;) {
    DWORD got = 0;
    if (!::ReadFile(pipe, buf, sizeof buf, &got, nullptr) || got == 0) break;  // closed
    std::lock_guard lock(output->mutex);
    output->append(which, buf, got);
    output->changed.notify_all();
  }
  ::CloseHandle(pipe);
  std::lock_guard lock(output->mutex);
  if (output->pending_cr[which]) output->text[which] += '\r';
  output->pending_cr[which] = false;
  output->open[which] = false;
  output->changed.notify_all();
}

// Pipe creation and CreateProcess under one lock: a child started by another
// thread in between must not inherit this child's pipe ends.
std::mutex spawn_mutex;

}  // namespace

struct Program::Impl {
  HANDLE process = nullptr;
  HANDLE in = nullptr;  // our end of the child's stdin
  std::shared_ptr<Output> output = std::make_shared<Output>();
  std::thread readers[2];          // stdout, stderr
  std::string out_text, err_text;  // snapshots handed out by stdout_text()/stderr_text()
  std::size_t out_pos = 0;         // read_line() has consumed stdout up to here
  bool reaped = false;
  int terminated_with = 0;  // the "signal" we ended it with (TerminateProcess), or 0
  Exit exit;

  ~Impl() {
    if (process != nullptr && !reaped) {
      ::TerminateProcess(process, 128 + sigkill);
      ::WaitForSingleObject(process, INFINITE);
    }
    close_handle(in);
    close_handle(process);
    // The readers end when the pipes close, which the child's exit does. Join them
    // (so none is still running when the test program exits); only a pipe kept
    // open by a grandchild, past a bounded wait, leaves its reader detached.
    {
      std::unique_lock lock(output->mutex);
      output->changed.wait_for(lock, std::chrono::seconds(2),
                               [&] { return !output->open[0] && !output->open[1]; });
    }
    for (std::thread& t : readers) {
      bool done;
      {
        std::lock_guard lock(output->mutex);
        done = !output->open[&t - readers];
      }
      if (done)
        t.join();
      else
        t.detach();
    }
  }

  void snapshot() {
    std::lock_guard lock(output->mutex);
    out_text = output->text[0];
    err_text = output->text[1];
  }

  bool reap(DWORD wait_ms) {
    if (reaped) return true;
    if (::WaitForSingleObject(process, wait_ms) != WAIT_OBJECT_0) return false;
    DWORD code = 0;
    ::GetExitCodeProcess(process, &code);
    reaped = true;
    if (terminated_with != 0) {
      exit.signal = terminated_with;  // as POSIX reports a program ended by a signal
    } else {
      exit.code = static_cast<int>(code);
    }
    return true;
  }

  void terminate(int as_signal) {
    if (reaped) return;
    // Fails if the program has exited already: then its own exit code stands.
    if (::TerminateProcess(process, 128 + static_cast<UINT>(as_signal)))
      terminated_with = as_signal;
  }

  Exit wait_until(Clock::time_point deadline) {
    close_handle(in);  // a program reading stdin sees EOF
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (!reap(static_cast<DWORD>(std::max<std::int64_t>(left.count(), 0)))) {
      terminate(sigkill);
      reap(INFINITE);
      exit.timed_out = true;
    }
    // Collect the last output, bounded: a grandchild could keep the pipes open.
    std::unique_lock lock(output->mutex);
    output->changed.wait_for(lock, std::chrono::seconds(2),
                             [&] { return !output->open[0] && !output->open[1]; });
    lock.unlock();
    snapshot();
    return exit;
  }
};

Program::Program(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Program::Program(Program&&) noexcept = default;
Program& Program::operator=(Program&&) noexcept = default;
Program::~Program() = default;

Program Program::start_path(const std::string& path, const std::vector<std::string>& args) {
  std::wstring application = widen(path);
  for (wchar_t& c : application)
    if (c == L'/') c = L'\\';
  std::wstring command_line;
  append_quoted(command_line, application);
  for (const std::string& a : args) append_quoted(command_line, widen(a));

  auto impl = std::make_unique<Impl>();
  HANDLE child_in = nullptr, child_out = nullptr, child_err = nullptr;
  HANDLE out_read = nullptr, err_read = nullptr;
  {
    std::lock_guard lock(spawn_mutex);
    SECURITY_ATTRIBUTES inherit{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    if (!::CreatePipe(&child_in, &impl->in, &inherit, 0) ||
        !::CreatePipe(&out_read, &child_out, &inherit, 0) ||
        !::CreatePipe(&err_read, &child_err, &inherit, 0)) {
      DWORD code = ::GetLastError();
      for (HANDLE* h : {&child_in, &child_out, &child_err, &out_read, &err_read}) close_handle(*h);
      throw std::runtime_error("CreatePipe: " + last_error_text(code));
    }
    // Our ends stay with us; only the child's ends are inherited.
    ::SetHandleInformation(impl->in, HANDLE_FLAG_INHERIT, 0);
    ::SetHandleInformation(out_read, HANDLE_FLAG_INHERIT, 0);
    ::SetHandleInformation(err_read, HANDLE_FLAG_INHERIT, 0);

    STARTUPINFOW si{};
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = child_in;
    si.hStdOutput = child_out;
    si.hStdError = child_err;
    PROCESS_INFORMATION pi{};
    BOOL ok = ::CreateProcessW(application.c_str(), command_line.data(), nullptr, nullptr, TRUE,
                               CREATE_NO_WINDOW, nullptr, nullptr, &si, &pi);
    DWORD code = ok ? 0 : ::GetLastError();
    close_handle(child_in);
    close_handle(child_out);
    close_handle(child_err);
    if (!ok) {
      close_handle(out_read);
      close_handle(err_read);
      throw std::runtime_error("cannot start " + path + ": " + last_error_text(code));
    }
    ::CloseHandle(pi.hThread);
    impl->process = pi.hProcess;
  }
  impl->readers[0] = std::thread(read_pipe, impl->output, out_read, 0);
  impl->readers[1] = std::thread(read_pipe, impl->output, err_read, 1);
  return Program(std::move(impl));
}

std::optional<std::string> Program::read_line(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  Output& o = *impl_->output;
  std::unique_lock lock(o.mutex);
  std::size_t nl = std::string::npos;
  o.changed.wait_until(lock, deadline, [&] {
    nl = o.text[0].find('\n', impl_->out_pos);
    return nl != std::string::npos || !o.open[0];
  });
  if (nl == std::string::npos) nl = o.text[0].find('\n', impl_->out_pos);
  if (nl == std::string::npos) return std::nullopt;
  std::string line = o.text[0].substr(impl_->out_pos, nl - impl_->out_pos);
  impl_->out_pos = nl + 1;
  return line;
}

bool Program::stdout_closed() const {
  Output& o = *impl_->output;
  std::lock_guard lock(o.mutex);
  return !o.open[0];
}

void Program::write_stdin(std::string_view text) {
  while (!text.empty() && impl_->in != nullptr) {
    DWORD wrote = 0;
    DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(text.size(), 1 << 20));
    if (!::WriteFile(impl_->in, text.data(), chunk, &wrote, nullptr)) return;  // child closed stdin
    text.remove_prefix(wrote);
  }
}

void Program::close_stdin() {
  close_handle(impl_->in);
}

Exit Program::wait(std::chrono::milliseconds timeout) {
  return impl_->wait_until(Clock::now() + timeout);
}

Exit Program::stop(std::chrono::milliseconds timeout) {
  impl_->terminate(sigterm);
  return wait(timeout);
}

long Program::pid() const {
  return impl_->process ? static_cast<long>(::GetProcessId(impl_->process)) : -1;
}

const std::string& Program::stdout_text() const {
  impl_->snapshot();
  return impl_->out_text;
}
const std::string& Program::stderr_text() const {
  impl_->snapshot();
  return impl_->err_text;
}

int open_descriptor_count() {
  // Counts the handles that are sockets. Not GetProcessHandleCount(): Winsock
  // opens handles of its own on first use (at WSAStartup, per thread, per kind of
  // call), so the total moves when no socket leaked; and Wine answers 0.
  // Handle values are multiples of 4, handed out lowest first: probe them, and
  // stop after a long run of unused values.
  int sockets = 0, misses = 0;
  for (std::uintptr_t h = 4; misses < 1024 && h < (1u << 24); h += 4) {
    DWORD flags = 0;
    if (!::GetHandleInformation(reinterpret_cast<HANDLE>(h), &flags)) {
      ++misses;
      continue;
    }
    misses = 0;
    int type = 0, len = sizeof type;
    if (::getsockopt(static_cast<SOCKET>(h), SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type),
                     &len) == 0)
      ++sockets;
  }
  return sockets;
}

std::optional<std::string> find_on_path(std::string_view name) {
  // PATH entries are separated by ';' on Windows; programs end in .exe.
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "";
  while (!dirs.empty()) {
    const std::size_t semi = dirs.find(';');
    std::filesystem::path dir(std::string(dirs.substr(0, semi)));
    dirs = semi == std::string_view::npos ? std::string_view() : dirs.substr(semi + 1);
    for (const char* suffix : {".exe", ""}) {
      std::error_code ec;
      auto candidate = dir / (std::string(name) + suffix);
      if (!dir.empty() && std::filesystem::is_regular_file(candidate, ec))
        return candidate.string();
    }
  }
  return std::nullopt;
}

}  // namespace socklab::test
