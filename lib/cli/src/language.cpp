// language.cpp — the student's language and the catalogue lookup (socklab/cli/language.hpp).
#include "socklab/cli/language.hpp"

#include <fmt/args.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

#include "console.hpp"
#include "messages.hpp"
#include "socklab/hint_hook.hpp"

namespace socklab::cli {
namespace {

// SOCKLAB_LANG, else the locale (sys::locale_name()): zh... is Chinese (scripts/say.sh).
Language from_environment() {
  const char* asked = std::getenv("SOCKLAB_LANG");  // NOLINT(concurrency-mt-unsafe)
  const std::string name =
      asked != nullptr && *asked != '\0' ? std::string(asked) : sys::locale_name();
  return name.starts_with("zh") ? Language::chinese : Language::english;
}

// 0: not decided yet; else 1 + the Language.
std::atomic<int> g_language{0};

const std::unordered_map<std::string_view, std::string_view>& chinese() {
  static const std::unordered_map<std::string_view, std::string_view> table = [] {
    std::unordered_map<std::string_view, std::string_view> map;
    for (const Translation& t : translations()) map.emplace(t.english, t.chinese);
    return map;
  }();
  return table;
}

// The pieces of `pattern` around its {}: "a {} b {}" -> "a ", " b ", "".
std::vector<std::string_view> pieces(std::string_view pattern) {
  std::vector<std::string_view> out;
  for (;;) {
    const std::size_t at = pattern.find("{}");
    out.push_back(pattern.substr(0, at));
    if (at == std::string_view::npos) return out;
    pattern.remove_prefix(at + 2);
  }
}

// Matches `text` against the pieces: each {} takes at least one character, as few
// as it can. Returns the {} values, or false.
bool match(std::string_view text, const std::vector<std::string_view>& parts,
           std::vector<std::string_view>& values) {
  values.clear();
  if (!text.starts_with(parts.front())) return false;
  text.remove_prefix(parts.front().size());
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    std::size_t at = 0;
    if (last) {
      if (text.size() <= parts[i].size() || !text.ends_with(parts[i])) return false;
      at = text.size() - parts[i].size();
    } else {
      at = parts[i].empty() ? 1 : text.find(parts[i], 1);
      if (at == std::string_view::npos) return false;
    }
    values.push_back(text.substr(0, at));
    text.remove_prefix(at + parts[i].size());
  }
  return true;
}

std::string hint_in_language(std::string_view english) {
  return tr(english);
}

}  // namespace

Language language() noexcept {
  int chosen = g_language.load(std::memory_order_relaxed);
  if (chosen == 0) {
    try {
      chosen = 1 + static_cast<int>(from_environment());
    } catch (...) {  // no memory for the locale's name: English
      chosen = 1;
    }
    int expected = 0;
    if (!g_language.compare_exchange_strong(expected, chosen)) chosen = expected;
  }
  return static_cast<Language>(chosen - 1);
}

void set_language(Language language) noexcept {
  g_language.store(1 + static_cast<int>(language), std::memory_order_relaxed);
}

std::string tr(std::string_view english) {
  if (language() == Language::chinese) {
    const auto& table = chinese();
    if (auto it = table.find(english); it != table.end()) return std::string(it->second);
  }
  return std::string(english);
}

std::string translate_message(std::string_view english) {
  if (language() != Language::chinese) return std::string(english);
  if (auto it = chinese().find(english); it != chinese().end()) return std::string(it->second);
  // The entry with {} that matches with the most of its own text wins.
  const Translation* best = nullptr;
  std::size_t best_fixed = 0;
  std::vector<std::string_view> values, best_values;
  for (const Translation& t : translations()) {
    if (t.english.find("{}") == std::string_view::npos) continue;
    if (t.english.find("{{") != std::string_view::npos) continue;
    const std::vector<std::string_view> parts = pieces(t.english);
    std::size_t fixed = 0;
    for (std::string_view p : parts) fixed += p.size();
    if (fixed > best_fixed && match(english, parts, values)) {
      best = &t;
      best_fixed = fixed;
      best_values = values;
    }
  }
  if (best == nullptr) return std::string(english);
  fmt::dynamic_format_arg_store<fmt::format_context> args;
  for (std::string_view v : best_values) args.push_back(v);
  try {
    return fmt::vformat(best->chinese, args);
  } catch (const fmt::format_error&) {
    return std::string(english);
  }
}

std::span<const Translation> translations() noexcept {
  return messages::chinese();
}

void translate_hints() noexcept {
  hint_hook::install(&hint_in_language);
}

}  // namespace socklab::cli
