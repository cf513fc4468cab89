// docs_check.cpp — see docs_check.hpp. A small Markdown reader: only what the check
// needs (fences, headings, tables, links, HTML comments), line by line, CommonMark's
// rules where they matter (a fence closes with the same character, at least as long).
#include "docs_check.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;

namespace docs {
namespace {

// --- UTF-8 -------------------------------------------------------------------

// Decodes one code point at s[i], advancing i; an invalid byte comes back as itself.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = byte(i);
  int extra = b < 0x80 ? 0 : (b >> 5) == 0x6 ? 1 : (b >> 4) == 0xE ? 2 : (b >> 3) == 0x1E ? 3 : -1;
  if (extra <= 0 || i + static_cast<std::size_t>(extra) >= s.size()) {
    ++i;
    return b;
  }
  char32_t cp = b & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    unsigned char c = byte(i + static_cast<std::size_t>(k));
    if ((c & 0xC0) != 0x80) {
      ++i;
      return b;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  i += static_cast<std::size_t>(extra) + 1;
  return cp;
}

bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF);
}

// Not a letter or a digit for GitHub's anchors: the punctuation and symbol blocks a
// technical page uses (Latin-1 signs, General Punctuation such as — and …, arrows,
// maths, box drawing, CJK punctuation such as 、。「」, full-width forms such as ：（）).
bool is_non_ascii_punctuation(char32_t c) {
  return (c >= 0x80 && c <= 0xBF) || c == 0xD7 || c == 0xF7 || (c >= 0x2000 && c <= 0x2BFF) ||
         (c >= 0x3000 && c <= 0x303F) || (c >= 0xFE30 && c <= 0xFE4F) ||
         (c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
         (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65) || c >= 0x1F000;
}

// --- lines -------------------------------------------------------------------

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A fence: optional indentation (lists indent theirs), then ``` or ~~~ (three or more).
bool fence(std::string_view line, char& ch, std::size_t& length) {
  std::string_view t = line;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  if (t.size() < 3 || (t[0] != '`' && t[0] != '~')) return false;
  std::size_t n = t.find_first_not_of(t[0]);
  if (n == std::string_view::npos) n = t.size();
  if (n < 3) return false;
  if (t[0] == '`' && t.substr(n).find('`') != std::string_view::npos) return false;
  ch = t[0];
  length = n;
  return true;
}

bool closing_fence(std::string_view line, char ch, std::size_t length) {
  std::string_view t = trim(line);
  return t.size() >= length && t.find_first_not_of(ch) == std::string_view::npos;
}

// Where pattern first occurs at or after from, outside inline code spans (a `<!--` quoted
// in backticks opens no comment).
std::size_t find_outside_code_spans(std::string_view line, std::string_view pattern,
                                    std::size_t from) {
  std::size_t i = from;
  while (i < line.size()) {
    if (line.compare(i, pattern.size(), pattern) == 0) return i;
    if (line[i] != '`') {
      ++i;
      continue;
    }
    std::size_t run = line.find_first_not_of('`', i);
    if (run == std::string_view::npos) return std::string_view::npos;
    std::size_t close = line.find(std::string(run - i, '`'), run);
    i = close == std::string_view::npos ? run : close + (run - i);
  }
  return std::string_view::npos;
}

// The line without its inline code spans (`...`, ``...``), each replaced by one space.
std::string without_code_spans(std::string_view line) {
  std::string out;
  std::size_t i = 0;
  while (i < line.size()) {
    if (line[i] != '`') {
      out += line[i++];
      continue;
    }
    std::size_t run = line.find_first_not_of('`', i);
    if (run == std::string_view::npos) run = line.size();
    std::string ticks(run - i, '`');
    std::size_t close = line.find(ticks, run);
    if (close == std::string_view::npos) {  // an unmatched backtick is a backtick
      out.append(ticks);
      i = run;
      continue;
    }
    out += ' ';
    i = close + ticks.size();
  }
  return out;
}

bool table_separator(std::string_view line) {
  std::string_view t = trim(line);
  if (t.empty() || t.find('-') == std::string_view::npos) return false;
  if (t.front() != '|' && t.find('|') == std::string_view::npos) return false;
  return t.find_first_not_of("|-: \t") == std::string_view::npos;
}

