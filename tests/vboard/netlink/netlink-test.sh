#!/bin/sh
# Runs inside the vboard: loads rpmsg_netlink.ko with the firmware's raw
# echo channel "amplink-echo" bound too (the module's bind parameter) and
# runs one netlink-check case against the echo channel when the firmware has
# one (against "rpmsg-netlink" otherwise).
#   netlink-test.sh MODULE NETLINK_CHECK CASE [ARG...]
# The rmmod cases (and gone-removed --rmmod) check that no driver_override
# names the module after it is gone, then load the module again and check it
# still echoes.
# firmware-kill runs with the runner's --allow-kernel-warnings: 6.1's
# virtio_uml WARNs when its backend dies (EOF on a call pipe, failed vhost-user
# messages while it tears the device down), so this script checks the log
# itself and accepts warnings from arch/um/drivers/virtio_uml.c only.
set -eu

ko=$1
check=$2
case=$3
shift 3

insmod "$ko" bind=amplink-echo

# The firmware's announcements may still be arriving: wait for the module
# to hold the echo channel.
channel=
for _ in $(seq 100); do
	for d in /sys/bus/rpmsg/devices/*; do
		[ -f "$d/name" ] || continue
		case $(cat "$d/name") in
		amplink-echo)
			if [ "$(readlink "$d/driver" 2>/dev/null || true)" ] &&
				[ "$(basename "$(readlink "$d/driver")")" = rpmsg_netlink ]; then
				channel=amplink-echo
			fi
			;;
		rpmsg-netlink)
			[ -n "$channel" ] || channel=rpmsg-netlink
			;;
		esac
	done
	[ "$channel" = amplink-echo ] && break
	sleep 0.05
done
[ -n "$channel" ] || { echo "netlink-test: no rpmsg-netlink or amplink-echo channel" >&2; exit 1; }
echo "netlink-test: testing on channel \"$channel\""

status=0
"$check" --channel "$channel" "$@" "$case" || status=$?

# gone-removed --rmmod unloads the module too
what=$case
[ "$case" = gone-removed ] && [ "${1:-}" = --rmmod ] && what=rmmod
case $what in
rmmod)
	if grep -q '^rpmsg_netlink ' /proc/modules; then
		echo "netlink-test: the module is still loaded" >&2
		status=1
	fi
	if grep -l rpmsg_netlink /sys/bus/rpmsg/devices/*/driver_override 2>/dev/null; then
		echo "netlink-test: driver_override still names the unloaded module (above)" >&2
		status=1
	fi
	insmod "$ko" bind=amplink-echo
	"$check" --channel "$channel" echo-small || status=$?
	rmmod rpmsg_netlink || status=$?
	;;
firmware-kill)
	if dmesg | grep -E 'WARNING:|BUG:|Oops|Kernel panic|general protection fault|UBSAN:|KASAN:|refcount_t:' |
		grep -v -E 'WARNING: .* at arch/um/drivers/virtio_uml\.c:[0-9]+ '; then
		echo "netlink-test: kernel warnings beyond virtio_uml's (above)" >&2
		status=1
	else
		echo "netlink-test: kernel log: only virtio_uml's warnings about its dead backend" \
			"($(dmesg | grep -c 'WARNING: .* at arch/um/drivers/virtio_uml\.c'))"
	fi
	;;
esac
exit "$status"
