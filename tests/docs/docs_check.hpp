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
// links to the glossary. One voice across the Chinese pages (the glossary's section
// 全书统一的写法): an English heading is translated the same way on every page; Chinese
// prose uses —— (not a lone —) and “” (not ASCII "); the variants of Options::variants
// (a second name for a term the glossary names once) do not appear; and every term of
// Options::glossary_terms has its line in the glossary with links that resolve, to a page
// that says the term (the passage that answers it).
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
struct TextLine {  // one line of prose as a reader sees it: no code spans, link targets, tags
  int line = 0;
  std::string text;
  bool heading = false;
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
  std::vector<TextLine> text;
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
    no_glossary_link,
    no_language_link,  // README.md and README.zh-CN.md link each other in their first lines
    style,             // one voice: headings, dashes, quote marks, a term's second name
    glossary_terms     // a term students search for, missing from the glossary or unlinked
  };
  Kind kind;
  std::string message;  // names the file(s), the line and what differs
};

// A second name for something the glossary names once (or a punctuation the Chinese pages
// do not use): `avoid` must not occur in the prose of a Chinese page; `use` says what to
// write instead, `why` where the choice comes from.
struct Variant {
  std::string avoid;
  std::string use;
  std::string why;
};
// A rule a page may break for now: page (relative path) and rule, as a problem names it
// ("dash", "quote", "heading: <English heading>", "variant: <avoided text>", and for the
// page a glossary row links, "answer: <term>" when it does not say the term yet). Only for
// pages another change owns, each with the fix that removes it; an entry that no longer
// matches anything is itself a problem, so the list cannot rot.
struct Tolerated {
  std::string page;
  std::string rule;
  std::string why;
};

std::vector<Variant> default_variants();
std::vector<std::string> default_glossary_terms();
std::vector<Tolerated> default_tolerated();

struct Options {
  bool check_links = true;
  // Chinese prose: at least this share of CJK ideographs among its letters (CJK + ASCII
  // letters, outside code blocks, inline code, link targets and HTML comments). Why 0.40:
  // one ideograph carries about what an English word of ~4-5 letters does, so a page
  // translated with its English terms kept (TCP, socket names, RFC, Linux) measured
  // 0.65-0.95 when the check was written (README.zh-CN.md 0.65, windows.md 0.67, the
  // lessons 0.81-0.93), an English page measures 0.00, and a page translated only in
  // its first third (lesson 01 or 07 with the rest left in English) measured 0.12-0.14:
  // English is so much longer in letters that untranslated text dominates fast. 0.40 sits
  // well clear of both; the paragraph rule below catches smaller gaps.
  double min_cjk_share = 0.40;
  // ... and no paragraph, list item or table row with this many ASCII letters and not
  // one CJK character (an untranslated paragraph, ~25 English words, in an otherwise
  // Chinese page; the longest such unit in the translated pages had 8 letters).
  std::size_t max_untranslated_letters = 150;
  std::vector<Variant> variants = default_variants();
  // Terms that must each have a line in the glossary carrying a relative link that resolves
  // (file and anchor): the words Chinese students type into a search box.
  std::vector<std::string> glossary_terms = default_glossary_terms();
  std::vector<Tolerated> tolerated = default_tolerated();
};

inline constexpr std::string_view glossary = "docs/zh-CN/术语表.md";

// Checks the tree under root; an empty result means it is in step.
std::vector<Problem> check_tree(const std::filesystem::path& root, const Options& options = {});

}  // namespace docs
