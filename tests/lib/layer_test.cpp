// The rows of docs/layer.md that say what a member does beyond its named call,
// one test each. Portable code: it runs on Linux, macOS and Windows (under Wine
// in CI); a row that differs per platform asks system::api_name() at run time.
// The POSIX-only rows that need POSIX calls in the test itself are in
// layer_posix_test.cpp.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "socklab/accept_guard.hpp"
#include "socklab/error.hpp"
#include "socklab/fault.hpp"
#include "socklab/io.hpp"
#include "socklab/process.hpp"
#include "socklab/socket.hpp"
#include "socklab/system.hpp"
#include "support/narrate.hpp"
#include "support/programs.hpp"

using namespace socklab;
using namespace std::chrono_literals;

namespace {

bool is_winsock() {
  return system::needs_startup();  // only Winsock has a start-up call
}

// Linux's default for IPV6_V6ONLY, from the sysctl; nullopt where there is none.
std::optional<bool> linux_bindv6only() {
  std::ifstream in("/proc/sys/net/ipv6/bindv6only");
  int value = -1;
  if (!(in >> value)) return std::nullopt;
  return value != 0;
}

}  // namespace

// Socket::open: socket() and nothing else about IPV6_V6ONLY — the system's default stays.
TEST(Layer, OpenLeavesV6OnlyAtTheSystemDefault) {
  std::error_code ec;
  Socket s = Socket::tcp(Family::ipv6, ec);
  if (ec) GTEST_SKIP() << "no IPv6 on this machine: " << ec.message();
  const bool v6only = s.v6_only();
  if (is_winsock()) {
    if (!v6only && !system::emulator().empty())
      GTEST_SKIP() << system::emulator() << " gives IPv6 sockets the host's default (0), "
                   << "not Windows' (1)";
    EXPECT_TRUE(v6only) << "Windows' default is IPV6_V6ONLY=1; the layer must not change it";
  } else if (auto sysctl = linux_bindv6only()) {
    EXPECT_EQ(v6only, *sysctl) << "a new socket must have net.ipv6.bindv6only's value";
  } else {
    GTEST_SKIP() << system::api_name() << " without /proc/sys/net/ipv6/bindv6only: "
                 << "IPV6_V6ONLY=" << v6only << " is this system's default";
  }
  // The getter reads back what the setter set, both ways.
  s.set_v6_only(!v6only);
  EXPECT_EQ(s.v6_only(), !v6only);
  s.set_v6_only(v6only);
  EXPECT_EQ(s.v6_only(), v6only);
}

// set_reuse_address: the error names the option really set on this platform.
TEST(Layer, ReuseAddressErrorsNameTheOptionReallySet) {
  // A handle value no socket has: the setsockopt() itself fails (ENOTSOCK/EBADF,
  // WSAENOTSOCK), after the layer's own checks.
  Socket bogus(static_cast<Socket::native_handle_type>(999999));
  try {
    bogus.set_reuse_address(true);
    ADD_FAILURE() << "setsockopt on a handle that is no socket succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.call(),
              is_winsock() ? "setsockopt(SO_EXCLUSIVEADDRUSE)" : "setsockopt(SO_REUSEADDR)")
        << e.what();
  }
  (void)bogus.release();  // it was never ours to close
}

// Lesson 11's --workers (fork, signals, SO_REUSEPORT) where the platform has none (Windows):
// every call fails with operation_not_supported, makes no call, and the message says so.
TEST(Layer, WorkerProcessesSayWhereTheyAreNotAvailable) {
  if (process::supported())
    GTEST_SKIP() << "this platform has fork() and SO_REUSEPORT: lesson 11's --workers runs "
                    "here (tests/lesson11_workers_test.cpp); this test is for Windows";
  std::error_code ec;
  (void)process::fork(ec);
  EXPECT_EQ(ec, std::errc::operation_not_supported);
  Socket s = Socket::tcp();
  s.set_reuse_port(true, ec);
  EXPECT_EQ(ec, std::errc::operation_not_supported);
  try {
    s.set_reuse_port(true);
    ADD_FAILURE() << "set_reuse_port succeeded where there is no SO_REUSEPORT";
  } catch (const Error& e) {
    EXPECT_EQ(e.call(), "setsockopt(SO_REUSEPORT)");
    EXPECT_NE(std::string(e.what()).find("not available on this platform"), std::string::npos)
        << e.what();
  }
}

// The throwing forms build their message with getpeername()/getsockname(); the
// call's own error is what last_socket_error() reports afterwards.
namespace {
// Whether a thread's last socket error outlives a throw and catch of any exception
// (errno does; Windows' last error is reset by the exception machinery). Probed with
// an error the layer itself leaves behind: bind() to a port that is taken.
bool last_error_survives_a_throw() {
  Socket taken = Socket::tcp();
  taken.bind(Address::parse("127.0.0.1:0"));
  taken.listen(1);
  Socket s = Socket::tcp();
  std::error_code ec;
  s.bind(taken.local_address(), ec);
  if (!ec) return true;  // (cannot tell: do not skip)
  const std::error_code before = last_socket_error();
  try {
    throw std::runtime_error("probe");
  } catch (const std::exception&) {
    return last_socket_error() == before;
  }
}
}  // namespace

