#!/usr/bin/env sh
# grade_test.sh — make grade on a small fake course, run by the real grader, cmake,
# ctest and sandbox (seconds, no compiler). Usage: grade_test.sh SOURCE_ROOT TOOL
#   TOOL  the built generator (BUILD/bin/student_edition): the record and the mutants
# The course: lesson 01 (one program, two exercises: step 1 and step 2, whose test
# also needs step 1) and lesson 02 (one exercise; a lab lesson: its test makes a
# network namespace with a veth pair in the sandbox); its "compiler" copies the program
# into the build and fails on a line "#error"; its tests read the copy, narrate their
# step and fail as GoogleTest does. Checked:
#   reference (a folder)         -> every exercise earned, 3 of 3
#   hand-out (a .tar.gz)         -> none, 0 of 3
#   planted (a .zip): lesson 01 step 2 done wrong, and its test file edited to pass
#                                -> exactly that exercise lost; the test file ignored, said so
#   broken: lesson 02 does not compile -> lesson 02 lost only, with the compiler's line
#   hostile: lesson 02's program writes to the instructor's tree, OUT and the snapshot
#                                -> nothing written there; graded as any other
#   looper, forker, filler: lesson 02's program loops forever, fork-bombs, writes a
#     file past the file-size limit and then fills the disk -> lesson 02 lost only, the
#     report names the limit (time, process, file size, disk), grading ends within the
#     limits, nothing is left on the disk, the next submissions graded as usual
#   hidden tests (GRADE_HIDDEN: a .cmake file and its script) -> compiled in, mapped,
#     reported as a second entry of lesson 01 step 2 with visibility after_due_date,
#     named nowhere in what the student sees before
#   Gradescope's run_autograder in a local /autograder layout -> results/results.json
#   PrairieLearn's entry (tools/grade/prairielearn/run) in a local /grade layout ->
#     results/results.json, score 0.5; no submission -> gradable false, a message
#   Gradescope's setup.sh with a recording apt-get -> install-deps.sh's packages asked
#     for; run_autograder and a warm cache left (run_autograder then maps nothing)
#   a flaky test (fails, then passes when re-run) -> counted as passed, listed
#   a failing test's ladder (written where the flight recorder writes it) -> copied
#     into OUT/NAME/lessonNN/failures/, linked from index.html and the reports
#   results.json has Gradescope's fields; class.csv a row each; grading a submission
#   again gives the same credit (from the cached map), with points from GRADE_POINTS
#   no user namespaces (unshare refused) -> "not gradable here", exit 1, no score
#   bad input: an empty folder, a corrupt archive, a submission with none of the
#   student's files -> one line on stderr, exit 2, nothing built
# Exit 0 when all holds, 1 with what did not, 77 (skipped) where this machine cannot
# make the sandbox (no user namespaces), with the cause.
set -u
src=$(cd "${1:?usage: grade_test.sh SOURCE_ROOT TOOL}" && pwd)
tool=${2:?usage: grade_test.sh SOURCE_ROOT TOOL}
tmp=$(mktemp -d)
trap '[ -n "${GRADE_TEST_KEEP:-}" ] || rm -rf "$tmp"' EXIT
fails=0
check() {  # check WHAT COMMAND...: one line per check
  what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fails=$((fails + 1)); fi
}

# Submissions come as .zip too: the test makes one (zip) and the grader reads it (unzip).
# The outputs are checked by parsing them: JSON and XML with python3 (jq, where installed,
# checks Gradescope's fields too).
for need in zip unzip python3; do
  if ! command -v "$need" >/dev/null 2>&1; then
    echo "skipped: $need is not installed: apt-get install zip unzip python3"
    exit 77
  fi
done
if ! err=$(unshare --user --map-root-user --net --mount true 2>&1); then
  echo "skipped: no user namespaces here ($err); on Debian/Ubuntu: sysctl -w kernel.unprivileged_userns_clone=1 (and kernel.apparmor_restrict_unprivileged_userns=0)"
  exit 77
fi

