// messages_check.cpp — see messages_check.hpp.
#include "messages_check.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>

namespace docs {
namespace {

bool is_ident(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The source with its comments blanked (newlines kept, so offsets and lines stay),
// and which bytes are inside a string or character literal.
struct Lexed {
  std::string code;
  std::vector<bool> in_literal;
};

Lexed lex(std::string_view s) {
  Lexed out{std::string(s), std::vector<bool>(s.size(), false)};
  std::size_t i = 0;
  auto blank = [&](std::size_t from, std::size_t to) {
    for (std::size_t k = from; k < to && k < s.size(); ++k)
      if (out.code[k] != '\n') out.code[k] = ' ';
  };
  while (i < s.size()) {
    if (s.compare(i, 2, "//") == 0) {
      std::size_t end = s.find('\n', i);
      if (end == std::string_view::npos) end = s.size();
      blank(i, end);
      i = end;
    } else if (s.compare(i, 2, "/*") == 0) {
      std::size_t end = s.find("*/", i + 2);
      end = end == std::string_view::npos ? s.size() : end + 2;
      blank(i, end);
      i = end;
    } else if (s[i] == 'R' && i + 1 < s.size() && s[i + 1] == '"' &&
               (i == 0 || !is_ident(s[i - 1]) || s[i - 1] == '8' || s[i - 1] == 'L' ||
                s[i - 1] == 'u' || s[i - 1] == 'U')) {
      const std::size_t open = s.find('(', i + 2);
      if (open == std::string_view::npos) break;
      const std::string close = ")" + std::string(s.substr(i + 2, open - i - 2)) + "\"";
      std::size_t end = s.find(close, open);
      end = end == std::string_view::npos ? s.size() : end + close.size();
      for (std::size_t k = i + 1; k < end; ++k) out.in_literal[k] = true;
      i = end;
    } else if (s[i] == '"' || (s[i] == '\'' && !(i > 0 && (s[i - 1] >= '0' && s[i - 1] <= '9')))) {
      // A literal (a ' between digits is a digit separator: 1'000).
      const char quote = s[i];
      std::size_t k = i + 1;
      while (k < s.size() && s[k] != quote && s[k] != '\n') k += s[k] == '\\' ? 2 : 1;
      const std::size_t end = std::min(k + 1, s.size());
      for (std::size_t m = i; m < end; ++m) out.in_literal[m] = true;
      i = end;
    } else {
      ++i;
    }
  }
  return out;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes the body of an ordinary literal (between its quotes).
std::string decode(std::string_view body) {
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 >= body.size()) {
      out += body[i];
      continue;
    }
    const char e = body[++i];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '0':
        out += '\0';
        break;
      case 'x': {
        unsigned v = 0;
        while (i + 1 < body.size() && hex_value(body[i + 1]) >= 0)
          v = v * 16 + static_cast<unsigned>(hex_value(body[++i]));
        out += static_cast<char>(v);
        break;
      }
      case 'u':
      case 'U': {
        const std::size_t n = e == 'u' ? 4 : 8;
        std::uint32_t cp = 0;
        for (std::size_t k = 0; k < n && i + 1 < body.size(); ++k)
          cp = cp * 16 + static_cast<std::uint32_t>(std::max(0, hex_value(body[++i])));
        append_utf8(out, cp);
        break;
      }
      default:
        out += e;  // \\ \" \' \?
    }
  }
  return out;
}

// Reads the string literal(s) at `pos` (whitespace first), joined. False if what is
// there is not only literals up to `end`.
bool literal_at(const Lexed& lx, std::string_view src, std::size_t pos, std::size_t end,
                std::string& text) {
  text.clear();
  bool any = false;
  std::size_t i = pos;
  while (i < end) {
    const char c = lx.code[i];
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (c == 'R' && i + 1 < end && lx.code[i + 1] == '"') {
      const std::size_t open = src.find('(', i + 2);
      const std::string close = ")" + std::string(src.substr(i + 2, open - i - 2)) + "\"";
      const std::size_t stop = src.find(close, open);
      if (open == std::string_view::npos || stop == std::string_view::npos) return false;
      text += src.substr(open + 1, stop - open - 1);
      i = stop + close.size();
      any = true;
      continue;
    }
    if (c != '"') return false;
    std::size_t k = i + 1;
    while (k < end && src[k] != '"') k += src[k] == '\\' ? 2 : 1;
    text += decode(src.substr(i + 1, k - i - 1));
    i = k + 1;
    any = true;
  }
  return any;
}

// The top-level arguments of the call whose '(' is at `open`: [begin, end) each.
std::vector<std::pair<std::size_t, std::size_t>> arguments(const Lexed& lx, std::size_t open) {
  std::vector<std::pair<std::size_t, std::size_t>> args;
  int depth = 0;
  std::size_t start = open + 1;
  for (std::size_t i = open; i < lx.code.size(); ++i) {
    if (lx.in_literal[i]) continue;
    const char c = lx.code[i];
    if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      if (--depth == 0) {
        args.emplace_back(start, i);
        return args;
      }
    } else if (c == ',' && depth == 1) {
      args.emplace_back(start, i);
      start = i + 1;
    }
  }
  return args;
}

