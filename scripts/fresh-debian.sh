#!/usr/bin/env bash
# fresh-debian.sh DIR [REPO [BRANCH]] — `make test` as a student's first command, on a
# minimal Debian 12 that has never seen socklab (docs/fresh-machine.md).
#
#   1. debootstrap --variant=minbase --include=git,make,ca-certificates bookworm DIR
#      (skipped when DIR already holds that system: delete DIR for a really fresh one)
#   2. a normal /etc/hosts (localhost for 127.0.0.1 and ::1) and the host's resolv.conf
#   3. in a private mount namespace (so nothing can leak onto the host, even if this
#      script is killed): DIR bound onto itself (a chroot's / must be a mount point
#      for `ip netns exec`), /proc, /sys, /dev, /dev/pts, and a tmpfs on /run (network
#      namespaces live in /run/netns); unmounted again at the end, also on failure
#   4. git clone of REPO's BRANCH (default: this checkout, its current branch — only
#      what is committed) into DIR/root/socklab
#   5. chroot DIR, cd /root/socklab, make test — make installs what is missing (make deps)
#
# KEEP_CLONE=1 skips step 4 and runs make test again in the last clone (its build kept).
#
# Needs root (debootstrap, mount, chroot). Prints the wall time and ctest's summary.
# MIRROR overrides the Debian mirror (default: http://deb.debian.org/debian).
set -euo pipefail

if [ $# -lt 1 ] || [ "$1" = --help ]; then
  echo "usage: $0 DIR [REPO [BRANCH]]   (as root; see docs/fresh-machine.md)" >&2
  exit 2
fi
DIR=$(realpath -m "$1")
REPO=${2:-$(git -C "$(dirname "$0")" rev-parse --show-toplevel)}
BRANCH=${3:-$(git -C "$REPO" rev-parse --abbrev-ref HEAD)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
if [ "$(id -u)" -ne 0 ]; then
  echo "fresh-debian: needs root (debootstrap, mount, chroot)" >&2
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

if [ "${KEEP_CLONE:-0}" = 1 ] && [ -d "$DIR/root/socklab" ]; then
  # Re-run the tests of the last clone and its build (e.g. after changing this script).
  echo "fresh-debian: KEEP_CLONE=1: the existing clone" \
    "($(git -C "$DIR/root/socklab" rev-parse --short HEAD)) and its build"
else
  rm -rf "$DIR/root/socklab"
  git clone --quiet --branch "$BRANCH" "$REPO" "$DIR/root/socklab"
  echo "fresh-debian: cloned $REPO ($BRANCH, $(git -C "$DIR/root/socklab" rev-parse --short HEAD))"
fi

# Everything below runs in its own mount namespace with private propagation: the
# mounts are invisible to the host and vanish with the namespace. The trap unmounts
# them anyway, in reverse order, so that DIR can be deleted right after.
export DIR
test_start=$(date +%s)
set +e
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
