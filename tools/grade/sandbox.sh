#!/usr/bin/env bash
# sandbox.sh — one lesson of one submission, built and tested where it can harm
# nothing but its own folder (tools/grade/grade.sh runs it; docs/grading.md).
#
#   sandbox.sh outer SNAP RUN     (started by grade.sh inside `unshare --user
#                                  --map-root-user --mount`, as the sandbox user)
#   sandbox.sh inner SNAP RUN     (started by outer in namespaces of its own)
#
# SNAP is the instructor's tree with its build done (the snapshot, shared by every
# submission and never written); RUN is this run's folder: files/ (the student's
# files, at their paths in the tree), upper/ and work/ (the overlay's), tmp/.
# outer mounts an overlay on SNAP (writes go to RUN/upper, so the snapshot stays as
# it was), makes the paths in GRADE_RO read-only, then starts inner in a new user,
# mount, network and PID namespace: the overlay and the read-only mounts are then
# locked (a mount made in a more privileged namespace cannot be undone from a less
# privileged one, mount_namespaces(7)), the network is a loopback of its own (no
# route out), and every process left over dies with inner (PID 1 there).
# inner copies the student's files over the tree, rebuilds lessonNN_test (only what
# depends on those files recompiles), runs the lesson's tests and re-runs the
# failing ones once, each under prlimit (CPU s, address space, processes, file size)
# and timeout (wall time). It writes to RUN: build.log, build.rc, run1.xml,
# run2.xml (the re-run, when a test failed), ctest.log, limits.
# Environment: GRADE_LESSON (NN), GRADE_JOBS, GRADE_TIMEOUT (s of wall time for the
# build, and again for the tests), GRADE_RO (paths made read-only, ':'-separated).
set -u
mode=$1 snap=$2 run=$3
here=$(cd "$(dirname "$0")" && pwd)
say() { echo "sandbox: $*" >>"$run/sandbox.log"; }

case $mode in
  outer)
    if ! mount -t overlay overlay -o "lowerdir=$snap,upperdir=$run/upper,workdir=$run/work" "$snap" \
      2>>"$run/sandbox.log"; then
      say "cannot mount an overlay on the snapshot (overlayfs in a user namespace needs Linux 5.11)"
      exit 97
    fi
    IFS=: read -r -a ro <<<"${GRADE_RO:-}"
    for p in "${ro[@]}"; do
      [ -n "$p" ] && [ -d "$p" ] || continue
      mount --rbind "$p" "$p" 2>>"$run/sandbox.log" && mount -o remount,bind,ro "$p" 2>>"$run/sandbox.log" ||
        say "could not make $p read-only"
    done
    exec unshare --user --map-root-user --mount --net --pid --fork --kill-child \
      bash "$here/sandbox.sh" inner "$snap" "$run"
    ;;
  inner) ;;
  *) echo "usage: sandbox.sh outer|inner SNAP RUN" >&2; exit 2 ;;
esac

# --- inner: the student's code runs from here on -------------------------------
if ! ip link set lo up 2>>"$run/sandbox.log"; then
  say "cannot bring up the loopback of the sandbox's network namespace (is iproute2 installed?)"
  exit 97
fi
lesson=$GRADE_LESSON
if [ "$lesson" = probe ]; then  # grade.sh's question: can the sandbox be made here?
  touch "$snap/build/.grade-probe" 2>>"$run/sandbox.log" || { say "cannot write through the overlay on the snapshot"; exit 97; }
  exit 0
fi
jobs=${GRADE_JOBS:-2}
wall=${GRADE_TIMEOUT:-600}
# The limits (prlimit(1), setrlimit(2)): CPU seconds per process, address space per
# process (the compiler needs ~1.5 GB), processes and threads of the sandbox user,
# the largest file a process may write.
limits="--cpu=${GRADE_CPU:-300} --as=${GRADE_AS:-4294967296} --nproc=${GRADE_NPROC:-1024} --fsize=${GRADE_FSIZE:-1073741824}"
echo "$limits wall=${wall}s" >"$run/limits"
# shellcheck disable=SC2086
limited() { timeout -k 5 "$wall" prlimit $limits -- "$@"; }

mkdir -p "$run/tmp"
export TMPDIR="$run/tmp" HOME="$run/tmp"
# The student's files over the instructor's: a new mtime, so that the build sees them.
(cd "$run/files" && find . -type f) | while IFS= read -r f; do
  cp "$run/files/$f" "$snap/$f"
done
cd "$snap"
limited cmake --build build --target "lesson${lesson}_test" -j "$jobs" >"$run/build.log" 2>&1
rc=$?
echo "$rc" >"$run/build.rc"
[ "$rc" -eq 0 ] || exit 0
limited ctest --test-dir build -L "^lesson${lesson}\$" -j "$jobs" --timeout 60 \
  --output-junit "$run/run1.xml" >"$run/ctest.log" 2>&1 </dev/null
if [ $? -ne 0 ] && [ -s build/Testing/Temporary/LastTestsFailed.log ]; then
  # Each failing test once more: one that passes now is flaky (counted as passed, listed).
  limited ctest --test-dir build --rerun-failed -j "$jobs" --timeout 60 \
    --output-junit "$run/run2.xml" >>"$run/ctest.log" 2>&1 </dev/null
fi
exit 0
