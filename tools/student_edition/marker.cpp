// marker.cpp — finds solution markers with a small lexer, so that a marker word
// inside a string, a raw string, a block comment or a code fence stays text.
#include "marker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace socklab::tools {

MarkerError::MarkerError(const std::string& file, int line, const std::string& what)
    : std::runtime_error(fmt::format("{}:{}: {}", file, line, what)), file_(file), line_(line) {}

namespace {

bool ends_with_any(std::string_view name, std::initializer_list<std::string_view> endings) {
  return std::any_of(endings.begin(), endings.end(),
                     [&](std::string_view e) { return name.ends_with(e); });
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}
bool is_ident(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view indent_of(std::string_view s) {
  std::size_t n = 0;
  while (n < s.size() && (s[n] == ' ' || s[n] == '\t')) ++n;
  return s.substr(0, n);
}

// One line of the file: its text and its own line ending ("\n", "\r\n" or "").
struct Line {
  std::string_view body;
  std::string_view eol;
};

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back({text.substr(start), ""});
      break;
    }
    std::string_view body = text.substr(start, nl - start);
    if (body.ends_with('\r')) {
      lines.push_back({body.substr(0, body.size() - 1), text.substr(nl - 1, 2)});
    } else {
      lines.push_back({body, text.substr(nl, 1)});
    }
    start = nl + 1;
  }
  return lines;
}

// --- the lexers: "does this line start in plain code?" ------------------------

// C and C++: tracks block comments, string and character literals (with
// backslash-newline continuation), raw strings, and line comments continued by a
// trailing backslash.
class CppLexer {
 public:
  bool in_code() const noexcept { return state_ == State::code; }

  void scan(std::string_view line) {
    std::size_t i = 0;
    const std::size_t n = line.size();
    while (i < n) {
      switch (state_) {
        case State::block_comment: {
          std::size_t end = line.find("*/", i);
          if (end == std::string_view::npos) return;
          i = end + 2;
          state_ = State::code;
          break;
        }
        case State::raw_string: {
          std::size_t end = line.find(raw_end_, i);
          if (end == std::string_view::npos) return;
          i = end + raw_end_.size();
          state_ = State::code;
          break;
        }
        case State::line_comment:
          state_ = line.ends_with('\\') ? State::line_comment : State::code;
          return;
        case State::quoted:
          i = skip_quoted(line, i);
          break;
        case State::code:
          i = scan_code(line, i);
          break;
      }
    }
    if (state_ == State::line_comment && !line.ends_with('\\')) state_ = State::code;
  }

 private:
  enum class State { code, block_comment, line_comment, quoted, raw_string };

  std::size_t scan_code(std::string_view line, std::size_t i) {
    const char c = line[i];
    const char next = i + 1 < line.size() ? line[i + 1] : '\0';
    if (c == '/' && next == '/') {
      state_ = State::line_comment;
      return line.size();
    }
    if (c == '/' && next == '*') {
      state_ = State::block_comment;
      return i + 2;
    }
    if (c == '"' && raw_prefix_before(line, i)) {
      std::size_t open = line.find('(', i + 1);
      if (open == std::string_view::npos) return i + 1;  // malformed: let the compiler say so
      raw_end_ = fmt::format("){}\"", line.substr(i + 1, open - i - 1));
      state_ = State::raw_string;
      return open + 1;
    }
    if (c == '"' || (c == '\'' && !digit_separator_at(line, i))) {
      quote_ = c;
      state_ = State::quoted;
      return i + 1;
    }
    return i + 1;
  }

  // Inside "..." or '...': up to the closing quote; a backslash escapes the next
  // character, and one at the very end of the line continues the literal.
  std::size_t skip_quoted(std::string_view line, std::size_t i) {
    while (i < line.size()) {
      if (line[i] == '\\') {
        i += 2;
      } else if (line[i] == quote_) {
        state_ = State::code;
        return i + 1;
      } else {
        ++i;
      }
    }
    if (!line.ends_with('\\')) state_ = State::code;  // unterminated: the compiler's problem
    return line.size();
  }

  static std::string_view token_before(std::string_view line, std::size_t i) {
    std::size_t start = i;
    while (start > 0 && is_ident(line[start - 1])) --start;
    return line.substr(start, i - start);
  }
  static bool raw_prefix_before(std::string_view line, std::size_t i) {
    std::string_view t = token_before(line, i);
    return t == "R" || t == "LR" || t == "uR" || t == "UR" || t == "u8R";
  }
  // 1'000'000: a quote inside a number is a digit separator, not a literal.
  static bool digit_separator_at(std::string_view line, std::size_t i) {
    std::string_view t = token_before(line, i);
    return !t.empty() && std::isdigit(static_cast<unsigned char>(t.front())) != 0;
  }