// Percent-decoding of a link target (GitHub accepts both 术语表.md and %E6%9C%AF...).
std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Link targets on one line (code spans already removed): ](target) and [label]: target.
void collect_links(std::string_view line, int number, std::vector<Link>& links) {
  std::string_view t = trim(line);
  if (t.size() > 2 && t.front() == '[') {  // a reference definition
    std::size_t colon = t.find("]:");
    if (colon != std::string_view::npos) {
      std::string_view rest = trim(t.substr(colon + 2));
      std::size_t end = rest.find_first_of(" \t");
      links.push_back({number, std::string(rest.substr(0, end))});
      return;
    }
  }
  std::size_t at = 0;
  while ((at = line.find("](", at)) != std::string_view::npos) {
    std::size_t start = at + 2;
    std::size_t end = start;
    int depth = 0;
    while (end < line.size() && line[end] != ' ' && !(line[end] == ')' && depth == 0)) {
      if (line[end] == '(') ++depth;
      if (line[end] == ')') --depth;
      ++end;
    }
    std::string target(line.substr(start, end - start));
    if (target.size() >= 2 && target.front() == '<' && target.back() == '>') {
      target = target.substr(1, target.size() - 2);
    }
    links.push_back({number, target});
    at = end;
  }
}

// <a id="x"> and <a name="x">: anchors written by hand.
void collect_html_anchors(std::string_view line, std::set<std::string>& anchors) {
  for (std::string_view attribute : {"id=\"", "name=\""}) {
    std::size_t at = 0;
    while ((at = line.find(attribute, at)) != std::string_view::npos) {
      bool in_a = line.rfind("<a", at) != std::string_view::npos;
      std::size_t start = at + attribute.size();
      std::size_t end = line.find('"', start);
      if (end == std::string_view::npos) break;
      if (in_a) anchors.insert(std::string(line.substr(start, end - start)));
      at = end;
    }
  }
}

// The text a reader sees: link targets, HTML tags, bare URLs and emphasis removed.
std::string visible_text(std::string_view line) {
  std::string out;
  for (std::size_t i = 0; i < line.size();) {
    if (line.compare(i, 2, "](") == 0) {  // [text](target): keep the text, drop the target
      std::size_t close = line.find(')', i);
      i = close == std::string_view::npos ? line.size() : close + 1;
      continue;
    }
    if (line[i] == '<') {  // an HTML tag or an autolink
      std::size_t close = line.find('>', i);
      if (close != std::string_view::npos) {
        i = close + 1;
        continue;
      }
    }
    if (line.compare(i, 7, "http://") == 0 || line.compare(i, 8, "https://") == 0) {
      while (i < line.size() && line[i] != ' ' && line[i] != ')') ++i;
      continue;
    }
    char c = line[i++];
    if (c == '[' || c == ']' || c == '*') continue;
    out += c;
  }
  return out;
}

void count_letters(std::string_view text, ProseUnit& unit) {
  for (std::size_t i = 0; i < text.size();) {
    char32_t c = next_code_point(text, i);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) ++unit.latin;
    if (is_cjk(c)) ++unit.cjk;
  }
}

// The heading's text as GitHub renders it: code spans keep their content, links their text.
std::string heading_text(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size();) {
    if (raw.compare(i, 2, "](") == 0) {
      std::size_t close = raw.find(')', i);
      i = close == std::string_view::npos ? raw.size() : close + 1;
      continue;
    }
    char c = raw[i++];
    if (c == '`' || c == '*' || c == '[' || c == ']') continue;
    out += c;
  }
  return out;
}

std::filesystem::path to_path(const std::string& utf8) {
  return fs::path(std::u8string(utf8.begin(), utf8.end()));
}

std::string to_utf8(const fs::path& path) {
  std::u8string s = path.generic_u8string();
  return std::string(s.begin(), s.end());
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

}  // namespace

std::string github_anchor(std::string_view heading) {
  std::string text = heading_text(heading);
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t start = i;
    char32_t c = next_code_point(text, i);
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '-';
    } else if (c >= 0x80 && !is_non_ascii_punctuation(c)) {
      out.append(text, start, i - start);
    }
  }
  return out;
}

