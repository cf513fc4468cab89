#!/usr/bin/env sh
# check-exercises.sh — every exercise is tested, not only every lesson.
# Usage: check-exercises.sh BUILD_DIR [NN...]     (make check-exercises; CI runs it)
#
# The exercises are what the student edition hands out: the generator's record
# (student-edition.sh --record, the "exercise NN STEP FILE" lines of
# .socklab-student-edition) names each marked block of code, its lesson and its
# step — a lesson's program (lessons/NN_slug/PROGRAM.cpp) or a file elsewhere that
# the lesson has the student write (lesson 12's lib/lab/src/route.cpp). For each
# block a "mutant" is built: the reference file with only that block replaced by its
# stub (student_edition --mutant FILE K). What is rebuilt: for a lesson's file the
# target named after it (PROGRAM; lesson 13's tcp_endpoint builds its program and
# its tests); for a file elsewhere, lessonNN_test, which builds everything the
# lesson's tests run (the library the file is in, relinked into the lesson's
# programs and tests). Then lesson NN's tests run against it. The block is caught
# when at least one test fails and names the block's step: the "TODO(step N)"
# line, or a narrated "step N/M". A block no test notices is listed and the check
# fails. The reference file is put back after each mutant (and on any exit), and
# its target rebuilt from it.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-build}" && pwd)
shift || true
only=" $* "
jobs=${JOBS:-2}
tool="$build/bin/student_edition"
[ -x "$tool" ] || { echo "check-exercises: build $tool first (cmake --build $build --target student_edition)" >&2; exit 2; }

tmp=$(mktemp -d)
current=""  # the lesson file being mutated, to put back
restore() {
  # Put back with a new time: the build holds the mutant's objects, newer than the
  # original's own time, and must see the file as changed to rebuild from it.
  if [ -n "$current" ] && [ -f "$tmp/original.cpp" ]; then
    cp -p "$tmp/original.cpp" "$root/$current" && touch "$root/$current"
  fi
  rm -rf "$tmp"
}
trap restore EXIT
trap 'exit 130' INT TERM

# The exercises as the student edition records them: "NN STEP FILE", in the order
# of the blocks in each file.
if ! sh "$root/scripts/student-edition.sh" --record "$tool" >"$tmp/record" 2>"$tmp/record.log"; then
  echo "check-exercises: the generator could not list the exercises: $(head -n 1 "$tmp/record.log")" >&2
  exit 1
fi
sed -n 's/^exercise //p' "$tmp/record" >"$tmp/exercises"
[ -s "$tmp/exercises" ] || { echo "check-exercises: the record names no exercise" >&2; exit 1; }

start=$(date +%s)
blocks=0
missed=0
: >"$tmp/missed"
awk '{ print $3 }' "$tmp/exercises" | sort -u >"$tmp/files"
while IFS= read -r file; do
  nn=$(awk -v f="$file" '$3 == f { print $1; exit }' "$tmp/exercises")
  case $only in "  ") ;; *" $nn "*) ;; *) continue ;; esac
  case $file in
    lessons/*) target=$(basename "$file" .cpp) ;;
    *) target="lesson${nn}_test" ;;
  esac
  count=$("$tool" --mutant "$root/$file" 0)
  # Each block's step, in order (the record's lines for this file).
  awk -v f="$file" '$3 == f { print $2 }' "$tmp/exercises" >"$tmp/steps"
  if [ "$(wc -l <"$tmp/steps")" -ne "$count" ]; then
    echo "check-exercises: $file has $count marked blocks, the record $(wc -l <"$tmp/steps") exercises" >&2
    exit 1
  fi
  cp -p "$root/$file" "$tmp/original.cpp"
  current=$file
  k=1
  while [ "$k" -le "$count" ]; do
    step=$(sed -n "${k}p" "$tmp/steps")
    blocks=$((blocks + 1))
    "$tool" --mutant "$tmp/original.cpp" "$k" >"$root/$file"
    if ! cmake --build "$build" -j "$jobs" --target "$target" >"$tmp/build.log" 2>&1; then
      echo "  $file block $k (step $step): the mutant does not compile (a stub must compile):"
      grep -E 'error' "$tmp/build.log" | head -n 3 | sed 's/^/      /'
      echo "$file block $k (step $step): does not compile" >>"$tmp/missed"
      missed=$((missed + 1))
      k=$((k + 1))
      continue
    fi
    rm -f "$tmp/run.xml"
    ctest --test-dir "$build" -L "^lesson$nn\$" -j "$jobs" --timeout 60 \
      --test-output-size-passed 1048576 --output-junit "$tmp/run.xml" \
      >"$tmp/ctest.log" 2>&1 </dev/null || true
    if [ -f "$tmp/run.xml" ]; then awk -f "$root/scripts/junit.awk" "$tmp/run.xml" >"$tmp/run.tsv"; else : >"$tmp/run.tsv"; fi
    failing=$(grep -c -v -e '^pass' -e '^skip' "$tmp/run.tsv" || true)
    naming=$(grep -v -e '^pass' -e '^skip' "$tmp/run.tsv" |
      awk -F '\t' -v s="$step" 'index($3, "TODO(step " s ")") || index($3, "step " s "/") == 1 { print $2 }' |
      head -n 1)
    if [ -n "$naming" ]; then
      echo "  $file block $k (step $step): caught by $naming ($failing failing)"
    else
      why=$([ "$failing" -eq 0 ] && echo "every test passes" || echo "$failing fail, none names step $step")
      echo "  $file block $k (step $step): NOT CAUGHT — $why"
      echo "$file block $k (step $step): $why" >>"$tmp/missed"
      missed=$((missed + 1))
    fi
    k=$((k + 1))
  done
  cp -p "$tmp/original.cpp" "$root/$file"
  current=""
  touch "$root/$file"
  cmake --build "$build" -j "$jobs" --target "$target" >"$tmp/build.log" 2>&1 ||
    { echo "check-exercises: the reference $file does not build again" >&2; exit 1; }
done <"$tmp/files"

elapsed=$(($(date +%s) - start))
if [ "$missed" -ne 0 ]; then
  echo "check-exercises: FAILED — $missed of $blocks exercises are not caught by a test naming their step (${elapsed} s):"
  sed 's/^/  /' "$tmp/missed"
  exit 1
fi
echo "check-exercises: OK — each of $blocks exercises, undone alone, fails a test naming its step (${elapsed} s)"
