// Unit tests of socklab/epoll.hpp (epoll, eventfd) and socklab/timer_heap.hpp.
// Off Linux the epoll tests skip: the fallback must say "not supported".
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>

#include "socklab/epoll.hpp"
#include "socklab/error.hpp"
#include "socklab/socket.hpp"
#include "socklab/timer_heap.hpp"

using namespace socklab;
using namespace std::chrono_literals;

#define SKIP_WITHOUT_EPOLL()                                                        \
  if (!Epoll::supported())                                                          \
  GTEST_SKIP() << "epoll is Linux's; run on Linux, in WSL2 or a Linux VM (this is " \
                  "the fallback that reports operation_not_supported)"

TEST(EpollFallback, SaysNotSupportedOrWorks) {
  std::error_code ec;
  Epoll ep = Epoll::create1(ec);
  if (Epoll::supported()) {
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(ep.is_open());
  } else {
    EXPECT_EQ(ec, std::errc::operation_not_supported);
    try {
      (void)Epoll::create1();
      ADD_FAILURE() << "create1() must throw off Linux";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("WSL2"), std::string::npos) << e.what();
    }
  }
}

TEST(Epoll, EventBits) {
  EpollEvents e = EpollEvents::in | EpollEvents::et;
  EXPECT_TRUE(has(e, EpollEvents::in));
  EXPECT_FALSE(has(e, EpollEvents::out));
  e |= EpollEvents::out;
  EXPECT_TRUE(has(e, EpollEvents::out | EpollEvents::hup));
}

TEST(Epoll, WaitTimesOutWithNothingReady) {
  SKIP_WITHOUT_EPOLL();
  Epoll ep = Epoll::create1();
  SocketPair pair = tcp_pair();
  ep.add(pair.first.native_handle(), EpollEvents::in, 7);
  std::array<EpollEvent, 4> evs{};
  EXPECT_EQ(ep.wait(evs, 0ms), 0u);
}

TEST(Epoll, ReturnsTheDataGivenToAdd) {
  SKIP_WITHOUT_EPOLL();
  Epoll ep = Epoll::create1();
  SocketPair pair = tcp_pair();
  ep.add(pair.first.native_handle(), EpollEvents::in, 0xfeedbeefcafeULL);
  (void)pair.second.send("x");
  std::array<EpollEvent, 4> evs{};
  ASSERT_EQ(ep.wait(evs, 2000ms), 1u);
  EXPECT_EQ(evs[0].data, 0xfeedbeefcafeULL);
  EXPECT_TRUE(has(evs[0].events, EpollEvents::in));
  EXPECT_FALSE(has(evs[0].events, EpollEvents::out)) << "not asked for";
}

TEST(Epoll, LevelTriggeredRepeatsEdgeTriggeredDoesNot) {
  SKIP_WITHOUT_EPOLL();
  Epoll lt = Epoll::create1(), et = Epoll::create1();
  SocketPair pair = tcp_pair();
  lt.add(pair.first.native_handle(), EpollEvents::in, 1);
  et.add(pair.first.native_handle(), EpollEvents::in | EpollEvents::et, 1);
  (void)pair.second.send("hello");
  std::array<EpollEvent, 4> evs{};
  ASSERT_EQ(lt.wait(evs, 2000ms), 1u);
  EXPECT_EQ(lt.wait(evs, 0ms), 1u) << "LT: still unread, so reported again";
  ASSERT_EQ(et.wait(evs, 2000ms), 1u);
  EXPECT_EQ(et.wait(evs, 0ms), 0u) << "ET: nothing new arrived, so nothing reported";
  // modify() re-arms: the kernel looks at the socket again and sees the unread bytes.
  et.modify(pair.first.native_handle(), EpollEvents::in | EpollEvents::et, 2);
  ASSERT_EQ(et.wait(evs, 0ms), 1u);
  EXPECT_EQ(evs[0].data, 2u);
}

