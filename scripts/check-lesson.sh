#!/usr/bin/env sh
# check-lesson.sh — one lesson's tests, as `make check-NN` runs them.
# Usage: check-lesson.sh BUILD_DIR NN        (NN: 1 or 01 alike)
#
# Builds only what lesson NN's tests need (its test program and the programs it
# starts), so a compile error in another lesson does not stop this one; runs the
# tests labelled exactly lessonNN; prints each failing test once, in step order
# (the lowest step first, then the order of the sources; never the order they
# finished in), each cut to its first lines with the command that shows the rest;
# then how many tests passed, failed and were skipped, and why they were skipped
# (one line per cause). Skipped is never passed: a lesson whose tests of the
# student's code all skipped is "not checked here". Exit 0 all passed, 1 a test
# failed (or none ran, or nothing of the student's code was checked), 2 usage.
# Its lines in Chinese with SOCKLAB_LANG=zh-CN (scripts/say.sh).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
arg=${2:-}
jobs=${JOBS:-2}
keep=${SOCKLAB_REPORT_LINES:-40}  # the lines of a failing test's output shown
# shellcheck source=scripts/say.sh
. "$root/scripts/say.sh"

lessons() {  # "NN slug" for each socklab_add_lesson() in CMakeLists.txt
  sed -n 's/^[[:space:]]*socklab_add_lesson([[:space:]]*\([0-9][0-9]*\)[[:space:]]\{1,\}\([A-Za-z0-9_]*\).*/\1 \2/p' \
    "$root/CMakeLists.txt"
}
known=$(lessons | cut -d' ' -f1 | tr '\n' ' ')
case $arg in
  '' | *[!0-9]*)
    say "make check-NN: NN is a lesson number, e.g. make check-01 (lessons: $known)" \
        "make check-NN：NN 是课的编号，例如 make check-01（课：$known）" >&2
    exit 2
    ;;
esac
nn=$(printf '%02d' "$(echo "$arg" | sed 's/^0*//; s/^$/0/')")  # 1, 01 and 001 are lesson 01
slug=$(lessons | awk -v n="$nn" '$1 == n { print $2 }')
if [ -z "$slug" ]; then
  say "make check-$arg: there is no lesson $nn (lessons: $known)" \
      "make check-$arg：没有第 $nn 课（课：$known）" >&2
  exit 2
