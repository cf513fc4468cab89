// capture_linux.cpp — Capture on Linux: an AF_PACKET socket on "lo" with a
// classic BPF filter (packet(7), socket(7), filter.txt in the kernel docs).
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "socklab/error.hpp"
#include "socklab/observe/capture.hpp"

namespace socklab::observe {
namespace {

std::error_code last() noexcept {
  return {errno, socket_category()};
}

constexpr std::uint32_t accept_all = 0x40000;  // keep up to 256 KiB of each packet

// The filter runs on each packet before it is queued to us. A SOCK_DGRAM packet
// socket sees the packet from its IP header on, so offset 0 is the IP version.
// Kept: segments of `protocol` (TCP, or UDP for the probe below) to or from
// `port`, IPv4 (first fragments only) or IPv6 (the transport header directly
// after the fixed header, as Linux sends on loopback).
// Port 0 keeps every segment of `protocol` (the tests' flight recorder).
std::array<sock_filter, 21> port_filter(std::uint16_t port, std::uint32_t protocol = IPPROTO_TCP) {
  const std::uint32_t p = port;
  if (p == 0) {
    std::array<sock_filter, 21> any{};
    any.fill(BPF_STMT(BPF_RET | BPF_K, 0));                        // drop (also the unused tail)
    any[0] = BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0);                // A = first byte
    any[1] = BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4);               // A = IP version
    any[2] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4, 0, 2);         // IPv4 -> 3
    any[3] = BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9);                // IPv4 protocol
    any[4] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, protocol, 3, 4);  // -> 8 keep, else drop
    any[5] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 3);         // IPv6 -> 6, else drop
    any[6] = BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6);                // IPv6 next header
    any[7] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, protocol, 0, 1);
    any[8] = BPF_STMT(BPF_RET | BPF_K, accept_all);
    return any;
  }
  return {{
      /*  0 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),          // A = first byte
      /*  1 */ BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4),         // A = IP version
      /*  2 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4, 1, 0),   // IPv4 -> 4
      /*  3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 9, 16),  // IPv6 -> 13, else drop
      /*  4 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),          // IPv4 protocol
      /*  5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, protocol, 0, 14),
      /*  6 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),                // flags + fragment offset
      /*  7 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 12, 0),  // not the first fragment
      /*  8 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),               // X = IPv4 header length
      /*  9 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0),                // TCP source port
      /* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, p, 8, 0),
      /* 11 */ BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),  // TCP destination port
      /* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, p, 6, 7),
      /* 13 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),  // IPv6 next header
      /* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, protocol, 0, 5),
      /* 15 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 40),  // TCP source port
      /* 16 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, p, 2, 0),
      /* 17 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 42),  // TCP destination port
      /* 18 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, p, 0, 1),
      /* 19 */ BPF_STMT(BPF_RET | BPF_K, accept_all),
      /* 20 */ BPF_STMT(BPF_RET | BPF_K, 0),  // drop
  }};
}

bool attach(int fd, std::array<sock_filter, 21> filter) noexcept {
  sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};
  return ::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) == 0;
}

// One recvmsg() on the packet socket. Returns false on EAGAIN/EINTR; sets `ec`
// on an error. Outgoing copies are reported with `outgoing` set.
bool receive(int fd, CapturedPacket& packet, bool& outgoing, std::error_code& ec) {
  using namespace std::chrono;
  packet.bytes.resize(65536 + 256);
  sockaddr_ll from{};
  iovec iov{packet.bytes.data(), packet.bytes.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
  if (n < 0) {
    if (errno != EINTR && errno != EAGAIN) ec = last();
    return false;
  }
  outgoing = from.sll_pkttype == PACKET_OUTGOING;
  packet.bytes.resize(static_cast<std::size_t>(n));
  packet.time = duration_cast<nanoseconds>(system_clock::now().time_since_epoch());
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      packet.time = seconds(ts.tv_sec) + nanoseconds(ts.tv_nsec);
    }
  }
  return true;
}