TEST(Layer, LastSocketErrorIsTheCallsErrorAfterAThrowingForm) {
  const bool survives = last_error_survives_a_throw();  // before: the probe sets an error
  auto [a, b] = tcp_pair();
  (void)a.send("unread");
  std::array<char, 1> one;
  b.set_recv_timeout(5s);
  ASSERT_EQ(b.recv(std::span<char>(one)).bytes, 1u);  // the rest waits, unread, in b's queue
  b.close();  // closing with unread data answers with RST (RFC 2525 2.17)
  try {
    (void)a.send("after the reset");
    ADD_FAILURE() << "send() after a reset succeeded";
  } catch (const Error& e) {
    // The message's getpeername() fails on a reset connection (ENOTCONN): that
    // must not become what last_socket_error() reports.
    EXPECT_EQ(e.code(), std::errc::connection_reset) << e.what();
    if (!survives)
      GTEST_SKIP() << "e.code() is right; last_socket_error() cannot be: on this platform "
                      "throw/catch itself resets the thread's last error (mingw-w64: "
                      "WSAGetLastError() is 0 in a catch; docs/layer.md, Errors)";
    EXPECT_EQ(last_socket_error(), e.code())
        << "last_socket_error() says " << last_socket_error().message();
  }
}

// recv on POSIX: EAGAIN from SO_RCVTIMEO is reported as timed_out, with errno to match.
TEST(Layer, ReceiveTimeoutIsTimedOutAndLastSocketErrorAgrees) {
  auto [a, b] = tcp_pair();
  b.set_recv_timeout(50ms);
  std::array<char, 16> buf;
  std::error_code ec;
  (void)b.recv(buf, ec);
  EXPECT_EQ(ec, std::errc::timed_out) << ec.message();
  EXPECT_FALSE(is_would_block(ec)) << "a blocking socket's timeout is not 'would block'";
  EXPECT_EQ(last_socket_error(), ec) << last_socket_error().message();
  // The same socket, non-blocking: the same EAGAIN now means "would block".
  b.set_non_blocking(true);
  (void)b.recv(buf, ec);
  EXPECT_TRUE(is_would_block(ec)) << ec.message();
}

// The blocking mode is remembered (docs/layer.md): a socket the layer made knows it,
// and so does a handle adopted with Socket(h), whose first EAGAIN asks the kernel once.
// Either way a blocking socket's EAGAIN is the timeout, a non-blocking one's "would block",
// and a mode set again with set_non_blocking() is the one that counts.
TEST(Layer, AnAdoptedHandleTellsTheTimeoutFromWouldBlock) {
  std::array<char, 16> buf;
  std::error_code ec;
  auto [a, b] = tcp_pair();
  b.set_recv_timeout(50ms);
  Socket blocking(b.release());  // adopted: its mode is not known yet
  (void)blocking.recv(buf, ec);
  EXPECT_EQ(ec, std::errc::timed_out) << ec.message();
  (void)blocking.recv(buf, ec);  // now known: the same answer
  EXPECT_EQ(ec, std::errc::timed_out) << ec.message();

  auto [c, d] = tcp_pair();
  d.set_non_blocking(true);
  Socket non_blocking(d.release());
  (void)non_blocking.recv(buf, ec);
  EXPECT_TRUE(is_would_block(ec)) << ec.message();
  non_blocking.set_non_blocking(false);
  non_blocking.set_recv_timeout(50ms);
  (void)non_blocking.recv(buf, ec);
  EXPECT_EQ(ec, std::errc::timed_out)
      << "set_non_blocking(false) was not remembered: " << ec.message();

  Socket moved = std::move(non_blocking);  // a move carries the mode with the handle
  moved.set_non_blocking(true);
  (void)moved.recv(buf, ec);
  EXPECT_TRUE(is_would_block(ec)) << ec.message();
}

// "Would block" has one spelling: the kernel's and fault injection's agree.
TEST(Layer, WouldBlockIsOneConditionForKernelAndFaultInjection) {
  auto [a, b] = tcp_pair();
  b.set_non_blocking(true);
  std::array<char, 16> buf;
  std::error_code kernel;
  (void)b.recv(buf, kernel);
  ASSERT_TRUE(is_would_block(kernel)) << kernel.message();
  EXPECT_EQ(kernel, std::errc::operation_would_block) << "the spelling a student writes";

  fault::Scope faults(fault::parse("eagain@1:recv"));
  std::error_code injected;
  (void)b.recv(buf, injected);
  EXPECT_TRUE(is_would_block(injected)) << injected.message();
  EXPECT_EQ(injected, std::errc::operation_would_block);
  // And a student reads the same line (Error's text is the layer's own, per condition).
  EXPECT_EQ(std::string(Error(injected, "recv").what()), Error(kernel, "recv").what());
}