course=$tmp/course
mkdir -p "$course/scripts" "$course/tools/grade" "$course/tools/student_edition" "$course/lessons/01_fake" \
  "$course/lessons/02_other" "$course/tests"
cp "$src/scripts/student-edition.sh" "$src/scripts/junit.awk" "$src/scripts/install-deps.sh" "$course/scripts/"
cp "$src/tools/grade/grade.sh" "$src/tools/grade/sandbox.sh" "$src/tools/grade/index.sh" "$course/tools/grade/"
cp -R "$src/tools/grade/gradescope" "$src/tools/grade/prairielearn" "$course/tools/grade/"
cp "$src/tools/student_edition/student-readme.awk" "$src/tools/student_edition/student-intro.md" \
  "$course/tools/student_edition/"
printf '# fake course\n' >"$course/README.md"
cat >"$course/lessons/01_fake/prog.cpp" <<'CPP'
int main() {
  // SOLUTION-BEGIN: TODO(step 1): bind() the socket (man 2 bind).
  // SOLUTION-STUB: throw std::logic_error("TODO(step 1): bind() is not written yet");
  bind_done();
  // SOLUTION-END
  // SOLUTION-BEGIN: TODO(step 2): send the "echo" back.
  // SOLUTION-STUB: throw std::logic_error("TODO(step 2): the echo is not written yet");
  echo_done();
  // SOLUTION-END
}
CPP
cat >"$course/lessons/02_other/prog2.cpp" <<'CPP'
int main() {
  // SOLUTION-BEGIN: TODO(step 1): connect() (man 2 connect).
  // SOLUTION-STUB: throw std::logic_error("TODO(step 1): connect() is not written yet");
  other_done();
  // SOLUTION-END
}
CPP
# The compiler: copies the program into bin/, fails on "#error" (as a compiler would).
cat >"$course/compile.cmake" <<'CMAKE'
file(READ ${IN} text)
if(text MATCHES "#error")
  execute_process(COMMAND ${CMAKE_COMMAND} -E echo "${IN}:1:1: error: #error in the program")
  message(FATAL_ERROR "the compiler failed")
endif()
file(WRITE ${OUT} "${text}")
CMAKE
# A test: TEST STEP PROGRAM WORD...: passes when every WORD is in bin/PROGRAM.txt.
cat >"$course/tests/fake_test.sh" <<'SH'
name=$1 step=$2 program=$3
shift 3
echo "[ RUN      ] $name"
echo "  step $step/2 the step's narration"
echo "  [runs $program --port 0]"
text=$(cat "$BIN/$program.txt")
# Lesson 02 is a lab lesson (as 04, 12 and 13 are): its test first makes a network of
# its own as lib/lab does (lab::use_own_network: a network namespace as root, user and
# network namespaces as a user) and a veth pair in it; a sandbox that does not allow
# the nested namespaces fails it, for the reference too.
case $name in Lesson02.*)
  ns="unshare --net"
  [ "$(id -u)" -eq 0 ] || ns="unshare --user --map-root-user --net"
  if ! err=$($ns sh -c 'ip link set lo up && ip link add v0 type veth peer name v1 && ip link set v0 up' 2>&1); then
    echo "lab: cannot make the lesson's network: $err"; echo "[  FAILED  ] $name (0 ms)"; exit 1
  fi ;;
esac
# A hostile program: write_outside("PATH"); tries to write PATH (the sandbox must refuse).
printf '%s\n' "$text" | sed -n 's/^ *write_outside("\(.*\)");.*/\1/p' | while IFS= read -r path; do
  (echo pwned >"$path") 2>/dev/null && echo "wrote $path"
done
# Hostile programs: loop_forever(); fork_bomb(); fill_disk(); (the sandbox's limits stop them).
case $text in *"loop_forever();"*) while :; do :; done ;; esac
case $text in *"fork_bomb();"*)
  n=0
  while [ $n -lt 100000 ]; do sleep 60 </dev/null >/dev/null 2>&1 & n=$((n + 1)); done ;;
