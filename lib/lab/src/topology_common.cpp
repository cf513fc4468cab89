// topology_common.cpp — the parts of Topology that only combine other calls: the
// commands each step prints and runs (the running itself is topology_linux.cpp).
#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "socklab/error.hpp"
#include "socklab/hint_hook.hpp"
#include "socklab/lab/topology.hpp"

namespace socklab::lab {

std::string Topology::name(std::string_view host) const {
  std::string full = prefix_ + std::string(host);
  if (std::find(names_.begin(), names_.end(), full) == names_.end())
    throw Error(std::make_error_code(std::errc::invalid_argument), "topology",
                "no host " + std::string(host));
  return full;
}

const std::string& Topology::add_host(std::string_view host) {
  std::string full = prefix_ + std::string(host);
  run("ip netns add " + full);
  names_.push_back(full);  // from now on the destructor deletes it
  run("ip -n " + full + " link set lo up");
  return names_.back();
}

void Topology::link(std::string_view host1, std::string_view if1, std::string_view cidr1,
                    std::string_view host2, std::string_view if2, std::string_view cidr2, int mtu) {
  const std::string n1 = name(host1), n2 = name(host2);
  const std::string a(if1), b(if2);
  run("ip link add " + a + " netns " + n1 + " type veth peer name " + b + " netns " + n2);
  for (auto [ns, dev, cidr] : {std::tuple{n1, a, cidr1}, std::tuple{n2, b, cidr2}}) {
    run("ip -n " + ns + " addr add " + std::string(cidr) + " dev " + dev);
    if (mtu > 0) run("ip -n " + ns + " link set " + dev + " mtu " + std::to_string(mtu));
    run("ip -n " + ns + " link set " + dev + " up");
  }
}

void Topology::route(std::string_view host, std::string_view spec) {
  run("ip -n " + name(host) + " route add " + std::string(spec));
}

void Topology::sysctl(std::string_view host, std::string_view setting) {
  // Several "key=value" words are several settings; a word without '=' belongs
  // to the value before it ("net.ipv4.ping_group_range=0 2147483647"), which is
  // then quoted to stay one word for the shell.
  std::vector<std::string> settings;
  std::string all(setting);
  for (std::size_t start = 0; start <= all.size();) {
    std::size_t end = std::min(all.find(' ', start), all.size());
    std::string word = all.substr(start, end - start);
    if (!word.empty() && word.find('=') == std::string::npos && !settings.empty())
      settings.back() += ' ' + word;
    else if (!word.empty())
      settings.push_back(word);
    start = end + 1;
  }
  std::string words;
  for (const std::string& one : settings)
    words += ' ' + (one.find(' ') != std::string::npos ? '"' + one + '"' : one);
  run("ip netns exec " + name(host) + " sysctl -q -w" + words);
}

void Topology::forwarding(std::string_view host) {
  // One sysctl call for all: `ip netns exec` is the slow part of building a lab.
  sysctl(host,
         "net.ipv4.ip_forward=1 net.ipv4.icmp_ratemask=0 "
         "net.ipv4.icmp_errors_use_inbound_ifaddr=1 net.ipv4.conf.all.rp_filter=0 "
         "net.ipv6.conf.all.forwarding=1 net.ipv6.icmp.ratelimit=0 "
         "net.ipv6.conf.default.accept_dad=0");
}

std::string Topology::ip(std::string_view host, std::string_view args) {
  return run("ip -n " + name(host) + " " + std::string(args));
}

void Topology::add_hosts(const std::vector<std::string>& hosts) {
  std::vector<std::string> commands;
  for (const std::string& host : hosts) commands.push_back("netns add " + prefix_ + host);
  // Named before they exist: if the batch stops half way, the destructor's
  // `ip netns del` of one that was never made fails quietly.
  for (const std::string& host : hosts) names_.push_back(prefix_ + host);
  batch("ip -batch -", commands);
}

std::string Topology::ip_batch(std::string_view host, const std::vector<std::string>& commands) {
  return batch("ip -n " + name(host) + " -batch -", commands);
}

std::string Topology::ip_batch(const std::vector<std::string>& commands) {
  return batch("ip -batch -", commands);
}

std::string Topology::batch(const std::string& ip, const std::vector<std::string>& commands) {
  // A here-document (sh: `<<'EOF'` takes the lines as they are, no expansion), in
  // braces: run() puts its redirection after the last line.
  std::string script = "{ " + ip + " <<'EOF'\n";
  for (const std::string& command : commands) {
    if (command.find('\n') != std::string::npos || command == "EOF")
      throw std::invalid_argument(
          hint_hook::trf("ip batch: one command a line, not \"EOF\": {}", {command}));
    script += command + "\n";
  }
  script += "EOF\n}";
  int status = 0;
  std::string output = run(script, false, &status);
  if (status == 0) return output;
  // ip says "Command failed -:N", N the line (1-based) it stopped at.
  std::string failed = ip + " (exit " + std::to_string(status) + ")";
  if (auto at = output.rfind("Command failed -:"); at != std::string::npos) {
    const std::size_t n = std::strtoul(output.c_str() + at + 17, nullptr, 10);
    if (n >= 1 && n <= commands.size())
      failed = ip + ", line " + std::to_string(n) + ": " + commands[n - 1];
  }
  const std::string first = output.substr(0, output.find('\n'));
  throw std::runtime_error(
      hint_hook::trf("failed: {}", {failed + (first.empty() ? "" : " (" + first + ")")}));
}

std::string Topology::exec_prefix(std::string_view host) const {
  return "ip netns exec " + name(host) + " ";
}

Topology::Inside Topology::enter(std::string_view host) const {
  NetNamespace home = NetNamespace::current();
  NetNamespace::open(name(host)).enter();
  return Inside(std::move(home));
}

Topology::Inside::~Inside() {
  std::error_code ignored;
  if (home_.is_open()) home_.enter(ignored);
}

}  // namespace socklab::lab
