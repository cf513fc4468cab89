// Unit tests of socklab/poll.hpp (poll, select, the open-file limit) and
// socklab/naive.hpp (lesson 09's send without the SIGPIPE guard).
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "socklab/error.hpp"
#include "socklab/naive.hpp"
#include "socklab/poll.hpp"
#include "socklab/socket.hpp"
#include "socklab/system.hpp"

using namespace socklab;
using namespace std::chrono_literals;

TEST(Events, BitOperations) {
  Events e = Events::in | Events::error;
  EXPECT_TRUE(has(e, Events::in));
  EXPECT_TRUE(has(e, Events::out | Events::error));
  EXPECT_FALSE(has(e, Events::out));
  e |= Events::out;
  EXPECT_TRUE(has(e, Events::out));
  EXPECT_EQ(e & Events::hangup, Events::none);
}

TEST(Poll, TimeoutReturnsZeroAndClearsRevents) {
  SocketPair pair = tcp_pair();
  std::array<PollFd, 1> fds{PollFd{pair.first.native_handle(), Events::in, Events::out}};
  EXPECT_EQ(poll(fds, 0ms), 0u);
  EXPECT_EQ(fds[0].revents, Events::none) << "poll() must overwrite revents";
}

TEST(Poll, ReportsInAndOut) {
  SocketPair pair = tcp_pair();
  (void)pair.second.send("x");
  std::array<PollFd, 2> fds{PollFd{pair.first.native_handle(), Events::in | Events::out},
                            PollFd{pair.second.native_handle(), Events::in}};
  EXPECT_EQ(poll(fds, 5s), 1u);
  EXPECT_TRUE(has(fds[0].revents, Events::in));
  EXPECT_TRUE(has(fds[0].revents, Events::out));
  EXPECT_EQ(fds[1].revents, Events::none);
}

TEST(Poll, InvalidHandleEntriesAreSkipped) {
  SocketPair pair = tcp_pair();
  (void)pair.second.send("x");
  std::array<PollFd, 2> fds{PollFd{Socket::invalid_handle, Events::in},
                            PollFd{pair.first.native_handle(), Events::in}};
  EXPECT_EQ(poll(fds, 5s), 1u);
  EXPECT_EQ(fds[0].revents, Events::none);
  EXPECT_TRUE(has(fds[1].revents, Events::in));
}

TEST(Poll, OnlyInvalidEntriesWaitForTheTimeout) {
  // poll(2) with every fd negative just sleeps; WSAPoll would fail with WSAEINVAL.
  std::array<PollFd, 2> fds{PollFd{Socket::invalid_handle, Events::in},
                            PollFd{Socket::invalid_handle, Events::out}};
  auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  EXPECT_EQ(poll(fds, 30ms, ec), 0u);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 25ms);
  EXPECT_EQ(fds[0].revents, Events::none);
  EXPECT_EQ(fds[1].revents, Events::none);
}

TEST(Poll, PeerCloseIsReadableAndRecvSaysEof) {
  // Linux reports the FIN as POLLIN, Windows as POLLHUP alone: both come out as `in`.
  SocketPair pair = tcp_pair();
  pair.second.close();  // FIN
  std::array<PollFd, 1> fds{PollFd{pair.first.native_handle(), Events::in}};
  EXPECT_EQ(poll(fds, 5s), 1u);
  EXPECT_TRUE(has(fds[0].revents, Events::in));
  EXPECT_FALSE(has(fds[0].revents, Events::error)) << "a FIN is no error";
  std::array<char, 4> buf;
  EXPECT_TRUE(pair.first.recv(buf).eof);
}

TEST(Poll, HangupAndErrorAfterReset) {
  SocketPair pair = tcp_pair();
  pair.second.set_linger(0s);
  pair.second.close();  // RST
  std::array<PollFd, 1> fds{PollFd{pair.first.native_handle(), Events::none}};
  EXPECT_EQ(poll(fds, 5s), 1u) << "errors and hangups are reported even when not asked for";
  EXPECT_TRUE(has(fds[0].revents, Events::hangup | Events::error));
  EXPECT_FALSE(has(fds[0].revents, Events::in)) << "in was not asked for";
  if (std::string wine = system::emulator(); !wine.empty())
    GTEST_SKIP() << wine << " reports the reset neither in SO_ERROR nor to recv() (which "
                 << "says EOF); Windows and POSIX: connection_reset";
  // Which error: POSIX keeps it in SO_ERROR; Windows hands it to the next recv().
  std::error_code ec = pair.first.pending_error();
  if (!ec) {
    std::array<char, 4> buf;
    (void)pair.first.recv(buf, ec);
  }
  EXPECT_EQ(ec, std::errc::connection_reset) << ec.message();
}

TEST(Poll, WaitsForTheTimeout) {
  SocketPair pair = tcp_pair();
  std::array<PollFd, 1> fds{PollFd{pair.first.native_handle(), Events::in}};
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(poll(fds, 30ms), 0u);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 25ms);
}

TEST(Select, ReturnsOnlyTheReadyHandles) {
  SocketPair a = tcp_pair(), b = tcp_pair();
  (void)b.first.send("x");
  std::vector<Socket::native_handle_type> read{a.second.native_handle(), b.second.native_handle()};
  Selected s = select(read, {}, 5s);
  ASSERT_EQ(s.readable.size(), 1u);
  EXPECT_EQ(s.readable[0], b.second.native_handle());
  EXPECT_TRUE(s.writable.empty());
}

TEST(Select, TimeoutGivesEmptyLists) {
  SocketPair a = tcp_pair();
  std::vector<Socket::native_handle_type> read{a.second.native_handle()};
  Selected s = select(read, {}, 0ms);
  EXPECT_TRUE(s.readable.empty());
  EXPECT_TRUE(s.writable.empty());
}

TEST(Select, TooManyHandlesIsAnErrorNamingTheLimit) {
  // As many handles as FD_SETSIZE + 1 (the same one repeated is enough to exceed a
  // count limit; on POSIX a value limit is hit by a number >= FD_SETSIZE).
  std::vector<Socket::native_handle_type> read(select_limit() + 1, Socket::invalid_handle - 1);
  std::error_code ec;
  select(read, {}, 0ms, ec);
  EXPECT_EQ(ec, std::errc::invalid_argument);
  try {
    select(read, {}, 0ms);
    ADD_FAILURE() << "select() should throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("FD_SETSIZE"), std::string::npos) << e.what();
  }
}

TEST(OpenFileLimit, RaiseNeverLowers) {
  std::size_t now = open_file_limit();
  EXPECT_GT(now, 0u);
  EXPECT_EQ(raise_open_file_limit(1), now) << "asking for less than we have changes nothing";
  EXPECT_GE(raise_open_file_limit(now + 1), now);
}

TEST(Naive, SendWorksOnAHealthyConnection) {
  SocketPair pair = tcp_pair();
  EXPECT_EQ(naive::send(pair.first, "hi"), 2u);
  std::array<char, 2> buf;
  EXPECT_EQ(pair.second.recv(buf).bytes, 2u);
  Socket closed;
  std::error_code ec;
  naive::send(closed, "x", ec);
  EXPECT_EQ(ec, errc::not_open);
}
