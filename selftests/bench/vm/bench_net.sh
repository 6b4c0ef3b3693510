#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench, network part (run by scripts/bench-net.sh in one VM, plain
# TCG and under -icount): the same iperf3 and ping runs between two
# network namespaces over a veth pair and over a pvio vif on a loop link
# (pvethN in one namespace, pvif<link>.0 in the other): TCP from the
# first namespace to the second with 1 and 4 streams and the other way
# with 1, UDP 64-byte datagrams as fast as the sender goes (packets per
# second the receiver got) and ping round trips (p50 and p99 of 200, and
# every round trip for the report's distribution). For pvio, beside each
# iperf3 run and the pings: the doorbells per packet each way (the link's
# debugfs "events": the frontend's notifies ring the backend, the
# backend's the frontend; packets: the frontend's sent and received).
# Each figure goes to the host as soon as it is measured (bench_report):
# "BENCH net <path> <metric> <value>", and the round trips as
# "BENCH-SAMPLES net <path> ping_rtt_us <value>...".
# Kernel command line (the host's VM_APPEND): benchsecs=N (iperf3's
# seconds per run, default 4), benchquick=1 (50 pings: make check's
# smoke run).
# timeout: 900
. /pvio/lib.sh

PY=/usr/bin/python3
SECS=$(cmdline_arg benchsecs)
SECS=${SECS:-4}
PINGS=200
[ -n "$(cmdline_arg benchquick)" ] && PINGS=50
command -v iperf3 >/dev/null || skip "no iperf3 in the host's /usr"
[ -x $PY ] || skip "no $PY in the host's /usr"
echo "BENCH-META guest_kernel $(uname -r) ($(uname -v))" | bench_report
modprobe veth || die "cannot load veth"
net_load || die "cannot load the network modules"
link=$(link_add) || die "cannot add a link"
vif_add "$link" || die "cannot add the vif"
net_pair_up "$link"
net_ns va && net_ns vb || die "cannot create the veth namespaces"
$IP link add va0 type veth peer name vb0 || die "cannot add a veth pair"
net_into vb vb0 10.98.0.1 && net_into va va0 10.98.0.2 ||
	die "cannot set up the veth pair"

# iperf LABEL METRIC SRV_NS SRV_ADDR CLI_NS iperf3-options: one figure
# from the client's JSON report (which has the receiver's side too).
iperf() {
	label=$1 metric=$2 srv=$3 addr=$4 cli=$5
	shift 5
	$IP netns exec "$srv" timeout 60 iperf3 -s -1 >/dev/null 2>&1 &
	_s=$!
	net_listening "$srv" 5201 ||
		{ kill $_s; echo "BENCH net $label $metric error" | bench_report; return 1; }
	$IP netns exec "$cli" timeout 60 iperf3 -c "$addr" -t $SECS -J "$@" \
		>/tmp/i.json 2>&1
	wait $_s
	$PY - "$label" "$metric" /tmp/i.json <<'PY' | bench_report
import json, sys
label, metric, path = sys.argv[1:]
try:
    r = json.load(open(path))["end"]["sum_received"]
    val = {
        "tcp": lambda: r["bits_per_second"] / 1e9,
        "udp": lambda: r["bytes"] / 64 / r["seconds"] / 1000,
    }[metric.split("_")[0][:3]]()
    print("BENCH net %s %s %.3f" % (label, metric, val))
except (ValueError, KeyError, ZeroDivisionError):
    print("BENCH net %s %s error" % (label, metric))
PY
}

# rtt LABEL CLI_NS ADDR: p50 and p99 of PINGS pings' round trips, in
# us, and every round trip in the order measured.
rtt() {
	$IP netns exec "$2" ping -c $PINGS -i 0.01 -W 2 "$3" 2>/dev/null |
		sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' >/tmp/rtt
	awk -v l="$1" '{ printf "%s%.1f", NR == 1 ? "BENCH-SAMPLES net " l " ping_rtt_us " : " ", $1 * 1000 }
		END { if (NR) print "" }' /tmp/rtt | bench_report
	sort -n /tmp/rtt | awk -v l="$1" -v n=$PINGS '
		# rank P: the nearest-rank P percentile of the sorted t[].
		function rank(p, i) { i = int(NR * p); return t[i < NR * p ? i + 1 : i] }
		{ t[NR] = $1 * 1000 }
		END { if (NR < n / 2) { print "BENCH net " l " ping_p50_us error"
					print "BENCH net " l " ping_p99_us error"; exit }
		      printf "BENCH net %s ping_p50_us %.1f\n", l, rank(0.5)
		      printf "BENCH net %s ping_p99_us %.1f\n", l, rank(0.99) }' |
		bench_report
}

# counters: pvio's link counters, as "frontend-notifies backend-notifies
# frontend-packets" (lib.sh's bench_report_doorbells).
counters() {
	echo "$(link_notifies "$link")" \
		"$($IP netns exec fe cat /sys/class/net/$fe/statistics/tx_packets \
			/sys/class/net/$fe/statistics/rx_packets |
			awk '{ p += $1 } END { print p + 0 }')"
}

# measure LABEL WORKLOAD COMMAND...: COMMAND, and for pvio its doorbells.
measure() {
	# Names of their own: the command's functions set _-variables too.
	m_label=$1 m_work=$2
	shift 2
	[ "$m_label" = pvio ] && m_before=$(counters)
	"$@"
	[ "$m_label" = pvio ] &&
		bench_report_doorbells net pvio "$m_work" perpkt "$m_before" "$(counters)"
}

# run LABEL SRV_NS SRV_ADDR CLI_NS: every figure of one path.
run() {
	measure "$1" tcp1 iperf "$1" tcp1_gbits "$2" "$3" "$4"
	measure "$1" tcp4 iperf "$1" tcp4_gbits "$2" "$3" "$4" -P 4
	measure "$1" tcp1_rev iperf "$1" tcp1_rev_gbits "$2" "$3" "$4" -R
	measure "$1" udp64 iperf "$1" udp64_kpps "$2" "$3" "$4" -u -l 64 -b 10G
	measure "$1" ping rtt "$1" "$4" "$3"
}
run veth vb 10.98.0.1 va
run pvio be 10.99.0.1 fe

pvioctl vif del "$link" 0
pvioctl link del "$link"
for ns in be fe va vb; do
	$IP netns del $ns
done
pvio_rmmod pvio_netfront pvio_netback pvio_loop pvio_hv
