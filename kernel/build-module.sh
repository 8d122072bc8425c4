#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Builds rpmsg_netlink.ko out of the source tree: links the sources into
# OUTDIR and runs kbuild there, so objects never land in kernel/.
#   build-module.sh vboard OUTDIR          against the vboard kernel (ARCH=um)
#   build-module.sh vboard-debug OUTDIR    against the debug vboard kernel
#   build-module.sh vboard-6.12 OUTDIR     against the vboard kernel built
#                                          from linux-source-6.12
#   build-module.sh debian OUTDIR          against Debian's linux-headers-amd64
#   build-module.sh arm OUTDIR             for the board: ARCH=arm against the
#                                          multi_v7 6.1 tree of prepare-arm-kernel
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
target=${1:?usage: build-module.sh vboard|vboard-debug|vboard-6.12|debian|arm OUTDIR}
out=${2:?usage: build-module.sh vboard|vboard-debug|vboard-6.12|debian|arm OUTDIR}

case "$target" in
vboard)
	kdir=$("$top/vboard/build-kernel" --print-dir)
	set -- ARCH=um
	;;
vboard-debug)
	kdir=$("$top/vboard/build-kernel" --debug --print-dir)
	set -- ARCH=um
	;;
vboard-6.12)
	kdir=$("$top/vboard/build-kernel" --kernel 6.12 --print-dir)
	set -- ARCH=um
	;;
debian)
	# The newest headers the linux-headers-amd64 package pulled in.
	kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$kdir" ]; then
		echo "build-module: no /usr/src/linux-headers-*-amd64" >&2
		exit 1
	fi
	set --
	;;
arm)
	kdir=$("$here/prepare-arm-kernel" --print-dir)
	set -- ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf-
	;;
*)
	echo "build-module: unknown target '$target'" >&2
	exit 2
	;;
esac

mkdir -p "$out"
# kbuild takes M= relative to the kernel tree: make it absolute.
out=$(cd "$out" && pwd)
for f in rpnl_core.c rpnl_bulk.c rpnl_bulk_table.c rpnl_region.c rpnl.h Kbuild; do
	ln -sfn "$here/$f" "$out/$f"
done
# Warnings are errors here; W=1 adds the extra checks kernel maintainers run.
# A calling make's jobserver is not passed on (one file to compile).
unset MAKEFLAGS MFLAGS
exec make -C "$kdir" "$@" M="$out" W=1 KCFLAGS=-Werror \
	AMPLINK_TOP="$top" modules
