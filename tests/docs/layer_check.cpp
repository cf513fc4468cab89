// layer_check.cpp — see layer_check.hpp. A small tokenizer and a scope walker: enough
// C++ to find declarations in the layer's own headers, not a compiler.
#include "layer_check.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace docs {
namespace {

struct Token {
  std::string text;
  int line = 0;
};

bool ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Comments, string and character literals and preprocessor lines become spaces
// (newlines kept, so lines still count).
std::string blank_non_code(std::string_view in) {
  std::string out(in);
  std::size_t i = 0;
  bool line_start = true;
  auto blank = [&](std::size_t from, std::size_t to) {
    for (std::size_t k = from; k < to && k < out.size(); ++k)
      if (out[k] != '\n') out[k] = ' ';
  };
  while (i < out.size()) {
    char c = out[i];
    if (line_start && (c == ' ' || c == '\t')) {
      ++i;
      continue;
    }
    if (line_start && c == '#') {  // a preprocessor line, with its continuations
      std::size_t j = i;
      while (j < out.size() && !(out[j] == '\n' && (j == 0 || out[j - 1] != '\\'))) ++j;
      blank(i, j);
      i = j;
      continue;
    }
    line_start = c == '\n';
    if (c == '/' && i + 1 < out.size() && out[i + 1] == '/') {
      std::size_t j = out.find('\n', i);
      if (j == std::string::npos) j = out.size();
      blank(i, j);
      i = j;
    } else if (c == '/' && i + 1 < out.size() && out[i + 1] == '*') {
      std::size_t j = out.find("*/", i + 2);
      j = j == std::string::npos ? out.size() : j + 2;
      blank(i, j);
      i = j;
    } else if (c == '"' || c == '\'') {
      if (c == '"' && i > 0 && out[i - 1] == 'R') {  // a raw string R"d( ... )d"
        std::size_t open = out.find('(', i);
        std::string delim = ")" + out.substr(i + 1, open - i - 1) + "\"";
        std::size_t j = out.find(delim, open);
        j = j == std::string::npos ? out.size() : j + delim.size();
        blank(i, j);
        i = j;
        continue;
      }
      std::size_t j = i + 1;
      while (j < out.size() && out[j] != c && out[j] != '\n') j += out[j] == '\\' ? 2 : 1;
      blank(i, j + 1);
      i = j + 1;
    } else {
      ++i;
    }
  }
  return out;
}

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> out;
  int line = 1;
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (ident_start(c)) {
      std::size_t j = i;
      while (j < text.size() && ident_char(text[j])) ++j;
      out.push_back({std::string(text.substr(i, j - i)), line});
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t j = i;
      while (j < text.size() && (ident_char(text[j]) || text[j] == '\'' || text[j] == '.')) ++j;
      out.push_back({std::string(text.substr(i, j - i)), line});
      i = j;
    } else if (c == ':' && i + 1 < text.size() && text[i + 1] == ':') {
      out.push_back({"::", line});
      i += 2;
    } else {
      out.push_back({std::string(1, c), line});
      ++i;
    }
  }
  return out;
}

const std::set<std::string>& not_function_names() {
  static const std::set<std::string> words = {
      "alignas",  "alignof", "auto",   "bool",          "char",     "const",    "constexpr",
      "decltype", "double",  "float",  "int",           "long",     "noexcept", "requires",
      "short",    "signed",  "sizeof", "static_assert", "unsigned", "void",     "volatile",
      "operator", "return",  "throw",  "typeid"};
  return words;
}

class Walker {
 public:
  Walker(std::vector<Token> tokens, std::string header)
      : t_(std::move(tokens)), header_(std::move(header)) {}

  std::vector<HeaderName> run() {
    std::size_t i = 0;
    while (i < t_.size()) i = block(i, Scope{});
    return std::move(names_);
  }

