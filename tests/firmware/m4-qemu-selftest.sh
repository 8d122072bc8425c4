#!/usr/bin/env bash
# Runs the M4 self-test image in QEMU's Cortex-M4 machine and asserts its
# verdict: the exit status it reports through semihosting and its summary.
set -euo pipefail
qemu=${1:?usage: m4-qemu-selftest.sh QEMU-SYSTEM-ARM IMAGE.elf}
image=${2:?image}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

status=0
timeout 100 "$qemu" -M mps2-an386 -nographic -monitor none -serial none \
	-semihosting-config enable=on,target=native -kernel "$image" >"$out" 2>&1 || status=$?
cat "$out"
if [ "$status" = 124 ]; then
	echo "FAIL: the self-test did not finish within 100 s" >&2
	exit 1
fi
[ "$status" = 0 ] || { echo "FAIL: the self-test exited with status $status" >&2; exit 1; }
grep -q '^m4-selftest: PASS$' "$out" || { echo "FAIL: no PASS line" >&2; exit 1; }
grep -q 'FAIL' "$out" && { echo "FAIL: a check failed despite exit status 0" >&2; exit 1; }
exit 0
