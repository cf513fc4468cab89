# bench/c100k.sh — lesson 11's C100K mode, sourced by bench/run.sh --c100k:
# epoll_echo_server holds C100K_CLIENTS idle connections while one active client's echoes
# are timed. Reports the server's RSS delta per connection (user space, summed over its
# worker processes), kernel memory per socket (slab; the caches that grew), and the p99.
#
# One process may hold only RLIMIT_NOFILE descriptors (its hard limit, without
# CAP_SYS_RESOURCE). Where that is below N, both sides use several processes:
#   the server:  epoll_echo_server --workers W (SO_REUSEPORT: one listener per worker);
#   the clients: P c100k_clients, each below the limit, each from its own source addresses
#                (127.0.0.2 + ...): one address has only the ip_local_port_range ports.
# --c100k-workers W sets W (1: the one-process mode, for machines whose limit allows it).
n=$C100K_CLIENTS
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=1048576
# What one process may hold, leaving room for its other descriptors and the kernel's hash.
per_process=$((hard - 2000))
[ "$per_process" -gt 1000 ] || { echo "bench: c100k: RLIMIT_NOFILE hard limit $hard is too low" >&2; exit 1; }
if [ -z "$C100K_WORKERS" ]; then
  C100K_WORKERS=$(( (n + per_process - 1) / per_process ))
fi
w=$C100K_WORKERS
if [ $(( (n + w - 1) / w )) -gt "$per_process" ]; then
  echo "bench: c100k: $n connections over $w server process(es) is $(( (n + w - 1) / w )) each;" \
    "RLIMIT_NOFILE's hard limit is $hard: use --c100k-workers $(( (n + per_process - 1) / per_process ))" \
    "or more (or raise it: ulimit -Hn, as root)" >&2
  exit 1
fi
ulimit -n "$hard" 2>/dev/null || true
procs=$(( (n + per_process - 1) / per_process ))  # client processes holding connections
per_client=$(( (n + procs - 1) / procs ))
# (not `read <file`: dash reads a byte at a time, and a sysctl file answers only the first)
port_lo=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range)
port_hi=$(awk '{ print $2 }' /proc/sys/net/ipv4/ip_local_port_range)
ports=$((port_hi - port_lo + 1))
# bind(port 0) takes odd ports first (even ones are left for connect(), Linux 4.6) and scans
# further as they run out: keep each source address below half of its range.
usable=$((ports * 45 / 100))
spp=$(( (per_client + usable - 1) / usable ))  # source addresses per client process
# --sources K: at least K source addresses in all
[ -z "$SOURCES" ] || [ "$spp" -ge $(( (SOURCES + procs - 1) / procs )) ] || spp=$(( (SOURCES + procs - 1) / procs ))
file_max=$(cat /proc/sys/fs/file-max)
files_in_use=$(cut -f1 /proc/sys/fs/file-nr)
echo
echo "bench: C100K — epoll_echo_server holding $n idle connections"
echo "  limits: RLIMIT_NOFILE hard $hard per process -> $w server process(es) (--workers $w)," \
  "$procs client process(es) of up to $per_client connections"
echo "  ports: ip_local_port_range $port_lo-$port_hi = $ports per source address x" \
  "$((procs * spp)) sources = $((ports * procs * spp)) (need $n)"
echo "  files: fs.file-max $file_max, in use now $files_in_use, this run adds $((2 * n))" \
  "(both ends); fs.nr_open $(cat /proc/sys/fs/nr_open)"
if [ -r /proc/sys/net/netfilter/nf_conntrack_count ]; then
  echo "  conntrack: $(cat /proc/sys/net/netfilter/nf_conntrack_count) of" \
    "$(cat /proc/sys/net/netfilter/nf_conntrack_max) entries in use (loaded)"
fi
if [ $((files_in_use + 2 * n + 1000)) -gt "$file_max" ]; then
  echo "bench: c100k: $((2 * n)) more open files would pass fs.file-max ($file_max)" >&2
  exit 1
fi

if [ "$w" -gt 1 ]; then start_server epoll_echo_server --workers "$w"; else start_server epoll_echo_server; fi
# The processes that serve: the workers (children of the parent), or the server itself.
serving() {
  if [ "$w" -gt 1 ]; then cat "/proc/$server_pid/task/$server_pid/children"; else echo "$server_pid"; fi
}
i=0
until [ "$(serving | wc -w)" -ge "$w" ] || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.05; done
rss_sum() {
  t=0
  for p in $(serving); do t=$((t + $(awk '/VmRSS/ { print $2 }' "/proc/$p/status"))); done
  echo "$t"
}
fds_sum() {
  t=0
  for p in $(serving); do t=$((t + $(ls "/proc/$p/fd" | wc -l))); done
  echo "$t"
}
slab() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
avail() { awk '/^MemFree:/ { print $2 }' /proc/meminfo; }
tcp_mem() { awk '/^TCP:/ { for (i = 1; i < NF; i++) if ($i == "mem") print $(i + 1) }' /proc/net/sockstat; }
slabinfo() { [ -r /proc/slabinfo ] && awk 'NR > 2 { printf "%s %.0f\n", $1, $3 * $4 }' /proc/slabinfo; }
rss_before=$(rss_sum) mem_before=$(tcp_mem) slab_before=$(slab) avail_before=$(avail)
slabinfo >"$tmp/slab.before"
mkfifo "$tmp/hold"
start_ns=$(date +%s%N)
holders=""
k=0
while [ $k -lt "$procs" ]; do
  count=$per_client
  [ $(( (k + 1) * per_client )) -gt "$n" ] && count=$((n - k * per_client))
  "$BIN/c100k_clients" --port "$port" --clients "$count" --sources "$spp" \
    --first-source $((k * spp)) --pings 0 <"$tmp/hold" >"$tmp/c100k.$k.out" 2>&1 &
  holders="$holders $!"
  k=$((k + 1))
