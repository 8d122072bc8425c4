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
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
