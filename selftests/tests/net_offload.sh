#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Checksum offload and TSO across a vif, on and off (ethtool -K): 16 MiB
# of random data goes each way over TCP and arrives with the same MD5
# (partial checksums are not checked on local delivery, so only a
# comparison of the data proves it intact); with the offloads on, iperf3
# makes GSO packets cross in both directions (the gso counters of
# ethtool -S at both ends move), with them off none do. UDP GSO likewise:
# a sender with UDP_SEGMENT sends 14000-byte buffers as 10 datagrams
# each, which cross as GSO packets (counters) and arrive as the datagrams
# sent, every one checked; with tx-udp-segmentation off at the sender the
# stack segments them in software and none crosses as GSO.
# timeout: 300
. /pvio/lib.sh

command -v ethtool >/dev/null || skip "no ethtool in the host's /usr"
command -v python3 >/dev/null || skip "no python3 in the host's /usr"
net_load || die "cannot load the network modules"
link=$(link_add) || die "cannot add a link"
vif_add "$link" || die "cannot add the vif"
net_pair_up "$link"

dd if=/dev/urandom of=/tmp/data bs=1M count=16 2>/dev/null

# gso NS DEV rx|tx: the GSO packets of all queues.
gso() {
	$IP netns exec "$1" ethtool -S "$2" |
		sed -n "s/^ *q[0-9]*_$3_gso_packets: //p" |
		awk '{ s += $1 } END { print s + 0 }'
}

# dump: the rings of queue 0 at both ends, on a failure.
dump() {
	for f in /sys/kernel/debug/pvio_net*/link$link-*/q*; do
		echo "# == $f"
		sed 's/^/# /' "$f"
	done
}

# iperf ARGS: 3 s of iperf3 from fe to be (-R: the other way).
iperf() {
	$IP netns exec be timeout 60 iperf3 -s -1 >/dev/null 2>&1 &
	isrv=$!
	net_listening be 5201 || { kill $isrv; return 1; }
	$IP netns exec fe timeout 30 iperf3 -c 10.99.0.1 -t 3 "$@" \
		>/tmp/iperf3.log 2>&1
	_r=$?
	[ $_r -eq 0 ] || { cat /tmp/iperf3.log; dump; kill $isrv; }
	wait $isrv
	grep -E " receiver" /tmp/iperf3.log | sed 's/^/# /'
	return $_r
}

# udp_gso FROM_NS TO_NS TO_ADDR: 200 sends of 10 segments of 1400 bytes
# with UDP_SEGMENT arrive as 2000 datagrams, each with its content.
udp_gso() {
	$IP netns exec "$2" timeout 60 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 1 << 23)  # SO_RCVBUFFORCE
s.bind((sys.argv[1], 5998))
print("ready", flush=True)
s.settimeout(10)
seen, bad = set(), 0
try:
    while len(seen) < 2000:
        d = s.recv(65536)
        n = int.from_bytes(d[:4], "little")
        if len(d) != 1400 or d[4:] != bytes([n & 0xff]) * 1396:
            bad += 1
        seen.add(n)
except socket.timeout:
    pass
print(len(seen), bad)' "$3" >/tmp/udp.out &
	srv=$!
	_w=0
	until grep -q ready /tmp/udp.out; do
		[ $_w -ge 200 ] && { kill $srv; return 1; }
		sleep 0.1
		_w=$((_w + 1))
	done
	$IP netns exec "$1" timeout 60 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, 1400)  # UDP_SEGMENT
for i in range(200):
    buf = b"".join((10 * i + k).to_bytes(4, "little") +
                   bytes([(10 * i + k) & 0xff]) * 1396 for k in range(10))
    s.sendto(buf, (sys.argv[1], 5998))
    time.sleep(0.002)' "$3" || { kill $srv; return 1; }
	wait $srv
	echo "# $1 -> $2: datagrams received, bad: $(tail -n 1 /tmp/udp.out)"
	[ "$(tail -n 1 /tmp/udp.out)" = "2000 0" ]
}

# moved BEFORE AFTER: did a counter move?
check "frontend: tx checksumming and TSO on" sh -c \
	"$IP netns exec fe ethtool -k $fe | grep -qx 'tcp-segmentation-offload: on'"
check "backend: tx checksumming and TSO on" sh -c \
	"$IP netns exec be ethtool -k $be | grep -qx 'tcp-segmentation-offload: on'"
