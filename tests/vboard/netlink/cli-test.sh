#!/bin/sh
# Runs inside the vboard: 'amplink bind' and 'amplink unbind', 'amplink
# grant', 'revoke', 'assign' and 'unassign' end to end, with their one-line
# errors.
#   cli-test.sh MODULE AMPLINK NETLINK_CHECK
set -u

ko=$1
amplink=$2
check=$3
status=0

fail() {
	echo "FAIL  $*"
	status=1
}

# expect STATUS REGEX COMMAND...: the command exits with STATUS and its
# output (stdout and stderr) matches REGEX.
expect() {
	want=$1
	pattern=$2
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ] && printf '%s\n' "$out" | grep -qE "$pattern"; then
		echo "ok    ${*##*/} -> $rc: $(printf '%s\n' "$out" | tail -n 1)"
	else
		fail "$* -> $rc, expected $want and /$pattern/:"
		printf '%s\n' "$out" | sed 's/^/      /'
	fi
}

# the netlink section of 'amplink channels' lists NAME (or not)
listed() {
	"$amplink" channels | grep -qE "^ *[0-9]+ $1 "
}

expect 1 '^amplink bind: the rpmsg_netlink module is not loaded' "$amplink" bind amplink-echo
insmod "$ko"
for _ in $(seq 100); do
	grep -qx amplink-echo /sys/bus/rpmsg/devices/*/name 2>/dev/null && break
	sleep 0.05
done

expect 0 '^\(no services bound\)$' "$amplink" bind
expect 0 "^bound 'amplink-echo'$" "$amplink" bind amplink-echo
expect 0 '^amplink-echo +-$' "$amplink" bind
if listed amplink-echo; then echo "ok    amplink channels lists amplink-echo"; else fail "amplink channels does not list amplink-echo"; fi
"$check" --channel amplink-echo echo-small || fail "no echo on the bound channel"

expect 1 "^amplink bind: 'amplink-echo' is already served by rpmsg_netlink$" "$amplink" bind amplink-echo
expect 1 "^amplink bind: 'rpmsg-tty' belongs to another driver" "$amplink" bind rpmsg-tty
expect 1 "^amplink bind: '.*' is not a valid rpmsg service name" \
	"$amplink" bind 0123456789abcdef0123456789abcdef
expect 2 '^amplink bind: --notify needs a NAME$' "$amplink" bind --notify
# without privileges the family refuses; without CAP_SYS_MODULE alone (root
# keeps CAP_NET_ADMIN) the module does
expect 1 '^amplink bind: binding needs CAP_SYS_MODULE \(run as root\)$' \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$amplink" bind some-name
expect 1 '^amplink bind: binding needs CAP_SYS_MODULE \(run as root\)$' \
	setpriv --bounding-set=-sys_module "$amplink" bind some-name
expect 1 '^amplink unbind: binding needs CAP_SYS_MODULE \(run as root\)$' \
	setpriv --bounding-set=-sys_module "$amplink" unbind amplink-echo
expect 0 '^amplink-echo +-$' "$amplink" bind

expect 0 "^unbound 'amplink-echo'$" "$amplink" unbind amplink-echo
if listed amplink-echo; then fail "amplink channels still lists amplink-echo"; else echo "ok    amplink channels no longer lists amplink-echo"; fi
expect 1 "^amplink unbind: 'amplink-echo' is not bound" "$amplink" unbind amplink-echo
expect 0 "^bound 'amplink-echo' \(notify\)$" "$amplink" bind amplink-echo --notify
expect 0 '^amplink-echo +notify$' "$amplink" bind
"$check" --channel amplink-echo echo-small || fail "no echo after binding again"

# grant / revoke: a member of the group sends without capabilities
member() {
	setpriv --reuid=65534 --regid=65534 --groups="$1" --inh-caps=-all "$check" --channel amplink-echo echo-small
}
expect 0 '^\(no grants or assignments\)$' "$amplink" grant
expect 1 '^amplink grant: needs CAP_NET_ADMIN \(run as root\)$' \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$amplink" grant amplink-echo 4242
expect 2 '^Usage: amplink grant' "$amplink" grant amplink-echo
expect 1 "^amplink grant: no group 'no-such-group'$" "$amplink" grant amplink-echo no-such-group
if member 4242 >/dev/null; then fail "uid 65534 sends before any grant"; else echo "ok    uid 65534 in group 4242 cannot send before the grant"; fi
expect 0 "^granted 'amplink-echo' to group 4242 \(gid 4242\)$" "$amplink" grant amplink-echo 4242
expect 1 "^amplink grant: group '4242' was granted 'amplink-echo' already$" "$amplink" grant amplink-echo 4242
expect 0 '^amplink-echo +\(initial\) +4242$' "$amplink" grant
member 4242 >/dev/null && echo "ok    uid 65534 in group 4242 sends after the grant" || fail "a member of the granted group cannot send"
expect 0 "^revoked 'amplink-echo' from group 4242 \(gid 4242\)$" "$amplink" revoke amplink-echo 4242
expect 1 "^amplink revoke: group '4242' was not granted 'amplink-echo'$" "$amplink" revoke amplink-echo 4242
if member 4242 >/dev/null; then fail "uid 65534 still sends after the revoke"; else echo "ok    uid 65534 in group 4242 cannot send after the revoke"; fi

# assign / unassign: a process in its own network namespace holds it
unshare --net sleep 120 &
holder=$!
for _ in $(seq 100); do
	[ "$(readlink /proc/$holder/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
	sleep 0.05
done
expect 1 "^amplink assign: process 4000000: no such process$" "$amplink" assign amplink-echo --netns 4000000
expect 1 "^amplink assign: '/' is not a network namespace$" "$amplink" assign amplink-echo --netns /
expect 2 '^amplink assign: needs NAME and --netns PID\|PATH$' "$amplink" assign amplink-echo
expect 1 "^amplink unassign: 'amplink-echo' is not assigned$" "$amplink" unassign amplink-echo
expect 0 "^assigned 'amplink-echo' to the network namespace of process $holder$" \
	"$amplink" assign amplink-echo --netns "$holder"
expect 0 '^amplink-echo +net:\[[0-9]+\] +-$' "$amplink" grant
if listed amplink-echo; then fail "amplink channels still lists the assigned channel"; else echo "ok    the assigned channel is gone from amplink channels"; fi
if nsenter -t "$holder" -n "$amplink" channels | grep -qE "^ *[0-9]+ amplink-echo "; then
	echo "ok    amplink channels in the holder's namespace lists it"
else
	fail "amplink channels in the holder's namespace does not list amplink-echo"
fi
nsenter -t "$holder" -n "$check" --channel amplink-echo echo-small >/dev/null &&
	echo "ok    root echoes in the holder's namespace" || fail "no echo in the holder's namespace"
expect 0 "^unassigned 'amplink-echo'$" "$amplink" unassign amplink-echo
"$check" --channel amplink-echo echo-small >/dev/null || fail "no echo after unassign"
kill "$holder"
wait "$holder" 2>/dev/null

rmmod rpmsg_netlink || fail "rmmod"
if grep -l rpmsg_netlink /sys/bus/rpmsg/devices/*/driver_override; then
	fail "a driver_override still names the module (above)"