int line_of(std::string_view s, std::size_t pos) {
  return 1 + static_cast<int>(std::count(s.begin(), s.begin() + static_cast<long>(pos), '\n'));
}

// Positions of `word` as a whole identifier outside literals and comments.
std::vector<std::size_t> words_at(const Lexed& lx, std::string_view word) {
  std::vector<std::size_t> at;
  for (std::size_t i = lx.code.find(word); i != std::string::npos; i = lx.code.find(word, i + 1)) {
    if (lx.in_literal[i]) continue;
    if (i > 0 && is_ident(lx.code[i - 1])) continue;
    const std::size_t after = i + word.size();
    if (after < lx.code.size() && is_ident(lx.code[after])) continue;
    at.push_back(i);
  }
  return at;
}

std::size_t skip_space(const std::string& s, std::size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
  return i;
}

// The literal argument number `n` (0-based) of the call opened at `open`, if it is one.
void take(const Lexed& lx, std::string_view src, std::size_t open, std::size_t n,
          const std::string& file, std::vector<Message>& into) {
  const auto args = arguments(lx, open);
  if (n >= args.size()) return;
  std::string text;
  if (literal_at(lx, src, args[n].first, args[n].second, text))
    into.push_back({text, file, line_of(src, skip_space(lx.code, args[n].first))});
}

bool has_english_word(std::string_view text) {
  int run = 0;
  for (char c : text) {
    run = (c >= 'a' && c <= 'z') ? run + 1 : 0;
    if (run >= 3) return true;
  }
  return false;
}

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