 private:
  struct Scope {
    std::string cls;        // the class whose body this is, or "" in a namespace
    bool is_class = false;  // `class`: members are private until `public:`
    bool visible = true;    // public, and not inside a detail namespace or private part
  };

  const std::string& at(std::size_t i) const {
    static const std::string none;
    return i < t_.size() ? t_[i].text : none;
  }
  // Index just past the bracket that closes the one at `i` (( [ { or <).
  std::size_t skip_balanced(std::size_t i) const {
    const std::string open = at(i);
    const std::string close = open == "(" ? ")" : open == "[" ? "]" : open == "{" ? "}" : ">";
    int depth = 0;
    for (; i < t_.size(); ++i) {
      if (at(i) == open) ++depth;
      if (at(i) == close && --depth == 0) return i + 1;
    }
    return t_.size();
  }
  void add(const std::string& name, const std::string& cls, std::size_t token) {
    names_.push_back({name, cls, header_, t_[token].line});
  }

  // Statements of one scope, up to and past its closing '}'.
  std::size_t block(std::size_t i, Scope scope) {
    bool is_public = !scope.is_class;
    while (i < t_.size()) {
      const std::string& tok = at(i);
      if (tok == "}") return i + 1;
      if (tok == ";") {
        ++i;
        continue;
      }
      if (!scope.cls.empty() && (tok == "public" || tok == "private" || tok == "protected") &&
          at(i + 1) == ":") {
        is_public = tok == "public";
        i += 2;
        continue;
      }
      i = statement(i, scope, scope.visible && is_public);
    }
    return i;
  }

  // One declaration: up to its ';', or its body's '}' for a function or a namespace.
  std::size_t statement(std::size_t i, const Scope& scope, bool visible) {
    const std::size_t begin = i;
    std::size_t first_paren = std::string::npos;
    std::size_t type_keyword = std::string::npos;
    bool has_equals = false;
    while (i < t_.size()) {
      const std::string& tok = at(i);
      if (tok == ";") {
        ++i;
        break;
      }
      if (tok == "}") break;  // a scope ends without ';' (malformed): leave it to block()
      if (tok == "template" && at(i + 1) == "<") {
        i = skip_balanced(i + 1);
        continue;
      }
      if (tok == "[" || (tok == "(" && first_paren != std::string::npos)) {
        i = skip_balanced(i);
        continue;
      }
      if (tok == "(") {
        first_paren = i;
        i = skip_balanced(i);
        continue;
      }
      if (tok == "=" && first_paren == std::string::npos && at(i - 1) != "operator")
        has_equals = true;
      if ((tok == "class" || tok == "struct" || tok == "union" || tok == "enum") &&
          first_paren == std::string::npos && type_keyword == std::string::npos && !has_equals)
        type_keyword = i;
      if (tok == "{") {
        if (at(begin) == "namespace") {
          std::string name = at(begin + 1) == "{" ? "" : at(begin + 1);
          Scope inner{"", false, scope.visible && name != "detail" && name != "std"};
          return block(i + 1, inner);
        }
        if (type_keyword != std::string::npos && at(begin) != "friend" && at(begin) != "using" &&
            at(begin) != "typedef") {
          std::string kind = at(type_keyword);
          std::size_t n = type_keyword + 1;
          if (kind == "enum" && (at(n) == "class" || at(n) == "struct")) ++n;
          std::string name = ident_start(at(n).empty() ? ' ' : at(n)[0]) ? at(n) : "";
          if (visible && !name.empty()) add(name, scope.cls, n);
          if (kind == "enum") {
            i = skip_balanced(i);
          } else {
            Scope inner{name, kind == "class", visible};
            i = block(i + 1, inner);
          }
          type_keyword = std::string::npos;  // `struct X {...} x;`: the rest is a variable
          first_paren = std::string::npos;
          continue;
        }
        if (first_paren != std::string::npos) {  // a function body: the declaration ends
          i = skip_balanced(i);
          function(begin, first_paren, scope, visible);
          return i;
        }
        i = skip_balanced(i);  // braces of an initializer
        continue;
      }
      ++i;
    }
    const std::string& head = at(begin);
    if (!visible || head == "using" || head == "typedef" || head == "friend" ||
        head == "static_assert" || head == "namespace")
      return i;
    if (type_keyword != std::string::npos && first_paren == std::string::npos) {
      std::size_t n = type_keyword + 1;  // a declaration: class X; enum class E : int;
      if (at(type_keyword) == "enum" && (at(n) == "class" || at(n) == "struct")) ++n;
      if (!at(n).empty() && ident_start(at(n)[0])) add(at(n), scope.cls, n);
      return i;
    }
    if (first_paren != std::string::npos && !has_equals)
      function(begin, first_paren, scope, visible);
    return i;
  }