// SO_TIMESTAMPNS asks the kernel to stamp packets when they arrive, but the
// kernel switches that on a moment later (a deferred work item). Until then a
// packet is stamped when it is read, which would put every segment after the
// program's steps. So: send UDP datagrams to ourselves until one comes back
// with a stamp older than the moment we read it. Bounded in count and time.
void wait_for_arrival_stamps(int fd) {
  using namespace std::chrono;
  UniqueFd probe_socket(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!probe_socket) return;
  const int udp = probe_socket.get();
  sockaddr_in self{};
  self.sin_family = AF_INET;
  self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof self;
  if (::bind(udp, reinterpret_cast<sockaddr*>(&self), sizeof self) == 0 &&
      ::getsockname(udp, reinterpret_cast<sockaddr*>(&self), &size) == 0 &&
      attach(fd, port_filter(ntohs(self.sin_port), IPPROTO_UDP))) {
    const auto give_up = steady_clock::now() + 500ms;
    for (int i = 0; i < 1000 && steady_clock::now() < give_up; ++i) {
      (void)::sendto(udp, "probe", 5, 0, reinterpret_cast<sockaddr*>(&self), sizeof self);
      pollfd pfd{fd, POLLIN, 0};
      if (::poll(&pfd, 1, 100) <= 0) continue;
      auto before_read = duration_cast<nanoseconds>(system_clock::now().time_since_epoch());
      CapturedPacket probe;
      bool outgoing = false;
      std::error_code ec;
      if (receive(fd, probe, outgoing, ec) && !outgoing && probe.time < before_read) break;
      // Not yet: give the kernel's worker the CPU for a millisecond rather than spin.
      (void)::poll(nullptr, 0, 1);
    }
  }
}

}  // namespace

void Capture::keep_arrival_stamps_on() noexcept {
  static const int keeper = [] {  // once; open until the process exits
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) (void)::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    return fd;
  }();
  (void)keeper;
}

Capture Capture::loopback(std::uint16_t port, std::error_code& ec) noexcept {
  return on_interface("lo", port, ec);
}

Capture Capture::on_interface(std::string_view interface_name, std::uint16_t port,
                              Transport transport, std::error_code& ec) noexcept {
  ec.clear();
  char name[IF_NAMESIZE] = {};
  if (interface_name.empty() || interface_name.size() >= sizeof name) {
    ec = std::make_error_code(std::errc::no_such_device);
    return Capture{};
  }
  std::memcpy(name, interface_name.data(), interface_name.size());
  const bool is_loopback = interface_name == "lo";
  // Protocol 0: the socket receives nothing until bind() names a protocol, so
  // no packet of another port slips in before the filter is attached.
  int fd = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ec = last();  // EPERM without CAP_NET_RAW
    return Capture{};
  }
  Capture capture(fd);

  // Until the probe below runs, drop everything (a filter that returns 0).
  std::array<sock_filter, 21> none{};
  none.fill(BPF_STMT(BPF_RET | BPF_K, 0));
  if (!attach(fd, none)) {
    ec = last();
    return Capture{};
  }
  int one = 1;
#ifdef PACKET_IGNORE_OUTGOING  // Linux 4.20+; next() drops outgoing copies anyway
  (void)::setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
#endif
  if (::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0) {
    ec = last();
    return Capture{};
  }
  // Room for every segment of a lesson (or of a whole failing test) while it runs.
  // SO_RCVBUF is capped by net.core.rmem_max (about 200 KiB by default);
  // SO_RCVBUFFORCE is not, but needs CAP_NET_ADMIN (root, or a namespace of our own).
  int buffer = 4 << 20;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer) != 0)
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);

  sockaddr_ll where{};
  where.sll_family = AF_PACKET;
  where.sll_protocol = htons(ETH_P_ALL);
  where.sll_ifindex = static_cast<int>(::if_nametoindex(name));
  if (where.sll_ifindex == 0) {
    ec = last();
    return Capture{};
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&where), sizeof where) != 0) {
    ec = last();
    return Capture{};
  }
  // The probe travels over loopback: only a capture on "lo" can see it come back.
  if (is_loopback) wait_for_arrival_stamps(fd);
  if (!attach(fd, port_filter(port, transport == Transport::udp ? IPPROTO_UDP : IPPROTO_TCP))) {
    ec = last();
    return Capture{};
  }
  // Throw away what the probe left queued; nothing of `port` can be among it,
  // as the caller opens the capture before the connection starts.
  CapturedPacket leftover;
  bool outgoing = false;
  for (int i = 0; i < 1000 && receive(fd, leftover, outgoing, ec); ++i) {
  }
  if (ec) return Capture{};
  return capture;
}

std::optional<CapturedPacket> Capture::next(std::chrono::steady_clock::time_point deadline,
                                            std::error_code& ec) {
  using namespace std::chrono;
  ec.clear();
  if (!fd_.is_open()) {
    ec = errc::not_open;
    return std::nullopt;
  }
  const int fd = fd_.get();
  for (int tries = 0; tries < 1000; ++tries) {
    auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
    pollfd pfd{fd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(std::max<milliseconds::rep>(left.count(), 0)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      ec = last();
      return std::nullopt;
    }
    if (ready == 0) return std::nullopt;  // the deadline passed

    CapturedPacket packet;
    bool outgoing = false;
    if (!receive(fd, packet, outgoing, ec)) {
      if (ec) return std::nullopt;
      continue;
    }
    if (outgoing) continue;  // loopback shows each segment twice: keep the received copy
    return packet;
  }
  return std::nullopt;
}

}  // namespace socklab::observe
