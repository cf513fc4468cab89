#!/usr/bin/env sh
# bench/run.sh — the benchmark behind `make bench`: loadgen against the lesson
# servers and two reference servers, each case several times, interleaved, then
# a table of medians with every server's ratio to the epoll reference measured
# in the same run. A benchmark, not a test: the numbers depend on the machine.
#
#   sh bench/run.sh BUILD/bin [--reps 3] [--duration 2] [--warmup 0.5] [--idle 10000] [--smoke]
#                   [--servers "poll epoll"] [--workloads "100x64 1000x64"]   (subsets; --idle 0: none)
#
# Servers:   iterative  lesson 01 echo_server        (one client at a time)
#            threads    lesson 07 thread_server      (if built)
#            poll       lesson 08 poll_echo_server   (one thread, poll())
#            epoll      bench/epoll_echo.c           (the reference: plain C, epoll)
#            asio       bench/asio_echo.cpp          (if Asio was found)
# Workloads: 1x64 100x64 1x64K 1000x64 (not iterative) connect (connect/close rate)
# Then: poll_echo_server holding --idle idle connections (memory per connection).
# Then (lesson 11) the C10K table: 10 active connections ping-pong 64 bytes while
# 0, 1,000 and 10,000 idle ones are held (--c10k-idle "0 1000 10000"), for poll,
# the C epoll reference with one loop and with two (epoll2: --threads 2, SO_REUSEPORT;
# epollh: --threads 2 --handoff, the reactor's own shape), lesson 11's epoll_echo_server and reactor_server --threads 2,
# and Asio: req/s and the server's CPU time per request. --c10k-only: just that table;
# --no-c10k: without it. --calls: then each C10K server's system calls per request,
# counted by strace -f -c in a 1-s run of its own at 0 idle connections.
#   sh bench/run.sh BUILD/bin --c100k [--c100k-clients 100000] [--c100k-workers W] [--sources K]
# is a separate mode: epoll_echo_server holding 100,000 idle connections (RSS per
# connection, kernel memory, an active client's p99). Past one process's RLIMIT_NOFILE,
# W worker processes (--workers, SO_REUSEPORT; default: enough for the hard limit) and as
# many client processes, each from its own source addresses. docs/lessons/11-epoll.md.
set -eu
BIN=${1:?usage: bench/run.sh BUILD/bin [options]}
shift
REPS=3 DURATION=2 WARMUP=0.5 IDLE=10000 SMOKE=0 ONLY_SERVERS=""
C10K=1 C10K_ONLY=0 C10K_IDLE="0 1000 10000" C100K=0 C100K_CLIENTS=100000 SOURCES=""
C100K_WORKERS="" CALLS=0
WORKLOADS="1x64 100x64 1x64K 1000x64 connect"
while [ $# -gt 0 ]; do
  case $1 in
    --reps) REPS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --idle) IDLE=$2; shift 2 ;;
    --smoke) SMOKE=1; REPS=1; DURATION=0.3; WARMUP=0.1; IDLE=200; C10K_IDLE="0 200"; shift ;;
    --c10k-only) C10K_ONLY=1; shift ;;
    --no-c10k) C10K=0; shift ;;
    --c10k-idle) C10K_IDLE=$2; shift 2 ;;
    --calls) CALLS=1; shift ;;
    --c100k) C100K=1; shift ;;
    --c100k-clients) C100K_CLIENTS=$2; shift 2 ;;
    --c100k-workers) C100K_WORKERS=$2; shift 2 ;;
    --sources) SOURCES=$2; shift 2 ;;
    --servers) ONLY_SERVERS=$2; shift 2 ;;
    --workloads) WORKLOADS=$2; shift 2 ;;
    *) echo "bench: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ "$CALLS" = 1 ] && ! command -v strace >/dev/null 2>&1; then
  echo "bench: --calls counts system calls with strace, which is not installed (apt-get install strace)" >&2
  exit 2
fi

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  # shellcheck disable=SC2086  # (c100k: several client processes)
  [ -n "${idle_pid:-}" ] && kill $idle_pid 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
# 1000 connections on each side, and --idle of them: raise the descriptor limit
# (root may raise the hard limit too; otherwise up to the hard limit).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

