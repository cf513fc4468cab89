#!/usr/bin/env bash
# fresh-debian.sh [--chroot] DIR [REPO [BRANCH]] — the README's path, as an ordinary
# user, on a minimal Debian 12 that has never seen socklab (docs/fresh-machine.md).
#
#   1. debootstrap --variant=minbase --include=git,make,ca-certificates bookworm DIR
#      (skipped when DIR already holds that system, with what earlier runs installed:
#      delete DIR for a really fresh one)
#   2. a normal /etc/hosts (localhost for 127.0.0.1 and ::1) and the host's resolv.conf;
#      REPO's BRANCH (default: this checkout, its current branch — only what is
#      committed) as a git bundle, DIR/srv/socklab.bundle, for the user to clone
#   3. DIR entered as a machine, not a chroot: new mount and PID namespaces (unshare),
#      DIR bound onto itself, /proc (of the new PID namespace), /sys, a /dev of its
#      own (null, zero, full, random, urandom, tty, pts, shm, and /dev/net/tun mode
#      0666 as Debian's udev makes it), a tmpfs on /run; then pivot_root into DIR and
#      the host's root unmounted. The kernel refuses user namespaces to a chrooted
#      process (unshare(2), EPERM), so only this shows the labs that need no root.
#      Nothing is mounted on the host; it all vanishes with the namespaces, even when
#      this script is killed.
#   4. inside, as root: the user `student`; as student: git clone of the bundle into
#      ~/socklab; as root, as a student with sudo would: make deps; as student:
#      make test, then make check-03 check-04 check-12 check-13 and make doctor
#
#   --chroot   the old check instead: clone into DIR/root/socklab, chroot DIR and run
#              make test as root (no user, so no user namespaces needed or shown)
#
# KEEP_CLONE=1 skips the clone and runs again in the last clone (its build kept).
# MIRROR overrides the Debian mirror (default: http://deb.debian.org/debian).
# Needs root (debootstrap, mount, pivot_root) and the network. Prints each step's
# wall time and ctest's summary; make check-NN prints why tests skipped. Exit 0 when
# every step passed, 1 when one failed, 2 on a usage error.
set -euo pipefail

usage() {
  cat <<EOF
usage: $0 [--chroot] DIR [REPO [BRANCH]]     (as root; see docs/fresh-machine.md)
  DIR       the fresh Debian 12 (debootstrap when DIR holds none yet; reused otherwise)
  REPO      the git repository on this machine to hand out (default: this checkout)
  BRANCH    its branch (default: REPO's current branch); only what is committed
  --chroot  the old check: chroot DIR and make test as root, no ordinary user
environment: KEEP_CLONE=1 (no new clone: the last one and its build),
             MIRROR=URL (the Debian mirror; default http://deb.debian.org/debian)
EOF
}

MODE=user
args=()
for a in "$@"; do
  case $a in
    -h | --help) usage; exit 0 ;;
    --chroot) MODE=chroot ;;
    -*) echo "fresh-debian: unknown option $a (try --help)" >&2; exit 2 ;;
    *) args+=("$a") ;;
  esac
