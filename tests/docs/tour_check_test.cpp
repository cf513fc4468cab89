// tour_check_test.cpp — the tour (scripts/tour.sh, `make run`) speaks both languages
// (ctest -L docs; ctest -R '^Tour' for these alone). Three parts:
//   TourScript.*    the real script: every line of its own has its Chinese twin (and
//                   DoctorScript.*: `make doctor`, scripts/doctor.sh, the same);
//   TourCheck.*     the checker on small scripts, each wrong in one way, so that it is
//                   shown to fail;
//   TourLanguage.*  the script's choice of language: SOCKLAB_LANG, then the locale.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "tour_check.hpp"

#ifndef SOCKLAB_SOURCE_DIR
#error "SOCKLAB_SOURCE_DIR must name the source tree (tests/docs/CMakeLists.txt sets it)"
#endif

namespace {

std::string problems_of(std::string_view script,
                        const std::set<std::string>& pairs = tour::tour_pairs) {
  std::string out;
  for (const tour::Problem& p : tour::check(script, pairs)) {
    out += "  line " + std::to_string(p.line) + ": " + p.message + "\n";
  }
  return out;
}

const std::string tour_path = std::string(SOCKLAB_SOURCE_DIR) + "/scripts/tour.sh";

TEST(TourScript, EveryLineOfItsOwnHasItsChineseTwin) {
  std::ifstream in(tour_path, std::ios::binary);
  ASSERT_TRUE(in) << "cannot read " << tour_path;
  std::stringstream text;
  text << in.rdbuf();
  std::string found = problems_of(text.str());
  EXPECT_TRUE(found.empty()) << "scripts/tour.sh: each line the tour says is say \"English\" "
                                "\"中文\" (docs/zh-CN/术语表.md for the terms):\n"
                             << found;
}

// `make doctor` speaks in the same convention; a row's parts are pairs too (thing,
// enables, why, fix), and pick is say without the newline.
const std::set<std::string> doctor_pairs = {"say", "pick", "thing", "enables", "why", "fix"};

TEST(DoctorScript, EveryLineOfItsOwnHasItsChineseTwin) {
  const std::string path = std::string(SOCKLAB_SOURCE_DIR) + "/scripts/doctor.sh";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  std::string found = problems_of(text.str(), doctor_pairs);
  EXPECT_TRUE(found.empty()) << "scripts/doctor.sh: each line make doctor says is a pair "
                                "\"English\" \"中文\" (say, pick, thing, enables, why, fix):\n"
                             << found;
}

TEST(TourCheck, AnotherScriptsPairFunctionIsCheckedToo) {
  std::string script = "say \"doctor\" \"诊断\"\nwhy \"not installed\"\n";
  EXPECT_EQ(problems_of(script), "") << "the tour has no why";
  EXPECT_NE(problems_of(script, doctor_pairs).find("line 2: why with 1 argument(s)"),
            std::string::npos)
      << problems_of(script, doctor_pairs);
}

// A small tour in the real one's shape; each test breaks it in one way.
const std::string good = R"sh(#!/usr/bin/env sh
say() {
  if [ "$tour_lang" = zh ]; then printf '%s\n' "$2"; else printf '%s\n' "$1"; fi
}
banner() { printf '\n=== '; say "$@"; }
fail() { say "$@" >&2; exit 1; }
banner "Lesson 01: the echo server" "第 01 课：回显服务器"
say "The server listens on 127.0.0.1;" \
    "服务器在 127.0.0.1 上监听；"  # a comment: "echo" here is no command
printf '  [server] %s\n' "$first"
printf 'default via 10.12.2.2 dev eth1\n' | "$BIN/route_lookup" 10.12.4.2 | sed 's/^/  /'
*) fail "tour: ${1##*/} did not start" "导览：${1##*/} 没有启动" ;;
docs_dir=$(cd "$(dirname "$0")/../docs" && pwd)
say "Not root: run 'sudo $BIN/routing'" "不是 root：请运行 'sudo $BIN/routing'"
)sh";

std::string with(const std::string& from, const std::string& to) {
  std::string s = good;
  std::size_t at = s.find(from);
  if (at == std::string::npos)
    ADD_FAILURE() << from << " is not in the small tour";
  else
    s.replace(at, from.size(), to);
  return s;
}

TEST(TourCheck, TheSmallTourPasses) {
  EXPECT_EQ(problems_of(good), "");
}

TEST(TourCheck, APlainEchoFailsWithItsLine) {
  std::string found = problems_of(good + "echo \"Next: make test\"\n");
  EXPECT_NE(found.find("line 15: echo: the tour's lines go through say"), std::string::npos)
      << found;
}

TEST(TourCheck, ASayWithOneLanguageFails) {
  std::string found = problems_of(with("    \"服务器在 127.0.0.1 上监听；\"", ""));
  EXPECT_NE(found.find("line 8: say with 1 argument(s)"), std::string::npos) << found;
}

TEST(TourCheck, ASecondLineInEnglishFails) {
  std::string found =
      problems_of(with("\"第 01 课：回显服务器\"", "\"Lesson 01: the echo server\""));
  EXPECT_NE(found.find("line 7: banner: the second line has no Chinese"), std::string::npos)
      << found;
}

TEST(TourCheck, SwappedLinesFail) {
  std::string found =
      problems_of(with("fail \"tour: ${1##*/} did not start\" \"导览：${1##*/} 没有启动\"",
                       "fail \"导览：${1##*/} 没有启动\" \"tour: ${1##*/} 没有\""));
  EXPECT_NE(found.find("line 12: fail: the first line, the English one, has Chinese"),
            std::string::npos)
      << found;
}

