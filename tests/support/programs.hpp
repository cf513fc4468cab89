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

#include <gtest/gtest.h>

#include <stdexcept>

#include "socklab/address.hpp"
#include "socklab/socket.hpp"

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
  /// Otherwise fails the current test with what happened — "echo_server exited
  /// with status 1: <its stderr line>" as soon as it exits, not at the timeout —
  /// and throws DidNotStart, which stops the test (no cascade of later failures).
  Address listening_address(std::chrono::milliseconds timeout = 10s);

  /// The program's name (build/bin/NAME), for messages.
  const std::string& name() const { return name_; }
  /// "exited with status 1: <first stderr line>", "was killed by signal 9", or
  /// "is still running": how it ended, for a failure message. Waits up to
  /// `timeout` for the exit.
  std::string how_it_ended(std::chrono::milliseconds timeout = 2s);

  void write_stdin(std::string_view text);
  void close_stdin();

  /// Waits for the exit (draining output); kills it at the deadline.
  Exit wait(std::chrono::milliseconds timeout = 20s);
  /// Asks it to stop (SIGTERM / TerminateProcess) and waits.
  Exit stop(std::chrono::milliseconds timeout = 10s);

  /// Everything read from stdout / stderr so far (read_line consumes lines from stdout()).
  const std::string& stdout_text() const;
  /// True once the program's stdout is at EOF (it exited, or closed stdout).
  bool stdout_closed() const;
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
  std::string name_ = "the program";
};

/// For a test that has failed: waits up to 0.5 s for `p` to end (then stops it) and
/// adds its first stderr line as one more
/// failure ("the server's error: TODO(step 4): recv() is not written yet"). In the
/// student edition that line names the step still to write, where the client only
/// saw a broken connection. Does nothing if the test passed or `p` said nothing.
/// Call it from a fixture's TearDown() for every program the test started.
void show_error_line_if_failed(Program& p, std::string_view who = "the server");

/// Thrown by listening_address() when the server did not start: the failure is
/// already reported, and gtest ends the test at the exception.
class DidNotStart : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Receives until `expected.size()` bytes have arrived (or EOF, an error, the
/// timeout) and compares. On a mismatch the message shows what arrived:
///   got "hello" (5 bytes), expected "收到您的消息:hello" (24 bytes)
/// followed by `hint` if the bytes that arrived are only the start of `expected`
/// (e.g. "one send() may send less — see send_all()").
::testing::AssertionResult receives(Socket& sock, std::string_view expected,
                                    std::string_view hint = {},
                                    std::chrono::milliseconds timeout = 3s);

/// True if `text` contains `wanted`; else the message says what was looked for
/// and shows `text` (escaped) — not "actual: 18446744073709551615 vs ...":
///   EXPECT_TRUE(test::contains(r.out, "reply: hello\n"));
::testing::AssertionResult contains(std::string_view text, std::string_view wanted);

/// "\"hello\" (5 bytes)": bytes for a failure message, escaped, with their length.
std::string byte_text(std::string_view bytes);

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
