// student_edition — writes the student edition of the socklab tree.
//
//   student_edition --source DIR --output DIR [--files-from LIST]
//                   [--exclude PATH]... [--allow-trace PATH]... [--note-trace PATH]...
//
// Every file (those named in LIST, one relative path a line, e.g. from
// `git ls-files`; else every file under --source but .git and build trees) is
// copied to --output with its solution markers replaced by their TODO text and
// stubs (see marker.hpp). --exclude leaves files or folders out (the
// instructors' tools); --substitute REL=FILE writes FILE's text as REL (the
// students' README.md). Then the whole output is checked for traces: no marker
// word anywhere, and no removed solution line in any file (except under an
// --allow-trace path; under a --note-trace path, in another folder than the
// line's own, it is only a note). Writes OUTPUT/.socklab-student-edition, the record
// of what was handed out: the marked files ("marked FILE BLOCKS") and, for each marked
// block of code, its lesson and step ("exercise NN STEP FILE"; `make progress` counts
// the lessons from these lines). A file under lessons/NN_slug/ is lesson NN's; a marked
// file elsewhere (lib/lab/src/route.cpp) is the lesson's whose program names its path,
// and it is an error if no lesson's program, or more than one, names it.
//
//   student_edition --record --source DIR [--files-from LIST] [--exclude PATH]...
//
// prints that record for the tree as it is (the reference edition's, for `make
// progress` there) and writes nothing. Exit status: 0 done, 1 marker errors or traces
// found, 2 usage error.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "marker.hpp"

namespace fs = std::filesystem;
using socklab::tools::MarkerError;

namespace {

constexpr std::string_view manifest_name = ".socklab-student-edition";

struct Options {
  fs::path source, output, files_from;
  std::vector<std::string> exclude, allow_trace, note_trace;
  std::map<std::string, fs::path> substitute;  // relative path -> the file written instead
  bool record = false;                         // --record: print the record, write nothing
};

[[noreturn]] void usage(const std::string& problem) {
  fmt::print(stderr, "student_edition: {}\n", problem);
  fmt::print(stderr,
             "usage: student_edition --source DIR --output DIR [--files-from LIST]\n"
             "                       [--exclude PATH]... [--allow-trace PATH]... [--note-trace "
             "PATH]...\n"
             "                       [--substitute REL=FILE]...\n"
             "       student_edition --record --source DIR [--files-from LIST] [--exclude "
             "PATH]...\n");
  std::exit(2);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", path.string()));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// student_edition --mutant FILE N: FILE with only its Nth marked block replaced
// by its stub, on stdout (scripts/check-exercises.sh); N = 0 prints the count.
[[noreturn]] void mutant(const std::string& file, const std::string& number) {
  int n = 0;
  try {
    n = std::stoi(number);
  } catch (const std::exception&) {
    usage(fmt::format("--mutant FILE N: N must be a number, got '{}'", number));
  }
  const auto stripped = socklab::tools::strip_solutions(
      read_file(file), socklab::tools::syntax_for(file), file, n > 0 ? n : 0);
  if (n <= 0) {
    fmt::print("{}\n", stripped.blocks);
  } else if (n > stripped.blocks) {
    usage(fmt::format("{} has {} marked blocks, not {}", file, stripped.blocks, n));
  } else {
    fmt::print("{}", stripped.text);
  }
  std::exit(0);
}

Options parse(int argc, char** argv) {
  Options o;
  if (argc == 4 && std::string_view(argv[1]) == "--mutant") mutant(argv[2], argv[3]);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--record") {
      o.record = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      fmt::print(
          "usage: student_edition --source DIR --output DIR [--files-from LIST]\n"
          "                       [--exclude PATH]... [--allow-trace PATH]... [--note-trace "
          "PATH]...\n"
          "       student_edition --record --source DIR [--files-from LIST] [--exclude "
          "PATH]...\n"
          "Writes the student edition: solution markers replaced by their TODO text.\n"
          "--record prints its record (.socklab-student-edition) and writes nothing.\n");
      std::exit(0);
    }
    if (i + 1 >= argc) usage(fmt::format("{} needs a value", arg));
    std::string value = argv[++i];
    if (arg == "--source") {
      o.source = value;
    } else if (arg == "--output") {
      o.output = value;
    } else if (arg == "--files-from") {
      o.files_from = value;
    } else if (arg == "--exclude") {
      o.exclude.push_back(value);
    } else if (arg == "--allow-trace") {
      o.allow_trace.push_back(value);
    } else if (arg == "--note-trace") {
      o.note_trace.push_back(value);
    } else if (arg == "--substitute") {
      const std::size_t eq = value.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == value.size())
        usage(fmt::format("--substitute wants REL=FILE, got '{}'", value));
      o.substitute[value.substr(0, eq)] = value.substr(eq + 1);
    } else {
      usage(fmt::format("unknown option {}", arg));
    }
  }
  if (o.source.empty()) usage("--source is required");
  if (o.output.empty() != o.record) usage("--output is required (and --record writes nothing)");
  return o;
}

