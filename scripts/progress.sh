#!/usr/bin/env sh
# progress.sh — where each lesson stands, from a real ctest run (its JUnit output).
# Usage: progress.sh BUILD_DIR          (what `make progress` runs)
#
# Per lesson: passed / failing (the step the first failure points at) / not started
# (its files are as the student edition handed them out) / does not compile / no
# exercises, then the overall count. Only tests that run the lesson's own programs
# count: the in-process steps demonstrate the layer and pass before any code is written. Colours only on a terminal (and never with NO_COLOR set).
# Exit status 0 whatever the lessons' state: `make test` is the gate, this the map.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
jobs=${JOBS:-2}
[ -f "$build/CMakeCache.txt" ] || { echo "progress: no build in $build (run: make build)" >&2; exit 2; }

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
  green=$(printf '\033[32m') red=$(printf '\033[31m') yellow=$(printf '\033[33m')
  bold=$(printf '\033[1m') off=$(printf '\033[0m')
else
  green='' red='' yellow='' bold='' off=''
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# The student edition's record of the lesson files as handed out (cksum lines).
manifest="$root/.socklab-student-edition"
untouched() {  # untouched NN_slug: true if every file of the lesson is as handed out
  [ -f "$manifest" ] || return 1
  grep "^cksum .* lessons/$1/" "$manifest" | sed 's/^cksum //' >"$tmp/handed_out"
  [ -s "$tmp/handed_out" ] || return 1
  (cd "$root" && find "lessons/$1" -type f | xargs cksum) | sort >"$tmp/now"
  sort "$tmp/handed_out" | cmp -s - "$tmp/now"  # both sorted the same way
}

echo "${bold}socklab progress${off} (ctest in $build)"
sed -n 's/^[[:space:]]*socklab_add_lesson([[:space:]]*\([0-9][0-9]*\)[[:space:]]\{1,\}\([A-Za-z0-9_]*\).*/\1 \2/p' \
  "$root/CMakeLists.txt" >"$tmp/lessons"
# A lesson has exercises if its programs have them: solution markers in the
# reference edition, the TODO(step N) lines they leave in the student edition.
exercised() { grep -l -e 'SOLUTION[-]BEGIN' -e 'TODO(step' "$root/lessons/$1/"*.cpp >/dev/null 2>&1; }
regex=""
while read -r nn slug; do
  if exercised "${nn}_$slug"; then regex="${regex:+$regex|}$nn"; fi
done <"$tmp/lessons"

# Build what compiles (only the lessons' tests and the programs they run): one
# lesson that does not compile must not hide the others.
generator=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$build/CMakeCache.txt")
case $generator in
  Ninja*) keep_going="-k 0" ;;
  *Makefiles*) keep_going="-k" ;;
  *) keep_going="" ;;
esac
build_log="$build/progress-build.log"
targets=$(echo "$regex" | tr '|' '\n' | sed -n 's/^\(..*\)$/--target lesson\1_test/p' | tr '\n' ' ')
# shellcheck disable=SC2086
if cmake --build "$build" -j "$jobs" $targets -- $keep_going >"$build_log" 2>&1; then
  rm -f "$build_log"
else
  echo "${yellow}progress: part of the build failed; the compiler's messages are in $build_log${off}"
fi

# One ctest run for every lesson with exercises (parallel across lessons), then
# split by test name (LessonNN...). The order ctest lists the tests in is the
# order of the sources: it breaks ties between failures, so that the same code
# names the same first failing step on every run.
: >"$tmp/results"
: >"$tmp/order"
if [ -n "$regex" ]; then
  ctest --test-dir "$build" -L "^lesson($regex)\$" -j "$jobs" --timeout 60 --output-junit "$tmp/all.xml" \
    >"$tmp/ctest.log" 2>&1 </dev/null || true
  [ -f "$tmp/all.xml" ] && awk -f "$root/scripts/junit.awk" "$tmp/all.xml" >"$tmp/results"
  ctest --test-dir "$build" -N -L "^lesson($regex)\$" 2>/dev/null |
    sed -n 's/^ *Test *#[0-9]*: *//p' | awk '{ print NR "\t" $0 }' >"$tmp/order"
fi