esac
case $text in *"fill_disk();"*)
  head -c 50000000 /dev/zero >"$TMPDIR/huge"  # killed by SIGXFSZ at the file-size limit
  n=0
  while [ $n -lt 1000 ] && head -c 524288 /dev/zero >"$TMPDIR/fill$n" 2>/dev/null; do n=$((n + 1)); done
  echo "$program: error: write: No space left on device"; echo "[  FAILED  ] $name (0 ms)"; exit 1 ;;
esac
todo=$(printf '%s\n' "$text" | sed -n 's/^ *throw .*"\(TODO(step [0-9]*)[^"]*\)".*/\1/p' | head -n 1)
for word in "$@"; do
  case $text in *"$word();"*) ;; *)
    [ -z "$todo" ] || echo "$program: error: $todo"
    echo "/src/tests/fake_test.cpp:40: Failure"
    echo "expected $program to call $word()"
    printf '%s\n' 'got "\xe6" (1 bytes)'  # a backslash and quotes, as the real tests print
    # The flight recorder's ladder of the failing test, where the real one writes it.
    mkdir -p "$BIN/../failures" && printf '<!DOCTYPE html>\n<title>%s</title><p>the ladder</p>\n' "$name" >"$BIN/../failures/$name.html"
    echo "[  FAILED  ] $name (0 ms)"
    exit 1 ;;
  esac
done
echo "[       OK ] $name (0 ms)"
echo "[  PASSED  ] 1 test."
SH
# The flaky test: fails the first time in a run's TMPDIR, passes the second.
cat >"$course/tests/flaky_test.sh" <<'SH'
echo "[ RUN      ] $1"
if [ ! -f "$TMPDIR/flaky-seen" ]; then
  : >"$TMPDIR/flaky-seen"; echo "a timing accident"; echo "[  FAILED  ] $1 (0 ms)"; exit 1
fi
echo "[       OK ] $1 (0 ms)"; echo "[  PASSED  ] 1 test."
SH
cp "$course/tests/fake_test.sh" "$course/tests/lesson01_fake_test.sh"
cat >"$course/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(fake_course NONE)
enable_testing()
function(fake_lesson nn slug program)
  set(out ${CMAKE_BINARY_DIR}/bin/${program}.txt)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${CMAKE_SOURCE_DIR}/lessons/${nn}_${slug}/${program}.cpp -DOUT=${out}
            -P ${CMAKE_SOURCE_DIR}/compile.cmake
    DEPENDS ${CMAKE_SOURCE_DIR}/lessons/${nn}_${slug}/${program}.cpp)
  add_custom_target(lesson${nn}_test ALL DEPENDS ${out})
endfunction()
function(fake_test nn name script)
  add_test(NAME ${name} COMMAND sh ${CMAKE_SOURCE_DIR}/tests/${script} ${name} ${ARGN})
  set_tests_properties(${name} PROPERTIES LABELS lesson${nn} ENVIRONMENT BIN=${CMAKE_BINARY_DIR}/bin)
endfunction()
fake_lesson(01 fake prog)
fake_lesson(02 other prog2)
fake_test(01 Lesson01.Step1_Binds lesson01_fake_test.sh 1 prog bind_done)
fake_test(01 Lesson01.Step2_Echoes lesson01_fake_test.sh 2 prog bind_done echo_done)
fake_test(01 Lesson01.Flaky flaky_test.sh)
fake_test(02 Lesson02.Step1_Connects fake_test.sh 1 prog2 other_done)
CMAKE

# Hidden tests (GRADE_HIDDEN): one more test of lesson 01 step 2, registered by a .cmake
# file, run by a script beside it; reported apart, visibility after_due_date.
mkdir -p "$tmp/hidden"
cp "$course/tests/fake_test.sh" "$tmp/hidden/hidden_test.sh"
cat >"$tmp/hidden/lesson01_hidden.cmake" <<'CMAKE'
add_test(NAME Lesson01.Hidden_EchoesTwice
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/hidden_test.sh Lesson01.Hidden_EchoesTwice 2 prog bind_done echo_done)
set_tests_properties(Lesson01.Hidden_EchoesTwice PROPERTIES LABELS lesson01 ENVIRONMENT BIN=${CMAKE_BINARY_DIR}/bin)
CMAKE

