// Replays a fuzz target's checked-in corpus (tests/fuzz/corpus/NAME/): the seeds
// and every input that once crashed it. Runs in every ordinary build (no libFuzzer
// needed), so `make test`, `make test-asan` ... keep old findings fixed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "fuzz.hpp"

// The test is named after the target: FuzzReplay.address_parse, ...
#define SOCKLAB_REPLAY_TEST(name) TEST(FuzzReplay, name)

SOCKLAB_REPLAY_TEST(SOCKLAB_FUZZ_NAME) {
  const std::filesystem::path dir = SOCKLAB_FUZZ_CORPUS;
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir << " is missing";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    SCOPED_TRACE(entry.path().filename().string());
    std::ifstream in(entry.path(), std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());  // a broken promise aborts
    ++files;
  }
  EXPECT_GT(files, 0) << "no seeds in " << dir;
}
