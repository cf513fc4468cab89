# bench/c10k.sh — lesson 11's C10K table, sourced by bench/run.sh (its variables,
# start_server, stop_server, cpu_ticks). 10 connections ping-pong 64 bytes (loadgen)
# while idle_clients holds N idle ones; the server's CPU time per request is read
# from /proc/PID/stat over the measured window. Each case REPS times, interleaved.
echo
echo "bench: C10K — 10 active connections (64 B ping-pong) beside N idle ones; idle: $C10K_IDLE"
C10K_SERVERS=""
add_c10k() {
  # --servers picks a subset here too; the C references stay (the ratios divide by them).
  case " $ONLY_SERVERS epoll epoll2 epollh " in *" $1 "*) ;; *) [ -z "$ONLY_SERVERS" ] || return 0 ;; esac
  [ -x "$BIN/$2" ] && C10K_SERVERS="$C10K_SERVERS $1:$2" || echo "bench: $2 not built: '$1' left out"
}
add_c10k epoll epoll_echo
add_c10k epoll2 epoll_echo  # the same C server with two loops (--threads 2, SO_REUSEPORT)
add_c10k epollh epoll_echo  # two loops fed by an accepting main thread (--threads 2 --handoff)
add_c10k poll poll_echo_server
add_c10k lesson11 epoll_echo_server
add_c10k reactor reactor_server
# lesson 14: the proactor (io_uring). Where io_uring is refused (kernel.io_uring_disabled,
# a container's seccomp profile) its one line says why, and the table goes on without it.
if [ -x "$BIN/uring_echo_server" ] &&
  ! timeout 1 "$BIN/uring_echo_server" --port 0 2>&1 | grep -q '^listening on'; then
  echo "bench: uring_echo_server cannot run here ($(timeout 1 "$BIN/uring_echo_server" --port 0 2>&1 | head -n 1)): 'uring' left out"
else
  add_c10k uring uring_echo_server
fi
add_c10k asio asio_echo
: >"$tmp/c10k"
hold_ms=$(awk -v w="$WARMUP" -v d="$DURATION" 'BEGIN { printf "%d", (w + d) * 1000 + 1500 }')
rep=1
while [ $rep -le "$REPS" ]; do
  for n in $C10K_IDLE; do
    for s in $C10K_SERVERS; do
      name=${s%%:*} prog=${s#*:}
      case $name in
        reactor | epoll2) start_server "$prog" --threads 2 ;;  # two loops each
        epollh) start_server "$prog" --threads 2 --handoff ;;  # reactor_server's shape
        *) start_server "$prog" ;;
      esac
      idle_ok=-
      if [ "$n" -gt 0 ]; then
        "$BIN/idle_clients" --port "$port" --clients "$n" --hold-ms "$hold_ms" >"$tmp/idle.out" 2>&1 &
        idle_pid=$!
        i=0
        until grep -q '^connected' "$tmp/idle.out" 2>/dev/null || [ $i -gt 600 ]; do i=$((i + 1)); sleep 0.1; done
      fi
      "$BIN/loadgen" --port "$port" --connections 10 --size 64 --duration "$DURATION" \
        --warmup "$WARMUP" --verify --tsv >"$tmp/loadgen.out" 2>"$tmp/loadgen.err" &
      loadgen_pid=$!
      sleep "$WARMUP"
      cpu_before=$(cpu_ticks "$server_pid")
      wait "$loadgen_pid" || true
      cpu_after=$(cpu_ticks "$server_pid")
      if [ "$n" -gt 0 ]; then
        if wait "$idle_pid"; then idle_ok=yes; else idle_ok=no; fi
        idle_pid=""
      fi
      line=$(tail -1 "$tmp/loadgen.out")
      [ -n "$line" ] || line="$(tail -1 "$tmp/loadgen.err")"
      stop_server
      cpu_us=$(echo "$line" | awk -F'\t' -v t=$((cpu_after - cpu_before)) -v hz="$HZ" -v d="$DURATION" \
        'NF >= 8 && $1 > 0 { printf "%.2f", t * 1e6 / hz / ($1 * d); exit } { print "-"; exit }')
      rps=$(echo "$line" | awk -F'\t' 'NF >= 8 { print $1; exit } { print 0 }')
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$n" "$name" "$rps" "$cpu_us" "$idle_ok" >>"$tmp/c10k"
      printf '  run %s idle %-6s %-9s %8s req/s %8s us/req  idle echoed: %s\n' "$rep" "$n" "$name" "$rps" "$cpu_us" "$idle_ok"
    done
  done
  rep=$((rep + 1))
