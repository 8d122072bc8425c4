#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Configures and builds the tree with every optional part off, as a
# distribution would build libamplink and the amplink tool: it must need
# nothing but libmnl and zlib, and produce the shared and static library
# and the tool, and nothing of the firmware, the module or the tests.
#
#   build-alone.sh SOURCE_DIR BUILD_DIR C_COMPILER
set -eu
src=${1:?usage: build-alone.sh SOURCE_DIR BUILD_DIR C_COMPILER}
out=${2:?usage: build-alone.sh SOURCE_DIR BUILD_DIR C_COMPILER}
cc=${3:?usage: build-alone.sh SOURCE_DIR BUILD_DIR C_COMPILER}

rm -rf "$out"
CC=$cc cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=Release -DAMPLINK_TESTS=OFF \
	-DAMPLINK_FIRMWARE=OFF -DAMPLINK_FIRMWARE_M4=OFF -DAMPLINK_KERNEL_MODULE=OFF \
	-DAMPLINK_EXAMPLES=OFF -DAMPLINK_SANITIZE=OFF >"$out.configure.log" 2>&1 ||
	{ cat "$out.configure.log"; exit 1; }
cmake --build "$out" -j 2 >"$out.build.log" 2>&1 || { tail -n 40 "$out.build.log"; exit 1; }
for f in lib/libamplink.a lib/libamplink.so tools/amplink/amplink tools/elfcheck/amplink-elfcheck; do
	[ -e "$out/$f" ] || { echo "FAIL: $f was not built"; exit 1; }
done
for f in firmware kernel tests firmware-m4; do
	[ ! -e "$out/$f" ] || { echo "FAIL: $f was configured though it is off"; exit 1; }
done
"$out/tools/amplink/amplink" --version
echo "library-alone-ok: library and tool built with every optional part off"
