#!/usr/bin/env bash
# grade.sh — grades a class: each submission's exercises, with the instructor's tests
# only, each lesson built and run in a sandbox (docs/grading.md).
#
#   grade.sh TOOL SUBMISSIONS OUT [NN...]     (make grade SUBMISSIONS=DIR OUT=DIR [LESSONS="01 02"])
#
#   TOOL         the built generator, BUILD/bin/student_edition (the record, the mutants)
#   SUBMISSIONS  a folder with one entry per student: a folder (a student tree, a git
#                clone included), NAME.tar.gz / NAME.tgz or NAME.zip of one
#   OUT          where the reports go: OUT/NAME/results.json (Gradescope's format),
#                OUT/NAME/lessonNN/ (build and test logs; failures/ the flight recorder's
#                ladders of the failing tests), OUT/class.csv, OUT/index.html
#   NN...        the lessons to grade (default: every lesson with exercises)
#
# What is graded: only the files the student edition hands out as the student's (the
# record's "exercise NN STEP FILE" lines, lib/lab/src/route.cpp included) are taken
# from a submission; tests, CMake, the layer and scripts are the instructor's. Other
# files the student changed are listed in the report as ignored. Each lesson is
# judged alone: its files are the student's, every other lesson's the reference.
#
# How it is fast: the instructor's tree is copied and built once, into the cache (the
# snapshot); each lesson of each submission runs on an overlay of it (sandbox.sh), so
# only the student's files recompile. Credit: an exercise (a SOLUTION block) is
# checked by the tests that fail when it alone is undone (its mutant, as in `make
# check-exercises`), less the tests that also fail when an exercise with a strictly
# smaller set of such tests is undone (a later step, which an earlier step's tests
# also need); its points are earned when all of those tests pass. The mutants' runs
# are done once per instructor tree and cached (CACHE/map-FINGERPRINT/NN.map).
#
# Environment: GRADE_POINTS (a file of "NN STEP POINTS" lines; default 1 point an
# exercise), GRADE_HIDDEN (a folder of hidden tests, reported after the due date), GRADE_CACHE (default /var/tmp/socklab-grade-UID/<tree>), GRADE_JOBS (2),
# GRADE_TIMEOUT (wall seconds for a lesson's build, and again for its tests: 600),
# GRADE_USER (when run as root, the unprivileged user the sandbox runs as:
# socklab-grader, created if missing), GRADE_CMAKE_ARGS (for the snapshot's configure).
# Exit status: 0 graded; 1 the instructor's tree does not build, or not gradable here
# (no user namespaces: every report says so, no one gets 0); 2 a usage error, or a
# submission that could not be read (one line each on stderr; the others are graded).
set -uo pipefail  # no -e: every failure that matters is checked and said
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
die() { echo "grade: $1" >&2; exit "${2:-1}"; }
usage() { die "$1 (usage: make grade SUBMISSIONS=DIR OUT=DIR [LESSONS=\"01 02\"])" 2; }

