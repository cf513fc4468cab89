// Tests of the student_edition program on small trees in a temporary folder:
// what it writes, what it leaves out, and that it refuses to leak a solution.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/programs.hpp"

namespace fs = std::filesystem;

namespace {

class StudentEditionTool : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    root_ = fs::temp_directory_path() /
            ("socklab-tool-test-" + std::to_string(random()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root_ / "src");
    write("src/lessons/01_x/x.cpp",
          "int main() {\n"
          "  // SOLUTION-BEGIN: TODO(step 1): return the answer\n"
          "  // SOLUTION-STUB: return 0;\n"
          "  return compute_the_answer();\n"
          "  // SOLUTION-END\n"
          "}\n");
    write("src/README.md", "# course\n");
    write("src/tools/student_edition/marker_test.cpp",
          "auto text = \"// SOLUTION-BEGIN in a string\";\n");
    write("src/scripts/run.sh", "#!/bin/sh\necho hi\n");
    fs::permissions(root_ / "src/scripts/run.sh", fs::perms::owner_exec, fs::perm_options::add);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel, std::ios::binary) << text;
  }
  std::string read(const std::string& rel) const {
    std::ifstream in(root_ / rel, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // Runs the tool with src/ as the source and out/ as the output; returns its exit
  // code, and what it printed in `output_`.
  int run(const std::string& extra = "--exclude tools/student_edition") {
    std::vector<std::string> args = {"--source", (root_ / "src").string(), "--output",
                                     (root_ / "out").string()};
    std::istringstream words(extra);
    for (std::string word; words >> word;) args.push_back(word);
    auto tool = socklab::test::Program::start_path(STUDENT_EDITION_EXE, args);
    auto exit = tool.wait();
    output_ = tool.stdout_text() + tool.stderr_text();
    EXPECT_TRUE(exit.exited_normally()) << output_;
    return exit.code;
  }

  fs::path root_;
  std::string output_;
};

TEST_F(StudentEditionTool, WritesTheWholeTreeWithSolutionsReplaced) {
  ASSERT_EQ(run(), 0) << output_;
  EXPECT_EQ(read("out/lessons/01_x/x.cpp"),
            "int main() {\n"
            "  // TODO(step 1): return the answer\n"
            "  return 0;\n"
            "}\n");
  EXPECT_EQ(read("out/README.md"), "# course\n");
  EXPECT_FALSE(fs::exists(root_ / "out/tools")) << "excluded folders are left out";
  // Where the file system keeps an execute bit (not on Windows), the copy keeps it.
  if ((fs::status(root_ / "src/scripts/run.sh").permissions() & fs::perms::owner_exec) !=
      fs::perms::none) {
    EXPECT_NE(fs::status(root_ / "out/scripts/run.sh").permissions() & fs::perms::owner_exec,
              fs::perms::none)
        << "scripts stay executable";
  }
  EXPECT_NE(read("out/.socklab-student-edition").find("marked lessons/01_x/x.cpp 1\n"),
            std::string::npos);
  EXPECT_NE(output_.find("1 marked blocks in 1 files"), std::string::npos) << output_;
}

TEST_F(StudentEditionTool, WalkingTheTreeSkipsGitAndBuildTrees) {
  write("src/.git", "gitdir: /somewhere/.git/worktrees/x\n");  // a git worktree's .git file
  write("src/.git-folder/.git/config", "[core]\n");
  write("src/build-ci/CMakeCache.txt", "CMAKE_GENERATOR:INTERNAL=Ninja\n");
  write("src/build-ci/bin/tool.cpp", "int main() {}\n");
  ASSERT_EQ(run(), 0) << output_;
  EXPECT_FALSE(fs::exists(root_ / "out/.git"));
  EXPECT_FALSE(fs::exists(root_ / "out/.git-folder/.git"));
  EXPECT_FALSE(fs::exists(root_ / "out/build-ci"));
  EXPECT_TRUE(fs::exists(root_ / "out/lessons/01_x/x.cpp"));
}

TEST_F(StudentEditionTool, FilesFromAListOnly) {
  write("list", "lessons/01_x/x.cpp\nREADME.md\ndeleted/in/worktree.cpp\n");
  ASSERT_EQ(run("--files-from " + (root_ / "list").string()), 0) << output_;
  EXPECT_TRUE(fs::exists(root_ / "out/README.md"));
  EXPECT_FALSE(fs::exists(root_ / "out/scripts/run.sh")) << "not in the list";
}

TEST_F(StudentEditionTool, SolutionCodeElsewhereInTheTreeIsALeak) {
  write("src/docs/lesson01.md", "Step 1:\n\n    return compute_the_answer();\n");
  ASSERT_EQ(run(), 1) << output_;
  EXPECT_NE(output_.find("docs/lesson01.md:3: solution code of lessons/01_x/x.cpp left in the "
                         "student edition: return compute_the_answer();"),
            std::string::npos)
      << output_;
  // ...unless the instructor allows it there (tests call the same functions).
  fs::remove_all(root_ / "out");
  EXPECT_EQ(run("--exclude tools/student_edition --allow-trace docs"), 0) << output_;
}

TEST_F(StudentEditionTool, ACommentOnlySolutionLineIsNoEvidenceOfALeak) {
  // A docs page's solution block labels its cases ("// length"); the same words in any
  // comment elsewhere ("/// length of 0 ...": pcap.hpp) gave a false leak.
  write("src/lessons/01_x/x.cpp",
        "int f() {\n  // SOLUTION-BEGIN: TODO(step 1): compute\n  // length\n"
        "  return compute_the_answer();\n  // SOLUTION-END\n}\n");
  write("src/lib/other.hpp", "/// length of 0 means the largest\nint g();\n");
  EXPECT_EQ(run(), 0) << output_;
}

TEST_F(StudentEditionTool, SolutionCodeInAnotherLessonIsANoteWhenAllowed) {
  write("src/lessons/03_z/z.cpp", "int f() { return compute_the_answer(); }\n");
  ASSERT_EQ(run(), 1) << output_;  // by default a leak...
  fs::remove_all(root_ / "out");
  ASSERT_EQ(run("--exclude tools/student_edition --note-trace lessons"), 0) << output_;
  EXPECT_NE(output_.find("note: lessons/03_z/z.cpp:1: solution code of lessons/01_x/x.cpp"),
            std::string::npos)
      << output_;
  // ...but never in the marked lesson's own folder.
  fs::remove_all(root_ / "out");
  write("src/lessons/01_x/helper.cpp", "int g() { return compute_the_answer(); }\n");
  EXPECT_EQ(run("--exclude tools/student_edition --note-trace lessons"), 1) << output_;
}

TEST_F(StudentEditionTool, MarkerWordLeftInAnyFileIsALeak) {
  // Not excluded this time: its marker word (in a string, not a marker) must not
  // reach students unnoticed.
  ASSERT_EQ(run(""), 1) << output_;
  EXPECT_NE(output_.find("tools/student_edition/marker_test.cpp:1: a marker word is left"),
            std::string::npos)
      << output_;
}

TEST_F(StudentEditionTool, MarkerErrorsNameFileAndLine) {
  write("src/lessons/02_y/y.cpp", "a();\n// SOLUTION-END\n");
  ASSERT_EQ(run(), 1) << output_;
  EXPECT_NE(output_.find("lessons/02_y/y.cpp:2: SOLUTION-END without SOLUTION-BEGIN"),
            std::string::npos)
      << output_;
  EXPECT_FALSE(fs::exists(root_ / "out/.socklab-student-edition")) << "no manifest on failure";
}

// The record says what was handed out, per lesson and step, so that `make progress`
// does not depend on the TODO lines a student may delete while solving.
TEST_F(StudentEditionTool, RecordNamesEachExercisesLessonAndStep) {
  write("src/lib/room/src/part.cpp",
        "int part() {\n"
        "  // SOLUTION-BEGIN: TODO(step 4): the part\n"
        "  // SOLUTION-STUB: return 0;\n"
        "  return 42;\n"
        "  // SOLUTION-END\n"
        "}\n");
  write("src/lessons/07_w/w.cpp", "// lib/room/src/part.cpp: the part you write (step 4)\n");
  ASSERT_EQ(run(), 0) << output_;
  const std::string record = read("out/.socklab-student-edition");
  EXPECT_NE(record.find("exercise 01 1 lessons/01_x/x.cpp\n"), std::string::npos) << record;
  EXPECT_NE(record.find("exercise 07 4 lib/room/src/part.cpp\n"), std::string::npos) << record;
  // --record prints the same lines for the tree as it is, and writes nothing.
  fs::remove_all(root_ / "out");
  auto tool = socklab::test::Program::start_path(
      STUDENT_EDITION_EXE,
      {"--record", "--source", (root_ / "src").string(), "--exclude", "tools/student_edition"});
  EXPECT_EQ(tool.wait().code, 0) << tool.stderr_text();
  EXPECT_EQ(tool.stdout_text(), record);
  EXPECT_FALSE(fs::exists(root_ / "out"));
}

TEST_F(StudentEditionTool, AnExerciseNoLessonNamesIsAnError) {
  write("src/lib/room/src/part.cpp",
        "int part() {\n"
        "  // SOLUTION-BEGIN: TODO(step 4): the part\n"
        "  // SOLUTION-STUB: return 0;\n"
        "  return 42;\n"
        "  // SOLUTION-END\n"
        "}\n");
  ASSERT_EQ(run(), 1) << output_;
  EXPECT_NE(output_.find("lib/room/src/part.cpp: its exercises belong to no lesson: no "
                         "lesson's program names it"),
            std::string::npos)
      << output_;
}

TEST_F(StudentEditionTool, RefusesANonEmptyOutput) {
  write("out/precious.txt", "keep me\n");
  EXPECT_EQ(run(), 2) << output_;
  EXPECT_EQ(read("out/precious.txt"), "keep me\n");
}

}  // namespace