# --- the submissions -----------------------------------------------------------------
subs=$tmp/subs
mkdir -p "$subs/reference" "$tmp/planted/lessons" "$tmp/broken/lessons" "$subs/broken" "$tmp/handout-src"
cp -R "$course/lessons" "$subs/reference/"
cp -R "$course/lessons" "$tmp/planted/"
# The hand-out: what the generator hands out for these files.
printf 'lessons/01_fake/prog.cpp\nlessons/02_other/prog2.cpp\nREADME.md\n' >"$tmp/list"
"$tool" --source "$course" --files-from "$tmp/list" --output "$tmp/handout-src/handout" >/dev/null ||
  { echo "FAIL: the generator did not write the hand-out"; exit 1; }
tar -czf "$subs/handout.tar.gz" -C "$tmp/handout-src" handout
# Planted: step 2 calls the wrong function; its test file edited to pass whatever.
sed -i 's/echo_done();/echo_wrong();/' "$tmp/planted/lessons/01_fake/prog.cpp"
mkdir -p "$tmp/planted/tests"
printf 'echo "[  PASSED  ] 1 test."\n' >"$tmp/planted/tests/lesson01_fake_test.sh"
(cd "$tmp/planted" && zip -qr "$subs/planted.zip" .) || { echo "FAIL: zip is needed (apt-get install zip)"; exit 1; }
# Broken: lesson 02 does not compile.
cp -R "$course/lessons" "$subs/broken/"
printf '#error half written\n' >>"$subs/broken/lessons/02_other/prog2.cpp"

# As root, the sandbox runs as nobody here (grade.sh would create socklab-grader).
[ "$(id -u)" -ne 0 ] || export GRADE_USER=${GRADE_USER:-nobody}
# Hostile: lesson 02's program writes to the instructor's tree, OUT and the snapshot.
mkdir -p "$subs/hostile" && cp -R "$course/lessons" "$subs/hostile/"
for path in "$course/pwned" "$tmp/out/pwned" "$tmp/cache/tree/pwned" "$tmp/cache/tree/build/bin/prog2.txt"; do
  printf 'write_outside("%s");\n' "$path" >>"$subs/hostile/lessons/02_other/prog2.cpp"
done
# The hostile ones: lesson 02's program loops, forks without end, fills the disk.
for h in looper:loop_forever forker:fork_bomb filler:fill_disk; do
  mkdir -p "$subs/${h%%:*}" && cp -R "$course/lessons" "$subs/${h%%:*}/"
  sed -i "s/other_done();/${h#*:}(); other_done();/" "$subs/${h%%:*}/lessons/02_other/prog2.cpp"
done
# Small limits, so that the hostile ones cost seconds: 2 s a test, 48 processes and
# threads, files of 1 MiB, 16 MiB of scratch a run.
export GRADE_HIDDEN="$tmp/hidden" GRADE_CACHE="$tmp/cache" GRADE_JOBS=2 GRADE_TIMEOUT=60 GRADE_TEST_TIMEOUT=2 GRADE_NPROC=48 \
  GRADE_FSIZE=1048576 GRADE_DISK=16777216
