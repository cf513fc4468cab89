// Fuzz target: cli::Parser, the command line of every lesson program.
// The input is split at NUL bytes into argv. Promise: a bad command line is a
// UsageError (exit 2, one line), never a crash or another exception.
#include <string>
#include <vector>

#include "fuzz.hpp"
#include "socklab/cli.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socklab;
  std::string_view text = fuzz::text(data, size);
  std::vector<std::string> words{"prog"};
  for (std::size_t pos = 0; pos <= text.size() && words.size() < 64;) {
    std::size_t end = text.find('\0', pos);
    if (end == std::string_view::npos) end = text.size();
    words.emplace_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);

  cli::Parser args("prog", "fuzzed");
  args.option("--host", "HOST", "127.0.0.1", "host").option("--port", "PORT", "8888", "port");
  args.flag("--once", "once");
  args.option("--count", "N", "5", "a whole number").option("--wait", "MS", "100", "a time");
  if (!words[1].empty() && words[1][0] == 'p') args.positionals("WORDS", "words");
  try {
    if (args.parse(static_cast<int>(words.size()), argv.data())) {
      std::uint16_t port = args.port();
      FUZZ_CHECK(std::to_string(port).size() <= 5);
      (void)args.get("--host");
      (void)args.is_set("--once");
      long long n = args.integer("--count", -5, 100000);
      FUZZ_CHECK(n >= -5 && n <= 100000);
      FUZZ_CHECK(std::to_string(n) == args.get("--count") ||
                 args.get("--count").find_first_not_of("-0123456789") == std::string::npos);
      auto ms = args.milliseconds("--wait");
      FUZZ_CHECK(ms.count() >= 1 && ms.count() <= 24LL * 3600 * 1000);
    }
  } catch (const cli::UsageError& e) {
    FUZZ_CHECK(std::string_view(e.what()).find('\n') == std::string_view::npos);
  }
  return 0;
}