SourceMessages source_messages(std::string_view source, const std::string& file) {
  SourceMessages out;
  const Lexed lx = lex(source);
  // tr("...") and trf("..."): the marker.
  for (std::string_view marker : {"tr", "trf"}) {
    for (std::size_t at : words_at(lx, marker)) {
      const std::size_t open = skip_space(lx.code, at + marker.size());
      if (open < lx.code.size() && lx.code[open] == '(')
        take(lx, source, open, 0, file, out.marked);
    }
  }
  // Step name(N, M, call, "why") and Parser name("prog", "summary").
  for (const auto& [type, n] :
       {std::pair<std::string_view, std::size_t>{"Step", 3}, {"Parser", 1}}) {
    for (std::size_t at : words_at(lx, type)) {
      std::size_t i = skip_space(lx.code, at + type.size());
      const std::size_t name = i;
      while (i < lx.code.size() && is_ident(lx.code[i])) ++i;
      if (i == name) continue;  // not a declaration (Step::Step, Parser&, ...)
      i = skip_space(lx.code, i);
      if (i < lx.code.size() && lx.code[i] == '(')
        take(lx, source, i, n, file, type == "Step" ? out.step_whys : out.summaries);
    }
  }
  // .option(name, value, default, "help"), .flag(name, "help"), .positionals(name, "help").
  for (const auto& [method, n] :
       {std::pair<std::string_view, std::size_t>{"option", 3}, {"flag", 1}, {"positionals", 1}}) {
    for (std::size_t at : words_at(lx, method)) {
      if (at == 0 || lx.code[at - 1] != '.') continue;
      const std::size_t open = skip_space(lx.code, at + method.size());
      if (open < lx.code.size() && lx.code[open] == '(')
        take(lx, source, open, n, file, out.parser_texts);
    }
  }
  // Unmarked explanations: << "words", narrate("words"), detail("words").
  for (std::size_t i = lx.code.find("<<"); i != std::string::npos; i = lx.code.find("<<", i + 2)) {
    if (lx.in_literal[i]) continue;
    const std::size_t q = skip_space(lx.code, i + 2);
    if (q >= lx.code.size() || lx.code[q] != '"') continue;
    std::size_t end = q + 1;
    while (end < lx.code.size() && lx.in_literal[end]) ++end;
    std::string text;
    if (literal_at(lx, source, q, end, text) && has_english_word(text))
      out.unmarked.push_back({text, file, line_of(source, q)});
  }
  // A call whose first argument is a bare literal (tr(...) or a variable there is fine):
  // narrate("words"), detail("words") are unmarked explanations; runtime_error("words"),
  // invalid_argument("words") are errors thrown with a bare literal.
  for (const auto& [call, list] :
       {std::pair<std::string_view, std::vector<Message>*>{"narrate", &out.unmarked},
        {"detail", &out.unmarked},
        {"runtime_error", &out.thrown},
        {"invalid_argument", &out.thrown}}) {
    for (std::size_t at : words_at(lx, call)) {
      const std::size_t open = skip_space(lx.code, at + call.size());
      if (open >= lx.code.size() || lx.code[open] != '(') continue;
      const std::size_t q = skip_space(lx.code, open + 1);
      if (q >= lx.code.size() || lx.code[q] != '"') continue;
      std::size_t end = q + 1;
      while (end < lx.code.size() && lx.in_literal[end]) ++end;
      std::string text;
      if (literal_at(lx, source, q, end, text) && has_english_word(text))
        list->push_back({text, file, line_of(source, q)});
    }
  }
  // A stub line, "// <stub marker> throw std::logic_error("...")" (a comment: read from the
  // source itself). The marker is spelled in two pieces: whole, the student edition would
  // take this file's own text for a marker.
  const std::string stub_marker = std::string("SOLUTION-") + "STUB:";
  for (std::size_t at = source.find(stub_marker); at != std::string_view::npos;
       at = source.find(stub_marker, at + 1)) {
    const std::size_t eol = std::min(source.find('\n', at), source.size());
    const std::string_view line = source.substr(at, eol - at);
    const std::size_t call = line.find("logic_error(\"");
    if (call == std::string_view::npos) continue;
    const std::size_t q = call + 12;
    std::size_t k = q + 1;
    while (k < line.size() && line[k] != '"') k += line[k] == '\\' ? 2 : 1;
    out.stubs.push_back({decode(line.substr(q + 1, k - q - 1)), file, line_of(source, at)});
  }
  // hint_for(): each literal it returns.
  for (std::size_t at : words_at(lx, "hint_for")) {
    const std::size_t open = skip_space(lx.code, at + 8);
    if (open >= lx.code.size() || lx.code[open] != '(') continue;
    const auto params = arguments(lx, open);
    if (params.empty()) continue;
    const std::size_t brace = skip_space(lx.code, params.back().second + 1);
    if (brace >= lx.code.size() || lx.code[brace] != '{') continue;  // a call, not the definition
    const auto body = arguments(lx, brace);  // the whole body is one "argument" of its braces
    const std::size_t body_end = body.empty() ? brace : body.back().second;
    for (std::size_t r = lx.code.find("return", brace); r < body_end;
         r = lx.code.find("return", r + 6)) {
      if (lx.in_literal[r]) continue;
      const std::size_t q = skip_space(lx.code, r + 6);
      std::size_t semi = q;
      while (semi < body_end && (lx.in_literal[semi] || lx.code[semi] != ';')) ++semi;
      std::string text;
      if (q < body_end && lx.code[q] == '"' && literal_at(lx, source, q, semi, text))
        out.hints.push_back({text, file, line_of(source, q)});
    }
  }
  auto by_line = [](const Message& a, const Message& b) { return a.line < b.line; };
  std::sort(out.marked.begin(), out.marked.end(), by_line);
  std::sort(out.parser_texts.begin(), out.parser_texts.end(), by_line);
  return out;
}

