#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# iperf3 over a vif with 2 queues, then with 1 (ethtool -L): TCP and UDP
# (1400-byte datagrams), 1 and 4 streams, frontend to backend and back
# (-R). Each run ends cleanly and data arrives, and the per-queue byte
# counters of ethtool -S at both ends agree with iperf3's byte counts:
# the sending end counted at least the frames that carried what the
# receiver got and at most what iperf3 sent plus headers, retransmits
# and the control connection; the receiving end counted no more than
# the sending end and at least what the receiver got.
# timeout: 300
. /pvio/lib.sh

command -v iperf3 >/dev/null || skip "no iperf3 in the host's /usr"
command -v ethtool >/dev/null || skip "no ethtool in the host's /usr"
net_load || die "cannot load the network modules"
link=$(link_add) || die "cannot add a link"
vif_add "$link" queues 2 || die "cannot add the vif"
net_pair_up "$link"

# UDP datagram: payload, and its frame (+ UDP, IPv4 and Ethernet headers).
LEN=1400
FRAME=$((LEN + 8 + 20 + 14))
# What iperf3's control connection and UDP handshake may add, in bytes.
CTRL=65536

# qsums NS DEV: tx and rx bytes of all DEV's queues (ethtool -S).
qsums() {
	$IP netns exec "$1" ethtool -S "$2" |
		awk '/^ *q[0-9]+_tx_bytes:/ { t += $2 }
		     /^ *q[0-9]+_rx_bytes:/ { r += $2 }
		     END { print t + 0, r + 0 }'
}

# counters: frontend tx and rx bytes, backend tx and rx bytes.
counters() {
	echo "$(qsums fe $fe) $(qsums be $be)"
}

# report: from iperf3's JSON, bytes sent, bytes received, retransmits,
# datagrams sent (0 for TCP); received 0 if there is no report.
report() {
	awk '{ gsub(/[,"]/, "") }
	     $1 == "sum_sent:" { sec = "s" }
	     $1 == "sum_received:" { sec = "r" }
	     $1 == "cpu_utilization_percent:" { sec = "" }
	     sec != "" && $1 == "bytes:" { b[sec] = $2 }
	     sec == "s" && $1 == "retransmits:" { rt = $2 }
	     sec == "s" && $1 == "packets:" { p = $2 }
	     END { print b["s"] + 0, b["r"] + 0, rt + 0, p + 0 }' /tmp/iperf3.json
}

# iperf PROTO ARGS...: 1 s of iperf3 (tcp or udp) from fe to be, -R the
# other way, as ARGS say; checks its report against the counters.
iperf() {
	proto=$1
	shift
	case " $* " in *" -R "*) rev=1 ;; *) rev= ;; esac
	[ $proto = udp ] && set -- -u -l $LEN -b 50M "$@"
	c0=$(counters)
	$IP netns exec fe timeout 40 iperf3 -c 10.99.0.1 -t 1 -J "$@" \
		>/tmp/iperf3.json 2>&1 ||
		{ head -c 2000 /tmp/iperf3.json; return 1; }
	set -- $(report)
	sent=$1 got=$2 retr=$3 dgrams=$4
	set -- $c0 $(counters)
	# The data's direction: which end sent, which received.
	if [ -n "$rev" ]; then
		d_tx=$(($7 - $3)) d_rx=$(($6 - $2))
	else
		d_tx=$(($5 - $1)) d_rx=$(($8 - $4))
	fi
	if [ $proto = udp ]; then
		lo=$((got / LEN * FRAME)) hi=$((dgrams * FRAME + CTRL))
	else
		# Full-sized segments carry 66 bytes of headers per 1448.
		lo=$got hi=$((sent + sent / 20 + retr * 1514 + CTRL))
	fi
	echo "# iperf3: sent $sent, received $got bytes, $retr retransmits," \
		"$dgrams datagrams; ethtool -S: sender $d_tx, receiver $d_rx bytes" \
		"(bounds $lo..$hi)"
	[ "$got" -gt 0 ] || { echo "# nothing received"; return 1; }
	[ $d_tx -ge $lo ] && [ $d_tx -le $hi ] &&
		[ $d_rx -ge $lo ] && [ $d_rx -le $d_tx ]
}

# all QUEUES: every run with QUEUES queues.
all() {
	for proto in tcp udp; do
		check "$1 queues: $proto, frontend to backend" iperf $proto
		check "$1 queues: $proto, backend to frontend" iperf $proto -R
		check "$1 queues: $proto, 4 streams, frontend to backend" \
			iperf $proto -P 4
		check "$1 queues: $proto, 4 streams, backend to frontend" \
			iperf $proto -P 4 -R
	done
}

# combined: the frontend's number of queues, as ethtool -l reports it.
combined() {
	$IP netns exec fe ethtool -l $fe |
		sed -n '/^Current/,$s/^Combined:[[:space:]]*//p'
}

# One server for every run.
$IP netns exec be iperf3 -s >/dev/null 2>&1 &
srv=$!
net_listening be 5201 || die "no iperf3 server"
check "two queues" test "$(combined)" = 2
all 2
$IP netns exec fe ethtool -S $fe | grep -E 'q[01]_(tx|rx)_packets' |
	sed 's/^/# /'
check "ethtool -L combined 1" $IP netns exec fe ethtool -L $fe combined 1
check "... the carrier comes back" net_carrier fe $fe 1
check "one queue" test "$(combined)" = 1
all 1
# What was dropped on the way (a reconnection drops what is in flight).
$IP netns exec fe ethtool -S $fe | grep -E '_dropped|_errors' | grep -v ': 0$' |
	sed 's/^ */# frontend /'
$IP netns exec be ethtool -S $be | grep -E '_dropped|_errors' | grep -v ': 0$' |
	sed 's/^ */# backend /'
kill $srv
wait $srv 2>/dev/null

net_pair_down "$link"
finish
