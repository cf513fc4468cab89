// topology_linux.cpp — running Topology's iproute2 commands on Linux, each printed
// first: a command of plain words directly (posix_spawnp(3)), one with shell syntax
// through /bin/sh (popen(3)); namespaces deleted with `ip netns del` (ip-netns(8)),
// leftovers of dead runs found in /run/netns.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "socklab/error.hpp"
#include "socklab/hint_hook.hpp"
#include "socklab/lab/topology.hpp"

namespace socklab::lab {
namespace {

void print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

// The words of a command the shell would take as they are (no quote, variable, glob,
// redirection, pipe, list, here-document or assignment), or nothing: such a command
// runs without the shell, which costs a process per command (dash forks even for the
// last command of `sh -c`), ~70 of them per lesson 12 lab.
std::vector<std::string> plain_words(const std::string& line) {
  // '=' is plain in an argument (sysctl -w key=value), an assignment in the first word.
  if (line.find_first_of("|&;<>()$`\\\"'*?[]#~{}!\n\t") != std::string::npos ||
      line.substr(0, line.find(' ')).find('=') != std::string::npos)
    return {};
  std::vector<std::string> words;
  for (std::size_t start = 0; start < line.size();) {
    const std::size_t end = std::min(line.find(' ', start), line.size());
    if (end > start) words.push_back(line.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

// posix_spawnp(words) with stdout and stderr into one pipe, as `sh -c "LINE 2>&1"`
// under popen(); the wait status: exit 127 with `output` saying why if it did not
// start (as sh), -1 if waitpid failed.
int spawn_and_read(const std::vector<std::string>& words, std::string& output) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(std::error_code(errno, socket_category()), "pipe2");
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  ::posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  std::vector<char*> argv;
  for (const std::string& w : words) argv.push_back(const_cast<char*>(w.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int err = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (err == 0) {
    char buffer[4096];
    for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) != 0;) {
      if (n > 0)
        output.append(buffer, static_cast<std::size_t>(n));
      else if (errno != EINTR)
        break;
    }
  }
  ::close(fds[0]);
  if (err != 0) {  // as sh says it: "NAME: not found", exit 127
    output += words[0] + ": " + std::error_code(err, socket_category()).message() + "\n";
    return 127 << 8;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return status;
}

}  // namespace

Topology::Topology(std::string tag, bool echo)
    : prefix_("socklab-" + std::to_string(::getpid()) + "-" + tag), echo_(echo) {}

Topology::~Topology() {
  std::fflush(stdout);
  std::string removed;
  if (!names_.empty()) {
    // One process for all (-force: past one that is gone already); deleting a
    // namespace deletes its veths.
    std::string command = "ip -force -batch - 2>/dev/null <<'EOF'\n";
    for (auto it = names_.rbegin(); it != names_.rend(); ++it) command += "netns del " + *it + "\n";
    (void)std::system((command + "EOF").c_str());
  }
  for (const std::string& n : names_) removed += (removed.empty() ? "" : ", ") + n;
  if (echo_ && !names_.empty()) print("removed namespaces " + removed + "\n");
}

std::error_code Topology::permission() noexcept {
  // setns() into our own namespace changes nothing, but is allowed only with
  // CAP_SYS_ADMIN: a harmless test of whether we may build namespaces.
  std::error_code ec;
  NetNamespace home = NetNamespace::current(ec);
  if (!ec) home.enter(ec);
  if (!ec && ::access("/bin/sh", X_OK) != 0)
    ec = std::make_error_code(std::errc::no_such_file_or_directory);
  return ec;
}

void Topology::remove_leftovers() noexcept {
  namespace fs = std::filesystem;
  try {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/run/netns", ec)) {
      std::string name = entry.path().filename().string();
      if (name.rfind("socklab-", 0) != 0) continue;
      std::string pid = name.substr(8, name.find('-', 8) - 8);
      if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
      if (!fs::exists("/proc/" + pid))
        (void)std::system(("ip netns del " + name + " 2>/dev/null").c_str());
    }
  } catch (...) {  // best effort: a leftover is only untidy
  }
}

std::string Topology::run(std::string_view command) {
  return run(command, true);
}

std::string Topology::run(std::string_view command, bool check, int* exit_status) {
  const std::string line(command);
  if (echo_) print("$ " + line + "\n");
  std::string output;
  int status = 0;
  if (const std::vector<std::string> words = plain_words(line); !words.empty()) {
    status = spawn_and_read(words, output);
  } else {
    std::FILE* pipe = ::popen((line + " 2>&1").c_str(), "r");
    if (pipe == nullptr) throw Error(std::error_code(errno, socket_category()), "popen", line);
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
      output.append(buffer, n);
    status = ::pclose(pipe);
  }
  if (echo_) print(output);
  if (exit_status != nullptr) *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (check && status != 0) {
    std::string first = output.substr(0, output.find('\n'));
    throw std::runtime_error(
        hint_hook::trf("failed: {}", {line + (first.empty() ? "" : " (" + first + ")")}));
  }
  return output;
}

}  // namespace socklab::lab
