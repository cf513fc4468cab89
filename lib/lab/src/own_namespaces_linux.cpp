// own_namespaces_linux.cpp — use_own_namespaces() on Linux: unshare(2) a user,
// network and mount namespace, map our uid to 0 inside (user_namespaces(7),
// "User and group ID mappings"), a private /run for `ip netns`, loopback up
// (netdevice(7)); the hints read /proc/sys.
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

#include "socklab/error.hpp"
#include "socklab/hint_hook.hpp"
#include "socklab/lab/own_namespaces.hpp"
#include "socklab/lab/topology.hpp"
#include "socklab/unique_fd.hpp"

namespace socklab::lab {
namespace {

bool made_own = false;
bool own_network_made = false;  // by use_own_network() as root

std::error_code last_error() noexcept {
  return {errno, socket_category()};
}

// Writes `text` to a /proc file in one write(2), as the kernel wants for uid_map.
std::error_code write_file(const char* path, const std::string& text) noexcept {
  UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
  if (!fd.is_open()) return last_error();
  ssize_t n = ::write(fd.get(), text.data(), text.size());
  if (n < 0) return last_error();
  return n == static_cast<ssize_t>(text.size()) ? std::error_code{}
                                                : std::make_error_code(std::errc::io_error);
}

std::error_code loopback_up() noexcept {
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s.is_open()) return last_error();
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(s.get(), SIOCGIFFLAGS, &request) != 0) return last_error();
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  return ::ioctl(s.get(), SIOCSIFFLAGS, &request) == 0 ? std::error_code{} : last_error();
}

// The first line of a /proc file as a number, if it exists.
std::optional<long> proc_number(const char* path) {
  std::ifstream in(path);
  long value = 0;
  if (in >> value) return value;
  return std::nullopt;
}

std::string first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

bool exists(const char* path) noexcept {
  struct stat st {};
  return ::stat(path, &st) == 0;
}

// Debian and Ubuntu give an ordinary user a PATH without /usr/sbin and /sbin, where
// procps puts sysctl (and some systems ip); root's PATH has them, and sudo's
// secure_path adds them. The lab runs these tools as root of its own namespaces, so it
// adds the two directories at the end of PATH when they are missing (setenv: before
// any thread, as unshare needs anyway).
void add_admin_directories_to_path() noexcept {
  const char* current = std::getenv("PATH");
  std::string path = current != nullptr ? current : "/usr/local/bin:/usr/bin:/bin";
  const std::string padded = ":" + path + ":";
  bool changed = current == nullptr;
  for (const char* dir : {"/usr/sbin", "/sbin"}) {
    if (padded.find(std::string(":") + dir + ":") != std::string::npos) continue;
    path += std::string(path.empty() ? "" : ":") + dir;
    changed = true;
  }
  if (changed) ::setenv("PATH", path.c_str(), 1);
}

}  // namespace

