#!/usr/bin/env bash
# sandbox.sh — one lesson of one submission, built and tested where it can harm
# nothing but its own scratch space (tools/grade/grade.sh runs it; docs/grading.md).
#
#   sandbox.sh outer SNAP RUN     (started by grade.sh inside `unshare --user
#                                  --map-root-user --mount`, as the sandbox user)
#   sandbox.sh inner SNAP RUN     (started by outer in namespaces of its own)
#
# SNAP is the instructor's tree with its build done (the snapshot, shared by every
# submission and never written); RUN is this run's folder in the cache: RUN/files
# holds the student's files at their paths in the tree, RUN/box is an empty folder.
#
# outer mounts a tmpfs of GRADE_DISK bytes on RUN/box (the scratch: everything the
# submission may write, on no disk, gone when the run ends), an overlay on SNAP whose
# writes go there, a private /tmp, /var/tmp, /dev/shm and /run there (the folders the
# sandbox needs under /tmp or /var/tmp, the cache, are bound back in), makes the
# paths in GRADE_RO and the cache read-only, then starts inner in a new user, mount,
# network and PID namespace with a /proc of its own: the mounts are then locked (a
# mount made in a more privileged namespace cannot be undone from a less privileged
# one, mount_namespaces(7)), the network is a loopback of its own (no route out),
# and every process left over dies with inner (PID 1 there). When inner has ended,
# outer looks at what the run left (a file at the file-size limit, a full scratch)
# and writes its files to stdout as a tar stream (each cut at GRADE_LOG_MAX bytes):
# nothing of the submission's reaches the disk except through that stream.
# inner copies the student's files over the tree, rebuilds lessonNN_test (only what
# depends on those files recompiles), runs the lesson's tests and re-runs the
# failing ones once, each under prlimit (CPU s, address space, processes, file size)
# and timeout (wall time), while a watcher notes when the processes and threads
# reach the limit. The files shipped: build.log, build.rc, run1.xml, run2.xml (the
# re-run, when a test failed), ctest.log, limits, hits (the limits reached, one
# line each), sandbox.log, and failures/Suite.Test.html (the flight recorder's
# ladders of the tests that failed).
# Environment: GRADE_LESSON (NN), GRADE_JOBS, GRADE_TIMEOUT (s of wall time for the
# build, and again for the tests), GRADE_TEST_TIMEOUT (s a test may run, 60),
# GRADE_CPU, GRADE_AS, GRADE_NPROC, GRADE_FSIZE, GRADE_DISK (the limits),
# GRADE_RO (paths made read-only, ':'-separated), GRADE_CACHE_DIR (the cache).
set -u
mode=$1 snap=$2 run=$3
here=$(cd "$(dirname "$0")" && pwd)
box=$run/box
cpu=${GRADE_CPU:-300} as=${GRADE_AS:-4294967296} nproc=${GRADE_NPROC:-1024}
fsize=${GRADE_FSIZE:-1073741824} disk=${GRADE_DISK:-4294967296}
wall=${GRADE_TIMEOUT:-600} test_wall=${GRADE_TEST_TIMEOUT:-60}

