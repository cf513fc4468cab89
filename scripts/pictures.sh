#!/usr/bin/env sh
# pictures.sh BUILD_DIR — the docs' ladder pictures, made from real runs on loopback.
#
#   make pictures            (as root: the captures need it)
#
# Each picture is a real capture drawn by the observe room's ladder renderer
# (docs/captures.md): lesson 03's handshake draws its own (--svg, with the program's
# steps); lesson 10's half-close is captured with tcpdump and lesson 13's hand-written
# TCP writes its pcap (--pcap), both drawn by tools/ladder.
# The SVGs land in docs/pictures/ and are checked in, so the docs show them
# without anyone running anything; run this again after changing a renderer.
set -eu
BUILD=${1:-build}
BIN=$BUILD/bin
OUT=docs/pictures
mkdir -p "$OUT"
TMP=$(mktemp -d)
SERVER_PID=""
TCPDUMP_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -n "$TCPDUMP_PID" ] && kill "$TCPDUMP_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

if [ "$(id -u)" -ne 0 ]; then
  echo "pictures: the captures need root (or CAP_NET_RAW): sudo make pictures" >&2
  exit 1
fi

# Lesson 03: the client closes first (4 or 3 segments), and an abort (RST).
for how in client abort; do
  "$BIN/handshake" --close "$how" --svg "$OUT/03-handshake-$how.svg" >/dev/null
  echo "pictures: $OUT/03-handshake-$how.svg"
done

# Lesson 10: an upload ended by shutdown(SHUT_WR), the count read back to EOF.
command -v tcpdump >/dev/null 2>&1 || {
  echo "pictures: tcpdump is missing (Debian: apt-get install tcpdump)" >&2
  exit 1
}
# The server's first line says its port, tcpdump's stderr says when it captures:
# read both through FIFOs, so the script waits for those lines, not for a while.
mkfifo "$TMP/server.fifo" "$TMP/tcpdump.fifo"
"$BIN/count_server" --port 0 --once >"$TMP/server.fifo" &
SERVER_PID=$!
exec 3<"$TMP/server.fifo"
read -r first <&3 || { echo "pictures: count_server said nothing" >&2; exit 1; }
port=${first##*:}
tcpdump -i lo -s 4096 -B 8192 --immediate-mode -U -Z root -w "$TMP/10.pcap" "tcp port $port" 2>"$TMP/tcpdump.fifo" &
TCPDUMP_PID=$!
exec 4<"$TMP/tcpdump.fifo"
while read -r said <&4; do
  case "$said" in *"listening on"*) break ;; esac
done
"$BIN/count_client" --port "$port" "hello, half-close" >/dev/null
wait "$SERVER_PID"
SERVER_PID=""
# tcpdump writes each packet as it reads it (-U), a moment after the kernel sent it:
# give it up to 10 s to show the whole teardown before stopping it. -s 4096 -B 8192:
# room for thousands of packets in the kernel's ring (docs/captures.md, "dropped by kernel").
tries=0
until "$BIN/ladder" "$TMP/10.pcap" 2>/dev/null | grep -q "^teardown: closed"; do
  tries=$((tries + 1))
  [ "$tries" -lt 200 ] || { echo "pictures: the teardown never showed in the capture" >&2; exit 1; }
  sleep 0.05
done
kill "$TCPDUMP_PID"
wait "$TCPDUMP_PID" 2>/dev/null || true
TCPDUMP_PID=""
"$BIN/ladder" "$TMP/10.pcap" --svg "$OUT/10-half-close.svg" >/dev/null
echo "pictures: $OUT/10-half-close.svg"

# Lesson 13: the normal run of tcp_by_hand (its own namespace and TUN device; the
# pcap holds every packet that crossed the device).
"$BIN/tcp_by_hand" --pcap "$TMP/13.pcap" >/dev/null
"$BIN/ladder" "$TMP/13.pcap" --svg "$OUT/13-tcp-by-hand.svg" >/dev/null
echo "pictures: $OUT/13-tcp-by-hand.svg"
