#!/usr/bin/env bash
# The board's amplink-fw script against a fake sysfs tree: a remoteproc
# class with another processor first, a firmware directory and a debugfs
# trace, and a stand-in for the kernel that turns "start"/"stop" written
# to a state file into the state remoteproc would reach.
set -euo pipefail
script=${1:?usage: amplink-fw-script.sh PATH-TO-amplink-fw}
dir=$(mktemp -d)
kernel_pid=""
cleanup() {
	[ -n "$kernel_pid" ] && kill "$kernel_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

export AMPLINK_SYSFS_ROOT=$dir/sys
export AMPLINK_FIRMWARE_DIR=$dir/lib/firmware
export AMPLINK_DEBUGFS_ROOT=$dir/debug
export AMPLINK_FW_TIMEOUT=5
class=$AMPLINK_SYSFS_ROOT/class/remoteproc
m4=$class/remoteproc1
other=$class/remoteproc0

mkdir -p "$other" "$m4" "$AMPLINK_FIRMWARE_DIR" "$AMPLINK_DEBUGFS_ROOT/remoteproc/remoteproc1"
echo dsp >"$other/name"
echo offline >"$other/state"
echo dsp-fw.elf >"$other/firmware"
echo m4 >"$m4/name"
echo offline >"$m4/state"
echo rproc-m4-fw >"$m4/firmware"
printf 'waiting for Linux to start the rpmsg device\nLinux ready: vrings at 0x10040000\n' \
	>"$AMPLINK_DEBUGFS_ROOT/remoteproc/remoteproc1/trace0"
echo "fake image" >"$dir/amplink-fw-stm32mp157.elf"

# The kernel's side: a firmware that is not in the firmware directory, or
# is called refused.elf, does not start.
fake_kernel() {
	while :; do
		for rp in "$class"/remoteproc*; do
			s=$(cat "$rp/state" 2>/dev/null || true)
			fw=$(cat "$rp/firmware" 2>/dev/null || true)
			case $s in
			start)
				if [ -e "$AMPLINK_FIRMWARE_DIR/$fw" ] && [ "$fw" != refused.elf ]; then
					echo running >"$rp/state"
				else
					echo offline >"$rp/state"
				fi
				;;
			stop) echo offline >"$rp/state" ;;
			esac
		done
		sleep 0.02
	done
}
fake_kernel &
kernel_pid=$!

run() { # run EXPECTED-STATUS ARGS...: output in $out
	local want=$1 status=0
	shift
	out=$("$script" "$@" 2>&1) || status=$?
	[ "$status" = "$want" ] || fail "amplink-fw $*: exit status $status, expected $want: $out"
}

run 0 --help
grep -q 'start \[FIRMWARE\]' <<<"$out" || fail "--help does not document start"
grep -q AMPLINK_SYSFS_ROOT <<<"$out" || fail "--help does not document AMPLINK_SYSFS_ROOT"
run 2
grep -q 'no command given' <<<"$out" || fail "no arguments: unclear message: $out"
run 2 frobnicate
grep -q "unknown command 'frobnicate'" <<<"$out" || fail "unknown command: unclear: $out"
run 2 --bogus status
run 2 stop extra

# Found by name, not by number: remoteproc0 is the other processor.
run 3 status
grep -q 'remoteproc: remoteproc1 (m4)' <<<"$out" || fail "status names the wrong device: $out"
grep -q 'state: offline' <<<"$out" || fail "status: no state: $out"
grep -q 'Linux ready' <<<"$out" || fail "status: no trace lines: $out"

run 1 start
grep -q 'amplink-fw-stm32mp157.elf not found' <<<"$out" || fail "missing firmware: unclear: $out"
[ "$(cat "$m4/state")" = offline ] || fail "started without a firmware"

# A path is installed (copied) first, then started by its name.
run 0 start "$dir/amplink-fw-stm32mp157.elf"
grep -q 'running amplink-fw-stm32mp157.elf' <<<"$out" || fail "start: $out"
[ -f "$AMPLINK_FIRMWARE_DIR/amplink-fw-stm32mp157.elf" ] && \
	[ ! -L "$AMPLINK_FIRMWARE_DIR/amplink-fw-stm32mp157.elf" ] || fail "start did not copy the image"
cmp -s "$dir/amplink-fw-stm32mp157.elf" "$AMPLINK_FIRMWARE_DIR/amplink-fw-stm32mp157.elf" ||
	fail "the installed copy differs"
[ "$(cat "$m4/firmware")" = amplink-fw-stm32mp157.elf ] || fail "firmware attribute not set"
[ "$(cat "$m4/state")" = running ] || fail "not running after start"
[ "$(cat "$other/state")" = offline ] && [ "$(cat "$other/firmware")" = dsp-fw.elf ] ||
	fail "touched the other remote processor"

run 0 status
grep -q 'state: running' <<<"$out" || fail "status after start: $out"
run 0 start
grep -q 'already running' <<<"$out" || fail "second start: $out"
run 0 trace
grep -q 'vrings at 0x10040000' <<<"$out" || fail "trace: $out"

echo "other image" >"$dir/other.elf"
run 1 start "$dir/other.elf"
grep -q 'use .amplink-fw restart' <<<"$out" || fail "start of another image while running: $out"
run 0 restart other.elf
grep -q 'running other.elf' <<<"$out" || fail "restart: $out"

run 0 stop
grep -q stopped <<<"$out" || fail "stop: $out"
[ "$(cat "$m4/state")" = offline ] || fail "not offline after stop"
run 0 stop
grep -q 'already stopped' <<<"$out" || fail "second stop: $out"

# A crashed M4 is stopped first ("clear the error"), then started.
echo crashed >"$m4/state"
run 0 start
grep -q 'crashed; stopping it' <<<"$out" || fail "crashed: not cleared: $out"
[ "$(cat "$m4/state")" = running ] || fail "crashed: not running afterwards"
run 0 stop

# A firmware the kernel refuses: a clear failure, pointing at dmesg.
echo refused >"$AMPLINK_FIRMWARE_DIR/refused.elf"
run 1 start refused.elf
grep -q 'did not start refused.elf' <<<"$out" && grep -q dmesg <<<"$out" ||
	fail "refused start: unclear: $out"

# install --link
run 0 --link install "$dir/other.elf"
[ -L "$AMPLINK_FIRMWARE_DIR/other.elf" ] && \
	[ "$(readlink "$AMPLINK_FIRMWARE_DIR/other.elf")" = "$dir/other.elf" ] ||
	fail "--link did not make a symbolic link"
run 2 install

# No remoteproc by that name: say what there is.
run 1 --name nosuch status
grep -q "no remoteproc named 'nosuch'" <<<"$out" && grep -q 'remoteproc1=m4' <<<"$out" ||
	fail "unknown name: unclear: $out"
run 0 --name dsp start "$dir/amplink-fw-stm32mp157.elf"
[ "$(cat "$other/state")" = running ] || fail "--name dsp did not start remoteproc0"

# No remoteproc support at all.
AMPLINK_SYSFS_ROOT=$dir/nothing run 1 status
grep -q 'no remoteproc support' <<<"$out" || fail "no sysfs class: unclear: $out"

# No debugfs: trace says how to get it.
AMPLINK_DEBUGFS_ROOT=$dir/nodebug run 1 trace
grep -q 'mount debugfs' <<<"$out" || fail "no debugfs: unclear: $out"

echo "amplink-fw: help, errors, start/stop/restart/status/install/trace behave on a fake sysfs"