std::vector<std::string> placeholders(std::string_view format) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '{') {
      if (i + 1 < format.size() && format[i + 1] == '{') {
        ++i;
        continue;
      }
      const std::size_t close = format.find('}', i);
      if (close == std::string_view::npos) {
        out.emplace_back(format.substr(i));
        break;
      }
      out.emplace_back(format.substr(i, close - i + 1));
      i = close;
    } else if (format[i] == '}' && i + 1 < format.size() && format[i + 1] == '}') {
      ++i;
    }
  }
  return out;
}

std::vector<std::string> entry_problems(const std::vector<Entry>& catalogue) {
  std::vector<std::string> problems;
  std::set<std::string> seen;
  const std::string catalogue_file = "lib/cli/src/messages_zh_cn.cpp";
  for (const Entry& e : catalogue) {
    const std::string quoted = "\"" + e.english + "\"";
    if (!seen.insert(e.english).second)
      problems.push_back(catalogue_file + ": " + quoted + " is in the catalogue twice");
    if (e.chinese.empty() || is_ascii(e.chinese))
      problems.push_back(catalogue_file + ": " + quoted + " has no Chinese (\"" + e.chinese +
                         "\")");
    const auto en = placeholders(e.english), zh = placeholders(e.chinese);
    if (en != zh) {
      auto list = [](const std::vector<std::string>& p) {
        std::string s;
        for (const std::string& x : p) s += (s.empty() ? "" : " ") + x;
        return s.empty() ? std::string("none") : s;
      };
      problems.push_back(catalogue_file + ": " + quoted + ": the Chinese has the placeholders " +
                         list(zh) + ", the English " + list(en) + " (same ones, same order)");
    }
    // —— in Chinese prose, never a lone — (the glossary's 全书统一的写法).
    const std::string dash = "\u2014";
    for (std::size_t at = e.chinese.find(dash); at != std::string::npos;
         at = e.chinese.find(dash, at + 2 * dash.size())) {
      if (e.chinese.compare(at + dash.size(), dash.size(), dash) != 0) {
        problems.push_back(catalogue_file + ": " + quoted +
                           ": the Chinese has a lone \u2014; Chinese prose uses \u2014\u2014");
        break;
      }
    }
    // An ASCII-quoted span in the Chinese must be the English's (code, output, input).
    for (char q : {'"', '\''}) {
      for (std::size_t open = e.chinese.find(q); open != std::string::npos;) {
        const std::size_t close = e.chinese.find(q, open + 1);
        if (close == std::string::npos) {
          problems.push_back(catalogue_file + ": " + quoted + ": the Chinese has a lone " +
                             std::string(1, q) + "; Chinese prose quotes with \u201c\u201d");
          break;
        }
        const std::string span = e.chinese.substr(open, close - open + 1);
        if (e.english.find(span) == std::string::npos)
          problems.push_back(catalogue_file + ": " + quoted + ": the Chinese quotes " + span +
                             " with ASCII quotes, which the English does not: use \u201c\u201d");
        open = e.chinese.find(q, close + 1);
      }
    }
  }
  return problems;
}

