#!/usr/bin/env sh
# check-exercises.sh — every exercise is tested, not only every lesson.
# Usage: check-exercises.sh BUILD_DIR [NN...]     (make check-exercises; CI runs it)
#
# For each SOLUTION block of each lesson program (lessons/NN_slug/PROGRAM.cpp), a
# "mutant" is built: the reference file with only that block replaced by its stub
# (student_edition --mutant FILE K). Only PROGRAM is rebuilt; then lesson NN's tests
# run against it. The block is caught when at least one test fails and names the
# block's step: the program's "TODO(step N)" line, or a narrated "step N/M". A
# block no test notices is listed and the check fails. The reference file is put
# back after each mutant (and on any exit), and the program rebuilt from it.
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
  if [ -n "$current" ] && [ -f "$tmp/original.cpp" ]; then cp -p "$tmp/original.cpp" "$root/$current"; fi
  rm -rf "$tmp"
}
trap restore EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
blocks=0
missed=0
: >"$tmp/missed"
for file in $(cd "$root" && grep -l 'SOLUTION-BEGIN' lessons/*/*.cpp | sort); do
  dir=${file#lessons/}
  dir=${dir%%/*}
  nn=${dir%%_*}
  case $only in "  ") ;; *" $nn "*) ;; *) continue ;; esac
  program=$(basename "$file" .cpp)
  count=$("$tool" --mutant "$root/$file" 0)
  # Each block's step: the N of TODO(step N) on its SOLUTION-BEGIN line.
  grep 'SOLUTION-BEGIN' "$root/$file" | sed -n 's/.*TODO(step \([0-9][0-9]*\)).*/\1/p' >"$tmp/steps"
  cp -p "$root/$file" "$tmp/original.cpp"
  current=$file
  k=1
  while [ "$k" -le "$count" ]; do
    step=$(sed -n "${k}p" "$tmp/steps")
    blocks=$((blocks + 1))
    "$tool" --mutant "$tmp/original.cpp" "$k" >"$root/$file"
    if ! cmake --build "$build" -j "$jobs" --target "$program" >"$tmp/build.log" 2>&1; then
      echo "  $file block $k (step $step): the mutant does not compile (a stub must compile):"
      grep -E 'error' "$tmp/build.log" | head -n 3 | sed 's/^/      /'
      echo "$file block $k (step $step): does not compile" >>"$tmp/missed"
      missed=$((missed + 1))
      k=$((k + 1))
      continue
    fi
    rm -f "$tmp/run.xml"
    ctest --test-dir "$build" -L "^lesson$nn\$" -j "$jobs" --timeout 60 --output-junit "$tmp/run.xml" \
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
  cmake --build "$build" -j "$jobs" --target "$program" >"$tmp/build.log" 2>&1 ||
    { echo "check-exercises: the reference $file does not build again" >&2; exit 1; }
done

elapsed=$(($(date +%s) - start))
if [ "$missed" -ne 0 ]; then
  echo "check-exercises: FAILED — $missed of $blocks exercises are not caught by a test naming their step (${elapsed} s):"
  sed 's/^/  /' "$tmp/missed"
  exit 1
fi
echo "check-exercises: OK — each of $blocks exercises, undone alone, fails a test naming its step (${elapsed} s)"
