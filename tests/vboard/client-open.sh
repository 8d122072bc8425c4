#!/bin/sh
# Inside the vboard: the message client's OPEN reaches the firmware and its
# answer comes back over every transport (the real rpmsg_netlink, rpmsg_tty
# and rpmsg_char drivers). Whether or not the firmware serves the message
# layer yet, asking for a service it does not have must fail quickly with
# "no service" (a hub) or a protocol error (an older firmware's ERROR), never
# with a timeout or a missing channel. Unprivileged, netlink says EPERM.
set -u
amplink=${1:?usage: client-open.sh PATH-TO-amplink PATH-TO-rpmsg_netlink.ko}
insmod "${2:?usage: client-open.sh PATH-TO-amplink PATH-TO-rpmsg_netlink.ko}" || exit 1
status=0
for t in netlink tty char; do
	out=$("$amplink" call -t "$t" --timeout 3000 no-such-service hello 2>&1)
	echo "$t: $out"
	case "$out" in
	*"no service 'no-such-service'"* | *"Protocol error"*) ;;
	*) status=1 ;;
	esac
done
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$amplink" call -t netlink --timeout 3000 no-such-service hello 2>&1)
echo "netlink, unprivileged: $out"
case "$out" in
*"permission denied"*) ;;
*) status=1 ;;
esac
[ $status = 0 ] && echo client-open-ok
exit $status