TEST(Epoll, PeerCloseShowsAsRdhup) {
  SKIP_WITHOUT_EPOLL();
  Epoll ep = Epoll::create1();
  SocketPair pair = tcp_pair();
  ep.add(pair.first.native_handle(), EpollEvents::in | EpollEvents::rdhup, 1);
  pair.second.shutdown(Shutdown::write);
  std::array<EpollEvent, 4> evs{};
  ASSERT_EQ(ep.wait(evs, 2000ms), 1u);
  EXPECT_TRUE(has(evs[0].events, EpollEvents::rdhup));
  EXPECT_TRUE(has(evs[0].events, EpollEvents::in)) << "recv() returns 0 now: EOF";
}

TEST(Epoll, RemoveAndErrors) {
  SKIP_WITHOUT_EPOLL();
  Epoll ep = Epoll::create1();
  SocketPair pair = tcp_pair();
  std::error_code ec;
  ep.remove(pair.first.native_handle(), ec);
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory) << "ENOENT: not in the interest list";
  ep.add(pair.first.native_handle(), EpollEvents::in, 1);
  ep.add(pair.first.native_handle(), EpollEvents::in, 1, ec);
  EXPECT_EQ(ec, std::errc::file_exists) << "EEXIST: added twice";
  ep.remove(pair.first.native_handle());
  (void)pair.second.send("x");
  std::array<EpollEvent, 4> evs{};
  EXPECT_EQ(ep.wait(evs, 0ms), 0u) << "removed: not reported";
  EXPECT_THROW(ep.modify(pair.first.native_handle(), EpollEvents::in, 1), Error);
  ep.close();
  ep.add(pair.first.native_handle(), EpollEvents::in, 1, ec);
  EXPECT_EQ(ec, errc::not_open);
}

TEST(EventFd, WakesAnEpollWait) {
  SKIP_WITHOUT_EPOLL();
  Epoll ep = Epoll::create1();
  EventFd wake = EventFd::create();
  ep.add(wake.native_handle(), EpollEvents::in, 42);
  std::array<EpollEvent, 4> evs{};
  EXPECT_EQ(ep.wait(evs, 0ms), 0u);
  EXPECT_EQ(wake.read(), 0u) << "a zero counter reads as 0 (EAGAIN), not an error";
  wake.write(1);
  wake.write(2);
  ASSERT_EQ(ep.wait(evs, 2000ms), 1u);
  EXPECT_EQ(evs[0].data, 42u);
  EXPECT_EQ(wake.read(), 3u) << "the writes add up; read() takes the sum and resets it";
  EXPECT_EQ(ep.wait(evs, 0ms), 0u);
}

TEST(TimerHeap, EarliestFirstAndTimeoutRoundsUp) {
  using Clock = TimerHeap::Clock;
  TimerHeap t;
  auto now = Clock::now();
  EXPECT_EQ(t.timeout(now), -1ms) << "no deadline: wait forever";
  t.push(now + 30ms, 3);
  t.push(now + 10ms, 1);
  t.push(now + 20ms, 2);
  t.push(now + 10ms + 100us, 4);
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.timeout(now), 10ms);
  EXPECT_EQ(t.timeout(now + 10ms - 1us), 1ms) << "rounded up: never wake before it is due";
  EXPECT_FALSE(t.pop_expired(now + 9ms));
  EXPECT_EQ(t.pop_expired(now + 10ms), 1u);
  EXPECT_EQ(t.timeout(now + 10ms), 1ms);
  EXPECT_EQ(t.pop_expired(now + 25ms), 4u);
  EXPECT_EQ(t.pop_expired(now + 25ms), 2u);
  EXPECT_FALSE(t.pop_expired(now + 25ms));
  EXPECT_EQ(t.timeout(now + 40ms), 0ms) << "overdue: do not sleep";
  EXPECT_EQ(t.pop_expired(now + 40ms), 3u);
  EXPECT_TRUE(t.empty());
}
