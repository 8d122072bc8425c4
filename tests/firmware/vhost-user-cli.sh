#!/usr/bin/env bash
# The firmware backend as a user meets it: help, argument errors, a clean
# exit on SIGTERM that removes its socket.
set -euo pipefail
fw=${1:?usage: vhost-user-cli.sh PATH-TO-amplink-fw-vhost-user}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$fw" --help | grep -q -- '--socket PATH' || fail "--help does not document --socket"

status=0
"$fw" 2>"$dir/err" || status=$?
[ "$status" = 2 ] || fail "no arguments: exit status $status, expected 2"
grep -q -- '--socket PATH is required' "$dir/err" || fail "no arguments: unclear message"

status=0
"$fw" --socket "$dir/s" --max-queue 24 2>"$dir/err" || status=$?
[ "$status" = 2 ] || fail "--max-queue 24: exit status $status, expected 2"
grep -q 'power of two' "$dir/err" || fail "--max-queue 24: unclear message"

status=0
"$fw" --socket "$dir/missing/dir/s" 2>"$dir/err" || status=$?
[ "$status" = 1 ] || fail "unusable socket path: exit status $status, expected 1"
grep -q "listening on $dir/missing/dir/s" "$dir/err" || fail "unusable socket path: unclear message"

coproc FW { exec "$fw" --socket "$dir/s" --ready-fd 1; }
pid=$FW_PID
read -r -t 10 -u "${FW[0]}" line || fail "no ready line within 10 s"
[ "$line" = ready ] || fail "ready line was '$line'"
[ -S "$dir/s" ] || fail "socket $dir/s not created"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 0 ] || fail "exit status $status after SIGTERM, expected 0"
[ ! -e "$dir/s" ] || fail "socket left behind after SIGTERM"
echo "vhost-user CLI: help, argument errors and SIGTERM behave"
