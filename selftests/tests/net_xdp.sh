#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# XDP on the frontend, with programs from selftests/tools/xdp_prog (raw
# BPF instructions, each counting what it sees in a map):
#
#   netns be: pvif<link>.0 10.99.0.1 <== pvio link ==> netns fe: pvethN 10.99.0.2
#                                                     netns fe: va <-veth-> vb
#
# pass: pings from be answered, xdp_pass and the map count them, and
# TCP (iperf3) runs through it, and it stays through ethtool -L;
# offloads are off while it is attached.
# drop: every ping lost, xdp_drop counts them. tx: the pings come back
# to be (its rx_packets) and xdp_tx counts them. redirect: pvethN's
# program sends be's pings out of va, vb's program counts them; vb's
# program sends what va sends into pvethN (ndo_xdp_xmit), be receives
# it. An attach above the single-buffer MTU is refused with its extack
# message, and so is a larger MTU while a program is attached. Detach
# while iperf3 runs, then ping; rmmod with a program attached.
# timeout: 300
. /pvio/lib.sh

command -v ethtool >/dev/null || skip "no ethtool in the host's /usr"
modprobe veth || skip "no veth module"
net_load || die "cannot load the network modules"
link=$(link_add) || die "cannot add a link"
mac=02:00:5e:10:00:02
vif_add "$link" mac $mac queues 2 || die "cannot add the vif"
net_pair_up "$link"
# No ARP: the frames each test counts are the pings alone.
$IP -n be neigh replace 10.99.0.2 lladdr $mac dev $be nud permanent ||
	die "cannot add a neighbour"
$IP -n fe link add va type veth peer name vb &&
	$IP -n fe link set va up && $IP -n fe link set vb up ||
	die "cannot add a veth pair"

fe_xdp() { $IP netns exec fe xdp_prog "$@"; }
# xstat NAME: the frontend's counter NAME, summed over its queues.
xstat() {
	$IP netns exec fe ethtool -S $fe |
		awk -v n="$1" '$1 ~ "^q[0-9]+_" n ":$" { s += $2 } END { print s + 0 }'
}
# pings N [ARGS]: N pings from be to fe; ping's output in /tmp/ping.log.
pings() {
	_n=$1
	shift
	$IP netns exec be ping -c "$_n" -i 0.05 -W 1 "$@" 10.99.0.2 \
		>/tmp/ping.log 2>&1
}
received() { grep -q " $1 packets received\| $1 received" /tmp/ping.log; }
# pings_ok N: N pings from be to fe, all answered.
pings_ok() {
	pings "$1" && received "$1" || { sed 's/^/# /' /tmp/ping.log; false; }
}
# at_least WHAT BEFORE NOW N: NOW - BEFORE >= N, said either way.
at_least() {
	echo "# $1: $(($3 - $2)) (at least $4)"
	test $(($3 - $2)) -ge "$4"
}

# ---- pass ----
check "attach pass" fe_xdp $fe pass
check "... the carrier comes back" net_carrier fe $fe 1
check "... offloads are off" sh -c \
	"$IP netns exec fe ethtool -k $fe | grep -q '^tcp-segmentation-offload: off'"
x0=$(xstat xdp_pass)
check "20 pings answered" pings_ok 20
check "... xdp_pass counted them" at_least xdp_pass "$x0" "$(xstat xdp_pass)" 20
check "... the program counted them" at_least count 0 "$(fe_xdp $fe count)" 20

# iperf_be_to_fe SECONDS: an iperf3 TCP run from be to fe.
iperf_be_to_fe() {
	$IP netns exec fe timeout 60 iperf3 -s -1 >/tmp/iperf3-s.log 2>&1 &
	net_listening fe 5201 || return 1
	$IP netns exec be timeout 30 iperf3 -c 10.99.0.2 -t "$1" \
		>/tmp/iperf3.log 2>&1 || { sed 's/^/# /' /tmp/iperf3.log; false; }
	grep receiver /tmp/iperf3.log | sed 's/^/# /'
}
x0=$(xstat xdp_pass)
check "iperf3 TCP be -> fe through pass" iperf_be_to_fe 3
wait
check "... xdp_pass counted it" at_least xdp_pass "$x0" "$(xstat xdp_pass)" 1000

# The program stays through new queues (new page pools, rx queue infos).
check "ethtool -L combined 1 with pass attached" \
	$IP netns exec fe ethtool -L $fe combined 1