sh_grade() { bash "$course/tools/grade/grade.sh" "$tool" "$@"; }
sh_grade "$subs" "$tmp/out" >"$tmp/log" 2>"$tmp/err"
rc=$?
check "the grader exits 0 (got $rc: $(tail -n 1 "$tmp/err"))" [ "$rc" -eq 0 ]
csv=$tmp/out/class.csv
row() { grep "^$1," "$csv" | cut -d, -f "$2"; }
check "class.csv's header names each exercise, and the hidden tests' entry" grep -q '^student,lesson 01 step 1: bind() the socket (man 2 bind).,"lesson 01 step 2: send the ""echo"" back.","lesson 01 step 2: send the ""echo"" back. (hidden tests)",lesson 02 step 1: connect() (man 2 connect).,total,max,flaky,notes$' "$csv"
check "reference: 4 of 4 ($(grep '^reference,' "$csv"))" [ "$(row reference 2-7)" = "1,1,1,1,4,4" ]
check "hand-out: 0 of 4 ($(grep '^handout,' "$csv"))" [ "$(row handout 2-7)" = "0,0,0,0,0,4" ]
check "planted: exactly lesson 01 step 2 lost, visible and hidden ($(grep '^planted,' "$csv"))" [ "$(row planted 2-7)" = "1,0,0,1,2,4" ]
check "broken: lesson 02 lost only ($(grep '^broken,' "$csv"))" [ "$(row broken 2-7)" = "1,1,1,0,3,4" ]
check "broken: class.csv's notes say why" grep -q '^broken,.*,lesson 02: does not compile: lessons/02_other/prog2.cpp:1:1: error: #error in the program$' "$csv"
check "hostile: graded as any other ($(grep '^hostile,' "$csv"))" [ "$(row hostile 2-7)" = "1,1,1,1,4,4" ]
check "hostile: nothing written outside its run" \
  sh -c "! ls '$course/pwned' '$tmp/out/pwned' '$tmp/cache/tree/pwned' 2>/dev/null | grep -q . && ! grep -q pwned '$tmp/cache/tree/build/bin/prog2.txt'"
for h in looper:'time limit: a test ran longer than 2 s' forker:'process limit: the run reached 48' \
  filler:'file size limit: a file reached 1048576 bytes' filler:'disk limit: the run.s files filled its 16 MiB'; do
  check "${h%%:*}: lesson 02 lost only ($(grep "^${h%%:*}," "$csv"))" [ "$(row "${h%%:*}" 2-7)" = "1,1,1,0,3,4" ]
  check "${h%%:*}: the report says why (lesson 02: ${h#*:})" grep -q "^lesson 02: ${h#*:}" "$tmp/out/${h%%:*}/summary.txt"
done
check "looper: ended within its limits ($(grep '^grade: looper:' "$tmp/log"))" \
  awk '/^grade: looper:/ { sub(/.*points \(/, ""); exit !($1 + 0 <= 40) }' "$tmp/log"
check "no limit is named for the reference" sh -c "! grep -q limit '$tmp/out/reference/summary.txt'"
check "nothing the runs wrote is left on the disk (no file over 1 MiB)" \
  sh -c "[ -z \"\$(find '$tmp' -type f -size +1023k)\" ]"
check "the flaky test is listed, counted as passed" [ "$(row reference 8)" = "Lesson01.Flaky" ]
check "planted: the edited test file is ignored, and said so" \
  grep -q 'tests/lesson01_fake_test.sh (changed; the instructor' "$tmp/out/planted/summary.txt"
check "broken: the compiler's line is in the report" \
  grep -q 'lesson 02: does not compile: .*prog2.cpp:1:1: error: #error in the program' "$tmp/out/broken/summary.txt"
json=$tmp/out/planted/results.json
if command -v jq >/dev/null; then
  check "results.json: Gradescope's fields; the hidden tests' entry after_due_date (jq)" jq -e '(.score == 2) and (.tests | length == 4) and
    all(.tests[]; has("name") and has("score") and has("max_score") and has("status") and has("visibility") and has("output"))
    and (.tests[1].status == "failed") and (.tests[1].name | startswith("lesson 01 step 2: "))
    and (.tests[1].output | test("step 2/2 the step.s narration"))
    and (.tests[2].visibility == "after_due_date") and (.tests[2].name | endswith("(hidden tests)"))
    and (.tests[2].output | test("Hidden_EchoesTwice"))
    and all(.tests[] | select(.visibility == "visible"); .output | test("Hidden") | not)
    and (.output | test("Hidden") | not)' "$json" >/dev/null
else
  check "results.json: Gradescope's fields" grep -q '"name": "lesson 01 step 2: send the \\"echo\\" back.", "score": 0, "max_score": 1, "status": "failed", "visibility": "visible", "output": ' "$json"