std::error_code use_own_namespaces() noexcept {
  add_admin_directories_to_path();
  if (!Topology::permission()) return {};  // root, or namespaces of our own already
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS) != 0) return last_error();
  // setgroups must be denied before an unprivileged process may write gid_map.
  if (auto ec = write_file("/proc/self/setgroups", "deny")) return ec;
  if (auto ec = write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n")) return ec;
  if (auto ec = write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n")) return ec;
  // Mounts made from now on stay in our mount namespace.
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return last_error();
  // `ip netns add` pins namespaces in /run/netns, which belongs to the real root:
  // a tmpfs of our own there (or on /run, if /run/netns does not exist yet).
  const bool have_dir = exists("/run/netns");
  if (::mount("socklab", have_dir ? "/run/netns" : "/run", "tmpfs", MS_NOSUID | MS_NODEV,
              "mode=0755") != 0)
    return last_error();
  if (!have_dir && ::mkdir("/run/netns", 0755) != 0) return last_error();
  if (auto ec = loopback_up()) return ec;
  made_own = true;
  return {};
}

bool own_namespaces() noexcept {
  return made_own;
}

std::error_code use_own_network() noexcept {
  add_admin_directories_to_path();
  if (made_own || own_network_made) return {};
  if (Topology::permission()) return use_own_namespaces();  // not root: the lab's namespaces
  if (::unshare(CLONE_NEWNET) != 0) return last_error();
  if (auto ec = loopback_up()) return ec;
  own_network_made = true;
  return {};
}

std::string own_namespaces_hint(const std::error_code& ec) {
  // In the student's language through the core's hint hook (socklab/hint_hook.hpp);
  // {} is " (the error)", or nothing.
  const std::string why = ec ? " (" + ec.message() + ")" : "";
  // WSL1 translates system calls and has no network namespaces; WSL2 is a real kernel.
  if (first_line("/proc/sys/kernel/osrelease").find("Microsoft") != std::string::npos)
    return hint_hook::trf(
        "WSL1 has no network namespaces{}: switch this distribution to WSL2 (in PowerShell: "
        "wsl --set-version <distro> 2)",
        {why});
  if (proc_number("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").value_or(0) == 1)
    return hint_hook::trf(
        "AppArmor forbids user namespaces to ordinary programs here "
        "(kernel.apparmor_restrict_unprivileged_userns = 1, Ubuntu 23.10 and later){}: sudo "
        "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (until reboot), or run the "
        "lab with sudo",
        {why});
  if (proc_number("/proc/sys/kernel/unprivileged_userns_clone").value_or(1) == 0)
    return hint_hook::trf(
        "user namespaces are switched off for ordinary users "
        "(kernel.unprivileged_userns_clone = 0){}: sudo sysctl -w "
        "kernel.unprivileged_userns_clone=1, or run the lab with sudo",
        {why});
  if (proc_number("/proc/sys/user/max_user_namespaces").value_or(1) == 0)
    return hint_hook::trf(
        "user namespaces are switched off (user.max_user_namespaces = 0){}: sudo sysctl -w "
        "user.max_user_namespaces=15000, or run the lab with sudo",
        {why});
  if (ec == std::errc::invalid_argument)
    return hint_hook::trf(
        "unshare(CLONE_NEWUSER) refuses a process that has started a thread{}: call "
        "lab::use_own_namespaces() first thing in main()",
        {why});
  if (ec == std::errc::no_space_on_device)
    return hint_hook::trf(
        "this user has too many user namespaces already (user.max_user_namespaces){}: end "
        "the lab programs still running, or raise the sysctl",
        {why});
  if (exists("/.dockerenv") || exists("/run/.containerenv"))
    return hint_hook::trf(
        "this container forbids user namespaces (its seccomp profile or missing "
        "capabilities){}: run the lab as root inside it with --cap-add NET_ADMIN --cap-add "
        "SYS_ADMIN, or start the container with --security-opt seccomp=unconfined",
        {why});
  return hint_hook::trf(
      "this system does not allow an ordinary user a network namespace of their own{}: run "
      "the lab with sudo",
      {why});
}

std::string mapped_group_range() {
  // Lines "INSIDE OUTSIDE COUNT"; the machine's own namespace maps "0 0 4294967295".
  std::ifstream map("/proc/self/gid_map");
  long long inside = 0, outside = 0, count = 0, low = -1, high = -1;
  while (map >> inside >> outside >> count) {
    if (low < 0 || inside < low) low = inside;
    high = std::max(high, inside + count - 1);
  }
  if (low < 0) return "0 2147483647";
  return std::to_string(low) + " " + std::to_string(std::min(high, 2147483647LL));
}

std::string tun_node_hint() {
  UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
  if (fd.is_open()) return {};
  const int e = errno;
  const std::string error = std::strerror(e);
  if (e == ENOENT || e == ENODEV || e == ENXIO)
    return hint_hook::trf("there is no TUN device here (/dev/net/tun: {}): sudo modprobe tun",
                          {error});
  if (e == EACCES || e == EPERM)
    return hint_hook::trf(
        "/dev/net/tun cannot be opened by this user ({}): sudo chmod 0666 /dev/net/tun, as "
        "Debian's and Ubuntu's udev set it (making a device still needs CAP_NET_ADMIN, which a "
        "namespace of your own gives)",
        {error});
  return "/dev/net/tun: " + error;
}

}  // namespace socklab::lab
