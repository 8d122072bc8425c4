#!/usr/bin/env bash
# The amplink CLI as a user meets it off the board: help everywhere, clear
# errors and the documented exit statuses for bad usage.
set -euo pipefail
amplink=${1:?usage: amplink-cli.sh PATH-TO-amplink}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { # status, then the command (stdin empty)
	local want=$1 status=0
	shift
	"$@" >"$out" 2>&1 </dev/null || status=$?
	[ "$status" = "$want" ] || { cat "$out" >&2; fail "'$*' exited $status, expected $want"; }
}

expect 0 "$amplink" --help
for cmd in bench channels send listen call; do
	grep -q "^  $cmd " "$out" || fail "--help does not list $cmd"
done
for cmd in bench channels send listen call; do
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
expect 0 "$amplink" send --verified --help
grep -q "Usage: amplink send --verified" "$out" || fail "send --verified --help has no usage line"
# A bad option or value is one line that names it, not the whole usage.
one_line() { # what the line must contain
	[ "$(wc -l <"$out")" = 1 ] || { cat "$out" >&2; fail "not one line"; }
	grep -q -- "$1" "$out" || { cat "$out" >&2; fail "'$1' not named"; }
}
expect 2 "$amplink" send -t foo svc
one_line "bad value 'foo' for --transport"
expect 2 "$amplink" send --bogus svc
one_line "unknown option '--bogus'"
expect 2 "$amplink" listen -q svc
one_line "unknown option '-q'"
expect 2 "$amplink" listen --count 0 svc
one_line "bad value '0' for --count"
expect 2 "$amplink" call svc --timeout
one_line "option '--timeout' needs a value"
expect 2 "$amplink" call --window x svc
one_line "bad value 'x' for --window"
expect 2 "$amplink" send svc --hex 01 zz
one_line "bad hex 'zz'"
expect 2 "$amplink" send --verified -t foo file
one_line "bad value 'foo' for --transport"
expect 2 "$amplink" bench --bogus
one_line "unknown option '--bogus'"
for cmd in send listen call; do
	expect 2 "$amplink" "$cmd"
	one_line "SERVICE is missing"
	expect 1 "$amplink" "$cmd" -t tty -d /nonexistent/tty svc
	one_line "no channel on /nonexistent/tty"
done
expect 2 "$amplink" send svc file1 file2
one_line "got 'file2' too"
expect 1 "$amplink" send -t tty -d /nonexistent/tty svc /nonexistent/file
one_line "/nonexistent/file"
expect 2 "$amplink" send --verified
expect 1 "$amplink" send --verified /nonexistent/file
grep -q "/nonexistent/file" "$out" || fail "send --verified does not name the missing file"
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
