#!/bin/sh
# Inside the vboard, with the runner's --signal-firmware-on stop:STOP and
# cont:CONT: with the firmware stopped and the tx ring full, every amplink
# command that has to write gives up after its --timeout on every transport
# (issue 11, defect 7: rpmsg_char's blocking write took the bus's 15 s and
# leaked ERESTARTSYS as "Unknown error 512"), says it timed out, exits 1.
#   timeouts.sh PATH-TO-amplink NETLINK-TEST-SH rpmsg_netlink.ko NETLINK-CHECK
set -u
amplink=${1:?usage: timeouts.sh AMPLINK NETLINK-TEST-SH MODULE NETLINK-CHECK}
netlink_test=${2:?}
ko=${3:?}
check=${4:?}
timeout_ms=1500
# generous: the point is 1.5 s against 15 s, on a loaded machine
limit_ms=6000

now_ms() { echo $(($(date +%s%N) / 1000000)); }

: >/run/vboard/stop
# loads the module (amplink-echo bound) and fills the tx ring through it
"$netlink_test" "$ko" "$check" fill-ring || { : >/run/vboard/cont; exit 1; }

file=/run/vboard/timeouts.block
head -c 4096 /dev/zero >"$file" 2>/dev/null || file=/proc/self/exe

status=0
for t in netlink tty char; do
	for cmd in "send" "send --verified"; do
		if [ "$cmd" = send ]; then
			set -- send -t "$t" --timeout "$timeout_ms" echo --hex 00
		else
			set -- send --verified -t "$t" --timeout "$timeout_ms" "$file"
		fi
		t0=$(now_ms)
		out=$("$amplink" "$@" 2>&1)
		rc=$?
		took=$(($(now_ms) - t0))
		echo "$t, amplink $cmd: exit $rc after $took ms: $out"
		if [ "$rc" != 1 ]; then
			echo "FAIL  exit status $rc, expected 1"
			status=1
		fi
		if [ "$took" -ge "$limit_ms" ] || [ "$took" -lt $((timeout_ms - 100)) ]; then
			echo "FAIL  took $took ms with --timeout $timeout_ms"
			status=1
		fi
		case "$out" in
		*"Unknown error"*)
			echo "FAIL  an errno that is not one"
			status=1
			;;
		*"timed out"*) ;;
		*)
			echo "FAIL  does not say it timed out"
			status=1
			;;
		esac
	done
done
: >/run/vboard/cont
[ $status = 0 ] && echo timeouts-ok
exit $status
