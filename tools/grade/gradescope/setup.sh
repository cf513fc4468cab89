#!/usr/bin/env bash
# setup.sh — Gradescope's image set-up for socklab's grader (docs/grading.md): the
# packages, the generator, and a warm cache (the instructor's tree built and each
# exercise's mutant map made, by grading the hand-out once), so that each submission
# costs only its own files. ROOT is /autograder (AUTOGRADER_ROOT), the socklab tree
# ROOT/source (SOCKLAB_ROOT). GRADE_LESSONS ("01 02") limits the lessons.
# The packages are scripts/install-deps.sh's (the kit's own list) and zip, unzip (the
# archives a submission may be); it asks apt-get only for what is missing. The
# generator is built in ROOT/source/build unless SOCKLAB_TOOL names a built one.
# What it leaves: ROOT/run_autograder, the generator, and the warm cache (GRADE_CACHE,
# default ROOT/cache). PrairieLearn's image is made the same way (docs/grading.md).
set -euo pipefail
root=${AUTOGRADER_ROOT:-/autograder}
src=${SOCKLAB_ROOT:-$root/source}
tool=${SOCKLAB_TOOL:-}
[ -z "$tool" ] || tool=$(cd "$(dirname "$tool")" && pwd)/${tool##*/}
cd "$src"
sh scripts/install-deps.sh zip unzip
if [ -z "$tool" ]; then
  cmake -S . -B build -DSOCKLAB_WERROR=OFF
  cmake --build build -j "$(nproc)" --target student_edition
  tool=build/bin/student_edition
fi
# The run_autograder Gradescope calls is ROOT/run_autograder.
[ "$src/tools/grade/gradescope/run_autograder" -ef "$root/run_autograder" ] ||
  install -m 755 "$src/tools/grade/gradescope/run_autograder" "$root/run_autograder"
# Warm the cache: grade the hand-out (0 points) once; the map and the snapshot stay.
handout=$(mktemp -d)
sh scripts/student-edition.sh "$tool" "$handout/subs/handout" >/dev/null
hidden=${GRADE_HIDDEN:-}
[ -n "$hidden" ] || [ ! -d "$src/hidden-tests" ] || hidden=$src/hidden-tests
# shellcheck disable=SC2086
GRADE_CACHE=${GRADE_CACHE:-$root/cache} GRADE_HIDDEN=$hidden \
  bash tools/grade/grade.sh "$tool" "$handout/subs" "$handout/out" ${GRADE_LESSONS:-} ||
  echo "setup.sh: the warm-up grading did not end well (see above); run_autograder will say why" >&2
rm -rf "$handout"
