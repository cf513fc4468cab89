// What must hold on Winsock exactly as on POSIX: the errors a student meets map to
// the same std::errc and read the same, the start-up failure is reported, and an
// IPv6 listener is dual-stack when it asks for it (the layer leaves IPV6_V6ONLY
// at the system's default: on Windows v6-only; docs/layer.md).
// Portable code: it runs on Linux, macOS and Windows (and under Wine in CI).
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>

#include "socklab/error.hpp"
#include "socklab/socket.hpp"
#include "socklab/system.hpp"

using namespace socklab;
using namespace std::chrono_literals;

namespace {

// A loopback port that nobody listens on: bind one, note it, close it.
Address closed_port() {
  Socket s = Socket::tcp();
  s.bind(Address::loopback(Family::ipv4, 0));
  return s.local_address();
}

// Checks the three faces of one error: the condition, the category, the text.
void expect_portable(const std::error_code& ec, std::errc condition, const std::string& text) {
  EXPECT_EQ(ec, condition) << "got " << ec.category().name() << ":" << ec.value() << " "
                           << ec.message() << " on " << system::api_name();
  EXPECT_EQ(ec.category(), socket_category());
  EXPECT_EQ(ec.message(), text);
}

}  // namespace

TEST(Winsock, RefusedIsConnectionRefused) {
  Socket s = Socket::tcp();
  std::error_code ec;
  s.connect(closed_port(), ec);
  expect_portable(ec, std::errc::connection_refused, "Connection refused");
}

TEST(Winsock, ResetIsConnectionReset) {
  auto [a, b] = tcp_pair();
  (void)a.send("unread");
  // Take one byte, so the rest is known to wait, unread, in b's receive queue.
  std::array<char, 1> one;
  b.set_recv_timeout(5s);
  ASSERT_EQ(b.recv(std::span<char>(one)).bytes, 1u);
  b.close();  // closing with unread data answers with RST on every TCP stack (RFC 2525 2.17)
  // The next send() meets the reset. (recv() would too, but Wine 8 reports that
  // reset to recv() as EOF; send() reads the same on Linux, Windows and Wine.)
  std::error_code ec;
  (void)a.send("after the reset", ec);
  expect_portable(ec, std::errc::connection_reset, "Connection reset by peer");
}

TEST(Winsock, AddressInUseEvenWithReuseAddress) {
  // SO_REUSEADDR means "rebind despite TIME_WAIT" on POSIX, but "share a port in
  // use" on Windows: the layer gives set_reuse_address(true) the POSIX meaning.
  Socket first = Socket::tcp();
  first.set_reuse_address(true);
  first.bind(Address::loopback(Family::ipv4, 0));
  first.listen(1);
  Socket second = Socket::tcp();
  second.set_reuse_address(true);
  std::error_code ec;
  second.bind(first.local_address(), ec);
  expect_portable(ec, std::errc::address_in_use, "Address already in use");
}

TEST(Winsock, WouldBlockAndInProgressOnNonBlockingSockets) {
  auto [a, b] = tcp_pair();
  b.set_non_blocking(true);
  std::array<char, 16> buf;
  std::error_code ec;
  (void)b.recv(buf, ec);  // nothing was sent: the call would have to wait
  expect_portable(ec, std::errc::operation_would_block, "Operation would block");

  Socket server = Socket::tcp();
  server.bind(Address::loopback(Family::ipv4, 0));
  server.listen(1);
  Socket c = Socket::tcp();
  c.set_non_blocking(true);
  c.connect(server.local_address(), ec);
  // Windows says WSAEWOULDBLOCK here, POSIX EINPROGRESS: the layer reports the latter.
  if (ec) expect_portable(ec, std::errc::operation_in_progress, "Operation now in progress");
}

