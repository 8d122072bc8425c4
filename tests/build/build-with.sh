#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Builds the whole userspace tree (library, tools, host firmware, examples,
# tests) with another C compiler than the one `make test` uses, warnings as
# errors as always: a distribution's gcc build must not break where clang's
# passes. libFuzzer targets are clang's alone (off here); the kernel module
# and the M4 image keep compilers of their own (Kbuild's, arm-none-eabi-gcc).
#
#   build-with.sh SOURCE_DIR BUILD_DIR C_COMPILER
set -eu
usage="usage: build-with.sh SOURCE_DIR BUILD_DIR C_COMPILER"
src=${1:?$usage}
out=${2:?$usage}
cc=${3:?$usage}

command -v "$cc" >/dev/null || { echo "FAIL: no $cc (scripts/install-deps.sh installs it)"; exit 1; }
rm -rf "$out"
CC=$cc cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAMPLINK_FUZZ=OFF \
	-DAMPLINK_SANITIZE=OFF >"$out.configure.log" 2>&1 || { cat "$out.configure.log"; exit 1; }
grep -q "The C compiler identification is GNU" "$out.configure.log" || [ "$cc" != gcc ] ||
	{ echo "FAIL: $cc is not GNU's"; exit 1; }
cmake --build "$out" -j 2 >"$out.build.log" 2>&1 || { grep -E 'error|warning' "$out.build.log" | head -n 40; exit 1; }
if grep -q 'warning:' "$out.build.log"; then
	grep 'warning:' "$out.build.log" | head -n 20
	echo "FAIL: warnings with $cc"
	exit 1
fi
"$out/tools/amplink/amplink" --version
echo "build-with-ok: the tree built warning-free with $cc"
