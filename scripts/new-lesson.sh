#!/usr/bin/env sh
# new-lesson.sh — scaffolds lesson NN: program skeleton, narrated test skeleton,
# docs page, CMake registration line, README table row. The new lesson builds,
# and its placeholder test fails with "not written yet" until it is filled in.
# Usage: new-lesson.sh [--root DIR] NN NAME     (make new-lesson NN=12 NAME=my_topic)
#   --root DIR   scaffold in another copy of the project (the checks use this)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = --root ]; then
  root=$(cd "$2" && pwd)
  shift 2
fi
usage() { echo "usage: new-lesson.sh [--root DIR] NN NAME   e.g. new-lesson.sh 11 my_topic" >&2; exit 2; }
[ $# -eq 2 ] || usage
nn=$1
name=$2
case $nn in [0-9][0-9]) ;; *) echo "new-lesson: NN must be two digits, e.g. 11 (got '$nn')" >&2; usage ;; esac
case $name in
  [a-z]*) ;;
  *) echo "new-lesson: NAME must start with a lower-case letter (got '$name')" >&2; usage ;;
esac
if printf '%s' "$name" | grep -q '[^a-z0-9_]'; then
  echo "new-lesson: NAME may use only a-z, 0-9 and _ (got '$name')" >&2
  usage
fi
if ls -d "$root/lessons/${nn}_"* >/dev/null 2>&1 ||
   grep -q "^[[:space:]]*socklab_add_lesson([[:space:]]*$nn[[:space:]]" "$root/CMakeLists.txt"; then
  echo "new-lesson: lesson $nn exists already" >&2
  exit 1
fi

title=$(printf '%s' "$name" | tr '_' ' ')
dashed=$(printf '%s' "$name" | tr '_' '-')
dir="lessons/${nn}_$name"
program="$dir/$name.cpp"
test_file="tests/lesson${nn}_${name}_test.cpp"
doc="docs/lessons/$nn-$dashed.md"
doc_zh="docs/zh-CN/lessons/$nn-$dashed.md"
for f in "$program" "$test_file" "$doc" "$doc_zh"; do
  [ ! -e "$root/$f" ] || { echo "new-lesson: $f exists already" >&2; exit 1; }
done
mkdir -p "$root/$dir" "$root/tests" "$root/docs/lessons" "$root/docs/zh-CN/lessons"

cat >"$root/$program" <<CPP
// Lesson $nn — $title.
//
// TODO(instructor): what this lesson shows, and the tutorial's Python next to
// the C++, line for line, as in lessons/01_echo_server/echo_server.cpp.
//
// Run it:   build/bin/$name
// Docs:     $doc
#include <socklab/socklab.hpp>

using namespace socklab;

int main(int argc, char** argv) {
  cli::Parser args("$name", "Lesson $nn: $title.");
  args.option("--host", "HOST", "127.0.0.1", "address to use")
      .option("--port", "PORT", "0", "TCP port; 0 lets the kernel pick a free one");

  return cli::run(argc, argv, args, [&] {
    Address address = cli::host_port(args.get("--host"), args.port());

    // 1. socket(): TODO(instructor): the lesson's calls, in order, each with a
    //    comment that says why. Mark the lines students write with solution
    //    markers (docs/instructors.md).
    Socket sock = Socket::tcp(address.family());
    cli::say("$name: lesson $nn is not written yet ({})", address.to_string());
    return 0;
  });
}
CPP

suite="Lesson$nn"
cat >"$root/$test_file" <<CPP
// Lesson $nn — $title, step by step (\`ctest -L lesson$nn -V\` reads like the lesson).
//
// Part 1 (${suite}Steps): the lesson's calls one by one, in this process.
// Part 2 (${suite}Program): the real program $dir, run end to end.
// The pattern to follow: tests/lesson01_echo_server_test.cpp.
#include <gtest/gtest.h>

#include <string>

#include "socklab/socklab.hpp"
#include "support/narrate.hpp"
#include "support/programs.hpp"

using namespace socklab;
using socklab::test::Program;
using socklab::test::Step;

// --- Part 1: the calls ---------------------------------------------------------

TEST(${suite}Steps, Step1_NotWrittenYet) {
  Step step(1, 1, "TODO", "the lesson's first call, and why it matters");
  FAIL() << "lesson $nn's tests are not written yet: write them in $test_file";
}

// --- Part 2: the real program ----------------------------------------------------

TEST(${suite}Program, E2E1_HelpExplainsTheProgram) {
  Step step(1, 1, "$name --help", "the program builds, runs and says how to use it");
  Program p = Program::start("$name", {"--help"});
  auto exit = p.wait();
  EXPECT_TRUE(exit.exited_normally());
  EXPECT_EQ(exit.code, 0) << p.stderr_text();
  EXPECT_NE(p.stdout_text().find("usage: $name"), std::string::npos) << p.stdout_text();
}
CPP

