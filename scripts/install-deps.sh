#!/bin/sh
# Installs every Debian package amplink needs to build, test and benchmark.
# This is the only place packages are named; `make deps` and the Makefile targets call it.
set -eu

PACKAGES="
build-essential
cmake
pkg-config
ca-certificates
git
clang
clang-format
libclang-rt-14-dev
libcmocka-dev
libmnl-dev
zlib1g-dev
linux-source-6.1
xz-utils
flex
bison
bc
patch
libelf-dev
busybox-static
python3
gnuplot-nox
linux-headers-amd64
kmod
procps
inotify-tools
gcc-arm-none-eabi
libnewlib-arm-none-eabi
qemu-system-arm
"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root (or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# A mirror caught mid-sync fails an index now and then: try again before
# giving up, and go on with the lists we have if one index stays broken
# (the install below says so if a package is really out of reach).
for attempt in 1 2 3; do
	apt-get update -q && break
	echo "install-deps: apt-get update failed (attempt $attempt of 3)" >&2
	[ "$attempt" -lt 3 ] && sleep 10
done
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
