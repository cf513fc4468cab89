// Unit tests of the layer parts added for lessons 04 and 05: byte order
// helpers, recv_from() truncation and ICMP errors, NetNamespace, Capture on a
// named interface, and the TTL in decoded segments.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "socklab/byte_order.hpp"
#include "socklab/lab/netns.hpp"
#include "socklab/lab/topology.hpp"
#include "socklab/observe/capture.hpp"
#include "socklab/observe/packet.hpp"
#include "socklab/socklab.hpp"
#include "socklab/system.hpp"

using namespace socklab;
using namespace socklab::observe;  // capture (lib/observe)
using namespace socklab::lab;      // network namespaces (lib/lab)
using namespace std::chrono_literals;

static_assert(byte_swap16(0x22b8) == 0xb822);
static_assert(byte_swap32(0x01020304u) == 0x04030201u);
static_assert(network_to_host16(host_to_network16(8888)) == 8888);
static_assert(network_to_host32(host_to_network32(0x7f000001u)) == 0x7f000001u);

TEST(ByteOrder, NetworkOrderIsBigEndianInMemory) {
  const std::uint32_t v = host_to_network32(0x7f000001u);
  std::array<unsigned char, 4> bytes{};
  std::memcpy(bytes.data(), &v, 4);
  EXPECT_EQ(bytes, (std::array<unsigned char, 4>{0x7f, 0x00, 0x00, 0x01}));
  EXPECT_EQ(host_is_little_endian(), host_to_network16(1) != 1);
}

namespace {
Socket udp_on_loopback() {
  Socket s = Socket::udp();
  s.bind(Address::parse("127.0.0.1:0"));
  s.set_recv_timeout(5s);
  return s;
}
}  // namespace

TEST(RecvFrom, ReportsTruncationAndTheSender) {
  Socket a = udp_on_loopback(), b = udp_on_loopback();
  a.send_to("0123456789", b.local_address());
  a.send_to("short", b.local_address());
  std::array<char, 4> small;
  ReceivedFrom got = b.recv_from(small);
  EXPECT_EQ(got.bytes, 4u);
  EXPECT_TRUE(got.truncated);
  EXPECT_EQ(got.from, a.local_address());
  std::array<char, 64> big;
  got = b.recv_from(big);
  EXPECT_EQ(std::string(big.data(), got.bytes), "short");
  EXPECT_FALSE(got.truncated);
}

TEST(RecvFrom, AnEmptyDatagramIsZeroBytesNotAnError) {
  Socket a = udp_on_loopback(), b = udp_on_loopback();
  a.send_to("", b.local_address());
  std::array<char, 8> buffer;
  std::error_code ec;
  ReceivedFrom got = b.recv_from(buffer, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(got.bytes, 0u);
  EXPECT_FALSE(got.truncated);
}

TEST(RecvFrom, TimeoutIsTimedOut) {
  Socket s = udp_on_loopback();
  s.set_recv_timeout(50ms);
  std::array<char, 8> buffer;
  std::error_code ec;
  s.recv_from(buffer, ec);
  EXPECT_EQ(ec, std::errc::timed_out);
  try {
    s.recv_from(buffer);
    FAIL() << "the throwing form must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.call(), "recvfrom");
  }
}

TEST(RecvFrom, IcmpPortUnreachableIsConnectionRefusedOnAConnectedSocket) {
  if (std::string wine = socklab::system::emulator(); !wine.empty())
    GTEST_SKIP() << wine << " never passes the ICMP port unreachable on to a connected UDP "
                 << "socket (Windows does, as WSAECONNRESET, and Linux as ECONNREFUSED)";
  Address closed;
  {
    Socket gone = udp_on_loopback();
    closed = gone.local_address();
  }
  Socket s = udp_on_loopback();
  s.connect(closed);
  (void)s.send("x");
  std::array<char, 8> buffer;
  std::error_code ec;
  s.recv_from(buffer, ec);
  EXPECT_EQ(ec, std::errc::connection_refused) << ec.message();
}

TEST(RecvFrom, OnAClosedSocketIsNotOpen) {
  Socket s;
  std::array<char, 8> buffer;
  std::error_code ec;
  s.recv_from(buffer, ec);
  EXPECT_EQ(ec, errc::not_open);
}

TEST(NetNamespaceTest, RejectsNamesThatAreNotPlainNames) {
  for (const char* bad : {"", "..", "../etc", "a/b"}) {
    std::error_code ec;
    NetNamespace ns = NetNamespace::open(bad, ec);
    EXPECT_TRUE(ec) << bad;
    EXPECT_FALSE(ns.is_open());
  }
}

TEST(NetNamespaceTest, AMissingNamespaceIsAnErrorNamingIt) {
  try {
    NetNamespace::open("socklab-no-such-namespace");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("socklab-no-such-namespace"), std::string::npos)
        << e.what();
  }
}

