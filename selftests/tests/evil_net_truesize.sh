#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A guest that posts no receive buffers while the driver domain sends it
# many small frames (1500 pings of 16 bytes) costs the backend what
# rx_queue_bytes allows in memory, not in payload: with
# rx_queue_bytes=65536 the queue holds what its skbs' truesize fits
# (each at least SKB_TRUESIZE(0), over 512 bytes: at most 128 packets;
# counting payload would hold over 1000), the rest is dropped and
# counted. A second, honest vif keeps answering pings meanwhile. Once the
# guest comes up, what waited is delivered and ping works.
# timeout: 300
. /pvio/lib.sh

pvio_insmod pvio_hv pvio_loop || die "cannot load pvio_hv and pvio_loop"
insmod $PVIO_MODULES/pvio_netback.ko rx_queue_bytes=65536 \
	rx_stall_ms=600000 || die "cannot load pvio_netback"
pvio_insmod pvio_netfront || die "cannot load pvio_netfront"

# The victim: its frontend never brought up, so it posts no buffers.
victim=$(link_add) || die "cannot add the victim's link"
mac=02:00:5e:10:00:0a
vif_add "$victim" mac $mac || die "cannot add the victim's vif"
be=pvif$victim.0
fe=$(net_fe_for "$victim") || die "no victim interface"
net_ns be && net_ns fe && net_ns hbe && net_ns hfe ||
	die "cannot create the namespaces"
net_into be $be 10.99.0.1 || die "cannot set up $be"
$IP link set $fe netns fe && $IP -n fe addr add 10.99.0.2/24 dev $fe ||
	die "cannot set up $fe"
$IP -n be neigh add 10.99.0.2 lladdr $mac dev $be

# The honest pair, up.
honest=$(link_add) || die "cannot add the honest link"
vif_add "$honest" || die "cannot add the honest vif"
hbe=pvif$honest.0
hfe=$(net_fe_for "$honest") || die "no honest interface"
net_into hbe $hbe 10.98.0.1 && net_into hfe $hfe 10.98.0.2 ||
	die "cannot set up the honest pair"
net_carrier hfe $hfe 1 || die "no carrier on $hfe"
check "the victim's backend is connected" net_carrier be $be 1

# queued: packets the backend holds for the victim (pvioctl's counter).
queued() {
	pvioctl -j vif show "$victim" 0 |
		sed -n 's/.*"backend_stats":{[^}]*"queued":\([0-9]*\).*/\1/p'
}
qdir=/sys/kernel/debug/pvio_netback/link$victim-vif0-backend
# held: the memory the queues say they hold (the pings' flow hashes to
# any one of them).
held() {
	cat $qdir/q* |
		sed -n 's/.*guest [0-9]* packets \([0-9]*\) bytes$/\1/p' |
		awk '{ s += $1 } END { print s + 0 }'
}

$IP netns exec hbe ping -q -c 200 -i 0.05 -W 2 10.98.0.2 >/tmp/hping.log 2>&1 &
hpid=$!
# Small frames: 58 bytes of payload each, some 700 of truesize.
$IP netns exec be ping -q -c 1500 -i 0.002 -W 1 -s 16 10.99.0.2 \
	>/dev/null 2>&1
q=$(queued)
h=$(held)
dropped=$(net_stat be $be tx_dropped)
echo "# queued: $q packets, $h bytes held; dropped: $dropped"
check "packets wait for the guest" test "${q:-0}" -gt 0
check "... at most 128 of them (truesize counted)" test "${q:-999}" -le 128
check "... holding at most rx_queue_bytes" test "${h:-999999}" -le 65536
check "... each counted at its truesize, over 512 bytes" \
	test "${h:-0}" -ge $(( ${q:-1} * 512 ))
check "the rest were dropped and counted" test "$dropped" -ge $((1500 - 128))
# all_answered: the honest pings all came back.
all_answered() {
	wait $hpid
	grep -Eq " 200 (packets )?received" /tmp/hping.log ||
		{ tail -n 3 /tmp/hping.log; false; }
}
check "the honest vif answered every ping meanwhile" all_answered

$IP -n fe link set $fe up
check "the victim's carrier comes on" net_carrier fe $fe 1
sleep 1
check "what waited was delivered" test "$(net_stat fe $fe rx_packets)" -ge "$q"
check "the queue drained" test "$(queued)" = 0
check "... and holds nothing" test "$(held)" = 0
check "ping works" $IP netns exec fe ping -c 3 -W 5 10.99.0.1

pvioctl vif del "$honest" 0
pvioctl link del "$honest"
$IP netns del hbe
$IP netns del hfe
net_pair_down "$victim"
finish
