// socklab/cli/language.hpp — what the programs and tests say, in the student's language.
//
// English, or Chinese (中文) with SOCKLAB_LANG=zh-CN, or from the locale: the same
// rule as the scripts' own lines (scripts/say.sh) and the tour. SOCKLAB_LANG wins
// (zh... is Chinese, anything else — e.g. en — is English); without it, the first of
// LC_ALL, LC_MESSAGES, LANG that is set (on Windows, then the user's locale,
// GetUserDefaultLocaleName); zh... means Chinese.
//
// A message a student reads is written in English where it is said, through tr():
//
//   throw UsageError(cli::trf("unknown option '{}'", name));   // the key is the English
//
// and its Chinese is one line of the catalogue, lib/cli/src/messages_zh_cn.cpp. A
// message without its Chinese prints in English; the docs check (MessagesCheck.*) fails
// on a marked message without its Chinese and on a Chinese text whose {} differ.
// Translated: what a program says to the student — error lines, hints, --help, the
// TODO a stub throws — and what a test narrates. Never translated: a program's data
// output (stdout lines such as "listening on", "reply:", addresses, segments), the
// "PROGRAM: error:" / "PROGRAM: usage:" prefix and "TODO(step N)", which scripts read.
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/core.h>

namespace socklab::cli {

enum class Language { english, chinese };

/// The language chosen for this process (see above), decided at the first call.
Language language() noexcept;

/// Chooses the language for the whole process instead (a test that checks one
/// language's text; the catalogue's own tests).
void set_language(Language language) noexcept;

/// `english` in the chosen language: its Chinese from the catalogue, else itself.
std::string tr(std::string_view english);

/// tr(english) formatted with fmt: the English's {} are checked as it compiles, the
/// Chinese's by the docs check (and a Chinese text that does not format falls back
/// to the English).
template <typename... Args>
std::string trf(fmt::format_string<Args...> english, Args&&... args) {
  const fmt::string_view key = english;
  const std::string text = tr(std::string_view(key.data(), key.size()));
  try {
    return fmt::vformat(text, fmt::make_format_args(args...));
  } catch (const std::runtime_error&) {  // fmt::format_error
    return fmt::vformat(key, fmt::make_format_args(args...));
  }
}

/// A whole message that some code wrote in English, e.g. an exception's what():
/// a catalogue entry of its own, or an entry with {} that it matches ("TODO(step {}):
/// {} is not written yet"), the {} carried over; else the message as it is.
std::string translate_message(std::string_view english);

/// One line of the catalogue: an English text and its Chinese.
struct Translation {
  std::string_view english;
  std::string_view chinese;
};

/// The whole Chinese catalogue, in the order of lib/cli/src/messages_zh_cn.cpp.
std::span<const Translation> translations() noexcept;

/// Makes every socklab::Error's hint speak the chosen language (installs tr() as
/// the core's hint_hook). cli::run() calls it; so does the tests' support library.
void translate_hints() noexcept;

}  // namespace socklab::cli