Page parse(std::string_view markdown) {
  Page page;
  std::vector<std::string> lines = split_lines(markdown);
  std::map<std::string, int> seen_anchors;
  bool in_comment = false;
  ProseUnit unit;
  bool in_unit = false;
  auto end_unit = [&] {
    if (in_unit && (unit.cjk > 0 || unit.latin > 0)) page.prose.push_back(unit);
    in_unit = false;
  };

  for (std::size_t n = 0; n < lines.size(); ++n) {
    const std::string& raw = lines[n];
    int number = static_cast<int>(n) + 1;

    char ch = 0;
    std::size_t length = 0;
    if (!in_comment && fence(raw, ch, length)) {
      end_unit();
      CodeBlock block{number, raw + "\n"};
      std::size_t k = n + 1;
      for (; k < lines.size(); ++k) {
        block.text += lines[k] + "\n";
        if (closing_fence(lines[k], ch, length)) break;
      }
      page.code.push_back(std::move(block));
      n = k;
      continue;
    }

    // HTML comments (the student edition's SOLUTION markers): not part of the page.
    std::string line;
    for (std::size_t i = 0; i < raw.size();) {
      if (in_comment) {
        std::size_t close = raw.find("-->", i);
        if (close == std::string::npos) break;
        in_comment = false;
        i = close + 3;
      } else {
        std::size_t open = find_outside_code_spans(raw, "<!--", i);
        line.append(raw, i, open == std::string::npos ? std::string::npos : open - i);
        if (open == std::string::npos) break;
        in_comment = true;
        i = open + 4;
      }
    }
    if (trim(line).empty()) {
      if (trim(raw).empty()) end_unit();
      continue;
    }

    std::string code_free = without_code_spans(line);
    collect_links(code_free, number, page.links);
    collect_html_anchors(line, page.anchors);

    std::string_view t = trim(line);
    std::size_t hashes = t.find_first_not_of('#');
    bool heading = line.size() - trim(line).size() <= 3 && t.front() == '#' && hashes <= 6 &&
                   (hashes == std::string_view::npos || t[hashes] == ' ');
    if (heading) {
      end_unit();
      std::string text(trim(hashes == std::string_view::npos ? "" : t.substr(hashes)));
      while (!text.empty() && text.back() == '#') text.pop_back();
      text = std::string(trim(text));
      page.headings.push_back(text);
      std::string anchor = github_anchor(text);
      int& count = seen_anchors[anchor];
      page.anchors.insert(count == 0 ? anchor : anchor + "-" + std::to_string(count));
      ++count;
      ProseUnit heading_unit{number, 0, 0};
      count_letters(visible_text(code_free), heading_unit);
      page.text.push_back(
          {number, std::string(trim(visible_text(without_code_spans(text)))), true});
      if (heading_unit.cjk > 0 || heading_unit.latin > 0) page.prose.push_back(heading_unit);
      continue;
    }

    bool row = t.front() == '|';
    if (row && n + 1 < lines.size() && table_separator(lines[n + 1]) && !table_separator(line)) {
      ++page.tables;
    }
    if (row && table_separator(line)) continue;
    page.text.push_back({number, visible_text(code_free), false});
    // A table row or a list item is a unit of its own; other lines join their paragraph.
    bool item = row || t.front() == '-' || t.front() == '*' ||
                (std::isdigit(static_cast<unsigned char>(t.front())) &&
                 t.find(". ") != std::string_view::npos &&
                 t.find_first_not_of("0123456789") == t.find(". "));
    if (item || !in_unit) {
      end_unit();
      unit = ProseUnit{number, 0, 0};
      in_unit = true;
    }
    count_letters(visible_text(code_free), unit);
    if (row) end_unit();
  }
  end_unit();
  return page;
}

double cjk_share(const Page& page) {
  std::size_t cjk = 0;
  std::size_t latin = 0;
  for (const ProseUnit& unit : page.prose) {
    cjk += unit.cjk;
    latin += unit.latin;
  }
  return cjk + latin == 0 ? 0.0 : static_cast<double>(cjk) / static_cast<double>(cjk + latin);
}

