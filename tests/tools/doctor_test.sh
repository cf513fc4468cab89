#!/usr/bin/env sh
# doctor_test.sh — `make doctor` (scripts/doctor.sh): every row, in English and in
# Chinese, exit 0 always, and a forbidden thing named with its cause and its fix.
# Usage: doctor_test.sh SOURCE_ROOT BUILD_DIR
#   1. this machine, English, with the build: every row present, each "no" row with
#      its why and fix lines, and nothing left behind (no doctor0* device here);
#   2. forbidden, on a fake /proc/sys and a PATH whose unshare fails: AppArmor's
#      restriction in Chinese (every row in Chinese; no build: the rows that need a
#      program say "make build") and in English, user.max_user_namespaces = 0, WSL1, a
#      container; no /dev/net/tun; io_uring switched off; a hard RLIMIT_NOFILE of 1024.
#      Each row names the cause (the sysctl) and the command that fixes it.
# Exit 0 when all holds, 1 with what did not.
set -u
src=$(cd "${1:?usage: doctor_test.sh SOURCE_ROOT BUILD_DIR}" && pwd)
build=${2:?usage: doctor_test.sh SOURCE_ROOT BUILD_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
  printf 'doctor_test: %s\n' "$1" >&2
  failures=$((failures + 1))
}
# doctor NAME VAR=VALUE...: scripts/doctor.sh with that environment, output to $tmp/NAME.
doctor() {
  d_name=$1
  shift
  env "$@" sh "$src/scripts/doctor.sh" >"$tmp/$d_name" 2>&1
  d_status=$?
  [ "$d_status" -eq 0 ] || fail "$d_name: exit $d_status, not 0 (make doctor exits 0 always)"
}
show() {
  sed 's/^/  | /' "$tmp/$1" >&2
}
# has NAME TEXT: the output NAME has TEXT (fixed string) in it.
has() {
  grep -qF -- "$2" "$tmp/$1" || { fail "$1: no '$2' in:"; show "$1"; }
}
# has_not NAME TEXT
has_not() {
  if grep -qF -- "$2" "$tmp/$1"; then fail "$1: '$2' should not be there:"; show "$1"; fi
}
# row NAME STATE THING: a row of the table: STATE (ok, no, --), then THING.
row() {
  awk -v state="$2" -v thing="$3" '
    $1 == state && index(substr($0, 5), thing) == 1 { found = 1 }
    END { exit !found }' "$tmp/$1" || { fail "$1: no row '$2  $3' in:"; show "$1"; }
}
# any_row NAME THING: the row of THING is there, whatever its state.
any_row() {
  awk -v thing="$2" '
    /^(ok|no|--) / && index(substr($0, 5), thing) == 1 { found = 1 }
    END { exit !found }' "$tmp/$1" || { fail "$1: no row for '$2' in:"; show "$1"; }
}
# explained NAME WHY FIX: each "no" row is followed by its why line and its fix line.
explained() {
  awk -v why="      $2" -v fix="      $3" -v name="$1" '
    function check() {
      if (open != "" && (!saw_why || !saw_fix)) {
        printf "doctor_test: %s: the row \"%s\" has no %s\n", name, open,
               saw_why ? "fix line" : "why line" > "/dev/stderr"
        bad = 1
      }
      open = ""
    }
    /^(ok|no|--) / { check(); if ($1 == "no") { open = $0; saw_why = 0; saw_fix = 0 } next }
    index($0, why) == 1 { saw_why = 1; next }
    index($0, fix) == 1 { saw_fix = 1; next }
    { check() }
    END { check(); exit bad }
  ' "$tmp/$1" || { failures=$((failures + 1)); show "$1"; }
}