fi
[ -f "$build/CMakeCache.txt" ] || {
  say "check-lesson: no build in $build (run: make configure)" \
      "check-lesson：$build 里还没有构建（运行：make configure）" >&2
  exit 2
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
log="$tmp/log"
lesson="$nn $slug"

say "== lesson $lesson: building lesson${nn}_test and the programs it runs" \
    "== 第 $nn 课 $slug：构建 lesson${nn}_test 和它运行的程序"
if ! cmake --build "$build" -j "$jobs" --target "lesson${nn}_test" >"$log" 2>&1; then
  # The compiler's own messages, the first errors first.
  grep -E '(error|Error)' "$log" | grep -v '^gmake\|^make\|^ninja' | head -n 15
  say "lesson $lesson: does not compile (the whole log: cmake --build $build --target lesson${nn}_test)" \
      "第 $nn 课 $slug：编译不通过（完整日志：cmake --build $build --target lesson${nn}_test）"
  exit 1
fi

say "== lesson $lesson: running its tests (ctest -L '^lesson$nn\$')" \
    "== 第 $nn 课 $slug：运行它的测试（ctest -L '^lesson$nn\$'）"
status=0
ctest --test-dir "$build" -L "^lesson$nn\$" -j "$jobs" --output-on-failure --timeout 60 \
  --test-output-size-passed 1048576 --output-junit "$tmp/run.xml" >"$log" 2>&1 </dev/null || status=$?
if grep -a -q 'No tests were found' "$log"; then
  say "lesson $lesson: NO TESTS RAN (is lesson${nn}_test registered in CMakeLists.txt?)" \
      "第 $nn 课 $slug：一个测试都没有运行（lesson${nn}_test 在 CMakeLists.txt 里注册了吗？）"
  exit 1
fi
if [ ! -s "$tmp/run.xml" ]; then
  # No JUnit file (ctest itself failed): its own output, as it is.
  cat "$log"
  say "lesson $lesson: ctest wrote no report (exit status $status); its output is above" \
      "第 $nn 课 $slug：ctest 没有写出报告（退出状态 $status）；它的输出在上面"
  exit 1
fi

# One line per test (scripts/junit.awk): STATUS TEST DETAIL RUNS STEP; the output
# of the failing ones in $tmp/dump.
: >"$tmp/dump"
awk -v dump="$tmp/dump" -f "$root/scripts/junit.awk" "$tmp/run.xml" >"$tmp/results"
# The lesson's programs: a test that runs one of them checks the student's code.
programs=$(find "$root/lessons/${nn}_$slug" -maxdepth 1 -name '*.cpp' 2>/dev/null | sed 's|.*/||; s/\.cpp$//' | sort | paste -sd ',' -)
ctest --test-dir "$build" -N -L "^lesson$nn\$" 2>/dev/null |
  sed -n 's/^ *Test *#[0-9]*: *//p' | awk '{ print NR "\t" $0 }' >"$tmp/order"
# KEY <TAB> STATUS <TAB> TEST <TAB> DETAIL <TAB> STEP <TAB> MINE for every test; the key
# sorts by step: a failure at this lesson's own program's TODO(step N) first, then
# the lowest step, then the order of the sources.
awk -F '\t' -v programs="$programs" -v orderfile="$tmp/order" '
  BEGIN { while ((getline line < orderfile) > 0) { split(line, f, "\t"); order[f[2]] = f[1] }
          m = split(programs, own, ",") }
  {
    # A skipped test ran nothing: what it would have checked is unknown, so it
    # counts as a test of the student'"'"'s code.
    first = 1; mine = ($1 == "skip"); n = split($4, ran, ",")
    for (j = 1; j <= m; j++) {
      if (index($3, own[j] ": error: TODO(step") == 1) first = 0
      for (i = 1; i <= n; i++) if (ran[i] == own[j]) mine = 1
    }
    printf "%d-%03d-%06d\t%s\t%s\t%s\t%d\t%d\n", first, $5, (($2 in order) ? order[$2] : 99999), $1, $2, $3, $5, mine
  }' "$tmp/results" | sort >"$tmp/keyed"

# The counts, in one pass: total passed failed skipped mine mine_skipped.
counts=$(awk -F '\t' '{ t++; if ($2 == "pass") p++; else if ($2 == "skip") s++; else f++
                        if ($6 == 1) { m++; if ($2 == "skip") ms++ } }
                      END { print t + 0, p + 0, f + 0, s + 0, m + 0, ms + 0 }' "$tmp/keyed")
read -r total passed failed skipped mine mine_skipped <<COUNTS
$counts
COUNTS

# Why tests were skipped, one line per cause: "  N skipped: CAUSE".
skip_causes() {
  awk -F '\t' '$2 == "skip" { print $4 }' "$tmp/keyed" | sort | uniq -c | sort -rn |
    while read -r n cause; do say "  $n skipped: $cause" "  $n 个跳过：$cause"; done
}

# The failing tests, by step, each cut to its first $keep lines (GoogleTest's
# frame lines left out).
if [ "$failed" -gt 0 ]; then
  awk -F '\t' '$2 ~ /^(fail|crash|notbuilt)$/ { print $1 "\t" $3 "\t" $2 "\t" $5 }' "$tmp/keyed" |
    while IFS="$(printf '\t')" read -r _ test result step; do
      what=$result
      case $result in
        fail) what=$(pick failed 失败) ;;
        crash) what=$(pick "did not finish: crashed or timed out" "没有运行完：崩溃或超时") ;;
        notbuilt) what=$(pick "not built" 没有构建出来) ;;
      esac
      if [ "$step" -eq 999 ]; then
        say "---- $test ($what)" "---- $test（$what）"
      else
        say "---- step $step: $test ($what)" "---- 第 $step 步：$test（$what）"
      fi
      awk -F '\t' -v t="$test" '$1 == t { sub(/^[^\t]*\t[^\t]*\t/, ""); print }' "$tmp/dump" |
        grep -a -v -E '^(Running main\(\) from|Note: Google Test filter|\[==========\]|\[----------\]|\[ RUN      \]|\[  PASSED  \] 0 tests|\[  FAILED  \] [0-9]+ tests?, listed below|\[  FAILED  \] .*[^)]$| *[0-9]+ FAILED TESTS?$)' |
        sed '/^$/N;/^\n$/D' >"$tmp/one"
      head -n "$keep" "$tmp/one"
      more=$(( $(wc -l <"$tmp/one") - keep ))
      regex=$(printf '%s' "$test" | sed 's/[].[*^$\\]/\\&/g')
      if [ "$more" -gt 0 ]; then
        say "  … $more more lines: ctest --test-dir $build -R '^$regex\$' -V" \
            "  …… 还有 $more 行：ctest --test-dir $build -R '^$regex\$' -V"
      fi
    done
fi

if [ "$skipped" -gt 0 ]; then
  say "lesson $lesson: $skipped of $total tests skipped — skipped is not passed; why:" \
      "第 $nn 课 $slug：$total 个测试中有 $skipped 个跳过了 — 跳过不等于通过；原因："
  skip_causes
fi
# Nothing of the student's code was checked: every test of it (or every test) skipped.
if [ "$failed" -eq 0 ] && { [ "$passed" -eq 0 ] || { [ "$mine" -gt 0 ] && [ "$mine_skipped" -eq "$mine" ]; }; }; then
  cause=$(awk -F '\t' '$2 == "skip" { print $4 }' "$tmp/keyed" | sort | uniq -c | sort -rn | head -n 1 | sed 's/^ *[0-9]* //')
  say "lesson $lesson: not checked here: $cause" "第 $nn 课 $slug：这里没有检查：$cause"
  exit 1
fi
if [ "$failed" -gt 0 ]; then
  first=$(awk -F '\t' '$2 ~ /^(fail|crash|notbuilt)$/ { print $5 "\t" $3; exit }' "$tmp/keyed")
  first_step=${first%%"$(printf '\t')"*}
  first_test=${first#*"$(printf '\t')"}
  if [ "$first_step" -eq 999 ]; then
    where="$first_test"
  else
    where=$(pick "step $first_step, $first_test" "第 $first_step 步，$first_test")
  fi
  skip_note=""
  [ "$skipped" -eq 0 ] || skip_note=$(pick ", $skipped skipped" "，$skipped 个跳过")
  say "lesson $lesson: $failed of $total tests fail, $passed pass$skip_note — read the first failure above ($where): its step says what to write" \
      "第 $nn 课 $slug：$total 个测试中 $failed 个失败，$passed 个通过$skip_note — 先读上面的第一个失败（$where）：它的步骤说明要写什么"
  exit 1
fi
if [ "$skipped" -gt 0 ]; then
  say "lesson $lesson: $passed of $total tests passed, $skipped skipped (not checked here)" \
      "第 $nn 课 $slug：$total 个测试中 $passed 个通过，$skipped 个跳过（这里没有检查）"
else
  say "lesson $lesson: all $total tests passed" "第 $nn 课 $slug：全部 $total 个测试都通过了"
fi
exit 0
