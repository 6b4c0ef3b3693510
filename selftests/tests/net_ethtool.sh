#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ethtool on both ends of a vif: driver info (-i); per-queue counters
# (-S) that add up to the interface's own and show the queue XPS picks;
# the number of queues (-L combined 1, then 2) and the ring size (-G,
# rx and tx alike) changed at run time on the frontend and in effect
# when ethtool returns, as on a NIC: at once the interface's queues in
# sysfs, both ends' -l and -g, the carrier (never dropped) and ping;
# bad values refused; rx-checksumming on, and off on request, with the
# stack checking what comes in then.
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

# Changes take effect before ethtool returns: everything below is looked
# at once, with no waiting.
# queues: the interface's queues in sysfs, on one line.
queues() {
	echo $($IP netns exec fe ls /sys/class/net/$fe/queues)
}
# carrier_downs: times the frontend's carrier went down so far.
carrier_downs() {
	$IP netns exec fe cat /sys/class/net/$fe/carrier_down_count
}
# carrier_kept: the carrier is on, and went down no more than before.
carrier_kept() {
	test "$($IP netns exec fe cat /sys/class/net/$fe/carrier)/$(carrier_downs)" = "1/$downs"
}
# timed ARGS: ethtool ARGS on the frontend, saying how long it took.
timed() {
	_t0=$(/usr/bin/date +%s%N)
	fe_et "$@" || return 1
	echo "# ethtool $*: $((($(/usr/bin/date +%s%N) - _t0) / 1000000)) ms"
}
downs=$(carrier_downs)
check "ethtool -L combined 1" timed -L $fe combined 1
check "... the interface has one queue each way at once" \
	test "$(queues)" = "rx-0 tx-0"
check "... one queue at both ends at once" \
	test "$(combined fe $fe) $(combined be $be)" = "1 1"
check "... the carrier is on and never went down" carrier_kept
check "... ping works at once" ping_ok
check "ethtool -L combined 2" timed -L $fe combined 2
check "... the interface has two queues each way at once" \
	test "$(queues)" = "rx-0 rx-1 tx-0 tx-1"
check "... two queues at both ends at once" \
	test "$(combined fe $fe) $(combined be $be)" = "2 2"
check "... the carrier is on and never went down" carrier_kept
check "... ping works at once" ping_ok
check "ethtool -L combined 9: refused" sh -c "! $IP netns exec fe ethtool -L $fe combined 9 2>/dev/null"
check "ethtool -L combined 2 again: nothing to do" timed -L $fe combined 2

echo "# ring: frontend $(ring fe $fe), backend $(ring be $be)"
check "ethtool -G rx 64 tx 64" timed -G $fe rx 64 tx 64
check "... rings of 64 at both ends at once" \
	test "$(ring fe $fe) $(ring be $be)" = "64 64"
check "... two queues still" test "$(queues)" = "rx-0 rx-1 tx-0 tx-1"
check "... the carrier is on and never went down" carrier_kept
check "... ping works at once" ping_ok
check "ethtool -G rx 100: refused" sh -c "! $IP netns exec fe ethtool -G $fe rx 100 tx 100 2>/dev/null"
check "ethtool -G rx 64 tx 128: refused" sh -c "! $IP netns exec fe ethtool -G $fe rx 64 tx 128 2>/dev/null"
check "ethtool -G rx 256 tx 256" timed -G $fe rx 256 tx 256
check "... rings of 256 at both ends at once" \
	test "$(ring fe $fe) $(ring be $be)" = "256 256"
check "... ping works at once" ping_ok

# rx-checksumming: the backend's word that a packet was checked, taken.
feature() {
	fe_et -k $fe | sed -n "s/^$1: //p"
}
echo "# rx-checksumming: $(feature rx-checksumming)"
check "ethtool -k: rx-checksumming on, not fixed" \
	test "$(feature rx-checksumming)" = "on"
# Off, the stack checks every packet itself (the partial ones get their
# checksum filled in first): traffic flows as before; net_qstats counts.
check "ethtool -K rx off" fe_et -K $fe rx off
check "... rx-checksumming off" test "$(feature rx-checksumming)" = "off"
check "... ping works" ping_ok
dd if=/dev/urandom of=/tmp/data bs=1k count=512 2>/dev/null
check "... TCP from the backend arrives intact" net_tcp_intact be fe 10.99.0.2
check "ethtool -K rx on" fe_et -K $fe rx on
check "... rx-checksumming on" test "$(feature rx-checksumming)" = "on"
check "... TCP from the backend arrives intact" net_tcp_intact be fe 10.99.0.2

net_pair_down "$link"
finish
