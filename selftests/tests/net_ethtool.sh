#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ethtool on both ends of a vif: driver info (-i); per-queue counters
# (-S) that add up to the interface's own and show the queue XPS picks;
# the number of queues (-L combined 1, then 2) and the ring size (-G,
# rx and tx alike) changed at run time on the frontend, seen by the
# backend (-l, -g), with ping working after each change; bad values
# refused.
# timeout: 180
. /pvio/lib.sh

command -v ethtool >/dev/null || skip "no ethtool in the host's /usr"
net_load || die "cannot load the network modules"
link=$(link_add) || die "cannot add a link"
vif_add "$link" queues 2 || die "cannot add the vif"
net_pair_up "$link"
ETHTOOL="ethtool"
fe_et() { $IP netns exec fe $ETHTOOL "$@"; }
be_et() { $IP netns exec be $ETHTOOL "$@"; }

ping_ok() {
	$IP netns exec fe ping -c 3 -W 5 10.99.0.1 >/tmp/ping.log 2>&1 ||
		{ cat /tmp/ping.log; return 1; }
}

check "ethtool -i names the frontend driver" \
	sh -c "$IP netns exec fe ethtool -i $fe | grep -qx 'driver: pvio_netfront'"
check "ethtool -i names the backend driver" \
	sh -c "$IP netns exec be ethtool -i $be | grep -qx 'driver: pvio_netback'"

# combined NS DEV: the combined channel count ethtool -l reports now.
combined() {
	$IP netns exec "$1" ethtool -l "$2" |
		sed -n '/^Current/,$s/^Combined:[[:space:]]*//p'
}
# ring NS DEV: the rx ring size ethtool -g reports now.
ring() {
	$IP netns exec "$1" ethtool -g "$2" |
		sed -n '/^Current/,$s/^RX:[[:space:]]*//p'
}
echo "# queues: frontend $(combined fe $fe), backend $(combined be $be)"
check "two queues at both ends" \
	test "$(combined fe $fe) $(combined be $be)" = "2 2"

# Counters: the queues add up to the interface's.
sum_q() {
	fe_et -S $fe | sed -n "s/^ *q[0-9]*_$1: //p" |
		awk '{ s += $1 } END { print s + 0 }'
}
$IP netns exec fe ping -c 5 -i 0.05 10.99.0.1 >/dev/null
check "ethtool -S: tx_bytes of the queues add up" \
	test "$(sum_q tx_bytes)" = "$(net_stat fe $fe tx_bytes)"
check "ethtool -S: rx_packets of the queues add up" \
	test "$(sum_q rx_packets)" = "$(net_stat fe $fe rx_packets)"

# XPS: CPU 1 sends on queue 1.
q_stat() {
	fe_et -S $fe | sed -n "s/^ *q$1_$2: //p"
}
if command -v taskset >/dev/null; then
	$IP netns exec fe sh -c "echo 1 >/sys/class/net/$fe/queues/tx-0/xps_cpus;
		echo 2 >/sys/class/net/$fe/queues/tx-1/xps_cpus"
	before=$(q_stat 1 tx_packets)
	$IP netns exec fe taskset 2 ping -c 10 -i 0.02 10.99.0.1 >/dev/null
	after=$(q_stat 1 tx_packets)
	echo "# q1_tx_packets $before -> $after"
	check "ethtool -S: queue 1 counted what CPU 1 sent" \
		test $((after - before)) -ge 10
fi

check "ethtool -L combined 1" fe_et -L $fe combined 1
check "... the carrier comes back" net_carrier fe $fe 1
check "... one queue at both ends" \
	test "$(combined fe $fe) $(combined be $be)" = "1 1"
check "... the interface has one tx queue" \
	sh -c "$IP netns exec fe sh -c '! test -e /sys/class/net/$fe/queues/tx-1'"
check "... ping works" ping_ok
check "ethtool -L combined 2" fe_et -L $fe combined 2
check "... the carrier comes back" net_carrier fe $fe 1
check "... two queues at both ends" \
	test "$(combined fe $fe) $(combined be $be)" = "2 2"
check "... ping works" ping_ok
check "ethtool -L combined 9: refused" sh -c "! $IP netns exec fe ethtool -L $fe combined 9 2>/dev/null"

echo "# ring: frontend $(ring fe $fe), backend $(ring be $be)"
check "ethtool -G rx 64 tx 64" fe_et -G $fe rx 64 tx 64
check "... the carrier comes back" net_carrier fe $fe 1
check "... rings of 64 at both ends" \
	test "$(ring fe $fe) $(ring be $be)" = "64 64"
check "... ping works" ping_ok
check "ethtool -G rx 100: refused" sh -c "! $IP netns exec fe ethtool -G $fe rx 100 tx 100 2>/dev/null"
check "ethtool -G rx 64 tx 128: refused" sh -c "! $IP netns exec fe ethtool -G $fe rx 64 tx 128 2>/dev/null"
check "ethtool -G rx 256 tx 256" fe_et -G $fe rx 256 tx 256
check "... the carrier comes back" net_carrier fe $fe 1
check "... ping works" ping_ok

net_pair_down "$link"
finish
