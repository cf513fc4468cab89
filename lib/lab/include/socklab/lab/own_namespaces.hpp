// socklab/lab/own_namespaces.hpp — a lab without root: a user namespace and a
// network namespace of this process's own (Linux).
//
// Linux lets an ordinary user create a user namespace and, inside it, be root
// *for the namespaces it owns*: a new network namespace (its own loopback,
// veths, routes, ip_forward, AF_PACKET capture, raw sockets, TUN devices) and a
// new mount namespace (so `ip netns add` can pin namespaces under a private
// /run). Nothing outside changes, and it all goes away when the process exits
// (user_namespaces(7), network_namespaces(7)).
//
//   int main() {
//     if (std::error_code ec = lab::use_own_namespaces())      // first thing: no thread yet
//       return say_skipped(lab::own_namespaces_hint(ec));      // the cause and the fix
//     lab::Topology net;  ...                                  // as if root, inside
//   }
//
//   process as root ──────────────────────▶ nothing to do (the machine's namespaces, as before)
//   process as a user ── unshare(USER|NET|NS) ──▶ uid 0 inside, mapped to the user outside
//                          uid_map/gid_map, / private, tmpfs on /run, lo up
//
// Children (ip, sysctl, the lesson's programs) inherit all of it. Both calls first
// add /usr/sbin and /sbin to PATH where they are missing (an ordinary user's PATH
// on Debian and Ubuntu: procps' sysctl lives in /sbin). unshare(2)
// refuses a user namespace to a process with more than one thread: call it
// before any thread starts. Elsewhere than Linux it reports
// std::errc::operation_not_supported.
#pragma once

#include <string>
#include <system_error>

namespace socklab::lab {

/// If this process may already build namespaces (root: CAP_SYS_ADMIN), does
/// nothing and returns {}. Otherwise unshare(CLONE_NEWUSER | CLONE_NEWNET |
/// CLONE_NEWNS), then "deny" to /proc/self/setgroups, "0 UID 1" to uid_map and
/// "0 GID 1" to gid_map, mount(MS_REC | MS_PRIVATE) of /, a tmpfs on /run with
/// /run/netns in it, and loopback up (ioctl SIOCSIFFLAGS). Returns {} on success
/// (and own_namespaces() is then true), else the error of the call that failed.
std::error_code use_own_namespaces() noexcept;

/// True after use_own_namespaces() made namespaces of its own (not as root).
bool own_namespaces() noexcept;

/// A network namespace of this process's own, whoever runs it: its own
/// loopback, so that nothing else's traffic crosses it and its ports collide
/// with no one's (the tests' flight recorder, tests/support/flight_recorder.hpp).
/// As root (CAP_SYS_ADMIN): unshare(CLONE_NEWNET) and loopback up; the lab's
/// `ip netns` namespaces still live in the machine's /run/netns. Otherwise:
/// use_own_namespaces(). Once only: after the first success it does nothing.
/// Returns {} or the error of the call that failed (the process then stays
/// where it was).
std::error_code use_own_network() noexcept;

/// Why the lab cannot run here and what fixes it, one line: not Linux, WSL1,
/// Ubuntu's AppArmor restriction, a sysctl that forbids user namespaces, a
/// container's seccomp profile, or a thread started too early. Reads
/// /proc/sys (kernel.apparmor_restrict_unprivileged_userns,
/// kernel.unprivileged_userns_clone, user.max_user_namespaces), /proc/version
/// and /.dockerenv, /run/.containerenv.
std::string own_namespaces_hint(const std::error_code& ec);

/// Every group ID of this process's user namespace, as net.ipv4.ping_group_range
/// takes it: "0 2147483647" in the machine's, "0 0" in one of our own (which maps
/// one group; the kernel refuses a range it cannot map). Reads /proc/self/gid_map.
std::string mapped_group_range();

/// "" when /dev/net/tun can be opened for reading and writing, else the cause
/// and the fix (Debian's and Ubuntu's udev make it mode 0666), one line.
std::string tun_node_hint();

}  // namespace socklab::lab
