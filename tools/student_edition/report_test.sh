#!/usr/bin/env sh
# report_test.sh — skipped is never passed, and a failing lesson reads in step order:
# make check-NN (scripts/check-lesson.sh) and make progress (scripts/progress.sh) on
# a small fake course run by the real cmake and ctest (tests that print what
# GoogleTest prints, skips included). Usage: report_test.sh SOURCE_ROOT
#   lesson 01: every test skips             -> "not checked here: CAUSE", never passed
#   lesson 02: one passes, two skip (2 causes) -> partly checked, never passed; each
#              cause on its own line
#   lesson 03: step 6 (long output, registered first) and step 1 fail -> step 1 first, cut
#   lessons 02, 03: two tests in one ctest test (a ONE_PROCESS suite), one with more than
#              1 KiB of output -> each counted and reported alone (scripts/junit.awk)
#   lesson 04: no exercise in the record    -> no exercises
# The lessons' programs have no TODO lines: the record (.socklab-student-edition)
# alone says they have exercises. Exit 0 when all holds, 1 with what did not.
set -eu
src=$(cd "${1:?usage: report_test.sh SOURCE_ROOT}" && pwd)
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
course="$tmp/course"
mkdir -p "$course/scripts"
cp "$src"/scripts/*.sh "$src"/scripts/*.awk "$course/scripts/"
for lesson in 01_all_skip/one 02_some_skip/two 03_fails/three 04_demo/four; do
  mkdir -p "$course/lessons/${lesson%/*}"
  printf 'int main() { return 0; }\n' >"$course/lessons/$lesson.cpp"
done
cat >"$course/.socklab-student-edition" <<'RECORD'
# socklab student edition, written by tools/student_edition. Marked files:
marked lessons/01_all_skip/one.cpp 1
marked lessons/02_some_skip/two.cpp 1
marked lessons/03_fails/three.cpp 2
# Exercises, one line per marked block of code: exercise LESSON STEP FILE
exercise 01 1 lessons/01_all_skip/one.cpp
exercise 02 1 lessons/02_some_skip/two.cpp
exercise 03 1 lessons/03_fails/three.cpp
exercise 03 6 lessons/03_fails/three.cpp
RECORD

# fake_test.sh RESULT PROGRAM STEP NAME [CAUSE]: what a GoogleTest test prints.
cat >"$course/fake_test.sh" <<'FAKE'
result=$1 program=$2 step=$3 name=$4 cause=${5:-}
echo "Running main() from gtest_main.cc"
echo "Note: Google Test filter = $name"
echo "[==========] Running 1 test from 1 test suite."
echo "[ RUN      ] $name"
echo "  step $step/6 the step's narration"
# A test skips before it starts a program: what it would have checked is unknown.
[ "$result" = skip ] || echo "  [runs $program --port 0]"
case $result in
  pass) echo "[       OK ] $name (0 ms)"; echo "[  PASSED  ] 1 test." ;;
  skip) echo "/src/tests/fake_test.cpp:12: Skipped"; echo "$cause"; echo
        echo "[  SKIPPED ] $name (0 ms)"; echo "[  PASSED  ] 0 tests."
        echo "[  SKIPPED ] 1 test, listed below:"; echo "[  SKIPPED ] $name" ;;
  fail) # A program's error line quoted in another's, as lib/lab/src/topology_linux.cpp does.
        [ "$step" != 1 ] || echo "three_lab: error: failed: ip route | three (three: error: TODO(step 1): three is not written yet)"
        i=0; while [ $i -lt "$step"0 ]; do echo "  log line $i of step $step"; i=$((i + 1)); done
        echo "/src/tests/fake_test.cpp:40: Failure"; echo "the failure of step $step"
        echo "[  FAILED  ] $name (0 ms)"; echo "[  FAILED  ] 1 test, listed below:"
        echo "[  FAILED  ] $name"; exit 1 ;;
esac
FAKE
# group_test.sh SUITE RESULT: two GoogleTest tests in one process, as a ONE_PROCESS
# suite's one ctest test runs them (lesson 12's network): SUITE.Step3_Long passes with
# more than the 1 KiB of output ctest keeps of a passing test by default, then
# SUITE.Step4_Second passes or fails. Each must be reported as a test of its own.
cat >"$course/group_test.sh" <<'GROUP'
suite=$1 result=$2 program=$3
echo "Running main() from gtest_main.cc"
echo "[==========] Running 2 tests from 1 test suite."
echo "[ RUN      ] $suite.Step3_Long"
echo "  step 3/6 a long narration"
echo "  [runs $program --port 0]"
i=0; while [ $i -lt 40 ]; do echo "  detail line $i of a passing step, to be kept whole"; i=$((i + 1)); done
echo "[       OK ] $suite.Step3_Long (5 ms)"
echo "[ RUN      ] $suite.Step4_Second"
echo "  step 4/6 the second step"
echo "  [runs $program --port 0]"
if [ "$result" = fail ]; then
  # A 100 KB argument, narrated whole: junit.awk reads the line's first 2,000 bytes
  # (its patterns take time that grows with the square of a line's length).
  printf '    [the argument] %0100000d\n' 0
  echo "/src/tests/fake_test.cpp:80: Failure"; echo "the failure of step 4"
  echo "[  FAILED  ] $suite.Step4_Second (1 ms)"
  echo "[==========] 2 tests from 1 test suite ran. (6 ms total)"
  echo "[  PASSED  ] 1 test."; echo "[  FAILED  ] 1 test, listed below:"
  echo "[  FAILED  ] $suite.Step4_Second"; exit 1
fi
echo "[       OK ] $suite.Step4_Second (1 ms)"
echo "[==========] 2 tests from 1 test suite ran. (6 ms total)"
echo "[  PASSED  ] 2 tests."
GROUP
cat >"$course/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(fake_course NONE)
enable_testing()
function(socklab_add_lesson nn slug)
  add_custom_target(lesson${nn}_test)
endfunction()
function(fake_test nn name result program step)
  add_test(NAME Lesson${nn}${name}
           COMMAND sh ${CMAKE_SOURCE_DIR}/fake_test.sh ${result} ${program} ${step} Lesson${nn}${name} ${ARGN})
  set_tests_properties(Lesson${nn}${name} PROPERTIES LABELS lesson${nn}
                       SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
endfunction()
socklab_add_lesson(01 all_skip)
socklab_add_lesson(02 some_skip)
socklab_add_lesson(03 fails)
socklab_add_lesson(04 demo)
fake_test(01 Net.Step1_A skip one 1 "needs CAP_NET_ADMIN (user namespaces are off: sysctl ...)")
fake_test(01 Net.Step2_B skip one 2 "needs CAP_NET_ADMIN (user namespaces are off: sysctl ...)")
fake_test(02 Net.Step1_C pass two 1)
fake_test(02 Net.Step2_D skip two 2 "needs CAP_NET_ADMIN (user namespaces are off: sysctl ...)")
fake_test(02 Net.Step3_E skip two 3 "tshark is not installed (Debian: apt-get install tshark)")
fake_test(03 Steps.Step6_Late fail three 6)
fake_test(03 Steps.Step1_Early fail three 1)
fake_test(03 Steps.Step2_Fine pass three 2)
fake_test(04 Demo.Step1_F pass other 1)
foreach(group IN ITEMS "02;pass;two" "03;fail;three")
  list(GET group 0 nn)
  list(GET group 1 result)
  list(GET group 2 program)
  add_test(NAME Lesson${nn}Group COMMAND sh ${CMAKE_SOURCE_DIR}/group_test.sh Lesson${nn}Group ${result} ${program})
  set_tests_properties(Lesson${nn}Group PROPERTIES LABELS lesson${nn})
endforeach()
CMAKE
# Configured once for the whole run. Ninja where it is installed: the scripts run
# `cmake --build` once each (5 times here), a no-op build that costs make about 1 s on
# a loaded 2-core machine and ninja 0.2 s; the scripts themselves are the same.
generator=""
command -v ninja >/dev/null 2>&1 && generator="-G Ninja"
# shellcheck disable=SC2086
cmake -S "$course" -B "$course/build" $generator >"$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log"; exit 1; }

problems=0
expect() {  # expect FILE WHAT PATTERN: the output must have a line matching PATTERN
  if ! grep -q -e "$3" "$1"; then echo "FAIL: $2 — no line matching: $3"; problems=$((problems + 1)); fi
}
refuse() {  # refuse FILE WHAT PATTERN: ... and no line matching this one
  if grep -q -e "$3" "$1"; then
    echo "FAIL: $2 — a line matches: $3"; grep -e "$3" "$1" | sed 's/^/      /'; problems=$((problems + 1))
  fi
}
exit_status() { status=0; "$@" >"$out" 2>&1 || status=$?; sed 's/^/    | /' "$out"; }
export JOBS=1 SOCKLAB_LANG=en NO_COLOR=1

out="$tmp/check01"; echo "== check-lesson.sh 01 (every test skips)"
exit_status sh "$course/scripts/check-lesson.sh" "$course/build" 01
[ "$status" -eq 1 ] || { echo "FAIL: check-01 exit $status, want 1 (nothing was checked)"; problems=$((problems + 1)); }
expect "$out" "check-01" "not checked here: needs CAP_NET_ADMIN"
expect "$out" "check-01" "^  2 skipped: needs CAP_NET_ADMIN"
refuse "$out" "check-01" "tests passed"

out="$tmp/check02"; echo "== check-lesson.sh 02 (one passes, two skip for two causes)"
exit_status sh "$course/scripts/check-lesson.sh" "$course/build" 2
[ "$status" -eq 0 ] || { echo "FAIL: check-02 exit $status, want 0"; problems=$((problems + 1)); }
expect "$out" "check-02" "^  1 skipped: needs CAP_NET_ADMIN"
expect "$out" "check-02" "^  1 skipped: tshark is not installed"
expect "$out" "check-02" "3 of 5 tests passed, 2 skipped"
refuse "$out" "check-02" "100% tests passed"

out="$tmp/check03"; echo "== check-lesson.sh 03 (step 6 and step 1 fail)"
exit_status sh "$course/scripts/check-lesson.sh" "$course/build" 3
[ "$status" -eq 1 ] || { echo "FAIL: check-03 exit $status, want 1"; problems=$((problems + 1)); }
first=$(grep -n -e 'the failure of step' "$out" | head -n 1)
case $first in *"step 1"*) ;; *) echo "FAIL: check-03 — the first failure shown is not step 1's: $first"; problems=$((problems + 1)) ;; esac
expect "$out" "check-03" "^---- step 1: Lesson03Steps.Step1_Early (failed)"
expect "$out" "check-03" "more lines: ctest --test-dir .* -R '^Lesson03Steps\\\\.Step6_Late\\$' -V"
refuse "$out" "check-03" "log line 50 of step 6"
# The one-process group: its failing test is reported alone, under its own step; its
# passing one counts as a test that passed.
expect "$out" "check-03" "^---- step 4: Lesson03Group.Step4_Second (failed)"
refuse "$out" "check-03" "Lesson03Group (failed)"
expect "$out" "check-03" "3 of 5 tests fail, 2 pass"
expect "$out" "check-03" "\[the argument\] 0* \.\.\. (100019 bytes)"
expect "$out" "check-03" "read the first failure above (step 1, Lesson03Steps.Step1_Early)"

out="$tmp/progress"; echo "== progress.sh"
exit_status sh "$course/scripts/progress.sh" "$course/build"
expect "$out" "progress" "01 all_skip  *not checked here: needs CAP_NET_ADMIN"
refuse "$out" "progress" "01 all_skip  *passed"
expect "$out" "progress" "02 some_skip  *partly checked 3/5 tests of your code passed; 2 skipped"
refuse "$out" "progress" "02 some_skip  *passed"
expect "$out" "progress" "  1 skipped: tshark is not installed"
expect "$out" "progress" "03 fails  *failing  *three: error: TODO(step 1): three is not written yet\$"
expect "$out" "progress" "04 demo  *no exercises"
expect "$out" "progress" "progress: 0 of 3 lessons with exercises passed; 1 partly checked, 1 not checked here"

out="$tmp/zh"; echo "== check-lesson.sh 01 in Chinese"
SOCKLAB_LANG=zh-CN exit_status sh "$course/scripts/check-lesson.sh" "$course/build" 01
expect "$out" "check-01 zh" "这里没有检查：needs CAP_NET_ADMIN"

if [ "$problems" -ne 0 ]; then echo "report_test: $problems problem(s)"; exit 1; fi
echo "report_test: OK"