total=0
passed=0
while read -r nn slug; do
  label=$(printf '%s %-18s' "$nn" "$slug")
  if ! exercised "${nn}_$slug"; then
    echo "  $label ${bold}no exercises${off}  (a demonstration: ctest -L lesson$nn -V)"
    continue
  fi
  total=$((total + 1))
  # A compile error in this lesson's files: its old binary may still be there, so
  # say so rather than report the old binary's results.
  compile_error=""
  if [ -f "$build_log" ]; then
    compile_error=$(grep -E "(lessons/${nn}_$slug/|tests/lesson${nn}_)[^:]*:[0-9]+(:[0-9]+)?: (fatal )?error" \
      "$build_log" | head -n 1 | sed "s|^.*/\(lessons/\)|\1|; s|^.*/\(tests/\)|\1|" || true)
  fi
  if [ -n "$compile_error" ]; then
    echo "  $label ${red}does not compile${off}  $compile_error"
    continue
  fi
  # This lesson's tests; those that run one of its programs check the student's
  # code, the others demonstrate the layer's calls and are not counted.
  programs=$(cd "$root/lessons/${nn}_$slug" 2>/dev/null && ls -- *.cpp 2>/dev/null | sed 's/\.cpp$//' | paste -sd ',' -)
  awk -F '\t' -v nn="$nn" -v programs="$programs" -v orderfile="$tmp/order" '
    BEGIN { while ((getline line < orderfile) > 0) { split(line, f, "\t"); order[f[2]] = f[1] } }
    {
      name = $2; sub(/^[^\/]*\//, "", name)         # Lesson01/Lesson01BadInput.X/Y
      if (substr(name, 1, 8) != "Lesson" nn) next
      mine = 0; n = split($4, ran, ","); m = split(programs, own, ",")
      for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) if (ran[i] == own[j]) mine = 1
      print (mine ? "mine" : "demo") "\t" (($2 in order) ? order[$2] : 99999) "\t" $0
    }' "$tmp/results" >"$tmp/lesson"
  tests=$(grep -c '^mine' "$tmp/lesson" || true)
  demos=$(grep -c '^demo' "$tmp/lesson" || true)
  ok=$(grep -c '^mine	[0-9]*	pass' "$tmp/lesson" || true)
  demo_note=$([ "$demos" -gt 0 ] && echo "; $demos demonstrations not counted" || true)
  if [ "$tests" -eq 0 ]; then
    echo "  $label ${yellow}no tests of your code${off}  ($demos demonstrations; ctest -L lesson$nn)"
    continue
  fi
  # The failures of the student's tests, by step: a program's own TODO(step N)
  # first, then the lowest step number, then the order of the sources.
  grep '^mine' "$tmp/lesson" | grep -v -e '	pass	' -e '	skip	' |
    awk -F '\t' -v programs="$programs" '{
      own = 1; step = 999
      if (match($5, /TODO\(step [0-9]+\)/)) step = substr($5, RSTART + 10, RLENGTH - 11) + 0
      else if (match($5, /^step [0-9]+\//)) step = substr($5, 6, RLENGTH - 6) + 0
      m = split(programs, p, ",")
      for (j = 1; j <= m; j++) if (index($5, p[j] ": error: TODO(step") == 1) own = 0
      printf "%d\t%03d\t%06d\t%s\t%s\t%s\n", own, step, $2, $3, $4, $5
    }' | sort >"$tmp/bad"
  if [ ! -s "$tmp/bad" ]; then
    passed=$((passed + 1))
    echo "  $label ${green}passed${off}        $ok/$tests tests of your code$demo_note"
    continue
  fi
  status=$(head -n 1 "$tmp/bad" | cut -f4)
  test=$(head -n 1 "$tmp/bad" | cut -f5)
  detail=$(head -n 1 "$tmp/bad" | cut -f6)
  if [ "$status" = notbuilt ]; then
    echo "  $label ${red}does not compile${off}  see $build_log"
  elif untouched "${nn}_$slug"; then
    echo "  $label ${yellow}not started${off}   next: ${detail:-$test}"
  else
    echo "  $label ${red}failing${off}       ${detail:-$test}"
    echo "  $(printf '%21s' '')               first failing test: $test ($ok/$tests tests of your code pass)"
  fi
done <"$tmp/lessons"
echo "${bold}progress: $passed of $total lessons with exercises passed${off}  (one lesson in detail: make check-NN)"