[ $# -ge 3 ] || usage "needs TOOL SUBMISSIONS OUT"
tool=$1 subs=${2%/} out=${3%/}
shift 3
[ -x "$tool" ] || usage "the generator $tool is not built (cmake --build BUILD --target student_edition)"
[ -n "$subs" ] || usage "SUBMISSIONS is not set"
[ -n "$out" ] || usage "OUT is not set"
[ -d "$subs" ] || usage "SUBMISSIONS=$subs is not a folder"
jobs=${GRADE_JOBS:-2}
hidden=${GRADE_HIDDEN:-}
if [ -n "$hidden" ]; then
  [ -d "$hidden" ] || usage "HIDDEN=$hidden is not a folder"
  hidden=$(cd "$hidden" && pwd)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# --- the submissions: read them all first (a bad one is one line, before any build) ---
mkdir -p "$tmp/sub"
: >"$tmp/names"
bad=0
for entry in "$subs"/*; do
  [ -e "$entry" ] || continue
  base=${entry##*/}
  case $base in
    *.tar.gz) name=${base%.tar.gz} kind=tar ;;
    *.tgz) name=${base%.tgz} kind=tar ;;
    *.zip) name=${base%.zip} kind=zip ;;
    *) if [ -d "$entry" ]; then name=$base kind=dir; else continue; fi ;;
  esac
  case $name in '' | .* | *[!A-Za-z0-9._@+-]*)
    echo "grade: $base: a submission's name must be letters, digits and . _ @ + - (it names OUT/NAME)" >&2
    bad=$((bad + 1)); continue ;;
  esac
  if grep -qx "$name" "$tmp/names"; then
    echo "grade: $base: a second submission named $name" >&2
    bad=$((bad + 1)); continue
  fi
  dest=$tmp/sub/$name
  mkdir -p "$dest"
  case $kind in
    dir) rmdir "$dest"; ln -s "$(cd "$entry" && pwd)" "$dest" ;;
    tar)
      if ! tar -xzf "$entry" -C "$dest" --no-same-owner --no-same-permissions 2>"$tmp/err"; then
        echo "grade: $base: not a readable .tar.gz ($(head -n 1 "$tmp/err"))" >&2
        bad=$((bad + 1)); continue
      fi ;;
    zip)
      command -v unzip >/dev/null || die "$base: unzip is not installed (apt-get install unzip)" 2
      if ! unzip -q "$entry" -d "$dest" >"$tmp/err" 2>&1; then
        echo "grade: $base: not a readable .zip ($(grep -v '^ *$' "$tmp/err" | head -n 1))" >&2
        bad=$((bad + 1)); continue
      fi ;;
  esac
  # The tree is the folder with lessons/ in it: the top, or the archive's one folder.
  top=$dest
  if [ ! -d "$top/lessons" ]; then
    inside=("$dest"/*/)
    if [ ${#inside[@]} -eq 1 ] && [ -d "${inside[0]}lessons" ]; then top=${inside[0]%/}; fi
  fi
  echo "$top" >"$tmp/sub/$name.root"
  echo "$name" >>"$tmp/names"
done
if [ ! -s "$tmp/names" ]; then
  [ "$bad" -gt 0 ] && exit 2
  usage "SUBMISSIONS=$subs holds no submission (one folder, NAME.tar.gz or NAME.zip per student)"
fi

# --- the exercises: the instructor's record -------------------------------------
if ! sh "$root/scripts/student-edition.sh" --record "$tool" >"$tmp/record" 2>"$tmp/err"; then
  die "the generator could not list the exercises: $(head -n 1 "$tmp/err")"
fi
# "NN STEP FILE K": K counts the blocks of FILE in the record's order.
sed -n 's/^exercise //p' "$tmp/record" | awk '{ k[$3]++; print $1, $2, $3, k[$3] }' >"$tmp/all"
[ -s "$tmp/all" ] || die "the record names no exercise"
if [ $# -gt 0 ]; then
  : >"$tmp/lessons"
  for nn in "$@"; do
    case $nn in [0-9][0-9]) ;; [0-9]) nn=0$nn ;; *) usage "LESSONS: '$nn' is not a lesson number" ;; esac
    awk -v n="$nn" '$1 == n { found = 1 } END { exit !found }' "$tmp/all" ||
      usage "LESSONS: lesson $nn has no exercises (the lessons with exercises: $(awk '{ print $1 }' "$tmp/all" | sort -u | tr '\n' ' ' | sed 's/ $//'))"
    echo "$nn" >>"$tmp/lessons"
  done
  sort -u -o "$tmp/lessons" "$tmp/lessons"
else
  awk '{ print $1 }' "$tmp/all" | sort -u >"$tmp/lessons"
fi
awk 'NR == FNR { want[$1] = 1; next } want[$1]' "$tmp/lessons" "$tmp/all" >"$tmp/exercises"

# Each submission must have at least one of the files handed out as the student's.
awk '{ print $3 }' "$tmp/exercises" | sort -u >"$tmp/files"
while IFS= read -r name; do
  top=$(cat "$tmp/sub/$name.root")
  found=0
  while IFS= read -r f; do [ -f "$top/$f" ] && found=1; done <"$tmp/files"
  if [ "$found" -eq 0 ]; then
    echo "grade: $name: none of the student's files ($(head -n 1 "$tmp/files"), ...) is in it: not a socklab tree?" >&2
    bad=$((bad + 1))
    echo "$name" >>"$tmp/unmarked"
  fi
done <"$tmp/names"
if [ -f "$tmp/unmarked" ]; then
  grep -vxF -f "$tmp/unmarked" "$tmp/names" >"$tmp/names.ok" || true
  mv "$tmp/names.ok" "$tmp/names"
  [ -s "$tmp/names" ] || exit 2
fi
mkdir -p "$out" || die "cannot create OUT=$out" 2
out=$(cd "$out" && pwd)

# Not the student's, yet not as in the instructor's tree: what the generator rewrites.
{ cat "$tmp/files"; sed -n 's/^marked \(.*\) [0-9]*$/\1/p' "$tmp/record"
  printf '%s\n' README.md README.zh-CN.md .socklab-student-edition; } >"$tmp/skip"

# Names and points: "lesson NN step S: the TODO's text" from the K-th BEGIN line.
while read -r nn step file k; do
  text=$(grep -E '^[[:space:]]*// SOLUTION-BEGIN:' "$root/$file" | sed -n "${k}p" |
    sed -E 's/^[[:space:]]*\/\/ SOLUTION-BEGIN:[[:space:]]*//; s/^TODO\(step [0-9]+\):[[:space:]]*//')
  [ "${#text}" -le 70 ] || text="${text:0:67}..."
  points=1
  if [ -n "${GRADE_POINTS:-}" ]; then
    [ -f "$GRADE_POINTS" ] || usage "GRADE_POINTS=$GRADE_POINTS is not a file"
    p=$(awk -v n="$nn" -v s="$step" '$1 == n && $2 == s { print $3 }' "$GRADE_POINTS" | tail -n 1)
    [ -n "$p" ] && points=$p
  fi
  printf '%s\t%s\t%s\t%s\t%s\tlesson %s step %s: %s\n' "$nn" "$step" "$file" "$k" "$points" "$nn" "$step" "$text"
done <"$tmp/exercises" >"$tmp/named"

