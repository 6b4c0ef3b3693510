#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A vif over the loop provider, its two ends in two network namespaces:
#
#   netns be: pvif<link>.0 10.99.0.1 <== pvio link ==> netns fe: pvethN 10.99.0.2
#
# The frontend has the MAC address given to pvioctl and its carrier comes
# on; ping works at 56 and 1472 bytes (MTU 1500), 8972 (MTU 9000) and
# 64972 (MTU 65000: a packet in 17 buffers), and at 1500, 9000 and 65000
# bytes with MTUs 28 bytes larger, each echo one frame each way (static
# neighbours: nothing else crosses), and at 1500 bytes with MTU 1500 in
# two fragments; the packet and byte counters of both ends agree
# exactly; iperf3 TCP runs both ways; pvioctl vif show reports the vif,
# and vif del removes both interfaces. BQL balances.
# timeout: 300
. /pvio/lib.sh

net_load || die "cannot load the network modules"
link=$(link_add) || die "cannot add a link"
mac=02:00:5e:10:00:02
check "vif add" vif_add "$link" mac $mac
be=pvif$link.0
fe=$(net_fe_for "$link") || die "no frontend interface"
check "the backend interface $be exists" test -e /sys/class/net/$be
check "the frontend has the MAC address given" \
	test "$(cat /sys/class/net/$fe/address)" = $mac
net_ns be || die "cannot create netns be"
net_ns fe || die "cannot create netns fe"
net_into be $be 10.99.0.1 || die "cannot set up $be"
net_into fe $fe 10.99.0.2 || die "cannot set up $fe"
check "carrier on at the frontend" net_carrier fe $fe 1
check "carrier on at the backend" net_carrier be $be 1

# Static neighbours: no ARP, so the frame counters count pings alone.
$IP -n fe neigh add 10.99.0.1 dev $fe nud permanent \
	lladdr "$($IP netns exec be cat /sys/class/net/$be/address)"
$IP -n be neigh add 10.99.0.2 dev $be nud permanent lladdr $mac

# ping_ok SIZE [FRAMES]: three pings of SIZE bytes from fe to be all
# answered, each in FRAMES frames each way (default 1).
ping_ok() {
	_b=$(net_stat be $be rx_packets) _f=$(net_stat fe $fe rx_packets)
	$IP netns exec fe ping -c 3 -W 5 -s "$1" 10.99.0.1 >/tmp/ping.$1 2>&1 ||
		{ cat /tmp/ping.$1; return 1; }
	grep -q "3 packets received" /tmp/ping.$1 ||
		{ cat /tmp/ping.$1; return 1; }
	grep round-trip /tmp/ping.$1 | sed 's/^/# /'
	_b=$(($(net_stat be $be rx_packets) - _b))
	_f=$(($(net_stat fe $fe rx_packets) - _f))
	echo "# frames: $_b to the backend, $_f to the frontend"
	[ $_b -eq $((3 * ${2:-1})) ] && [ $_f -eq $((3 * ${2:-1})) ]
}

# mtu N: set both ends' MTU.
mtu() {
	$IP -n be link set $be mtu "$1" && $IP -n fe link set $fe mtu "$1"
}

check "ping 56 bytes" ping_ok 56
check "ping 1472 bytes (MTU 1500)" ping_ok 1472
check "ping 1500 bytes (MTU 1500): two fragments" ping_ok 1500 2
check "MTU 1528" mtu 1528
check "ping 1500 bytes (MTU 1528)" ping_ok 1500
check "MTU 9000" mtu 9000
check "ping 8972 bytes (MTU 9000)" ping_ok 8972
check "MTU 9028" mtu 9028
check "ping 9000 bytes (MTU 9028)" ping_ok 9000
check "MTU 65000" mtu 65000
check "ping 64972 bytes (MTU 65000, 17 buffers)" ping_ok 64972
check "MTU 65028" mtu 65028
check "ping 65000 bytes (MTU 65028)" ping_ok 65000
check "MTU 1500" mtu 1500

# Counters: what one end sent, the other received, exactly.
snap() {
	echo "$(net_stat fe $fe tx_packets) $(net_stat fe $fe tx_bytes)" \
	     "$(net_stat be $be rx_packets) $(net_stat be $be rx_bytes)" \
	     "$(net_stat be $be tx_packets) $(net_stat be $be tx_bytes)" \
	     "$(net_stat fe $fe rx_packets) $(net_stat fe $fe rx_bytes)"
}
set -- $(snap)
$IP netns exec fe ping -c 20 -i 0.05 -s 1000 10.99.0.1 >/dev/null
sleep 1
set -- $(snap) "$@"
fe_tx=$(($1 - $9)) fe_txb=$(($2 - ${10}))
be_rx=$(($3 - ${11})) be_rxb=$(($4 - ${12}))
be_tx=$(($5 - ${13})) be_txb=$(($6 - ${14}))
fe_rx=$(($7 - ${15})) fe_rxb=$(($8 - ${16}))
echo "# fe->be: $fe_tx/$be_rx packets, $fe_txb/$be_rxb bytes;" \
	"be->fe: $be_tx/$fe_rx packets, $be_txb/$fe_rxb bytes"
check "20 pings counted sent by the frontend" test $fe_tx -ge 20
check "the backend received what the frontend sent" \
	test "$fe_tx $fe_txb" = "$be_rx $be_rxb"
check "20 replies counted sent by the backend" test $be_tx -ge 20
check "the frontend received what the backend sent" \
	test "$be_tx $be_txb" = "$fe_rx $fe_rxb"

# iperf_ok ARGS...: a 4 s iperf3 TCP run from fe to be, as ARGS say.
iperf_ok() {
	$IP netns exec be timeout 60 iperf3 -s -1 >/tmp/iperf3-s.log 2>&1 &
	_s=$!
	net_listening be 5201 || { kill $_s; return 1; }
	$IP netns exec fe timeout 30 iperf3 -c 10.99.0.1 -t 4 "$@" \
		>/tmp/iperf3.log 2>&1
	_r=$?
	wait $_s
	grep -E "sender|receiver" /tmp/iperf3.log | sed 's/^/# /'
	[ $_r -eq 0 ] || { cat /tmp/iperf3.log; return 1; }
	grep -q " receiver" /tmp/iperf3.log
}
if command -v iperf3 >/dev/null; then
	check "iperf3 TCP frontend to backend" iperf_ok
	check "iperf3 TCP backend to frontend" iperf_ok -R
fi

# BQL: what was counted sent was counted completed, and it adapted.
bql() {
	$IP netns exec fe sh -c "cat /sys/class/net/$fe/queues/tx-*/byte_queue_limits/$1" |
		awk '{ s += $1 } END { print s + 0 }'
}
sleep 1
echo "# BQL: in flight $(bql inflight), limits $(bql limit)"
check "BQL: nothing in flight once idle" test "$(bql inflight)" = 0
check "BQL: a limit was set" test "$(bql limit)" -gt 0

check "pvioctl vif show reports the vif" \
	sh -c "pvioctl vif show $link 0 | grep -q 'mac $mac'"
check "vif del" pvioctl vif del "$link" 0
check "the backend interface is gone" \
	sh -c "! $IP -n be link show $be 2>/dev/null"
check "the frontend interface is gone" \
	sh -c "! $IP -n fe link show $fe 2>/dev/null"
check "link del" pvioctl link del "$link"
$IP netns del be
$IP netns del fe
check "unload the modules" \
	pvio_rmmod pvio_netfront pvio_netback pvio_loop pvio_hv
finish
