#!/usr/bin/env sh
# tour.sh — what `make run` shows: the lessons' programs running for real, on
# loopback, each stop explained in a line or two. Usage: tour.sh BUILD/bin
set -eu
BIN=${1:-build/bin}
tmp=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

banner() { printf '\n=== %s\n' "$*"; }

# ready NN...: true if those lessons' programs are written. In the student edition
# a lesson's TODO stubs ("... is not written yet") are still there until the student
# writes it: the tour then says so in one line and goes on (exit 0). Each stop is
# `if ready NN; then ... fi`.
root=$(cd "$(dirname "$0")/.." && pwd)
ready() {
  missing=""
  for nn in "$@"; do
    if grep -l 'is not written yet' "$root/lessons/${nn}_"*/*.cpp >/dev/null 2>&1; then
      missing="$missing $nn"
    fi
  done
  [ -z "$missing" ] && return 0
  for nn in $missing; do echo "lesson $nn: not written yet — make check-$nn"; done
  return 1
}

# Starts "$@" (a server) with its output prefixed by "  [server] " and waits for
# its first line "listening on HOST:PORT"; sets $server_pid and $server_port.
start_server() {
  rm -f "$tmp/fifo"
  mkfifo "$tmp/fifo"
  "$@" >"$tmp/fifo" 2>&1 &
  server_pid=$!
  exec 3<"$tmp/fifo"
  IFS= read -r first <&3 || first=""
  case $first in
    "listening on "*) ;;
    *)
      echo "tour: ${1##*/} did not start${first:+: $first}" >&2
      exit 1
      ;;
  esac
  echo "  [server] $first"
  server_port=${first##*:}
  # Show the rest of the server's output as it comes.
  sed 's/^/  [server] /' <&3 &
  exec 3<&-
}

banner "Lesson 01 + 02: the tutorial's echo server and client"
if ready 01 02; then
echo "The server listens on 127.0.0.1 (port 0: the kernel picks a free one);"
echo "the client connects, sends two messages and prints the replies."
start_server "$BIN/echo_server" --port 0 --once
"$BIN/echo_client" --port "$server_port" "hello, socket" "你好，套接字" | sed 's/^/  [client] /'
wait "$server_pid" || { echo "tour: the echo server failed" >&2; exit 1; }
server_pid=""
wait  # the output relay
fi

banner "Lesson 03: the TCP handshake and teardown, shown with real packets"
if ready 03; then
if [ "$(id -u)" -eq 0 ]; then
  echo "As root the demo captures the connection's segments on loopback and draws them."
else
  echo "Not root: no capture. The demo shows the states the kernel reports and infers the"
  echo "segments; run 'sudo make run' (or setcap cap_net_raw+ep $BIN/handshake) to see them."
fi
"$BIN/handshake" | sed 's/^/  /'
fi

banner "Lesson 04: addresses, names and byte order"
if ready 04; then
echo "getaddrinfo() turns a name into every address it has; htons() puts a port in"
echo "network byte order (big-endian)."
"$BIN/showip" --service 80 localhost ::1 | sed 's/^/  /'
"$BIN/byte_order" --port 8888 | sed 's/^/  /'
if [ "$(id -u)" -eq 0 ]; then
  echo "As root: two hosts and a router from network namespaces; watch the TTL drop."
  "$BIN/routing" | sed 's/^/  /'
else
  echo "The routing demo (host A -> router -> host B, TTL 64 -> 63) needs root: sudo $BIN/routing"
fi
fi

banner "Lesson 05: UDP — datagrams, loss, timeout and retry"
if ready 05; then
echo "The server 'loses' the first datagram (--drop 1); the client times out and sends again."
start_server "$BIN/udp_echo_server" --port 0 --drop 1 --count 2
"$BIN/udp_client" --port "$server_port" --timeout 300 "hello, datagram" "你好" | sed 's/^/  [client] /'
wait "$server_pid" || { echo "tour: the UDP echo server failed" >&2; exit 1; }
server_pid=""
wait  # the output relay
fi

banner "Lesson 06: TCP is a byte stream; framing finds the messages"
if ready 06; then
echo "The tutorial's way (--framing raw): the client sends 'one' and 'two' with one"
echo "send_all(), and the server's recv() sees ONE message 'onetwo'."
start_server "$BIN/frame_server" --port 0 --once --framing raw
"$BIN/frame_client" --port "$server_port" --framing raw one two | sed 's/^/  [client] /'
wait "$server_pid" || { echo "tour: frame_server failed" >&2; exit 1; }
server_pid=""
wait
echo "The same with a newline after each message (--framing line): two messages."
start_server "$BIN/frame_server" --port 0 --once --framing line
"$BIN/frame_client" --port "$server_port" --framing line one two | sed 's/^/  [client] /'
wait "$server_pid" || { echo "tour: frame_server failed" >&2; exit 1; }
server_pid=""
wait
fi