std::string lesson_of(const std::string& path) {
  auto digits2 = [](std::string_view s) {
    return s.size() >= 2 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9';
  };
  const std::string tests = "tests/lesson", lessons = "lessons/";
  if (path.starts_with(tests) && digits2(std::string_view(path).substr(tests.size())))
    return path.substr(tests.size(), 2);
  if (path.starts_with(lessons) && digits2(std::string_view(path).substr(lessons.size())))
    return path.substr(lessons.size(), 2);
  return {};
}

std::vector<std::string> message_problems(
    const std::vector<SourceFile>& sources, const std::vector<Entry>& catalogue,
    const std::function<std::string(std::string_view)>& translate,
    const std::set<std::string>& translated_lessons) {
  std::map<std::string, std::string> chinese;
  for (const Entry& e : catalogue) chinese.emplace(e.english, e.chinese);
  const std::string where = " has no Chinese in lib/cli/src/messages_zh_cn.cpp";
  std::vector<std::string> problems = entry_problems(catalogue);
  auto missing = [&](const Message& m, std::string_view kind) {
    problems.push_back(m.where() + ": \"" + m.text + "\" (" + std::string(kind) + ")" + where);
  };

  std::vector<std::pair<std::string, SourceMessages>> all;
  std::set<std::string> lessons = translated_lessons;
  for (const SourceFile& f : sources) {
    all.emplace_back(f.path, source_messages(f.text, f.path));
    const std::string nn = lesson_of(f.path);
    const SourceMessages& m = all.back().second;
    for (const auto* list : {&m.step_whys, &m.summaries})
      for (const Message& x : *list)
        if (!nn.empty() && chinese.count(x.text) != 0) lessons.insert(nn);
  }
  for (const auto& [path, m] : all) {
    for (const Message& x : m.marked)
      if (chinese.count(x.text) == 0) missing(x, "marked with tr()");
    for (const Message& x : m.hints)
      if (chinese.count(x.text) == 0) missing(x, "a hint of hint_for()");
    for (const Message& x : m.stubs)
      if (translate(x.text) == x.text) missing(x, "the TODO a stub throws");
    if (path.starts_with("lib/") || path.starts_with("lessons/"))
      for (const Message& x : m.thrown)
        problems.push_back(x.where() + ": \"" + x.text +
                           "\" is an error a student reads, thrown without tr(): throw it "
                           "with cli::tr()/trf() (hint_hook::tr()/trf() below cli), and give "
                           "it its Chinese");
    const std::string nn = lesson_of(path);
    if (nn.empty() || lessons.count(nn) == 0) continue;
    const std::string lesson = "lesson " + nn + " speaks Chinese";
    for (const Message& x : m.step_whys)
      if (chinese.count(x.text) == 0) missing(x, "a step's why; " + lesson);
    for (const auto* list : {&m.summaries, &m.parser_texts})
      for (const Message& x : *list)
        if (chinese.count(x.text) == 0) missing(x, "--help; " + lesson);
    for (const Message& x : m.unmarked)
      problems.push_back(x.where() + ": \"" + x.text + "\" is a test's explanation without tr() (" +
                         lesson + "): wrap it in tr(), and give it its Chinese");
  }
  return problems;
}

std::vector<SourceFile> message_sources(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::vector<SourceFile> out;
  for (const char* dir : {"lib", "lessons", "tests", "examples", "tools"}) {
    if (!fs::exists(root / dir)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (!entry.is_regular_file()) continue;
      const std::string ext = entry.path().extension().string();
      if (ext != ".cpp" && ext != ".hpp") continue;
      const std::string rel = fs::relative(entry.path(), root).generic_string();
      if (rel.starts_with("tests/docs/") || rel == "lib/cli/src/messages_zh_cn.cpp") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      out.push_back({rel, text.str()});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; });
  return out;
}

}  // namespace docs
