#!/bin/sh
# Installs every Debian package amplink needs to build, test and benchmark.
# This is the only place packages are named; `make deps` and the Makefile targets call it.
# Idempotent: with everything installed it changes nothing and asks no mirror.
set -eu

PACKAGES="
build-essential
cmake
pkg-config
ca-certificates
git
file
clang
clang-format
libclang-rt-14-dev
libcmocka-dev
libmnl-dev
zlib1g-dev
linux-source-6.1
linux-source-6.12
xz-utils
flex
bison
bc
patch
libelf-dev
busybox-static
python3
python3-pip
python3-setuptools
python3-wheel
gnuplot-nox
linux-headers-amd64
kmod
procps
inotify-tools
gcc-arm-none-eabi
libnewlib-arm-none-eabi
qemu-system-arm
qemu-user
gcc-arm-linux-gnueabihf
libc6-dev-armhf-cross
"

# The board's side (Linux on the STM32MP157's Cortex-A7): libamplink and the
# CLI cross-built for armhf link Debian's armhf multiarch libmnl and zlib.
# The target's C library comes with the cross compiler (libc6-dev-armhf-cross
# above), and zlib's headers are zlib1g-dev's (the same for every
# architecture): zlib1g-dev:armhf would pull in libc6-dev:armhf, whose
# linux-libc-dev:armhf (and libssl3:armhf, through libtirpc) must have the
# very version the amd64 side has, which after a kernel or OpenSSL security
# update only the armhf index of bookworm-security has; with that one index
# stale on a mirror, nothing armhf would install. What is listed here depends
# on libc6, libgcc-s1 and zlib1g alone.
FOREIGN_ARCH=armhf
FOREIGN_PACKAGES="
libmnl-dev:armhf
zlib1g:armhf
"

log() { echo "install-deps: $*" >&2; }

missing=""
for p in $PACKAGES $FOREIGN_PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	log "missing packages:$missing"
	if ! dpkg --print-foreign-architectures | grep -qx "$FOREIGN_ARCH"; then
		log "run as root (or: sudo dpkg --add-architecture $FOREIGN_ARCH && sudo apt-get update && sudo apt-get install$missing)"
	else
		log "run as root (or: sudo apt-get install$missing)"
	fi
	exit 1
fi
log "installing:$missing"
export DEBIAN_FRONTEND=noninteractive

if ! dpkg --print-foreign-architectures | grep -qx "$FOREIGN_ARCH"; then
	log "adding the $FOREIGN_ARCH architecture (dpkg --add-architecture $FOREIGN_ARCH)"
	dpkg --add-architecture "$FOREIGN_ARCH"
fi

# A mirror caught mid-sync fails now and then: an index of the wrong size
# or hash during `apt-get update`, a package the lists name but the pool no
# longer (or not yet) has, or, for the armhf packages, the amd64 and armhf
# lists giving a Multi-Arch: same package (libc6, zlib1g) two different
# versions. All of these pass once the mirror has finished, so: update the
# lists and install, and on failure wait and do both again.
apt_update() {
	for u in 1 2; do
		apt-get -o Acquire::Retries=3 update -q && return 0
		log "apt-get update failed (try $u of 2)"
		[ "$u" -eq 2 ] || sleep 15
	done
	# Go on with the lists we have: the install below says so if a
	# package is really out of reach.
	log "apt-get update kept failing; trying the install with the lists as they are"
}

attempts=4
attempt=1
while :; do
	apt_update
	# shellcheck disable=SC2086
	if apt-get -o Acquire::Retries=3 install -y -q --no-install-recommends $missing; then
		break
	fi
	if [ "$attempt" -ge "$attempts" ]; then
		log "error: could not install:$missing"
		log "(after $attempts rounds of apt-get update + install; if the errors above say 'Mirror sync in progress', 'Hash Sum mismatch', '404' or 'unmet dependencies' between :amd64 and :$FOREIGN_ARCH versions, the mirror is mid-sync: run 'make deps' again later)"
		exit 1
	fi
	log "apt-get install failed (round $attempt of $attempts): waiting $((attempt * 60)) s for the mirror, then updating the lists and trying again"
	sleep $((attempt * 60))
	attempt=$((attempt + 1))
done