case $mode in
  outer)
    say() { echo "sandbox: $*" >&2; }
    if ! mount -t tmpfs -o "size=$disk,mode=0755" grade-box "$box"; then
      say "cannot mount a tmpfs for the run's scratch (user namespaces without tmpfs?)"
      exit 97
    fi
    mkdir -p "$box/upper" "$box/work" "$box/tmp" "$box/var-tmp" "$box/shm" "$box/run/lock" "$box/out" "$box/ship"
    chmod 1777 "$box/tmp" "$box/var-tmp" "$box/shm" "$box/run/lock"
    # The logs and JUnit files on a tmpfs of their own: a run that fills its scratch
    # still says what its tests did.
    max=${GRADE_LOG_MAX:-16777216}
    mount -t tmpfs -o "size=$((9 * max + 1048576)),mode=0755" grade-out "$box/out" || { say "cannot mount a tmpfs for the logs"; exit 97; }
    if ! mount -t overlay overlay -o "lowerdir=$snap,upperdir=$box/upper,workdir=$box/work" "$snap"; then
      say "cannot mount an overlay on the snapshot (overlayfs in a user namespace needs Linux 5.11)"
      exit 97
    fi
    cache=${GRADE_CACHE_DIR:-$(dirname "$snap")}
    # private DIR NEW: NEW (in the scratch) becomes DIR; the cache, if it is under DIR,
    # is bound back at its path (with the overlay and the scratch mounted in it).
    private() {
      case $cache/ in
        "$1"/*) mkdir -p "$2/${cache#"$1"/}" && mount --rbind "$cache" "$2/${cache#"$1"/}" || return 1 ;;
      esac
      mount --rbind "$2" "$1"
    }
    # /run too: the lab lessons' `ip netns add` (run as the sandbox's root) pins its
    # namespaces in /run/netns, which the real root owns (ip-netns(8)).
    for pair in /tmp:tmp /var/tmp:var-tmp /dev/shm:shm /run:run; do
      d=${pair%%:*}
      [ -d "$d" ] || continue
      private "$d" "$box/${pair#*:}" || { say "cannot make a private $d"; exit 97; }
    done
    # Read-only: the instructor's tree, OUT, HOME (when still visible) and the cache (the
    # map, the other runs); the overlay and the scratch inside it stay writable.
    IFS=: read -r -a ro <<<"${GRADE_RO:-}:$cache"
    for p in "${ro[@]}"; do
      [ -n "$p" ] && [ -d "$p" ] || continue
      mount --rbind "$p" "$p" && mount -o remount,bind,ro "$p" || { say "cannot make $p read-only"; exit 97; }
    done
    unshare --user --map-root-user --mount --net --pid --fork --kill-child --mount-proc \
      bash "$here/sandbox.sh" inner "$snap" "$run" 2>>"$box/out/sandbox.log"
    rc=$?
    # Every process of the run is gone (PID 1 of its namespace has ended). What is shipped
    # goes to a tmpfs of its own (the scratch may be full): the files, each cut and only
    # as a regular file (never a link the submission made), and the limits reached.
    mount -t tmpfs -o "size=$((9 * max + 1048576)),mode=0755" grade-ship "$box/ship" || { say "cannot mount the ship tmpfs"; exit 97; }
    for f in build.log build.rc run1.xml run2.xml ctest.log limits hits sandbox.log; do
      [ -f "$box/out/$f" ] && [ ! -L "$box/out/$f" ] || continue
      head -c "$max" <"$box/out/$f" >"$box/ship/$f"
    done
    # The flight recorder's ladders of the failing tests (BUILD/failures/Suite.Test.html,
    # docs/flight-recorder.md), written through the overlay into the scratch: at most
    # 16, each a regular file of at most 1 MiB with a plain name.
    mkdir "$box/ship/failures"
    find "$box/upper/build/failures" -maxdepth 1 -type f -name '*.html' -size -1025k 2>/dev/null |
      grep -E '/[A-Za-z0-9_.-]+\.html$' | LC_ALL=C sort | head -n 16 | while IFS= read -r f; do
      head -c 1048576 <"$f" >"$box/ship/failures/${f##*/}"
    done
    {
      big=$(find "$box/upper" "$box/tmp" "$box/var-tmp" "$box/shm" -xdev -type f -size +$((fsize / 1024 - 1))k 2>/dev/null | head -n 1)
      [ -z "$big" ] || echo "file size limit: a file reached $fsize bytes (GRADE_FSIZE): ${big#"$box"/}"
      free=$(df -k --output=avail "$box" 2>/dev/null | tail -n 1 | tr -d ' ')
      [ -z "$free" ] || [ "$free" -ge $((disk / 1024 / 20 + 64)) ] ||
        echo "disk limit: the run's files filled its $((disk / 1048576)) MiB (GRADE_DISK)"
    } >>"$box/ship/hits"
    tar -C "$box/ship" -cf - .
    exit "$rc"
    ;;
  inner) ;;
  *) echo "usage: sandbox.sh outer|inner SNAP RUN" >&2; exit 2 ;;
