// timer_heap.cpp — the min-heap of socklab/timer_heap.hpp, with std::push_heap /
// std::pop_heap (a max-heap by the comparison, so the comparison is "later than").
#include "socklab/timer_heap.hpp"

#include <algorithm>

namespace socklab {

namespace {
template <typename E>
bool later(const E& a, const E& b) {
  return a.when > b.when;
}
}  // namespace

void TimerHeap::push(Clock::time_point when, std::uint64_t id) {
  heap_.push_back({when, id});
  std::push_heap(heap_.begin(), heap_.end(), later<Entry>);
}

std::optional<std::uint64_t> TimerHeap::pop_expired(Clock::time_point now) {
  if (heap_.empty() || heap_.front().when > now) return std::nullopt;
  std::pop_heap(heap_.begin(), heap_.end(), later<Entry>);
  std::uint64_t id = heap_.back().id;
  heap_.pop_back();
  return id;
}

std::chrono::milliseconds TimerHeap::timeout(Clock::time_point now) const {
  if (heap_.empty()) return std::chrono::milliseconds(-1);
  if (heap_.front().when <= now) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(heap_.front().when - now);
}

}  // namespace socklab
