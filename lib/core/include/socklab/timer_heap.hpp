// socklab/timer_heap.hpp — deadlines for an event loop (lesson 11), in a min-heap.
//
// An event loop may wait in only one place (epoll_wait, poll), so its timers must
// tell that one wait how long it may sleep: until the earliest deadline. A binary
// min-heap gives the earliest in O(1) and adds or removes one in O(log n):
//
//   timers.push(now + idle_timeout, id);                 // one per connection
//   ep.wait(events, timers.timeout(Clock::now()));       // sleeps until the first is due
//   while (auto id = timers.pop_expired(Clock::now())) { ... close or re-push ... }
//
// It never cancels: an entry whose connection is gone (or whose deadline moved) is
// recognised when it comes out — give each connection a fresh `id` (a serial number,
// never a reused descriptor) and check it then. That keeps push() and pop() at
// O(log n) with one entry per connection. No system calls: portable.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace socklab {

class TimerHeap {
 public:
  using Clock = std::chrono::steady_clock;

  /// Adds a deadline carrying `id`.
  void push(Clock::time_point when, std::uint64_t id);
  /// The id of the earliest deadline if it is due at `now` (removing it), else nullopt.
  std::optional<std::uint64_t> pop_expired(Clock::time_point now);
  /// How long a wait may sleep: until the earliest deadline, rounded UP to whole
  /// milliseconds (rounding down would wake early and spin); -1 ms = no deadline.
  std::chrono::milliseconds timeout(Clock::time_point now) const;

  std::size_t size() const noexcept { return heap_.size(); }
  bool empty() const noexcept { return heap_.empty(); }

 private:
  struct Entry {
    Clock::time_point when;
    std::uint64_t id;
  };
  std::vector<Entry> heap_;  // heap_[0] is the earliest; children of i: 2i+1, 2i+2
};

}  // namespace socklab