SERVERS=""
add_server() {
  if [ -n "$ONLY_SERVERS" ] && ! echo " $ONLY_SERVERS " | grep -q " $1 "; then return; fi
  [ -x "$BIN/$2" ] && SERVERS="$SERVERS $1:$2" || echo "bench: $2 not built: '$1' left out"
}
add_server iterative echo_server
add_server threads thread_server
add_server poll poll_echo_server
add_server epoll epoll_echo
add_server asio asio_echo

# start_server PROGRAM: starts it on a free port; sets server_pid and port.
starts=0
start_server() {
  starts=$((starts + 1))
  out="$tmp/server.$starts.out"  # a new file each time: no stale first line to read
  prog=$1
  shift
  "$BIN/$prog" --port 0 "$@" >"$out" 2>&1 &
  server_pid=$!
  i=0
  until grep -q '^listening on' "$out" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt 100 ] && { echo "bench: $prog did not start" >&2; cat "$out" >&2; exit 1; }
    sleep 0.05
  done
  port=$(sed -n '1s/.*://p' "$out")
}
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  rm -f "$out"
}

HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
# utime + stime of a process (all its threads), in clock ticks (/proc/PID/stat fields 14, 15).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

echo "bench: $(nproc) cores, reps $REPS, ${DURATION} s per case after ${WARMUP} s warm-up"
echo "bench: client and server share the same cores; numbers are relative, not absolute"
echo "bench: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$C100K" = 1 ] && { . "$(dirname "$0")/c100k.sh"; exit $?; }
[ "$C10K_ONLY" = 1 ] && { . "$(dirname "$0")/c10k.sh"; exit $?; }
: >"$tmp/results"
rep=1
while [ $rep -le "$REPS" ]; do
  for w in $WORKLOADS; do
    case $w in
      1x64) opts="--connections 1 --size 64" ;;
      100x64) opts="--connections 100 --size 64" ;;
      1x64K) opts="--connections 1 --size 65536" ;;
      1000x64) opts="--connections 1000 --size 64" ;;
      connect) opts="--mode connect --connections 1 --size 64" ;;
    esac
    for s in $SERVERS; do
      name=${s%%:*} prog=${s#*:}
      [ "$name" = iterative ] && [ "$w" = 1000x64 ] && continue
      verify=""
      case $name in poll | epoll | asio) verify="--verify" ;; esac  # pure echo servers
      start_server "$prog"
      # shellcheck disable=SC2086
      "$BIN/loadgen" --port "$port" $opts --duration "$DURATION" --warmup "$WARMUP" \
        $verify --tsv >"$tmp/loadgen.out" 2>"$tmp/loadgen.err" &
      loadgen_pid=$!
      # The server's CPU time over (about) the measured window: from the end of
      # the warm-up until loadgen ends (the server is idle after that).
      sleep "$WARMUP"
      cpu_before=$(cpu_ticks "$server_pid")
      wait "$loadgen_pid" || true
      cpu_after=$(cpu_ticks "$server_pid")
      line=$(tail -1 "$tmp/loadgen.out")
      [ -n "$line" ] || line="$(tail -1 "$tmp/loadgen.err")"
      stop_server
      # CPU microseconds per request = ticks * 1e6 / CLK_TCK / (req/s * duration)
      cpu_us=$(echo "$line" | awk -F'\t' -v t=$((cpu_after - cpu_before)) -v hz="$HZ" -v d="$DURATION" \
        'NF >= 8 && $1 > 0 { printf "%.2f", t * 1e6 / hz / ($1 * d); exit } { print "-"; exit }')
      printf '%s\t%s\t%s\t%s\t%s\n' "$rep" "$w" "$name" "$line" "$cpu_us" >>"$tmp/results"
      printf '  run %s %-8s %-9s %s\t%s\n' "$rep" "$w" "$name" "$line" "$cpu_us"
    done
  done
  rep=$((rep + 1))
done

