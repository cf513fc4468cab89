#!/usr/bin/env bash
# scripts/test-as-user.sh — the lab lessons' suites as an ordinary user, as a
# student runs them (CI is root; students are not). Run as root, after `make test`:
#
#   bash scripts/test-as-user.sh [BUILD]      (make test-as-user)
#
# It creates the user socklab-student if missing, hands BUILD to it, opens
# /dev/net/tun to users as Debian's and Ubuntu's udev do (mode 0666; this
# container's is 0600), and runs lessons 03, 04, 12 and 13 and `make check-13` as
# that user. They take namespaces of their own (docs/fresh-machine.md); the only
# skips allowed are the tshark ones. Exit 1 on a failure or on any other skip.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
USER_NAME=socklab-student
if [ "$(id -u)" != 0 ]; then
  echo "test-as-user: run it as root (it creates a user and hands $BUILD to it)" >&2
  exit 2
fi
[ -f "$BUILD/CTestTestfile.cmake" ] || { echo "test-as-user: no $BUILD: run make test first" >&2; exit 2; }
id -u "$USER_NAME" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$USER_NAME"
if [ -e /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
  echo "test-as-user: /dev/net/tun is mode $(stat -c %a /dev/net/tun); 0666 as a normal install has it"
  chmod 0666 /dev/net/tun
fi
# The user must reach the tree: let it through each parent directory (o+x only).
dir=$(pwd)
while [ "$dir" != / ]; do
  [ -n "$(find "$dir" -maxdepth 0 -perm -o+x)" ] || { echo "test-as-user: chmod o+x $dir"; chmod o+x "$dir"; }
  dir=$(dirname "$dir")
done
chown -R "$USER_NAME" "$BUILD"
trap 'chown -R root "$BUILD"' EXIT
junit=$BUILD/as-user.xml
# The user's own PATH, as a login gives it on Debian (no /usr/sbin, no /sbin): not
# root's, which has sysctl in it where a student's has not.
as_user() {
  runuser -u "$USER_NAME" -- env HOME="/home/$USER_NAME" \
    PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games "$@"
}
status=0
as_user ctest --test-dir "$BUILD" -L '^lesson(03|04|12|13)$' -j 2 --output-on-failure \
  --output-junit "$(pwd)/$junit" || status=1
# Skipped is never passed: every skip but tshark's is a failure here.
skips=$(grep -o '<skipped message="[^"]*"' "$junit" | sed 's/<skipped message="//; s/"$//' || true)
others=$(printf '%s\n' "$skips" | grep -v -i tshark | grep -v '^$' || true)
echo "test-as-user: $(printf '%s\n' "$skips" | grep -c . || true) skipped ($(printf '%s\n' "$others" | grep -c . || true) not for tshark)"
if [ -n "$others" ]; then
  printf '  skipped as %s: %s\n' "$USER_NAME" "$others" | head -20
  status=1
fi
as_user make --no-print-directory check-13 BUILD="$BUILD" || status=1
exit $status