done
if [ ${#args[@]} -lt 1 ] || [ ${#args[@]} -gt 3 ]; then
  usage >&2
  exit 2
fi
DIR=$(realpath -m "${args[0]}")
REPO=${args[1]:-$(git -C "$(dirname "$0")" rev-parse --show-toplevel)}
BRANCH=${args[2]:-$(git -C "$REPO" rev-parse --abbrev-ref HEAD)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
if [ "$DIR" = / ]; then
  echo "fresh-debian: DIR must not be / (it becomes the fresh system)" >&2
  exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "fresh-debian: needs root (debootstrap, mount, pivot_root)" >&2
  exit 1
fi
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap

start=$(date +%s)
if [ ! -x "$DIR/usr/bin/make" ]; then
  echo "fresh-debian: debootstrap bookworm into $DIR ($MIRROR)"
  debootstrap --variant=minbase --include=git,make,ca-certificates bookworm "$DIR" "$MIRROR"
fi
echo "fresh-debian: system ready after $(($(date +%s) - start)) s"

cat >"$DIR/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
EOF
cp -L /etc/resolv.conf "$DIR/etc/resolv.conf"
export DIR

if [ "$MODE" = chroot ]; then
  if [ "${KEEP_CLONE:-0}" = 1 ] && [ -d "$DIR/root/socklab" ]; then
    echo "fresh-debian: KEEP_CLONE=1: the existing clone" \
      "($(git -C "$DIR/root/socklab" rev-parse --short HEAD)) and its build"
  else
    rm -rf "$DIR/root/socklab"
    git clone --quiet --branch "$BRANCH" "$REPO" "$DIR/root/socklab"
    echo "fresh-debian: cloned $REPO ($BRANCH, $(git -C "$DIR/root/socklab" rev-parse --short HEAD))"
  fi
  # A private mount namespace: the mounts are invisible to the host and vanish with it;
  # the trap unmounts them anyway, in reverse order, so that DIR can be deleted after.
  test_start=$(date +%s)
  set +e
  # shellcheck disable=SC2016 # expanded by the inner bash, from the environment
  unshare --mount --propagation private bash -euo pipefail -c '
    unmount() {
      for m in run dev/pts dev sys proc; do
        mountpoint -q "$DIR/$m" && umount -R "$DIR/$m" 2>/dev/null || umount -R -l "$DIR/$m" 2>/dev/null || true
      done
      mountpoint -q "$DIR" && umount -R "$DIR" 2>/dev/null || umount -R -l "$DIR" 2>/dev/null || true
    }
    trap unmount EXIT
    # The new root must be a mount point, as / is on a real machine: `ip netns exec`
    # and `ip -n` run `mount --make-rslave /`, which fails (EINVAL) on a plain directory.
    mount --bind "$DIR" "$DIR"
    mount -t proc proc "$DIR/proc"
    mount -t sysfs sysfs "$DIR/sys"
    mount --bind /dev "$DIR/dev"
    mount -t devpts -o newinstance,ptmxmode=0666 devpts "$DIR/dev/pts"
    mount -t tmpfs -o mode=755 tmpfs "$DIR/run"
    env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        chroot "$DIR" sh -c "cd /root/socklab && make test"
  '
  rc=$?
  set -e
  echo "fresh-debian: make test exit $rc after $(($(date +%s) - test_start)) s" \
    "(total $(($(date +%s) - start)) s)"
  exit $rc
fi

# --- the ordinary user's path (default) ---------------------------------------------
# What the student clones: REPO's BRANCH as committed, in one file the user can read.
mkdir -p "$DIR/srv"
rm -f "$DIR/srv/socklab.bundle"
git -C "$REPO" bundle create "$DIR/srv/socklab.bundle" "$BRANCH" 2>/dev/null
chmod 0644 "$DIR/srv/socklab.bundle"
echo "fresh-debian: $REPO ($BRANCH, $(git -C "$REPO" rev-parse --short "$BRANCH")) as /srv/socklab.bundle"

# What runs inside, as root, once DIR is the root: PID 1 of the new PID namespace.
cat >"$DIR/root/fresh-debian-inside.sh" <<'EOF'
#!/bin/bash
# Written by scripts/fresh-debian.sh on the host; runs as root in the fresh system.
set -uo pipefail
say() { echo "fresh-debian: $*"; }
since() { echo "$(($(date +%s) - $1)) s"; }
as_student() { runuser -l student -c "$1"; }  # a login shell, as the student's terminal
status=0
id -u student >/dev/null 2>&1 || useradd --create-home --shell /bin/bash student
say "inside: $(. /etc/os-release && echo "$PRETTY_NAME"), / is the mount namespace's root ($(awk '$5 == "/" { print $4 }' /proc/self/mountinfo) of the host's disk, pivot_root)"
say "inside: $(ls -l /dev/net/tun | cut -d' ' -f1,3,4) /dev/net/tun"
if as_student 'unshare --user --map-root-user --net true' 2>/tmp/userns.err; then
  say "inside: as student, unshare --user --map-root-user --net: allowed (no chroot here)"
else
  say "inside: as student, unshare --user --map-root-user --net: refused: $(cat /tmp/userns.err)"
fi
if [ "$KEEP_CLONE" = 1 ] && [ -d /home/student/socklab ]; then
  say "KEEP_CLONE=1: the existing clone ($(runuser -u student -- git -C /home/student/socklab rev-parse --short HEAD)) and its build"
else
  rm -rf /home/student/socklab
  t=$(date +%s)
  say "as student: git clone --branch $BRANCH /srv/socklab.bundle socklab"
  as_student "git clone --quiet --branch $BRANCH /srv/socklab.bundle socklab" || exit 1
  say "cloned after $(since "$t")"
fi
t=$(date +%s)
say "as root (sudo make deps on a laptop): make deps"
make -C /home/student/socklab --no-print-directory deps || exit 1
say "make deps after $(since "$t")"
t=$(date +%s)
say "as student: make test"
as_student 'cd socklab && make test' 2>&1 | tee /root/make-test.log
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || status=1
say "make test exit $rc after $(since "$t")"
t=$(date +%s)
say "as student: make -k check-03 check-04 check-12 check-13"
as_student 'cd socklab && make -k check-03 check-04 check-12 check-13'  # -k: each one, even after a failure
rc=$?
[ "$rc" = 0 ] || status=1
say "make check-03 check-04 check-12 check-13 exit $rc after $(since "$t")"
say "as student: make doctor"
as_student 'cd socklab && make doctor'
say "summary of make test (ctest):"
grep -E 'tests passed|Total Test time|^\s+[0-9]+ - .*\((Skipped|Failed|Timeout|Not Run)\)' /root/make-test.log | sed 's/^/  /'
# The skipped tests' causes: make check-NN above prints them, one line per cause; for
# any other: ctest --test-dir build -R NAME -V, as the student.
exit $status
EOF
chmod 0755 "$DIR/root/fresh-debian-inside.sh"

# New mount and PID namespaces (private propagation: nothing reaches the host; when
# their last process ends, or unshare is killed, --kill-child, they vanish). Then the
# fresh system is made a machine's root: pivot_root, not chroot, so the user may make
# namespaces of their own in it. pivot_root(2) "NOTES": pivot_root(".", ".") stacks
# the old root on the new one, and umount -l . detaches it.
run_start=$(date +%s)
set +e
# shellcheck disable=SC2016 # expanded by the inner bash, from the environment
unshare --mount --propagation private --pid --fork --kill-child \
  env KEEP_CLONE="${KEEP_CLONE:-0}" BRANCH="$BRANCH" bash -euo pipefail -c '
  # pivot_root needs the new root to be a mount point (and `ip netns exec` runs
  # `mount --make-rslave /`, which fails on a plain directory).
  mount --bind "$DIR" "$DIR"
  mount -t proc -o nosuid,nodev,noexec proc "$DIR/proc"  # the new PID namespace
  mount -t sysfs -o nosuid,nodev,noexec sysfs "$DIR/sys"
  mount -t tmpfs -o nosuid,mode=755 dev "$DIR/dev"
  for node in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
    IFS=: read -r name major minor <<<"$node"
    mknod -m 0666 "$DIR/dev/$name" c "$major" "$minor"
  done
  mkdir -m 0755 "$DIR/dev/net" "$DIR/dev/pts"
  mknod -m 0666 "$DIR/dev/net/tun" c 10 200  # as Debian installs it (udev: 0666)
  mkdir -m 1777 "$DIR/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$DIR/dev/pts"
  mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$DIR/dev/shm"
  ln -s pts/ptmx "$DIR/dev/ptmx"
  ln -s /proc/self/fd "$DIR/dev/fd"
  ln -s /proc/self/fd/0 "$DIR/dev/stdin"
  ln -s /proc/self/fd/1 "$DIR/dev/stdout"
  ln -s /proc/self/fd/2 "$DIR/dev/stderr"
  mount -t tmpfs -o nosuid,nodev,mode=755 run "$DIR/run"
  cd "$DIR"
  pivot_root . .
  umount -l .
  cd /
  exec env -i HOME=/root TERM=dumb LANG=C.UTF-8 KEEP_CLONE="$KEEP_CLONE" BRANCH="$BRANCH" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash /root/fresh-debian-inside.sh
'
rc=$?
set -e
echo "fresh-debian: inside exit $rc after $(($(date +%s) - run_start)) s" \
  "(total $(($(date +%s) - start)) s)"
exit $rc
