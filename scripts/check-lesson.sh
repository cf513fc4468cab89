#!/usr/bin/env sh
# check-lesson.sh — one lesson's tests, as `make check-NN` runs them.
# Usage: check-lesson.sh BUILD_DIR NN        (NN: 1 or 01 alike)
#
# Builds only what lesson NN's tests need (its test program and the programs it
# starts), so a compile error in another lesson does not stop this one; runs the
# tests labelled exactly lessonNN; prints each failure once and a short line when
# everything passes. Exit 0 all passed, 1 a test failed (or none ran), 2 usage.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
arg=${2:-}
jobs=${JOBS:-2}

lessons() {  # "NN slug" for each socklab_add_lesson() in CMakeLists.txt
  sed -n 's/^[[:space:]]*socklab_add_lesson([[:space:]]*\([0-9][0-9]*\)[[:space:]]\{1,\}\([A-Za-z0-9_]*\).*/\1 \2/p' \
    "$root/CMakeLists.txt"
}
known=$(lessons | cut -d' ' -f1 | tr '\n' ' ')
case $arg in
  '' | *[!0-9]*)
    echo "make check-NN: NN is a lesson number, e.g. make check-01 (lessons: $known)" >&2
    exit 2
    ;;
esac
nn=$(printf '%02d' "$(echo "$arg" | sed 's/^0*//; s/^$/0/')")  # 1, 01 and 001 are lesson 01
slug=$(lessons | awk -v n="$nn" '$1 == n { print $2 }')
if [ -z "$slug" ]; then
  echo "make check-$arg: there is no lesson $nn (lessons: $known)" >&2
  exit 2
fi
[ -f "$build/CMakeCache.txt" ] || { echo "check-lesson: no build in $build (run: make configure)" >&2; exit 2; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
trap 'exit 130' INT TERM

echo "== lesson $nn $slug: building lesson${nn}_test and the programs it runs"
if ! cmake --build "$build" -j "$jobs" --target "lesson${nn}_test" >"$log" 2>&1; then
  # The compiler's own messages, the first errors first.
  grep -E '(error|Error)' "$log" | grep -v '^gmake\|^make\|^ninja' | head -n 15
  echo "lesson $nn $slug: does not compile (the whole log: cmake --build $build --target lesson${nn}_test)"
  exit 1
fi

echo "== lesson $nn $slug: running its tests (ctest -L '^lesson$nn\$')"
status=0
ctest --test-dir "$build" -L "^lesson$nn\$" -j "$jobs" --output-on-failure --timeout 60 \
  >"$log" 2>&1 </dev/null || status=$?
if grep -a -q 'No tests were found' "$log"; then
  echo "lesson $nn $slug: NO TESTS RAN (is lesson${nn}_test registered in CMakeLists.txt?)"
  exit 1
fi
if [ "$status" -eq 0 ]; then
  grep -a -E 'tests passed' "$log" | sed "s/^/lesson $nn $slug: /"
  exit 0
fi
# A failing run: the output of each failing test once (ctest --output-on-failure),
# without the one-line reports of the tests that passed.
grep -a -v -E '^ *(Start|[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed)' "$log" |
  grep -a -v -E '^(Test project|Constructing a list|Updating test list|Checking test dependency|Test command:|Working Directory:|Environment variables:|Internal ctest|Running main|Label Time Summary|lesson[0-9]+ +=|Total Test time|Errors while running CTest)' |
  sed '/^$/N;/^\n$/D'
echo "lesson $nn $slug: some tests fail — read the first failure above (its step says what to write)"
exit 1
