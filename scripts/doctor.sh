#!/usr/bin/env sh
# doctor.sh — `make doctor`: one table of what this machine allows and what each
# thing enables. Each row is "ok", or "no" with the cause and the command or setting
# that fixes it ("--": unknown here). Exit 0 always.
#
# It needs no build, because a broken build is when students need it: it probes with
# standard tools (unshare, ip, the shell), and with the lessons' own programs where they
# are built (BUILD, default build: handshake for AF_PACKET, ping_host for ICMP). Every
# probe is bounded (timeout 5 s) and leaves nothing behind: what it makes lives in a
# namespace that ends with the probe's process.
#
# The causes and fixes are those the lab room names (lib/lab/src/own_namespaces_linux.cpp:
# own_namespaces_hint, tun_node_hint): WSL1, Ubuntu's AppArmor restriction, the sysctls
# that forbid user namespaces, a container's seccomp profile, /dev/net/tun's mode.
# Keep the two in step.
#
# Language: scripts/say.sh (SOCKLAB_LANG=zh-CN, or a zh locale). Every line of its own is
# a pair "English" "中文": say, pick, and a row's parts thing, enables, why, fix
# (tests/docs checks that each pair has both; docs/zh-CN/术语表.md for the terms).
#
# What it reads can be moved, for its test (tests/tools/doctor_test.sh):
#   SOCKLAB_DOCTOR_PROC    instead of /proc/sys (kernel/osrelease, user/max_user_namespaces, ...)
#   SOCKLAB_DOCTOR_TUN     instead of /dev/net/tun
#   SOCKLAB_DOCTOR_ROOTFS  put before /.dockerenv and /run/.containerenv
# and PATH can put fake probes (a failing unshare) first.
root=$(cd "$(dirname "$0")/.." && pwd) || exit 0
# shellcheck source=scripts/say.sh
. "$root/scripts/say.sh"
cd "$root" || exit 0

PROC=${SOCKLAB_DOCTOR_PROC:-/proc/sys}
TUN=${SOCKLAB_DOCTOR_TUN:-/dev/net/tun}
ROOTFS=${SOCKLAB_DOCTOR_ROOTFS:-}
BUILD=${BUILD:-build}
BIN=$BUILD/bin
# ip lives in /usr/sbin on some systems, outside an ordinary user's PATH.
case ":$PATH:" in
  *:/usr/sbin:*) ;;
  *) PATH=$PATH:/usr/sbin:/sbin ;;
esac

have() { command -v "$1" >/dev/null 2>&1; }
# bounded COMMAND...: at most 5 s (timeout(1) where there is one: coreutils).
bounded() {
  if have timeout; then timeout 5 "$@"; else "$@"; fi
}
# proc FILE: the first line of $PROC/FILE, or nothing.
proc() {
  [ -r "$PROC/$1" ] && head -n 1 "$PROC/$1" 2>/dev/null | tr '\t' ' '
}
# oneline: a probe's message as one line (what a row quotes).
oneline() {
  tr '\n' ' ' | sed 's/  */ /g; s/ $//'
}
# --- the table: a row is thing + enables, and why + fix when it is not ok ----------
# A pair "English" "中文" kept in the language of say.sh, without a subshell.
in_language() {
  if [ "$say_lang" = zh ]; then in_language=$2; else in_language=$1; fi
}
thing() { in_language "$@"; r_thing=$in_language; }
enables() { in_language "$@"; r_enables=$in_language; }
why() { in_language "$@"; r_why=$in_language; }
fix() { in_language "$@"; r_fix=$in_language; }
# The same in both languages: a program's name and version, a command to type.
name() { r_thing=$1; }
fix_command() { r_fix=$1; }
why_label=$(pick "why: " "原因：")
fix_label=$(pick "fix: " "解决：")
tip_label=$(pick "tip: " "提示：")  # the fix line of a row that is ok
rows=0
rows_ok=0
# print_row STATE (2 characters): thing and enables with a tab between them (columns()
# aligns them), then why and fix, if any (a fix of an ok row is a tip).
print_row() {
  printf '%s  %s\t%s\n' "$1" "$r_thing" "$r_enables"
  [ -z "$r_why" ] || printf '      %s%s\n' "$why_label" "$r_why"
  if [ -n "$r_fix" ] && [ "$1" = ok ]; then
    printf '      %s%s\n' "$tip_label" "$r_fix"
  elif [ -n "$r_fix" ]; then
    printf '      %s%s\n' "$fix_label" "$r_fix"
  fi
}
# row ok|no|--: the line of a row, counted; then its parts are forgotten.
row() {
  print_row "$1"
  rows=$((rows + 1))
  [ "$1" != ok ] || rows_ok=$((rows_ok + 1))
  r_thing='' r_enables='' r_why='' r_fix=''
}
r_thing='' r_enables='' r_why='' r_fix=''
# columns: the table's second column at 32 columns on a terminal; a CJK character (3
# bytes in UTF-8, as every non-ASCII character of the first column) takes 2.
columns() {
  if have awk; then
    LC_ALL=C awk -F '\t' 'NF == 2 {
        t = $1; wide = gsub(/[\200-\377]/, "", t); w = length(t) + wide / 3 * 2
        pad = " "; while (w < 31) { pad = pad " "; w++ }
        print $1 pad $2; next
      }
      { print }'
  else
    tr '\t' ' '
  fi
}