TEST(NetNamespaceTest, CurrentCanBeReenteredWithPrivilege) {
  std::error_code ec;
  NetNamespace home = NetNamespace::current(ec);
  if (ec == std::errc::operation_not_supported) GTEST_SKIP() << "no network namespaces here";
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(home.is_open());
  EXPECT_EQ(home.name(), "current");
  home.enter(ec);
  if (ec) {
    EXPECT_EQ(ec, std::errc::operation_not_permitted) << "setns() without CAP_SYS_ADMIN";
  }
  NetNamespace moved = std::move(home);
  EXPECT_TRUE(moved.is_open());
  EXPECT_FALSE(home.is_open());  // NOLINT(bugprone-use-after-move): moved-from is empty
}

// Topology::run (docs/layer.md): a command of plain words is run as it is, one with
// shell syntax through /bin/sh; either way stdout and stderr come back together, a
// failure throws naming the command and its first line, and the exit status is sh's.
// `cat /proc/self/stat` says whose child it was: ours, not a shell's.
TEST(TopologyRun, PlainWordsRunWithoutAShellShellSyntaxWithOne) {
  lab::Topology net("run-", /*echo=*/false);
  const auto parent_of = [](const std::string& stat) {  // "PID (COMM) STATE PPID ..."
    std::istringstream rest(stat.substr(stat.rfind(')') + 1));
    std::string state, ppid;
    rest >> state >> ppid;
    return ppid;
  };
  std::string ours;
  if (std::ifstream self("/proc/self/stat"); !(self >> ours))
    GTEST_SKIP() << "no /proc/self/stat: Topology runs commands on Linux only";
  std::string direct;
  try {
    direct = net.run("cat /proc/self/stat");
  } catch (const Error& e) {
    if (e.code() == std::errc::operation_not_supported) GTEST_SKIP() << e.what();
    throw;
  }
  EXPECT_EQ(parent_of(direct), ours) << "plain words: no shell between us and cat: " << direct;
  const std::string piped = net.run("cat /proc/self/stat | cat");
  EXPECT_NE(parent_of(piped), ours) << "a pipe needs the shell: " << piped;
  EXPECT_FALSE(parent_of(piped).empty()) << piped;
  EXPECT_EQ(net.run("echo 'a  b'"), "a  b\n") << "quotes are the shell's";
  EXPECT_EQ(net.run("echo a=1  b"), "a=1 b\n");
  try {
    net.run("ls /socklab-no-such-file");
    ADD_FAILURE() << "a command that fails throws";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("failed: ls /socklab-no-such-file (", 0), 0u) << what;
    EXPECT_NE(what.find("socklab-no-such-file", 30), std::string::npos) << "ls's stderr: " << what;
  }
  int status = 0;
  const std::string missing = net.run("socklab-no-such-program --flag", false, &status);
  EXPECT_EQ(status, 127) << "as sh: not found";
  EXPECT_NE(missing.find("socklab-no-such-program"), std::string::npos) << missing;
  (void)net.run("false", false, &status);
  EXPECT_EQ(status, 1);
}

TEST(CaptureOnInterface, AnUnknownInterfaceIsAnError) {
  std::error_code ec;
  Capture c = Capture::on_interface("nosuchif0", 80, ec);
  EXPECT_TRUE(ec);
  EXPECT_FALSE(c.is_open());
  Capture::on_interface("", 80, ec);
  EXPECT_TRUE(ec);
  Capture::on_interface("a-name-much-too-long-for-an-interface", 80, ec);
  EXPECT_TRUE(ec);
}

TEST(PacketTtl, DecodeReadsTtlAndHopLimit) {
  // A minimal IPv4 + TCP SYN, TTL 63 (byte 8), ports 1234 -> 8080.
  std::vector<std::byte> v4(40);
  auto set = [](std::vector<std::byte>& p, std::size_t i, unsigned v) {
    p[i] = static_cast<std::byte>(v);
  };
  set(v4, 0, 0x45);
  set(v4, 3, 40);
  set(v4, 8, 63);
  set(v4, 9, 6);
  set(v4, 12, 10), set(v4, 15, 1), set(v4, 16, 10), set(v4, 19, 2);
  set(v4, 20, 0x04), set(v4, 21, 0xd2), set(v4, 22, 0x1f), set(v4, 23, 0x90);
  set(v4, 32, 0x50), set(v4, 33, 0x02);
  packet::Segment s = packet::decode(v4);
  EXPECT_EQ(s.ttl, 63);
  EXPECT_EQ(s.destination.port(), 8080);
  // The same as IPv6: hop limit is byte 7.
  std::vector<std::byte> v6(60);
  set(v6, 0, 0x60);
  set(v6, 5, 20);
  set(v6, 6, 6);
  set(v6, 7, 17);
  set(v6, 23, 1), set(v6, 39, 2);
  set(v6, 40, 0x04), set(v6, 41, 0xd2), set(v6, 42, 0x1f), set(v6, 43, 0x90);
  set(v6, 52, 0x50), set(v6, 53, 0x02);
  EXPECT_EQ(packet::decode(v6).ttl, 17);
}
