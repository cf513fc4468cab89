#!/usr/bin/env sh
# bench/http.sh — the real HTTP load tools (wrk, ab) against the http_server
# example WITH ITS DEFAULT FLAGS and against a reference server measured in
# the same run (python3 -m http.server; lighttpd too if it is installed),
# each case --reps times, interleaved. Prints one line per run and a table of
# medians with every server's ratio to each reference (python, lighttpd).
# A benchmark, not a test (docs/examples/http-benchmark.md): loopback only,
# every load bounded (wrk by -d, ab by -n and -s).
#
#   sh bench/http.sh BUILD/bin [--reps 2] [--duration 5] [--requests 20000]
#
# Needs: wrk, ab (apt-get install wrk apache2-utils), python3.
set -eu
BIN=${1:?usage: bench/http.sh BUILD/bin [--reps N] [--duration S] [--requests N]}
shift
REPS=2 DURATION=5 REQUESTS=20000
while [ $# -gt 0 ]; do
  case $1 in
    --reps) REPS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --requests) REQUESTS=$2; shift 2 ;;
    *) echo "bench/http.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in wrk ab python3; do
  command -v $tool >/dev/null || { echo "bench/http.sh: $tool missing: apt-get install wrk apache2-utils python3" >&2; exit 1; }
done
[ -x "$BIN/http_server" ] || { echo "bench/http.sh: $BIN/http_server not built" >&2; exit 1; }

tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ulimit -n 65536 2>/dev/null || true

# The site: one 1 KiB page, the same bytes for every server.
mkdir -p "$tmp/site"
{ echo "<h1>socklab</h1>"; i=0; while [ $i -lt 16 ]; do echo "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"; i=$((i + 1)); done; } > "$tmp/site/index.html"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {  # up to 5 s for the server to answer
  n=0
  while ! python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; do
    n=$((n + 1)); [ $n -gt 50 ] && { echo "bench/http.sh: no server on port $1" >&2; exit 1; }
    sleep 0.1
  done
}

# start NAME: starts that server on a free port; sets pid and port.
start() {
  port=$(free_port)
  case $1 in
    socklab) "$BIN/http_server" --port "$port" --root "$tmp/site" > /dev/null 2>&1 & ;;
    python) (cd "$tmp/site" && exec python3 -m http.server --bind 127.0.0.1 "$port") > /dev/null 2>&1 & ;;
    lighttpd)
      printf 'server.document-root = "%s"\nserver.bind = "127.0.0.1"\nserver.port = %s\nserver.max-keep-alive-requests = 1000\nindex-file.names = ("index.html")\n' \
        "$tmp/site" "$port" > "$tmp/lighttpd.conf"
      lighttpd -D -f "$tmp/lighttpd.conf" > /dev/null 2>&1 & ;;
  esac
  pid=$!
  wait_port "$port"
}
stop() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; }

SERVERS="socklab python"
command -v lighttpd >/dev/null && SERVERS="$SERVERS lighttpd"

# ab's summary: "req/s non2xx errors". When ab gives up (a request got no answer
# within -s seconds) it prints no summary, only "Total of N requests completed":
# then req/s is "-" and every request not completed counts as an error.
ab_summary() {
  awk -v want="$REQUESTS" '/Requests per second/ {r=$4} /Non-2xx/ {n=$3} /Failed requests/ {f=$3}
       /Complete requests/ {c=$3} /^Total of [0-9]+ requests completed/ {c=$3}
       END {printf "%s %d %d\n", (r == "" ? "-" : r), n, f + (want - c)}' "$tmp/out"
}

# run TOOL: one measurement against $port; prints "reqs/s non2xx errors".
run() {
  url="http://127.0.0.1:$port/"
  case $1 in
    wrk)
      wrk -t1 -c100 -d"${DURATION}s" "$url" > "$tmp/out" 2>&1 || true
      awk '/Requests\/sec/ {r=$2} /Non-2xx/ {n=$NF} /Socket errors/ {gsub(",","");e=$4+$6+$8+$10}
           END {printf "%s %d %d\n", r, n, e}' "$tmp/out" ;;
    ab-k)
      ab -k -n "$REQUESTS" -c 50 -s 10 "$url" > "$tmp/out" 2>&1 || true
      ab_summary ;;
    ab)
      ab -n "$REQUESTS" -c 50 -s 10 "$url" > "$tmp/out" 2>&1 || true
      ab_summary ;;
  esac
}

echo "# tool server rep req/s non-2xx errors"
: > "$tmp/results"
rep=1
while [ $rep -le "$REPS" ]; do
  for tool in wrk ab-k ab; do
    for server in $SERVERS; do
      start $server
      line="$tool $server $rep $(run $tool)"
      stop
      echo "$line"
      echo "$line" >> "$tmp/results"
    done
  done
  rep=$((rep + 1))
done

echo
REFS="python"
echo " $SERVERS " | grep -q " lighttpd " && REFS="python lighttpd"
median() {  # the median req/s of TOOL SERVER, or "-" if no run gave a number
  awk -v t=$1 -v s=$2 '$1==t && $2==s && $4!="-" {print $4}' "$tmp/results" | sort -n |
    awk '{a[NR]=$1} END {if (NR == 0) print "-"; else print a[int((NR+1)/2)]}'
}
header="| tool | server | req/s (median) | non-2xx | errors |"
rule="|---|---|---|---|---|"
for ref in $REFS; do header="$header x $ref |"; rule="$rule---|"; done
echo "$header"
echo "$rule"
for tool in wrk ab-k ab; do
  for server in $SERVERS; do
    m=$(median $tool $server)
    sums=$(awk -v t=$tool -v s=$server '$1==t && $2==s {n+=$5; e+=$6} END {printf "%d | %d", n, e}' "$tmp/results")
    row="| $tool | $server | $m | $sums |"
    for ref in $REFS; do
      r=$(median $tool $ref)
      row="$row $(awk -v m="$m" -v r="$r" 'BEGIN {if (m == "-" || r == "-" || r == 0) print "-"; else printf "%.2f", m / r}') |"
    done
    echo "$row"
  done
done
echo
echo "commands: wrk -t1 -c100 -d${DURATION}s URL;  ab -k -n $REQUESTS -c 50 -s 10 URL;  ab -n $REQUESTS -c 50 -s 10 URL"
