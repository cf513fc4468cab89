// Unit tests of socklab/uring.hpp (io_uring): what the layer does beyond each named
// call (docs/layer.md, "io_uring: the proactor"). Where this build has no io_uring the
// fallback must say where lesson 14 runs; where the kernel refuses it, the tests that
// need a ring skip with the cause.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <set>
#include <string>

#include "socklab/error.hpp"
#include "socklab/socket.hpp"
#include "socklab/uring.hpp"

using namespace socklab;
using namespace std::chrono_literals;

namespace {
// A ring, or the reason there is none (the test skips with it).
std::string open_ring(Uring& ring, unsigned entries) {
  if (!Uring::supported()) return "this build has no io_uring (not Linux, or no liburing-dev)";
  std::error_code ec;
  ring = Uring::queue_init(entries, ec);
  if (ec)
    return "io_uring is refused here (" + ec.message() +
           "): kernel.io_uring_disabled or a container's seccomp profile";
  return {};
}
#define NEED_RING(ring, entries) \
  Uring ring;                    \
  if (std::string why_ = open_ring(ring, entries); !why_.empty()) GTEST_SKIP() << why_
}  // namespace

TEST(UringFallback, SaysNotSupportedOrWorks) {
  std::error_code ec;
  Uring ring = Uring::queue_init(4, ec);
  if (Uring::supported()) {
    if (ec) GTEST_SKIP() << "io_uring refused here: " << ec.message();
    EXPECT_TRUE(ring.is_open());
    EXPECT_NE(ring.native_handle(), Socket::invalid_handle);
    return;
  }
  EXPECT_EQ(ec, std::errc::operation_not_supported);
  EXPECT_FALSE(ring.is_open());
  try {
    (void)Uring::queue_init(4);
    ADD_FAILURE() << "queue_init() must throw without io_uring";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("liburing"), std::string::npos) << e.what();
  }
}

TEST(Uring, NotOpenFailsWithoutACall) {
  Uring ring;
  std::error_code ec;
  ring.prep_timeout(1ms, 1, ec);
  EXPECT_EQ(ec, errc::not_open);
  EXPECT_EQ(ring.submit(ec), 0u);
  EXPECT_EQ(ec, errc::not_open);
  EXPECT_FALSE(ring.wait(0ms, ec));
  EXPECT_EQ(ec, errc::not_open);
  ring.close();  // nothing to close: no call, no error
  EXPECT_EQ(ring.native_handle(), Socket::invalid_handle);
}

TEST(Uring, RefusedSaysWhyAndWhatFixesIt) {
  // What queue_init() throws where io_uring_setup fails with EPERM or ENOSYS.
  for (std::errc e : {std::errc::operation_not_permitted, std::errc::function_not_supported}) {
    const std::string hint = hint_for("io_uring_queue_init(256)", std::make_error_code(e));
    EXPECT_NE(hint.find("kernel.io_uring_disabled"), std::string::npos) << hint;
    EXPECT_NE(hint.find("seccomp"), std::string::npos) << hint;
  }
}

TEST(Uring, AFullSubmissionQueueIsSubmittedFirst) {
  NEED_RING(ring, 2);  // two entries: the third prep_ finds the queue full
  for (std::uint64_t i = 1; i <= 5; ++i) ring.prep_timeout(1ms, i);
  ring.submit();
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 5; ++i) {
    auto done = ring.wait(2s);
    ASSERT_TRUE(done) << "only " << i << " of 5 timeouts completed";
    EXPECT_EQ(done->error(), std::errc::stream_timeout);  // -ETIME: the timeout expired
    seen.insert(done->data);
  }
  EXPECT_EQ(seen, (std::set<std::uint64_t>{1, 2, 3, 4, 5}));
}

TEST(Uring, ATimeoutsTimespecOutlivesTheCall) {
  NEED_RING(ring, 4);
  ring.prep_timeout(30ms, 1);  // the timespec lives in the ring's slot, not on this stack
  std::array<char, 256> scribble{};
  scribble.fill('x');  // (the stack the prep_ call used is reused)
  const auto start = std::chrono::steady_clock::now();
  ring.submit();
  auto done = ring.wait(2s);
  ASSERT_TRUE(done);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  EXPECT_EQ(done->data, 1u);
}

TEST(Uring, WaitTimesOutWithNothingInFlight) {
  NEED_RING(ring, 4);
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  EXPECT_FALSE(ring.wait(50ms, ec));
  EXPECT_FALSE(ec) << "-ETIME is no completion, not an error: " << ec.message();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
}

TEST(Uring, SendIsMsgNoSignal) {
  NEED_RING(ring, 4);
  SocketPair pair = tcp_pair();
  pair.second.close();
  // The peer is gone: the first send may still be taken (then RST comes back), the next
  // one fails with EPIPE — and without MSG_NOSIGNAL, SIGPIPE would end this test program.
  int epipe = 0;
  for (int i = 0; i < 3; ++i) {
    ring.prep_send(pair.first.native_handle(), std::string_view("x"), 9);
    ring.submit();
    auto done = ring.wait(2s);
    ASSERT_TRUE(done);
    if (done->error() == std::errc::broken_pipe || done->error() == std::errc::connection_reset)
      ++epipe;
  }
  EXPECT_GT(epipe, 0) << "a send to a closed peer must fail (and not raise SIGPIPE)";
}

TEST(Uring, SubmitAndWaitIsOneCallAndLeavesTheCompletionsForPeek) {
  NEED_RING(ring, 8);
  EXPECT_FALSE(ring.peek()) << "a new ring has no completion";
  // Three timeouts of 1 ms in one submission: submit_and_wait() returns once at least
  // one is done; peek() then takes whatever is in the queue, without waiting.
  for (std::uint64_t i = 1; i <= 3; ++i) ring.prep_timeout(1ms, i);
  EXPECT_EQ(ring.submit_and_wait(2s), 3u) << "all three prepared requests handed over";
  std::set<std::uint64_t> seen;
  const auto start = std::chrono::steady_clock::now();
  while (seen.size() < 3 && std::chrono::steady_clock::now() - start < 2s) {
    if (auto done = ring.peek()) {
      EXPECT_EQ(done->error(), std::errc::stream_timeout);
      seen.insert(done->data);
    } else {
      ring.submit_and_wait(2s);  // nothing left to hand over: only the wait
    }
  }
  EXPECT_EQ(seen, (std::set<std::uint64_t>{1, 2, 3}));
  EXPECT_FALSE(ring.peek()) << "every completion was taken once";
}

TEST(Uring, SubmitAndWaitTimesOutNoEarlierThanAsked) {
  NEED_RING(ring, 4);
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  EXPECT_EQ(ring.submit_and_wait(50ms, ec), 0u);
  EXPECT_FALSE(ec) << "the time running out is not an error: " << ec.message();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
  EXPECT_FALSE(ring.peek());
  Uring closed;
  EXPECT_EQ(closed.submit_and_wait(0ms, ec), 0u);
  EXPECT_EQ(ec, errc::not_open);
  EXPECT_FALSE(closed.peek());
}
