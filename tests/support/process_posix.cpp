// process_posix.cpp — Program on POSIX: posix_spawn with three pipes.
//
// Waiting is event-driven: poll() on the child's stdout/stderr pipes and, on
// Linux, on a pidfd that becomes readable when the child exits. No sleeps.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "socklab/unique_fd.hpp"
#include "support/programs.hpp"

extern char** environ;

namespace socklab::test {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

struct Program::Impl {
  pid_t pid = -1;
  UniqueFd pidfd;         // Linux: readable when the child exits
  UniqueFd in, out, err;  // our ends of its stdin, stdout, stderr
  std::string out_text, err_text;
  std::size_t out_pos = 0;  // read_line() has consumed out_text up to here
  bool reaped = false;
  Exit exit;

  ~Impl() {
    if (pid > 0 && !reaped) {
      ::kill(pid, SIGKILL);
      reap(true);
    }
  }  // the UniqueFds close the pipes and the pidfd

  // Reads what the pipes have; waits at most until `deadline` for something to happen.
  void pump(Clock::time_point deadline, bool watch_exit = true) {
    pollfd fds[3];
    int n = 0;
    if (out) fds[n++] = {out.get(), POLLIN, 0};
    if (err) fds[n++] = {err.get(), POLLIN, 0};
    if (watch_exit && pidfd && !reaped) fds[n++] = {pidfd.get(), POLLIN, 0};
    if (n == 0) return;
    int rc = ::poll(fds, static_cast<nfds_t>(n), remaining_ms(deadline));
    if (rc <= 0) return;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == pidfd.get()) continue;  // the caller checks for the exit
      char buf[4096];
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        (fds[i].fd == out.get() ? out_text : err_text).append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        if (fds[i].fd == out.get())
          out.reset();
        else
          err.reset();
      }
    }
  }

  bool reap(bool block) {
    if (reaped) return true;
    int status = 0;
    pid_t r;
    do r = ::waitpid(pid, &status, block ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r != pid) return false;
    reaped = true;
    if (WIFEXITED(status)) exit.code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
    return true;
  }

  Exit wait_until(Clock::time_point deadline) {
    in.reset();  // a program reading stdin sees EOF
    while (!reaped) {
      if (reap(false)) break;
      if (Clock::now() >= deadline) {
        ::kill(pid, SIGKILL);
        reap(true);
        exit.timed_out = true;
        break;
      }
      if (!pidfd && !out && !err) {
        // No pidfd (not Linux) and the pipes are closed: the exit is imminent.
        pollfd none{};
        ::poll(&none, 0, 5);
      }
      pump(deadline);
    }
    // Collect the last output, bounded: a grandchild could keep the pipes open.
    auto drain_deadline = Clock::now() + std::chrono::seconds(2);
    while ((out || err) && Clock::now() < drain_deadline) pump(drain_deadline);
    return exit;
  }
};

Program::Program(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Program::Program(Program&&) noexcept = default;
Program& Program::operator=(Program&&) noexcept = default;
Program::~Program() = default;

Program Program::start_path(const std::string& path, const std::vector<std::string>& args) {
  // A test writing to a child that has already exited must get EPIPE, not die.
  static const bool sigpipe_ignored = [] { return ::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)sigpipe_ignored;

  int pin[2], pout[2], perr[2];
  if (::pipe2(pin, O_CLOEXEC) != 0 || ::pipe2(pout, O_CLOEXEC) != 0 ||
      ::pipe2(perr, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pin[0], 0);
  posix_spawn_file_actions_adddup2(&actions, pout[1], 1);
  posix_spawn_file_actions_adddup2(&actions, perr[1], 2);

  std::vector<std::string> argv_text{path};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  // The child starts with SIGPIPE's default action, as from a shell: an ignored
  // signal would be inherited, and lesson 09 shows a naive program dying of it.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);

  auto impl = std::make_unique<Impl>();
  int rc = ::posix_spawn(&impl->pid, path.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(pin[0]);
  ::close(pout[1]);
  ::close(perr[1]);
  impl->in.reset(pin[1]);
  impl->out.reset(pout[0]);
  impl->err.reset(perr[0]);
  if (rc != 0) {
    impl->pid = -1;
    throw std::runtime_error("cannot start " + path + ": " + std::strerror(rc));
  }
#if defined(__linux__) && defined(SYS_pidfd_open)
  impl->pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, impl->pid, 0)));
#endif
  return Program(std::move(impl));
}

std::optional<std::string> Program::read_line(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto nl = impl_->out_text.find('\n', impl_->out_pos);
    if (nl != std::string::npos) {
      std::string line = impl_->out_text.substr(impl_->out_pos, nl - impl_->out_pos);
      impl_->out_pos = nl + 1;
      return line;
    }
    if (!impl_->out || Clock::now() >= deadline) return std::nullopt;
    impl_->pump(deadline, /*watch_exit=*/false);
  }
}

void Program::write_stdin(std::string_view text) {
  while (!text.empty() && impl_->in) {
    ssize_t n = ::write(impl_->in.get(), text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // the child closed its stdin (EPIPE): nothing more to write
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

void Program::close_stdin() {
  impl_->in.reset();
}

Exit Program::wait(std::chrono::milliseconds timeout) {
  return impl_->wait_until(Clock::now() + timeout);
}

Exit Program::stop(std::chrono::milliseconds timeout) {
  if (!impl_->reaped) ::kill(impl_->pid, SIGTERM);
  return wait(timeout);
}

const std::string& Program::stdout_text() const {
  return impl_->out_text;
}
bool Program::stdout_closed() const {
  return !impl_->out;
}
const std::string& Program::stderr_text() const {
  return impl_->err_text;
}

long Program::pid() const {
  return static_cast<long>(impl_->pid);
}

std::optional<int> Program::open_descriptors() const {
  // Linux (and some BSDs with procfs): one entry per open descriptor.
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(impl_->pid) + "/fd", ec);
  if (ec || impl_->reaped) return std::nullopt;
  int count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return std::nullopt;
    ++count;
  }
  return count;
}

void set_environment(const std::string& name, const std::optional<std::string>& value) {
  if (value)
    ::setenv(name.c_str(), value->c_str(), 1);
  else
    ::unsetenv(name.c_str());
}

int open_descriptor_count() {
  int count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/dev/fd")) ++count;
  return count;
}

std::optional<std::string> find_on_path(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const std::size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + std::string(name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

}  // namespace socklab::test