fi
pl=$tmp/out/planted/results-prairielearn.json
check "results-prairielearn.json: PrairieLearn's fields, score 2 of 4, the hidden entry not listed" \
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert r["gradable"] is True and abs(r["score"] - 0.5) < 1e-9, r
assert len(r["tests"]) == 3 and all(set(t) >= {"name", "points", "max_points", "output", "message"} for t in r["tests"])
assert r["tests"][1]["points"] == 0 and r["tests"][1]["max_points"] == 1 and "Hidden" not in json.dumps(r)' "$pl"
check "results.json and results-prairielearn.json of everyone parse (python3 -m json.tool)" \
  sh -c "for f in '$tmp'/out/*/results*.json; do python3 -m json.tool \"\$f\" >/dev/null || exit 1; done"
check "junit.xml of everyone is well-formed; planted: 1 failure, named lesson 01 step 2" \
  python3 -c 'import sys, glob, xml.etree.ElementTree as ET
for f in glob.glob(sys.argv[1] + "/out/*/junit.xml"): ET.parse(f)
s = ET.parse(sys.argv[1] + "/out/planted/junit.xml").getroot().find("testsuite")
bad = [c.get("name") for c in s.iter("testcase") if c.find("failure") is not None]
assert s.get("tests") == "4" and s.get("failures") == "2" and bad[0].startswith("lesson 01 step 2: "), (s.attrib, bad)' "$tmp"
check "index.html: each exercise's pass rate across the class, a link to each report" \
  sh -c "grep -q '<td>lesson 01 step 2: send the &quot;echo&quot; back.</td><td>6 of 8 (75%)</td>' '$tmp/out/index.html' &&
    [ \$(grep -c 'href=\"[a-z]*/results.json\"' '$tmp/out/index.html') -eq 8 ] && python3 -c 'import html.parser, sys; html.parser.HTMLParser().feed(open(sys.argv[1]).read())' '$tmp/out/index.html'"
# The flight recorder's ladder of a failing test: copied into the report, linked.
ladder=lesson01/failures/Lesson01.Step2_Echoes.html
check "planted: the failing test's ladder is in OUT/planted/$ladder, linked from index.html, summary.txt and its exercise's output" \
  sh -c "grep -q 'the ladder' '$tmp/out/planted/$ladder' && grep -q 'href=\"planted/$ladder\"' '$tmp/out/index.html' &&
    grep -qx '  $ladder' '$tmp/out/planted/summary.txt' && grep -q 'ladder: $ladder' '$tmp/out/planted/results.json' &&
    [ ! -e '$tmp/out/reference/lesson01/failures' ]"
check "the map: each exercise's tests, from its mutant (the hidden test too)" \
  grep -q "lessons/01_fake/prog.cpp block 2 (step 2): 2 tests fail when it is undone" "$tmp/log"
mkdir -p "$tmp/again"
cp "$subs/planted.zip" "$tmp/again/"
printf '# NN STEP POINTS\n01 2 3\n' >"$tmp/points"
GRADE_POINTS="$tmp/points" sh_grade "$tmp/again" "$tmp/out2" >"$tmp/log2" 2>&1
check "grading again gives the same credit; lesson 01 step 2 is worth 3 points (GRADE_POINTS)" \
  [ "$(grep '^planted,' "$tmp/out2/class.csv" | cut -d, -f 2-7)" = "1,0,0,1,2,8" ]
