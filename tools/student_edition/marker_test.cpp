// Unit tests of the marker rules (marker.hpp): what is a marker, what the student
// edition of a file looks like, and which mistakes are errors with FILE:LINE.
#include "marker.hpp"

#include <gtest/gtest.h>

#include <string>

using socklab::tools::MarkerError;
using socklab::tools::mentions_marker_word;
using socklab::tools::strip_solutions;
using socklab::tools::Syntax;
using socklab::tools::syntax_for;

namespace {

std::string student(const std::string& text, Syntax syntax = Syntax::cpp) {
  return strip_solutions(text, syntax, "lesson.cpp").text;
}

// The message of the MarkerError that stripping `text` throws ("" if none).
std::string error_of(const std::string& text, Syntax syntax = Syntax::cpp) {
  try {
    strip_solutions(text, syntax, "lessons/01_x/x.cpp");
  } catch (const MarkerError& e) {
    return e.what();
  }
  return "";
}

TEST(Marker, BlockBecomesItsTodoAndTheRestIsUntouched) {
  const std::string source =
      "int main() {\n"
      "  setup();\n"
      "  // SOLUTION-BEGIN: TODO(step 3): call listen() with a backlog of 5 (man 2 listen)\n"
      "  server.listen(5);\n"
      "  // SOLUTION-END\n"
      "  return 0;\n"
      "}\n";
  auto result = strip_solutions(source, Syntax::cpp, "x.cpp");
  EXPECT_EQ(result.text,
            "int main() {\n"
            "  setup();\n"
            "  // TODO(step 3): call listen() with a backlog of 5 (man 2 listen)\n"
            "  return 0;\n"
            "}\n");
  EXPECT_EQ(result.blocks, 1);
  ASSERT_EQ(result.solution_lines.size(), 1u);
  EXPECT_EQ(result.solution_lines[0], "server.listen(5);");
}

TEST(Marker, StubsReplaceTheSolutionAtTheirIndentation) {
  const std::string source =
      "    // SOLUTION-BEGIN: TODO(step 5): recv() into buffer\n"
      "    // SOLUTION-STUB: Received got{.bytes = 0, .eof = true};\n"
      "    // SOLUTION-STUB: (void)buffer;\n"
      "    Received got = client.recv(buffer);\n"
      "\n"
      "    // a comment inside the solution goes too\n"
      "    // SOLUTION-END\n";
  EXPECT_EQ(student(source),
            "    // TODO(step 5): recv() into buffer\n"
            "    Received got{.bytes = 0, .eof = true};\n"
            "    (void)buffer;\n");
}

TEST(Marker, CommentLinesRightAfterBeginContinueTheTodo) {
  // What clang-format does to a TODO longer than the column limit.
  const std::string source =
      "// SOLUTION-BEGIN: TODO(step 2): bind() the socket to the address the user asked\n"
      "// for, with --host and --port (man 2 bind)\n"
      "// SOLUTION-STUB: int fd = -1;\n"
      "int fd = bind_it();\n"
      "// SOLUTION-END\n";
  EXPECT_EQ(student(source),
            "// TODO(step 2): bind() the socket to the address the user asked\n"
            "// for, with --host and --port (man 2 bind)\n"
            "int fd = -1;\n");
}

TEST(Marker, MarkerWordsNeedNoColonButMustBeWholeWords) {
  EXPECT_EQ(student("//SOLUTION-BEGIN TODO: x\ny();\n//   SOLUTION-END   (step 1)\nz();\n"),
            "// TODO: x\nz();\n");
  // SOLUTION-ENDING is not the END marker, so the block never closes.
  EXPECT_NE(error_of("// SOLUTION-BEGIN: TODO\ny();\n// SOLUTION-ENDING\n"), "");
}

TEST(Marker, FileWithoutMarkersIsCopiedExactly) {
  const std::string source = "a\r\nb\n\n  c  \n\td";  // mixed endings, no final newline
  EXPECT_EQ(student(source), source);
  EXPECT_EQ(strip_solutions("\x01\x02 binary", Syntax::none, "x.bin").text, "\x01\x02 binary");
}

// --- errors name the file and the line -----------------------------------------

TEST(MarkerErrors, NestedBeginNamesBothLines) {
  std::string e = error_of(
      "// SOLUTION-BEGIN: TODO outer\n"
      "a();\n"
      "// SOLUTION-BEGIN: TODO inner\n"
      "b();\n"
      "// SOLUTION-END\n"
      "// SOLUTION-END\n");
  EXPECT_EQ(e.rfind("lessons/01_x/x.cpp:3: ", 0), 0u) << e;
  EXPECT_NE(e.find("opened at line 1"), std::string::npos) << e;
  EXPECT_NE(e.find("do not nest"), std::string::npos) << e;
}

TEST(MarkerErrors, EndWithoutBegin) {
  std::string e = error_of("a();\n\n// SOLUTION-END\n");
  EXPECT_EQ(e, "lessons/01_x/x.cpp:3: SOLUTION-END without SOLUTION-BEGIN");
}

TEST(MarkerErrors, BeginNeverClosedNamesTheBeginLine) {
  std::string e = error_of("x();\n// SOLUTION-BEGIN: TODO(step 1)\ny();\nz();\n");
  EXPECT_EQ(e, "lessons/01_x/x.cpp:2: SOLUTION-BEGIN never closed by SOLUTION-END");
}

TEST(MarkerErrors, StubOutsideOrAfterCode) {
  EXPECT_EQ(error_of("// SOLUTION-STUB: int x = 0;\n"),
            "lessons/01_x/x.cpp:1: SOLUTION-STUB outside a SOLUTION-BEGIN/END block");
  std::string e = error_of(
      "// SOLUTION-BEGIN: TODO\n"
      "y();\n"
      "// SOLUTION-STUB: int x = 0;\n"
      "// SOLUTION-END\n");
  EXPECT_EQ(e.rfind("lessons/01_x/x.cpp:3: SOLUTION-STUB after solution code", 0), 0u) << e;
}

TEST(MarkerErrors, EmptyTodoEmptyStubEmptyBlock) {
  EXPECT_EQ(error_of("// SOLUTION-BEGIN\ny();\n// SOLUTION-END\n")
                .rfind("lessons/01_x/x.cpp:1: "
                       "SOLUTION-BEGIN needs",
                       0),
            0u);
  EXPECT_EQ(error_of("// SOLUTION-BEGIN: TODO\n// SOLUTION-STUB:\ny();\n// SOLUTION-END\n"),
            "lessons/01_x/x.cpp:2: SOLUTION-STUB needs the stub's code after it");
  EXPECT_EQ(error_of("// SOLUTION-BEGIN: TODO\n// SOLUTION-STUB: int x;\n\n// SOLUTION-END\n"),
            "lessons/01_x/x.cpp:4: the block opened at line 1 has no solution code");
}

TEST(MarkerErrors, LineNumbersCountCrlfLines) {
  EXPECT_EQ(error_of("a();\r\nb();\r\n// SOLUTION-END\r\n"),
            "lessons/01_x/x.cpp:3: SOLUTION-END without SOLUTION-BEGIN");
}

// --- markers inside strings and other comments are text ------------------------

TEST(MarkerText, InsideARawStringLiteral) {
  const std::string source =
      "const char* help = R\"x(\n"
      "// SOLUTION-BEGIN: TODO not a marker\n"
      ")\" still in the string\n"
      "// SOLUTION-END\n"
      ")x\";\n";
  EXPECT_EQ(student(source), source);
}

TEST(MarkerText, InsideAStringContinuedByBackslash) {
  const std::string source =
      "const char* s = \"first line \\\n"
      "// SOLUTION-END\";\n";
  EXPECT_EQ(student(source), source);
}

TEST(MarkerText, InsideABlockComment) {
  const std::string source =
      "/* how to mark a solution:\n"
      "// SOLUTION-BEGIN: TODO(step 1): ...\n"
      "// SOLUTION-END\n"
      "*/ int x = 1; /* one more\n"
      "// SOLUTION-END */\n";
  EXPECT_EQ(student(source), source);
}

TEST(MarkerText, InsideALineCommentContinuedByBackslash) {
  const std::string source = "// a comment that goes on \\\n// SOLUTION-END\n";
  EXPECT_EQ(student(source), source);
}

TEST(MarkerText, NotAtTheStartOfTheComment) {
  const std::string source =
      "x(); // SOLUTION-BEGIN: TODO a trailing comment is not a marker\n"
      "// see SOLUTION-END: not at the start of the comment\n"
      "auto s = \"// SOLUTION-END\";\n";
  EXPECT_EQ(student(source), source);
}

TEST(MarkerText, QuotesThatDoNotOpenStrings) {
  // '"' and 1'000 must not leave the lexer inside a string: the markers after
  // them are real.
  const std::string source =
      "char quote = '\"'; int n = 1'000'000; auto s = \"a\\\"b\"; /* x */\n"
      "// SOLUTION-BEGIN: TODO(step 1): y\n"
      "y();\n"
      "// SOLUTION-END\n";
  EXPECT_EQ(student(source),
            "char quote = '\"'; int n = 1'000'000; auto s = \"a\\\"b\"; /* x */\n"
            "// TODO(step 1): y\n");
}

// --- line endings --------------------------------------------------------------

TEST(MarkerCrlf, CrlfFileStaysCrlf) {
  const std::string source =
      "a();\r\n"
      "  // SOLUTION-BEGIN: TODO(step 2): b\r\n"
      "  // SOLUTION-STUB: int c = 0;\r\n"
      "  b();\r\n"
      "  // SOLUTION-END\r\n"
      "d();\r\n";
  auto result = strip_solutions(source, Syntax::cpp, "x.cpp");
  EXPECT_EQ(result.text, "a();\r\n  // TODO(step 2): b\r\n  int c = 0;\r\nd();\r\n");
  ASSERT_EQ(result.solution_lines.size(), 1u);
  EXPECT_EQ(result.solution_lines[0], "b();");  // no '\r' in what the leak check looks for
}

TEST(MarkerCrlf, LastLineWithoutNewline) {
  EXPECT_EQ(student("// SOLUTION-BEGIN: TODO x\ny();\n// SOLUTION-END\nz();"), "// TODO x\nz();");
  EXPECT_EQ(student("a();\n// SOLUTION-BEGIN: TODO x\r\ny();\n// SOLUTION-END"),
            "a();\n// TODO x\r\n");
}

// --- Markdown --------------------------------------------------------------------

TEST(MarkerMarkdown, HtmlCommentMarkersBecomeVisibleText) {
  const std::string source =
      "# Lesson 1\n"
      "<!-- SOLUTION-BEGIN: *Your turn: step 3 is yours to write.* -->\n"
      "```cpp\n"
      "server.listen(5);\n"
      "```\n"
      "<!-- SOLUTION-END -->\n"
      "The end.\n";
  EXPECT_EQ(student(source, Syntax::markdown),
            "# Lesson 1\n*Your turn: step 3 is yours to write.*\nThe end.\n");
}

TEST(MarkerMarkdown, ATableWithSomeCellsForTheStudent) {
  const std::string source =
      "<!-- SOLUTION-BEGIN: | Python | C++ (TODO: yours to write) | -->\n"
      "<!-- SOLUTION-STUB: |---|---| -->\n"
      "<!-- SOLUTION-STUB: | `s = socket()` | `Socket s = Socket::tcp();` | -->\n"
      "<!-- SOLUTION-STUB: | `s.listen(5)` | TODO(step 3) | -->\n"
      "| Python | C++ |\n"
      "|---|---|\n"
      "| `s = socket()` | `Socket s = Socket::tcp();` |\n"
      "| `s.listen(5)` | `s.listen(5);` |\n"
      "<!-- SOLUTION-END -->\n";
  auto result = strip_solutions(source, Syntax::markdown, "x.md");
  EXPECT_EQ(result.text,
            "| Python | C++ (TODO: yours to write) |\n"
            "|---|---|\n"
            "| `s = socket()` | `Socket s = Socket::tcp();` |\n"
            "| `s.listen(5)` | TODO(step 3) |\n");
  // The row a stub puts back is no secret; the others are.
  EXPECT_EQ(result.solution_lines,
            (std::vector<std::string>{"| Python | C++ |", "| `s.listen(5)` | `s.listen(5);` |"}));
}

TEST(MarkerMarkdown, InsideCodeFencesAndMultiLineCommentsIsText) {
  const std::string source =
      "````markdown\n"
      "<!-- SOLUTION-BEGIN: TODO -->\n"
      "```\n"
      "<!-- SOLUTION-END -->\n"
      "````\n"
      "<!-- a comment\n"
      "<!-- SOLUTION-END -->\n"
      "// SOLUTION-END\n";
  EXPECT_EQ(student(source, Syntax::markdown), source);
}

// --- helpers -------------------------------------------------------------------

TEST(MarkerHelpers, SyntaxByExtension) {
  EXPECT_EQ(syntax_for("lessons/01_echo_server/echo_server.cpp"), Syntax::cpp);
  EXPECT_EQ(syntax_for("lib/core/include/socklab/io.hpp"), Syntax::cpp);
  EXPECT_EQ(syntax_for("docs/lessons/01-echo-server.md"), Syntax::markdown);
  EXPECT_EQ(syntax_for("CMakeLists.txt"), Syntax::none);
  EXPECT_EQ(syntax_for("scripts/tour.sh"), Syntax::none);
}

TEST(MarkerHelpers, MarkerWordsInAnySpelling) {
  EXPECT_TRUE(mentions_marker_word("// SOLUTION-BEGIN: x"));
  EXPECT_TRUE(mentions_marker_word("x(); // solution_end"));
  EXPECT_TRUE(mentions_marker_word("\"Solution-Stub\""));
  EXPECT_FALSE(mentions_marker_word("the solution ends here; a solution-free file"));
  EXPECT_FALSE(mentions_marker_word("SOLUTION BEGIN"));
}

}  // namespace
