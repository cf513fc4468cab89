#!/usr/bin/env sh
# progress.sh — where each lesson stands, from a real ctest run (its JUnit output).
# Usage: progress.sh BUILD_DIR          (what `make progress` runs)
#
# Per lesson: passed / failing (the step the first failure points at) / not started
# (its files are as the student edition handed them out) / does not compile, then
# the overall count. Colours only on a terminal (and never with NO_COLOR set).
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

# Build what compiles: one lesson that does not compile must not hide the others.
generator=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$build/CMakeCache.txt")
case $generator in
  Ninja*) keep_going="-k 0" ;;
  *Makefiles*) keep_going="-k" ;;
  *) keep_going="" ;;
esac
build_log="$build/progress-build.log"
# shellcheck disable=SC2086
if cmake --build "$build" -j "$jobs" -- $keep_going >"$build_log" 2>&1; then
  rm -f "$build_log"
else
  echo "${yellow}progress: part of the build failed; the compiler's messages are in $build_log${off}"
fi

# The student edition's record of the lesson files as handed out (cksum lines).
manifest="$root/.socklab-student-edition"
untouched() {  # untouched NN_slug: true if every file of the lesson is as handed out
  [ -f "$manifest" ] || return 1
  grep "^cksum .* lessons/$1/" "$manifest" | sed 's/^cksum //' >"$tmp/handed_out"
  [ -s "$tmp/handed_out" ] || return 1
  (cd "$root" && find "lessons/$1" -type f | sort | xargs cksum) >"$tmp/now"
  sort "$tmp/handed_out" | cmp -s - "$tmp/now"
}

echo "${bold}socklab progress${off} (ctest in $build)"
total=0
passed=0
sed -n 's/^[[:space:]]*socklab_add_lesson([[:space:]]*\([0-9][0-9]*\)[[:space:]]\{1,\}\([A-Za-z0-9_]*\).*/\1 \2/p' \
  "$root/CMakeLists.txt" >"$tmp/lessons"
while read -r nn slug; do
  total=$((total + 1))
  xml="$tmp/lesson$nn.xml"
  ctest --test-dir "$build" -L "^lesson$nn\$" -j "$jobs" --output-junit "$xml" \
    >"$tmp/ctest.log" 2>&1 </dev/null || true
  if [ -f "$xml" ]; then awk -f "$root/scripts/junit.awk" "$xml" >"$tmp/results"; else : >"$tmp/results"; fi
  tests=$(grep -c . "$tmp/results" || true)
  ok=$(grep -c '^pass' "$tmp/results" || true)
  grep -v '^pass' "$tmp/results" | grep -v '^skip' >"$tmp/bad" || true
  label=$(printf '%s %-16s' "$nn" "$slug")
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
  if [ "$tests" -eq 0 ]; then
    echo "  $label ${yellow}no tests${off}"
    continue
  fi
  if [ ! -s "$tmp/bad" ]; then
    passed=$((passed + 1))
    echo "  $label ${green}passed${off}        $ok/$tests tests"
    continue
  fi
  # The failure to show: one naming a step of this lesson's own programs if any
  # (TODO(step N) from its error line), else of another lesson's, else the first.
  programs=$(cd "$root/lessons/${nn}_$slug" 2>/dev/null && ls -- *.cpp 2>/dev/null | sed 's/\.cpp$//' | paste -sd '|' -)
  first=$(grep -E "	(${programs:-.*}): error: TODO\(step" "$tmp/bad" | head -n 1 || true)
  [ -n "$first" ] || first=$(grep 'TODO(step' "$tmp/bad" | head -n 1 || true)
  [ -n "$first" ] || first=$(head -n 1 "$tmp/bad")
  status=$(printf '%s' "$first" | cut -f1)
  test=$(printf '%s' "$first" | cut -f2)
  detail=$(printf '%s' "$first" | cut -f3)
  if [ "$status" = notbuilt ]; then
    echo "  $label ${red}does not compile${off}  see $build_log"
  elif untouched "${nn}_$slug"; then
    echo "  $label ${yellow}not started${off}   next: ${detail:-$test}"
  else
    echo "  $label ${red}failing${off}       ${detail:-$test}"
    echo "  $(printf '%19s' '')               first failing test: $test ($ok/$tests tests pass)"
  fi
done <"$tmp/lessons"
echo "${bold}progress: $passed of $total lessons passed${off}  (one lesson in detail: make check-NN)"
