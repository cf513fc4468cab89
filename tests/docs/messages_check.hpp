// messages_check.hpp — every message a student reads has its Chinese, with the same {}.
//
// The programs and tests speak the student's language through one catalogue
// (socklab/cli/language.hpp, lib/cli/src/messages_zh_cn.cpp): English text -> Chinese.
// This check extracts the student-visible messages from the sources, as gettext's
// xgettext would, and asks the catalogue for each:
//   - marked: the first argument of tr(...) and trf(...), when it is a string literal,
//     anywhere in lib/, lessons/, tests/ (not tests/docs), examples/, tools/ (cli::tr,
//     and the core's hint_hook::tr/trf, which lib/lab and lib/observe say hints with);
//   - the hints: every string literal that hint_for() returns (lib/core/src/error.cpp);
//   - the TODO a stub throws: std::logic_error("...") on a stub line (the student
//     edition's stub marker, spelled here in two pieces, "SOLUTION-" "STUB:"), which
//     must translate (an entry of its own or an entry with {} it matches);
//   - of a *translated lesson* — lessons 01 to 13 (the test's kTranslatedLessons), and any
//     lesson with a step's `why` or a Parser summary in the catalogue (a lesson is Chinese
//     whole or not at all; the help of an option may be shared by lessons, so it does not
//     start one): the `why` of every Step (tests/lessonNN_*_test.cpp), the Parser's
//     summary and the help of every option, flag and positionals (lessons/NN_*/*.cpp);
//     and no failure explanation there is left unmarked (`<< "words"` or
//     narrate("words") / detail(...) with a literal: wrap it in tr());
//   - in lib/ and lessons/, no error a program throws for the student to read starts
//     from a bare literal: std::runtime_error("words ...") and std::invalid_argument(...)
//     take tr()/trf() (cli) or hint_hook::tr()/trf() (the rooms below cli). A
//     std::logic_error is a programmer's mistake, not a message, and is not asked; the
//     examples' errors are logs and wire text (file_transfer's "error: ..."), English.
// And for every entry of the catalogue: the Chinese is not empty and not English only;
// its placeholders ({}, {:x}, {0} ...) are the English's, in the same order; it is
// written in the glossary's voice: —— not a lone —, and an ASCII-quoted span only if
// the English has it too (code, program output, what the user typed); no English key
// twice. Comments are not sources of messages (except the stub lines).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace docs {

// A string literal found in a source: its decoded text (adjacent literals joined,
// escapes such as \u2014 decoded to UTF-8) and where it starts.
struct Message {
  std::string text;
  std::string file;  // relative to the source tree
  int line = 0;      // 1-based
  std::string where() const { return file + ":" + std::to_string(line); }
};

// What one source file holds, by kind (see above).
struct SourceMessages {
  std::vector<Message> marked;        // tr("..."), trf("...")
  std::vector<Message> step_whys;     // Step s(N, M, call, "why")
  std::vector<Message> summaries;     // Parser p("prog", "summary")
  std::vector<Message> parser_texts;  // .option(..., "help"), .flag(...), .positionals(...)
  std::vector<Message> unmarked;      // << "words", narrate("words"), detail("words")
  std::vector<Message> stubs;         // a stub line: throw std::logic_error("...")
  std::vector<Message> hints;         // return "..." inside hint_for()
  std::vector<Message> thrown;        // runtime_error("words"), invalid_argument("words")
};

// Extracts the messages of one C++ source text. `file` is only copied into them.
SourceMessages source_messages(std::string_view source, const std::string& file);

// The placeholders of a fmt format string, in order: "{} '{:x}'" -> {"{}", "{:x}"}.
// "{{" and "}}" are literal braces, not placeholders.
std::vector<std::string> placeholders(std::string_view format);

// One catalogue entry as the check sees it.
struct Entry {
  std::string english;
  std::string chinese;
};

// The problems of the catalogue's own entries (placeholders, voice, duplicates), one line each.
std::vector<std::string> entry_problems(const std::vector<Entry>& catalogue);

// The lesson number of a source path: tests/lesson01_echo_server_test.cpp and
// lessons/01_echo_server/echo_server.cpp -> "01"; "" for any other file.
std::string lesson_of(const std::string& relative_path);

// Every problem of a tree's sources against a catalogue, one line each, e.g.
//   tests/lesson01_echo_server_test.cpp:52: "a new socket has no peer" (a test's failure
//   explanation) has no Chinese in lib/cli/src/messages_zh_cn.cpp
// `translate` is the program's own translate_message() in Chinese (for the stubs).
// `translated_lessons` are required whole; any lesson with a text in the catalogue is too.
struct SourceFile {
  std::string path;  // relative to the tree
  std::string text;
};
std::vector<std::string> message_problems(
    const std::vector<SourceFile>& sources, const std::vector<Entry>& catalogue,
    const std::function<std::string(std::string_view)>& translate,
    const std::set<std::string>& translated_lessons);

// The C++ sources the check reads: lib/, lessons/, tests/ (without tests/docs),
// examples/ and tools/, *.cpp and *.hpp, sorted; paths relative to `root`.
std::vector<SourceFile> message_sources(const std::filesystem::path& root);

}  // namespace docs