  State state_ = State::code;
  char quote_ = '"';
  std::string raw_end_;
};

// Markdown: fenced code blocks (``` or ~~~) and HTML comments spanning lines.
class MarkdownLexer {
 public:
  bool in_code() const noexcept { return fence_.empty() && !in_comment_; }

  void scan(std::string_view line) {
    std::string_view t = trim(line);
    if (!fence_.empty()) {
      if (t.starts_with(fence_) && trim(t.substr(fence_.size())).empty()) fence_.clear();
      return;
    }
    if (in_comment_) {
      if (t.find("-->") != std::string_view::npos) in_comment_ = false;
      return;
    }
    if (t.starts_with("```") || t.starts_with("~~~")) {
      std::size_t n = 0;
      while (n < t.size() && t[n] == t[0]) ++n;
      fence_ = std::string(t.substr(0, n));
      return;
    }
    std::size_t open = t.rfind("<!--");
    if (open != std::string_view::npos && t.find("-->", open + 4) == std::string_view::npos) {
      in_comment_ = true;
    }
  }

 private:
  std::string fence_;
  bool in_comment_ = false;
};

// --- markers -------------------------------------------------------------------

enum class Kind { begin, stub, end };

struct Marker {
  Kind kind;
  std::string text;  // BEGIN: the TODO text; STUB: the stub's code
};

// The comment's content if `line` is one whole comment in the syntax, else nullopt.
std::optional<std::string_view> whole_line_comment(std::string_view line, Syntax syntax) {
  std::string_view t = trim(line);
  if (syntax == Syntax::cpp) {
    if (!t.starts_with("//")) return std::nullopt;
    return trim(t.substr(2));
  }
  if (!t.starts_with("<!--") || !t.ends_with("-->") || t.size() < 7) return std::nullopt;
  std::string_view inner = t.substr(4, t.size() - 7);
  if (inner.find("-->") != std::string_view::npos) return std::nullopt;  // two comments
  return trim(inner);
}

std::optional<Marker> parse_marker(std::string_view line, Syntax syntax) {
  auto comment = whole_line_comment(line, syntax);
  if (!comment) return std::nullopt;
  static constexpr std::pair<std::string_view, Kind> words[] = {
      {"SOLUTION-BEGIN", Kind::begin}, {"SOLUTION-STUB", Kind::stub}, {"SOLUTION-END", Kind::end}};
  for (const auto& [word, kind] : words) {
    if (!comment->starts_with(word)) continue;
    std::string_view rest = comment->substr(word.size());
    if (!rest.empty() && rest.front() != ':' && !is_space(rest.front())) return std::nullopt;
    if (!rest.empty() && rest.front() == ':') rest.remove_prefix(1);
    return Marker{kind, std::string(trim(rest))};
  }
  return std::nullopt;
}

}  // namespace

Syntax syntax_for(std::string_view filename) {
  if (ends_with_any(filename,
                    {".cpp", ".hpp", ".cc", ".hh", ".cxx", ".hxx", ".c", ".h", ".ipp", ".inl"})) {
    return Syntax::cpp;
  }
  if (ends_with_any(filename, {".md", ".markdown"})) return Syntax::markdown;
  return Syntax::none;
}

bool mentions_marker_word(std::string_view line) {
  std::string lower(line);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::size_t at = lower.find("solution"); at != std::string::npos;
       at = lower.find("solution", at + 1)) {
    std::string_view rest = std::string_view(lower).substr(at + 8);
    if (rest.empty() || (rest.front() != '-' && rest.front() != '_')) continue;
    rest.remove_prefix(1);
    if (rest.starts_with("begin") || rest.starts_with("end") || rest.starts_with("stub")) {
      return true;
    }
  }
  return false;
}

