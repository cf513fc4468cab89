#!/usr/bin/env sh
# check-student-edition.sh — the proof that the tests are real.
# Usage: check-student-edition.sh BUILD_DIR     (make check-student-edition; CI runs it)
#
#   1. the reference edition (BUILD_DIR) passes every lesson test;
#   2. the student edition is written to a temporary folder (the generator itself
#      fails on any trace of a solution) ...
#   3. ... with a lesson scaffolded by new-lesson.sh added to it (the scaffold's test);
#   4. it builds with warnings as errors;
#   5. its tests: every lesson with solution markers has at least one failing test,
#      none crashes or times out, and the failure names a step; the scaffolded
#      lesson's placeholder test fails with "not written yet".
# A lesson whose tests pass without its solution is named, and the check fails.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-build}" && pwd)
jobs=${JOBS:-2}
tool="$build/bin/student_edition"
[ -x "$tool" ] || { echo "check-student-edition: build $tool first (make build)" >&2; exit 2; }

# The student edition is written and built inside the reference build directory, its
# build directory beside its sources as build/ is beside the reference's: with a
# compiler cache (ccache, base_dir above both), the files the two editions share — the
# layer, the tests — are compiled once.
tmp=$(mktemp -d "$build/check-student-edition.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
problems=0
problem() { echo "  FAIL: $*"; problems=$((problems + 1)); }

lessons() {  # "NN slug" for each socklab_add_lesson() in $1/CMakeLists.txt
  sed -n 's/^[[:space:]]*socklab_add_lesson([[:space:]]*\([0-9][0-9]*\)[[:space:]]\{1,\}\([A-Za-z0-9_]*\).*/\1 \2/p' \
    "$1/CMakeLists.txt"
}
run_lesson() {  # run_lesson BUILD NN OUT.tsv: ctest of one lesson, one line per test
  rm -f "$tmp/run.xml"
  ctest --test-dir "$1" -L "^lesson$2\$" -j "$jobs" \
    --test-output-size-passed 1048576 --output-junit "$tmp/run.xml" \
    >"$tmp/ctest.log" 2>&1 </dev/null || true
  if [ -f "$tmp/run.xml" ]; then awk -f "$root/scripts/junit.awk" "$tmp/run.xml" >"$3"; else : >"$3"; fi
}

echo "== 1/5 the reference edition passes every lesson test ($build)"
lessons "$root" >"$tmp/lessons"
while read -r nn slug; do
  run_lesson "$build" "$nn" "$tmp/ref.tsv"
  total=$(grep -c . "$tmp/ref.tsv" || true)
  bad=$(grep -v -c -e '^pass' -e '^skip' "$tmp/ref.tsv" || true)
  if [ "$total" -eq 0 ]; then
    echo "  lesson $nn $slug: no tests"
  elif [ "$bad" -ne 0 ]; then
    problem "reference lesson $nn $slug: $bad of $total tests do not pass:"
    grep -v -e '^pass' -e '^skip' "$tmp/ref.tsv" | cut -f1,2 | sed 's/^/        /'
  else
    echo "  lesson $nn $slug: $total tests pass"
  fi
done <"$tmp/lessons"

echo "== 2/5 writing the student edition"
student="$tmp/student"
if ! sh "$root/scripts/student-edition.sh" "$tool" "$student"; then
  problem "the student edition could not be written (see the lines above)"
  echo "check-student-edition: FAILED"
  exit 1
fi
sed -n 's|^marked lessons/\([0-9][0-9]*\)_[^/]*/.*|\1|p' "$student/.socklab-student-edition" | sort -u \
  >"$tmp/marked"
echo "  lessons with solution markers: $(tr '\n' ' ' <"$tmp/marked")"

echo "== 3/5 scaffolding a lesson in it with new-lesson.sh"
scaffold=99
while [ -n "$(lessons "$student" | awk -v n="$scaffold" '$1 + 0 == n + 0')" ]; do
  scaffold=$((scaffold - 1))
done
sh "$root/scripts/new-lesson.sh" --root "$student" "$scaffold" scaffold_check >/dev/null

echo "== 4/5 building it (warnings are errors; only what the lesson tests need)"
generator=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$build/CMakeCache.txt")
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
launchers=""  # the reference build's compiler launcher (ccache), if it has one
for lang in C CXX; do
  l=$(sed -n "s/^CMAKE_${lang}_COMPILER_LAUNCHER:[A-Z]*=//p" "$build/CMakeCache.txt")
  [ -z "$l" ] || launchers="$launchers -DCMAKE_${lang}_COMPILER_LAUNCHER=$l"
done
sbuild="$student/build"
targets=$(lessons "$student" | awk '{ printf " --target lesson%s_test", $1 }')
# shellcheck disable=SC2086
if ! cmake -S "$student" -B "$sbuild" -G "$generator" -DSOCKLAB_WERROR=ON \
       -DCMAKE_BUILD_TYPE="$build_type" $launchers >"$tmp/build.log" 2>&1 ||
   ! cmake --build "$sbuild" -j "$jobs" $targets >>"$tmp/build.log" 2>&1; then
  grep -E 'error|warning' "$tmp/build.log" | head -n 20 | sed 's/^/    /'
  problem "the student edition does not build with -Werror (its stubs must compile)"
  echo "check-student-edition: FAILED ($problems problem(s))"
  exit 1
fi
echo "  built:$(printf '%s' "$targets" | sed 's/ --target//g')"
if command -v clang-format >/dev/null 2>&1; then
  sed -n 's/^marked \([^ ]*\.[ch][cp]*p*\) .*/\1/p' "$student/.socklab-student-edition" >"$tmp/marked_files"
  if ! (cd "$student" && xargs clang-format --dry-run -Werror <"$tmp/marked_files") >"$tmp/format.log" 2>&1; then
    head -n 10 "$tmp/format.log" | sed 's/^/    /'
    problem "the student edition's marked files are not clang-format clean (check the stubs)"
  fi
fi

echo "== 5/5 its tests: each marked lesson must fail, naming a step"
# Each lesson is judged on its own solution alone: its tests run with its
# student-edition programs, and with the reference build of every other lesson's
# programs (lesson 02's tests start lesson 01's server, for one).
lessons "$student" >"$tmp/lessons.student"
programs_of() {  # programs_of NN_slug: the programs of a lesson, lessons/NN_slug/NAME.cpp
  (cd "$student/lessons/$1" 2>/dev/null && ls -- *.cpp 2>/dev/null | sed 's/\.cpp$//') || true
}
mkdir "$tmp/student-bin"
cp -p "$sbuild/bin/"* "$tmp/student-bin/"
while read -r nn slug; do
  cp -p "$tmp/student-bin/"* "$sbuild/bin/"
  while read -r other other_slug; do
    [ "$other" != "$nn" ] || continue
    for program in $(programs_of "${other}_$other_slug"); do
      if [ -f "$build/bin/$program" ]; then cp -p "$build/bin/$program" "$sbuild/bin/$program"; fi
    done
  done <"$tmp/lessons.student"
  run_lesson "$sbuild" "$nn" "$tmp/student.tsv"
  total=$(grep -c . "$tmp/student.tsv" || true)
  failing=$(grep -c -e '^fail' -e '^crash' -e '^notbuilt' "$tmp/student.tsv" || true)
  if [ "$nn" = "$scaffold" ]; then
    if grep -q "^fail	.*NotWrittenYet" "$tmp/student.tsv" && grep -q "not written yet" "$tmp/run.xml"; then
      echo "  scaffolded lesson $nn: builds; its placeholder test fails with \"not written yet\""
    else
      problem "scaffolded lesson $nn: its placeholder test should fail with \"not written yet\""
    fi
    continue
  fi
  if ! grep -qx "$nn" "$tmp/marked"; then
    echo "  lesson $nn $slug: no markers ($failing of $total tests fail in the student edition)"
    continue
  fi
  if [ "$failing" -eq 0 ]; then
    problem "lesson $nn $slug: its $total tests PASS WITH ITS SOLUTION REMOVED: they do not check what the student writes (or a stub does the work)"
    continue
  fi
  if grep -q '^crash' "$tmp/student.tsv"; then
    problem "lesson $nn $slug: tests crash or time out without the solution (they must fail cleanly):"
    grep '^crash' "$tmp/student.tsv" | cut -f2,3 | sed 's/^/        /'
  fi
  # Prefer a failure naming a step of this lesson's own programs.
  programs=$(programs_of "${nn}_$slug" | paste -sd '|' -)
  pointer=$(grep '^fail' "$tmp/student.tsv" | cut -f3 | grep -E "^(${programs:-.*}): error: TODO\(step" | head -n 1)
  [ -n "$pointer" ] || pointer=$(grep '^fail' "$tmp/student.tsv" | cut -f3 | grep 'TODO(step' | head -n 1)
  [ -n "$pointer" ] || pointer=$(grep '^fail' "$tmp/student.tsv" | cut -f3 | grep . | head -n 1)
  if [ -z "$pointer" ]; then
    problem "lesson $nn $slug: its failures name no step (narrate with Step, or stub with TODO(step N))"
  else
    echo "  lesson $nn $slug: $failing of $total tests fail without the solution; e.g. $pointer"
  fi
done <"$tmp/lessons.student"

if [ "$problems" -ne 0 ]; then
  echo "check-student-edition: FAILED ($problems problem(s))"
  exit 1
fi
echo "check-student-edition: OK — every marked lesson fails without its solution; the reference passes"
