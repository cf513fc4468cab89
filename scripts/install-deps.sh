#!/usr/bin/env sh
# install-deps.sh — install what socklab needs to build, if it is missing.
#   Debian/Ubuntu: cmake, a C++ compiler, make, libgtest-dev, libfmt-dev, zlib1g-dev
#                  (the file-transfer example's CRC-32) (apt-get),
#                  and the tools the tests run: iproute2 + procps (lesson 04's
#                  routing demo: ip, sysctl), curl and netcat-openbsd (the
#                  examples are tested against real third-party clients),
#                  strace and util-linux's prlimit (lesson 11: the reactor's
#                  system calls counted, its start under a low descriptor limit),
#                  liburing-dev + pkg-config (lesson 14: io_uring; without it the
#                  build goes on and lesson 14's tests skip)
#   macOS:         cmake, googletest, fmt (Homebrew)
# Elsewhere it names the packages and stops. Extra Debian packages to install
# may be given as arguments (e.g. tshark, lesson 03's independent pcap decoder:
# ~120 MB installed, so it is optional — `make deps-tshark`).
set -eu

DEB_PACKAGES="cmake g++ make libgtest-dev libfmt-dev zlib1g-dev iproute2 procps curl netcat-openbsd strace util-linux liburing-dev pkg-config $*"

if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  missing=""
  for p in $DEB_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && exit 0
  echo "socklab: installing:$missing"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
      echo "socklab: need root to install:$missing (no sudo found). Ask an admin to run:" >&2
      echo "  apt-get install$missing" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture: answer "no" up front.
  case " $missing " in
    *" tshark "*) echo "wireshark-common wireshark-common/install-setuid boolean false" |
                    $SUDO debconf-set-selections ;;
  esac
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing
  exit 0
fi

if [ "$(uname -s)" = Darwin ]; then
  if ! command -v brew >/dev/null 2>&1; then
    echo "socklab: install Homebrew (https://brew.sh), then: brew install cmake googletest fmt" >&2
    exit 1
  fi
  for p in cmake googletest fmt; do brew list "$p" >/dev/null 2>&1 || brew install "$p"; done
  exit 0
fi

# Other systems: check for the tools and say what to install.
if command -v cmake >/dev/null 2>&1 && command -v c++ >/dev/null 2>&1; then
  echo "socklab: not a Debian/Ubuntu or macOS system; assuming GoogleTest and fmt are installed." >&2
  echo "         (if the build fails, install: cmake, a C++20 compiler, GoogleTest, fmt)" >&2
  exit 0
fi
echo "socklab: please install: cmake, a C++20 compiler (g++ or clang++), make, GoogleTest, fmt" >&2
exit 1
