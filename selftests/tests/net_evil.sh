#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A frontend that breaks the protocol (debugfs pvio_netfront/<dev>/inject,
# also GSO requests whose checksum or segment count the stack must not see):
# tx requests with a wrong length, a segment past its page, a grant that
# does not exist, a flag not negotiated, no segment: the backend drops
# each one, counts it (rx_errors of the vif) and answers it with an error
# (tx_errors of the frontend), and traffic goes on. A tx producer index
# more than a ring ahead gets the frontend disconnected, with one log
# line; it then connects afresh and ping works again.
#
# And a backend that breaks it (debugfs pvio_netback/<dev>/inject): a tx
# response for no request in flight, an rx response for no posted
# buffer, a posted buffer answered empty, an rx producer index more than
# a ring ahead: each time the frontend drops the backend with one log
# line, connects afresh, and ping works again.
# timeout: 180
. /pvio/lib.sh

net_load || die "cannot load the network modules"
link=$(link_add) || die "cannot add a link"
vif_add "$link" || die "cannot add the vif"
net_pair_up "$link"
inject=/sys/kernel/debug/pvio_netfront/link$link-vif0-frontend/inject
[ -e $inject ] || die "no $inject"

ping_ok() {
	$IP netns exec fe ping -c 2 -W 5 10.99.0.1 >/tmp/ping.log 2>&1 ||
		{ cat /tmp/ping.log; return 1; }
}
check "ping before" ping_ok

# refused KIND: one injected request, refused and counted at both ends.
refused() {
	be0=$(net_stat be $be rx_errors) fe0=$(net_stat fe $fe tx_errors)
	echo "$1" >$inject || return 1
	_w=0
	while [ "$(net_stat fe $fe tx_errors)" -eq "$fe0" ]; do
		[ $_w -ge 50 ] && break
		sleep 0.1
		_w=$((_w + 1))
	done
	be1=$(net_stat be $be rx_errors) fe1=$(net_stat fe $fe tx_errors)
	echo "# $1: backend rx_errors $be0 -> $be1, frontend tx_errors $fe0 -> $fe1"
	[ $be1 -eq $((be0 + 1)) ] && [ $fe1 -eq $((fe0 + 1)) ]
}
check "GSO offered (else the GSO cases prove nothing)" sh -c \
	"$IP netns exec fe ethtool -k $fe | grep -qx 'tcp-segmentation-offload: on' &&
	 $IP netns exec fe ethtool -k $fe | grep -qx 'tx-udp-segmentation: on'"
for kind in bad-len bad-seg bad-gref bad-flags no-segs bad-gso-csum \
	bad-udp-gso; do
	check "$kind: dropped, counted, answered with an error" refused $kind
done
check "the carrier stayed on" net_carrier fe $fe 1 0
check "ping still works" ping_ok
check "an unknown injection is refused" sh -c "! echo nonsense >$inject"

dmesg -c >/dev/null
check "inject bad-index" sh -c "echo bad-index >$inject"
# disconnected: the backend said so, once.
disconnected() {
	_w=0
	until dmesg | grep -q "bad tx request ring indices, disconnecting"; do
		[ $_w -ge 100 ] && return 1
		sleep 0.1
		_w=$((_w + 1))
	done
	dmesg | grep "disconnecting" | sed 's/^/# /'
}
check "the backend disconnected the frontend" disconnected
check "the frontend's carrier comes back" net_carrier fe $fe 1
check "ping works again" ping_ok

binject=/sys/kernel/debug/pvio_netback/link$link-vif0-backend/inject
[ -e $binject ] || die "no $binject"
# reconnected KIND WHY: the backend injects KIND, the frontend says WHY
# and reconnects, ping works.
reconnected() {
	dmesg -c >/dev/null
	echo "$1" >$binject || return 1
	_w=0
	until dmesg | grep -q "$2, reconnecting"; do
		[ $_w -ge 100 ] && { echo "# no '$2' in the log"; return 1; }
		sleep 0.1
		_w=$((_w + 1))
	done
	dmesg | grep reconnecting | sed 's/^/# /'
	net_carrier fe $fe 1 && ping_ok
}
check "bad-tx-id: the frontend reconnects" 	reconnected bad-tx-id "bad tx response"
check "bad-rx-id: the frontend reconnects" 	reconnected bad-rx-id "bad rx response"
check "bad-rx-len: the frontend reconnects" 	reconnected bad-rx-len "bad rx response"
check "bad-index: the frontend reconnects" 	reconnected bad-index "bad rx response"
check "an unknown injection is refused" sh -c "! echo nonsense >$binject"

net_pair_down "$link"
finish