namespace {

struct Tree {
  fs::path root;
  std::vector<std::string> english;  // relative paths, '/'-separated, UTF-8
  std::vector<std::string> chinese;
};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

Tree pages_of(const fs::path& root) {
  Tree tree{root, {}, {}};
  if (fs::exists(root / "README.md")) tree.english.push_back("README.md");
  if (fs::exists(root / "README.zh-CN.md")) tree.chinese.push_back("README.zh-CN.md");
  if (fs::is_directory(root / "docs")) {
    for (const auto& entry : fs::recursive_directory_iterator(root / "docs")) {
      if (!entry.is_regular_file() || entry.path().extension() != ".md") continue;
      std::string rel = to_utf8(fs::relative(entry.path(), root));
      (starts_with(rel, "docs/zh-CN/") ? tree.chinese : tree.english).push_back(rel);
    }
  }
  std::sort(tree.english.begin(), tree.english.end());
  std::sort(tree.chinese.begin(), tree.chinese.end());
  return tree;
}

std::string twin_of(const std::string& english) {
  if (english == "README.md") return "README.zh-CN.md";
  return "docs/zh-CN/" + english.substr(std::string_view("docs/").size());
}

std::string original_of(const std::string& chinese) {
  if (chinese == "README.zh-CN.md") return "README.md";
  return "docs/" + chinese.substr(std::string_view("docs/zh-CN/").size());
}

std::string clip(std::string s) {
  if (s.size() > 70) s = s.substr(0, 67) + "...";
  return s;
}

void compare_code(const std::string& en, const Page& a, const std::string& zh, const Page& b,
                  std::vector<Problem>& problems) {
  std::size_t common = std::min(a.code.size(), b.code.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (a.code[i].text == b.code[i].text) continue;
    // The first line that differs, so the message shows what changed.
    std::vector<std::string> x = split_lines(a.code[i].text);
    std::vector<std::string> y = split_lines(b.code[i].text);
    std::size_t k = 0;
    while (k < x.size() && k < y.size() && x[k] == y[k]) ++k;
    std::string ex = k < x.size() ? x[k] : "(block ends)";
    std::string ey = k < y.size() ? y[k] : "(block ends)";
    problems.push_back({Problem::Kind::code_blocks,
                        en + ":" + std::to_string(a.code[i].line + static_cast<int>(k)) + " and " +
                            zh + ":" + std::to_string(b.code[i].line + static_cast<int>(k)) +
                            ": code block " + std::to_string(i + 1) +
                            " differs (code, commands and output are copied, not " +
                            "translated): English '" + clip(ex) + "', Chinese '" + clip(ey) + "'"});
    return;
  }
  if (a.code.size() != b.code.size()) {
    const Page& longer = a.code.size() > b.code.size() ? a : b;
    const std::string& name = a.code.size() > b.code.size() ? en : zh;
    problems.push_back({Problem::Kind::code_blocks,
                        en + " has " + std::to_string(a.code.size()) + " code blocks, " + zh +
                            " has " + std::to_string(b.code.size()) + "; the first one only in " +
                            name + " (line " + std::to_string(longer.code[common].line) + "): '" +
                            clip(first_line(longer.code[common].text)) + "'"});
  }
}

// What is wrong with a relative link on page rel ("" when it resolves, or it is not
// relative: a URL or mailto:).
std::string link_problem(const Tree& tree, const std::string& rel, const Link& link,
                         std::map<std::string, Page>& cache) {
  const std::string& target = link.target;
  if (target.empty() || target.find("://") != std::string::npos || starts_with(target, "mailto:")) {
    return "";
  }
  std::size_t hash = target.find('#');
  std::string file = percent_decoded(target.substr(0, hash));
  std::string anchor = hash == std::string::npos ? "" : percent_decoded(target.substr(hash + 1));
  std::string where = rel + ":" + std::to_string(link.line) + ": link '" + link.target + "'";
  std::string target_rel = rel;
  if (!file.empty()) {
    if (file.front() == '/') {
      return where + " is absolute; GitHub and a checkout need a relative link";
    }
    fs::path dir = to_path(rel).parent_path();
    fs::path resolved = (tree.root / dir / to_path(file)).lexically_normal();
    std::error_code ec;
    if (!fs::exists(resolved, ec)) {
      return where + " points nowhere (no " + to_utf8(resolved.lexically_relative(tree.root)) + ")";
    }
    target_rel = to_utf8(fs::relative(resolved, tree.root));
    if (starts_with(target_rel, "..")) return where + " leaves the repository";
  }
  if (anchor.empty()) return "";
  if (to_path(target_rel).extension() != ".md") return "";  // #L12 in a source file etc.
  auto found = cache.find(target_rel);
  if (found == cache.end()) {
    found = cache.emplace(target_rel, parse(read_file(tree.root / to_path(target_rel)))).first;
  }
  if (found->second.anchors.count(anchor) == 0) {
    return where + ": " + target_rel + " has no heading with anchor #" + anchor;
  }
  return "";
}

void check_links(const Tree& tree, const std::string& rel, const Page& page,
                 std::map<std::string, Page>& cache, std::vector<Problem>& problems) {
  for (const Link& link : page.links) {
    std::string problem = link_problem(tree, rel, link, cache);
    if (!problem.empty()) problems.push_back({Problem::Kind::dead_link, problem});
  }
}

// --- one voice ---------------------------------------------------------------

constexpr std::string_view em_dash = "\xE2\x80\x94";  // U+2014 —

bool has_cjk(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (is_cjk(next_code_point(s, i))) return true;
  }
  return false;
}

