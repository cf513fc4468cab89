// fuzz.hpp — what every fuzz target shares.
//
// A target is one function, LLVMFuzzerTestOneInput(data, size), that feeds the
// bytes to one parser and checks what the parser promises. libFuzzer calls it
// with millions of generated inputs (make fuzz); replay_test.cpp calls it with
// every file of the target's checked-in corpus (tests/fuzz/corpus/NAME/) in the
// ordinary test suite, so a crash once found stays fixed.
//
// A broken promise calls FUZZ_CHECK, which aborts: libFuzzer saves the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace socklab::fuzz {

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace socklab::fuzz