done
echo
awk -F'\t' -v idles="$C10K_IDLE" -v servers="$C10K_SERVERS" '
function median(list,   n, i, j, t, a) {  # of a space-separated list of numbers
  n = split(list, a, " ")
  for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
  return n == 0 ? "" : (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
}
# A ratio is paired: in each round the two servers ran one after the other, so their
# ratio in that round sees the same machine; the column is the median of the rounds.
function ratio(idle, name, ref,   r, list) {
  list = ""
  for (r in rounds) if ((idle, name, r) in cpu && (idle, ref, r) in cpu && cpu[idle, ref, r] > 0)
    list = list " " cpu[idle, name, r] / cpu[idle, ref, r]
  return list == "" ? "-" : sprintf("%.2f", median(list))
}
{ k = $2 SUBSEP $3; rps[k] = rps[k] " " $4; rounds[$1] = 1
  if ($5 != "-") { cpus[k] = cpus[k] " " $5; cpu[$2, $3, $1] = $5 }
  if ($6 == "no") bad[k]++; seen[k] = 1 }
END {
  ni = split(idles, I, " "); ns = split(servers, S, " ")
  printf "%-6s %-9s %10s %9s %11s %12s %12s %10s %s\n", "idle", "server", "req/s", "cpu us", "cpu x epoll", "cpu x epoll2", "cpu x epollh", "cpu x asio", "idle lost"
  for (i = 1; i <= ni; i++) {
    for (j = 1; j <= ns; j++) {
      name = S[j]; sub(/:.*/, "", name); k = I[i] SUBSEP name
      if (!seen[k]) continue
      c = median(cpus[k])
      printf "%-6s %-9s %10.0f %9s %11s %12s %12s %10s %s\n", I[i], name, median(rps[k]), c == "" ? "-" : sprintf("%.2f", c),
        ratio(I[i], name, "epoll"), ratio(I[i], name, "epoll2"), ratio(I[i], name, "epollh"), ratio(I[i], name, "asio"), bad[k] + 0
    }
  }
  print ""
  print "req/s and cpu us (server CPU time, user + system, all threads, per request): medians over the runs;"
  print "cpu x epoll / x epoll2 / x epollh / x asio: this server'"'"'s cpu us / the C epoll reference'"'"'s (one loop) /"
  print "the same C server'"'"'s with two loops (--threads 2, SO_REUSEPORT: the kernel'"'"'s hash picks each connection'"'"'s loop) /"
  print "with two loops fed round-robin by an accepting main thread (--threads 2 --handoff: reactor_server'"'"'s shape) / Asio'"'"'s;"
  print "each ratio is the median over the rounds of that round'"'"'s ratio (the servers of a round run back to back);"
  print "idle lost: runs in which an idle connection did not get its echo afterwards"
}' "$tmp/c10k"
echo "bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# --calls: the system calls each server makes per request, counted, not assumed:
# strace -f -c runs the server (so it may trace it without ptrace rights over others)
# while loadgen makes 10 connections ping-pong 64 bytes for 1 s, no idle ones. strace
# stops the server at every call, so this run's req/s is not compared; a server slowed
# that way finds more ready at each epoll_wait / io_uring_enter, so those counts are if
# anything lower than without it. Startup and shutdown calls are counted too (a few
# dozen, against thousands of requests).
if [ "$CALLS" = 1 ]; then
echo
echo "bench: system calls per request (strace -f -c; 10 connections x 64 B, 1 s, no idle ones)"
printf '%-9s %9s %9s  %s\n' "server" "requests" "calls/req" "the most frequent calls, per request"
for s in $C10K_SERVERS; do
  name=${s%%:*} prog=${s#*:}
  case $name in
    reactor | epoll2) extra="--threads 2" ;;
    epollh) extra="--threads 2 --handoff" ;;
    *) extra="" ;;
  esac
  starts=$((starts + 1))
  out="$tmp/server.$starts.out"
  # shellcheck disable=SC2086  # (extra: several words)
  strace -f -c -o "$tmp/calls.$name" "$BIN/$prog" --port 0 $extra >"$out" 2>&1 &
  strace_pid=$!
  i=0
  until grep -q '^listening on' "$out" 2>/dev/null || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.05; done
  port=$(sed -n '/^listening on/{s/.*://p;q;}' "$out")
  # The server is strace's child: stop it (not strace), and strace writes its summary.
  server_pid=$(cat "/proc/$strace_pid/task/$strace_pid/children" 2>/dev/null | cut -d' ' -f1)
  if [ -z "$port" ] || [ -z "$server_pid" ]; then
    echo "bench: $prog did not start under strace: $(head -n 1 "$out")"
    kill "$strace_pid" 2>/dev/null || true
    wait "$strace_pid" 2>/dev/null || true
    continue
  fi
  line=$("$BIN/loadgen" --port "$port" --connections 10 --size 64 --duration 1 --warmup 0 --verify --tsv 2>&1 | tail -1)
  kill "$server_pid" 2>/dev/null || true
  wait "$strace_pid" 2>/dev/null || true
  server_pid=""
  requests=$(echo "$line" | awk -F'\t' 'NF >= 8 { printf "%d", $1; exit } { print 0 }')
  # strace -c: "% time seconds usecs/call calls errors syscall"; the total line last.
  awk -v req="$requests" -v name="$name" '
    # Each row: % time, seconds, usecs/call, calls, [errors,] syscall.
    $1 ~ /^[0-9.]+$/ && NF >= 5 { if ($NF == "total") total = $4; else n[$NF] = $4 }
    END {
      if (req <= 0) { printf "%-9s %9s %9s  %s\n", name, 0, "-", "(no request completed)"; exit }
      top = ""
      for (k = 0; k < 4; k++) {
        best = ""; for (c in n) if (best == "" || n[c] > n[best]) best = c
        if (best == "" || n[best] / req < 0.01) break
        top = top sprintf("%s %.2f  ", best, n[best] / req); delete n[best]
      }
      sub(/ +$/, "", top)
      printf "%-9s %9d %9.2f  %s\n", name, req, total / req, top
    }' "$tmp/calls.$name"
done
echo "(run by: sh bench/run.sh BUILD/bin --c10k-only --calls; docs/performance.md)"
fi
