// Every message a student reads has its Chinese, with the same {} (messages_check.hpp).
// The first test reads the real tree against the real catalogue (cli::translations());
// the others show the extraction on small sources, and that a missing translation, a
// placeholder that differs or a lone dash fails, naming where.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "messages_check.hpp"
#include "socklab/cli/language.hpp"

using namespace socklab;

namespace {

const std::string kStub = std::string("// SOLUTION-") + "STUB:";

std::vector<docs::Entry> real_catalogue() {
  std::vector<docs::Entry> out;
  for (const cli::Translation& t : cli::translations())
    out.push_back({std::string(t.english), std::string(t.chinese)});
  return out;
}

std::string chinese_message(std::string_view english) {
  cli::set_language(cli::Language::chinese);
  std::string text = cli::translate_message(english);
  cli::set_language(cli::Language::english);
  return text;
}

// Asks translate() of a catalogue given as entries (a planted catalogue has no program).
std::string exact_only(const std::vector<docs::Entry>& catalogue, std::string_view english) {
  for (const auto& e : catalogue)
    if (e.english == english) return e.chinese;
  return std::string(english);
}

// The lessons that speak Chinese whole: each must keep every message in the catalogue
// (listed here so that deleting a lesson's lines fails the check instead of dropping it).
const std::set<std::string> kTranslatedLessons = {"01", "02", "03", "04", "05", "06", "07",
                                                  "08", "09", "10", "11", "12", "13", "14"};

bool mentions(const std::vector<std::string>& problems, std::string_view a, std::string_view b) {
  for (const std::string& p : problems)
    if (p.find(a) != std::string::npos && p.find(b) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(MessagesCheck, EveryStudentVisibleMessageHasItsChineseWithTheSamePlaceholders) {
  const auto sources = docs::message_sources(SOCKLAB_SOURCE_DIR);
  ASSERT_GT(sources.size(), 50u) << "the sources were not found";
  const auto catalogue = real_catalogue();
  ASSERT_GT(catalogue.size(), 50u);
  // What the check found, so a check that finds nothing cannot pass unnoticed.
  std::size_t hints = 0, stubs = 0, whys = 0;
  for (const auto& f : sources) {
    const auto m = docs::source_messages(f.text, f.path);
    hints += m.hints.size();
    stubs += m.stubs.size();
    if (docs::lesson_of(f.path) == "01") whys += m.step_whys.size();
  }
  EXPECT_GE(hints, 20u) << "hint_for()'s literals were not found";
  EXPECT_GE(stubs, 40u) << "the stub lines were not found";
  EXPECT_GE(whys, 14u) << "lesson 01's steps were not found";
  for (const std::string& problem :
       docs::message_problems(sources, catalogue, chinese_message, kTranslatedLessons))
    ADD_FAILURE() << problem;
}

TEST(MessagesCheck, FindsMarkedStepsHelpHintsStubsAndUnmarked) {
  const std::string source = R"src(// tr("in a comment: not a message")
    Step step(3, 6, "listen(backlog=5)", "the kernel now "
                                         "completes handshakes \u2014 for us");
    EXPECT_TRUE(x) << tr("why it matters") << r.err << ": ";
    EXPECT_TRUE(y) << "left unmarked";
    cli::Parser args("echo_server", "Lesson 01: a server.");
    args.option("--port", "PORT", "8888", "TCP port").flag("--once", "one client");
    test::detail(trf("picked {}", port));
    test::narrate("  also unmarked " + x);
    @STUB@
    std::string str("not a marker");
std::string hint_for(std::string_view call, const std::error_code& ec) {
  if (ec == std::errc::connection_refused) return "is the server "
                                                  "running?";
  return {};
}
)src";
  // The stub line, its marker in two pieces (whole, the student edition would take this
  // file for a lesson with a marker in the wrong place).
  std::string with_stub = source;
  with_stub.replace(
      with_stub.find("@STUB@"), 6,
      kStub + " throw std::logic_error(\"TODO(step 2): bind() is not written yet\");");
  const auto m = docs::source_messages(with_stub, "tests/lesson01_x_test.cpp");
  ASSERT_EQ(m.step_whys.size(), 1u);
  EXPECT_EQ(m.step_whys[0].text, "the kernel now completes handshakes \u2014 for us");
  EXPECT_EQ(m.step_whys[0].line, 2);
  ASSERT_EQ(m.marked.size(), 2u);
  EXPECT_EQ(m.marked[0].text, "why it matters");
  EXPECT_EQ(m.marked[1].text, "picked {}");
  ASSERT_EQ(m.summaries.size(), 1u);
  EXPECT_EQ(m.summaries[0].text, "Lesson 01: a server.");
  ASSERT_EQ(m.parser_texts.size(), 2u);
  EXPECT_EQ(m.parser_texts[0].text, "TCP port");
  EXPECT_EQ(m.parser_texts[1].text, "one client");
  ASSERT_EQ(m.unmarked.size(), 2u);
  EXPECT_EQ(m.unmarked[0].text, "left unmarked");
  EXPECT_EQ(m.unmarked[1].text, "  also unmarked ");
  ASSERT_EQ(m.stubs.size(), 1u);
  EXPECT_EQ(m.stubs[0].text, "TODO(step 2): bind() is not written yet");
  ASSERT_EQ(m.hints.size(), 1u);
  EXPECT_EQ(m.hints[0].text, "is the server running?");
}

// The check can fail: a message whose Chinese is planted out of the catalogue is named,
// with its file and line, and so is each other kind of mistake.
TEST(MessagesCheck, APlantedMissingTranslationFailsNamingTheMessageAndWhere) {
  const std::vector<docs::SourceFile> sources{
      {"tests/lesson01_x_test.cpp",
       "TEST(A, B) {\n  Step step(1, 2, \"close()\", \"the peer sees EOF\");\n"
       "  EXPECT_TRUE(x) << tr(\"why it matters\");\n"
       "  Step again(2, 2, \"close()\", \"a second why\");\n}\n"},
      {"lessons/01_x/x.cpp",
       kStub + " throw std::logic_error(\"TODO(step 1): x() is not written yet\");\n"}};
  std::vector<docs::Entry> catalogue{
      {"the peer sees EOF", "对端看到 EOF"},
      {"why it matters", "为什么要紧"},
      {"TODO(step 1): x() is not written yet", "TODO(step 1)：x() 还没有写"},
      {"a second why", "第二个理由"}};
  auto translate = [&](std::string_view e) { return exact_only(catalogue, e); };
  EXPECT_EQ(docs::message_problems(sources, catalogue, translate, {"01"}),
            std::vector<std::string>{});

  std::vector<docs::Entry> planted(catalogue.begin() + 1,
                                   catalogue.end());  // no "the peer sees EOF"
  auto without = docs::message_problems(
      sources, planted, [&](std::string_view e) { return exact_only(planted, e); }, {"01"});
  EXPECT_TRUE(mentions(without, "tests/lesson01_x_test.cpp:2", "\"the peer sees EOF\""))
      << ::testing::PrintToString(without);

  planted = {catalogue[0], catalogue[2], catalogue[3]};  // no "why it matters"
  without = docs::message_problems(
      sources, planted, [&](std::string_view e) { return exact_only(planted, e); }, {"01"});
  EXPECT_TRUE(mentions(without, "tests/lesson01_x_test.cpp:3", "marked with tr()"))
      << ::testing::PrintToString(without);

  planted = {catalogue[0], catalogue[1], catalogue[3]};  // the stub does not translate
  without = docs::message_problems(
      sources, planted, [&](std::string_view e) { return exact_only(planted, e); }, {"01"});
  EXPECT_TRUE(mentions(without, "lessons/01_x/x.cpp:1", "the TODO a stub throws"))
      << ::testing::PrintToString(without);

  // A lesson not asked for is required whole once one of its steps has its Chinese ...
  planted = {catalogue[0], catalogue[1], catalogue[2]};  // no "a second why"
  auto not_asked = docs::message_problems(sources, planted, translate, {});
  EXPECT_TRUE(mentions(not_asked, "tests/lesson01_x_test.cpp:4", "\"a second why\""))
      << ::testing::PrintToString(not_asked);
  // ... and not before: no step of it in the catalogue, no step required.
  planted = {catalogue[1], catalogue[2]};
  EXPECT_EQ(docs::message_problems(sources, planted, translate, {}), std::vector<std::string>{});
}

// An error a program throws for the student to read is marked like any other message:
// in lib/ and lessons/ a bare literal in runtime_error/invalid_argument is named; a
// marked one, a logic_error (a programmer's mistake) and the examples' logs are not.
TEST(MessagesCheck, AnErrorThrownWithABareLiteralIsNamed) {
  const std::vector<docs::SourceFile> sources{
      {"lib/lab/src/x.cpp",
       "void f() {\n  throw std::runtime_error(\"failed: \" + command);\n}\n"
       "void g() { throw std::runtime_error(hint_hook::tr(\"a marked one\")); }\n"
       "void h() { throw std::logic_error(\"write(): not established\"); }\n"},
      {"lessons/01_x/x.cpp",
       "void f() {\n  throw std::invalid_argument(\n      \"a bare address\");\n}\n"},
      {"examples/x/x.cpp", "void f() { throw std::runtime_error(\"a log line\"); }\n"}};
  std::vector<docs::Entry> catalogue{{"a marked one", "标记过的一条"}};
  auto translate = [&](std::string_view e) { return exact_only(catalogue, e); };
  const auto problems = docs::message_problems(sources, catalogue, translate, {});
  EXPECT_TRUE(mentions(problems, "lib/lab/src/x.cpp:2", "thrown without tr()"))
      << ::testing::PrintToString(problems);
  EXPECT_TRUE(mentions(problems, "lessons/01_x/x.cpp:3", "\"a bare address\""))
      << ::testing::PrintToString(problems);
  EXPECT_EQ(problems.size(), 2u) << ::testing::PrintToString(problems);
}

TEST(MessagesCheck, PlaceholdersDashesAndQuotesOfTheChineseAreChecked) {
  EXPECT_EQ(docs::placeholders("{} '{:x}' {{literal}} {0}"),
            (std::vector<std::string>{"{}", "{:x}", "{0}"}));
  const auto problems = docs::entry_problems({
      {"{} takes no value", "不带值"},             // a {} lost
      {"port {:x}", "端口 {}"},                    // a different one
      {"a — b", "甲—乙"},                          // a lone dash
      {"say 'x'", "说 \"x\""},                     // ASCII quotes the English lacks
      {"unknown option '{}'", "未知的选项 '{}'"},  // what the user typed: fine
      {"twice", "两次"},
      {"twice", "两次"},
      {"untranslated", "untranslated"},
  });
  EXPECT_TRUE(mentions(problems, "\"{} takes no value\"", "placeholders"));
  EXPECT_TRUE(mentions(problems, "\"port {:x}\"", "placeholders {}, the English {:x}"));
  EXPECT_TRUE(mentions(problems, "\"a — b\"", "lone"));
  EXPECT_TRUE(mentions(problems, "\"say 'x'\"", "ASCII quotes"));
  EXPECT_FALSE(mentions(problems, "unknown option", ""));
  EXPECT_TRUE(mentions(problems, "\"twice\"", "twice"));
  EXPECT_TRUE(mentions(problems, "\"untranslated\"", "no Chinese"));
  EXPECT_EQ(problems.size(), 6u) << ::testing::PrintToString(problems);
}
