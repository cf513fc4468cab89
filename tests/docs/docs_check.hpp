// docs_check.hpp — the check that keeps the Chinese edition in step with the English
// pages (docs/zh-CN/术语表.md, DESIGN.md §8). Plain C++ (no Python on a fresh Debian).
//
// A tree has English pages (README.md and docs/**/*.md outside docs/zh-CN) and their
// Chinese twins (README.zh-CN.md, docs/zh-CN/<same relative path>); the glossary
// docs/zh-CN/术语表.md is the one page without an English original. For each pair:
//   - the same sequence of fenced code blocks, byte for byte (they are real runs);
//   - the same number of headings and of tables;
// and for every page: every relative link resolves (file, and #anchor by GitHub's
// rules, CJK headings included); for every Chinese page: its prose is Chinese and it
// links to the glossary.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace docs {

// What a Markdown page contains, as far as the check cares.
struct CodeBlock {
  int line = 0;      // 1-based line of the opening fence
  std::string text;  // the opening fence, the content and the closing fence, as written
};
struct Link {
  int line = 0;
  std::string target;  // as written, e.g. "../03-handshake.md#time_wait-and-why-it-exists"
};
struct ProseUnit {  // a paragraph, a list item or a table row, outside code and comments
  int line = 0;
  std::size_t cjk = 0;    // CJK ideographs
  std::size_t latin = 0;  // ASCII letters
};
struct Page {
  std::vector<CodeBlock> code;
  std::vector<std::string> headings;  // heading texts, in order
  int tables = 0;
  std::vector<Link> links;
  std::set<std::string> anchors;  // GitHub anchors of the headings, plus <a id/name="...">
  std::vector<ProseUnit> prose;
};

Page parse(std::string_view markdown);

// GitHub's anchor for a heading's text (before the -1, -2 of duplicates): markup
// removed, lower case, every character that is not a letter, a digit, '_', '-' or a
// space dropped, each space turned into '-'. CJK ideographs are letters and stay.
std::string github_anchor(std::string_view heading);

// Share of CJK ideographs among the letters of a page's prose (CJK + ASCII letters).
double cjk_share(const Page& page);

struct Problem {
  enum class Kind {
    missing_twin,
    code_blocks,
    headings,
    tables,
    dead_link,
    not_chinese,
    no_glossary_link
  };
  Kind kind;
  std::string message;  // names the file(s), the line and what differs
};

struct Options {
  bool check_links = true;
  // Chinese prose: at least this share of CJK among its letters (see docs_check.cpp) ...
  double min_cjk_share = 0.40;
  // ... and no paragraph with this many ASCII letters and not one CJK character.
  std::size_t max_untranslated_letters = 150;
};

inline constexpr std::string_view glossary = "docs/zh-CN/术语表.md";

// Checks the tree under root; an empty result means it is in step.
std::vector<Problem> check_tree(const std::filesystem::path& root, const Options& options = {});

}  // namespace docs