check "offloads on: data intact frontend to backend" net_tcp_intact fe be 10.99.0.1
check "offloads on: data intact backend to frontend" net_tcp_intact be fe 10.99.0.2

a=$(gso fe $fe tx) b=$(gso be $be rx)
check "offloads on: iperf3 frontend to backend" iperf
a2=$(gso fe $fe tx) b2=$(gso be $be rx)
echo "# GSO packets sent by the frontend $a -> $a2, received by the backend $b -> $b2"
check "... the frontend sent GSO packets" test "$a2" -gt "$a"
check "... the backend received them as such" test $((b2 - b)) -eq $((a2 - a))
a=$(gso be $be tx) b=$(gso fe $fe rx)
check "offloads on: iperf3 backend to frontend" iperf -R
a2=$(gso be $be tx) b2=$(gso fe $fe rx)
echo "# GSO packets sent by the backend $a -> $a2, received by the frontend $b -> $b2"
check "... the backend sent GSO packets" test "$a2" -gt "$a"
check "... the frontend received them as such" test $((b2 - b)) -eq $((a2 - a))

check "frontend: UDP GSO on" sh -c \
	"$IP netns exec fe ethtool -k $fe | grep -qx 'tx-udp-segmentation: on'"
check "backend: UDP GSO on" sh -c \
	"$IP netns exec be ethtool -k $be | grep -qx 'tx-udp-segmentation: on'"
a=$(gso fe $fe tx) b=$(gso be $be rx)
check "UDP GSO: datagrams intact frontend to backend" udp_gso fe be 10.99.0.1
a2=$(gso fe $fe tx) b2=$(gso be $be rx)
echo "# GSO packets sent by the frontend $a -> $a2, received by the backend $b -> $b2"
check "... the frontend sent GSO packets" test "$a2" -gt "$a"
check "... the backend received them as such" test $((b2 - b)) -eq $((a2 - a))
a=$(gso be $be tx) b=$(gso fe $fe rx)
check "UDP GSO: datagrams intact backend to frontend" udp_gso be fe 10.99.0.2
a2=$(gso be $be tx) b2=$(gso fe $fe rx)
echo "# GSO packets sent by the backend $a -> $a2, received by the frontend $b -> $b2"
check "... the backend sent GSO packets" test "$a2" -gt "$a"
check "... the frontend received them as such" test $((b2 - b)) -eq $((a2 - a))
check "ethtool -K tx-udp-segmentation off, both ends" sh -c \
	"$IP netns exec fe ethtool -K $fe tx-udp-segmentation off &&
	 $IP netns exec be ethtool -K $be tx-udp-segmentation off"
a=$(gso fe $fe tx) b=$(gso be $be tx)
check "software UDP GSO: datagrams intact frontend to backend" \
	udp_gso fe be 10.99.0.1
check "software UDP GSO: datagrams intact backend to frontend" \
	udp_gso be fe 10.99.0.2
check "... no GSO packet crossed" \
	test "$(gso fe $fe tx) $(gso be $be tx)" = "$a $b"
check "ethtool -K tx-udp-segmentation on, both ends" sh -c \
	"$IP netns exec fe ethtool -K $fe tx-udp-segmentation on &&
	 $IP netns exec be ethtool -K $be tx-udp-segmentation on"

check "ethtool -K tx off sg off, frontend" \
	$IP netns exec fe ethtool -K $fe tx off sg off
check "ethtool -K tx off sg off, backend" \
	$IP netns exec be ethtool -K $be tx off sg off
check "offloads off: data intact frontend to backend" net_tcp_intact fe be 10.99.0.1
check "offloads off: data intact backend to frontend" net_tcp_intact be fe 10.99.0.2
a=$(gso fe $fe tx) b=$(gso be $be tx)
check "offloads off: iperf3 frontend to backend" iperf
check "offloads off: iperf3 backend to frontend" iperf -R
check "... no GSO packet crossed" \
	test "$(gso fe $fe tx) $(gso be $be tx)" = "$a $b"

check "ethtool -K tx on sg on, both ends" sh -c \
	"$IP netns exec fe ethtool -K $fe tx on sg on tso on &&
	 $IP netns exec be ethtool -K $be tx on sg on tso on"
check "offloads on again: data intact frontend to backend" \
	net_tcp_intact fe be 10.99.0.1

net_pair_down "$link"
finish