banner "Lesson 07: listen(backlog) is a queue of finished handshakes"
if ready 07; then
echo "Nobody calls accept(); clients connect anyway until the queue is full."
"$BIN/backlog_demo" --backlog 1 --clients 3 | sed 's/^/  /'
fi

banner "Lesson 08: one thread, many sockets (poll)"
if ready 08; then
echo "One thread serves 200 clients at once: poll() says which sockets are ready."
start_server "$BIN/poll_echo_server" --port 0 --exit-after 200
"$BIN/idle_clients" --port "$server_port" --clients 200 --hold-ms 0 | sed 's/^/  [clients] /'
wait "$server_pid" || { echo "tour: the poll echo server failed" >&2; exit 1; }
server_pid=""
wait
fi

banner "Lesson 09: the errors you will meet, and the 40 ms Nagle stall"
if ready 09; then
"$BIN/errors" --show refused | sed 's/^/  /'
"$BIN/errors" --show broken-pipe | sed 's/^/  /'
echo "Small writes wait for a delayed ACK; TCP_NODELAY or one write per message do not:"
"$BIN/nagle_demo" --rounds 5 | sed 's/^/  /'
fi

banner "Lesson 10: closing well (half-close)"
if ready 10; then
echo "The client uploads, then shutdown(SHUT_WR): the server reads to EOF and answers."
start_server "$BIN/count_server" --port 0 --once
"$BIN/count_client" --port "$server_port" "hello" "half-close" | sed 's/^/  [client] /'
wait "$server_pid" || { echo "tour: the count server failed" >&2; exit 1; }
server_pid=""
wait
fi

banner "Lesson 11: epoll and the reactor (Linux)"
if ! ready 11; then
  :
elif [ "$(uname -s)" = Linux ]; then
  echo "epoll keeps the interest list in the kernel; idle connections cost nothing per turn."
  echo "The reactor spreads 4 clients over 2 loops; each stays on its loop until it closes."
  start_server "$BIN/reactor_server" --port 0 --threads 2 --verbose
  "$BIN/idle_clients" --port "$server_port" --clients 4 --hold-ms 0 | sed 's/^/  [clients] /'
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  wait
else
  echo "epoll is Linux's: run this stop on Linux, in WSL2 or a Linux VM."
fi

banner "Lesson 12: IP hop by hop — traceroute, ping and the routing table"
echo "trace_route sends UDP probes with TTL 1, 2, 3... and reads the ICMP answers from the"
echo "socket's error queue (IP_RECVERR, no root needed). On loopback we are the first hop:"
if ready 12; then
"$BIN/trace_route" 127.0.0.1 --probes 2 | sed 's/^/  /'
printf 'default via 10.12.2.2 dev eth1\n10.12.4.128/25 via 10.12.5.2 dev eth2\n' |
  "$BIN/route_lookup" 10.12.4.2 10.12.4.130 | sed 's/^/  /'
if [ "$(id -u)" -eq 0 ]; then
  echo "As root: A - R1 - R2 - R3 - B from network namespaces; the path, a missing route,"
  echo "a routing loop, a small MTU and the TTL at every hop."
  "$BIN/routing_lab" | grep -v '^\$ ip \(netns add\|-n [^ ]* link set\|-n [^ ]* addr add\|link add\)' |
    sed 's/^/  /'
else
  echo "The lab (five namespaces: traceroute, loop, unreachable, path MTU) needs root to build"
  echo "namespaces: sudo $BIN/routing_lab"
fi
fi

banner "Lesson 13: TCP by hand — our own segments, the kernel as the peer"
if ! ready 13; then
  :
elif [ "$(id -u)" -eq 0 ]; then
  echo "A TUN device in a namespace of its own: the program writes every IPv4 and TCP header"
  echo "(SYN, ACK, data, FIN) and the kernel's echo server answers it."
  "$BIN/tcp_by_hand" | sed 's/^/  /'
else
  echo "Skipped: it needs root (CAP_NET_ADMIN for the TUN device, CAP_SYS_ADMIN for the"
  echo "network namespace). Run: sudo $BIN/tcp_by_hand"
fi

if [ -x "$BIN/http_server" ]; then  # the examples come after the lessons
banner "Example: a small HTTP/1.1 server (examples/http)"
echo "The server serves docs/; the example's client fetches a page, then tries to climb out"
echo "of the directory with an encoded '..' (%2e%2e) and gets 400."
docs_dir=$(cd "$(dirname "$0")/../docs" && pwd)
start_server "$BIN/http_server" --port 0 --root "$docs_dir" --exit-after 2
"$BIN/http_get" "http://127.0.0.1:$server_port/examples/http.md" | head -4 | sed 's/^/  [client] /'
"$BIN/http_get" "http://127.0.0.1:$server_port/%2e%2e/%2e%2e/etc/passwd" | sed 's/^/  [client] /'
wait "$server_pid" || { echo "tour: http_server failed" >&2; exit 1; }
server_pid=""
wait
fi

banner "Done"
echo "Next: docs/lessons/01-echo-server.md, then run the tests with: make test"
