#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The frontend's per-queue statistics over the netdev netlink family, read
# with the kernel's own client (ynl ... --dump qstats-get), as the kernel's
# drivers/net/stats.py and queues.py do: the device's packets and bytes
# are the interface's (ip -s link) and its queues' add up to them; after
# ethtool -L combined 1 one queue of each kind is listed (qstats and
# queue-get) while the device's totals keep what the removed queue
# counted; and rx-checksumming off leaves the backend's partial UDP
# checksums for the stack to check (rx-csum-none).
# timeout: 600
. /pvio/lib.sh

command -v ethtool >/dev/null || skip "no ethtool in the host's /usr"
have_ynl || skip "no ynl in the initramfs (no linux-source-6.12 on the host)"
net_load || die "cannot load the network modules"
link=$(link_add) || die "cannot add a link"
vif_add "$link" queues 2 || die "cannot add the vif"
net_pair_up "$link"
fe_et() { $IP netns exec fe ethtool "$@"; }
ifindex=$($IP netns exec fe cat /sys/class/net/$fe/ifindex)

# nl OP [JSON]: a netdev family dump in the frontend's namespace, for
# the frontend only.
nl() {
	$IP netns exec fe sh -c ". /pvio/lib.sh; ynl netdev --dump $1 \
		--json '{\"ifindex\": $ifindex${2:+, $2}}'"
}
# pick KEY [TYPE]: the sum of KEY over the entries of the JSON list on
# stdin (of queue-type TYPE if given); "-" if no entry has KEY.
pick() {
	/usr/bin/python3 -c '
import json, sys
key, kind = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
ents = [e for e in json.load(sys.stdin)
	if kind is None or e.get("queue-type", e.get("type")) == kind]
vals = [e[key] for e in ents if key in e]
print(sum(vals) if vals else "-")' "$@"
}
# kinds: "RX TX", the rx and tx entries of the JSON list on stdin.
kinds() {
	/usr/bin/python3 -c '
import json, sys
ents = json.load(sys.stdin)
print(*[len([e for e in ents if e.get("queue-type", e.get("type")) == k])
	for k in ("rx", "tx")])'
}
KEYS="rx-packets rx-bytes tx-packets tx-bytes"
# dev_line: the device's four counters from qstats, on one line.
dev_line() {
	_j=$(nl qstats-get) || return 1
	for _k in $KEYS; do
		printf '%s ' "$(echo "$_j" | pick $_k)"
	done
}
# queue_line: the same, added up over the queues.
queue_line() {
	_j=$(nl qstats-get '"scope": ["queue"]') || return 1
	for _k in $KEYS; do
		printf '%s ' "$(echo "$_j" | pick $_k)"
	done
}
# link_line: the same from ip -s link (sysfs statistics).
link_line() {
	for _k in rx_packets rx_bytes tx_packets tx_bytes; do
		printf '%s ' "$(net_stat fe $fe $_k)"
	done
}
# dev_matches_link: qstats of the device are the interface's counters
# (read between two equal readings of these, against stray packets).
dev_matches_link() {
	for _i in 1 2 3 4 5; do
		_a=$(link_line)
		_q=$(dev_line)
		_b=$(link_line)
		[ "$_a" = "$_b" ] || continue
		echo "# qstats: $_q; ip -s link: $_a"
		[ "$_q" = "$_a" ]
		return
	done
	return 1
}
# queues_match_dev: the queues' counters add up to the device's.
queues_match_dev() {
	for _i in 1 2 3 4 5; do
		_a=$(dev_line)
		_q=$(queue_line)
		_b=$(dev_line)
		[ "$_a" = "$_b" ] || continue
		echo "# queues: $_q; device: $_a"
		[ "$_q" = "$_a" ]
		return
	done
	return 1
}
# flows NS ADDR: a UDP datagram from NS to ADDR on each of 32 ports, each
# from a socket of its own. A TCP connection's queue is its socket's
# random hash, so traffic's two connections land on one queue of the two
# at an end one time in four; 32 flows, hashed by their ports, reach
# every queue.
flows() {
	$IP netns exec "$1" /usr/bin/python3 -c '
import socket, sys
for port in range(9000, 9032):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"x" * 64, (sys.argv[1], port))
    s.close()' "$2"
}
traffic() {
	flows fe 10.99.0.1 && flows be 10.99.0.2 &&
	$IP netns exec fe ping -c 20 -i 0.02 10.99.0.1 >/dev/null &&
		net_tcp_intact fe be 10.99.0.1 && net_tcp_intact be fe 10.99.0.2
}

dd if=/dev/urandom of=/tmp/data bs=1k count=256 2>/dev/null
check "traffic both ways" traffic
nl qstats-get '"scope": ["queue"]' | sed 's/^/# /'
# basic_keys: the device reports the four (as stats.py wants), and
# rx-csum-none.
basic_keys() {
	_l="$(dev_line) $(nl qstats-get | pick rx-csum-none)"
	echo "# device: $_l"
	case " $_l" in *" -"*) return 1 ;; esac
}
check "qstats: the device reports the basic keys" basic_keys
check "qstats: the device's counters are ip -s link's" dev_matches_link
check "qstats: two rx and two tx queues" test \
	"$(nl qstats-get '"scope": ["queue"]' | kinds)" = "2 2"
check "qstats: both queues carried packets" test \
	"$(nl qstats-get '"scope": ["queue"]' | /usr/bin/python3 -c '
import json, sys
print(all(e["tx-packets" if e["queue-type"] == "tx" else "rx-packets"] > 0
	  for e in json.load(sys.stdin)))')" = True
check "qstats: the queues add up to the device" queues_match_dev

check "ethtool -L combined 1" fe_et -L $fe combined 1
check "... qstats lists one rx and one tx queue at once" test \
	"$(nl qstats-get '"scope": ["queue"]' | kinds)" = "1 1"
check "... queue-get lists one rx and one tx queue at once" test \
	"$(nl queue-get | kinds)" = "1 1"
check "... traffic" traffic
check "... the device's counters are still ip -s link's" dev_matches_link
check "ethtool -L combined 2" fe_et -L $fe combined 2
check "... queue-get lists two rx and two tx queues at once" test \
	"$(nl queue-get | kinds)" = "2 2"
check "... the queues add up to the device again" queues_match_dev

# udp_none N: N UDP datagrams from the backend's stack (partial checksums
# on the wire); prints how much rx-csum-none grew meanwhile.
udp_none() {
	_c=$(nl qstats-get | pick rx-csum-none)
	$IP netns exec be /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[1])):
    s.sendto(b"x" * 200, ("10.99.0.2", 9))' "$1"
	sleep 0.5
	echo $(($(nl qstats-get | pick rx-csum-none) - _c))
}
on=$(udp_none 50)
check "ethtool -K rx off" fe_et -K $fe rx off
off=$(udp_none 50)
fe_et -K $fe rx on
echo "# rx-csum-none grew by $on (rx-checksumming on), $off (off) for 50 datagrams"
check "rx-checksumming off: the stack checks the partial ones itself" \
	test "$off" -ge 50 -a "$on" -lt 50

net_pair_down "$link"
finish