TEST(TourCheck, ADroppedVariableFails) {
  // The Chinese line tells the student a different command to type.
  std::string found = problems_of(with("'sudo $BIN/routing'\"\n", "'sudo build/bin/routing'\"\n"));
  EXPECT_NE(found.find("line 14: say: the two lines name different variables (English $BIN, "
                       "Chinese none)"),
            std::string::npos)
      << found;
}

TEST(TourCheck, APrintfWithWordsOfItsOwnFails) {
  std::string found = problems_of(good + "printf 'tour: %s failed\\n' \"$name\" >&2\n");
  EXPECT_NE(found.find("line 15: printf with words of the tour's own"), std::string::npos) << found;
}

TEST(TourCheck, AHereDocumentFails) {
  std::string found = problems_of(good + "cat <<EOF\nNext: make test\nEOF\n");
  EXPECT_NE(found.find("line 15: a here-document"), std::string::npos) << found;
}

TEST(TourCheck, AScriptWithoutSayFails) {
  EXPECT_NE(problems_of("#!/bin/sh\nset -eu\n").find("no say"), std::string::npos);
}

// --- the choice of language ------------------------------------------------------

// What `env -i VARS COMMAND` prints, with " (exit status N)" if it is not 0.
std::string run_with(const std::string& vars, const std::string& command_line) {
  std::string command = "env -i " + vars + " " + command_line;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  std::string out;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  int status = ::pclose(pipe);
  if (status != 0) out += " (exit status " + std::to_string(status) + ")";
  return out;
}

// What `env -i VARS sh scripts/tour.sh --language` prints (en or zh).
std::string language_with(const std::string& vars) {
  return run_with(vars, "sh '" + tour_path + "' --language 2>&1");
}

// tour.sh is a POSIX shell script: where there is no sh and env (Windows without
// Git Bash, MSYS2 or WSL), the choice of language cannot be run, only skipped.
class TourLanguage : public ::testing::Test {
 protected:
  void SetUp() override {
    if (language_with_shell_check() != "ok\n")
      GTEST_SKIP() << "needs a POSIX sh and env on PATH to run scripts/tour.sh (on Windows: "
                      "Git Bash, MSYS2 or WSL)";
  }
  static std::string language_with_shell_check() {
    std::FILE* pipe = ::popen("env -i sh -c \"echo ok\" 2>&1", "r");
    if (pipe == nullptr) return "popen failed";
    std::string out;
    char buffer[256];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    return ::pclose(pipe) == 0 ? out : "no sh";
  }
};

TEST_F(TourLanguage, EnglishUnlessAskedForChinese) {
  EXPECT_EQ(language_with(""), "en\n");
  EXPECT_EQ(language_with("LANG=C.UTF-8"), "en\n");
  EXPECT_EQ(language_with("LANG=de_DE.UTF-8"), "en\n");
}

TEST_F(TourLanguage, SocklabLangAsksAndWinsOverTheLocale) {
  EXPECT_EQ(language_with("SOCKLAB_LANG=zh-CN"), "zh\n");
  EXPECT_EQ(language_with("SOCKLAB_LANG=zh-CN LC_ALL=en_US.UTF-8"), "zh\n");
  EXPECT_EQ(language_with("SOCKLAB_LANG=en LANG=zh_CN.UTF-8"), "en\n");
}

TEST_F(TourLanguage, TheLocaleAsLC_ALLThenLC_MESSAGESThenLANG) {
  EXPECT_EQ(language_with("LANG=zh_CN.UTF-8"), "zh\n");
  EXPECT_EQ(language_with("LC_MESSAGES=zh_TW.UTF-8 LANG=en_US.UTF-8"), "zh\n");
  EXPECT_EQ(language_with("LC_ALL=C LANG=zh_CN.UTF-8"), "en\n");  // LC_ALL overrides
  EXPECT_EQ(language_with("LC_ALL=zh_CN.UTF-8 LC_MESSAGES=C"), "zh\n");
}

TEST_F(TourLanguage, AnUnknownSocklabLangSaysSoAndSpeaksEnglish) {
  std::string out = language_with("SOCKLAB_LANG=fr");
  EXPECT_NE(out.find("tour: SOCKLAB_LANG=fr: socklab's scripts speak en and zh-CN; English it is"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("en\n"), std::string::npos) << out;
  // A locale without a language of ours is no mistake: no warning.
  EXPECT_EQ(language_with("LANG=de_DE.UTF-8"), "en\n");
}

// scripts/say.sh chooses for every script that talks to a student: check-lesson.sh
// (make check-NN) and progress.sh (make progress) warn as the tour does, once, under
// their own name. Each is run with no build, so it stops at its usage check (exit 2).
std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(TourLanguage, CheckLessonAndProgressWarnTheSameWayOnce) {
  const std::string scripts = std::string(SOCKLAB_SOURCE_DIR) + "/scripts/";
  for (const std::string name : {"check-lesson", "progress"}) {
    SCOPED_TRACE(name);
    std::string out = run_with("SOCKLAB_LANG=fr",
                               "sh '" + scripts + name + ".sh' /nonexistent-socklab-build 01 2>&1");
    const std::string warning =
        name + ": SOCKLAB_LANG=fr: socklab's scripts speak en and zh-CN; English it is";
    EXPECT_EQ(count_of(out, warning), 1u) << out;
    EXPECT_EQ(count_of(out, "SOCKLAB_LANG=fr"), 1u) << "one warning, not one per file:\n" << out;
    EXPECT_NE(out.find("no build in /nonexistent-socklab-build"), std::string::npos)
        << "the rest in English:\n"
        << out;
  }
}

}  // namespace
