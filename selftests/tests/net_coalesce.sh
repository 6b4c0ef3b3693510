#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Interrupt moderation of the frontend (ethtool -C): the same iperf3
# transfer (UDP backend to frontend, a fixed byte count) with a doorbell
# per response (frames 1) and with one per 32 (frames 32, bound 1 ms, 10
# ms on the debug kernel); the frontend's own counters (ethtool -S irqs:
# doorbells, coal_polls: timer polls) show fewer wake-ups per packet with
# it, a count, not a timing. A lone ping still gets through under frames
# 32 (the usecs bound); bad values are refused; ethtool -c reads back
# what was set, also after ethtool -G and -L (reconnects); adaptive-rx
# (DIM) turns on and off.
# timeout: 300
. /pvio/lib.sh

command -v ethtool >/dev/null || skip "no ethtool in the host's /usr"
command -v iperf3 >/dev/null || skip "no iperf3 in the host's /usr"
net_load || die "cannot load the network modules"
link=$(link_add) || die "cannot add a link"
vif_add "$link" queues 1 || die "cannot add the vif"
net_pair_up "$link"
fe_et() { $IP netns exec fe ethtool "$@"; }

# coal FIELD: a value ethtool -c shows (rx-usecs, rx-frames, ...).
coal() {
	fe_et -c $fe | sed -n "s/^$1:[[:space:]]*//p"
}
# adaptive: "on" or "off", ethtool -c's Adaptive RX.
adaptive() {
	fe_et -c $fe | sed -n 's/^Adaptive RX:[[:space:]]*\([a-z]*\).*/\1/p'
}
# q_stat NAME: queue 0's counter NAME from ethtool -S.
q_stat() {
	fe_et -S $fe | sed -n "s/^ *q0_$1: //p"
}
ping_ok() {
	$IP netns exec fe ping -c 3 -W 5 10.99.0.1 >/tmp/ping.log 2>&1 ||
		{ cat /tmp/ping.log; return 1; }
}

echo "# defaults: rx-usecs $(coal rx-usecs) rx-frames $(coal rx-frames) adaptive-rx $(adaptive)"
check "ethtool -C adaptive-rx off" fe_et -C $fe adaptive-rx off
check "... read back" test "$(adaptive)" = off

check "rx-frames 32 without rx-usecs: refused" \
	sh -c "! $IP netns exec fe ethtool -C $fe rx-usecs 0 rx-frames 32 2>/dev/null"
check "rx-usecs 10001: refused" \
	sh -c "! $IP netns exec fe ethtool -C $fe rx-usecs 10001 2>/dev/null"
check "rx-frames 257: refused" \
	sh -c "! $IP netns exec fe ethtool -C $fe rx-usecs 100 rx-frames 257 2>/dev/null"
check "tx-frames 32 without tx-usecs: refused" \
	sh -c "! $IP netns exec fe ethtool -C $fe tx-usecs 0 tx-frames 32 2>/dev/null"

# UDP at a steady 100 Mbit/s in packets of 1400 bytes, one response
# each: left alone, the frontend idles between packets and takes a
# doorbell for most; a bulk TCP stream would batch itself already.
# The debug kernel sends some 30 times slower: a longer bound gathers
# as many packets per wake-up.
MB=8 US=1000
debug_kernel && MB=1 US=10000
# run FRAMES: the transfer with that frame count both ways; sets $pkts
# and $wake (doorbells and timer polls) to what it cost.
run() {
	fe_et -C $fe rx-usecs $US rx-frames $1 tx-usecs $US tx-frames $1 ||
		return 1
	$IP netns exec fe timeout 120 iperf3 -s -1 >/tmp/iperf3-s.log 2>&1 &
	_s=$!
	net_listening fe 5201 || { kill $_s; return 1; }
	p0=$(q_stat rx_packets)
	w0=$(($(q_stat irqs) + $(q_stat coal_polls)))
	$IP netns exec be timeout 100 iperf3 -c 10.99.0.2 -u -b 100M -l 1400 \
		-n ${MB}M >/tmp/iperf3.log 2>&1
	_r=$?
	wait $_s
	pkts=$(($(q_stat rx_packets) - p0))
	wake=$(($(q_stat irqs) + $(q_stat coal_polls) - w0))
	grep -E "sender|receiver" /tmp/iperf3.log | sed 's/^/# /'
	echo "# frames $1: $pkts packets, $wake wake-ups ($(q_stat irqs) doorbells, $(q_stat coal_polls) timer polls in all)"
	[ $_r -eq 0 ] || { cat /tmp/iperf3.log; return 1; }
}

check "iperf3 with frames 1" run 1
p1=$pkts w1=$wake
check "... read back rx-usecs $US rx-frames 1" \
	test "$(coal rx-usecs) $(coal rx-frames)" = "$US 1"
check "iperf3 with frames 32" run 32
p32=$pkts w32=$wake
check "... read back rx-frames 32 tx-frames 32" \
	test "$(coal rx-frames) $(coal tx-frames)" = "32 32"
# Wake-ups per packet, times 1000.
r1=$((w1 * 1000 / (p1 ? p1 : 1)))
r32=$((w32 * 1000 / (p32 ? p32 : 1)))
echo "# wake-ups per 1000 packets: frames 1: $r1, frames 32: $r32"
check "frames 32: the packets came" test "$p32" -gt 100
check "frames 32: at most a third of the wake-ups per packet of frames 1" \
	test $((r32 * 3)) -le "$r1"
check "a ping gets through under frames 32 (the usecs bound)" ping_ok

check "ethtool -G rx 128 tx 128" fe_et -G $fe rx 128 tx 128
check "... the carrier comes back" net_carrier fe $fe 1
check "... rx-frames 32 rx-usecs $US kept" \
	test "$(coal rx-frames) $(coal rx-usecs)" = "32 $US"
check "ethtool -L combined 1 (a reconnect)" fe_et -L $fe combined 1
check "... the carrier comes back" net_carrier fe $fe 1
check "... tx-frames 32 tx-usecs $US kept" \
	test "$(coal tx-frames) $(coal tx-usecs)" = "32 $US"
check "... and applied: iperf3 again" run 32
check "... still few wake-ups per packet" \
	test $((wake * 1000 / (pkts ? pkts : 1) * 3)) -le "$r1"

check "ethtool -C adaptive-rx on" fe_et -C $fe adaptive-rx on
check "... read back" test "$(adaptive)" = on
check "... iperf3 with DIM" run 32
check "... ping works" ping_ok
check "ethtool -C adaptive-rx off" fe_et -C $fe adaptive-rx off
check "... read back" test "$(adaptive)" = off
check "ethtool -C rx-usecs 0 rx-frames 0 tx-usecs 0 tx-frames 0" \
	fe_et -C $fe rx-usecs 0 rx-frames 0 tx-usecs 0 tx-frames 0
check "... ping works" ping_ok

net_pair_down "$link"
finish