# Gradescope: run_autograder in a folder laid out as its /autograder (source/,
# submission/, results/), grading the one submission with the same grader and cache.
mkdir -p "$tmp/ag/submission"
ln -s "$course" "$tmp/ag/source"
cp -R "$subs/planted.zip" "$tmp/ag-planted.zip" && (cd "$tmp/ag/submission" && unzip -q "$tmp/ag-planted.zip")
AUTOGRADER_ROOT="$tmp/ag" SOCKLAB_TOOL="$tool" bash "$course/tools/grade/gradescope/run_autograder" >"$tmp/ag.log" 2>&1
check "Gradescope's run_autograder: results/results.json, the planted submission's 2 of 4" \
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert r["score"] == 2 and len(r["tests"]) == 4 and r["tests"][2]["visibility"] == "after_due_date", r' "$tmp/ag/results/results.json"
rm -rf "$tmp/ag/submission"
AUTOGRADER_ROOT="$tmp/ag" SOCKLAB_TOOL="$tool" bash "$course/tools/grade/gradescope/run_autograder" >"$tmp/ag.log" 2>&1
check "run_autograder without a submission: results.json says so, no score" \
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert "score" not in r and "submission is not there" in r["output"], r' "$tmp/ag/results/results.json"
# PrairieLearn: its entry point in a folder laid out as its /grade (student/ holding
# the files by name, as pl-file-upload gives them; data/data.json; results/ made by
# the entry), grading with the same grader and cache: the planted submission's 2 of 4.
mkdir -p "$tmp/pl/student" "$tmp/pl/data"
printf '{"params": {}, "submitted_answers": {}}\n' >"$tmp/pl/data/data.json"
cp "$tmp/planted/lessons/01_fake/prog.cpp" "$course/lessons/02_other/prog2.cpp" "$tmp/pl/student/"
printf 'my notes\n' >"$tmp/pl/student/notes.txt"
GRADE_ROOT="$tmp/pl" SOCKLAB_TOOL="$tool" bash "$course/tools/grade/prairielearn/run" >"$tmp/pl.log" 2>&1
check "PrairieLearn's entry: results/results.json, gradable, score 0.5 (2 of 4), the grader's log as output" \
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert r["gradable"] is True and abs(r["score"] - 0.5) < 1e-9 and len(r["tests"]) == 3, r
assert r["tests"][1]["points"] == 0 and r["tests"][1]["name"].startswith("lesson 01 step 2: "), r["tests"]
assert "grade: submission: 2 of 4 points" in r["output"] and "notes.txt (not one of the student" in r["output"], r["output"]' \
  "$tmp/pl/results/results.json"
rm -rf "$tmp/pl/student" "$tmp/pl/results"
GRADE_ROOT="$tmp/pl" SOCKLAB_TOOL="$tool" bash "$course/tools/grade/prairielearn/run" >"$tmp/pl.log" 2>&1
check "PrairieLearn's entry without a submission: gradable false, a message, no score" \
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert r["gradable"] is False and "score" not in r and "student is not there" in r["message"], r' "$tmp/pl/results/results.json"
# Gradescope's setup.sh, with an apt-get that records what it is asked for (and a
# dpkg-query that finds nothing installed): it asks for scripts/install-deps.sh's
# packages and zip, unzip; it leaves ROOT/run_autograder and a warm cache, so that
# run_autograder then grades without mapping the exercises again (lesson 01 only: the
# cheaper half of the fake course; and no hidden tests, the case every other run here
# has not).
mkdir -p "$tmp/apt" "$tmp/ag2/submission"
printf '#!/bin/sh\nexit 1\n' >"$tmp/apt/dpkg-query"
printf '#!/bin/sh\necho "$*" >>"%s"\n' "$tmp/apt.log" >"$tmp/apt/apt-get"
printf '#!/bin/sh\nexec "$@"\n' >"$tmp/apt/sudo"
chmod 755 "$tmp/apt/dpkg-query" "$tmp/apt/apt-get" "$tmp/apt/sudo"
ln -s "$course" "$tmp/ag2/source"
(unset GRADE_CACHE; PATH="$tmp/apt:$PATH" AUTOGRADER_ROOT="$tmp/ag2" SOCKLAB_TOOL="$tool" GRADE_LESSONS=01 GRADE_HIDDEN= \
  bash "$course/tools/grade/gradescope/setup.sh") >"$tmp/setup.log" 2>&1
