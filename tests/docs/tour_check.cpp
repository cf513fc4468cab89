// tour_check.cpp — see tour_check.hpp. A small reader of POSIX sh: enough of the
// shell's word splitting (XCU 2.2 quoting, 2.3 token recognition) to find each simple
// command, its name and its arguments, in a script like scripts/tour.sh.
#include "tour_check.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace tour {
namespace {

struct Token {
  enum class Kind { word, op, redirect, newline } kind = Kind::word;
  std::string raw;    // as written
  std::string value;  // quotes removed; expansions ($x, ${x}, $(...)) kept as written
  int line = 0;
  bool heredoc = false;
};

bool is_cjk_at(std::string_view s, std::size_t i, std::size_t& length) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  length = 1;
  if (b(i) >= 0xE0 && b(i) < 0xF0 && i + 2 < s.size()) {
    char32_t cp = ((b(i) & 0x0F) << 12) | ((b(i + 1) & 0x3F) << 6) | (b(i + 2) & 0x3F);
    length = 3;
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF);
  }
  return false;
}

bool has_cjk(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    std::size_t length = 1;
    if (is_cjk_at(s, i, length)) return true;
    i += length;
  }
  return false;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  std::vector<Token> tokens() {
    std::vector<Token> out;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r') {
        ++i_;
      } else if (c == '\\' && peek(1) == '\n') {  // a line continuation
        i_ += 2;
        ++line_;
      } else if (c == '\n') {
        out.push_back({Token::Kind::newline, "\n", "", line_, false});
        ++i_;
        ++line_;
      } else if (c == '#') {  // a comment: '#' where a word would start
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (redirect_starts()) {
        out.push_back(redirect());
      } else if (c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
        Token t{Token::Kind::op, std::string(1, c), "", line_, false};
        ++i_;
        if ((c == ';' || c == '&' || c == '|') && i_ < s_.size() && s_[i_] == c) {
          t.raw += c;
          ++i_;
        }
        out.push_back(t);
      } else {
        out.push_back(word());
      }
    }
    return out;
  }

 private:
  char peek(std::size_t ahead) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
  bool redirect_starts() const {
    std::size_t k = i_;
    while (k < s_.size() && std::isdigit(static_cast<unsigned char>(s_[k])) != 0) ++k;
    return k < s_.size() && (s_[k] == '<' || s_[k] == '>');
  }
  Token redirect() {
    Token t{Token::Kind::redirect, "", "", line_, false};
    std::size_t start = i_;
    while (std::isdigit(static_cast<unsigned char>(s_[i_])) != 0) ++i_;
    char c = s_[i_++];
    if (c == '<' && peek(0) == '<') {
      t.heredoc = true;
      ++i_;
      if (peek(0) == '-') ++i_;
    } else if (peek(0) == '>' || peek(0) == '&' || peek(0) == '|') {
      ++i_;
    }
    while (peek(0) == ' ' || peek(0) == '\t') ++i_;
    if (i_ < s_.size() && s_[i_] != '\n') t.value = word().value;  // the target
    t.raw = std::string(s_.substr(start, i_ - start));
    return t;
  }
  // $( ... ) from just after "$(": to its matching ")", quotes and nesting respected.
  void command_substitution(std::string& value) {
    int depth = 1;
    while (i_ < s_.size() && depth > 0) {
      char c = s_[i_];
      if (c == '\'') {
        value += c;
        ++i_;
        while (i_ < s_.size() && s_[i_] != '\'') newline_aware(value);
        if (i_ < s_.size()) value += s_[i_++];
      } else if (c == '"') {
        value += c;
        ++i_;
        double_quoted(value);
        value += '"';
      } else if (c == '\\' && i_ + 1 < s_.size()) {
        value += c;
        ++i_;
        newline_aware(value);
      } else {
        if (c == '(') ++depth;
        if (c == ')') --depth;
        newline_aware(value);
      }
    }
  }
  void newline_aware(std::string& value) {
    if (s_[i_] == '\n') ++line_;
    value += s_[i_++];
  }
  // "..." from just after the opening quote, through the closing one (not added).
  void double_quoted(std::string& value) {
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_];
      if (c == '\\' && i_ + 1 < s_.size()) {
        char n = s_[i_ + 1];
        if (n == '\n') {
          i_ += 2;
          ++line_;
        } else if (n == '"' || n == '\\' || n == '$' || n == '`') {
          value += n == '$' ? "\\$" : std::string(1, n);  // \$ stays marked: not a variable
          i_ += 2;
        } else {
          value += c;
          ++i_;
        }
      } else if (c == '$' && peek(1) == '(') {
        value += "$(";
        i_ += 2;
        command_substitution(value);
      } else if (c == '$' && peek(1) == '{') {
        parameter(value);
      } else {
        newline_aware(value);
      }
    }
    if (i_ < s_.size()) ++i_;
  }
  void parameter(std::string& value) {  // ${...} from its '$'
    int depth = 0;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '{') ++depth;
      if (c == '}' && --depth == 0) {
        value += s_[i_++];
        return;
      }
      newline_aware(value);
    }
  }
  Token word() {
    Token t{Token::Kind::word, "", "", line_, false};
    std::size_t start = i_;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '&' || c == '|' ||
          c == '(' || c == ')' || c == '<' || c == '>') {
        break;
      }
      if (c == '\'') {
        ++i_;
        while (i_ < s_.size() && s_[i_] != '\'') newline_aware(t.value);
        if (i_ < s_.size()) ++i_;
      } else if (c == '"') {
        ++i_;
        double_quoted(t.value);
      } else if (c == '\\' && i_ + 1 < s_.size()) {
        if (s_[i_ + 1] == '\n') break;  // a continuation ends the word
        t.value += s_[i_ + 1] == '$' ? "\\$" : std::string(1, s_[i_ + 1]);
        i_ += 2;
      } else if (c == '$' && peek(1) == '(') {
        t.value += "$(";
        i_ += 2;
        command_substitution(t.value);
      } else if (c == '$' && peek(1) == '{') {
        parameter(t.value);
      } else {
        t.value += c;
        ++i_;
      }
    }
    t.raw = std::string(s_.substr(start, i_ - start));
    return t;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  int line_ = 1;
};

