#!/usr/bin/env sh
# fuzz.sh BUILD_DIR SECONDS [TARGET...] — build the libFuzzer targets with clang
# and run each for SECONDS (all of tests/fuzz/corpus/* when no TARGET is given).
#
# New inputs go to BUILD_DIR/corpus/NAME (the checked-in seeds in
# tests/fuzz/corpus/NAME are read, never written). A crash leaves its input in
# BUILD_DIR/artifacts/ and fails: fix the bug, then copy the input into
# tests/fuzz/corpus/NAME/ so that `ctest -L fuzz` replays it in every build.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
seconds=${2:-60}
shift 2 2>/dev/null || shift $#
targets=${*:-$(ls tests/fuzz/corpus)}

sh scripts/install-deps.sh clang libclang-rt-dev
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DSOCKLAB_FUZZ=ON \
        -DSOCKLAB_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build" --target fuzzers -j "${JOBS:-2}"

mkdir -p "$build/artifacts"
failed=""
for t in $targets; do
  mkdir -p "$build/corpus/$t"
  echo "fuzz: $t for ${seconds}s"
  # -close_fd_mask=1: the target's stdout (e.g. --help text) is not shown.
  if ! "$build/bin/fuzz_$t" -max_total_time="$seconds" -timeout=10 -close_fd_mask=1 \
        -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
        "$build/corpus/$t" "tests/fuzz/corpus/$t" 2>"$build/fuzz-$t.log"; then
    tail -n 30 "$build/fuzz-$t.log" >&2
    failed="$failed $t"
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$build/fuzz-$t.log" |
      tr '\n' ' ' | sed 's/^/  /; s/$/\n/'
  fi
done
if [ -n "$failed" ]; then
  echo "fuzz: FAILED:$failed (inputs in $build/artifacts/; see docs/reliability.md)" >&2
  exit 1
fi
echo "fuzz: all targets ran ${seconds}s without a finding"
