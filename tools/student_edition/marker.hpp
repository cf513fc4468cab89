// marker.hpp — solution markers: one source, two editions.
//
// In a lesson source an instructor marks the code a student must write:
//
//   // SOLUTION-BEGIN: TODO(step 3): call listen() with a backlog of 5 (man 2 listen)
//   // SOLUTION-STUB: Received got{.bytes = 0, .eof = true};
//   server.listen(5);
//   // SOLUTION-END
//
// The reference edition compiles the code as it is (markers are comments). The
// student edition keeps the TODO line (and any comment lines right after it: a
// long TODO that clang-format reflowed), puts each STUB's code in place of the
// solution, and drops the solution. Markdown files use the same words inside
// HTML comments: <!-- SOLUTION-BEGIN: text --> ... <!-- SOLUTION-END -->.
//
// The rule for what is a marker: a whole line that is one comment, starting with
// the marker word, in code (not inside a block comment, a string literal, a raw
// string, a Markdown code fence, or another comment). Anything else that merely
// contains the word is ordinary text and is copied unchanged.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace socklab::tools {

/// Which comment syntax a file uses for markers.
enum class Syntax {
  none,      ///< not a text format with markers: copied byte for byte
  cpp,       ///< C and C++ sources: // SOLUTION-BEGIN: ...
  markdown,  ///< Markdown: <!-- SOLUTION-BEGIN: ... -->
};

/// The syntax for a file name, from its extension (.cpp .hpp .h .cc .md ...).
Syntax syntax_for(std::string_view filename);

/// A marker mistake: message is "FILE:LINE: what is wrong".
class MarkerError : public std::runtime_error {
 public:
  MarkerError(const std::string& file, int line, const std::string& what);
  const std::string& file() const noexcept { return file_; }
  int line() const noexcept { return line_; }

 private:
  std::string file_;
  int line_;
};

/// What stripping one file produced.
struct Stripped {
  std::string text;                         ///< the student edition of the file
  int blocks = 0;                           ///< how many marked blocks were replaced
  std::vector<std::string> solution_lines;  ///< removed code lines, trimmed, non-blank
};

/// The student edition of one file's text. Throws MarkerError (with the file
/// name and the line) on nested, unbalanced, empty or malformed markers.
/// Line endings (LF or CRLF, per line) and a missing final newline are kept.
/// With only_block = N > 0, only the Nth block (from 1) is replaced; the others
/// stay as they are, markers and solution (a "mutant": one exercise undone).
Stripped strip_solutions(std::string_view text, Syntax syntax, const std::string& filename,
                         int only_block = 0);

/// True if `line` contains one of the marker words (SOLUTION-BEGIN/-END/-STUB,
/// any case, '-' or '_'): used to check that no marker survives in a student tree.
bool mentions_marker_word(std::string_view line);

}  // namespace socklab::tools
