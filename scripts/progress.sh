#!/usr/bin/env sh
# progress.sh — where each lesson stands, from a real ctest run (its JUnit output).
# Usage: progress.sh BUILD_DIR          (what `make progress` runs)
#
# Per lesson: passed / failing (the step the first failure points at) / not started
# (its files are as the student edition handed them out) / does not compile / not
# checked here (every test of the student's code was skipped on this machine: why) /
# no exercises, then the overall count; skipped tests are counted and their causes
# named, never counted as passed. Which lessons have exercises comes from what was
# handed out — the student edition's record, .socklab-student-edition ("exercise NN
# STEP FILE" lines) — not from the TODO lines a student may delete; in the reference
# edition (no record) from the solution markers, through the generator's --record.
# Only tests that run the lesson's own programs count: the in-process steps
# demonstrate the layer and pass before any code is written. Colours only on a
# terminal (and never with NO_COLOR set); lines in Chinese with SOCKLAB_LANG=zh-CN.
# Exit status 0 whatever the lessons' state: `make test` is the gate, this the map.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
jobs=${JOBS:-2}
# shellcheck source=scripts/say.sh
. "$root/scripts/say.sh"
[ -f "$build/CMakeCache.txt" ] || {
  say "progress: no build in $build (run: make build)" "progress：$build 里还没有构建（运行：make build）" >&2
  exit 2
}

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
  green=$(printf '\033[32m') red=$(printf '\033[31m') yellow=$(printf '\033[33m')
  bold=$(printf '\033[1m') off=$(printf '\033[0m')
else
  green='' red='' yellow='' bold='' off=''
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

generator=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$build/CMakeCache.txt")
case $generator in
  Ninja*) keep_going="-k 0" ;;
  *Makefiles*) keep_going="-k" ;;
  *) keep_going="" ;;
esac

# What was handed out: "NN STEP FILE" per exercise (a marked block of code).
manifest="$root/.socklab-student-edition"
if [ -f "$manifest" ]; then
  edition=$(pick "student edition" 学生版)
  sed -n 's/^exercise //p' "$manifest" >"$tmp/exercises"
