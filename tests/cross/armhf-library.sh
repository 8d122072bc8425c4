#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# libamplink and the amplink CLI cross-built for the board (armhf: Linux on
# the STM32MP157's Cortex-A7) with cmake/arm-linux-gnueabihf.cmake and every
# optional part off, and installed into a DESTDIR, as docs/board.md tells.
# Checks with file and readelf that the shared library (with its SONAME),
# every object of the static library and the CLI are 32-bit ARM, EABI5,
# hard-float; then runs the CLI and a program linked against the shared
# library under qemu-arm.
#
#   armhf-library.sh SOURCE_DIR BUILD_DIR
set -eu
src=${1:?usage: armhf-library.sh SOURCE_DIR BUILD_DIR}
out=${2:?usage: armhf-library.sh SOURCE_DIR BUILD_DIR}
triplet=arm-linux-gnueabihf

fail() {
	echo "FAIL: $*"
	exit 1
}
for tool in $triplet-gcc file readelf qemu-arm; do
	command -v "$tool" >/dev/null || fail "$tool not found; run 'make deps' (or scripts/install-deps.sh)"
done

rm -rf "$out"
mkdir -p "$out"
cmake -S "$src" -B "$out" -DCMAKE_TOOLCHAIN_FILE="$src/cmake/$triplet.cmake" \
	-DCMAKE_BUILD_TYPE=Release -DAMPLINK_TESTS=OFF -DAMPLINK_FIRMWARE=OFF \
	-DAMPLINK_FIRMWARE_M4=OFF -DAMPLINK_KERNEL_MODULE=OFF -DAMPLINK_EXAMPLES=OFF \
	-DAMPLINK_SANITIZE=OFF >"$out/configure.log" 2>&1 ||
	{ cat "$out/configure.log"; fail "configuring for armhf"; }
cmake --build "$out" -j 2 >"$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log"; fail "building for armhf"; }
grep -q "C compiler identification is GNU" "$out/configure.log" ||
	fail "the toolchain file did not select $triplet-gcc"
# What goes onto the board's root file system.
DESTDIR=$out/root cmake --install "$out" --prefix /usr >"$out/install.log" 2>&1 ||
	{ cat "$out/install.log"; fail "installing into $out/root"; }

so=$out/root/usr/lib/libamplink.so.0
ar=$out/root/usr/lib/libamplink.a
cli=$out/root/usr/bin/amplink
for f in "$so" "$ar" "$cli"; do
	[ -e "$f" ] || fail "$f was not installed"
done

# ELF32, ARM, EABI version 5 and the hard-float ABI flag (set at link time).
check_linked() {
	f=$1
	what=$(file -L "$f")
	echo "$what"
	case $what in
	*"ELF 32-bit LSB"*"ARM, EABI5"*) ;;
	*) fail "$f: not a 32-bit ARM EABI5 ELF" ;;
	esac
	readelf -h "$f" >"$out/readelf.txt"
	grep -Eq 'Class: +ELF32' "$out/readelf.txt" || fail "$f: not ELF32"
	grep -Eq 'Machine: +ARM$' "$out/readelf.txt" || fail "$f: machine is not ARM"
	grep -Eq 'Flags: .*Version5 EABI, hard-float ABI' "$out/readelf.txt" ||
		fail "$f: not EABI5 hard-float ($(grep Flags "$out/readelf.txt"))"
	readelf -A "$f" | grep -q 'Tag_ABI_VFP_args: VFP registers' ||
		fail "$f: floating-point arguments not in VFP registers"
}

check_linked "$so"
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libamplink.so.0 ] || fail "$so: SONAME '$soname', not libamplink.so.0"
echo "  SONAME $soname"

check_linked "$cli"
readelf -l "$cli" | grep -q 'interpreter: /lib/ld-linux-armhf.so.3' ||
	fail "$cli: not for the armhf dynamic loader"
for lib in libmnl.so.0 libz.so.1; do
	readelf -d "$cli" | grep -q "(NEEDED).*\[$lib\]" || fail "$cli: does not link $lib"
done

# Objects in an archive carry no hard-float header flag: every member must be
# ELF32 ARM EABI5 with VFP-register arguments.
file "$ar"
members=$(ar t "$ar" | wc -l)
[ "$members" -gt 0 ] || fail "$ar is empty"
for pat in 'Class: +ELF32' 'Machine: +ARM$' 'Flags: .*Version5 EABI'; do
	n=$(readelf -h "$ar" | grep -Ec "$pat")
	[ "$n" -eq "$members" ] || fail "$ar: $n of $members objects match '$pat'"
done
n=$(readelf -A "$ar" | grep -c 'Tag_ABI_VFP_args: VFP registers')
[ "$n" -eq "$members" ] || fail "$ar: $n of $members objects pass floats in VFP registers"
echo "  $members objects, all ELF32 ARM EABI5 hard-float"

# They run on ARMv7 (qemu-arm, with Debian's armhf libc, libmnl and zlib).
version=$(qemu-arm "$cli" --version) || fail "$cli --version failed under qemu-arm"
echo "qemu-arm: $version"
cat >"$out/prog.c" <<'EOC'
#include <stdio.h>
#include <string.h>
#include <amplink/amplink.h>

int main(void)
{
	enum amp_transport t;

	if (amp_transport_parse("netlink", &t) != 0 || strcmp(amp_transport_name(t), "netlink"))
		return 1;
	if (amp_crc32(0, "123456789", 9) != 0xCBF43926u)
		return 2;
	printf("linked against libamplink.so.0: transport %s, crc ok\n", amp_transport_name(t));
	return 0;
}
EOC
$triplet-gcc -Wall -Wextra -Werror -I"$src/include" "$out/prog.c" -o "$out/prog" \
	-L"$out/root/usr/lib" -lamplink || fail "linking a program against the armhf libamplink.so"
readelf -d "$out/prog" | grep -q '(NEEDED).*\[libamplink.so.0\]' ||
	fail "the program does not load libamplink.so.0"
LD_LIBRARY_PATH=$out/root/usr/lib qemu-arm "$out/prog" || fail "the program failed under qemu-arm"
echo "armhf-library-ok: libamplink (shared and static) and the CLI for 32-bit ARM EABI5 hard-float"
