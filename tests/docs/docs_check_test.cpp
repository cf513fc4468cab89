// docs_check_test.cpp — the Chinese edition kept in step with the English pages
// (ctest -L docs). Two halves:
//   DocsTree.*   the real tree: twins, code blocks, headings, tables, links, Chinese;
//   DocsCheck.*  the checker itself on small fixture trees, each broken in one way, so
//                that it is shown to fail (a checker that passes everything checks nothing).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "docs_check.hpp"

#ifndef SOCKLAB_SOURCE_DIR
#error "SOCKLAB_SOURCE_DIR must name the source tree (tests/docs/CMakeLists.txt sets it)"
#endif

namespace fs = std::filesystem;
using docs::Problem;

namespace {

fs::path u8(const std::string& s) {
  return fs::path(std::u8string(s.begin(), s.end()));
}

std::string joined(const std::vector<Problem>& problems, Problem::Kind kind) {
  std::string out;
  for (const Problem& p : problems) {
    if (p.kind == kind) out += "  " + p.message + "\n";
  }
  return out;
}

// --- the real tree -----------------------------------------------------------

const std::vector<Problem>& tree_problems() {
  static const std::vector<Problem> problems = docs::check_tree(u8(SOCKLAB_SOURCE_DIR));
  return problems;
}

TEST(DocsTree, EveryEnglishPageHasItsChineseTwinAndBack) {
  std::string found = joined(tree_problems(), Problem::Kind::missing_twin);
  EXPECT_TRUE(found.empty()) << "README.md <-> README.zh-CN.md, docs/X <-> docs/zh-CN/X:\n"
                             << found;
}

TEST(DocsTree, CodeBlocksAreByteIdenticalInBothLanguages) {
  std::string found = joined(tree_problems(), Problem::Kind::code_blocks);
  EXPECT_TRUE(found.empty()) << "code, commands and program output are real runs: copy them, "
                                "do not translate them:\n"
                             << found;
}

TEST(DocsTree, SameNumberOfHeadingsAndTables) {
  std::string found = joined(tree_problems(), Problem::Kind::headings) +
                      joined(tree_problems(), Problem::Kind::tables);
  EXPECT_TRUE(found.empty()) << found;
}

TEST(DocsTree, EveryRelativeLinkAndAnchorResolves) {
  if (fs::exists(u8(SOCKLAB_SOURCE_DIR) / ".socklab-student-edition")) {
    GTEST_SKIP() << "student edition: the instructors' pages and the examples are left out on "
                    "purpose, so links to them are dead here; the check runs in the kit "
                    "(cd build && ctest -L docs)";
  }
  std::string found = joined(tree_problems(), Problem::Kind::dead_link);
  EXPECT_TRUE(found.empty()) << found;
}

TEST(DocsTree, ChinesePagesAreChineseAndLinkTheGlossary) {
  std::string found = joined(tree_problems(), Problem::Kind::not_chinese) +
                      joined(tree_problems(), Problem::Kind::no_glossary_link) +
                      joined(tree_problems(), Problem::Kind::no_language_link);
  EXPECT_TRUE(found.empty()) << found;
}

TEST(DocsTree, ChinesePagesSpeakWithOneVoice) {
  // Headings translated alike, —— and “” in Chinese prose, one name per term.
  std::string found = joined(tree_problems(), Problem::Kind::style);
  EXPECT_TRUE(found.empty()) << "one voice (docs/zh-CN/术语表.md, 全书统一的写法):\n" << found;
}

TEST(DocsTree, TheGlossaryHasTheTermsStudentsSearchForEachLinked) {
  std::string found = joined(tree_problems(), Problem::Kind::glossary_terms);
  EXPECT_TRUE(found.empty()) << found;
}

// --- the checker on fixture trees -------------------------------------------

class DocsCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ =
        fs::path(::testing::TempDir()) / (std::string("socklab_docs_") + info->name() + "_" +
                                          std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::remove_all(root_);
    write("README.md",
          "# Demo\n\n[中文](README.zh-CN.md)\n\nSee [the lesson](docs/lessons/01-x.md#run-it) and "
          "[code](src/a.cpp).\n\n"
          "```sh\nmake run\n```\n");
    write("README.zh-CN.md",
          "# "
          "演示\n\n[English](README.md)\n\n请看[这一课](docs/zh-CN/lessons/"
          "01-x.md#运行它)、[代码](src/a.cpp)和"
          "[术语表](docs/zh-CN/术语表.md)。\n\n```sh\nmake run\n```\n");
    write("src/a.cpp", "int main() {}\n");
    write("docs/lessons/01-x.md",
          "# Lesson 01 — the server\n\n## Run it\n\nStart the server, then connect a client "
          "to it and see the reply.\n\n```console\n$ build/bin/echo_server\nlistening on "
          "127.0.0.1:8888\n```\n\n| flag | meaning |\n|---|---|\n| `--port` | the port |\n\n"
          "Back to [the top](#lesson-01--the-server) or [the code](../../src/a.cpp).\n");
    write("docs/zh-CN/lessons/01-x.md",
          "# 第 01 课 —— 服务器\n\n## 运行它\n\n先启动服务器，再让客户端连接它，看它的回复。"
          "见[术语表](../术语表.md)。\n\n```console\n$ build/bin/echo_server\nlistening on "
          "127.0.0.1:8888\n```\n\n| 选项 | 含义 |\n|---|---|\n| `--port` | 端口 |\n\n"
          "回到[开头](#第-01-课--服务器)，或看[代码](../../../src/a.cpp)。\n");
    write("docs/zh-CN/术语表.md",
          "# 术语表\n\n| English | 中文 |\n|---|---|\n| socket | 套接字 |\n");
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& rel, const std::string& text) {
    fs::path path = root_ / u8(rel);
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  std::string read(const std::string& rel) {
    std::ifstream in(root_ / u8(rel), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void replace(const std::string& rel, const std::string& from, const std::string& to) {
    std::string text = read(rel);
    std::size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from << " not in " << rel;
    write(rel, text.replace(at, from.size(), to));
  }
  // The problems of one kind, all of them.
  std::string problems(Problem::Kind kind) {
    return joined(docs::check_tree(root_, options_), kind);
  }
  std::string all_problems() {
    std::string out;
    for (const Problem& p : docs::check_tree(root_, options_)) out += "  " + p.message + "\n";
    return out;
  }

  fs::path root_;
  // The real tree's variants, no required terms (the fixture's glossary has one row) and
  // nothing tolerated (the real list names pages of the real tree).
  docs::Options options_ = [] {
    docs::Options o;
    o.glossary_terms.clear();
    o.tolerated.clear();
    return o;
  }();
};

TEST_F(DocsCheck, AGoodTreePasses) {
  EXPECT_EQ(all_problems(), "");
}

TEST_F(DocsCheck, AMissingTwinFailsNamingBothFiles) {
  fs::remove(root_ / "docs/zh-CN/lessons/01-x.md");
  std::string found = problems(Problem::Kind::missing_twin);
  EXPECT_NE(found.find("docs/lessons/01-x.md has no Chinese twin docs/zh-CN/lessons/01-x.md"),
            std::string::npos)
      << found;
}

TEST_F(DocsCheck, AChinesePageWithoutEnglishOriginalFails) {
  write("docs/zh-CN/extra.md", "# 多余的页\n\n没有英文原文的页面。见[术语表](术语表.md)。\n");
  std::string found = problems(Problem::Kind::missing_twin);
  EXPECT_NE(found.find("docs/zh-CN/extra.md has no English original docs/extra.md"),
            std::string::npos)
      << found;
}

TEST_F(DocsCheck, AChangedCodeBlockFailsNamingBothFilesAndTheBlock) {
  // The English page was re-run and its output changed; the twin still has the old run.
  replace("docs/lessons/01-x.md", "listening on 127.0.0.1:8888", "listening on 127.0.0.1:9999");
  std::string found = problems(Problem::Kind::code_blocks);
  EXPECT_NE(found.find("docs/lessons/01-x.md:9 and docs/zh-CN/lessons/01-x.md:9: code block 1 "
                       "differs"),
            std::string::npos)
      << found;
  EXPECT_NE(found.find("English 'listening on 127.0.0.1:9999', Chinese 'listening on "
                       "127.0.0.1:8888'"),
            std::string::npos)
      << found;
}

TEST_F(DocsCheck, ATranslatedCommandFails) {
  replace("README.zh-CN.md", "make run\n", "make run   # 运行\n");
  EXPECT_NE(problems(Problem::Kind::code_blocks).find("code block 1 differs"), std::string::npos);
}

TEST_F(DocsCheck, TheStudentEditionsReadmesAreNotComparedBlockForBlock) {
  // scripts/student-edition.sh writes a short Chinese README of its own there.
  write("README.zh-CN.md",
        "# 学生版\n\n[English](README.md)\n\n从[第 01 课](docs/zh-CN/lessons/01-x.md)开始，"
        "见[术语表](docs/zh-CN/术语表.md)。\n\n```sh\nmake check-01\n```\n");
  EXPECT_NE(problems(Problem::Kind::code_blocks).find("README.md:"), std::string::npos);
  write(".socklab-student-edition", "# socklab student edition\n");
  EXPECT_EQ(all_problems(), "");
}

TEST_F(DocsCheck, AMissingCodeBlockFails) {
  replace("docs/zh-CN/lessons/01-x.md",
          "```console\n$ build/bin/echo_server\nlistening on 127.0.0.1:8888\n```\n", "");
  std::string found = problems(Problem::Kind::code_blocks);
  EXPECT_NE(found.find("docs/lessons/01-x.md has 1 code blocks, docs/zh-CN/lessons/01-x.md has 0"),
            std::string::npos)
      << found;
}

TEST_F(DocsCheck, ADifferentNumberOfHeadingsOrTablesFails) {
  replace("docs/zh-CN/lessons/01-x.md", "## 运行它\n", "## 运行它\n\n## 多出来的标题\n");
  replace("docs/zh-CN/lessons/01-x.md", "| 选项 | 含义 |\n|---|---|\n| `--port` | 端口 |\n",
          "选项：`--port`，端口。\n");
  EXPECT_NE(
      problems(Problem::Kind::headings).find("has 2 headings, docs/zh-CN/lessons/01-x.md has 3"),
      std::string::npos);
  EXPECT_NE(problems(Problem::Kind::tables).find("has 1 tables, docs/zh-CN/lessons/01-x.md has 0"),
            std::string::npos);
}

TEST_F(DocsCheck, ADeadLinkFails) {
  // One ../ too few: from docs/zh-CN/lessons/ the sources are three levels up.
  replace("docs/zh-CN/lessons/01-x.md", "(../../../src/a.cpp)", "(../../src/a.cpp)");
  std::string found = problems(Problem::Kind::dead_link);
  EXPECT_NE(found.find("docs/zh-CN/lessons/01-x.md:16: link '../../src/a.cpp' points nowhere"),
            std::string::npos)
      << found;
}

TEST_F(DocsCheck, ADeadAnchorFailsAlsoForCjkHeadings) {
  // The README links the English anchor on the Chinese page: GitHub's anchor is #运行它.
  replace("README.zh-CN.md", "01-x.md#运行它", "01-x.md#run-it");
  std::string found = problems(Problem::Kind::dead_link);
  EXPECT_NE(found.find("README.zh-CN.md:5: link 'docs/zh-CN/lessons/01-x.md#run-it': "
                       "docs/zh-CN/lessons/01-x.md has no heading with anchor #run-it"),
            std::string::npos)
      << found;
}

TEST_F(DocsCheck, PercentEncodedCjkLinksResolve) {
  replace("README.zh-CN.md", "01-x.md#运行它",
          "01-x.md#%E8%BF%90%E8%A1%8C%E5%AE%83");  // 运行它
  EXPECT_EQ(all_problems(), "");
}

TEST_F(DocsCheck, AnEnglishOnlyTranslationFails) {
  // The "translation" is the English page with a Chinese title.
  std::string english = read("docs/lessons/01-x.md");
  english.replace(0, english.find('\n'), "# 第 01 课 — 服务器");
  english.replace(english.find("## Run it"), 9, "## 运行它");
  english += "\n[glossary](../术语表.md)\n";
  write("docs/zh-CN/lessons/01-x.md", english);
  std::string found = problems(Problem::Kind::not_chinese);
  EXPECT_NE(found.find("docs/zh-CN/lessons/01-x.md: only "), std::string::npos) << found;
  EXPECT_NE(found.find("of its prose letters are Chinese"), std::string::npos) << found;
}

TEST_F(DocsCheck, AnUntranslatedParagraphFails) {
  std::string paragraph(
      "\nThis paragraph was left in English: the server accepts a connection, reads what the "
      "client sent and answers it, one client at a time, until the client closes its end of the "
      "connection and the server "
      "goes back to accept the next one.\n");
  std::string chinese;
  for (int i = 0; i < 20; ++i)
    chinese += "服务器接受一个连接，读取客户端发来的数据并回复，直到客户端关闭。";
  write("docs/zh-CN/lessons/01-x.md",
        read("docs/zh-CN/lessons/01-x.md") + "\n" + chinese + "\n" + paragraph);
  std::string found = problems(Problem::Kind::not_chinese);
  EXPECT_NE(found.find("docs/zh-CN/lessons/01-x.md:20: a paragraph without a Chinese character"),
            std::string::npos)
      << found;
}

TEST_F(DocsCheck, TheReadmesMustLinkEachOtherAtTheTop) {
  replace("README.md", "[中文](README.zh-CN.md)\n", "");
  EXPECT_NE(problems(Problem::Kind::no_language_link)
                .find("README.md does not link to README.zh-CN.md in its first 5 lines"),
            std::string::npos);
}

TEST_F(DocsCheck, AChinesePageMustLinkTheGlossary) {
  replace("docs/zh-CN/lessons/01-x.md", "见[术语表](../术语表.md)。", "");
  EXPECT_NE(problems(Problem::Kind::no_glossary_link)
                .find("docs/zh-CN/lessons/01-x.md does not link to the glossary"),
            std::string::npos);
}

TEST_F(DocsCheck, CodeInsideHtmlCommentsAndFencesIsNotProseOrHeadings) {
  // The student edition's markers are comments; '#' lines in code are not headings.
  // (The marker word is split so that the student-edition tool does not take it for one.)
  const std::string marker = std::string("<!-- SOLUTION") + "-STUB: | a | b | -->\n";
  replace("docs/lessons/01-x.md", "```console\n", marker + "```console\n# not a heading\n");
  replace("docs/zh-CN/lessons/01-x.md", "```console\n", marker + "```console\n# not a heading\n");
  EXPECT_EQ(all_problems(), "");
}

// --- one voice ----------------------------------------------------------------

TEST_F(DocsCheck, ALoneDashInChineseProseFailsTheDoubleOneAndAnEmptyCellDoNot) {
  replace("docs/zh-CN/lessons/01-x.md", "先启动服务器，再让", "先启动服务器——再让");
  replace("docs/zh-CN/lessons/01-x.md", "| `--port` | 端口 |", "| `--port` | — |");
  EXPECT_EQ(all_problems(), "");
  replace("docs/zh-CN/lessons/01-x.md", "先启动服务器——再让", "先启动服务器—再让");
  EXPECT_NE(problems(Problem::Kind::style)
                .find("docs/zh-CN/lessons/01-x.md:5: a lone — in Chinese prose: write ——"),
            std::string::npos)
      << all_problems();
}

TEST_F(DocsCheck, AsciiQuotesInChineseProseFailButNotInCode) {
  replace("docs/zh-CN/lessons/01-x.md", "看它的回复。", "看它的回复（`\"hi\"`），即“回显”。");
  EXPECT_EQ(all_problems(), "");
  replace("docs/zh-CN/lessons/01-x.md", "即“回显”。", "即\"回显\"。");
  EXPECT_NE(problems(Problem::Kind::style)
                .find("docs/zh-CN/lessons/01-x.md:5: ASCII \" in Chinese prose: write “”"),
            std::string::npos)
      << all_problems();
}

TEST_F(DocsCheck, ASecondNameForATermFailsNamingTheOne) {
  // The defaults: ICMP Time Exceeded is 时间超过, the accept queue is 全连接队列.
  replace("docs/zh-CN/lessons/01-x.md", "看它的回复。",
          "看它的回复。路由器回答 ICMP 时间超过，`积压队列` 是代码。封装层中的部分。");
  EXPECT_EQ(all_problems(), "") << "a variant inside the name to use is that name";
  replace("docs/zh-CN/lessons/01-x.md", "ICMP 时间超过", "ICMP 超时");
  replace("docs/zh-CN/lessons/01-x.md", "看它的回复。", "看它的回复，积压队列。");
  std::string found = problems(Problem::Kind::style);
  EXPECT_NE(found.find("docs/zh-CN/lessons/01-x.md:5: 'ICMP 超时': write 'ICMP 时间超过'"),
            std::string::npos)
      << found;
  EXPECT_NE(found.find("docs/zh-CN/lessons/01-x.md:5: '积压队列': write '全连接队列'"),
            std::string::npos)
      << found;
}

TEST_F(DocsCheck, AnEnglishHeadingTranslatedTwoWaysFailsOnTheOddPage) {
  for (const char* n : {"02", "03"}) {
    write(std::string("docs/lessons/") + n + "-x.md", "# Lesson\n\n## Run it\n\nRun it.\n");
    write(std::string("docs/zh-CN/lessons/") + n + "-x.md",
          "# 一课\n\n## 运行它\n\n运行它。见[术语表](../术语表.md)。\n");
  }
  EXPECT_EQ(all_problems(), "");
  replace("docs/zh-CN/lessons/03-x.md", "## 运行它", "## 运行");
  EXPECT_NE(problems(Problem::Kind::style)
                .find("docs/zh-CN/lessons/03-x.md:3: heading '运行' for 'Run it'; 2 other "
                      "page(s) write '运行它'"),
            std::string::npos)
      << all_problems();
}

TEST_F(DocsCheck, EveryRequiredTermHasAGlossaryLineLinkingAPageThatSaysIt) {
  options_.glossary_terms = {"套接字", "全连接队列"};
  std::string found = problems(Problem::Kind::glossary_terms);
  EXPECT_NE(found.find("docs/zh-CN/术语表.md:5: '套接字' links no page of the course"),
            std::string::npos)
      << found;
  EXPECT_NE(found.find("docs/zh-CN/术语表.md: no line names '全连接队列'"), std::string::npos)
      << found;
  replace(
      "docs/zh-CN/术语表.md", "| socket | 套接字 |",
      "| socket | 套接字 |\n| accept queue | 全连接队列，见[第 01 课](lessons/01-x.md#不存在) |");
  replace("docs/zh-CN/术语表.md", "| 套接字 |", "| 套接字，见[第 01 课](lessons/01-x.md#运行它) |");
  found = problems(Problem::Kind::glossary_terms);
  EXPECT_NE(found.find("'全连接队列': docs/zh-CN/术语表.md:6: link 'lessons/01-x.md#不存在': "
                       "docs/zh-CN/lessons/01-x.md has no heading with anchor #不存在"),
            std::string::npos)
      << found;
  // The link resolves, but the page does not answer: it never says the term.
  EXPECT_NE(found.find("docs/zh-CN/术语表.md:5: '套接字' links docs/zh-CN/lessons/01-x.md, but "
                       "no page it links says '套接字'"),
            std::string::npos)
      << found;
  options_.tolerated = {{"docs/zh-CN/lessons/01-x.md", "answer: 套接字", "a passage to come"}};
  EXPECT_EQ(problems(Problem::Kind::glossary_terms).find("'套接字'"), std::string::npos);
  options_.tolerated.clear();
  replace("docs/zh-CN/术语表.md", "#不存在", "#第-01-课--服务器");
  replace("docs/zh-CN/lessons/01-x.md", "看它的回复。", "看它的回复：套接字在全连接队列里等着。");
  EXPECT_EQ(all_problems(), "");
}

TEST_F(DocsCheck, TheGlossarysOneVoiceSectionMayQuoteTheVariants) {
  write("docs/zh-CN/术语表.md", read("docs/zh-CN/术语表.md") +
                                    "\n## 全书统一的写法\n\n| 写这个 | 不写这个 |\n|---|---|\n"
                                    "| 全连接队列 | 积压队列 |\n| —— | — |\n| “” | \"\" |\n");
  EXPECT_EQ(all_problems(), "");
  write("docs/zh-CN/术语表.md", read("docs/zh-CN/术语表.md") + "\n## 下一节\n\n积压队列。\n");
  EXPECT_NE(problems(Problem::Kind::style).find("'积压队列'"), std::string::npos);
}

TEST_F(DocsCheck, AToleratedRuleIsSilentAndAStaleEntryFails) {
  replace("docs/zh-CN/lessons/01-x.md", "先启动服务器，再让", "先启动服务器—再让");
  options_.tolerated = {{"docs/zh-CN/lessons/01-x.md", "dash", "another change owns the page"}};
  EXPECT_EQ(all_problems(), "");
  replace("docs/zh-CN/lessons/01-x.md", "先启动服务器—再让", "先启动服务器——再让");
  EXPECT_NE(problems(Problem::Kind::style)
                .find("docs/zh-CN/lessons/01-x.md: tolerated 'dash' no longer occurs: remove its "
                      "entry"),
            std::string::npos)
      << all_problems();
}

TEST_F(DocsCheck, TheStudentEditionDoesNotAskForToleratedEntriesToGo) {
  // Its Chinese README is a short one of its own, its lessons lose their solutions: an entry
  // the kit still needs may match nothing there.
  options_.tolerated = {{"README.zh-CN.md", "dash", "another change owns the page"}};
  EXPECT_NE(problems(Problem::Kind::style).find("tolerated 'dash' no longer occurs"),
            std::string::npos);
  write(".socklab-student-edition", "# socklab student edition\n");
  EXPECT_EQ(all_problems(), "");
}

TEST(GithubAnchor, FollowsGitHubsRulesIncludingCjk) {
  EXPECT_EQ(docs::github_anchor("Lesson 01 — the echo server"), "lesson-01--the-echo-server");
  EXPECT_EQ(docs::github_anchor("`TIME_WAIT` and why it exists"), "time_wait-and-why-it-exists");
  EXPECT_EQ(docs::github_anchor("TIME_WAIT 及其存在的原因"), "time_wait-及其存在的原因");
  EXPECT_EQ(docs::github_anchor("第 3 步：listen()（队列）"), "第-3-步listen队列");
  EXPECT_EQ(docs::github_anchor("Why the loop in `receive_reply()`?"),
            "why-the-loop-in-receive_reply");
  EXPECT_EQ(docs::github_anchor("[The layer](layer.md) in one screen"), "the-layer-in-one-screen");
}

TEST(CjkShare, CountsLettersOutsideCodeOnly) {
  docs::Page page = docs::parse("中文中文 abcd `ignored_code`\n\n```\nall code, not prose\n```\n");
  EXPECT_DOUBLE_EQ(docs::cjk_share(page), 0.5);
}

}  // namespace

namespace {
TEST(Parse, ACommentQuotedInCodeOpensNoComment) {
  // docs/instructors.md quotes the Markdown marker syntax in backticks.
  docs::Page page = docs::parse("Use `<!-- x` in Markdown.\n\n## Next\n\n| a |\n|---|\n");
  EXPECT_EQ(page.headings.size(), 1u);
  EXPECT_EQ(page.tables, 1);
  EXPECT_EQ(docs::parse("<!-- a\n## hidden\n-->\n## shown\n").headings.size(), 1u);
}
}  // namespace
