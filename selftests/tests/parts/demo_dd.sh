#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The driver domain's part of the three-VM demo (scripts/demo.sh) and of
# ivshmem_three_vms.host.sh, its `run =` script. domain.sh has loaded
# the backends, made br0 of the NIC (a DHCP address from QEMU's user
# network) and adds each pvif* to it as it appears. This gives br0 the
# guests' subnet too (demobr=A.B.C.D/N, default 10.99.0.1/24), sets the
# MTU demomtu= on br0, the NIC and every pvif*, and serves iperf3.
#   DEMO name=NAME what=ready br0=ADDR mtu=N
# With demotest=1 (ivshmem_three_vms) it also reports its backends'
# states whenever they change, and on the debug kernel a kmemleak scan
# once they have settled after a guest left:
#   DEMO name=NAME what=backends link0-vbd0=Connected ...
#   DEMO name=NAME what=kmemleak leaks=N
# shellcheck source=selftests/tests/parts/demo_lib.sh
. /pvio/parts/demo_lib.sh
br=$(arg demobr)
br=${br:-10.99.0.1/24}
testing=$(arg demotest)

_w=0
until [ -e /sys/class/net/br0 ] || [ $_w -ge 100 ]; do
	sleep 0.1
	_w=$((_w + 1))
done
$IP addr add "$br" dev br0
if [ -n "$mtu" ]; then
	for n in /sys/class/net/eth*; do
		[ -e "$n" ] && $IP link set "${n##*/}" mtu "$mtu"
	done
	$IP link set br0 mtu "$mtu"
fi
iperf3 -s -D >/dev/null 2>&1
echo "DEMO name=$name what=ready br0=$br mtu=$(cat /sys/class/net/br0/mtu)"
# backends: each backend device's state, "link0-vbd0=Connected ...".
backends() {
	for d in /sys/bus/pvio/devices/*-backend; do
		[ -e "$d/state" ] || continue
		n=${d##*/}
		printf '%s=%s ' "${n%-backend}" "$(cat "$d/state")"
	done
}

# A guest that left must leave nothing behind in this kernel: once the
# states have held still for 3 s after a backend disconnected, scan
# (demo_lib.sh's leakscan).
last='' still=0 scan=''
# The backends' interfaces come (and come again) with their guests.
while [ -n "$mtu$testing" ]; do
	if [ "$testing" = 1 ]; then
		now=$(backends)
		if [ "$now" != "$last" ]; then
			echo "DEMO name=$name what=backends $now"
			case " $now" in *=InitWait* | *=Closed* | *=Closing*) scan=1 ;; esac
			last=$now still=0
		elif [ -n "$scan" ] && [ $((still += 1)) -ge 3 ]; then
			leakscan
			scan=
		fi
	fi
	for n in /sys/class/net/pvif*; do
		[ -e "$n" ] && [ -n "$mtu" ] || continue
		[ "$(cat $n/mtu)" = "$mtu" ] && continue
		$IP link set "${n##*/}" mtu "$mtu" &&
			echo "DEMO name=$name what=mtu dev=${n##*/} mtu=$mtu"
	done
	sleep 1
done
