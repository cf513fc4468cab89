#!/usr/bin/env sh
# tour.sh — what `make run` shows: the lessons' programs running for real, on
# loopback, each stop explained in a line or two. Usage: tour.sh BUILD/bin
#
# Language: English, or Chinese (中文) with SOCKLAB_LANG=zh-CN, or from the locale;
# scripts/say.sh chooses it, as for make check-NN and make progress. Only
# the tour's own lines are translated: the programs' output is the same in both.
# Every such line is `say "English" "中文"` (banner and fail the same), the pair side
# by side; ctest -L docs (tests/docs/tour_check_test.cpp) fails on a line left in
# one language: no echo here, and printf only for the programs' output and input.
# shellcheck disable=SC1111 # the “” in the Chinese lines are quotation marks, text
set -eu
BIN=${1:-build/bin}

root=$(cd "$(dirname "$0")/.." && pwd)
# The language (say, pick): scripts/say.sh chooses it for every script alike, and
# warns there about a SOCKLAB_LANG it does not know.
# shellcheck source=scripts/say.sh
. "$root/scripts/say.sh"
banner() { printf '\n=== '; say "$@"; }
# fail "English" "中文": the tour's own error line (stderr), exit 1.
fail() { say "$@" >&2; exit 1; }

# tour.sh --language: print the language chosen (en or zh) and stop; the test of
# the choice uses it (tests/docs/tour_check_test.cpp).
if [ "${1:-}" = --language ]; then printf '%s\n' "$say_lang"; exit 0; fi

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# ready NN...: true if those lessons' programs are written. In the student edition
# (its manifest .socklab-student-edition is there) a lesson's TODO stubs (`throw
# std::logic_error("TODO(step N): ... not written yet")`) are still there until the
# student writes it: the tour then says so in one line and goes on (exit 0). The
# reference edition has every lesson written (its marker comments quote the same
# stubs, so it is not searched). Each stop is `if ready NN; then ... fi`; NN/PROGRAM
# asks for one program of the lesson only (a stop that runs just that one).
ready() {
  [ -f "$root/.socklab-student-edition" ] || return 0
  missing=""
  for wanted in "$@"; do
    nn=${wanted%%/*}
    case $wanted in
      */*) program=${wanted#*/} ;;
      *) program="*" ;;
    esac
    # shellcheck disable=SC2086 # $program is a pattern on purpose
    if grep -l 'logic_error("TODO(step' "$root/lessons/${nn}_"*/$program.cpp >/dev/null 2>&1; then
      missing="$missing $nn"
    fi
  done
  [ -z "$missing" ] && return 0
  for nn in $missing; do
    say "lesson $nn: not written yet — make check-$nn" "第 $nn 课：还没有写 — 写好后运行 make check-$nn"
  done
  return 1
}