want=$(sed -n 's/^DEB_PACKAGES="\(.*\) \$\*"$/\1 zip unzip/p' "$src/scripts/install-deps.sh" | tr ' ' '\n' | sort | tr '\n' ' ')
got=$(sed -n 's/^install -y -qq --no-install-recommends //p' "$tmp/apt.log" | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ')
setup_asked() { [ -n "$want" ] && [ "$got" = "$want" ] && grep -qx 'update -qq' "$tmp/apt.log"; }
check "setup.sh asks apt-get for install-deps.sh's packages and zip, unzip (asked: $got)" setup_asked
check "setup.sh leaves ROOT/run_autograder and a warm cache (the map)" \
  sh -c "[ -x '$tmp/ag2/run_autograder' ] && ls '$tmp/ag2/cache'/map-*/01.map >/dev/null 2>&1"
(cd "$tmp/ag2/submission" && unzip -q "$tmp/ag-planted.zip")
(unset GRADE_CACHE; AUTOGRADER_ROOT="$tmp/ag2" SOCKLAB_TOOL="$tool" GRADE_LESSONS=01 GRADE_HIDDEN= \
  bash "$tmp/ag2/run_autograder") >"$tmp/ag2.log" 2>&1
check "after setup.sh, run_autograder grades from the warm cache (no new map), no hidden tests: lesson 01's 1 of 2" \
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert r["score"] == 1 and [t["score"] for t in r["tests"]] == [1, 0] and [t["max_score"] for t in r["tests"]] == [1, 1], r
assert "which tests each exercise" not in open(sys.argv[2]).read()' "$tmp/ag2/results/results.json" "$tmp/ag2.log"
# No user namespaces (an unshare that is refused): nobody is graded, nobody gets 0.
mkdir -p "$tmp/nons"
printf '#!/bin/sh\necho "unshare: unshare failed: Operation not permitted" >&2\nexit 1\n' >"$tmp/nons/unshare"
chmod 755 "$tmp/nons/unshare"
PATH="$tmp/nons:$PATH" sh_grade "$tmp/again" "$tmp/out3" >/dev/null 2>"$tmp/err3"
rc3=$?
not_gradable() {
  [ "$rc3" -eq 1 ] && grep -q '^grade: not gradable here: .*Operation not permitted' "$tmp/err3" &&
    grep -q '^planted,not gradable here$' "$tmp/out3/class.csv" && ! grep -q '"score"' "$tmp/out3/planted/results.json"
}
check "no user namespaces: not gradable here, exit 1 (got $rc3), no score" not_gradable
check "the second run does not map again" sh -c "! grep -q 'which tests each exercise' '$tmp/log2'"

# --- bad input: one line, exit 2, before any build ----------------------------------
bad() {  # bad WHAT EXPECTED-TEXT SUBMISSIONS
  rm -rf "$tmp/bad-out"
  GRADE_CACHE="$tmp/bad-cache" sh_grade "$3" "$tmp/bad-out" >/dev/null 2>"$tmp/bad-err"
  brc=$?
  check "$1: exit 2 (got $brc), one line ($(head -n 1 "$tmp/bad-err"))" one_line "$brc" "$2"
}
one_line() {
  [ "$1" -eq 2 ] && [ "$(wc -l <"$tmp/bad-err")" -eq 1 ] && grep -q "$2" "$tmp/bad-err" && [ ! -e "$tmp/bad-cache/tree/build" ]
}
mkdir -p "$tmp/empty" "$tmp/corrupt" "$tmp/nothing/alice"
bad "an empty folder" "holds no submission" "$tmp/empty"
head -c 300 /dev/urandom >"$tmp/corrupt/bob.tar.gz"
bad "a corrupt archive" "bob.tar.gz: not a readable .tar.gz" "$tmp/corrupt"
printf 'my homework\n' >"$tmp/nothing/alice/notes.txt"
bad "a submission without the student's files" "alice: none of the student's files" "$tmp/nothing"
bad "no such folder" "is not a folder" "$tmp/missing"
export GRADE_HIDDEN="$tmp/missing"
bad "HIDDEN is not a folder" "HIDDEN=.* is not a folder" "$tmp/again"

[ "$fails" -eq 0 ] || { echo "grade_test: $fails checks failed; the grader said:"; cat "$tmp/log" "$tmp/err"; exit 1; }
echo "grade_test: all checks hold"