// A lone — (Chinese prose writes the dash as two, ——). A table cell holding only — (an
// empty cell's sign) is not prose.
bool has_lone_dash(std::string_view text) {
  std::string t;
  if (!trim(text).empty() && trim(text).front() == '|') {
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t bar = text.find('|', start);
      std::string_view cell = text.substr(start, bar == std::string_view::npos ? bar : bar - start);
      if (trim(cell) != em_dash) t.append(cell);
      t += '|';
      if (bar == std::string_view::npos) break;
      start = bar + 1;
    }
  } else {
    t = text;
  }
  for (std::size_t at = t.find(em_dash); at != std::string::npos; at = t.find(em_dash, at)) {
    std::size_t run = 0;
    while (t.compare(at + run * em_dash.size(), em_dash.size(), em_dash) == 0) ++run;
    if (run == 1) return true;
    at += run * em_dash.size();
  }
  return false;
}

// The glossary's section that names the one way to write each thing (and so quotes the
// variants it replaces).
constexpr std::string_view one_voice_section = "全书统一的写法";

struct StyleProblem {  // a problem the tolerated list may name: page and rule
  std::string page;
  std::string rule;
  std::string message;
  Problem::Kind kind = Problem::Kind::style;
};

void check_style(const std::string& zh, const Page& page, const Options& options,
                 std::vector<StyleProblem>& out) {
  bool naming_the_variants = false;  // the glossary's section that lists them
  for (const TextLine& line : page.text) {
    if (line.heading) naming_the_variants = zh == glossary && line.text == one_voice_section;
    if (naming_the_variants) continue;
    std::string where = zh + ":" + std::to_string(line.line) + ": ";
    if (has_cjk(line.text)) {
      if (has_lone_dash(line.text)) {
        out.push_back({zh, "dash", where + "a lone — in Chinese prose: write ——"});
      }
      if (line.text.find('"') != std::string::npos) {
        out.push_back({zh, "quote", where + "ASCII \" in Chinese prose: write “”"});
      }
    }
    for (const Variant& v : options.variants) {
      // An occurrence inside the name to use is that name (层中的部分 in 封装层中的部分).
      const std::size_t inside = v.use.find(v.avoid);
      for (std::size_t at = line.text.find(v.avoid); at != std::string::npos;
           at = line.text.find(v.avoid, at + 1)) {
        if (inside != std::string::npos && at >= inside &&
            line.text.compare(at - inside, v.use.size(), v.use) == 0) {
          continue;
        }
        out.push_back({zh, "variant: " + v.avoid,
                       where + "'" + v.avoid + "': write '" + v.use + "' (" + v.why + ")"});
        break;
      }
    }
  }
}

// An English heading used on several pages is translated the same way on all of them.
void check_headings(const std::map<std::string, std::pair<const Page*, const Page*>>& pairs,
                    std::vector<StyleProblem>& out) {
  struct Use {
    std::string zh;
    int line;
  };
  std::map<std::string, std::map<std::string, std::vector<Use>>> translations;
  for (const auto& [zh, pair] : pairs) {
    const auto& [en_page, zh_page] = pair;
    if (en_page->headings.size() != zh_page->headings.size()) continue;  // reported already
    std::vector<int> lines;
    for (const TextLine& t : zh_page->text) {
      if (t.heading) lines.push_back(t.line);
    }
    for (std::size_t i = 0; i < en_page->headings.size(); ++i) {
      translations[en_page->headings[i]][zh_page->headings[i]].push_back(
          {zh, i < lines.size() ? lines[i] : 0});
    }
  }
  for (const auto& [english, by_translation] : translations) {
    if (by_translation.size() < 2) continue;
    // The translation most pages use is the one; a tie goes to the first in order.
    auto most = std::max_element(
        by_translation.begin(), by_translation.end(),
        [](const auto& a, const auto& b) { return a.second.size() < b.second.size(); });
    for (const auto& [translation, uses] : by_translation) {
      if (translation == most->first) continue;
      for (const Use& use : uses) {
        out.push_back({use.zh, "heading: " + english,
                       use.zh + ":" + std::to_string(use.line) + ": heading '" + translation +
                           "' for '" + english + "'; " + std::to_string(most->second.size()) +
                           " other page(s) write '" + most->first + "'"});
      }
    }
  }
}

