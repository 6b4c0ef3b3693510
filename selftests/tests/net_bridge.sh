#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The driver domain bridges its vif with a second veth, as Xen's vif
# scripts do:
#
#   netns fe: pvethN 10.99.0.2 <== pvio ==> netns be: pvif<link>.0 --+
#                                           br0 10.99.0.1 ------------+
#              netns far: va0 10.99.0.3 <== veth ==> netns be: vb0 ---+
#
# The guest reaches the address behind the bridge and back (ping, at MTU
# 1500 and 9000); the bridge learned the guest's MAC address on the vif's
# port; TCP data crosses both ways intact (MD5 of 8 MiB) and iperf3 runs
# both ways, GSO packets forwarded as such through the bridge both ways
# (the vif's rx and tx GSO counters of ethtool -S move).
# timeout: 180
. /pvio/lib.sh

command -v ethtool >/dev/null || skip "no ethtool in the host's /usr"
command -v iperf3 >/dev/null || skip "no iperf3 in the host's /usr"
PY=/usr/bin/python3
[ -x $PY ] || skip "no $PY in the host's /usr"
modprobe bridge || skip "no bridge module"
modprobe veth || die "cannot load veth"
net_load || die "cannot load the network modules"
link=$(link_add) || die "cannot add a link"
mac=02:00:5e:10:00:0b
vif_add "$link" mac $mac || die "cannot add the vif"
be=pvif$link.0
fe=$(net_fe_for "$link") || die "no frontend interface"
for ns in be fe far; do
	net_ns $ns || die "cannot create netns $ns"
done
net_into fe $fe 10.99.0.2 || die "cannot set up $fe"
$IP link add va0 type veth peer name vb0 || die "cannot add a veth pair"
net_into far va0 10.99.0.3 || die "cannot set up va0"
$IP link set $be netns be && $IP link set vb0 netns be ||
	die "cannot move the ports into netns be"
check "a bridge of the vif and a veth" sh -c "
	$IP -n be link add br0 type bridge &&
	$IP -n be link set $be master br0 && $IP -n be link set vb0 master br0 &&
	$IP -n be addr add 10.99.0.1/24 dev br0 &&
	$IP -n be link set $be up && $IP -n be link set vb0 up &&
	$IP -n be link set br0 up"
check "carrier on at the frontend" net_carrier fe $fe 1
check "... and at the bridge" net_carrier be br0 1

# ping_ok NS ADDR [SIZE]: three pings answered.
ping_ok() {
	$IP netns exec "$1" ping -c 3 -W 5 -s "${3:-56}" "$2" >/tmp/ping.log 2>&1 ||
		{ cat /tmp/ping.log; return 1; }
	grep -q "3 packets received" /tmp/ping.log ||
		{ cat /tmp/ping.log; return 1; }
}

check "the guest reaches the driver domain's bridge" ping_ok fe 10.99.0.1
check "the guest reaches the address behind the bridge" ping_ok fe 10.99.0.3
check "... and is reached from it" ping_ok far 10.99.0.2
$IP netns exec be bridge fdb show br br0 | grep -i $mac | sed 's/^/# /'
check "the bridge learned the guest's MAC on the vif's port" sh -c \
	"$IP netns exec be bridge fdb show br br0 | grep -qi '^$mac dev $be '"

# mtu N: every interface on the way.
mtu() {
	$IP -n fe link set $fe mtu "$1" && $IP -n far link set va0 mtu "$1" &&
		$IP -n be link set $be mtu "$1" && $IP -n be link set vb0 mtu "$1" &&
		$IP -n be link set br0 mtu "$1"
}
check "MTU 9000 on the way" mtu 9000
check "ping 8972 bytes across the bridge" ping_ok fe 10.99.0.3 8972
check "ping 8972 bytes back" ping_ok far 10.99.0.2 8972
check "MTU 1500 on the way" mtu 1500

dd if=/dev/urandom of=/tmp/data bs=1M count=8 2>/dev/null
check "data intact from the guest to behind the bridge" net_tcp_intact fe far 10.99.0.3
check "data intact from behind the bridge to the guest" net_tcp_intact far fe 10.99.0.2

# gso NS DEV rx|tx: GSO packets of all the vif's queues (ethtool -S).
gso() {
	$IP netns exec "$1" ethtool -S "$2" |
		sed -n "s/^ *q[0-9]*_$3_gso_packets: //p" |
		awk '{ s += $1 } END { print s + 0 }'
}

# iperf ARGS: 3 s of iperf3 from the guest to behind the bridge (-R: back).
iperf() {
	$IP netns exec far timeout 60 iperf3 -s -1 >/dev/null 2>&1 &
	_s=$!
	net_listening far 5201 || { kill $_s; return 1; }
	$IP netns exec fe timeout 30 iperf3 -c 10.99.0.3 -t 3 "$@" \
		>/tmp/iperf3.log 2>&1
	_r=$?
	wait $_s
	grep " receiver" /tmp/iperf3.log | sed 's/^/# /'
	[ $_r -eq 0 ] || { cat /tmp/iperf3.log; return 1; }
	grep -q " receiver" /tmp/iperf3.log
}
g0=$(gso be $be rx)
check "iperf3 TCP from the guest to behind the bridge" iperf
g1=$(gso be $be rx)
echo "# GSO packets received by the vif: $g0 -> $g1"
check "... the guest's TSO packets reached the bridge as such" test "$g1" -gt "$g0"
g0=$(gso be $be tx)
check "iperf3 TCP from behind the bridge to the guest" iperf -R
g1=$(gso be $be tx)
echo "# GSO packets the vif sent the guest: $g0 -> $g1"
check "... forwarded to the guest as GSO packets" test "$g1" -gt "$g0"

check "ping from the guest to behind the bridge after all that" \
	ping_ok fe 10.99.0.3
pvioctl vif del "$link" 0
pvioctl link del "$link"
for ns in be fe far; do
	$IP netns del $ns
done
check "unload the modules" \
	pvio_rmmod pvio_netfront pvio_netback pvio_loop pvio_hv
finish