else
	echo "ok    after rmmod no driver_override names the module"
fi
expect 1 '^amplink unbind: the rpmsg_netlink module is not loaded' "$amplink" unbind amplink-echo

# the parameter's NAME:notify form; a bad entry is logged and skipped
# and the group parameter's NAME:GID, a bad entry logged and skipped
insmod "$ko" bind=no-such-service:bogus,amplink-echo:notify group=amplink-echo:4242,no-gid
expect 0 '^amplink-echo +notify$' "$amplink" bind
expect 0 '^amplink-echo +\(initial\) +4242$' "$amplink" grant
if dmesg | grep -q 'rpmsg_netlink: group: "no-gid": not NAME:GID'; then
	echo "ok    group=no-gid is refused in the kernel log"
else
	fail "no kernel log line for group=no-gid"
fi
member 4242 >/dev/null && echo "ok    group=amplink-echo:4242 lets uid 65534 in group 4242 send" ||
	fail "a member of the group of the group parameter cannot send"
if dmesg | grep -q 'rpmsg_netlink: bind: "no-such-service": unknown option "bogus"'; then
	echo "ok    bind=NAME:bogus is refused in the kernel log"
else
	fail "no kernel log line for bind=no-such-service:bogus"
fi
"$check" --channel amplink-echo echo-small || fail "no echo after bind=amplink-echo:notify"
rmmod rpmsg_netlink || fail "rmmod"
[ "$status" -eq 0 ] && echo "cli-test: passed" || echo "cli-test: FAILED"
exit "$status"