// Every term students search for has a line in the glossary with a relative link that
// resolves: the page of the course that answers it.
// The page a relative link points to (root-relative, '/'-separated), or "" for a URL.
std::string link_target(const Tree& tree, const std::string& rel, const Link& link) {
  const std::string& target = link.target;
  if (target.empty() || target.find("://") != std::string::npos) return "";
  std::string file = percent_decoded(target.substr(0, target.find('#')));
  if (file.empty()) return rel;
  fs::path resolved = (tree.root / to_path(rel).parent_path() / to_path(file)).lexically_normal();
  return to_utf8(resolved.lexically_relative(tree.root));
}

bool page_says(const Page& page, const std::string& term) {
  return std::any_of(page.text.begin(), page.text.end(),
                     [&](const TextLine& t) { return t.text.find(term) != std::string::npos; });
}

// Every term students search for has a line in the glossary whose relative links all
// resolve, and a page it links says the term: the passage of the course that answers it.
void check_glossary_terms(const Tree& tree, const Options& options,
                          std::map<std::string, Page>& pages, std::vector<Problem>& problems,
                          std::vector<StyleProblem>& unanswered) {
  if (options.glossary_terms.empty()) return;
  auto found = pages.find(std::string(glossary));
  if (found == pages.end()) return;  // a missing glossary is reported by the links
  const Page glossary_page = found->second;
  const std::string g(glossary);
  for (const std::string& term : options.glossary_terms) {
    // Failing a line that answers, the first line naming the term says what is wrong.
    std::vector<Problem> first_problems;
    std::vector<StyleProblem> first_unanswered;
    bool named = false;
    bool answered = false;
    for (const TextLine& line : glossary_page.text) {
      if (line.heading || line.text.find(term) == std::string::npos) continue;
      std::vector<Problem> line_problems;
      std::vector<std::string> targets;
      for (const Link& link : glossary_page.links) {
        if (link.line != line.line || link.target.find("://") != std::string::npos) continue;
        std::string problem = link_problem(tree, g, link, pages);
        if (!problem.empty()) {
          line_problems.push_back({Problem::Kind::glossary_terms, "'" + term + "': " + problem});
        } else {
          targets.push_back(link_target(tree, g, link));
        }
      }
      std::string where = g + ":" + std::to_string(line.line) + ": '" + term + "'";
      if (targets.empty() && line_problems.empty()) {
        line_problems.push_back({Problem::Kind::glossary_terms,
                                 where + " links no page of the course that answers it"});
      }
      if (line_problems.empty()) {
        bool says = std::any_of(targets.begin(), targets.end(), [&](const std::string& t) {
          auto page = pages.find(t);
          return page != pages.end() && page_says(page->second, term);
        });
        if (says) {
          answered = true;
          break;
        }
        if (!named) {
          first_unanswered.push_back(
              {targets.front(), "answer: " + term,
               where + " links " + targets.front() + (targets.size() > 1 ? " and more" : "") +
                   ", but no page it links says '" + term +
                   "': write the passage there (or link the one that answers it)",
               Problem::Kind::glossary_terms});
        }
      } else if (!named) {
        first_problems = line_problems;
      }
      named = true;
    }
    if (answered) continue;
    if (!named) {
      problems.push_back({Problem::Kind::glossary_terms,
                          g + ": no line names '" + term +
                              "' (a term students search for: add its row and link the page "
                              "that answers it)"});
    }
    problems.insert(problems.end(), first_problems.begin(), first_problems.end());
    unanswered.insert(unanswered.end(), first_unanswered.begin(), first_unanswered.end());
  }
}

}  // namespace

