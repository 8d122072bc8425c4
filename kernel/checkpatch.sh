#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The module's sources must pass the kernel's checkpatch.pl --strict (taken
# from the vboard kernel tree) with no error, warning or check.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
kdir=$("$top/vboard/build-kernel" --print-dir)

set -- "$here"/rpnl_core.c "$here"/rpnl_bulk.c "$here"/rpnl_bulk_table.c "$here"/rpnl_region.c \
	"$here"/rpnl.h "$here/Kbuild" "$here/Makefile"
out=$("$kdir/scripts/checkpatch.pl" --strict --no-tree --show-types -f "$@" 2>&1) || true
echo "$out"
files=$(echo "$out" | grep -c '^total: ' || true)
clean=$(echo "$out" | grep -c '^total: 0 errors, 0 warnings, 0 checks,' || true)
[ "$files" -eq $# ] && [ "$clean" -eq $# ]
