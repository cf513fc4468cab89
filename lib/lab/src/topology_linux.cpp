// topology_linux.cpp — running Topology's iproute2 commands on Linux: popen(3)
// through /bin/sh, each command printed first; namespaces deleted with
// `ip netns del` (ip-netns(8)), leftovers of dead runs found in /run/netns.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "socklab/error.hpp"
#include "socklab/hint_hook.hpp"
#include "socklab/lab/topology.hpp"

namespace socklab::lab {
namespace {

void print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
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
  std::FILE* pipe = ::popen((line + " 2>&1").c_str(), "r");
  if (pipe == nullptr) throw Error(std::error_code(errno, socket_category()), "popen", line);
  std::string output;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
    output.append(buffer, n);
  int status = ::pclose(pipe);
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
