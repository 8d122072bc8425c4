#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rpmsg_netlink.ko cross-built for the board: ARCH=arm against the
# multi_v7_defconfig Linux 6.1 tree kernel/prepare-arm-kernel keeps in the
# cache (prepared once, by `make cross-kernel`; here too if it is missing),
# warning-free (W=1, -Werror). Checks with file and readelf that the module
# is 32-bit ARM (EABI5) and that its vermagic names the tree's 6.1 release
# and ARMv7.
#
#   arm-module.sh SOURCE_DIR BUILD_DIR
set -eu
src=${1:?usage: arm-module.sh SOURCE_DIR BUILD_DIR}
out=${2:?usage: arm-module.sh SOURCE_DIR BUILD_DIR}

fail() {
	echo "FAIL: $*"
	exit 1
}
for tool in arm-linux-gnueabihf-gcc file readelf; do
	command -v "$tool" >/dev/null || fail "$tool not found; run 'make deps' (or scripts/install-deps.sh)"
done

tree=$("$src/kernel/prepare-arm-kernel" --print-dir) || fail "no ARM kernel tree (kernel/prepare-arm-kernel)"
echo "kernel tree: $tree"
release=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$tree/include/generated/utsrelease.h")
case $release in
6.1.*) ;;
*) fail "the tree's release is '$release', not 6.1.x" ;;
esac

rm -rf "$out"
# Without the kernel's own Module.symvers (only modules_prepare was run),
# modpost lists every kernel symbol as unresolved: the log keeps them.
"$src/kernel/build-module.sh" arm "$out" >"$out.log" 2>&1 ||
	{ tail -n 40 "$out.log"; fail "building the module for ARCH=arm"; }
ko=$out/rpmsg_netlink.ko
[ -f "$ko" ] || fail "no $ko"
if grep -E 'warning:|error:' "$out.log"; then
	fail "the compiler warned"
fi

what=$(file "$ko")
echo "$what"
case $what in
*"ELF 32-bit LSB relocatable, ARM, EABI5"*) ;;
*) fail "$ko: not a 32-bit ARM EABI5 relocatable object" ;;
esac
readelf -h "$ko" >"$out/readelf.txt"
grep -Eq 'Class: +ELF32' "$out/readelf.txt" || fail "$ko: not ELF32"
grep -Eq 'Machine: +ARM$' "$out/readelf.txt" || fail "$ko: machine is not ARM"
grep -Eq 'Flags: .*Version5 EABI' "$out/readelf.txt" || fail "$ko: not EABI5"
readelf -A "$ko" | grep -q 'Tag_CPU_arch: v7$' || fail "$ko: not built for ARMv7"

vermagic=$(readelf -p .modinfo "$ko" | sed -n 's/.*\]  vermagic=//p')
echo "vermagic: $vermagic"
case "$vermagic" in
"$release "*" ARMv7 "*) ;;
*) fail "vermagic '$vermagic' does not say $release and ARMv7" ;;
esac
readelf -p .modinfo "$ko" | grep -q ']  name=rpmsg_netlink$' || fail "$ko: no module name"
echo "arm-module-ok: rpmsg_netlink.ko for ARCH=arm, Linux $release multi_v7"
