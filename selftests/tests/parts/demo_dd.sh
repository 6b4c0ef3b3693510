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
arg() {
	tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p"
}
IP=/usr/bin/ip
name=$(arg pvioname)
br=$(arg demobr)
br=${br:-10.99.0.1/24}
mtu=$(arg demomtu)

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
# The backends' interfaces come (and come again) with their guests.
while [ -n "$mtu" ]; do
	for n in /sys/class/net/pvif*; do
		[ -e "$n" ] || continue
		[ "$(cat $n/mtu)" = "$mtu" ] && continue
		$IP link set "${n##*/}" mtu "$mtu" &&
			echo "DEMO name=$name what=mtu dev=${n##*/} mtu=$mtu"
	done
	sleep 1
done
