#!/bin/sh
# Runs inside the vboard: 'amplink bind' and 'amplink unbind' end to end,
# with their one-line errors.
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

rmmod rpmsg_netlink || fail "rmmod"
if grep -l rpmsg_netlink /sys/bus/rpmsg/devices/*/driver_override; then
	fail "a driver_override still names the module (above)"
else
	echo "ok    after rmmod no driver_override names the module"
fi
expect 1 '^amplink unbind: the rpmsg_netlink module is not loaded' "$amplink" unbind amplink-echo

# the parameter's NAME:notify form; a bad entry is logged and skipped
insmod "$ko" bind=no-such-service:bogus,amplink-echo:notify
expect 0 '^amplink-echo +notify$' "$amplink" bind
if dmesg | grep -q 'rpmsg_netlink: bind: "no-such-service": unknown option "bogus"'; then
	echo "ok    bind=NAME:bogus is refused in the kernel log"
else
	fail "no kernel log line for bind=no-such-service:bogus"
fi
"$check" --channel amplink-echo echo-small || fail "no echo after bind=amplink-echo:notify"
rmmod rpmsg_netlink || fail "rmmod"
[ "$status" -eq 0 ] && echo "cli-test: passed" || echo "cli-test: FAILED"
exit "$status"