Stripped strip_solutions(std::string_view text, Syntax syntax, const std::string& filename,
                         int only_block) {
  Stripped out;
  if (syntax == Syntax::none) {
    out.text = std::string(text);
    return out;
  }
  CppLexer cpp;
  MarkdownLexer markdown;
  auto in_code = [&] { return syntax == Syntax::cpp ? cpp.in_code() : markdown.in_code(); };
  auto scan = [&](std::string_view line) {
    if (syntax == Syntax::cpp) {
      cpp.scan(line);
    } else {
      markdown.scan(line);
    }
  };

  // Where we are in a block: before its code (TODO continuation lines, stubs) or in it.
  enum class Phase { outside, todo, stubs, solution };
  Phase phase = Phase::outside;
  int begin_line = 0;
  std::size_t solution_lines_at_begin = 0;
  std::vector<std::string> stubs;  // of the open block
  bool verbatim = false;           // only_block names another block: this one stays as it is

  const std::vector<Line> lines = split_lines(text);
  out.text.reserve(text.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Line& line = lines[i];
    const int number = static_cast<int>(i) + 1;
    const bool starts_in_code = in_code();
    std::optional<Marker> marker;
    if (starts_in_code) marker = parse_marker(line.body, syntax);
    scan(line.body);

    if (marker && marker->kind == Kind::begin) {
      if (phase != Phase::outside) {
        throw MarkerError(filename, number,
                          fmt::format("SOLUTION-BEGIN inside the block opened at line {} "
                                      "(markers do not nest)",
                                      begin_line));
      }
      if (marker->text.empty()) {
        throw MarkerError(filename, number,
                          "SOLUTION-BEGIN needs the text the student sees instead, e.g. "
                          "'SOLUTION-BEGIN: TODO(step 2): call bind() (man 2 bind)'");
      }
      phase = Phase::todo;
      begin_line = number;
      solution_lines_at_begin = out.solution_lines.size();
      stubs.clear();
      verbatim = only_block > 0 && out.blocks + 1 != only_block;
      if (verbatim) {
        out.text += line.body;
        out.text += line.eol;
        continue;
      }
      out.text += indent_of(line.body);
      if (syntax == Syntax::cpp) out.text += "// ";
      out.text += marker->text;
      out.text += line.eol;
      continue;
    }
    if (marker && marker->kind == Kind::stub) {
      if (phase == Phase::outside) {
        throw MarkerError(filename, number, "SOLUTION-STUB outside a SOLUTION-BEGIN/END block");
      }
      if (phase == Phase::solution) {
        throw MarkerError(filename, number,
                          fmt::format("SOLUTION-STUB after solution code in the block opened at "
                                      "line {}: stubs go right after SOLUTION-BEGIN",
                                      begin_line));
      }
      if (marker->text.empty()) {
        throw MarkerError(filename, number, "SOLUTION-STUB needs the stub's code after it");
      }
      phase = Phase::stubs;
      stubs.push_back(marker->text);
      if (verbatim) {
        out.text += line.body;
        out.text += line.eol;
        continue;
      }
      out.text += indent_of(line.body);
      out.text += marker->text;
      out.text += line.eol;
      continue;
    }
    if (marker && marker->kind == Kind::end) {
      if (phase == Phase::outside) {
        throw MarkerError(filename, number, "SOLUTION-END without SOLUTION-BEGIN");
      }
      if (out.solution_lines.size() == solution_lines_at_begin) {
        throw MarkerError(
            filename, number,
            fmt::format("the block opened at line {} has no solution code", begin_line));
      }
      // A solution line that a stub puts back on purpose (a table row of the docs
      // that stays, say) is not a solution to hide.
      auto first =
          out.solution_lines.begin() + static_cast<std::ptrdiff_t>(solution_lines_at_begin);
      out.solution_lines.erase(std::remove_if(first, out.solution_lines.end(),
                                              [&](const std::string& removed) {
                                                return std::find(stubs.begin(), stubs.end(),
                                                                 removed) != stubs.end();
                                              }),
                               out.solution_lines.end());
      phase = Phase::outside;
      ++out.blocks;
      if (verbatim) {
        out.text += line.body;
        out.text += line.eol;
        verbatim = false;
      }
      continue;
    }

    switch (phase) {
      case Phase::outside:
        out.text += line.body;
        out.text += line.eol;
        break;
      case Phase::todo:
        // Comment lines right after the TODO belong to it (clang-format may have
        // reflowed a long TODO over several lines).
        if (syntax == Syntax::cpp && starts_in_code && whole_line_comment(line.body, syntax) &&
            !trim(line.body).starts_with("/*")) {
          out.text += line.body;
          out.text += line.eol;
          break;
        }
        [[fallthrough]];
      case Phase::stubs:
      case Phase::solution:
        phase = Phase::solution;
        if (verbatim) {
          out.text += line.body;
          out.text += line.eol;
        }
        if (std::string_view code = trim(line.body); !code.empty()) {
          out.solution_lines.emplace_back(code);
        }
        break;
    }
  }
  if (phase != Phase::outside) {
    throw MarkerError(filename, begin_line, "SOLUTION-BEGIN never closed by SOLUTION-END");
  }
  return out;
}

}  // namespace socklab::tools