std::vector<Problem> check_tree(const fs::path& root, const Options& options) {
  std::vector<Problem> problems;
  Tree tree = pages_of(root);
  std::map<std::string, Page> pages;
  for (const auto& list : {tree.english, tree.chinese}) {
    for (const std::string& rel : list) pages.emplace(rel, parse(read_file(root / to_path(rel))));
  }
  std::set<std::string> chinese(tree.chinese.begin(), tree.chinese.end());
  std::set<std::string> english(tree.english.begin(), tree.english.end());
  // The student edition's two READMEs are written for students each on its own
  // (scripts/student-edition.sh: the English one cut from README.md, a short Chinese
  // one), so they are not twins block for block there.
  const bool student_edition = fs::exists(root / ".socklab-student-edition");

  for (const std::string& en : tree.english) {
    std::string zh = twin_of(en);
    if (chinese.count(zh) == 0) {
      problems.push_back({Problem::Kind::missing_twin,
                          en + " has no Chinese twin " + zh +
                              " (same relative path; glossary: " + std::string(glossary) + ")"});
      continue;
    }
    if (student_edition && en == "README.md") continue;
    const Page& a = pages.at(en);
    const Page& b = pages.at(zh);
    compare_code(en, a, zh, b, problems);
    if (a.headings.size() != b.headings.size()) {
      problems.push_back({Problem::Kind::headings,
                          en + " has " + std::to_string(a.headings.size()) + " headings, " + zh +
                              " has " + std::to_string(b.headings.size())});
    }
    if (a.tables != b.tables) {
      problems.push_back({Problem::Kind::tables, en + " has " + std::to_string(a.tables) +
                                                     " tables, " + zh + " has " +
                                                     std::to_string(b.tables)});
    }
  }
  for (const std::string& zh : tree.chinese) {
    if (zh == glossary) continue;
    if (english.count(original_of(zh)) == 0) {
      problems.push_back({Problem::Kind::missing_twin,
                          zh + " has no English original " + original_of(zh) + " (only " +
                              std::string(glossary) + " is Chinese-only)"});
    }
  }
  for (const std::string& zh : tree.chinese) {
    const Page& page = pages.at(zh);
    double share = cjk_share(page);
    if (zh == glossary) {
      // English <-> Chinese by design: its English column is not untranslated prose.
    } else if (share < options.min_cjk_share) {
      problems.push_back({Problem::Kind::not_chinese,
                          zh + ": only " + std::to_string(static_cast<int>(share * 100)) +
                              "% of its prose letters are Chinese (at least " +
                              std::to_string(static_cast<int>(options.min_cjk_share * 100)) +
                              "% expected): is it translated?"});
    } else {
      for (const ProseUnit& unit : page.prose) {
        if (unit.cjk == 0 && unit.latin >= options.max_untranslated_letters) {
          problems.push_back({Problem::Kind::not_chinese,
                              zh + ":" + std::to_string(unit.line) +
                                  ": a paragraph without a Chinese character (" +
                                  std::to_string(unit.latin) + " letters): is it translated?"});
          break;
        }
      }
    }
    if (zh != glossary) {
      bool links_glossary = std::any_of(page.links.begin(), page.links.end(), [&](const Link& l) {
        std::string file = percent_decoded(l.target.substr(0, l.target.find('#')));
        return to_utf8((to_path(zh).parent_path() / to_path(file)).lexically_normal()) == glossary;
      });
      if (!links_glossary) {
        problems.push_back({Problem::Kind::no_glossary_link,
                            zh + " does not link to the glossary " + std::string(glossary)});
      }
    }
  }
  // The two READMEs point at each other near the top, where a reader looks first.
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"README.md", "README.zh-CN.md"},
        {"README.zh-CN.md", "README.md"}}) {
    if (pages.count(from) == 0 || pages.count(to) == 0) continue;
    const Page& page = pages.at(from);
    bool linked = std::any_of(page.links.begin(), page.links.end(),
                              [&](const Link& l) { return l.line <= 5 && l.target == to; });
    if (!linked) {
      problems.push_back({Problem::Kind::no_language_link,
                          from + " does not link to " + to + " in its first 5 lines"});
    }
  }
  if (options.check_links) {
    std::map<std::string, Page> cache = pages;
    for (const auto& [rel, page] : pages) check_links(tree, rel, page, cache, problems);
  }

  std::vector<StyleProblem> style;
  std::map<std::string, std::pair<const Page*, const Page*>> twins;
  for (const std::string& zh : tree.chinese) {
    check_style(zh, pages.at(zh), options, style);
    if (english.count(original_of(zh)) != 0 && !(student_edition && zh == "README.zh-CN.md")) {
      twins[zh] = {&pages.at(original_of(zh)), &pages.at(zh)};
    }
  }
  check_headings(twins, style);
  std::map<std::string, Page> cache = pages;
  check_glossary_terms(tree, options, cache, problems, style);
  std::vector<bool> used(options.tolerated.size(), false);
  for (const StyleProblem& p : style) {
    bool tolerated = false;
    for (std::size_t i = 0; i < options.tolerated.size(); ++i) {
      if (options.tolerated[i].page == p.page && options.tolerated[i].rule == p.rule) {
        used[i] = tolerated = true;
      }
    }
    if (!tolerated) problems.push_back({p.kind, p.message});
  }
  for (std::size_t i = 0; i < options.tolerated.size(); ++i) {
    // A page of the entry that is not in this tree (the student edition leaves some out)
    // has nothing to tolerate; only an entry whose page is there and clean is stale.
    // The student edition is generated (its Chinese README is another page, its lessons lose
    // their solutions), so only the kit's tree tells whether an entry is still needed.
    if (!used[i] && !student_edition && pages.count(options.tolerated[i].page) != 0) {
      problems.push_back({Problem::Kind::style,
                          options.tolerated[i].page + ": tolerated '" + options.tolerated[i].rule +
                              "' no longer occurs: remove its entry from default_tolerated() "
                              "(tests/docs/docs_check.cpp)"});
    }
  }
  return problems;
}