check "... the carrier comes back" net_carrier fe $fe 1
x0=$(xstat xdp_pass)
check "... 10 pings answered" pings_ok 10
check "... xdp_pass counted them" at_least xdp_pass "$x0" "$(xstat xdp_pass)" 10

# ---- drop ----
check "replace with drop" fe_xdp $fe drop
x0=$(xstat xdp_drop)
pings 10
check "10 pings, none answered" received 0
check "... xdp_drop counted them" at_least xdp_drop "$x0" "$(xstat xdp_drop)" 10
check "... the program counted them" at_least count 0 "$(fe_xdp $fe count)" 10

# ---- tx ----
check "replace with tx" fe_xdp $fe tx
x0=$(xstat xdp_tx) r0=$(net_stat be $be rx_packets)
pings 10
check "10 pings, none answered" received 0
check "... xdp_tx counted them" at_least xdp_tx "$x0" "$(xstat xdp_tx)" 10
check "... they came back to be" \
	at_least "be rx_packets" "$r0" "$(net_stat be $be rx_packets)" 10

# ---- redirect out of a veth ----
check "pass on vb" fe_xdp vb pass
check "redirect to va on $fe" fe_xdp $fe redirect va
x0=$(xstat xdp_redirect)
pings 10
check "10 pings, none answered" received 0
check "... xdp_redirect counted them" \
	at_least xdp_redirect "$x0" "$(xstat xdp_redirect)" 10
check "... vb received them" at_least "vb count" 0 "$(fe_xdp vb count)" 10

# ---- redirect into pvethN (ndo_xdp_xmit) ----
check "detach from $fe" fe_xdp $fe off
check "... the carrier comes back" net_carrier fe $fe 1
check "redirect to $fe on vb" fe_xdp vb redirect $fe
$IP -n fe addr add 10.98.0.1/24 dev va
$IP -n fe neigh replace 10.98.0.2 lladdr 02:00:5e:10:00:99 dev va nud permanent
x0=$(xstat xdp_xmit) e0=$(xstat xdp_xmit_err) r0=$(net_stat be $be rx_packets)
$IP netns exec fe ping -c 10 -i 0.05 -W 1 -I va 10.98.0.2 >/dev/null 2>&1
check "... xdp_xmit counted them" at_least xdp_xmit "$x0" "$(xstat xdp_xmit)" 10
check "... be received them" \
	at_least "be rx_packets" "$r0" "$(net_stat be $be rx_packets)" 10
check "... no xdp_xmit_err" test "$(xstat xdp_xmit_err)" = "$e0"
check "detach from vb" fe_xdp vb off

# ---- the single-buffer limit ----
check "MTU 9000" $IP -n fe link set $fe mtu 9000
fe_xdp $fe pass 2>/tmp/xdp.err
check "attach at MTU 9000: refused" test $? -ne 0
cat /tmp/xdp.err | sed 's/^/# /'
check "... with the extack message" grep -q "single-buffer limit" /tmp/xdp.err
check "MTU 1500" $IP -n fe link set $fe mtu 1500
check "attach pass" fe_xdp $fe pass
check "... MTU 9000 refused now" sh -c "! $IP -n fe link set $fe mtu 9000 2>/dev/null"
check "... MTU 1400 taken" $IP -n fe link set $fe mtu 1400
check "... the carrier comes back" net_carrier fe $fe 1

# ---- detach under traffic ----
$IP netns exec fe timeout 60 iperf3 -s -1 >/dev/null 2>&1 &
net_listening fe 5201
$IP netns exec be timeout 30 iperf3 -c 10.99.0.2 -t 6 >/dev/null 2>&1 &
sleep 3
check "detach while iperf3 runs" fe_xdp $fe off
wait
check "... the carrier comes back" net_carrier fe $fe 1
check "... ping works" pings_ok 3

# ---- rmmod with a program attached ----
check "attach pass" fe_xdp $fe pass
check "... the carrier comes back" net_carrier fe $fe 1
$IP netns exec be ping -c 200 -i 0.01 10.99.0.2 >/dev/null 2>&1 &
sleep 1
check "rmmod pvio_netfront with a program attached" rmmod pvio_netfront
wait
check "... its interface is gone" sh -c "! $IP -n fe link show $fe 2>/dev/null"

pvioctl vif del "$link" 0
pvioctl link del "$link"
$IP netns del be
$IP netns del fe
check "unload the modules" pvio_rmmod pvio_netback pvio_loop pvio_hv
finish
