#!/usr/bin/env bash
# amplink send, listen and call end to end, against a fake firmware hub on a
# pseudo-terminal (tests/tools/fake_hub.c): what a user sees, byte-exact.
set -euo pipefail
hub=${1:?usage: amplink-msg.sh PATH-TO-fake_hub PATH-TO-amplink}
amplink=${2:?usage: amplink-msg.sh PATH-TO-fake_hub PATH-TO-amplink}
dir=$(mktemp -d)
fail() { echo "FAIL: $*" >&2; exit 1; }

coproc HUB { exec "$hub"; }
hub_in=${HUB[1]} hub_out=${HUB[0]}
trap 'exec {hub_in}>&-; wait; rm -rf "$dir"' EXIT
read -r -t 10 pty <&"$hub_out" || fail "the fake hub did not start"
t=(-t tty -d "$pty" --timeout 5000)
hub_saw() { # the next message the hub received, in hex
	local line
	read -r -t 10 line <&"$hub_out" || fail "the hub received nothing (expected $1)"
	[ "$line" = "$1" ] || fail "the hub received '$line', expected '$1'"
}

out=$("$amplink" call "${t[@]}" echo hello)
[ "$out" = hello ] || fail "call echo hello printed '$out'"
hub_saw "68 65 6c 6c 6f"

"$amplink" send "${t[@]}" echo --hex 01ff 00 </dev/null
hub_saw "01 ff 00"

printf 'a\nbb\n' | "$amplink" send "${t[@]}" --each-line echo
hub_saw "61"
hub_saw "62 62"

printf 'x\0y' >"$dir/file"
"$amplink" send "${t[@]}" echo "$dir/file"
hub_saw "78 00 79"

out=$("$amplink" listen "${t[@]}" --count 3 ticker)
[ "$out" = $'tick 1\ntick 2\ntick 3' ] || fail "listen printed '$out'"

out=$("$amplink" call "${t[@]}" --hex echo 00 0a 5c)
[ "$out" = "00 0a 5c" ] || fail "call --hex printed '$out'"
hub_saw "00 0a 5c"

out=$("$amplink" call "${t[@]}" echo $'a\nb\\\x01')
[ "$out" = 'a\nb\\\x01' ] || fail "call did not escape the reply: '$out'"
hub_saw "61 0a 62 5c 01"

out=$("$amplink" call "${t[@]}" --raw echo raw)
[ "$out" = raw ] || fail "call --raw printed '$out'"
hub_saw "72 61 77"

status=0
"$amplink" call "${t[@]}" nosuch x 2>"$dir/err" || status=$?
[ $status = 1 ] && grep -q "no service 'nosuch'" "$dir/err" || fail "call to a missing service: $status, $(cat "$dir/err")"

status=0
"$amplink" listen -t tty -d "$pty" --timeout 200 echo 2>"$dir/err" || status=$?
[ $status = 1 ] && grep -q "no message for 200 ms" "$dir/err" || fail "listen --timeout: $status, $(cat "$dir/err")"

echo "amplink send/listen/call: messages byte-exact through a fake hub"
