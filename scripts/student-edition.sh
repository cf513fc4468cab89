#!/usr/bin/env sh
# student-edition.sh — writes the student edition of this tree: every file of the
# project (git's list: tracked and untracked-but-not-ignored), the solution
# markers replaced by their TODO text and stubs, the instructors' tools left out.
# Usage: student-edition.sh TOOL OUT      (what `make student-edition OUT=DIR` runs)
#        student-edition.sh --record TOOL  (prints the record, writes nothing)
#   TOOL  the built generator, BUILD/bin/student_edition
#   OUT   a new or empty directory, or an earlier student edition (rewritten)
# --record prints what the student edition's .socklab-student-edition would say of
# this tree (the marked files; "exercise NN STEP FILE" per exercise), from the same
# files and exclusions: what progress.sh and check-exercises.sh read in the
# reference edition, so that what is handed out is decided here only.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
usage() { echo "usage: student-edition.sh TOOL OUT | student-edition.sh --record TOOL" >&2; exit 2; }
record=""
if [ "${1:-}" = --record ]; then
  [ $# -eq 2 ] || usage
  record=--record
  tool=$2
  out=""
else
  [ $# -eq 2 ] || usage
  tool=$1
  out=$2
fi
manifest=.socklab-student-edition

# Only ever delete an earlier student edition, never an arbitrary folder.
if [ -z "$record" ] && [ -d "$out" ] && [ -n "$(ls -A "$out")" ]; then
  if [ -f "$out/$manifest" ]; then
    rm -rf "$out"
  else
    echo "student-edition: $out exists and is not a student edition; give a new directory" >&2
    exit 2
  fi
fi

files=$(mktemp)
trap 'rm -f "$files"' EXIT
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # core.quotePath=false: a non-ASCII name (docs/zh-CN/术语表.md) as itself, not "\346..."
  git -C "$root" -c core.quotePath=false ls-files --cached --others --exclude-standard >"$files"
  from="--files-from $files"
else
  from=""  # not a git checkout: the generator walks the tree (skipping build trees)
fi

# Left out: the instructors' tools and notes (they show the marker syntax and how
# to check a solution), the kit's own CI, and the examples and the benchmark: they
# are built from what the lessons teach (loadgen's non-blocking connect IS lesson
# 09's answer), so they are handed out once the lessons are done. Tests may call the same socket
# functions as a solution (they exercise the layer), and README.md's "layer in one
# screen" shows the API by design, so the same code there is no leak.
example_tests=""
for t in "$root"/tests/example_*_test.cpp; do
  [ -e "$t" ] && example_tests="$example_tests --exclude tests/${t##*/}"
done
# The students' README: the reference one without what is not handed out, with
# a section on how to work through a lesson (tools/student_edition/student-*).
readme=$(mktemp)
trap 'rm -f "$files" "$readme"' EXIT
awk -v intro="$root/tools/student_edition/student-intro.md" \
  -f "$root/tools/student_edition/student-readme.awk" "$root/README.md" >"$readme"
# The Chinese README is the instructors' (examples, benchmark, instructors' page):
# the students get a short one that starts them on lesson 01 in Chinese.
readme_zh=$(mktemp)
trap 'rm -f "$files" "$readme" "$readme_zh"' EXIT
cat >"$readme_zh" <<'ZH'
# socklab 学生版

[English](README.md) · **中文**

这是课程的学生版：每一课里需要你写的代码都换成了 `TODO(step N)`。从
[第 01 课](docs/zh-CN/lessons/01-echo-server.md)开始，术语见[术语表](docs/zh-CN/术语表.md)。

```sh
make run        # 编译，然后运行已经写好的各课程序
SOCKLAB_LANG=zh-CN make run   # 同上，导览的说明用中文
make check-01   # 第 01 课的测试：哪一步还没写好
make progress   # 每一课的进度
make test       # 全部测试
```
ZH

# A solution line found in another lesson's program is a leak too (lesson 03 must
# not hand out lesson 01's recv line): no --note-trace, the generation fails.
# shellcheck disable=SC2086
set -- --source "$root" $from \
  --substitute "README.md=$readme" \
  --exclude tools/student_edition \
  --exclude tools/grade \
  --exclude docs/grading.md \
  --exclude docs/zh-CN/grading.md \
  --exclude scripts/student-edition.sh \
  --exclude scripts/check-student-edition.sh \
  --exclude scripts/check-exercises.sh \
  --exclude scripts/new-lesson.sh \
  --exclude docs/instructors.md \
  --substitute "README.zh-CN.md=$readme_zh" \
  --exclude docs/zh-CN/instructors.md \
  --exclude .ci \
  --exclude examples \
  --exclude bench \
  --exclude docs/examples \
  --exclude docs/performance.md \
  --exclude docs/zh-CN/examples \
  --exclude docs/zh-CN/performance.md \
  $example_tests \
  --allow-trace tests \
  --allow-trace README.md \
  --allow-trace README.zh-CN.md
if [ -n "$record" ]; then
  "$tool" --record "$@"
  exit 0
fi
"$tool" "$@" --output "$out"

# The lesson files and the other files with exercises (lib/lab/src/route.cpp, named
# by the record's "exercise" lines) as handed out, so that `make progress` can tell
# "not started".
if [ -d "$out/lessons" ]; then
  (cd "$out" && { find lessons -type f; sed -n 's/^exercise [0-9]* [0-9]* //p' "$manifest"; } |
    sort -u | xargs cksum | sed 's/^/cksum /') >>"$out/$manifest"
fi

# Nothing the students read may point nowhere: every relative link in a Markdown
# file names a file or folder of the tree, and every `make TARGET` the docs name
# is a target here (not one of the instructors', which refuse in this tree).
broken=0
find "$out" -name '*.md' -type f | sort >"$files"
while IFS= read -r md; do
  rel=${md#"$out"/}
  dir=$(dirname "$md")
  sed 's/`[^`]*`//g' "$md" | grep -o '](\([^)#][^)]*\))' | sed 's/^](//; s/)$//; s/[[:space:]].*//; s/#.*//' | sort -u |
    while IFS= read -r link; do
      case $link in http:* | https:* | mailto:* | '') continue ;; esac
      [ -e "$dir/$link" ] || { echo "student-edition: $rel: the link to $link points nowhere in the student edition" >&2; echo x; }
    done >>"$readme.broken"
  { grep -o '`make [a-z][a-z0-9-]*' "$md" | sed 's/^`make //'
    sed -n 's/^[[:space:]$]*make \([a-z][a-z0-9-]*\).*/\1/p' "$md"; } | sort -u |
    while IFS= read -r target; do
      # Lesson 11's page quotes a run of the benchmark, which comes with the examples.
      [ "$target" = bench ] && continue
      if ! dry=$(make -n -C "$out" "$target" 2>&1) || printf '%s' "$dry" | grep -q 'not part of the student edition'; then
        echo "student-edition: $rel: documents 'make $target', which does not exist in the student edition" >&2
        echo x
      fi
    done >>"$readme.broken"
done <"$files"
broken=$(grep -c x "$readme.broken" 2>/dev/null || true)
rm -f "$readme.broken"
if [ "${broken:-0}" -ne 0 ]; then
  echo "student-edition: $broken dead link(s) or make target(s) in $out; fix the docs (or the exclusions)" >&2
  exit 1
fi
