#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Either end of a vif goes away with traffic flowing, and comes back:
# (1) pvio_netback unloaded and loaded again, (2) the backend end of the
# link restarted as a driver domain crash would (debugfs
# link<id>/restart), (3) pvio_netfront unloaded and loaded again. Each
# time the other end's carrier goes down, then up once the end is back
# and configured again, and ping works again. Last, the vif is deleted
# with traffic flowing, and everything unloads.
# timeout: 300
. /pvio/lib.sh

net_load || die "cannot load the network modules"
link=$(link_add) || die "cannot add a link"
vif_add "$link" || die "cannot add the vif"
be=pvif$link.0
fe=$(net_fe_for "$link") || die "no frontend interface"
net_ns be || die "cannot create netns be"
net_ns fe || die "cannot create netns fe"
net_into be $be 10.99.0.1 || die "cannot set up $be"
net_into fe $fe 10.99.0.2 || die "cannot set up $fe"
net_carrier fe $fe 1 || die "no carrier"

ping_ok() {
	$IP netns exec "$1" ping -c 3 -W 5 "$2" >/tmp/ping.log 2>&1 ||
		{ cat /tmp/ping.log; return 1; }
}

# traffic: iperf3 from fe to be and a ping flow back, in the background.
traffic() {
	$IP netns exec be timeout 120 iperf3 -s -1 >/dev/null 2>&1 &
	srv=$!
	net_listening be 5201
	$IP netns exec fe iperf3 -c 10.99.0.1 -t 60 >/dev/null 2>&1 &
	cli=$!
	$IP netns exec be ping -i 0.02 10.99.0.2 >/dev/null 2>&1 &
	png=$!
	sleep 2
}

stop_traffic() {
	kill $cli $png $srv 2>/dev/null
	wait 2>/dev/null
}

# be_back: the backend interface is back (in the initial namespace, as
# a new device): configure it again.
be_back() {
	wait_for /sys/class/net/$be 30 && net_into be $be 10.99.0.1
}

check "ping before" ping_ok fe 10.99.0.1

traffic
check "rmmod pvio_netback with traffic flowing" rmmod pvio_netback
check "the frontend's carrier goes down" net_carrier fe $fe 0 10
stop_traffic
check "load pvio_netback again" pvio_insmod pvio_netback
check "its interface comes back" be_back
check "the frontend's carrier comes up" net_carrier fe $fe 1
check "ping works again" ping_ok fe 10.99.0.1

traffic
check "restart the backend end" \
	sh -c "echo backend >/sys/kernel/debug/pvio/link$link/restart"
stop_traffic
check "its interface comes back" be_back
check "the frontend's carrier comes up" net_carrier fe $fe 1
check "ping works again" ping_ok fe 10.99.0.1

traffic
check "rmmod pvio_netfront with traffic flowing" rmmod pvio_netfront
check "the backend's carrier goes down" net_carrier be $be 0 10
stop_traffic
check "load pvio_netfront again" pvio_insmod pvio_netfront
fe=$(net_fe_for "$link")
check "its interface comes back" net_into fe "$fe" 10.99.0.2
check "the backend's carrier comes up" net_carrier be $be 1
check "ping works again" ping_ok be 10.99.0.2

traffic
check "vif del with traffic flowing" pvioctl vif del "$link" 0
stop_traffic
check "link del" pvioctl link del "$link"
$IP netns del be
$IP netns del fe
check "unload the modules" \
	pvio_rmmod pvio_netfront pvio_netback pvio_loop pvio_hv
finish