# The table: medians per (workload, server), ratio of req/s to epoll's median.
echo
awk -F'\t' -v workloads="$WORKLOADS" -v servers="$SERVERS" '
function median(key,   n, i, j, t, a) {
  n = split(vals[key], a, " ")
  for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
  return n == 0 ? "" : (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
}
NF >= 11 {
  k = $2 SUBSEP $3
  for (c = 4; c <= 8; c++) vals[k, c] = vals[k, c] " " $c
  if ($12 != "-" && $12 != "") vals[k, 12] = vals[k, 12] " " $12
  slow[k] += $9; errors[k] += $10; silent[k] += $11; seen[k] = 1
}
END {
  nw = split(workloads, W, " "); ns = split(servers, S, " ")
  printf "%-8s %-9s %10s %9s %9s %9s %9s %6s %6s %6s %7s %7s\n", "workload", "server", "req/s", "MB/s", "p50 ms", "p99 ms", "max ms", "slow", "errors", "silent", "x epoll", "cpu us"
  for (i = 1; i <= nw; i++) {
    ref = median(W[i] SUBSEP "epoll" SUBSEP 4)
    for (j = 1; j <= ns; j++) {
      name = S[j]; sub(/:.*/, "", name); k = W[i] SUBSEP name
      if (!seen[k]) continue
      rps = median(k SUBSEP 4)
      ratio = (ref + 0 > 0) ? sprintf("%.2f", rps / ref) : "-"
      cpu = median(k SUBSEP 12)
      printf "%-8s %-9s %10.0f %9.2f %9.3f %9.3f %9.3f %6d %6d %6d %7s %7s\n", W[i], name, rps, median(k SUBSEP 5), median(k SUBSEP 6) / 1000, median(k SUBSEP 7) / 1000, median(k SUBSEP 8) / 1000, slow[k], errors[k], silent[k], ratio, cpu == "" ? "-" : sprintf("%.2f", cpu)
    }
  }
  print ""
  print "req/s, MB/s, latency: medians over the runs; slow (replies >= 40 ms), errors, silent"
  print "(connections never answered): summed over the runs; x epoll: median req/s / epoll median req/s;"
  print "cpu us: CPU time of the server (user + system, all its threads) per request, median"
}' "$tmp/results"

if [ "$IDLE" -gt 0 ]; then
# Lesson 08 holding IDLE idle connections: the server's memory per connection.
echo
echo "bench: poll_echo_server holding $IDLE idle connections"
start_server poll_echo_server
rss() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
slab() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
tcp_mem() { awk '/^TCP:/ { for (i = 1; i < NF; i++) if ($i == "mem") print $(i + 1) }' /proc/net/sockstat; }
rss_before=$(rss "$server_pid") mem_before=$(tcp_mem) slab_before=$(slab)
"$BIN/idle_clients" --port "$port" --clients "$IDLE" --hold-ms 2000 >"$tmp/idle.out" 2>&1 &
idle_pid=$!
i=0
until grep -q '^connected' "$tmp/idle.out" 2>/dev/null || [ $i -gt 600 ]; do i=$((i + 1)); sleep 0.1; done
sleep 1  # let the server's accept loop catch up with the last handshakes
fds=$(ls "/proc/$server_pid/fd" | wc -l)
rss_held=$(rss "$server_pid") mem_held=$(tcp_mem) slab_held=$(slab)
if wait "$idle_pid"; then idle_ok=yes; else idle_ok=no; fi
sed 's/^/  idle_clients: /' "$tmp/idle.out"
stop_server
echo "  server: $fds descriptors open while holding; RSS ${rss_before} KiB -> ${rss_held} KiB:" \
  "$(( (rss_held - rss_before) * 1024 / IDLE )) bytes per connection (user space)"
echo "  kernel TCP buffer memory (sockstat 'mem', both ends): ${mem_before} -> ${mem_held} pages"
echo "  kernel slab (meminfo, whole machine, both ends): ${slab_before} -> ${slab_held} KiB:" \
  "about $(( (slab_held - slab_before) * 1024 / (2 * IDLE) )) bytes per socket"

echo "  every connection still echoed: $idle_ok"
[ "$idle_ok" = yes ] || exit 1
fi
[ "$C10K" = 1 ] || exit 0
. "$(dirname "$0")/c10k.sh"