// A word's text with its expansions taken out; the names of the parameters it
// expands ($BIN, ${1##*/} -> "BIN", "1") go to names.
std::string without_expansions(std::string_view v, std::set<std::string>* names = nullptr) {
  std::string out;
  for (std::size_t i = 0; i < v.size();) {
    if (v[i] == '\\' && i + 1 < v.size() && v[i + 1] == '$') {  // an escaped, literal $
      out += '$';
      i += 2;
    } else if (v[i] != '$' || i + 1 >= v.size()) {
      out += v[i++];
    } else if (v[i + 1] == '(') {  // $(...): a command's output, not text of ours
      int depth = 0;
      for (; i < v.size(); ++i) {
        if (v[i] == '(') ++depth;
        if (v[i] == ')' && --depth == 0) break;
      }
      ++i;
    } else if (v[i + 1] == '{') {
      std::size_t end = v.find('}', i);
      std::size_t k = i + 2;
      std::string name;
      while (k < v.size() && is_name_char(v[k])) name += v[k++];
      if (name.empty() && k < v.size()) name = std::string(1, v[k]);
      if (names != nullptr) names->insert(name);
      i = end == std::string_view::npos ? v.size() : end + 1;
    } else if (is_name_char(v[i + 1])) {
      std::size_t k = i + 1;
      std::string name;
      if (std::isdigit(static_cast<unsigned char>(v[k])) != 0) {
        name = std::string(1, v[k++]);  // $1 is one digit: "$10" is ${1}0
      } else {
        while (k < v.size() && is_name_char(v[k])) name += v[k++];
      }
      if (names != nullptr) names->insert(name);
      i = k;
    } else if (std::string_view("@*#?-$!").find(v[i + 1]) != std::string_view::npos) {
      if (names != nullptr) names->insert(std::string(1, v[i + 1]));
      i += 2;
    } else {
      out += v[i++];
    }
  }
  return out;
}

// printf's text without what carries no words: conversions (%s), escapes (\n), and
// the [tags] that label the programs' output ("  [server] %s\n").
bool printf_has_words(const std::vector<Token>& args) {
  for (const Token& a : args) {
    std::string text = without_expansions(a.value);
    std::string kept;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if ((text[i] == '%' || text[i] == '\\') && i + 1 < text.size()) {
        ++i;
      } else if (text[i] == '[') {
        std::size_t end = text.find(']', i);
        if (end == std::string::npos) break;
        i = end;
      } else {
        kept += text[i];
      }
    }
    if (std::any_of(kept.begin(), kept.end(),
                    [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; })) {
      return true;
    }
  }
  return false;
}