# Starts "$@" (a server) with its output prefixed by "  [server] " and waits for
# its first line "listening on HOST:PORT"; sets $server_pid, $server_port and
# $server_name.
start_server() {
  rm -f "$tmp/fifo"
  mkfifo "$tmp/fifo"
  "$@" >"$tmp/fifo" 2>&1 &
  server_pid=$!
  exec 3<"$tmp/fifo"
  IFS= read -r first <&3 || first=""
  case $first in
    "listening on "*) ;;
    *) fail "tour: ${1##*/} did not start${first:+: $first}" "导览：${1##*/} 没有启动${first:+：$first}" ;;
  esac
  server_name=${1##*/}
  printf '  [server] %s\n' "$first"
  server_port=${first##*:}
  # Show the rest of the server's output as it comes.
  sed 's/^/  [server] /' <&3 &
  exec 3<&-
}

# finish_server: waits for the server started last (it exits by itself: --once,
# --count, --exit-after) and for its output relay.
finish_server() {
  wait "$server_pid" || fail "tour: $server_name failed" "导览：$server_name 运行失败"
  server_pid=""
  wait  # the output relay
}

banner "Lesson 01 + 02: the tutorial's echo server and client" \
       "第 01 + 02 课：原教程的回显服务器和客户端"
if ready 01 02; then
say "The server listens on 127.0.0.1 (port 0: the kernel picks a free one);" \
    "服务器在 127.0.0.1 上监听（端口 0：由内核挑一个空闲端口）；"
say "the client connects, sends two messages and prints the replies." \
    "客户端连接上去，发送两条消息，并打印收到的回复。"
start_server "$BIN/echo_server" --port 0 --once
"$BIN/echo_client" --port "$server_port" "hello, socket" "你好，套接字" | sed 's/^/  [client] /'
finish_server
fi

banner "Lesson 03: the TCP handshake and teardown, shown with real packets" \
       "第 03 课：用真实的报文段看 TCP 的三次握手和四次挥手"
if ready 03; then
say "The demo captures the connection's segments on loopback and draws them (not root: in a" \
    "演示程序在环回接口上抓取这条连接的报文段，并把它们画成时序图（不是 root 时：在它自己的"
say "network namespace of its own, where it may capture; no sudo)." \
    "网络命名空间里抓包，在那里它有这个权限；不需要 sudo）。"
"$BIN/handshake" | sed 's/^/  /'
fi

banner "Lesson 04: addresses, names and byte order" \
       "第 04 课：地址、名字和字节序"
if ready 04; then
say "getaddrinfo() turns a name into every address it has; htons() puts a port in" \
    "getaddrinfo() 把一个名字解析成它的全部地址；htons() 把端口号转换成"
say "network byte order (big-endian)." \
    "网络字节序（大端）。"
"$BIN/showip" --service 80 localhost ::1 | sed 's/^/  /'
"$BIN/byte_order" --port 8888 | sed 's/^/  /'
say "Two hosts and a router from network namespaces (not root: namespaces of its own, no" \
    "用网络命名空间搭出两台主机和一个路由器（不是 root 时：用它自己的命名空间，不需要"
say "sudo); watch the TTL drop." \
    "sudo）；注意生存时间（TTL）减少。"
"$BIN/routing" | sed 's/^/  /'
fi

banner "Lesson 05: UDP — datagrams, loss, timeout and retry" \
       "第 05 课：UDP — 数据报、丢失、超时和重传"
if ready 05; then
say "The server 'loses' the first datagram (--drop 1); the client times out and sends again." \
    "服务器故意“丢掉”第一个数据报（--drop 1）；客户端等待超时后重新发送。"
start_server "$BIN/udp_echo_server" --port 0 --drop 1 --count 2
"$BIN/udp_client" --port "$server_port" --timeout 300 "hello, datagram" "你好" | sed 's/^/  [client] /'
finish_server
fi

banner "Lesson 06: TCP is a byte stream; framing finds the messages" \
       "第 06 课：TCP 是字节流；靠分帧找出一条条消息"
if ready 06; then
say "The tutorial's way (--framing raw): the client sends 'one' and 'two' with one" \
    "按原教程的写法（--framing raw）：客户端用一次 send_all() 发送 'one' 和 'two'，"
say "send_all(), and the server's recv() sees ONE message 'onetwo'." \
    "服务器的 recv() 看到的却是一条消息 'onetwo'（俗称“粘包”：字节流本来就没有消息边界）。"
start_server "$BIN/frame_server" --port 0 --once --framing raw
"$BIN/frame_client" --port "$server_port" --framing raw one two | sed 's/^/  [client] /'
finish_server
say "The same with a newline after each message (--framing line): two messages." \
    "同样的数据，每条消息后加一个换行符作分隔符（--framing line）：收到两条消息。"
start_server "$BIN/frame_server" --port 0 --once --framing line
"$BIN/frame_client" --port "$server_port" --framing line one two | sed 's/^/  [client] /'
finish_server
fi

banner "Lesson 07: listen(backlog) is a queue of finished handshakes" \
       "第 07 课：listen(backlog) 是一个已完成握手的连接队列"
if ready 07/backlog_demo; then  # a demonstration: thread_server and pool_server are the exercises
say "Nobody calls accept(); clients connect anyway until the queue is full." \
    "没有人调用 accept()；客户端照样能连接成功，直到队列排满。"
"$BIN/backlog_demo" --backlog 1 --clients 3 | sed 's/^/  /'
fi

banner "Lesson 08: one thread, many sockets (poll)" \
       "第 08 课：一个线程，多个套接字（poll）"
if ready 08; then
say "One thread serves 200 clients at once: poll() says which sockets are ready." \
    "一个线程同时服务 200 个客户端：poll() 告诉它哪些套接字已就绪。"
start_server "$BIN/poll_echo_server" --port 0 --exit-after 200
"$BIN/idle_clients" --port "$server_port" --clients 200 --hold-ms 0 | sed 's/^/  [clients] /'
finish_server
fi

banner "Lesson 09: the errors you will meet, and the 40 ms Nagle stall" \
       "第 09 课：你会遇到的错误，以及 Nagle 算法造成的 40 ms 停顿"
if ready 09; then
"$BIN/errors" --show refused | sed 's/^/  /'
"$BIN/errors" --show broken-pipe | sed 's/^/  /'
say "Small writes wait for a delayed ACK; TCP_NODELAY or one write per message do not:" \
    "小块的多次写入要等对方的延迟确认（Nagle 算法）；设置 TCP_NODELAY 或每条消息只写一次就不用等："
"$BIN/nagle_demo" --rounds 5 | sed 's/^/  /'
fi

banner "Lesson 10: closing well (half-close)" \
       "第 10 课：好好关闭连接（半关闭）"
if ready 10; then
say "The client uploads, then shutdown(SHUT_WR): the server reads to EOF and answers." \
    "客户端上传数据后调用 shutdown(SHUT_WR)：服务器一直读到 EOF，然后回复。"
start_server "$BIN/count_server" --port 0 --once
"$BIN/count_client" --port "$server_port" "hello" "half-close" | sed 's/^/  [client] /'
finish_server
fi

banner "Lesson 11: epoll and the reactor (Linux)" \
       "第 11 课：epoll 和 Reactor 模式（Linux）"
if ! ready 11; then
  :
elif [ "$(uname -s)" = Linux ]; then
  say "epoll keeps the interest list in the kernel; idle connections cost nothing per turn." \
      "epoll 把关注列表保存在内核里；空闲的连接不会给每一轮事件循环增加任何开销。"
  say "The reactor spreads 4 clients over 2 loops; each stays on its loop until it closes." \
      "Reactor 把 4 个客户端分给 2 个事件循环；每个连接在关闭之前一直留在它的那个循环上。"
  start_server "$BIN/reactor_server" --port 0 --threads 2 --verbose
  "$BIN/idle_clients" --port "$server_port" --clients 4 --hold-ms 0 | sed 's/^/  [clients] /'
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  wait
else
  say "epoll is Linux's: run this stop on Linux, in WSL2 or a Linux VM." \
      "epoll 是 Linux 特有的：请在 Linux、WSL2 或 Linux 虚拟机里运行这一站。"
fi

banner "Lesson 12: IP hop by hop — traceroute, ping and the routing table" \
       "第 12 课：IP 逐跳转发 — traceroute、ping 和路由表"
if ready 12; then
say "trace_route sends UDP probes with TTL 1, 2, 3... and reads the ICMP answers from the" \
    "trace_route 发送 TTL 为 1、2、3……的 UDP 探测报文，并从套接字的错误队列"
say "socket's error queue (IP_RECVERR, no root needed). On loopback we are the first hop:" \
    "（IP_RECVERR，不需要 root）读取 ICMP 应答。在环回接口上，第一跳就是我们自己："
"$BIN/trace_route" 127.0.0.1 --probes 2 | sed 's/^/  /'
printf 'default via 10.12.2.2 dev eth1\n10.12.4.128/25 via 10.12.5.2 dev eth2\n' |
  "$BIN/route_lookup" 10.12.4.2 10.12.4.130 | sed 's/^/  /'
say "A - R1 - R2 - R3 - B from network namespaces (not root: namespaces of its own); the path," \
    "用网络命名空间搭出 A - R1 - R2 - R3 - B（不是 root 时：用它自己的命名空间）；依次演示路径、"
say "a missing route, a routing loop, a small MTU and the TTL at every hop." \
    "缺失的路由、路由环路、过小的 MTU，以及每一跳上的 TTL。"
"$BIN/routing_lab" | grep -v '^\$ ip \(netns add\|-n [^ ]* link set\|-n [^ ]* addr add\|link add\)' |
  sed 's/^/  /'
fi

banner "Lesson 13: TCP by hand — our own segments, the kernel as the peer" \
       "第 13 课：手写 TCP — 报文段由我们自己构造，内核作为对端"
if ready 13; then
say "A TUN device in a namespace of its own: the program writes every IPv4 and TCP header" \
    "在独立的网络命名空间里放一个 TUN 设备：程序自己写出每一个 IPv4 和 TCP 首部"
say "(SYN, ACK, data, FIN) and the kernel's echo server answers it (no sudo; where it cannot" \
    "（SYN、ACK、数据、FIN），由内核里的回显服务器来应答它（不需要 sudo；不能运行时，"
say "run, it says why and what fixes it)." \
    "它会说明原因和解决办法）。"
"$BIN/tcp_by_hand" 2>&1 | sed 's/^/  /'
fi

banner "Lesson 14: the proactor — io_uring does the recv, and says when it is done" \
       "第 14 课：Proactor — 由 io_uring 完成 recv，做完了再通知我们"
if ! ready 14; then
  :
elif [ "$(uname -s)" = Linux ]; then
  say "Each connection owns its buffer; the kernel holds it while its recv or send is in flight." \
      "每个连接拥有自己的缓冲区；它的 recv 或 send 在途期间，缓冲区归内核所有。"
  "$BIN/uring_echo_server" --port 0 --verbose --idle-timeout 300 >"$tmp/uring.out" 2>&1 &
  uring_pid=$!
  i=0
  until [ -s "$tmp/uring.out" ] || [ $i -gt 50 ]; do i=$((i + 1)); sleep 0.1; done
  first=$(head -n 1 "$tmp/uring.out")
  case $first in
    "listening on "*)
      "$BIN/idle_clients" --port "${first##*:}" --clients 3 --hold-ms 600 | sed 's/^/  [clients] /'
      kill "$uring_pid" 2>/dev/null || true
      wait "$uring_pid" 2>/dev/null || true
      sed 's/^/  [server] /' "$tmp/uring.out" ;;
    *)
      wait "$uring_pid" 2>/dev/null || true
      say "io_uring is refused here (the server says why; make doctor too):" \
          "这里不允许使用 io_uring（服务器会说明原因；make doctor 也会）："
      sed 's/^/  [server] /' "$tmp/uring.out" ;;
  esac
