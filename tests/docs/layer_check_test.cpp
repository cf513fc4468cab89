// docs/layer.md names every public name of the layer, in both languages (layer_check.hpp
// says what a "name" is). The first test reads the real tree; the others show the
// parser on small headers, and that a page without a row fails, naming what is missing.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "layer_check.hpp"

namespace {

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> spelled(const std::vector<docs::HeaderName>& names) {
  std::set<std::string> out;
  for (const auto& n : names) out.insert(n.spelled());
  return out;
}

}  // namespace

TEST(LayerDoc, EveryPublicNameOfEveryRoomIsInLayerMdInBothLanguages) {
  const std::filesystem::path root = SOCKLAB_SOURCE_DIR;
  std::vector<docs::HeaderName> names;
  for (const auto& header : docs::public_headers(root)) {
    auto found = docs::header_names(read(header), header.lexically_relative(root).generic_string());
    names.insert(names.end(), found.begin(), found.end());
  }
  ASSERT_GT(names.size(), 100u) << "the headers were not found or not parsed";
  for (const char* page : {"docs/layer.md", "docs/zh-CN/layer.md"}) {
    for (const std::string& problem : docs::unnamed(names, read(root / page), page))
      ADD_FAILURE() << problem;
  }
}

TEST(LayerDoc, FindsTypesFunctionsAndPublicMembersOnly) {
  const char* header = R"(// a comment: class NotAType { void not_a_function(); };
#pragma once
#define MACRO(x) x
namespace socklab {
class Thing;  // a declaration
namespace detail { void hidden(); struct Hidden {}; }
/// A type.
class Thing {
 public:
  Thing() noexcept = default;
  explicit Thing(int fd) noexcept : fd_(fd) {}
  ~Thing();
  Thing(Thing&&) noexcept;
  Thing& operator=(Thing&&) noexcept;
  explicit operator bool() const noexcept { return fd_ >= 0; }
  static Thing open(std::string_view name, std::error_code& ec) noexcept;
  [[nodiscard]] std::size_t read(std::span<std::byte> buffer);
  int get() const noexcept { return fd_; }
  using handle = int;
  static constexpr handle invalid = ~handle{0};
  enum class Mode : unsigned char { a, b };
  std::function<void(int)> callback;
 private:
  void secret();
  struct Private {};
  int fd_ = -1;
};
struct Plain {
  std::size_t bytes = 0;
  bool ok() const;
};
enum class Colour { red };
template <typename T, std::size_t N = sizeof(T)>
T parse(std::string_view text);
constexpr Colour operator|(Colour a, Colour b) noexcept { return a; }
inline bool is_red(Colour c) noexcept { return c == Colour::red; }
std::string render(const std::vector<std::string>& lines = {"a"});
}  // namespace socklab
)";
  auto names = docs::header_names(header, "h.hpp");
  EXPECT_EQ(spelled(names), (std::set<std::string>{
                                "Thing", "Thing::open", "Thing::read", "Thing::get", "Thing::Mode",
                                "Plain", "Plain::ok", "Colour", "parse", "is_red", "render"}));
}

TEST(LayerDoc, APageWithoutARowFailsNamingTheHeaderNameAndThePage) {
  auto names = docs::header_names(
      "namespace socklab {\nclass Epoll {\n public:\n"
      "  std::size_t wait(int timeout);\n  void close();\n};\n}\n",
      "lib/core/include/socklab/epoll.hpp");
  const std::string page =
      "| member | calls |\n|---|---|\n"
      "| `Epoll::wait` | `epoll_wait()`, again after `EINTR` |\n"
      "| `close` | `close()` |\n";
  EXPECT_TRUE(docs::unnamed(names, page, "docs/layer.md").empty());

  std::string without = page.substr(0, page.find("| `close`"));  // the last row removed
  auto problems = docs::unnamed(names, without, "docs/zh-CN/layer.md");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "docs/zh-CN/layer.md does not name `Epoll::close` "
            "(lib/core/include/socklab/epoll.hpp:5): add it to a row, in a code span");
}

TEST(LayerDoc, OnlyWholeWordsInInlineCodeCount) {
  auto words = docs::code_words(
      "wait is prose; `waiting()` is not `wait`\n"
      "```\nfenced_only()\n```\n``a `b` c``\n");
  EXPECT_TRUE(words.count("waiting"));
  EXPECT_TRUE(words.count("wait"));
  EXPECT_FALSE(words.count("prose"));
  EXPECT_FALSE(words.count("fenced_only")) << "fenced blocks are runs, not rows";
  EXPECT_TRUE(words.count("b"));
}