// connect on Windows: WSAEWOULDBLOCK is reported as EINPROGRESS, and last_socket_error agrees.
TEST(Layer, NonBlockingConnectIsInProgressEverywhere) {
  Socket server = Socket::tcp();
  server.bind(Address::loopback(Family::ipv4, 0));
  server.listen(1);
  Socket c = Socket::tcp();
  c.set_non_blocking(true);
  std::error_code ec;
  c.connect(server.local_address(), ec);
  if (!ec) GTEST_SKIP() << "connect() completed at once on loopback: nothing to check";
  EXPECT_EQ(ec, std::errc::operation_in_progress) << ec.message();
  EXPECT_FALSE(is_would_block(ec));
  EXPECT_EQ(last_socket_error(), ec) << last_socket_error().message();
}

// Socket::open / accept: close-on-exec (POSIX) / not inheritable (Windows): a
// program we start gets none of our sockets.
TEST(Layer, StartedProgramsInheritNoSocket) {
  Socket server = Socket::tcp();
  server.bind(Address::loopback(Family::ipv4, 0));
  server.listen(64);
  std::vector<Socket> held;
  for (int i = 0; i < 16; ++i) {
    held.push_back(Socket::tcp());
    held.back().connect(server.local_address());
    held.push_back(server.accept().socket);  // accepted sockets too
  }
  test::Program child = test::Program::start("echo_server", {"--port", "0"});
  ASSERT_NE(child.listening_address().port(), 0) << child.stderr_text();
  std::optional<int> open = child.open_descriptors();
  if (!open) GTEST_SKIP() << "this system can't list another process's descriptors";
  test::narrate("  we hold " + std::to_string(held.size() + 1) + " sockets; echo_server has " +
                std::to_string(*open) + " descriptors open");
  EXPECT_LT(*open, 16) << "the child inherited our sockets";
  child.stop();
}

// is_listening(): getsockopt(SO_ACCEPTCONN) and nothing else. It is how a server
// knows, before it prints "listening on …", that listen() really ran (cli::say_listening).
TEST(Layer, IsListeningOnlyAfterListen) {
  Socket server = Socket::tcp();
  EXPECT_FALSE(server.is_listening()) << "a new socket is not listening";
  server.bind(Address::parse("127.0.0.1:0"));
  EXPECT_FALSE(server.is_listening()) << "bind() alone must not make a socket listen";
  server.listen(1);
  EXPECT_TRUE(server.is_listening()) << "after listen() SO_ACCEPTCONN must be 1";

  // A connected TCP socket is not listening either.
  SocketPair pair = tcp_pair();
  EXPECT_FALSE(pair.first.is_listening());

  // UDP: Linux answers 0; Winsock may refuse the option on a datagram socket.
  Socket udp = Socket::udp();
  udp.bind(Address::parse("127.0.0.1:0"));
  std::error_code ec;
  const bool listening = udp.is_listening(ec);
  EXPECT_FALSE(listening) << "a UDP socket never listens";
  if (ec) {
    EXPECT_EQ(ec, std::errc::no_protocol_option) << ec.message();
    EXPECT_TRUE(is_winsock()) << "only Winsock may refuse SO_ACCEPTCONN on UDP: " << ec.message();
  }

  // A closed Socket: the error form says so instead of answering.
  Socket closed;
  EXPECT_FALSE(closed.is_listening(ec));
  EXPECT_TRUE(ec) << "is_listening() on a Socket that owns nothing must fail";
}

// accept(2), "Error handling": a client that failed in the queue makes accept() report
// ITS error; AcceptGuard passes over those and leaves the listener's own to the caller.
TEST(Layer, AcceptGuardPassesOverAClientsErrorsNotTheListeners) {
  using E = std::errc;
  for (E e : {E::connection_aborted, E::protocol_error, E::operation_not_permitted, E::network_down,
              E::no_protocol_option, E::host_unreachable, E::operation_not_supported,
              E::network_unreachable, E::connection_reset})
    EXPECT_TRUE(is_client_accept_error(std::make_error_code(e)))
        << std::make_error_code(e).message();
  for (E e : {E::operation_would_block, E::timed_out, E::too_many_files_open,
              E::too_many_files_open_in_system, E::no_buffer_space, E::not_enough_memory,
              E::bad_file_descriptor, E::invalid_argument, E::not_a_socket, E::bad_address})
    EXPECT_FALSE(is_client_accept_error(std::make_error_code(e)))
        << std::make_error_code(e).message();
  EXPECT_FALSE(is_client_accept_error(std::error_code{}));
}