else
  say "io_uring is Linux's: run this stop on Linux, in WSL2 or a Linux VM." \
      "io_uring 是 Linux 特有的：请在 Linux、WSL2 或 Linux 虚拟机里运行这一站。"
  say "On Windows the lesson's other proactor is iocp_echo_server (I/O completion ports):" \
      "在 Windows 上，本课的另一个 Proactor 是 iocp_echo_server（I/O 完成端口）："
  say "  $BIN/iocp_echo_server --verbose --idle-timeout 300, then connect to the port it prints." \
      "  $BIN/iocp_echo_server --verbose --idle-timeout 300，然后连接它打印出的端口。"
fi

if [ -x "$BIN/http_server" ]; then  # the examples come after the lessons
banner "Example: a small HTTP/1.1 server (examples/http)" \
       "示例：一个小型 HTTP/1.1 服务器（examples/http）"
say "The server serves docs/; the example's client fetches a page, then tries to climb out" \
    "服务器对外提供 docs/ 目录；示例客户端先取一个页面，再用编码过的 '..'（%2e%2e）"
say "of the directory with an encoded '..' (%2e%2e) and gets 400." \
    "试图爬出这个目录，得到 400。"
docs_dir=$(cd "$(dirname "$0")/../docs" && pwd)
start_server "$BIN/http_server" --port 0 --root "$docs_dir" --exit-after 2
"$BIN/http_get" "http://127.0.0.1:$server_port/examples/http.md" | head -4 | sed 's/^/  [client] /'
"$BIN/http_get" "http://127.0.0.1:$server_port/%2e%2e/%2e%2e/etc/passwd" | sed 's/^/  [client] /'
finish_server
fi

banner "Done" "结束"
say "Next: docs/lessons/01-echo-server.md, then run the tests with: make test" \
    "下一步：阅读 docs/zh-CN/lessons/01-echo-server.md，然后运行测试：make test"
