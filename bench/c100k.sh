# bench/c100k.sh — lesson 11's C100K mode, sourced by bench/run.sh --c100k:
# epoll_echo_server holds C100K_CLIENTS idle connections (c100k_clients spreads their
# source addresses over 127.0.0.2 ... so that no address runs out of ephemeral
# ports) while one active client's echoes are timed. Reports the server's RSS delta
# per connection (user space), kernel memory (sockstat, slab) and the p99.
n=$C100K_CLIENTS
need=$((n + 1000))
ulimit -n "$need" 2>/dev/null || ulimit -n 1048576 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
  echo "bench: c100k needs $need descriptors per process; RLIMIT_NOFILE is $(ulimit -n)" \
    "(as root: ulimit -Hn $need; or /etc/security/limits.conf)" >&2
  exit 1
fi
echo
echo "bench: C100K — epoll_echo_server holding $n idle connections from $SOURCES source addresses"
start_server epoll_echo_server
rss() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
slab() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
tcp_mem() { awk '/^TCP:/ { for (i = 1; i < NF; i++) if ($i == "mem") print $(i + 1) }' /proc/net/sockstat; }
rss_before=$(rss "$server_pid") mem_before=$(tcp_mem) slab_before=$(slab)
mkfifo "$tmp/hold"
"$BIN/c100k_clients" --port "$port" --clients "$n" --sources "$SOURCES" --pings 2000 \
  <"$tmp/hold" >"$tmp/c100k.out" 2>&1 &
idle_pid=$!
exec 3>"$tmp/hold"  # the client holds its connections until this closes
i=0
until grep -q '^holding' "$tmp/c100k.out" 2>/dev/null || [ $i -gt 3000 ] || ! kill -0 "$idle_pid" 2>/dev/null; do
  i=$((i + 1)); sleep 0.1
done
fds=$(ls "/proc/$server_pid/fd" | wc -l)
rss_held=$(rss "$server_pid") mem_held=$(tcp_mem) slab_held=$(slab)
exec 3>&-
wait "$idle_pid" || { echo "bench: c100k_clients failed:" >&2; cat "$tmp/c100k.out" >&2; exit 1; }
idle_pid=""
sed 's/^/  c100k_clients: /' "$tmp/c100k.out"
stop_server
per=$(( (rss_held - rss_before) * 1024 / n ))
echo "  server: $fds descriptors open while holding; RSS ${rss_before} KiB -> ${rss_held} KiB:" \
  "$per bytes per connection (user space; target < 1024)"
echo "  kernel TCP buffer memory (sockstat 'mem', both ends): ${mem_before} -> ${mem_held} pages"
echo "  kernel slab (meminfo, whole machine, both ends): ${slab_before} -> ${slab_held} KiB:" \
  "about $(( (slab_held - slab_before) * 1024 / (2 * n) )) bytes per socket"
p99=$(sed -n 's/.* p99 \([0-9.]*\) ms.*/\1/p' "$tmp/c100k.out")
echo "  targets: RSS/N < 1 KB: $([ "$per" -lt 1024 ] && echo yes || echo NO);" \
  "active p99 < 5 ms: $(awk -v p="${p99:-999}" 'BEGIN { print (p < 5) ? "yes" : "NO" }')"
echo "bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