  void function(std::size_t begin, std::size_t paren, const Scope& scope, bool visible) {
    if (!visible || paren == begin) return;
    const std::string& head = at(begin);
    if (head == "using" || head == "typedef" || head == "friend" || head == "static_assert") return;
    const std::string& name = at(paren - 1);
    if (name.empty() || !ident_start(name[0])) return;  // operator==, (*f)(...)
    if (not_function_names().count(name)) return;       // operator bool, void(int), ...
    if (paren >= 2 && (at(paren - 2) == "operator" || at(paren - 2) == "~")) return;
    if (name == scope.cls) return;  // a constructor
    add(name, scope.cls, paren - 1);
  }

  std::vector<Token> t_;
  std::string header_;
  std::vector<HeaderName> names_;
};

}  // namespace

std::vector<HeaderName> header_names(std::string_view text, const std::string& header) {
  return Walker(tokenize(blank_non_code(text)), header).run();
}

std::set<std::string> code_words(std::string_view markdown) {
  std::set<std::string> words;
  std::istringstream lines{std::string(markdown)};
  bool fenced = false;
  for (std::string line; std::getline(lines, line);) {
    std::size_t lead = line.find_first_not_of(' ');
    if (lead != std::string::npos &&
        (line.compare(lead, 3, "```") == 0 || line.compare(lead, 3, "~~~") == 0)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) continue;
    for (std::size_t i = 0; i < line.size();) {
      if (line[i] != '`') {
        ++i;
        continue;
      }
      std::size_t ticks = line.find_first_not_of('`', i) - i;
      if (line.find_first_not_of('`', i) == std::string::npos) break;
      std::string fence(ticks, '`');
      std::size_t end = line.find(fence, i + ticks);
      if (end == std::string::npos) break;
      std::string span = line.substr(i + ticks, end - i - ticks);
      for (std::size_t k = 0; k < span.size();) {
        if (ident_start(span[k])) {
          std::size_t j = k;
          while (j < span.size() && ident_char(span[j])) ++j;
          words.insert(span.substr(k, j - k));
          k = j;
        } else {
          ++k;
        }
      }
      i = end + ticks;
    }
  }
  return words;
}

std::vector<std::string> unnamed(const std::vector<HeaderName>& names, std::string_view markdown,
                                 const std::string& page) {
  const std::set<std::string> words = code_words(markdown);
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const HeaderName& n : names) {
    if (words.count(n.name) || !seen.insert(n.spelled()).second) continue;
    out.push_back(page + " does not name `" + n.spelled() + "` (" + n.header + ":" +
                  std::to_string(n.line) + "): add it to a row, in a code span");
  }
  return out;
}

std::vector<std::filesystem::path> public_headers(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::vector<fs::path> out;
  for (const auto& room : fs::directory_iterator(root / "lib")) {
    fs::path include = room.path() / "include";
    if (!fs::is_directory(include)) continue;
    for (const auto& f : fs::recursive_directory_iterator(include))
      if (f.is_regular_file() && f.path().extension() == ".hpp") out.push_back(f.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace docs
