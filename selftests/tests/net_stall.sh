#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A frontend that posts no receive buffers (its interface never brought
# up) costs the backend bounded memory: with rx_queue_bytes=65536, what
# the driver domain sends waits up to 64 KiB and the rest is dropped and
# counted (tx_dropped of the vif). With rx_stall_ms=6000, 6 s after the
# first packet began to wait the vif's carrier goes down (the queue
# stalled, counted in ethtool -S), and what the stack sends then does not
# reach the queue. Once the frontend comes up, the vif's carrier comes
# back, the waiting packets are delivered, the queue drains and ping
# works.
# timeout: 240
. /pvio/lib.sh

command -v ethtool >/dev/null || skip "no ethtool in the host's /usr"
pvio_insmod pvio_hv pvio_loop || die "cannot load pvio_hv and pvio_loop"
insmod $PVIO_MODULES/pvio_netback.ko rx_queue_bytes=65536 rx_stall_ms=6000 ||
	die "cannot load pvio_netback"
pvio_insmod pvio_netfront || die "cannot load pvio_netfront"
link=$(link_add) || die "cannot add a link"
mac=02:00:5e:10:00:09
vif_add "$link" mac $mac || die "cannot add the vif"
be=pvif$link.0
fe=$(net_fe_for "$link") || die "no frontend interface"
net_ns be && net_ns fe || die "cannot create the namespaces"
net_into be $be 10.99.0.1 || die "cannot set up $be"
$IP link set $fe netns fe && $IP -n fe addr add 10.99.0.2/24 dev $fe ||
	die "cannot set up $fe"
check "the backend is connected, the frontend down" net_carrier be $be 1
$IP -n be neigh add 10.99.0.2 lladdr $mac dev $be

# queued: packets the backend holds for the guest (pvioctl's counter).
queued() {
	pvioctl -j vif show "$link" 0 |
		sed -n 's/.*"backend_stats":{[^}]*"queued":\([0-9]*\).*/\1/p'
}

# 400 pings of 1400 bytes: 560 kB for a 64 KiB queue.
$IP netns exec be ping -c 400 -i 0.005 -W 1 -s 1400 10.99.0.2 \
	>/dev/null 2>&1
q=$(queued)
dropped=$(net_stat be $be tx_dropped)
echo "# queued: $q packets; dropped: $dropped"
check "packets wait for the guest" test "${q:-0}" -gt 0
check "... at most 64 KiB of them" test "${q:-999}" -le $((65536 / 1442))
check "the rest were dropped and counted" test "$dropped" -ge $((400 - 65536 / 1442))

# stalls: how often the backend's queues stalled.
stalls() {
	$IP netns exec be ethtool -S $be 2>/dev/null |
		sed -n 's/^ *q[0-9]*_tx_stalls: //p' |
		awk '{ s += $1 } END { print s + 0 }'
}
check "the vif's carrier goes down after rx_stall_ms" net_carrier be $be 0 30
check "... one stall counted" test "$(stalls)" = 1
$IP netns exec be ping -c 100 -i 0.005 -W 1 -s 1400 10.99.0.2 \
	>/dev/null 2>&1
echo "# queued after more pings: $(queued)"
check "... the queue does not grow" test "$(queued)" = "$q"

$IP -n fe link set $fe up
check "the frontend's carrier comes on" net_carrier fe $fe 1
check "the vif's carrier comes back" net_carrier be $be 1
sleep 1
check "what waited was delivered" test "$(net_stat fe $fe rx_packets)" -ge "$q"
check "the queue drained" test "$(queued)" = 0
check "ping works" $IP netns exec fe ping -c 3 -W 5 10.99.0.1

net_pair_down "$link"
finish