TEST(Winsock, ReceiveTimeoutIsTimedOut) {
  auto [a, b] = tcp_pair();
  b.set_recv_timeout(100ms);  // a DWORD of milliseconds on Windows, a timeval on POSIX
  std::array<char, 16> buf;
  std::error_code ec;
  auto start = std::chrono::steady_clock::now();
  (void)b.recv(buf, ec);
  auto waited = std::chrono::steady_clock::now() - start;
  expect_portable(ec, std::errc::timed_out, "Connection timed out");
  EXPECT_GE(waited, 80ms);
  EXPECT_LT(waited, 5s);
}

TEST(Winsock, UnknownHostIsHostNotFound) {
  std::error_code ec;
  // RFC 6761: names under .invalid never resolve.
  auto found =
      Address::resolve("no-such-host.invalid", "80", Family::unspecified, Type::stream, ec);
  EXPECT_TRUE(found.empty());
  if (ec == resolve_errc::try_again) GTEST_SKIP() << "no name server reachable: " << ec.message();
  EXPECT_EQ(ec, resolve_errc::host_not_found) << ec.category().name() << ":" << ec.message();
  EXPECT_EQ(ec.category(), resolve_category());
  EXPECT_EQ(ec.message(), "Name or service not known");
}

TEST(Winsock, StartupAsksForVersion22AndSucceeds) {
  std::error_code ec;
  system::try_startup(2, 2, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_NO_THROW(initialize());
}

TEST(Winsock, StartupFailureIsReportedNotIgnored) {
  if (!system::needs_startup())
    GTEST_SKIP() << system::api_name() << " has no start-up call (WSAStartup) that could fail";
  // A version below 1.0 does not exist: WSAStartup itself fails.
  std::error_code ec;
  system::try_startup(0, 0, ec);
  ASSERT_TRUE(ec);
  EXPECT_EQ(ec.category(), socket_category());
  EXPECT_NE(ec.message().find("WSAVERNOTSUPPORTED"), std::string::npos) << ec.message();
  // 3.0 does not exist either: WSAStartup grants 2.2, which is not what was asked.
  system::try_startup(3, 0, ec);
  EXPECT_NE(ec.message().find("WSAVERNOTSUPPORTED"), std::string::npos) << ec.message();
  try {
    system::try_startup(0, 0);
    FAIL() << "the throwing form did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.call(), "WSAStartup");
    EXPECT_EQ(std::string(e.what()).rfind("WSAStartup(version 0.0): ", 0), 0u) << e.what();
  }
  // The failed attempts leave the layer's own start-up (2.2) working.
  EXPECT_NO_THROW(Socket::tcp().bind(Address::loopback(Family::ipv4, 0)));
}

TEST(Winsock, Ipv6ListenerIsDualStackWhenV6OnlyIsOff) {
  std::error_code ec;
  Socket dual = Socket::tcp(Family::ipv6, ec);
  // IPV6_V6ONLY off, set by the program (Windows defaults to on, Linux to off):
  // IPv4 clients reach an IPv6 listener, and show up as IPv4-mapped addresses.
  if (!ec) dual.set_v6_only(false, ec);
  if (!ec) dual.bind(Address::any(Family::ipv6, 0), ec);
  if (ec) GTEST_SKIP() << "no IPv6 on this machine: " << ec.message();
  dual.listen(1);
  Socket v4 = Socket::tcp(Family::ipv4);
  v4.connect(Address::loopback(Family::ipv4, dual.local_address().port()), ec);
  ASSERT_FALSE(ec) << "an IPv4 client could not reach [::]:" << dual.local_address().port() << ": "
                   << ec.message();
  Accepted a = dual.accept();
  EXPECT_EQ(a.peer.family(), Family::ipv6);
  EXPECT_EQ(a.peer.ip(), "::ffff:127.0.0.1");

  Socket only = Socket::tcp(Family::ipv6);
  only.set_v6_only(true);
  only.bind(Address::any(Family::ipv6, 0));
  only.listen(1);
  Socket refused = Socket::tcp(Family::ipv4);
  refused.connect(Address::loopback(Family::ipv4, only.local_address().port()), ec);
  EXPECT_EQ(ec, std::errc::connection_refused) << "a v6-only listener took an IPv4 client";
}