// "a/b/c" is under "a/b" and under "a/b/c", not under "a/bc".
bool under(const std::string& path, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](std::string p) {
    while (p.ends_with('/')) p.pop_back();
    return path == p || path.starts_with(p + "/");
  });
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error(fmt::format("cannot write {}", path.string()));
}

// The files to hand out, relative to the source, sorted.
std::vector<std::string> list_files(const Options& o) {
  std::vector<std::string> files;
  if (!o.files_from.empty()) {
    std::istringstream list(read_file(o.files_from));
    for (std::string line; std::getline(list, line);) {
      if (line.ends_with('\r')) line.pop_back();
      // A file deleted in the work tree, or a submodule: nothing to copy.
      if (!line.empty() && fs::is_regular_file(o.source / line)) files.push_back(line);
    }
  } else {
    const fs::path output = fs::weakly_canonical(o.output);
    for (auto it = fs::recursive_directory_iterator(o.source);
         it != fs::recursive_directory_iterator(); ++it) {
      if (it->path().filename() == ".git") {  // a folder, or a file in a git worktree
        if (it->is_directory()) it.disable_recursion_pending();
      } else if (it->is_directory() && (fs::exists(it->path() / "CMakeCache.txt") ||
                                        fs::weakly_canonical(it->path()) == output)) {
        it.disable_recursion_pending();  // a build tree, or the output itself
      } else if (it->is_regular_file()) {
        files.push_back(fs::relative(it->path(), o.source).generic_string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The steps of a file's marked blocks, in order: N of "SOLUTION-BEGIN: TODO(step N)";
// 0 for a block whose text names no step. (Plain string search, not <regex>: GCC 12's
// -Wmaybe-uninitialized fires inside std::regex under the sanitizers' -Werror build.)
std::vector<int> marked_steps(const std::string& text) {
  std::vector<int> steps;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line.compare(first, 2, "//") != 0) continue;
    const std::size_t word = line.find_first_not_of(" \t", first + 2);
    if (word == std::string::npos || line.compare(word, 14, "SOLUTION-BEGIN") != 0) continue;
    int step = 0;
    const std::size_t todo = line.find("TODO(step ", word + 14);
    if (todo != std::string::npos) {
      const char* digits = line.c_str() + todo + 10;
      const char* end = line.c_str() + line.size();
      auto [after, err] = std::from_chars(digits, end, step);
      if (err != std::errc{} || after == end || *after != ')') step = 0;
    }
    steps.push_back(step);
  }
  return steps;
}

// "lessons/12_routing/x.cpp" -> "12"; "" for a file outside lessons/NN_slug/.
std::string lesson_folder_number(const std::string& rel) {
  const std::string prefix = "lessons/";
  if (rel.compare(0, prefix.size(), prefix) != 0) return {};
  std::size_t i = prefix.size(), digits = i;
  while (digits < rel.size() && std::isdigit(static_cast<unsigned char>(rel[digits]))) ++digits;
  if (digits == i || digits >= rel.size() || rel[digits] != '_') return {};
  const std::size_t slash = rel.find('/', digits);
  if (slash == std::string::npos || slash == digits + 1 || slash + 1 >= rel.size()) return {};
  return rel.substr(i, digits - i);
}

// The record's exercise lines: "exercise NN STEP FILE" for each marked block of code.
// `marked` is FILE -> its steps; `lesson_texts` the lessons' files (FILE -> text), to
// find which lesson names a marked file that is not in a lesson's folder.
std::string exercise_lines(const std::map<std::string, std::vector<int>>& marked,
                           const std::map<std::string, std::string>& lesson_texts,
                           std::vector<std::string>& errors) {
  std::string lines;
  for (const auto& [rel, steps] : marked) {
    std::string lesson = lesson_folder_number(rel);
    if (lesson.empty()) {
      std::set<std::string> naming;  // the lessons whose files name this one's path
      for (const auto& [file, text] : lesson_texts) {
        if (text.find(rel) != std::string::npos) naming.insert(lesson_folder_number(file));
      }
      if (naming.size() != 1) {
        errors.push_back(fmt::format(
            "{}: its exercises belong to no lesson: {} (name the file's path in a comment of "
            "the one lesson program that uses it, as lessons/12_routing/route_lookup.cpp "
            "names lib/lab/src/route.cpp)",
            rel,
            naming.empty() ? std::string("no lesson's program names it")
                           : fmt::format("{} lessons name it", naming.size())));
        continue;
      }
      lesson = *naming.begin();
    }
    for (int step : steps) lines += fmt::format("exercise {} {} {}\n", lesson, step, rel);
  }
  return lines;
}

// "lessons/01_echo_server/echo_server.cpp" -> "lessons/01_echo_server".
std::string folder_of(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// Code lines short or common enough to appear anywhere are not evidence of a leak,
// nor is a line that is only a comment: a docs page's solution block labels its cases
// ("// length"), and those words turn up in any comment ("/// length of 0 means ...").
bool distinctive(const std::string& line) {
  const std::size_t first = line.find_first_not_of(" \t");
  if (first != std::string::npos && line.compare(first, 2, "//") == 0) return false;
  return std::count_if(line.begin(), line.end(),
                       [](unsigned char c) { return std::isalnum(c) != 0; }) >= 6;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  if (!fs::is_directory(o.source)) usage(fmt::format("no such directory: {}", o.source.string()));
  if (!o.record && fs::exists(o.output) && !fs::is_empty(o.output)) {
    usage(fmt::format("{} exists and is not empty; give a new directory", o.output.string()));
  }

  std::vector<std::string> errors, notes;
  std::vector<std::string> written;
  std::map<std::string, std::string> solution_lines;  // line -> the file it was removed from
  std::string manifest =
      "# socklab student edition, written by tools/student_edition. Marked files:\n";
  int marked_files = 0, blocks = 0;
  std::map<std::string, std::vector<int>> marked_code;  // a marked C++ file -> its steps
  std::map<std::string, std::string> lesson_texts;      // lessons/NN_slug/... -> its text
  for (const std::string& rel : list_files(o)) {
    if (under(rel, o.exclude)) continue;
    const auto replaced = o.substitute.find(rel);
    const fs::path from = replaced != o.substitute.end() ? replaced->second : o.source / rel;
    const fs::path to = o.output / rel;
    const auto syntax = socklab::tools::syntax_for(rel);
    try {
      if (o.record) {  // nothing written: only what the record says
        if (syntax == socklab::tools::Syntax::none) continue;
        const std::string text = read_file(from);
        const auto stripped = socklab::tools::strip_solutions(text, syntax, rel);
        if (!lesson_folder_number(rel).empty()) lesson_texts[rel] = text;
        if (stripped.blocks > 0) {
          manifest += fmt::format("marked {} {}\n", rel, stripped.blocks);
          if (syntax == socklab::tools::Syntax::cpp) marked_code[rel] = marked_steps(text);
        }
        continue;
      }
      if (syntax == socklab::tools::Syntax::none) {
        fs::create_directories(to.parent_path());
        fs::copy_file(from, to);
      } else {
        const std::string text = read_file(from);
        auto stripped = socklab::tools::strip_solutions(text, syntax, rel);
        write_file(to, stripped.text);
        if (!lesson_folder_number(rel).empty()) lesson_texts[rel] = text;
        if (stripped.blocks > 0) {
          ++marked_files;
          blocks += stripped.blocks;
          manifest += fmt::format("marked {} {}\n", rel, stripped.blocks);
          if (syntax == socklab::tools::Syntax::cpp) marked_code[rel] = marked_steps(text);
          for (auto& line : stripped.solution_lines) {
            if (distinctive(line)) solution_lines.emplace(line, rel);
          }
        }
      }
      fs::permissions(to, fs::status(from).permissions());
      written.push_back(rel);
    } catch (const MarkerError& e) {
      errors.push_back(e.what());
    }
  }

  manifest += "# Exercises, one line per marked block of code: exercise LESSON STEP FILE\n";
  manifest += exercise_lines(marked_code, lesson_texts, errors);
  if (o.record) {
    for (const auto& e : errors) fmt::print(stderr, "student_edition: {}\n", e);
    if (!errors.empty()) return 1;
    fmt::print("{}", manifest);
    return 0;
  }

  // The proof that nothing leaked: read back every file written.
  for (const std::string& rel : written) {
    std::istringstream text(read_file(o.output / rel));
    int number = 0;
    for (std::string line; std::getline(text, line);) {
      ++number;
      if (socklab::tools::mentions_marker_word(line)) {
        errors.push_back(
            fmt::format("{}:{}: a marker word is left in the student edition "
                        "(markers must be whole-line comments in code)",
                        rel, number));
      }
      if (under(rel, o.allow_trace)) continue;
      for (const auto& [solution, origin] : solution_lines) {
        if (line.find(solution) == std::string::npos) continue;
        std::string where =
            fmt::format("{}:{}: solution code of {} left in the student edition: {}", rel, number,
                        origin, solution);
        // Another lesson's program may use the same call: a note (mark it there too
        // if it gives the answer away), not an error. Anywhere else it is a leak.
        if (under(rel, o.note_trace) && folder_of(rel) != folder_of(origin)) {
          notes.push_back(where);
        } else {
          errors.push_back(where);
        }
      }
    }
  }

  for (const auto& n : notes) fmt::print("student_edition: note: {}\n", n);
  if (!errors.empty()) {
    for (const auto& e : errors) fmt::print(stderr, "student_edition: {}\n", e);
    fmt::print(stderr, "student_edition: {} problem(s); the student edition in {} is incomplete\n",
               errors.size(), o.output.string());
    return 1;
  }
  write_file(o.output / manifest_name, manifest);
  fmt::print("student edition: {} files, {} marked blocks in {} files -> {}\n", written.size(),
             blocks, marked_files, o.output.string());
  return 0;
} catch (const std::exception& e) {
  fmt::print(stderr, "student_edition: {}\n", e.what());
  return 1;
}