// The one name of each term (docs/zh-CN/术语表.md, 全书统一的写法) and the names it
// replaced; each pattern is specific enough not to hit the other meaning of a word.
std::vector<Variant> default_variants() {
  const std::string accept_queue = "the accept queue has one name, 全连接队列 (术语表)";
  const std::string time_exceeded =
      "ICMP Time Exceeded is 时间超过 (谢希仁); 超时 is a timeout (SO_RCVTIMEO)";
  return {
      {"积压队列", "全连接队列", accept_queue},
      {"accept 队列", "全连接队列", accept_queue},
      {"已完成握手队列", "全连接队列", accept_queue},
      {"ICMP 超时", "ICMP 时间超过", time_exceeded},
      {"ICMPv6 超时", "ICMPv6 时间超过", time_exceeded},
      {"超时（Time Exceeded）", "时间超过（Time Exceeded）", time_exceeded},
      {"超时 Time Exceeded", "时间超过（Time Exceeded）", time_exceeded},
      {"超时报文", "时间超过报文", time_exceeded},
      {"回答超时", "回答时间超过", time_exceeded},
      {"房间", "模块", "lib/'s rooms are 模块; the layer is 封装层"},
      {"core 这一层", "core 模块", "lib/'s rooms are 模块; the layer is 封装层"},
      {"lab 这一层", "lab 模块", "lib/'s rooms are 模块; the layer is 封装层"},
      {"层中的部分", "封装层中的部分", "the layer is 封装层"},
      {"天真", "朴素", "naive is 朴素"},
      {"指数回退", "指数退避", "exponential back-off is 指数退避"},
      {"重新布防", "重新设置", "re-arm is 重新设置"},
      {"头部", "首部", "a header is 首部 (谢希仁), HTTP's too"},
      {"兴趣列表", "关注列表", "epoll's interest list is 关注列表"},
  };
}

// The terms Chinese students type into a search box (issue 26).
std::vector<std::string> default_glossary_terms() {
  return {"全连接队列",     "半连接队列", "惊群",     "粘包",     "半包",
          "TIME_WAIT 过多", "滑动窗口",   "流量控制", "拥塞控制", "心跳",
          "反应器",         "前摄器",     "时序图",   "读空规则", "关注列表",
          "伪首部",         "重复确认",   "快速重传", "窗口探测"};
}

// Pages another change owns at the time of writing: each entry names the fix (old -> new
// text) the merge applies, then the entry goes. A stale entry fails the check.
std::vector<Tolerated> default_tolerated() {
  // Empty: every page speaks with one voice. A page that cannot yet (another change owns
  // it) gets an entry {page, rule, the fix}; the check asks for the entry to go once the
  // fix is in.
  return {};
}

}  // namespace docs
