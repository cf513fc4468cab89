#!/usr/bin/env sh
# hold-10k.sh — lesson 08's capacity check, outside the test suite: start
# poll_echo_server, open N idle connections to it with idle_clients, look at
# the server (one thread, N+ descriptors) while they are held, then check that
# every connection still echoes. Usage: scripts/hold-10k.sh [BUILD/bin] [N]
set -eu
BIN=${1:-build/bin}
N=${2:-10000}
tmp=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$BIN/poll_echo_server" --port 0 >"$tmp/server.out" 2>&1 &
server_pid=$!
i=0
until [ -s "$tmp/server.out" ] || [ $i -ge 100 ]; do i=$((i + 1)); sleep 0.1; done
port=$(head -1 "$tmp/server.out" | sed 's/.*://')
echo "server: $(head -1 "$tmp/server.out") (pid $server_pid)"

"$BIN/idle_clients" --port "$port" --clients "$N" --hold-ms 4000 &
client_pid=$!
# While the connections are held, ask the kernel about the server (Linux /proc).
sleep 2
if [ -r "/proc/$server_pid/status" ]; then
  echo "server while holding: $(grep Threads "/proc/$server_pid/status" | tr -s '\t ' ' '), \
$(ls "/proc/$server_pid/fd" | wc -l) open descriptors, \
$(grep VmRSS "/proc/$server_pid/status" | tr -s '\t ' ' ')"
fi
wait "$client_pid"
