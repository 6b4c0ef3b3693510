# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC2034
#
# Sourced by the domains' parts of the three-VM demo, of the recovery
# tests and of the cross-VM benchmark (demo_dd.sh, demo_guest.sh,
# recover_guest.sh, bench_xvm.sh): the parameters from the
# kernel command line, finding the disk and interface under test (pvio's
# or, with demodisk= and demonet=, QEMU's virtio ones) and bringing the
# interface up. Results go to the console as one line each:
#   DEMO name=NAME what=WHAT key=value...
# Parameters:
#   pvioname= / demoname=  this VM's name
#   demoip=A.B.C.D      its address (/24) on the network under test
#   demopeer=A.B.C.D    the other guest
#   demoiperf=server|client  which end of the guest<->guest iperf3 it is
#   demodisk=PATH, demonet=IF  the disk and interface (default: pvio's)
#   demomtu=N           the interface's MTU
#   demosecs=N          iperf3's seconds (default 10)
arg() {
	tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p"
}
IP=/usr/bin/ip
name=$(arg pvioname)
[ -n "$name" ] || name=$(arg demoname)
ip=$(arg demoip)
peer=$(arg demopeer)
iperf=$(arg demoiperf)
mtu=$(arg demomtu)
secs=$(arg demosecs)
secs=${secs:-10}

out() {
	echo "DEMO name=$name $*"
}

# leakscan: on the debug kernel (kmemleak), a scan: whatever went must
# have left nothing behind in this kernel. Twice, so that what the first
# scan saw unreferenced is reported by the second.
#   DEMO name=NAME what=kmemleak leaks=N
KMEMLEAK=/sys/kernel/debug/kmemleak
leakscan() {
	[ -w $KMEMLEAK ] || return 0
	echo scan >$KMEMLEAK
	echo scan >$KMEMLEAK
	_n=$(grep -c unreferenced $KMEMLEAK)
	out "what=kmemleak leaks=$_n"
	[ "$_n" = 0 ] || head -n 40 $KMEMLEAK | sed 's/^/# /'
}

# wait_glob GLOB: the first path GLOB matches (60 s).
wait_glob() {
	_w=0
	while [ $_w -lt 600 ]; do
		for _p in $1; do
			[ -e "$_p" ] && { echo "$_p"; return 0; }
		done
		sleep 0.1
		_w=$((_w + 1))
	done
	return 1
}

# demo_devices: sets disk and net, the block device and interface under
# test, and brings net up with its address; reports what=devices, or
# what=error and fails.
demo_devices() {
	disk=$(arg demodisk)
	net=$(arg demonet)
	if [ -n "$disk" ]; then
		modprobe virtio_blk 2>/dev/null
		modprobe virtio_net 2>/dev/null
		wait_glob "$disk" >/dev/null
	else
		_b=$(wait_glob '/sys/bus/pvio/devices/*-vbd0-frontend/block/*')
		[ -n "$_b" ] && disk=/dev/${_b##*/}
	fi
	if [ -z "$net" ]; then
		_n=$(wait_glob '/sys/bus/pvio/devices/*-vif0-frontend/net/*')
		net=${_n##*/}
	fi
	if ! [ -b "$disk" ]; then
		out "what=error msg=no-disk"
		return 1
	fi
	if [ -z "$net" ] || ! [ -e "/sys/class/net/$net" ]; then
		out "what=error msg=no-interface"
		return 1
	fi
	out "what=devices disk=$disk net=$net"
	mkdir -p /run
	$IP link set "$net" up
	[ -n "$mtu" ] && $IP link set "$net" mtu "$mtu"
	$IP addr add "$ip/24" dev "$net"
}

# wait_ping ADDR...: until each answers a ping (about 2 minutes each);
# what=error if one never does.
wait_ping() {
	for _t in "$@"; do
		_i=0
		until ping -c 1 -W 1 "$_t" >/dev/null 2>&1; do
			_i=$((_i + 1))
			[ $_i -ge 120 ] && { out "what=error msg=unreachable-$_t"; break; }
		done
	done
}