esac

# --- inner: the student's code runs from here on -------------------------------
out=$box/out
say() { echo "sandbox: $*" >>"$out/sandbox.log"; }
if ! ip link set lo up 2>>"$out/sandbox.log"; then
  say "cannot bring up the loopback of the sandbox's network namespace (is iproute2 installed?)"
  exit 97
fi
lesson=$GRADE_LESSON
if [ "$lesson" = probe ]; then  # grade.sh's question: can the sandbox be made here?
  touch "$snap/build/.grade-probe" 2>>"$out/sandbox.log" || { say "cannot write through the overlay on the snapshot"; exit 97; }
  exit 0
fi
jobs=${GRADE_JOBS:-2}
# The limits (prlimit(1), setrlimit(2)): CPU seconds per process, address space per
# process (the compiler needs ~1.5 GB), processes and threads of the run (counted in
# its user namespace, Linux 5.14 and later; per user before), the largest file a
# process may write; the scratch (GRADE_DISK) caps all files together.
limits="--cpu=$cpu --as=$as --nproc=$nproc --fsize=$fsize"
echo "$limits disk=$disk wall=${wall}s test=${test_wall}s" >"$out/limits"
# shellcheck disable=SC2086
limited() { timeout -k 5 "$wall" prlimit $limits -- "$@"; }
# The watcher: the run's threads (this /proc is the run's own) against the limit. The
# count the kernel checks also has the processes of this user namespace outside this
# PID namespace (unshare, the grader's wrappers), and a shell whose fork() failed has
# often exited by the time we look: within 8 of the limit counts as reaching it (a
# lesson's build and tests use about 15 at GRADE_JOBS=2; the default limit is 1024).
at_limit() {
  local t=(/proc/[0-9]*/task/[0-9]*)
  [ "${#t[@]}" -ge $((nproc - 8)) ] || return 1
  echo "process limit: the run reached $nproc processes and threads (GRADE_NPROC)" >>"$out/hits"
}
(while ! at_limit; do sleep 0.05; done) &
watcher=$!

export TMPDIR=/tmp HOME=/tmp
# The student's files over the instructor's: a new mtime, so that the build sees them.
(cd "$run/files" && find . -type f) | while IFS= read -r f; do
  cp "$run/files/$f" "$snap/$f"
done
cd "$snap" || { say "cannot enter the snapshot $snap"; exit 97; }
limited cmake --build build --target "lesson${lesson}_test" -j "$jobs" >"$out/build.log" 2>&1
rc=$?
echo "$rc" >"$out/build.rc"
[ "$rc" -eq 0 ] || exit 0
limited ctest --test-dir build -L "^lesson${lesson}\$" -j "$jobs" --timeout "$test_wall" \
  --test-output-size-passed 1048576 --output-junit "$out/run1.xml" >"$out/ctest.log" 2>&1 </dev/null
rc=$?
if [ "$rc" -ne 0 ] && [ -s build/Testing/Temporary/LastTestsFailed.log ]; then
  # Each failing test once more: one that passes now is flaky (counted as passed, listed).
  limited ctest --test-dir build --rerun-failed -j "$jobs" --timeout "$test_wall" \
    --test-output-size-passed 1048576 --output-junit "$out/run2.xml" >>"$out/ctest.log" 2>&1 </dev/null
fi
# Still there after the tests (a bomb's processes): the watcher may have missed it.
if kill "$watcher" 2>/dev/null && wait "$watcher" 2>/dev/null; [ ! -s "$out/hits" ]; then at_limit; fi
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "time limit: the lesson's tests were stopped after ${wall} s (GRADE_TIMEOUT)" >>"$out/hits"
elif grep -q '\*\*\*Timeout' "$out/ctest.log"; then
  echo "time limit: a test ran longer than ${test_wall} s and was stopped (GRADE_TEST_TIMEOUT)" >>"$out/hits"
fi
exit 0
