#!/usr/bin/env bash
# setup.sh — Gradescope's image set-up for socklab's grader (docs/grading.md): the
# packages, the generator, and a warm cache (the instructor's tree built and each
# exercise's mutant map made, by grading the hand-out once), so that each submission
# costs only its own files. ROOT is /autograder (AUTOGRADER_ROOT), the socklab tree
# ROOT/source (SOCKLAB_ROOT). GRADE_LESSONS ("01 02") limits the lessons.
set -euo pipefail
root=${AUTOGRADER_ROOT:-/autograder}
src=${SOCKLAB_ROOT:-$root/source}
cd "$src"
sh scripts/install-deps.sh zip unzip
cmake -S . -B build -DSOCKLAB_WERROR=OFF
cmake --build build -j "$(nproc)" --target student_edition
# The run_autograder Gradescope calls is ROOT/run_autograder.
[ "$src/tools/grade/gradescope/run_autograder" -ef "$root/run_autograder" ] ||
  install -m 755 "$src/tools/grade/gradescope/run_autograder" "$root/run_autograder"
# Warm the cache: grade the hand-out (0 points) once; the map and the snapshot stay.
handout=$(mktemp -d)
sh scripts/student-edition.sh build/bin/student_edition "$handout/subs/handout" >/dev/null
hidden=${GRADE_HIDDEN:-}
[ -n "$hidden" ] || [ ! -d "$src/hidden-tests" ] || hidden=$src/hidden-tests
# shellcheck disable=SC2086
GRADE_CACHE=${GRADE_CACHE:-$root/cache} GRADE_HIDDEN=$hidden \
  bash tools/grade/grade.sh build/bin/student_edition "$handout/subs" "$handout/out" ${GRADE_LESSONS:-} ||
  echo "setup.sh: the warm-up grading did not end well (see above); run_autograder will say why" >&2
rm -rf "$handout"
