#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The network part of the demo (make demo): iperf3 TCP both ways and
# ping's average round trip between two network namespaces, over a veth
# pair and over a pvio vif on a loop link (netfront in one namespace,
# the vif in the other), printed side by side with pvio's ratio to veth.
# Fails if a run fails. Figures under TCG are for the ratio only.
# timeout: 240
. /pvio/lib.sh

command -v iperf3 >/dev/null || skip "no iperf3 in the host's /usr"
modprobe veth || die "cannot load veth"
net_load || die "cannot load the network modules"
link=$(link_add) || die "cannot add a link"
vif_add "$link" || die "cannot add the vif"
net_pair_up "$link"
net_ns va && net_ns vb || die "cannot create the veth namespaces"
$IP link add va0 type veth peer name vb0 || die "cannot add a veth pair"
net_into va va0 10.98.0.1 && net_into vb vb0 10.98.0.2 ||
	die "cannot set up the veth pair"

# gbits FILE: the receiver's rate in an iperf3 report, in Gbit/s.
gbits() {
	awk '/ receiver/ { for (i = 2; i <= NF; i++) if ($i ~ /bits\/sec/) {
		v = $(i - 1); u = $i } }
	     END { if (u ~ /^M/) v /= 1000; else if (u ~ /^K/) v /= 1e6;
		   else if (u !~ /^G/) v = 0; printf "%.2f", v }' "$1"
}

# tcp SRV_NS SRV_ADDR CLI_NS [-R]: Gbit/s of a 4 s iperf3 run, or 0.
tcp() {
	$IP netns exec "$1" timeout 60 iperf3 -s -1 >/dev/null 2>&1 &
	_s=$!
	net_listening "$1" 5201 || { kill $_s; echo 0; return; }
	$IP netns exec "$3" timeout 30 iperf3 -c "$2" -t 4 $4 \
		>/tmp/demo.iperf3 2>&1 || { kill $_s; echo 0; return; }
	wait $_s
	gbits /tmp/demo.iperf3
}

# rtt CLI_NS ADDR: ping's average round trip in ms over 20 pings, or 0.
rtt() {
	$IP netns exec "$1" ping -c 20 -i 0.05 -W 5 "$2" 2>/dev/null |
		sed -n 's|.*min/avg/max = [0-9.]*/\([0-9.]*\)/.*|\1|p' |
		grep . || echo 0
}

set -- $(tcp vb 10.98.0.2 va) $(tcp vb 10.98.0.2 va -R) $(rtt va 10.98.0.2)
v_tx=$1 v_rx=$2 v_rtt=$3
set -- $(tcp be 10.99.0.1 fe) $(tcp be 10.99.0.1 fe -R) $(rtt fe 10.99.0.1)
p_tx=$1 p_rx=$2 p_rtt=$3
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b;
					 else print "-" }'
}
printf '%-10s %16s %16s %14s\n' path "TCP ->(Gbit/s)" "TCP <-(Gbit/s)" \
	"ping avg(ms)"
printf '%-10s %16s %16s %14s\n' veth "$v_tx" "$v_rx" "$v_rtt"
printf '%-10s %16s %16s %14s\n' pvio "$p_tx" "$p_rx" "$p_rtt"
printf '%-10s %16s %16s %14s\n' pvio/veth "$(ratio $p_tx $v_tx)" \
	"$(ratio $p_rx $v_rx)" "$(ratio $p_rtt $v_rtt)"
check "iperf3 ran both ways over veth" sh -c \
	"awk 'BEGIN { exit !($v_tx > 0 && $v_rx > 0) }'"
check "iperf3 ran both ways over pvio" sh -c \
	"awk 'BEGIN { exit !($p_tx > 0 && $p_rx > 0) }'"
check "ping answered over both" sh -c \
	"awk 'BEGIN { exit !($v_rtt > 0 && $p_rtt > 0) }'"

pvioctl vif del "$link" 0
pvioctl link del "$link"
for ns in be fe va vb; do
	$IP netns del $ns
done
check "unload" pvio_rmmod pvio_netfront pvio_netback pvio_loop pvio_hv
finish
