#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# libamplink as a distribution or a board image installs it: cmake --install
# into a temporary DESTDIR under a prefix of its own, then a program built
# against the installed amplink.pc only, once against the shared library
# (found through its SONAME) and once statically; both must run. The shared
# library must export exactly the functions amplink.h marks AMP_EXPORT.
#
#   install-test.sh BUILD_DIR SOURCE_DIR
set -eu
build=${1:?usage: install-test.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: install-test.sh BUILD_DIR SOURCE_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=/opt/amplink-install-test

DESTDIR="$tmp/root" cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; echo "FAIL: cmake --install"; exit 1; }
root="$tmp/root$prefix"
echo "installed (under DESTDIR):"
(cd "$tmp/root" && find . -type f -o -type l | sort | sed 's|^\./|  /|')

# The board's pieces: the scripts, the udev rule, the systemd unit (naming
# the installed amplink-fw) and, when it was built, the M4 firmware where
# remoteproc loads it.
for f in "$root/bin/amplink-fw" "$root/bin/amplink-elfcheck" "$root/bin/amplink"; do
	[ -x "$f" ] || { echo "FAIL: ${f#"$tmp/root"} not installed"; exit 1; }
done
"$root/bin/amplink-fw" --help >/dev/null || { echo "FAIL: amplink-fw --help"; exit 1; }
[ -f "$tmp/root/lib/udev/rules.d/60-amplink.rules" ] || { echo "FAIL: no udev rule"; exit 1; }
unit="$tmp/root/lib/systemd/system/amplink-firmware.service"
[ -f "$unit" ] || { echo "FAIL: no systemd unit"; exit 1; }
grep -q "^ExecStart=$prefix/bin/amplink-fw restart" "$unit" ||
	{ echo "FAIL: the unit does not run $prefix/bin/amplink-fw"; exit 1; }
if grep -q '^AMPLINK_FIRMWARE_M4:BOOL=ON' "$build/CMakeCache.txt"; then
	fw="$tmp/root/lib/firmware/amplink-fw-stm32mp157.elf"
	[ -f "$fw" ] || { echo "FAIL: no M4 firmware in /lib/firmware"; exit 1; }
	"$root/bin/amplink-elfcheck" "$fw" >/dev/null ||
		{ echo "FAIL: the installed firmware does not pass amplink-elfcheck"; exit 1; }
fi

libdir=$(dirname "$(find "$root" -name amplink.pc)")/..
for f in include/amplink/amplink.h include/amplink/frame.h include/amplink/bench.h include/linux/rpmsg_netlink.h; do
	[ -f "$root/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
[ -e "$libdir/libamplink.a" ] || { echo "FAIL: no static library"; exit 1; }
soname=$(readelf -d "$libdir/libamplink.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libamplink.so.0 ] || { echo "FAIL: SONAME '$soname'"; exit 1; }

# Exactly the marked functions, nothing internal.
exported=$(nm -D --defined-only "$libdir/libamplink.so" | awk '{print $3}' | sort)
marked=$(sed -n 's/^AMP_EXPORT .*[ *]\(amp_[a-z0-9_]*\)(.*/\1/p' "$src/include/amplink/amplink.h" | sort)
if [ "$exported" != "$marked" ]; then
	echo "FAIL: exported symbols differ from those amplink.h marks (- marked, + exported):"
	printf '%s\n' "$marked" >"$tmp/marked"
	printf '%s\n' "$exported" | diff -u "$tmp/marked" - || true
	exit 1
fi
echo "the shared library exports the $(echo "$exported" | wc -l) functions amplink.h marks, nothing else"

# A program that uses the library without a device: names, parsing, CRC, and
# an open that must fail cleanly (no module in this environment).
cat >"$tmp/prog.c" <<'EOC'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <amplink/amplink.h>
#include <linux/rpmsg_netlink.h>

int main(void)
{
	enum amp_transport t;

	if (amp_transport_parse("tty", &t) != 0 || strcmp(amp_transport_name(t), "tty"))
		return 1;
	if (amp_crc32(0, "123456789", 9) != 0xCBF43926u)
		return 2;
	printf("linked: %s, family %s, crc ok\n", amp_transport_name(t), RPMSG_NETLINK_FAMILY_NAME);
	return 0;
}
EOC
export PKG_CONFIG_PATH="$libdir/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR=
cc -std=c11 -Wall -Werror -o "$tmp/prog-shared" "$tmp/prog.c" $(pkg-config --cflags --libs amplink)
readelf -d "$tmp/prog-shared" | grep -q 'NEEDED.*libamplink.so.0' ||
	{ echo "FAIL: the shared build does not need libamplink.so.0"; exit 1; }
LD_LIBRARY_PATH="$libdir" "$tmp/prog-shared"
# libamplink.a itself; its dependencies as the system has them (Debian ships
# no libmnl.a), which --static names.
static_libs=$(pkg-config --static --libs amplink | sed 's/-lamplink/-Wl,-Bstatic -lamplink -Wl,-Bdynamic/')
cc -std=c11 -Wall -Werror -o "$tmp/prog-static" "$tmp/prog.c" $(pkg-config --cflags amplink) \
	$static_libs
if readelf -d "$tmp/prog-static" | grep -q 'NEEDED.*libamplink'; then
	echo "FAIL: the static build still needs the shared library"
	exit 1
fi
"$tmp/prog-static"
echo "install-ok: shared and static programs built from the installed amplink.pc"