# --- hidden tests: the instructor's extra test files (GRADE_HIDDEN) ----------------
# lessonNN_*_test.cpp files join lessonNN_test (GoogleTest: their TEST/TEST_F names),
# *.cmake files are included at the end of the top CMakeLists.txt (their add_test(NAME
# ...) names; they set the test's LABELS lessonNN); other files are copied beside them
# (a script a .cmake file runs). They are copied into the snapshot's .grade-hidden/ and
# registered by a CMAKE_PROJECT_INCLUDE hook; their tests are reported apart, with
# Gradescope's visibility after_due_date.
: >"$tmp/hidden-files"
: >"$tmp/hidden-tests"
if [ -n "$hidden" ]; then
  (cd "$hidden" && find . -maxdepth 1 -type f | sed 's|^\./||' | LC_ALL=C sort) >"$tmp/hidden-files"
  [ -s "$tmp/hidden-files" ] || usage "HIDDEN=$hidden holds no file"
  while IFS= read -r f; do
    case $f in
      *[!A-Za-z0-9._-]*) usage "HIDDEN: $f: a hidden file's name must be letters, digits and . _ -" ;;
      lesson[0-9][0-9]_*_test.cpp)
        sed -n 's/^[[:space:]]*TEST\(_F\)\{0,1\}([[:space:]]*\([A-Za-z0-9_]*\)[[:space:]]*,[[:space:]]*\([A-Za-z0-9_]*\).*/\2.\3/p' "$hidden/$f" ;;
      *.cpp) usage "HIDDEN: $f: a hidden test file is named lessonNN_NAME_test.cpp (it joins lessonNN_test)" ;;
      *.cmake) sed -n 's/.*add_test([[:space:]]*NAME[[:space:]]\{1,\}\([^[:space:])]*\).*/\1/p' "$hidden/$f" ;;
    esac
  done <"$tmp/hidden-files" | LC_ALL=C sort -u >"$tmp/hidden-tests"
  [ -s "$tmp/hidden-tests" ] || usage "HIDDEN=$hidden names no test (TEST(Suite, Name) in lessonNN_*_test.cpp, add_test(NAME ...) in *.cmake)"
fi

# --- the snapshot: the instructor's tree, copied and built once ------------------
if [ -d "$root/.git" ] || git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$root" -c core.quotePath=false ls-files --cached --others --exclude-standard >"$tmp/tree"
else
  (cd "$root" && find . -type f ! -path './build*' ! -path './.git/*' | sed 's|^\./||') >"$tmp/tree"
fi
(cd "$root" && tr '\n' '\0' <"$tmp/tree" | xargs -0 cksum 2>/dev/null) >"$tmp/sums"
# The fingerprint (the snapshot's and the map's key): what the build and the tests read,
# not the docs (an edited page must not cost a new map), nor the grader's scripts but the
# sandbox (what it allows decides which tests fail with the reference).
fingerprint=$({ awk '{ p = $0; sub(/^[^ ]+ [^ ]+ /, "", p) } (p !~ /^(docs|tools\/grade)\// || p == "tools/grade/sandbox.sh") && p !~ /\.md$/' "$tmp/sums"
  [ -z "$hidden" ] || (cd "$hidden" && tr '\n' '\0' <"$tmp/hidden-files" | xargs -0 cksum | sed 's/^/hidden /'); } |
  cksum | awk '{ print $1 }')
