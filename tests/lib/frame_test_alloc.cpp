// frame_test_alloc.cpp — the global operator new of lib_frame_test, which
// remembers the largest single allocation (see frame_test.cpp). In a file of its
// own so that the compiler never inlines it next to a new-expression.
#include <atomic>
#include <cstdlib>
#include <new>

std::atomic<std::size_t> largest_allocation{0};

void* operator new(std::size_t size) {
  std::size_t seen = largest_allocation.load(std::memory_order_relaxed);
  while (size > seen && !largest_allocation.compare_exchange_weak(seen, size)) {
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void operator delete(void* p) noexcept {
  std::free(p);
}

void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
