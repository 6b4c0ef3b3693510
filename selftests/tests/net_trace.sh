#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The data-path tracepoints of both ends (events/pvio_netfront/,
# events/pvio_netback/ in tracefs): N pings of a known size from the
# frontend give at least N of each per-packet event (tx pushed, answered,
# rx received, buffer posted; backend: request consumed, packet copied to
# the guest), with that frame length and the devices' own ifindex; the
# doorbells show both ways; an injected bad request shows as a backend
# drop with reason "invalid".
# timeout: 180
. /pvio/lib.sh

net_load || die "cannot load the network modules"
T=/sys/kernel/tracing
[ -e $T/events ] || mount -t tracefs tracefs $T || die "cannot mount tracefs"
[ -d $T/events/pvio_netfront ] || die "no pvio_netfront events"
[ -d $T/events/pvio_netback ] || die "no pvio_netback events"
link=$(link_add) || die "cannot add a link"
vif_add "$link" queues 1 || die "cannot add the vif"
net_pair_up "$link"
fe_if=$($IP netns exec fe cat /sys/class/net/$fe/ifindex)
be_if=$($IP netns exec be cat /sys/class/net/$be/ifindex)
# Learn the peer's MAC first: no ARP among the counted frames.
$IP netns exec fe ping -c 1 -W 5 10.99.0.1 >/dev/null ||
	die "no first ping"

check "the events are off by default" \
	test "$(cat $T/events/pvio_netfront/netfront_tx_push/enable)" = 0
echo 0 >$T/tracing_on
echo >$T/trace
echo 1 >$T/events/pvio_netfront/enable
echo 1 >$T/events/pvio_netback/enable
echo 1 >$T/tracing_on
N=20
# 100 bytes of payload: frames of 14 + 20 + 8 + 100 = 142 bytes.
check "$N pings of 100 bytes" \
	sh -c "$IP netns exec fe ping -c $N -i 0.05 -W 5 -s 100 10.99.0.1 >/dev/null"
echo 0 >$T/tracing_on
cat $T/trace >/tmp/trace.log
echo 0 >$T/events/pvio_netfront/enable
echo 0 >$T/events/pvio_netback/enable

# count EVENT [PATTERN]: lines of EVENT (matching PATTERN) in the trace.
count() {
	grep " $1: " /tmp/trace.log | grep -c -- "${2:-.}"
}
for e in netfront_tx_push netfront_tx_response netfront_rx_post \
	 netfront_rx_packet netfront_notify netfront_event \
	 netback_tx_request netback_rx_copy netback_notify netback_event; do
	echo "# $e: $(count $e), as $(grep -m1 " $e: " /tmp/trace.log |
		sed 's/.*: //')"
done
check "netfront_tx_push: $N pings of 142 bytes, 1 segment" \
	test "$(count netfront_tx_push "ifindex=$fe_if q=0 id=[0-9]* len=142 segs=1 ")" -ge $N
check "netfront_tx_response: $N answered OK" \
	test "$(count netfront_tx_response "ifindex=$fe_if .*status=0")" -ge $N
check "netfront_rx_packet: $N replies of 142 bytes" \
	test "$(count netfront_rx_packet "ifindex=$fe_if q=0 len=142 bufs=1 ")" -ge $N
check "netfront_rx_post: a buffer reposted for each" \
	test "$(count netfront_rx_post "ifindex=$fe_if")" -ge $N
check "netback_tx_request: $N requests of 142 bytes, OK" \
	test "$(count netback_tx_request "ifindex=$be_if q=0 id=[0-9]* len=142 segs=1 flags=0x0 status=0")" -ge $N
check "netback_rx_copy: $N replies of 142 bytes into one buffer" \
	test "$(count netback_rx_copy "ifindex=$be_if q=0 len=142 bufs=1 ")" -ge $N
check "doorbells: the frontend rang and was rung" \
	test "$(count netfront_notify)" -ge 1 -a "$(count netfront_event)" -ge 1
check "doorbells: the backend rang and was rung" \
	test "$(count netback_notify)" -ge 1 -a "$(count netback_event)" -ge 1
check "no drops" test "$(count netback_drop)" = 0

inject=/sys/kernel/debug/pvio_netfront/link$link-vif0-frontend/inject
if [ -e $inject ]; then
	echo >$T/trace
	echo 1 >$T/events/pvio_netback/netback_drop/enable
	echo 1 >$T/tracing_on
	echo bad-len >$inject
	$IP netns exec fe ping -c 1 -W 5 10.99.0.1 >/dev/null
	echo 0 >$T/tracing_on
	cat $T/trace >/tmp/trace.log
	echo 0 >$T/events/pvio_netback/netback_drop/enable
	check "an injected bad request: netback_drop reason=invalid" \
		test "$(count netback_drop "ifindex=$be_if q=0 len=61 reason=invalid")" = 1
fi

net_pair_down "$link"
finish