cache=${GRADE_CACHE:-/var/tmp/socklab-grade-$(id -u)/$(printf '%s' "$root" | cksum | awk '{ print $1 }')}
snap=$cache/tree
case $cache/ in "$root"/* | "$out"/*) usage "GRADE_CACHE=$cache is inside the tree or OUT: put it elsewhere (they are read-only in the sandbox)" ;; esac
mkdir -p "$cache" "$snap"
cache=$(cd "$cache" && pwd)
snap=$cache/tree
user=""
if [ "$(id -u)" -eq 0 ]; then
  user=${GRADE_USER:-socklab-grader}
  id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user" ||
    die "cannot create the sandbox user $user (useradd)"
  # The sandbox user must reach the cache: through each parent (o+x), into nothing else.
  dir=$cache
  while [ "$dir" != / ]; do
    [ -n "$(find "$dir" -maxdepth 0 -perm -o+x)" ] || chmod o+x "$dir"
    dir=$(dirname "$dir")
  done
fi
start=$(date +%s)
if [ "$(cat "$cache/fingerprint" 2>/dev/null)" != "$fingerprint" ]; then
  while IFS= read -r f; do
    [ -f "$root/$f" ] || continue
    if ! cmp -s "$root/$f" "$snap/$f"; then
      mkdir -p "$snap/$(dirname "$f")"
      cp "$root/$f" "$snap/$f"
    fi
  done <"$tmp/tree"
fi
# The hook (always there: with no hidden folder it registers nothing). CMake reads it
# at configure time, so a changed hook configures again.
mkdir -p "$snap/.grade-hidden"
for f in "$snap/.grade-hidden"/*; do
  [ -e "$f" ] || continue
  grep -qxF "${f##*/}" "$tmp/hidden-files" || [ "${f##*/}" = hook.cmake ] || rm -f "$f"
done
while IFS= read -r f; do
  cmp -s "$hidden/$f" "$snap/.grade-hidden/$f" || cp "$hidden/$f" "$snap/.grade-hidden/$f"
done <"$tmp/hidden-files"
{
  echo "# written by tools/grade/grade.sh: the instructor's hidden tests (GRADE_HIDDEN=${hidden:-})"
  echo 'if(NOT CMAKE_CURRENT_SOURCE_DIR STREQUAL CMAKE_SOURCE_DIR OR COMMAND _grade_hidden)'
  echo '  return()'
  echo 'endif()'
  echo 'function(_grade_hidden)'
  grep '^lesson[0-9][0-9]_.*_test\.cpp$' "$tmp/hidden-files" | while IFS= read -r f; do
    echo "  target_sources(lesson${f:6:2}_test PRIVATE \${CMAKE_CURRENT_FUNCTION_LIST_DIR}/$f)"
  done
  grep '\.cmake$' "$tmp/hidden-files" | grep -vx hook.cmake | while IFS= read -r f; do
    echo "  include(\${CMAKE_CURRENT_FUNCTION_LIST_DIR}/$f)"
  done
  echo 'endfunction()'
  echo 'cmake_language(DEFER CALL _grade_hidden)'
} >"$tmp/hook.cmake"
cmp -s "$tmp/hook.cmake" "$snap/.grade-hidden/hook.cmake" || cp "$tmp/hook.cmake" "$snap/.grade-hidden/hook.cmake"
if ! grep -q '^CMAKE_PROJECT_INCLUDE:.*grade-hidden' "$snap/build/CMakeCache.txt" 2>/dev/null; then
  gen=""
  command -v ninja >/dev/null && gen="-G Ninja"
  # shellcheck disable=SC2086
  [ ! -f "$snap/build/CMakeCache.txt" ] || gen=""
  cmake -S "$snap" -B "$snap/build" $gen -DSOCKLAB_WERROR=OFF -DCMAKE_PROJECT_INCLUDE="$snap/.grade-hidden/hook.cmake" \
    ${GRADE_CMAKE_ARGS:-} >"$cache/configure.log" 2>&1 ||
    die "the instructor's tree does not configure: see $cache/configure.log"
fi
targets=$(sed 's/^/lesson/; s/$/_test/' "$tmp/lessons" | tr '\n' ' ')
# shellcheck disable=SC2086
if ! cmake --build "$snap/build" -j "$jobs" --target $targets >"$cache/build.log" 2>&1; then
  die "the instructor's tree does not build ($targets): $(grep -m 1 -E 'error|Error' "$cache/build.log" || tail -n 1 "$cache/build.log")"
fi
echo "$fingerprint" >"$cache/fingerprint"
cp "$here/sandbox.sh" "$cache/sandbox.sh"
[ -z "$user" ] || chown -R "$user:$(id -g "$user")" "$snap"
echo "grade: the instructor's tree is built ($snap, $(($(date +%s) - start)) s)"

# --- the sandbox ----------------------------------------------------------------
# Read-only in it: the instructor's tree and OUT (and, for a non-root grader, HOME:
# the sandbox runs as the same user then, so only the mounts protect them).
ro="$root:$out"
[ -n "$user" ] || ro="$ro:${HOME:-/nonexistent}"
# sandbox_run NN RUN: RUN/files holds the files to put over the snapshot. Prints
# nothing; RUN holds the logs and JUnit files (sandbox.sh). Returns 97 when the
# machine cannot make the sandbox.
sandbox_run() {
  local nn=$1 run=$2 rc=0
  mkdir -p "$run/files" "$run/box"
  [ -z "$user" ] || chown -R "$user:$(id -g "$user")" "$run"
  local as=()
  [ -z "$user" ] || as=(setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups)
  # What the run writes comes back on outer's stdout, a tar stream of known files each
  # cut at GRADE_LOG_MAX (sandbox.sh): the submission writes nothing to the disk. PATH
  # has /usr/sbin (ip, for the loopback; a user's PATH may lack it).
  env -i PATH="$PATH:/usr/sbin:/sbin" LANG=C.UTF-8 CCACHE_DISABLE=1 GRADE_LESSON="$nn" GRADE_JOBS="$jobs" \
    GRADE_TIMEOUT="${GRADE_TIMEOUT:-600}" GRADE_TEST_TIMEOUT="${GRADE_TEST_TIMEOUT:-60}" \
    GRADE_CPU="${GRADE_CPU:-300}" GRADE_AS="${GRADE_AS:-4294967296}" GRADE_NPROC="${GRADE_NPROC:-1024}" \
    GRADE_FSIZE="${GRADE_FSIZE:-1073741824}" GRADE_DISK="${GRADE_DISK:-4294967296}" \
    GRADE_LOG_MAX="${GRADE_LOG_MAX:-16777216}" GRADE_RO="$ro" GRADE_CACHE_DIR="$cache" \
    "${as[@]}" unshare --user --map-root-user --mount --fork \
    bash "$cache/sandbox.sh" outer "$snap" "$run" 2>"$run/unshare.log" |
    tar -xf - -C "$run" --no-same-owner --no-same-permissions 2>>"$run/unshare.log"
  rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    cat "$run/unshare.log" >>"$run/sandbox.log"
    return 97
  fi
  return 0
}
# results RUN: one line per test, STATUS TEST (STATUS pass, flaky, fail, crash, skip),
# into RUN/tests; the failing tests' output into RUN/dump (junit.awk's dump).
results() {
  local run=$1
  : >"$run/tests"
  : >"$run/dump"
  [ -f "$run/run1.xml" ] || return 0
  awk -v dump="$run/dump1" -f "$root/scripts/junit.awk" "$run/run1.xml" >"$run/run1.tsv"
  : >"$run/run2.tsv"
  if [ -f "$run/run2.xml" ]; then
    awk -v dump="$run/dump" -f "$root/scripts/junit.awk" "$run/run2.xml" >"$run/run2.tsv"
  else
    cp "$run/dump1" "$run/dump" 2>/dev/null || true
  fi
  awk -F '\t' 'FILENAME == ARGV[1] { again[$2] = $1; next }
    { s = $1
      if (s != "pass" && s != "skip" && ($2 in again)) s = (again[$2] == "pass" ? "flaky" : s)
      print s "\t" $2 "\t" $3 }' "$run/run2.tsv" "$run/run1.tsv" >"$run/tests"
}
failing() { awk -F '\t' '$1 != "pass" && $1 != "flaky" && $1 != "skip" { print $2 }' "$1"; }

probe=$cache/work/probe
rm -rf "$probe"
mkdir -p "$probe"
if ! GRADE_TIMEOUT=60 sandbox_run probe "$probe"; then
  cause=$(grep -v '^ *$' "$probe/sandbox.log" | head -n 1)
  echo "grade: not gradable here: the sandbox cannot be made ($cause); see docs/grading.md#not-gradable-here" >&2
  while IFS= read -r name; do
    mkdir -p "$out/$name"
    printf '{"output": "not gradable here: the sandbox cannot be made on the grading machine (%s). This is no grade; the instructor will grade again.", "tests": []}\n' \
      "$(printf '%s' "$cause" | sed 's/["\\]/ /g')" >"$out/$name/results.json"
    printf '{"gradable": false, "message": "not gradable here: the sandbox cannot be made on the grading machine (%s)."}\n' \
      "$(printf '%s' "$cause" | sed 's/["\\]/ /g')" >"$out/$name/results-prairielearn.json"
  done <"$tmp/names"
  { echo "student,status"; sed 's/$/,not gradable here/' "$tmp/names"; } >"$out/class.csv"
  exit 1