english_rows='user namespaces|network namespaces + veth|TUN device|AF_PACKET capture|ICMP ping socket|raw sockets (in a lab)|io_uring|open files |tshark|tcpdump|Wine + mingw-w64|cmake|g++|clang++|libgtest-dev|libfmt-dev|liburing-dev'
chinese_rows='用户命名空间|网络命名空间 + veth|TUN 设备|AF_PACKET 抓包|ICMP ping 套接字|原始套接字（实验中）|io_uring|打开文件数 |tshark|tcpdump|Wine + mingw-w64|cmake|g++|clang++|libgtest-dev|libfmt-dev|liburing-dev'
# every_row NAME ROWS: each of ROWS ('|' between them) has its row.
every_row() {
  e_rows=$2
  while [ -n "$e_rows" ]; do
    e_one=${e_rows%%|*}
    any_row "$1" "$e_one"
    [ "$e_rows" = "$e_one" ] && break
    e_rows=${e_rows#*|}
  done
}

# The runs, side by side (each takes a good part of a second on a busy machine); the
# checks after.
# run NAME VAR=VALUE...: doctor NAME in the background, its failures in $tmp/NAME.failures.
run() {
  (
    failures=0
    doctor "$@"
    echo "$failures" >"$tmp/$1.failures"
  ) &
}

# 1. This machine, in English, with the build.
run real_en SOCKLAB_LANG=en BUILD="$build"

# 2. Forbidden: a fake /proc/sys per cause (the first cause found wins, as in the lab
#    room), and an unshare that fails as the kernel's refusal does, on a PATH of the few
#    tools the script needs (and ip): the rows of the other tools say they are missing.
mkdir -p "$tmp/bin" "$tmp/no-container" "$tmp/docker"
: >"$tmp/docker/.dockerenv"
cat >"$tmp/bin/unshare" <<'FAKE'
#!/bin/sh
echo "unshare: unshare failed: Operation not permitted" >&2
exit 1
FAKE
chmod +x "$tmp/bin/unshare"
for tool in sh dirname head tr sed wc grep id uname cut ls timeout awk ip; do
  if found=$(command -v "$tool"); then ln -s "$found" "$tmp/bin/$tool"; fi
done
# fake NAME FILE=VALUE...: $tmp/NAME.proc, a /proc/sys with those files.
fake() {
  f_dir="$tmp/$1.proc"
  shift
  mkdir -p "$f_dir/kernel" "$f_dir/user" "$f_dir/net/ipv4"
  for f_set in "$@"; do printf '%s\n' "${f_set#*=}" >"$f_dir/${f_set%%=*}"; done
}
fake apparmor kernel/apparmor_restrict_unprivileged_userns=1 kernel/io_uring_disabled=2
fake max_userns user/max_user_namespaces=0
fake wsl1 kernel/osrelease=4.4.0-19041-Microsoft
fake container
# forbidden NAME FAKE ROOTFS VAR=VALUE...: run NAME on that fake, no build.
forbidden() {
  f_name=$1 f_proc=$2 f_rootfs=$3
  shift 3
  run "$f_name" PATH="$tmp/bin" SOCKLAB_DOCTOR_PROC="$tmp/$f_proc.proc" \
    SOCKLAB_DOCTOR_ROOTFS="$tmp/$f_rootfs" BUILD="$tmp/no-build" "$@"
}
# In Chinese: every row in Chinese, AppArmor's restriction.
forbidden apparmor_zh apparmor no-container SOCKLAB_LANG=zh-CN
# AppArmor, no TUN device, io_uring off, and 1024 files at most (soft and hard).
(
  ulimit -n 1024
  forbidden apparmor_en apparmor no-container SOCKLAB_LANG=en SOCKLAB_DOCTOR_TUN="$tmp/no-tun"
  wait
)
forbidden max_userns max_userns no-container SOCKLAB_LANG=en
forbidden wsl1 wsl1 no-container SOCKLAB_LANG=en
forbidden container container docker SOCKLAB_LANG=en
wait
for name in real_en apparmor_zh apparmor_en max_userns wsl1 container; do
  if [ -r "$tmp/$name.failures" ]; then
    failures=$((failures + $(cat "$tmp/$name.failures")))
  else
    fail "$name: did not run"
  fi
done

every_row real_en "$english_rows"
explained real_en "why: " "fix: "
has real_en " of 17 ok."
if [ -x "$build/bin/handshake" ]; then has_not real_en "build first: make build"; fi
if command -v ip >/dev/null 2>&1; then
  for dev in doctor0a doctor0b doctor0t; do
    if ip link show "$dev" >/dev/null 2>&1; then fail "real_en: the probe left device $dev here"; fi
  done
fi

every_row apparmor_zh "$chinese_rows"
explained apparmor_zh "原因：" "解决："
has apparmor_zh "先构建：make build"
has apparmor_zh "17 项中 "
has_not apparmor_zh "user namespaces"
has_not apparmor_zh "why: "
row apparmor_zh no "用户命名空间"
has apparmor_zh "原因：这里 AppArmor 不许普通程序创建用户命名空间（kernel.apparmor_restrict_unprivileged_userns = 1"
has apparmor_zh "解决：sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0（重启前有效）"

every_row apparmor_en "$english_rows"
row apparmor_en no "user namespaces"
has apparmor_en "why: AppArmor forbids user namespaces to ordinary programs here (kernel.apparmor_restrict_unprivileged_userns = 1, Ubuntu 23.10 and later) (unshare: unshare failed: Operation not permitted)"
has apparmor_en "fix: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (until reboot), or run the lab with sudo"
row apparmor_en no "network namespaces + veth"
row apparmor_en no "TUN device"
has apparmor_en "fix: sudo modprobe tun"
row apparmor_en no "io_uring"
has apparmor_en "why: io_uring is switched off for everyone (kernel.io_uring_disabled = 2)"
has apparmor_en "fix: sudo sysctl -w kernel.io_uring_disabled=0"
row apparmor_en no "open files 1024/1024"
has apparmor_en "why: RLIMIT_NOFILE's hard limit is 1024; lesson 11 needs 10200 descriptors at once"
has apparmor_en "/etc/security/limits.conf"
explained apparmor_en "why: " "fix: "

row max_userns no "user namespaces"
has max_userns "(user.max_user_namespaces = 0)"
has max_userns "fix: sudo sysctl -w user.max_user_namespaces=15000"

row wsl1 no "user namespaces"
has wsl1 "why: WSL1 has no network namespaces"
has wsl1 "fix: switch this distribution to WSL2 (in PowerShell: wsl --set-version <distro> 2)"

row container no "user namespaces"
has container "why: this container forbids namespaces"
has container "--security-opt seccomp=unconfined"

if [ "$failures" -ne 0 ]; then
  printf 'doctor_test: %s check(s) failed\n' "$failures" >&2
  exit 1
fi
printf 'doctor_test: every row in both languages, exit 0, causes and fixes named\n'
