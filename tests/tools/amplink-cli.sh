#!/usr/bin/env bash
# The amplink CLI as a user meets it off the board: help everywhere, clear
# errors and the documented exit statuses for bad usage.
set -euo pipefail
amplink=${1:?usage: amplink-cli.sh PATH-TO-amplink}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { # status, then the command
	local want=$1 status=0
	shift
	"$@" >"$out" 2>&1 || status=$?
	[ "$status" = "$want" ] || { cat "$out" >&2; fail "'$*' exited $status, expected $want"; }
}

expect 0 "$amplink" --help
grep -q bench "$out" && grep -q channels "$out" && grep -q send "$out" || fail "--help lists no commands"
for cmd in bench channels send; do
	expect 0 "$amplink" "$cmd" --help
	grep -q "Usage: amplink $cmd" "$out" || fail "$cmd --help has no usage line"
done
expect 2 "$amplink"
expect 2 "$amplink" frobnicate
grep -q "unknown command 'frobnicate'" "$out" || fail "unknown command not named"
expect 2 "$amplink" bench --sizes 12Q
grep -q -- "--sizes" "$out" || fail "bad --sizes not explained"
expect 2 "$amplink" bench --transport carrier-pigeon
expect 2 "$amplink" bench --repeat 0
expect 2 "$amplink" bench --format xml
expect 2 "$amplink" send
expect 1 "$amplink" send /nonexistent/file
grep -q "/nonexistent/file" "$out" || fail "send does not name the missing file"
expect 1 "$amplink" bench --transport tty --tty /nonexistent/tty --repeat 1
grep -q "cannot open /nonexistent/tty" "$out" || fail "bench does not name the missing device"
# Off the board (the usual test host): the hints for a missing module and bus.
if [ ! -e /sys/module/rpmsg_netlink ]; then
	expect 1 "$amplink" bench --transport netlink --repeat 1
	grep -q "rpmsg_netlink module is not loaded" "$out" || fail "no hint for the missing module"
fi
if [ ! -e /sys/bus/rpmsg ]; then
	expect 1 "$amplink" channels
	grep -q "no rpmsg bus" "$out" || fail "channels gives no hint without an rpmsg bus"
fi
echo "amplink CLI: help, usage errors and missing devices behave"