fi

# --- the map: the tests each exercise's mutant fails (once per instructor tree) ---
map=$cache/map-$fingerprint
mkdir -p "$map"
while IFS= read -r nn; do
  [ -s "$map/$nn.map" ] && continue
  mstart=$(date +%s)
  echo "grade: lesson $nn: which tests each exercise undone fails (once for this tree)"
  run=$cache/work/ref
  rm -rf "$run"
  sandbox_run "$nn" "$run" || die "lesson $nn: the sandbox failed: $(head -n 1 "$run/sandbox.log")"
  [ "$(cat "$run/build.rc" 2>/dev/null)" = 0 ] || die "lesson $nn: the reference does not build in the sandbox: see $run/build.log"
  results "$run"
  failing "$run/tests" >"$map/$nn.reference-fails"
  : >"$map/$nn.map.new"
  awk -F '\t' -v n="$nn" '$1 == n { print $3 "\t" $4 "\t" $2 }' "$tmp/named" >"$tmp/blocks"
  while IFS=$'\t' read -r file k step; do
    run=$cache/work/mutant
    [ -n "${GRADE_KEEP_RUN:-}" ] || rm -rf "$run"
    mkdir -p "$run/files/$(dirname "$file")"
    "$tool" --mutant "$root/$file" "$k" >"$run/files/$file"
    sandbox_run "$nn" "$run" || die "lesson $nn: the sandbox failed: $(head -n 1 "$run/sandbox.log")"
    [ "$(cat "$run/build.rc" 2>/dev/null)" = 0 ] ||
      die "lesson $nn: $file block $k undone does not compile (a stub must compile: make check-exercises LESSONS=$nn)"
    results "$run"
    # A test that fails with the reference too checks nothing of the student's.
    failing "$run/tests" | grep -vxF -f "$map/$nn.reference-fails" | sed "s|^|$file	$k	|" >"$run/caught"
    n=$(wc -l <"$run/caught")
    cat "$run/caught" >>"$map/$nn.map.new"
    echo "  $file block $k (step $step): $n tests fail when it is undone"
  done <"$tmp/blocks"
  mv "$map/$nn.map.new" "$map/$nn.map"
  rm -rf "$cache/work/ref" "$cache/work/mutant"
  echo "grade: lesson $nn: mapped in $(($(date +%s) - mstart)) s (cached in $map)"
done <"$tmp/lessons"
# Each exercise's tests: its mutant's, less those of an exercise of the same lesson
# whose set is strictly smaller and inside it (a later step that this one's tests
# need too: a student who stopped before it keeps this one). FILE K TEST lines.
while IFS= read -r nn; do
  awk -F '\t' -v n="$nn" '
    { id = $1 "\t" $2; if (!(id in size)) order[++m] = id; size[id]++; has[id, $3] = 1; tests[id] = tests[id] "\n" $3 }
    END {
      for (a = 1; a <= m; a++) {
        A = order[a]; nt = split(substr(tests[A], 2), t, "\n"); kept = 0
        for (i = 1; i <= nt; i++) {
          drop = 0
          for (b = 1; b <= m && !drop; b++) {
            B = order[b]
            if (B == A || size[B] >= size[A] || !has[B, t[i]]) continue
            inside = 1; nb = split(substr(tests[B], 2), u, "\n")
            for (j = 1; j <= nb; j++) if (!has[A, u[j]]) { inside = 0; break }
            if (inside) drop = 1
          }
          if (!drop) { print A "\t" t[i]; kept++ }
        }
        if (kept == 0) for (i = 1; i <= nt; i++) print A "\t" t[i]
      }
    }' "$map/$nn.map"
done <"$tmp/lessons" >"$tmp/checks"
awk -F '\t' 'FILENAME == ARGV[1] { n[$1 "\t" $2]++; next } !(($3 "\t" $4) in n) { print "grade: warning: " $3 " block " $4 " (lesson " $1 " step " $2 "): no test fails when it is undone; it counts nothing (make check-exercises)" }' \
  "$tmp/checks" "$tmp/named" >&2