cat >"$root/$doc" <<MD
# Lesson $nn — $title

Program: [\`$program\`](../../$program) ·
tests: [\`$test_file\`](../../$test_file) · check it: \`make check-$nn\`

*Not written yet.* Two sentences: what this lesson shows, and which part of the
tutorial it follows.

## Run it

\`\`\`sh
make build
build/bin/$name --port 0
\`\`\`

## Step by step

1. \`socket()\` — …

## What the tutorial gets wrong here

## Check yourself

\`make check-$nn\` runs this lesson's tests; \`make progress\` shows every lesson.
MD

# Its Chinese twin (docs/zh-CN/): the same code blocks and headings, the prose in
# Chinese, so that ctest -L docs passes from the start (section 8 of the design).
cat >"$root/$doc_zh" <<MD
# 第 $nn 课 —— $title

程序：[\`$program\`](../../../$program) ·
测试：[\`$test_file\`](../../../$test_file) · 检查：\`make check-$nn\`

**术语：** [术语表](../术语表.md)

*还没有写。* 两句话：这一课讲什么，跟着原教程的哪一部分。

## 运行它

\`\`\`sh
make build
build/bin/$name --port 0
\`\`\`

## 一步一步

1. \`socket()\` — …

## 原教程在这里讲错了什么

## 自己检查

\`make check-$nn\` 运行这一课的测试；\`make progress\` 显示每一课的进度。
MD

# Register the lesson: one call in CMakeLists.txt, in number order.
awk -v nn="$nn" -v name="$name" -v test_file="$test_file" '
  function call() {
    return "socklab_add_lesson(" nn " " name "\n  PROGRAMS " name "\n  TESTS " test_file ")"
  }
  { line[NR] = $0 }
  /^[[:space:]]*socklab_add_lesson\(/ {
    number = $0; sub(/^[[:space:]]*socklab_add_lesson\([[:space:]]*/, "", number)
    sub(/[^0-9].*$/, "", number)
    if (before == 0 && number + 0 > nn + 0) before = NR
    open = 1
  }
  open && /\)/ { last = NR; open = 0 }
  END {
    for (i = 1; i <= NR; i++) {
      if (i == before) print call()
      print line[i]
      if (before == 0 && i == last) print call()
    }
    if (before == 0 && last == 0) print "\n" call()
  }' "$root/CMakeLists.txt" >"$root/CMakeLists.txt.new"
mv "$root/CMakeLists.txt.new" "$root/CMakeLists.txt"

# The READMEs' lesson tables: a row after the last row that starts with a lesson
# number (README.md links the English page, README.zh-CN.md the Chinese one).
add_row() {  # add_row README DOC TITLE
  awk -v nn="$nn" -v title="$3" -v doc="$2" -v name="$name" '
    { line[NR] = $0 }
    /^\| *[0-9][0-9] *\|/ {
      last = NR; cells = gsub(/\|/, "|", line[NR]) - 1
      number = $0; sub(/^\|[^0-9]*/, "", number); sub(/[^0-9].*$/, "", number)
      if (before == 0 && number + 0 > nn + 0) before = NR
    }
    END {
      # The columns of README.md: # | topic | program | tests (make check-NN) | docs
      docname = doc; sub(/^.*\//, "", docname); sub(/\.md$/, "", docname)
      split(nn "|" title "|`build/bin/" name "`|`lesson" nn "`|[" docname "](" doc ")", cell, "|")
      row = "|"
      for (c = 1; c <= cells; c++) row = row " " (c in cell ? cell[c] : "…") " |"
      for (i = 1; i <= NR; i++) {
        if (i == before) print row
        print line[i]
        if (before == 0 && i == last) print row
      }
    }' "$root/$1" >"$root/$1.new"
  mv "$root/$1.new" "$root/$1"
}
readme_note=""
for readme in README.md README.zh-CN.md; do
  if [ -f "$root/$readme" ] && grep -q '^| *[0-9][0-9] *|' "$root/$readme"; then
    case $readme in
      README.md) add_row "$readme" "$doc" "$title (not written yet)" ;;
      *) add_row "$readme" "$doc_zh" "$title（还没有写）" ;;
    esac
    readme_note="$readme_note
  $readme  a row in the lesson table"
  else
    readme_note="$readme_note
  $readme  no lesson table found: add a row by hand"
  fi
done

cat <<EOF2
new lesson $nn ($name):
  $program
  $test_file
  $doc
  $doc_zh   (the Chinese twin: translate it with the English page)
  CMakeLists.txt        socklab_add_lesson($nn $name ...)$readme_note
Next: make check-$nn (its placeholder test fails: "not written yet"), then write
the lesson, its tests and its page; docs/instructors.md says how.
EOF2
