#!/usr/bin/env bash
# Breaks one thing in a copy of the firmware image and asserts that
# amplink-elfcheck rejects it, saying what is wrong.
#   elfcheck-rejects.sh ELFCHECK IMAGE.elf VARIANT     (VARIANT: see elf_mutate.py --list)
#   elfcheck-rejects.sh ELFCHECK IMAGE.elf accept      (the image itself must pass)
set -euo pipefail
elfcheck=${1:?usage: elfcheck-rejects.sh ELFCHECK IMAGE.elf VARIANT}
image=${2:?image}
variant=${3:?variant}
here=$(dirname "$0")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $variant: $*" >&2; exit 1; }

if [ "$variant" = accept ]; then
	"$elfcheck" "$image" || fail "the real image is rejected"
	exit 0
fi

# What the checker must say for each defect (a fragment of its message).
case $variant in
bad-magic) want='not an ELF file' ;;
truncated) want='truncated' ;;
no-resource-table) want='no .resource_table section' ;;
rsc-version) want='unsupported resource table version 2' ;;
rsc-reserved) want='resource table has non zero reserved bytes' ;;
rsc-entry-count) want='resource table incomplete' ;;
rsc-offset-outside) want='entry 0: offset 4096 is outside' ;;
rsc-read-only) want='.resource_table is read-only' ;;
vdev-id) want='vdev id 5, expected 7' ;;
vdev-no-ns) want='lack VIRTIO_RPMSG_F_NS' ;;
vdev-one-vring) want='rpmsg needs exactly 2' ;;
vring-num-not-pow2) want='num 12 is not a power of two' ;;
vring-num-too-big) want='do not fit the 16384-byte vdev0buffer' ;;
vring-align) want='align 4096, expected 16' ;;
vring-da) want='expected FW_RSC_ADDR_ANY' ;;
trace-reserved) want='trace rsc has non zero reserved bytes' ;;
trace-outside) want='trace buffer [0x20000000' ;;
segment-outside) want='outside the M4' ;;
segment-in-ipc) want='overlaps the rpmsg area' ;;
no-vectors) want='no vector table loaded at 0x00000000' ;;
stack-misaligned) want='initial stack pointer' ;;
stack-outside) want='initial stack pointer 0x10050000' ;;
reset-not-thumb) want='Thumb code only' ;;
entry-mismatch) want='differs from the reset vector' ;;
*) fail "no expected message for this variant: add one here" ;;
esac

python3 "$here/elf_mutate.py" "$image" "$dir/broken.elf" "$variant"
status=0
"$elfcheck" "$dir/broken.elf" >"$dir/out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "exit status $status, expected 1 (rejected): $(cat "$dir/out")"
grep -qF -- "$want" "$dir/out" || fail "message does not say '$want': $(cat "$dir/out")"
grep -qF -- "rejected" "$dir/out" || fail "no 'rejected' summary: $(cat "$dir/out")"
echo "rejected as expected: $(grep -F -- "$want" "$dir/out" | head -1)"