# The entries of a report: each exercise by its visible tests and, when hidden tests
# check it too, again by those (Gradescope's visibility after_due_date, the same
# points). An exercise that only hidden tests check has only the hidden entry.
while IFS=$'\t' read -r nn step file k points title; do
  awk -F '\t' -v f="$file" -v k="$k" '$1 == f && $2 == k { print $3 }' "$tmp/checks" >"$tmp/mine"
  nh=$(grep -cxF -f "$tmp/hidden-tests" "$tmp/mine" 2>/dev/null) || nh=0
  [ -s "$tmp/hidden-tests" ] || nh=0
  nv=$(($(wc -l <"$tmp/mine") - nh))
  { [ "$nv" -eq 0 ] && [ "$nh" -gt 0 ]; } || printf '%s\t%s\t%s\t%s\t%s\t%s\tvisible\n' "$nn" "$step" "$file" "$k" "$points" "$title"
  [ "$nh" -eq 0 ] || printf '%s\t%s\t%s\t%s\t%s\t%s (hidden tests)\tafter_due_date\n' "$nn" "$step" "$file" "$k" "$points" "$title"
done <"$tmp/named" >"$tmp/entries"

# --- JSON and CSV helpers -----------------------------------------------------------
# json_string FILE: the file's text as one JSON string (control characters escaped).
json_string() {
  LC_ALL=C awk 'BEGIN { printf "\"" }
    { s = $0; gsub(/\\/, "\\\\\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, "\\t", s); gsub(/\r/, "\\r", s)
      gsub(/[\001-\037]/, " ", s); printf "%s%s", (NR > 1 ? "\\n" : ""), s }
    END { printf "\"" }' "$1"
}
# lesson_notes REP: a line for each lesson that was not graded as usual (its state)
# and for each limit a lesson's run reached (sandbox.sh's hits).
lesson_notes() {
  local l nn st
  for l in "$1"/lesson*/state; do
    [ -f "$l" ] || continue
    nn=${l%/state}
    nn=${nn##*/lesson}
    st=$(cat "$l")
    [ "$st" = ok ] || echo "lesson $nn: $st"
    [ ! -s "${l%/state}/hits" ] || sed "s/^/lesson $nn: /" "${l%/state}/hits"
  done
}
# xml_text FILE: the file's text escaped for XML (control characters but tab and
# newline dropped, as XML 1.0 cannot carry them).
xml_text() {
  LC_ALL=C sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g' "$1" | LC_ALL=C tr -d '\000-\010\013\014\016-\037'
}
csv() { case $1 in *[,\"]*) printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')" ;; *) printf '%s' "$1" ;; esac; }

{
  printf 'student'
  cut -f 6 "$tmp/entries" | while IFS= read -r n; do printf ',%s' "$(csv "$n")"; done
  printf ',total,max,flaky,notes\n'
} >"$out/class.csv"

# --- each submission ---------------------------------------------------------------
status=0
[ "$bad" -eq 0 ] || status=2
count=0
gstart=$(date +%s)
while IFS= read -r name; do
  sstart=$(date +%s)
  top=$(cat "$tmp/sub/$name.root")
  rep=$out/$name
  rm -rf "$rep"
  mkdir -p "$rep"
  # Files the student changed or added that are not theirs: ignored, and said so. Not
  # counted: the student's files, the files the generator rewrites (marked Markdown,
  # the READMEs, the record), build trees, object files.
  (cd "$top" && find . -type f ! -path './build*' ! -path './.git/*' ! -path '*/.cache/*' ! -path './Testing/*' \
    ! -name '*.o' ! -name '*.a' ! -name '*.so' ! -name '*~' -print0 | xargs -0 cksum 2>/dev/null) |
    sed 's| \./| |' | LC_ALL=C sort -k 3 >"$tmp/subsums"
  awk 'FILENAME == ARGV[1] { skip[$0] = 1; next }
       FILENAME == ARGV[2] { p = $0; sub(/^[^ ]+ [^ ]+ /, "", p); ref[p] = $1 " " $2; next }
       { p = $0; sub(/^[^ ]+ [^ ]+ /, "", p)
         if (p in skip) next
         if (!(p in ref)) print "ignored: " p " (not handed out)"
         else if (ref[p] != $1 " " $2) print "ignored: " p " (changed; the instructor'"'"'s is used)" }' \
    "$tmp/skip" "$tmp/sums" "$tmp/subsums" >"$rep/ignored"
  : >"$rep/tests.tsv"
  while IFS= read -r nn; do
    run=$cache/work/$name-$nn
    [ -n "${GRADE_KEEP_RUN:-}" ] || rm -rf "$run"
    mkdir -p "$run/files" "$rep/lesson$nn"
    lesson_state=ok
    for f in $(awk -v n="$nn" '$1 == n { print $3 }' "$tmp/exercises" | sort -u); do
      if [ -f "$top/$f" ] && [ ! -L "$top/$f" ]; then
        mkdir -p "$run/files/$(dirname "$f")"
        cp "$top/$f" "$run/files/$f"
      else
        lesson_state="missing: $f is not in the submission"
      fi
    done
    if [ "$lesson_state" = ok ]; then
      if ! sandbox_run "$nn" "$run"; then
        lesson_state="not gradable here: $(head -n 1 "$run/sandbox.log")"
      elif [ "$(cat "$run/build.rc" 2>/dev/null)" != 0 ]; then
        rc=$(cat "$run/build.rc" 2>/dev/null || echo '?')
        if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
          lesson_state="does not compile: the build took longer than ${GRADE_TIMEOUT:-600} s"
        else
          lesson_state="does not compile: $(grep -m 1 -E 'error' "$run/build.log" | sed "s|$snap/||g; s/^[[:space:]]*//" | cut -c 1-200)"
        fi
      else
        results "$run"
        [ -s "$run/tests" ] || lesson_state="no test ran (the tests timed out after ${GRADE_TIMEOUT:-600} s?)"
      fi
      cp "$run/build.log" "$run/ctest.log" "$run/limits" "$run/hits" "$rep/lesson$nn/" 2>/dev/null || true
      # The flight recorder's ladders of the failing tests (sandbox.sh ships them).
      if [ -n "$(ls "$run/failures" 2>/dev/null)" ]; then
        mkdir -p "$rep/lesson$nn/failures"
        cp "$run/failures"/*.html "$rep/lesson$nn/failures/" 2>/dev/null || true
      fi
      sed -i "s|$snap/||g" "$rep/lesson$nn/build.log" 2>/dev/null || true
    fi
    echo "$lesson_state" >"$rep/lesson$nn/state"
    [ -f "$run/tests" ] && sed "s/^/$nn	/" "$run/tests" >>"$rep/tests.tsv"
    [ -f "$run/dump" ] && cp "$run/dump" "$rep/lesson$nn/failures.tsv"
    [ -n "${GRADE_KEEP_RUN:-}" ] || rm -rf "$run"
  done <"$tmp/lessons"

  # Credit, and each exercise's output: the narrated steps of its failing tests.
  : >"$rep/exercises.tsv"
  : >"$rep/junit.body"
  total=0 max=0 row=""
  while IFS=$'\t' read -r nn step file k points title vis; do
    state=$(cat "$rep/lesson$nn/state")
    # This entry's tests: the exercise's visible ones, or its hidden ones.
    awk -F '\t' -v f="$file" -v k="$k" -v vis="$vis" 'FILENAME == ARGV[1] { hid[$0] = 1; next }
      $1 == f && $2 == k && (($3 in hid) == (vis != "visible")) { print $3 }' "$tmp/hidden-tests" "$tmp/checks" >"$tmp/mine"
    o=$tmp/output
    : >"$o"
    score=0 verdict=failed
    if [ "$state" != ok ]; then
      echo "lesson $nn: $state" >"$o"
      case $state in "not gradable here"*) verdict=ungraded ;; esac
    elif [ ! -s "$tmp/mine" ]; then
      verdict=ungraded
      echo "no test of the instructor's checks this exercise: it counts nothing" >"$o"
    else
      awk -F '\t' -v n="$nn" 'NR == FNR { want[$1] = 1; next } $1 == n && ($3 in want) { print $2 "\t" $3 }' \
        "$tmp/mine" "$rep/tests.tsv" >"$tmp/mystatus"
      lost=$(awk -F '\t' '$1 != "pass" && $1 != "flaky" && $1 != "skip"' "$tmp/mystatus" | wc -l)
      ran=$(awk -F '\t' '$1 != "skip"' "$tmp/mystatus" | wc -l)
      if [ "$ran" -eq 0 ]; then
        verdict=ungraded
        echo "not gradable here: every test of this exercise was skipped on the grading machine:" >"$o"
        awk -F '\t' -v n="$nn" '$1 == n && $2 == "skip" { print "  " $3 ": " $4 }' "$rep/tests.tsv" | sort -u | head -n 3 >>"$o"
      elif [ "$lost" -eq 0 ]; then
        score=$points verdict=passed
        echo "passed: $(wc -l <"$tmp/mystatus") tests of the instructor's check this exercise and pass:" >"$o"
        sed 's/^[a-z]*\t/  /' "$tmp/mystatus" >>"$o"
        grep -q '^flaky' "$tmp/mystatus" && echo "(flaky: failed once, passed when re-run)" >>"$o"
      else
        : >"$o"
        [ ! -s "$rep/lesson$nn/hits" ] || sed "s/^/lesson $nn: /" "$rep/lesson$nn/hits" >>"$o"
        echo "failed: $lost of the $(wc -l <"$tmp/mystatus") tests that check this exercise fail:" >>"$o"
        awk -F '\t' '$1 != "pass" && $1 != "flaky" && $1 != "skip" { print $2 }' "$tmp/mystatus" | while IFS= read -r t; do
          echo
          echo "--- $t (ctest -R '$t' -V shows it whole)"
          awk -F '\t' -v t="$t" '$1 == t { print $3 }' "$rep/lesson$nn/failures.tsv" 2>/dev/null |
            grep -v -e '^Running main' -e '^Note: Google Test filter' -e '^\[==========\]' -e '^\[----------\]' |
            head -n 40 | sed "s|$snap/||g"
          ladder=lesson$nn/failures/$(printf '%s' "$t" | tr '/' '_').html
          [ ! -f "$rep/$ladder" ] || echo "ladder: $ladder (the flight recorder's picture of this test's connections)"
        done >>"$o"
      fi
    fi
    [ "$verdict" = ungraded ] || { total=$(awk -v a="$total" -v b="$score" 'BEGIN { print a + b }')
                                   max=$(awk -v a="$max" -v b="$points" 'BEGIN { print a + b }'); }
    cell=$score
    [ "$verdict" = ungraded ] && cell="n/g"
    row="$row,$cell"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$title" "$score" "$points" "$verdict" "$(json_string "$o")" "$vis" >>"$rep/exercises.tsv"
    # The JUnit test case: a failure or a skip carries the same output.
    printf '%s\n' "$title" >"$tmp/title"
    {
      printf '    <testcase classname="lesson%s" name="%s"' "$nn" "$(xml_text "$tmp/title")"
      case $verdict in
        passed) printf '/>\n' ;;
        ungraded) printf '>\n      <skipped message="%s"/>\n    </testcase>\n' "$(head -n 1 "$o" >"$tmp/first"; xml_text "$tmp/first")" ;;
        *) printf '>\n      <failure message="%s">' "$(head -n 1 "$o" >"$tmp/first"; xml_text "$tmp/first")"
           xml_text "$o"
           printf '</failure>\n    </testcase>\n' ;;
      esac
    } >>"$rep/junit.body"
  done <"$tmp/entries"

  flaky=$(awk -F '\t' '$2 == "flaky" { print $3 }' "$rep/tests.tsv" | sort -u | grep -vxF -f "$tmp/hidden-tests")
  # The report's own output: what was ignored, lessons that did not build, flaky tests.
  {
    echo "Graded with the instructor's tests: $total of $max points."
    lesson_notes "$rep"
    [ -z "$flaky" ] || { echo "Flaky (failed, then passed when re-run; counted as passed):"; printf '  %s\n' $flaky; }
    # The ladders of the failing visible tests (a hidden test's is not named here).
    (cd "$rep" && ls lesson*/failures/*.html 2>/dev/null) |
      awk 'FILENAME == ARGV[1] { h[$0] = 1; next } { t = $0; sub(/^.*\//, "", t); sub(/\.html$/, "", t); if (!(t in h)) print }' \
        "$tmp/hidden-tests" - >"$tmp/ladders"
    if [ -s "$tmp/ladders" ]; then
      echo "Ladders of the failing tests (the flight recorder's picture of their connections):"
      sed 's/^/  /' "$tmp/ladders"
    fi
    if [ -s "$rep/ignored" ]; then
      echo "Files that are not the student's, ignored (the instructor's are used):"
      head -n 20 "$rep/ignored" | sed 's/^ignored: /  /'
      [ "$(wc -l <"$rep/ignored")" -le 20 ] || echo "  ... and $(($(wc -l <"$rep/ignored") - 20)) more"
    fi
  } >"$rep/summary.txt"
  {
    printf '{\n  "score": %s,\n  "output": %s,\n  "visibility": "visible",\n  "stdout_visibility": "hidden",\n  "tests": [' \
      "$total" "$(json_string "$rep/summary.txt")"
    awk -F '\t' '{ t = $1; gsub(/\\/, "\\\\\\\\", t); gsub(/"/, "\\\"", t)
        printf "%s\n    {\"name\": %s, \"score\": %s, \"max_score\": %s, \"status\": \"%s\", \"visibility\": \"%s\", \"output\": %s}",
          (NR > 1 ? "," : ""), "\"" t "\"", $2, ($4 == "ungraded" ? 0 : $3), ($4 == "passed" ? "passed" : "failed"), $6, $5 }' "$rep/exercises.tsv"
    printf '\n  ]\n}\n'
  } >"$rep/results.json"
  # JUnit (a CI's or a dashboard's view): one test case per entry.
  {
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
    printf '  <testsuite name="%s" tests="%s" failures="%s" skipped="%s">\n' "$name" "$(wc -l <"$rep/exercises.tsv")" \
      "$(awk -F '\t' '$4 == "failed"' "$rep/exercises.tsv" | wc -l)" "$(awk -F '\t' '$4 == "ungraded"' "$rep/exercises.tsv" | wc -l)"
    cat "$rep/junit.body"
    printf '  </testsuite>\n</testsuites>\n'
  } >"$rep/junit.xml"
  rm -f "$rep/junit.body"
  # PrairieLearn's external grader results: score from 0 to 1; it has no per-test
  # visibility, so the hidden tests' entries count in the score and are not listed.
  {
    printf '{\n  "gradable": true,\n  "score": %s,\n  "message": %s,\n  "tests": [' \
      "$(awk -v a="$total" -v b="$max" 'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }')" "$(json_string "$rep/summary.txt")"
    awk -F '\t' '$6 == "visible" { t = $1; gsub(/\\/, "\\\\\\\\", t); gsub(/"/, "\\\"", t)
        printf "%s\n    {\"name\": %s, \"points\": %s, \"max_points\": %s, \"message\": \"%s\", \"output\": %s}",
          (n++ ? "," : ""), "\"" t "\"", $2, ($4 == "ungraded" ? 0 : $3), $4, $5 }' "$rep/exercises.tsv"
    printf '\n  ]\n}\n'
  } >"$rep/results-prairielearn.json"
  notes=$(lesson_notes "$rep"
           [ ! -s "$rep/ignored" ] || echo "$(wc -l <"$rep/ignored") files ignored ($name/summary.txt)")
  notes=$(printf '%s' "$notes" | awk 'NR > 1 { printf "; " } { printf "%s", $0 }')
  echo "$(csv "$name")$row,$total,$max,$(printf '%s' "$flaky" | tr '\n' ' ' | sed 's/ $//'),$(csv "$notes")" >>"$out/class.csv"
  rm -f "$rep/tests.tsv.tmp"
  count=$((count + 1))
  echo "grade: $name: $total of $max points ($(($(date +%s) - sstart)) s)$([ -s "$rep/ignored" ] && echo "; $(wc -l <"$rep/ignored") files ignored")"
done <"$tmp/names"
# OUT/index.html: the class's page (index.sh).
bash "$here/index.sh" "$out" || echo "grade: index.sh could not write $out/index.html" >&2
elapsed=$(($(date +%s) - gstart))
echo "grade: $count submissions graded in $elapsed s ($((elapsed / (count > 0 ? count : 1))) s each): $out/class.csv"
exit $status
