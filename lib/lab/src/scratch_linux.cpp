// scratch_linux.cpp — ScratchNamespace on Linux: iproute2's `ip netns` through
// system(3)/popen(3), setns(2) through NetNamespace, capabilities from
// /proc/self/status (capabilities(7)), counters from /proc/thread-self/net/snmp.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "socklab/error.hpp"
#include "socklab/hint_hook.hpp"
#include "socklab/lab/scratch.hpp"

namespace socklab::lab {
namespace {

namespace fs = std::filesystem;

// Single quotes for the shell: ' becomes '\''.
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int shell(const std::string& command) {
  std::fflush(stdout);
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A crashed run cannot clean up: remove socklab-PID-* namespaces whose process is gone.
void remove_leftovers() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/run/netns", ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("socklab-", 0) != 0) continue;
    std::string pid = name.substr(8, name.find('-', 8) - 8);
    if (!pid.empty() && pid.find_first_not_of("0123456789") == std::string::npos &&
        !fs::exists("/proc/" + pid))
      (void)shell("ip netns del " + shell_quote(name) + " 2>/dev/null");
  }
}

}  // namespace

ScratchNamespace ScratchNamespace::create(std::string_view suffix) {
  remove_leftovers();
  std::string name = "socklab-" + std::to_string(::getpid()) + "-" + std::string(suffix);
  if (shell("ip netns add " + shell_quote(name)) != 0)
    throw Error(std::make_error_code(std::errc::operation_not_permitted), "ip netns add", name);
  return ScratchNamespace(name);
}

void ScratchNamespace::enter() {
  if (!home_.is_open()) home_ = NetNamespace::current();
  NetNamespace::open(name_).enter();
}

void ScratchNamespace::run(const std::string& command) const {
  if (shell("ip netns exec " + shell_quote(name_) + " sh -c " + shell_quote(command)) != 0)
    throw Error(std::make_error_code(std::errc::io_error), command, name_);
}

std::string ScratchNamespace::output(const std::string& command) const {
  std::string full = "ip netns exec " + shell_quote(name_) + " sh -c " + shell_quote(command);
  std::fflush(stdout);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> pipe(::popen(full.c_str(), "r"), ::pclose);
  if (!pipe) throw Error(std::error_code(errno, socket_category()), "popen", command);
  std::string text;
  char chunk[4096];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, pipe.get())) > 0;)
    text.append(chunk, n);
  return text;
}

ScratchNamespace::ScratchNamespace(ScratchNamespace&& other) noexcept
    : name_(std::move(other.name_)), home_(std::move(other.home_)) {
  other.name_.clear();
}

ScratchNamespace::~ScratchNamespace() {
  if (name_.empty()) return;
  std::error_code ec;
  if (home_.is_open()) home_.enter(ec);
  try {
    (void)shell("ip netns del " + shell_quote(name_) + " 2>/dev/null");
  } catch (...) {  // std::string may throw bad_alloc: a destructor never throws
  }
}

std::string missing_privileges() {
  // CapEff: the effective capability set, a hex mask (capabilities(7)).
  std::ifstream status("/proc/self/status");
  std::string line;
  unsigned long long caps = 0;
  while (std::getline(status, line))
    if (line.rfind("CapEff:", 0) == 0) caps = std::stoull(line.substr(7), nullptr, 16);
  constexpr unsigned long long net_admin = 1ull << 12, sys_admin = 1ull << 21;
  // In the student's language through the core's hint hook (socklab/hint_hook.hpp).
  std::vector<std::string> missing;
  if (!(caps & net_admin))
    missing.push_back(hint_hook::tr("CAP_NET_ADMIN (to create the TUN device)"));
  if (!(caps & sys_admin))
    missing.push_back(hint_hook::tr("CAP_SYS_ADMIN (to create the network namespace)"));
  if (missing.empty()) return {};
  const std::string text =
      missing.size() > 1 ? hint_hook::trf("{} and {}", {missing[0], missing[1]}) : missing[0];
  return hint_hook::trf("{}; run it as root (sudo)", {text});
}

std::optional<std::int64_t> snmp_counter(std::string_view group, std::string_view name) {
  // Two lines per group: "Tcp: RtoAlgorithm RtoMin ..." then "Tcp: 1 200 ...".
  std::ifstream snmp("/proc/thread-self/net/snmp");
  std::string names, values, prefix = std::string(group) + ":";
  while (std::getline(snmp, names) && std::getline(snmp, values)) {
    if (names.rfind(prefix, 0) != 0) continue;
    std::istringstream n(names.substr(prefix.size())), v(values.substr(prefix.size()));
    std::string word;
    long long value = 0;
    while (n >> word && v >> value)
      if (word == name) return value;
  }
  return std::nullopt;
}

}  // namespace socklab::lab