std::string clip(std::string s) {
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return s.size() > 90 ? s.substr(0, 87) + "..." : s;
}

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "$" : " $") + n;
  return out.empty() ? "none" : out;
}

bool reserved(const std::string& w) {
  static const std::set<std::string> words = {"if",   "then",  "else",  "elif", "fi", "do",
                                              "done", "while", "until", "!",    "{",  "}"};
  return words.count(w) != 0;
}

bool assignment(const std::string& raw) {
  std::size_t eq = raw.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  return std::all_of(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(eq), is_name_char) &&
         std::isdigit(static_cast<unsigned char>(raw[0])) == 0;
}

}  // namespace

std::vector<Problem> check(std::string_view script, const std::set<std::string>& pairs) {
  std::vector<Token> tokens = Lexer(script).tokens();
  std::vector<Problem> problems;
  int says = 0;

  std::size_t i = 0;
  while (i < tokens.size()) {
    // One simple command: its words up to the next operator or newline.
    std::vector<Token> words;
    bool heredoc = false;
    int line = tokens[i].line;
    std::string raw;
    for (; i < tokens.size(); ++i) {
      const Token& t = tokens[i];
      if (t.kind == Token::Kind::newline || t.kind == Token::Kind::op) break;
      if (words.empty() && t.kind == Token::Kind::word && reserved(t.raw)) continue;
      if (words.empty() && t.kind == Token::Kind::word && assignment(t.raw)) continue;
      if (words.empty()) line = t.line;
      raw += (raw.empty() ? "" : " ") + t.raw;
      if (t.kind == Token::Kind::redirect) {
        heredoc = heredoc || t.heredoc;
        continue;
      }
      words.push_back(t);
    }
    const Token* end = i < tokens.size() ? &tokens[i] : nullptr;
    if (end != nullptr) ++i;
    bool piped = end != nullptr && end->kind == Token::Kind::op && end->raw == "|";
    bool defines = end != nullptr && end->kind == Token::Kind::op && end->raw == "(";

    if (heredoc) {
      problems.push_back(
          {line, "a here-document: its text bypasses say and is not translated: " + clip(raw)});
    }
    if (words.empty() || defines) continue;
    const std::string& name = words[0].raw;
    std::vector<Token> args(words.begin() + 1, words.end());

    if (pairs.count(name) != 0) {
      if (args.size() == 1 && args[0].raw == "\"$@\"") continue;  // banner/fail passing on
      ++says;
      if (args.size() != 2) {
        problems.push_back(
            {line, name + " with " + std::to_string(args.size()) +
                       " argument(s), not the two \"English\" \"中文\": " + clip(raw)});
        continue;
      }
      std::set<std::string> english_names;
      std::set<std::string> chinese_names;
      std::string english = without_expansions(args[0].value, &english_names);
      std::string chinese = without_expansions(args[1].value, &chinese_names);
      if (!has_cjk(chinese)) {
        problems.push_back(
            {line, name + ": the second line has no Chinese (left untranslated?): " + clip(raw)});
      } else if (has_cjk(english)) {
        problems.push_back({line, name +
                                      ": the first line, the English one, has Chinese in it "
                                      "(the two swapped?): " +
                                      clip(raw)});
      }
      if (english_names != chinese_names) {
        problems.push_back({line, name + ": the two lines name different variables (English " +
                                      joined(english_names) + ", Chinese " + joined(chinese_names) +
                                      "): " + clip(raw)});
      }
    } else if (name == "echo") {
      problems.push_back(
          {line, "echo: the tour's lines go through say \"English\" \"中文\": " + clip(raw)});
    } else if (name == "printf" && !piped && printf_has_words(args)) {
      problems.push_back({line,
                          "printf with words of the tour's own (not piped into a program): use "
                          "say \"English\" \"中文\": " +
                              clip(raw)});
    }
  }
  if (says == 0)
    problems.push_back({1, "no say \"English\" \"中文\" line at all: nothing is checked"});
  return problems;
}

}  // namespace tour
