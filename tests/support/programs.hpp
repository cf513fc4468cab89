// programs.hpp — start the real lesson programs from a test.
//
//   auto server = Program::start("echo_server", {"--port", "0", "--once"});
//   Address addr = server.listening_address();  // read from its first line
//   ...
//   auto exit = server.wait();                  // bounded by a timeout
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "socklab/address.hpp"

namespace socklab::test {

using namespace std::chrono_literals;

/// Full path of a program built by this project (build/bin/NAME[.exe]).
std::string program_path(std::string_view name);

/// How a program ended.
struct Exit {
  int code = -1;           ///< exit status, if it exited
  int signal = 0;          ///< the signal that killed it (POSIX), else 0
  bool timed_out = false;  ///< still running at the deadline (then killed)
  bool exited_normally() const noexcept { return signal == 0 && !timed_out; }
};

/// A child process with pipes on stdin, stdout and stderr.
class Program {
 public:
  /// Starts build/bin/NAME with args; throws std::runtime_error if it can't.
  static Program start(std::string_view name, const std::vector<std::string>& args);
  /// Starts any executable by path.
  static Program start_path(const std::string& path, const std::vector<std::string>& args);

  Program(Program&&) noexcept;
  Program& operator=(Program&&) noexcept;
  ~Program();  ///< kills the process if it still runs, and reaps it

  /// The next line of stdout (without '\n'), or nullopt at EOF or timeout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = 10s);
  /// Reads the first line, expects "listening on HOST:PORT", returns the address.
  /// Fails the current test (and returns an empty Address) otherwise.
  Address listening_address(std::chrono::milliseconds timeout = 10s);

  void write_stdin(std::string_view text);
  void close_stdin();

  /// Waits for the exit (draining output); kills it at the deadline.
  Exit wait(std::chrono::milliseconds timeout = 20s);
  /// Asks it to stop (SIGTERM / TerminateProcess) and waits.
  Exit stop(std::chrono::milliseconds timeout = 10s);

  /// Everything read from stdout / stderr so far (read_line consumes lines from stdout()).
  const std::string& stdout_text() const;
  const std::string& stderr_text() const;
  /// The first line of stderr (or "" if none): the one-line error of a failing program.
  std::string first_stderr_line() const;

  /// How many descriptors the program has open now (/proc/PID/fd), or nullopt
  /// where the system can't tell (then a test should GTEST_SKIP with the reason).
  std::optional<int> open_descriptors() const;

  /// The process id (e.g. for /proc/PID/stat, or prlimit() on Linux).
  long pid() const;

  struct Impl;

 private:
  explicit Program(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Full path of a third-party program found on PATH (e.g. "curl", "nc"), or
/// nullopt: a test that needs it skips, naming what to install.
std::optional<std::string> find_on_path(std::string_view name);

/// Open descriptors (POSIX) / socket handles (Windows) of this process right now.
int open_descriptor_count();

/// Sets an environment variable for the programs started while it lives (they
/// inherit this process's environment), then puts the old value back. E.g.
///   ScopedEnvironment faults("SOCKLAB_FAULTS", "short");
///
/// Program::start() also honours SOCKLAB_TEST_WRAPPER: a command line that is put
/// before every program it starts, e.g. "/usr/bin/valgrind -q --error-exitcode=99"
/// (make test-valgrind sets it). The first word must be a full path.
class ScopedEnvironment {
 public:
  ScopedEnvironment(std::string name, const std::string& value);
  ~ScopedEnvironment();
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

/// Sets (or, with nullopt, removes) an environment variable of this process.
void set_environment(const std::string& name, const std::optional<std::string>& value);

}  // namespace socklab::test