table() {
  # --- who and where -------------------------------------------------------------------
  os=$(uname -s 2>/dev/null)
  release=$(uname -r 2>/dev/null)
  uid=$(id -u 2>/dev/null)
  user=$(id -un 2>/dev/null || printf '%s' "$uid")
  in_container=no
  if [ -e "$ROOTFS/.dockerenv" ] || [ -e "$ROOTFS/run/.containerenv" ]; then in_container=yes; fi
  if [ -x "$BIN/handshake" ] || [ -x "$BIN/ping_host" ]; then built=yes; else built=no; fi

  say "socklab doctor: what this machine allows, and what each thing enables" \
      "socklab doctor：这台机器允许什么，每一项让你能做什么"
  if [ "$built" = yes ]; then
    say "user $user (uid $uid), $os $release, programs of $BIN" \
        "用户 $user（uid $uid），$os $release，程序在 $BIN"
  else
    say "user $user (uid $uid), $os $release, $BIN not built (the rows that need it say so)" \
        "用户 $user（uid $uid），$os $release，$BIN 还没有构建（需要它的行会说明）"
  fi
  if [ "$uid" = 0 ]; then
    say "You are root: the rows say what root gets. Students should not need root: the labs make namespaces of their own. What an ordinary user gets: runuser -u nobody -- sh scripts/doctor.sh" \
        "你是 root：下面各行是 root 得到的结果。学生不应该需要 root：实验会创建自己的命名空间。普通用户得到什么：runuser -u nobody -- sh scripts/doctor.sh"
  fi
  printf '\n'
  thing "thing" "项目"
  enables "what it enables" "用途"
  print_row '  '
  r_thing='' r_enables=''

  # --- namespaces, TUN, capture, ICMP: Linux facilities ----------------------------------

  # not_linux: why + fix of a row that needs Linux.
  not_linux() {
    why "this is $os, not Linux: namespaces, TUN, AF_PACKET and io_uring are Linux facilities" \
        "这是 $os，不是 Linux：命名空间、TUN、AF_PACKET 和 io_uring 都是 Linux 的功能"
    fix "run the labs in WSL2 or a Linux VM (the other lessons build and run here)" \
        "在 WSL2 或 Linux 虚拟机里做这些实验（其他课在这里就能构建和运行）"
  }

  # userns_cause MESSAGE: why + fix when a user namespace is refused, in the lab room's
  # order (own_namespaces_hint). MESSAGE is what the probe said.
  userns_cause() {
    msg=$1
    if grep -q Microsoft "$PROC/kernel/osrelease" 2>/dev/null; then
      why "WSL1 has no network namespaces ($msg)" "WSL1 没有网络命名空间（$msg）"
      fix "switch this distribution to WSL2 (in PowerShell: wsl --set-version <distro> 2)" \
          "把这个发行版切换到 WSL2（在 PowerShell 里：wsl --set-version <distro> 2）"
    elif [ "$(proc kernel/apparmor_restrict_unprivileged_userns)" = 1 ]; then
      why "AppArmor forbids user namespaces to ordinary programs here (kernel.apparmor_restrict_unprivileged_userns = 1, Ubuntu 23.10 and later) ($msg)" \
          "这里 AppArmor 不许普通程序创建用户命名空间（kernel.apparmor_restrict_unprivileged_userns = 1，Ubuntu 23.10 及以后）（$msg）"
      fix "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (until reboot), or run the lab with sudo" \
          "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0（重启前有效），或者用 sudo 运行实验"
    elif [ "$(proc kernel/unprivileged_userns_clone)" = 0 ]; then
      why "user namespaces are switched off for ordinary users (kernel.unprivileged_userns_clone = 0) ($msg)" \
          "普通用户的用户命名空间被关闭了（kernel.unprivileged_userns_clone = 0）（$msg）"
      fix "sudo sysctl -w kernel.unprivileged_userns_clone=1, or run the lab with sudo" \
          "sudo sysctl -w kernel.unprivileged_userns_clone=1，或者用 sudo 运行实验"
    elif [ "$(proc user/max_user_namespaces)" = 0 ]; then
      why "user namespaces are switched off (user.max_user_namespaces = 0) ($msg)" \
          "用户命名空间被关闭了（user.max_user_namespaces = 0）（$msg）"
      fix "sudo sysctl -w user.max_user_namespaces=15000, or run the lab with sudo" \
          "sudo sysctl -w user.max_user_namespaces=15000，或者用 sudo 运行实验"
    elif [ "$in_container" = yes ]; then
      why "this container forbids namespaces (its seccomp profile or missing capabilities) ($msg)" \
          "这个容器不允许创建命名空间（它的 seccomp 配置，或者缺少能力）（$msg）"
      fix "run the lab as root inside it with --cap-add NET_ADMIN --cap-add SYS_ADMIN, or start the container with --security-opt seccomp=unconfined" \
          "在容器里以 root 运行实验，并加上 --cap-add NET_ADMIN --cap-add SYS_ADMIN；或者用 --security-opt seccomp=unconfined 启动容器"
    else
      why "this system does not allow an ordinary user a network namespace of their own ($msg)" \
          "这个系统不允许普通用户拥有自己的网络命名空间（$msg）"
      fix "run the lab with sudo" "用 sudo 运行实验"
    fi
  }

  # needs_userns: why + fix of a row whose probe needs the user namespace refused above.
  needs_userns() {
    why "needs a user namespace of your own, which this machine refuses (the row user namespaces)" \
        "需要你自己的用户命名空间，而这台机器不允许（见“用户命名空间”那一行）"
    fix "the fix of that row, or run the lab with sudo" "按那一行的方法解决，或者用 sudo 运行实验"
  }

  # A probe of a network namespace: as root, the machine's user namespace is enough; as
  # an ordinary user, a user namespace of one's own first (uid 0 inside, mapped to us).
  if [ "$uid" = 0 ]; then
    in_netns() { bounded unshare --net "$@"; }
  else
    in_netns() { bounded unshare --user --map-root-user --net "$@"; }
  fi

  thing "user namespaces" "用户命名空间"
  enables "lessons 03, 04, 12, 13 and their tests as yourself, without sudo" \
          "第 03、04、12、13 课及其测试以你自己的身份运行，不用 sudo"
  userns=no
  if [ "$os" != Linux ]; then
    not_linux
    row no
  elif ! have unshare; then
    why "unshare (util-linux) is not installed" "没有安装 unshare（util-linux）"
    fix_command "sudo apt-get install util-linux"
    row no
  elif probe=$(bounded unshare --user --map-root-user true 2>&1); then
    userns=ok
    row ok
  else
    userns_cause "$(printf '%s' "$probe" | oneline)"
    row no
  fi

  thing "network namespaces + veth" "网络命名空间 + veth"
  enables "lessons 04, 12, 13: hosts, routers and veth pairs of your own" \
          "第 04、12、13 课：你自己的主机、路由器和 veth 设备对"
  netns=no
  if [ "$os" != Linux ]; then
    not_linux
    row no
  elif ! have ip; then
    why "ip (iproute2) is not installed" "没有安装 ip（iproute2）"
    fix "make deps (or: sudo apt-get install iproute2)" "make deps（或者：sudo apt-get install iproute2）"
    row no
  elif [ "$uid" != 0 ] && [ "$userns" != ok ]; then
    needs_userns
    row no
  elif probe=$(in_netns sh -c 'ip link set lo up && ip link add doctor0a type veth peer name doctor0b' 2>&1); then
    netns=ok
    row ok
  else
    msg=$(printf '%s' "$probe" | oneline)
    case $msg in
      *"nknown device type"* | *"ot supported"*)
        why "the kernel has no veth devices ($msg)" "内核没有 veth 设备（$msg）"
        fix_command "sudo modprobe veth"
        ;;
      *) userns_cause "$msg" ;;
    esac
    row no
  fi

  thing "TUN device" "TUN 设备"
  enables "lesson 13: TCP by hand, its segments through a TUN device" \
          "第 13 课：手写 TCP，报文段经过 TUN 设备"
  if [ "$os" != Linux ]; then
    not_linux
    row no
  elif [ ! -e "$TUN" ]; then
    why "there is no TUN device here ($TUN: No such file or directory)" \
        "这里没有 TUN 设备（$TUN：No such file or directory）"
    fix_command "sudo modprobe tun"
    row no
  elif ! (exec 3<>"$TUN") 2>/dev/null; then
    mode=$(ls -l "$TUN" 2>/dev/null | cut -d' ' -f1)
    why "$TUN cannot be opened by this user (mode $mode)" "这个用户打不开 $TUN（权限 $mode）"
    fix "sudo chmod 0666 $TUN, as Debian's and Ubuntu's udev set it (making a device still needs CAP_NET_ADMIN, which a namespace of your own gives)" \
        "sudo chmod 0666 $TUN，Debian 和 Ubuntu 的 udev 就是这样设置的（创建设备仍然需要 CAP_NET_ADMIN，你自己的命名空间会给你）"
    row no
  elif [ "$netns" != ok ]; then
    why "needs a network namespace of your own (the row network namespaces)" \
        "需要你自己的网络命名空间（见“网络命名空间”那一行）"
    fix "the fix of that row" "按那一行的方法解决"
    row no
  elif probe=$(in_netns ip tuntap add dev doctor0t mode tun 2>&1); then
    row ok
  else
    why "ip tuntap add failed: $(printf '%s' "$probe" | oneline)" \
        "ip tuntap add 失败：$(printf '%s' "$probe" | oneline)"
    fix "sudo modprobe tun, or run the lab with sudo" "sudo modprobe tun，或者用 sudo 运行实验"
    row no
  fi

  # in_lab PROGRAM ARGS...: a lesson program in a network namespace of its own, loopback up.
  in_lab() {
    in_netns sh -c 'ip link set lo up && exec "$@"' sh "$@"
  }

  thing "AF_PACKET capture" "AF_PACKET 抓包"
  enables "lesson 03: the handshake captured and drawn; the captures of lessons 04 and 12" \
          "第 03 课：抓下三次握手并画出时序图；第 04、12 课的抓包"
  if [ "$os" != Linux ]; then
    not_linux
    row no
  elif [ ! -x "$BIN/handshake" ]; then
    why "the probe is lesson 03's handshake, not built yet" "探测用的是第 03 课的 handshake，还没有构建"
    fix "build first: make build" "先构建：make build"
    row no
  elif [ "$uid" != 0 ] && [ "$netns" != ok ]; then
    needs_userns
    row no
  else
    # In English whatever the student's language: the line read below is its English.
    if [ "$uid" = 0 ]; then
      probe=$(SOCKLAB_LANG=en; export SOCKLAB_LANG; bounded "$BIN/handshake" --format lines 2>&1)
    else
      probe=$(SOCKLAB_LANG=en; export SOCKLAB_LANG; in_lab "$BIN/handshake" --format lines 2>&1)
    fi
    status=$?
    nocap=$(printf '%s\n' "$probe" | grep '^no capture (' | head -n 1)
    if [ -n "$nocap" ]; then
      why "handshake said: $nocap" "handshake 的输出：$nocap"
      fix "run lesson 03 in a namespace of your own (the rows above), or with sudo" \
          "在你自己的命名空间里运行第 03 课（见上面几行），或者用 sudo"
      row no
    elif [ "$status" -ne 0 ]; then
      why "handshake failed (exit $status): $(printf '%s' "$probe" | tail -n 2 | oneline)" \
          "handshake 失败（退出码 $status）：$(printf '%s' "$probe" | tail -n 2 | oneline)"
      fix "make check-03 shows which step fails" "make check-03 会显示哪一步失败"
      row no
    else
      row ok
    fi
  fi

  # ping_host's first line names the ICMP socket it used: "PING 127.0.0.1 with an ICMP
  # datagram socket" (no privilege: net.ipv4.ping_group_range) or "... raw socket".
  range=$(proc net/ipv4/ping_group_range)
  thing "ICMP ping socket" "ICMP ping 套接字"
  enables "lesson 12: ping_host as yourself, on the machine's own network" \
          "第 12 课：以你自己的身份在本机网络上运行 ping_host"
  if [ "$os" != Linux ]; then
    not_linux
    row no
  elif [ ! -x "$BIN/ping_host" ]; then
    why "the probe is lesson 12's ping_host, not built yet (net.ipv4.ping_group_range = $range)" \
        "探测用的是第 12 课的 ping_host，还没有构建（net.ipv4.ping_group_range = $range）"
    fix "build first: make build" "先构建：make build"
    row no
  else
    probe=$(bounded "$BIN/ping_host" 127.0.0.1 --count 1 2>&1)
    groups=$(id -G 2>/dev/null)
    said=$(printf '%s' "$probe" | head -n 1 | oneline)
    said=${said%% — *}  # the error, without the hint that says what this row says
    case $probe in
      *"ICMP datagram socket"*)
        row ok
        ;;
      *"ICMP raw socket"*)
        why "your groups ($groups) are not in net.ipv4.ping_group_range = $range: ping_host fell back to a raw socket, which only root may open ($said)" \
            "你的组（$groups）不在 net.ipv4.ping_group_range = $range 之内：ping_host 退而使用原始套接字，只有 root 能打开（$said）"
        fix "sudo sysctl -w net.ipv4.ping_group_range='0 2147483647' (what many systems set)" \
            "sudo sysctl -w net.ipv4.ping_group_range='0 2147483647'（很多系统就是这样设置的）"
        row no
        ;;
      *)
        why "your groups ($groups) are not in net.ipv4.ping_group_range = $range ($said)" \
            "你的组（$groups）不在 net.ipv4.ping_group_range = $range 之内（$said）"
        fix "sudo sysctl -w net.ipv4.ping_group_range='0 2147483647' (what many systems set)" \
            "sudo sysctl -w net.ipv4.ping_group_range='0 2147483647'（很多系统就是这样设置的）"
        row no
        ;;
    esac
  fi

  thing "raw sockets (in a lab)" "原始套接字（实验中）"
  enables "lesson 12: ping_host inside the routing lab (a raw ICMP socket)" \
          "第 12 课：在路由实验里运行 ping_host（原始 ICMP 套接字）"
  if [ "$os" != Linux ]; then
    not_linux
    row no
  elif [ ! -x "$BIN/ping_host" ]; then
    why "the probe is lesson 12's ping_host, not built yet" "探测用的是第 12 课的 ping_host，还没有构建"
    fix "build first: make build" "先构建：make build"
    row no
  elif [ "$netns" != ok ]; then
    needs_userns
    row no
  elif probe=$(in_lab "$BIN/ping_host" 127.0.0.1 --count 1 2>&1); then
    row ok
  else
    why "ping_host failed: $(printf '%s' "$probe" | tail -n 1 | oneline)" \
        "ping_host 失败：$(printf '%s' "$probe" | tail -n 1 | oneline)"
    fix "make check-12 shows which step fails" "make check-12 会显示哪一步失败"
    row no
  fi

  name "io_uring"
  enables "io_uring servers (the proactor model): lesson 14 (docs/lessons/14-proactor.md)" \
          "io_uring 服务器（Proactor 模型）：第 14 课（docs/zh-CN/lessons/14-proactor.md）"
  disabled=$(proc kernel/io_uring_disabled)
  if [ "$os" != Linux ]; then
    not_linux
    row no
  elif [ "$disabled" = 2 ]; then
    why "io_uring is switched off for everyone (kernel.io_uring_disabled = 2)" \
        "io_uring 对所有进程都关闭了（kernel.io_uring_disabled = 2）"
    fix_command "sudo sysctl -w kernel.io_uring_disabled=0"
    row no
  elif [ "$disabled" = 1 ] && [ "$uid" != 0 ]; then
    why "only root and the group in kernel.io_uring_group may use io_uring (kernel.io_uring_disabled = 1)" \
        "只有 root 和 kernel.io_uring_group 指定的组可以使用 io_uring（kernel.io_uring_disabled = 1）"
    fix_command "sudo sysctl -w kernel.io_uring_disabled=0"
    row no
  else
    row ok
  fi

  # --- limits ----------------------------------------------------------------------------
  soft=$(ulimit -Sn 2>/dev/null)
  hard=$(ulimit -Hn 2>/dev/null)
  need=10200  # lesson 11: 10,000 idle connections + 200 (tests/lesson11_epoll_test.cpp)
  thing "open files $soft/$hard" "打开文件数 $soft/$hard"
  enables "lessons 08 and 11: 1000 clients, 10,000 idle connections (the tests raise soft up to hard)" \
          "第 08、11 课：1000 个客户端、10,000 个空闲连接（测试自己会把软限制提高到硬限制）"
  if [ "$hard" = unlimited ] || { [ -n "$hard" ] && [ "$hard" -ge "$need" ]; }; then
    if [ "$soft" != unlimited ] && [ "$soft" -lt "$need" ]; then
      fix "for programs you start by hand (scripts/hold-10k.sh, bench): ulimit -n $hard first" \
          "手动运行程序时（scripts/hold-10k.sh、bench）：先执行 ulimit -n $hard"
    fi
    row ok
  else
    why "RLIMIT_NOFILE's hard limit is $hard; lesson 11 needs $need descriptors at once" \
        "RLIMIT_NOFILE 的硬限制是 $hard；第 11 课同时需要 $need 个文件描述符"
    fix "as root: a line '* hard nofile 65536' in /etc/security/limits.conf, then log in again (Docker: docker run --ulimit nofile=65536:65536)" \
        "以 root 身份在 /etc/security/limits.conf 里加一行 '* hard nofile 65536'，然后重新登录（Docker：docker run --ulimit nofile=65536:65536）"
    row no
  fi

  # --- tools -----------------------------------------------------------------------------
  # The Debian packages asked about, in one dpkg-query: "PACKAGE STATUS VERSION" lines.
  packages=''
  if have dpkg-query; then
    packages=$(dpkg-query -W -f '${Package} ${Status} ${Version}\n' \
      tshark libgtest-dev libfmt-dev liburing-dev 2>/dev/null)
  fi
  # package_version PACKAGE: its installed version, or nothing.
  package_version() {
    printf '%s\n' "$packages" | sed -n "s/^$1 install ok installed //p"
  }
  # first_line COMMAND...: the first line COMMAND prints (a version), bounded.
  first_line() {
    bounded "$@" 2>/dev/null | head -n 1
  }

  if have tshark; then
    # The package's version where there is one: tshark --version takes most of a second.
    tshark_version=$(package_version tshark)
    [ -n "$tshark_version" ] || tshark_version=$(first_line tshark --version | sed 's/^TShark (Wireshark) //; s/ .*//')
    name "tshark $tshark_version"
  else
    name "tshark"
  fi
  enables "lesson 03's test reads its pcap back with Wireshark's reader (optional)" \
          "第 03 课的测试用 Wireshark 的解析器再读一遍 pcap 文件（可选）"
  if have tshark; then
    row ok
  else
    why "not installed (about 120 MB)" "没有安装（约 120 MB）"
    fix_command "make deps-tshark"
    row no
  fi

  if have tcpdump; then
    name "tcpdump $(first_line tcpdump --version | sed 's/^tcpdump version //')"
  else
    name "tcpdump"
  fi
  enables "watching the wire yourself, beside the lessons (docs/captures.md; optional)" \
          "在课程之外自己观察线路上的报文（docs/zh-CN/captures.md；可选）"
  if have tcpdump; then
    row ok
  else
    why "not installed" "没有安装"
    fix_command "sudo apt-get install tcpdump"
    row no
  fi

  name "Wine + mingw-w64"
  enables "make test-windows: the Windows build and its tests under Wine (optional)" \
          "make test-windows：Windows 版本的构建及其测试在 Wine 下运行（可选）"
  missing=''
  have wine || missing="$missing wine"
  have x86_64-w64-mingw32-g++-posix || missing="$missing x86_64-w64-mingw32-g++-posix"
  if [ -z "$missing" ]; then
    row ok
  else
    why "not installed:$missing" "没有安装：$missing"
    fix "make test-windows installs them (mingw-w64, wine)" "make test-windows 会安装它们（mingw-w64、wine）"
    row no
  fi

  # --- the compilers and the libraries -------------------------------------------------
  # The build's minimum CMake, from CMakeLists.txt (3.20).
  cmake_min=$(sed -n 's/^cmake_minimum_required(VERSION \([0-9.]*\)).*/\1/p' CMakeLists.txt 2>/dev/null)
  cmake_min=${cmake_min:-3.20}
  # at_least HAVE NEED: HAVE >= NEED, comparing major.minor numerically.
  at_least() {
    h_major=${1%%.*} h_rest=${1#*.}
    n_major=${2%%.*} n_rest=${2#*.}
    h_minor=${h_rest%%.*} n_minor=${n_rest%%.*}
    [ "$h_major" -gt "$n_major" ] 2>/dev/null && return 0
    [ "$h_major" -eq "$n_major" ] 2>/dev/null && [ "$h_minor" -ge "$n_minor" ] 2>/dev/null
  }

  if have cmake; then
    cmake_version=$(first_line cmake --version | sed 's/^cmake version //')
    name "cmake $cmake_version"
  else
    name "cmake"
  fi
  enables "the build (CMake $cmake_min or newer)" "构建（CMake $cmake_min 或更新）"
  if ! have cmake; then
    why "not installed" "没有安装"
    fix_command "make deps"
    row no
  elif at_least "$cmake_version" "$cmake_min"; then
    row ok
  else
    why "older than $cmake_min, which CMakeLists.txt needs" "比 CMakeLists.txt 要求的 $cmake_min 旧"
    fix "a newer cmake: sudo apt-get install cmake from your release's backports, or pip install cmake" \
        "换一个新的 cmake：从发行版的 backports 用 sudo apt-get install cmake，或者 pip install cmake"
    row no
  fi

  if have g++; then
    name "g++ $(first_line g++ -dumpfullversion)"
  else
    name "g++"
  fi
  enables "the build: C++20 (tested with g++ 12, Debian 12)" "构建：C++20（用 g++ 12 和 Debian 12 测试过）"
  if have g++; then
    row ok
  else
    why "not installed" "没有安装"
    fix_command "make deps"
    row no
  fi

  if have clang++; then
    name "clang++ $(first_line clang++ -dumpversion)"
  else
    name "clang++"
  fi
  enables "make fuzz (libFuzzer), a second compiler's warnings (optional)" \
          "make fuzz（libFuzzer），第二个编译器的警告（可选）"
  if have clang++; then
    row ok
  else
    why "not installed" "没有安装"
    fix_command "sudo apt-get install clang libclang-rt-dev"
    row no
  fi

  # library DEBIAN_PACKAGE PKG_CONFIG_NAME: its version (dpkg-query, else pkg-config).
  # Status 0 found, 1 not installed, 2 nothing here to ask (macOS without pkg-config, ...).
  library() {
    lib_version=$(package_version "$1")
    if [ -n "$lib_version" ]; then
      printf '%s' "$lib_version"
      return 0
    fi
    if have pkg-config && pkg-config --exists "$2" 2>/dev/null; then
      pkg-config --modversion "$2" 2>/dev/null
      return 0
    fi
    if have dpkg-query || have pkg-config; then return 1; fi
    return 2
  }

  # library_row DEBIAN_PACKAGE PKG_CONFIG_NAME FIX: the row of a library (thing is
  # made here, enables by the caller).
  library_row() {
    lib_version=$(library "$1" "$2")
    lib_found=$?
    if [ "$lib_found" = 0 ]; then
      name "$1 $lib_version"
      row ok
    elif [ "$lib_found" = 1 ]; then
      name "$1"
      why "not installed" "没有安装"
      fix_command "$3"
      row no
    else
      name "$1"
      why "unknown here (no dpkg-query or pkg-config to ask)" "这里无法得知（没有 dpkg-query 或 pkg-config 可以查询）"
      row --
    fi
  }

  enables "the tests' framework (GoogleTest)" "测试框架（GoogleTest）"
  library_row libgtest-dev gtest "make deps"
  enables "the formatting library (fmt 8 or newer)" "格式化库（fmt 8 或更新）"
  library_row libfmt-dev fmt "make deps"
  enables "io_uring from C (liburing): lesson 14's server (without it its tests skip)" \
          "在 C 里使用 io_uring（liburing）：第 14 课的服务器（没有它，这一课的测试会跳过）"
  library_row liburing-dev liburing "sudo apt-get install liburing-dev"

  printf '\n'
  say "$rows_ok of $rows ok. A row marked no says why and what fixes it; the lessons it names skip their tests that need it, and say the same." \
      "$rows 项中 $rows_ok 项 ok。标为 no 的行写明了原因和解决办法；它提到的课会跳过需要它的测试，并给出同样的说明。"
}

table | columns
exit 0