else
  edition=$(pick "reference edition" 参考版)
  # The generator reads the solution markers of what student-edition.sh hands out
  # (its --record: the same files and exclusions), as the student edition's record.
  echo "no scripts/student-edition.sh" >"$tmp/tool.log"
  if [ -f "$root/scripts/student-edition.sh" ] &&
     cmake --build "$build" --target student_edition >"$tmp/tool.log" 2>&1 &&
     sh "$root/scripts/student-edition.sh" --record "$build/bin/student_edition" \
       >"$tmp/record" 2>"$tmp/tool.log"; then
    sed -n 's/^exercise //p' "$tmp/record" >"$tmp/exercises"
  else
    # No generator to ask: the lessons' own files with markers (step unknown).
    say "${yellow}progress: the generator could not read the markers ($(head -n 1 "$tmp/tool.log")); lessons with markers in their folder only${off}" \
        "${yellow}progress：生成器读不了标记（$(head -n 1 "$tmp/tool.log")）；只算课文件夹里有标记的课${off}"
    (cd "$root" && { grep -l 'SOLUTION[-]BEGIN' lessons/*/*.cpp 2>/dev/null || true; }) |
      sed -n 's|^lessons/\([0-9][0-9]*\)_.*|\1 0 &|p' >"$tmp/exercises"
  fi
fi

# untouched NN_slug NN: true if every file of the lesson (its folder, and its
# exercises' files elsewhere) is as handed out (the record's cksum lines).
untouched() {
  [ -f "$manifest" ] || return 1
  { grep "^cksum .* lessons/$1/" "$manifest" || true
    awk -v n="$2" '$1 == n && $3 !~ /^lessons\// { print $3 }' "$tmp/exercises" | sort -u |
      while read -r f; do grep "^cksum [0-9]* [0-9]* $f\$" "$manifest" || true; done
  } | sed 's/^cksum //' | sort >"$tmp/handed_out"
  [ -s "$tmp/handed_out" ] || return 1
  (cd "$root" && { find "lessons/$1" -type f
                   awk -v n="$2" '$1 == n && $3 !~ /^lessons\// { print $3 }' "$tmp/exercises"; } |
     sort -u | xargs cksum 2>/dev/null) | sort >"$tmp/now"
  cmp -s "$tmp/handed_out" "$tmp/now"
}

say "${bold}socklab progress${off} ($edition; ctest in $build)" "${bold}socklab 进度${off}（$edition；ctest 在 $build 里）"
sed -n 's/^[[:space:]]*socklab_add_lesson([[:space:]]*\([0-9][0-9]*\)[[:space:]]\{1,\}\([A-Za-z0-9_]*\).*/\1 \2/p' \
  "$root/CMakeLists.txt" >"$tmp/lessons"
exercised() { awk -v n="$1" '$1 == n { found = 1 } END { exit !found }' "$tmp/exercises"; }
regex=""
while read -r nn slug; do
  if exercised "$nn"; then regex="${regex:+$regex|}$nn"; fi
done <"$tmp/lessons"

# Build what compiles (only the lessons' tests and the programs they run): one
# lesson that does not compile must not hide the others.
build_log="$build/progress-build.log"
targets=$(echo "$regex" | tr '|' '\n' | sed -n 's/^\(..*\)$/--target lesson\1_test/p' | tr '\n' ' ')
# shellcheck disable=SC2086
if [ -z "$targets" ] || cmake --build "$build" -j "$jobs" $targets -- $keep_going >"$build_log" 2>&1; then
  rm -f "$build_log"
else
  say "${yellow}progress: part of the build failed; the compiler's messages are in $build_log${off}" \
      "${yellow}progress：部分构建失败；编译器的信息在 $build_log 里${off}"
fi

# One ctest run for every lesson with exercises (parallel across lessons), then
# split by test name (LessonNN...). The order ctest lists the tests in is the
# order of the sources: it breaks ties between failures, so that the same code
# names the same first failing step on every run.
: >"$tmp/results"
: >"$tmp/order"
if [ -n "$regex" ]; then
  ctest --test-dir "$build" -L "^lesson($regex)\$" -j "$jobs" --timeout 60 \
    --test-output-size-passed 1048576 --output-junit "$tmp/all.xml" \
    >"$tmp/ctest.log" 2>&1 </dev/null || true
  [ -f "$tmp/all.xml" ] && awk -f "$root/scripts/junit.awk" "$tmp/all.xml" >"$tmp/results"
  ctest --test-dir "$build" -N -L "^lesson($regex)\$" 2>/dev/null |
    sed -n 's/^ *Test *#[0-9]*: *//p' | awk '{ print NR "\t" $0 }' >"$tmp/order"
fi

indent=$(printf '%21s' '')
total=0
passed=0
partly=0
unchecked=0
while read -r nn slug; do
  label=$(printf '%s %-18s' "$nn" "$slug")
  if ! exercised "$nn"; then
    say "  $label ${bold}no exercises${off}  (a demonstration: ctest -L lesson$nn -V)" \
        "  $label ${bold}没有练习${off}  （演示：ctest -L lesson$nn -V）"
    continue
  fi
  total=$((total + 1))
  # A compile error in this lesson's files: its old binary may still be there, so
  # say so rather than report the old binary's results.
  compile_error=""
  if [ -f "$build_log" ]; then
    files=$(awk -v n="$nn" '$1 == n && $3 !~ /^lessons\// { print $3 }' "$tmp/exercises" | sort -u |
      sed 's/[].[*^$\\]/\\&/g' | paste -sd '|' -)
    compile_error=$(grep -E "(lessons/${nn}_$slug/|tests/lesson${nn}_${files:+|$files})[^:]*:[0-9]+(:[0-9]+)?: (fatal )?error" \
      "$build_log" | head -n 1 | sed "s|^.*/\(lessons/\)|\1|; s|^.*/\(tests/\)|\1|; s|^$root/||" || true)
  fi
  if [ -n "$compile_error" ]; then
    say "  $label ${red}does not compile${off}  $compile_error" "  $label ${red}编译不通过${off}  $compile_error"
    continue
  fi
  # This lesson's tests; those that run one of its programs check the student's
  # code, the others demonstrate the layer's calls and are not counted.
  programs=$(find "$root/lessons/${nn}_$slug" -maxdepth 1 -name '*.cpp' 2>/dev/null | sed 's|.*/||; s/\.cpp$//' | sort | paste -sd ',' -)
  # An exercise outside the lesson's folder (lesson 12's lib/lab/src/route.cpp, step 1)
  # is checked in-process: the lesson's tests of that step count too.
  libsteps=$(awk -v n="$nn" '$1 == n && $3 !~ /^lessons\// { print $2 }' "$tmp/exercises" | sort -u | paste -sd ',' -)
  awk -F '\t' -v nn="$nn" -v programs="$programs" -v libsteps=",$libsteps," -v orderfile="$tmp/order" '
    BEGIN { while ((getline line < orderfile) > 0) { split(line, f, "\t"); order[f[2]] = f[1] } }
    {
      name = $2; sub(/^[^\/]*\//, "", name)         # Lesson01/Lesson01BadInput.X/Y
      if (substr(name, 1, 8) != "Lesson" nn) next
      # A skipped test ran nothing: what it would have checked is unknown, so it
      # counts as a test of the student'"'"'s code (never as a passed demonstration).
      mine = ($1 == "skip"); n = split($4, ran, ","); m = split(programs, own, ",")
      for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) if (ran[i] == own[j]) mine = 1
      if (index(libsteps, "," $5 ",") > 0) mine = 1
      print (mine ? "mine" : "demo") "\t" (($2 in order) ? order[$2] : 99999) "\t" $0
    }' "$tmp/results" >"$tmp/lesson"
  tests=$(grep -c '^mine' "$tmp/lesson" || true)
  demos=$(grep -c '^demo' "$tmp/lesson" || true)
  ok=$(grep -c '^mine	[0-9]*	pass' "$tmp/lesson" || true)
  skips=$(grep -c '^mine	[0-9]*	skip' "$tmp/lesson" || true)
  if [ "$tests" -eq 0 ]; then
    say "  $label ${yellow}no tests of your code${off}  ($demos demonstrations; ctest -L lesson$nn)" \
        "  $label ${yellow}没有测试你的代码的测试${off}  （$demos 个演示；ctest -L lesson$nn）"
    continue
  fi
  # Why tests of the student's code were skipped, one line per cause.
  grep '^mine	[0-9]*	skip' "$tmp/lesson" | cut -f5 | sort | uniq -c | sort -rn >"$tmp/causes" || true
  causes() {
    while read -r n cause; do
      say "  $indent  $n skipped: $cause" "  $indent  $n 个跳过：$cause"
    done <"$tmp/causes"
  }
  demo_note=""
  [ "$demos" -gt 0 ] && demo_note=$(pick "; $demos demonstrations not counted" "；$demos 个演示不计")
  skip_note=""
  [ "$skips" -gt 0 ] && skip_note=$(pick "; $skips skipped, not checked here" "；$skips 个跳过，这里没有检查")
  # The failures of the student's tests, by step: a program's own TODO(step N)
  # first, then the lowest step number (scripts/junit.awk), then the order of the sources.
  grep '^mine' "$tmp/lesson" | grep -v -e '	pass	' -e '	skip	' |
    awk -F '\t' -v programs="$programs" '{
      own = 1
      m = split(programs, p, ",")
      for (j = 1; j <= m; j++) if (index($5, p[j] ": error: TODO(step") == 1) own = 0
      printf "%d\t%03d\t%06d\t%s\t%s\t%s\n", own, $7, $2, $3, $4, $5
    }' | sort >"$tmp/bad"
  if [ ! -s "$tmp/bad" ]; then
    if [ "$ok" -eq 0 ]; then  # every test of the student's code skipped: nothing checked
      cause=$(head -n 1 "$tmp/causes" | sed 's/^ *[0-9]* //')
      say "  $label ${yellow}not checked here${off}: $cause" "  $label ${yellow}这里没有检查${off}：$cause"
      say "  $indent  ($skips of $tests tests of your code skipped; where they can run: make check-$nn)" \
          "  $indent  （测试你的代码的 $tests 个测试中有 $skips 个跳过；在能运行它们的地方：make check-$nn）"
      [ "$(wc -l <"$tmp/causes")" -gt 1 ] && causes
      unchecked=$((unchecked + 1))
      continue
    fi
    if [ "$skips" -gt 0 ]; then  # some ran and passed, the others were not checked
      partly=$((partly + 1))
      say "  $label ${yellow}partly checked${off} $ok/$tests tests of your code passed; $skips skipped, not checked here:" \
          "  $label ${yellow}只检查了一部分${off} 测试你的代码的 $tests 个测试中 $ok 个通过；$skips 个跳过，这里没有检查："
      causes
      continue
    fi
    passed=$((passed + 1))
    say "  $label ${green}passed${off}        $ok/$tests tests of your code$demo_note" \
        "  $label ${green}通过${off}          测试你的代码的 $tests 个测试中 $ok 个通过$demo_note"
    continue
  fi
  status=$(head -n 1 "$tmp/bad" | cut -f4)
  test=$(head -n 1 "$tmp/bad" | cut -f5)
  detail=$(head -n 1 "$tmp/bad" | cut -f6)
  if [ "$status" = notbuilt ]; then
    say "  $label ${red}does not compile${off}  see $build_log" "  $label ${red}编译不通过${off}  见 $build_log"
  elif untouched "${nn}_$slug" "$nn"; then
    say "  $label ${yellow}not started${off}   next: ${detail:-$test}" \
        "  $label ${yellow}还没开始${off}      下一步：${detail:-$test}"
  else
    say "  $label ${red}failing${off}       ${detail:-$test}" "  $label ${red}失败${off}          ${detail:-$test}"
    say "  $indent               first failing test: $test ($ok/$tests tests of your code pass$skip_note)" \
        "  $indent               第一个失败的测试：$test（测试你的代码的 $tests 个测试中 $ok 个通过$skip_note）"
  fi
  causes
done <"$tmp/lessons"
if [ $((partly + unchecked)) -gt 0 ]; then
  say "${bold}progress: $passed of $total lessons with exercises passed${off}; $partly partly checked, $unchecked not checked here (skipped is not passed)  (one lesson in detail: make check-NN)" \
      "${bold}进度：有练习的 $total 课中 $passed 课通过${off}；$partly 课只检查了一部分，$unchecked 课这里没有检查（跳过不等于通过）  （一课的详情：make check-NN）"
else
  say "${bold}progress: $passed of $total lessons with exercises passed${off}  (one lesson in detail: make check-NN)" \
      "${bold}进度：有练习的 $total 课中 $passed 课通过${off}  （一课的详情：make check-NN）"
fi