done
idle_pid=$holders  # (run.sh's cleanup kills them on an early exit)
exec 3>"$tmp/hold"  # the clients hold their connections until this closes
i=0
while [ "$(cat "$tmp"/c100k.*.out 2>/dev/null | grep -c '^holding')" -lt "$procs" ] && [ $i -lt 3000 ]; do
  for p in $holders; do
    kill -0 "$p" 2>/dev/null || { echo "bench: c100k_clients failed:" >&2; cat "$tmp"/c100k.*.out >&2; exit 1; }
  done
  i=$((i + 1)); sleep 0.1
done
held_ns=$(date +%s%N)
"$BIN/c100k_clients" --port "$port" --clients 0 --pings 2000 </dev/null >"$tmp/active.out" 2>&1 ||
  { echo "bench: the active client failed:" >&2; cat "$tmp/active.out" >&2; exit 1; }
rss_held=$(rss_sum) mem_held=$(tcp_mem) slab_held=$(slab) avail_held=$(avail)
slabinfo >"$tmp/slab.held"
fds=$(fds_sum)  # after the slab: listing /proc/PID/fd makes an inode and a dentry per entry
sockstat=$(grep '^TCP:' /proc/net/sockstat)
conntrack=""
[ -r /proc/sys/net/netfilter/nf_conntrack_count ] && conntrack=$(cat /proc/sys/net/netfilter/nf_conntrack_count)
exec 3>&-
for p in $holders; do wait "$p" || { echo "bench: c100k_clients failed:" >&2; cat "$tmp"/c100k.*.out >&2; exit 1; }; done
idle_pid=""
cat "$tmp"/c100k.*.out | awk '/^connected/ { n += $2; p++; if ($5 > t) t = $5 }
  END { printf "  c100k_clients: %d process(es) connected %d clients, the slowest in %d ms\n", p, n, t }'
echo "  all $n connected and held after $(( (held_ns - start_ns) / 1000000 )) ms"
sed -n "s/^active/  c100k_clients: active/p" "$tmp/active.out"
stop_server
per=$(( (rss_held - rss_before) * 1024 / n ))
echo "  server: $w process(es), $fds descriptors open while holding; RSS (sum) ${rss_before} KiB ->" \
  "${rss_held} KiB: $per bytes per connection (user space; target < 1024)"
echo "  kernel TCP buffer memory (sockstat 'mem', both ends): ${mem_before} -> ${mem_held} pages;" \
  "while holding: $sockstat"
echo "  kernel slab (meminfo, whole machine, both ends): ${slab_before} -> ${slab_held} KiB:" \
  "about $(( (slab_held - slab_before) * 1024 / (2 * n) )) bytes per socket"
if [ -s "$tmp/slab.before" ]; then
  echo "  the slab caches that grew most (/proc/slabinfo; bytes per socket, both ends: $((2 * n)) sockets):"
  awk 'NR == FNR { b[$1] = $2; next } { d = $2 - b[$1]; if (d > 0) printf "%.0f %s\n", d, $1 }' \
    "$tmp/slab.before" "$tmp/slab.held" | sort -rn >"$tmp/slab.grew"
  head -8 "$tmp/slab.grew" | awk -v s=$((2 * n)) '{ printf "    %-24s %6.0f\n", $2, $1 / s }'
  # proc_inode_cache is not a socket's: it grows when something lists /proc/PID/fd of the
  # processes (one inode per descriptor listed, freed with the descriptor).
  awk -v s=$((2 * n)) '$2 != "proc_inode_cache" { t += $1 } $2 == "proc_inode_cache" { p = $1 }
    END { printf "    all caches but proc_inode_cache: %.0f bytes per socket (proc_inode_cache: %.0f)\n", t / s, p / s }' \
    "$tmp/slab.grew"
fi
echo "  MemFree (whole machine, shared with other jobs): ${avail_before} -> ${avail_held} KiB:" \
  "$(( (avail_before - avail_held) / 1024 )) MiB taken while holding $n connections (both ends, clients too)"
[ -n "$conntrack" ] && echo "  conntrack entries while holding: $conntrack"
p99=$(sed -n 's/.* p99 \([0-9.]*\) ms.*/\1/p' "$tmp/active.out")
echo "  targets: RSS/N < 1 KB: $([ "$per" -lt 1024 ] && echo yes || echo NO);" \
  "active p99 < 5 ms: $(awk -v p="${p99:-999}" 'BEGIN { print (p < 5) ? "yes" : "NO" }')"
echo "bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
