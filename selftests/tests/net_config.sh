#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Configuring vifs over netlink (pvioctl vif ...): every refusal is one
# clean line carrying the kernel's message, with exit status 1, and
# leaves no vif, device or key behind: no backend driver loaded, a
# multicast MAC address, too many queues, a second device on a link (vif
# or vbd), no CAP_NET_ADMIN. Then a vif with two queues carries ping and
# four iperf3 streams, and shows in pvioctl vif show (text and JSON) and
# in the monitor's events.
# timeout: 180
. /pvio/lib.sh

pvio_insmod pvio_hv pvio_loop || die "cannot load pvio_hv and pvio_loop"

# ctl PATTERN ARGS...: pvioctl ARGS (run by $as, if set) fails with
# status 1, one line on stderr matching PATTERN and nothing on stdout.
as=
ctl() {
	pat=$1
	shift
	$as pvioctl "$@" >/tmp/ctl.out 2>/tmp/ctl.err
	rc=$?
	echo "# pvioctl: $(cat /tmp/ctl.err)"
	[ $rc -eq 1 ] && [ "$(wc -l </tmp/ctl.err)" -eq 1 ] &&
		grep -qxE "$pat" /tmp/ctl.err && [ ! -s /tmp/ctl.out ]
}

# no_vif_left: no vif shows and no vif device is on the pvio bus.
no_vif_left() {
	for d in /sys/bus/pvio/devices/*-vif*; do
		[ -e "$d" ] && return 1
	done
	[ -z "$(pvioctl vif show)" ]
}

link=$(link_add) || die "cannot add a link"
check "no backend driver: refused" \
	ctl "pvioctl: vif add: No such device: no vif backend driver loaded \(modprobe pvio_netback\)" \
	vif add "$link"
check "no vif was left" no_vif_left

pvio_insmod pvio_netback pvio_netfront || die "cannot load the net drivers"
check "a multicast MAC address: refused" \
	ctl "pvioctl: vif add: Invalid argument: the MAC address must be unicast and not zero.*" \
	vif add "$link" mac 01:00:5e:00:00:01
check "9 queues: refused" ctl "pvioctl: vif add: Numerical result out of range.*|pvioctl: vif add: Invalid argument.*" \
	vif add "$link" queues 9
check "index 8: refused" ctl "pvioctl: vif add: .*" vif add "$link" index 8
check "no vif was left" no_vif_left

SETPRIV=/usr/bin/setpriv
if [ -x $SETPRIV ]; then
	as="$SETPRIV --reuid=65534 --regid=65534 --clear-groups"
	check "uid 65534 cannot add a vif" \
		ctl "pvioctl: vif add: Operation not permitted.*" vif add "$link"
	as="$SETPRIV --inh-caps=-net_admin --bounding-set=-net_admin"
	check "root without CAP_NET_ADMIN cannot add a vif" \
		ctl "pvioctl: vif add: Operation not permitted.*" vif add "$link"
	as=
	check "no vif was left" no_vif_left
fi

pvioctl -j monitor >/tmp/monitor.out 2>&1 &
mon=$!
sleep 0.5
check "vif add with two queues" vif_add "$link" queues 2 mac 02:00:5e:10:00:07
check "a second vif on the link: refused" \
	ctl "pvioctl: vif add: Device or resource busy: the link has a device already \(one device per link\)" \
	vif add "$link" index 1
check "a vbd on the link: refused" \
	ctl "pvioctl: vbd add: Device or resource busy: the link has a vif already \(one device per link\)" \
	vbd add "$link" /dev/null
pvioctl vif show >/tmp/show.out
sed 's/^/# /' /tmp/show.out
check "vif show lists it" \
	grep -q "^vif 0 link $link mac 02:00:5e:10:00:07 queues 2 " /tmp/show.out
pvioctl -j vif show "$link" 0 >/tmp/show.json
echo "# $(cat /tmp/show.json)"
check "vif show -j" grep -qE "^\{\"link_id\":$link,\"index\":0,\"mac\":\"02:00:5e:10:00:07\",\"queues\":2,\"rate\":0,\"burst\":0,\"backend_state\":\"[a-z0-9]+\",\"frontend_state\":\"[a-z0-9]+\",\"backend_stats\":\{\"packets\":[0-9]+,\"bytes\":[0-9]+,\"errors\":0,\"queued\":[0-9]+,\"generation\":[0-9]+,\"reconnects\":0,\"last_downtime_ms\":0,\"down_ms\":0\}" \
	/tmp/show.json

be=pvif$link.0
fe=$(net_fe_for "$link") || die "no frontend interface"
net_ns be && net_ns fe || die "cannot create the namespaces"
net_into be $be 10.99.0.1 && net_into fe $fe 10.99.0.2 ||
	die "cannot set up the interfaces"
check "carrier on" net_carrier fe $fe 1
nr=$(cat /sys/bus/pvio/devices/link$link-vif0-frontend/nr_rings)
echo "# frontend queues: $nr"
check "the frontend uses two queues" test "$nr" = 2
check "... and its interface has two" \
	$IP netns exec fe test -e /sys/class/net/$fe/queues/tx-1
check "ping over two queues" \
	$IP netns exec fe ping -c 3 -W 5 10.99.0.1
if command -v iperf3 >/dev/null; then
	$IP netns exec be timeout 60 iperf3 -s -1 >/dev/null 2>&1 &
	srv=$!
	net_listening be 5201
	check "iperf3, four streams over two queues" sh -c \
		"$IP netns exec fe timeout 30 iperf3 -c 10.99.0.1 -t 3 -P 4 >/tmp/iperf3.log 2>&1"
	grep SUM /tmp/iperf3.log | grep -E "sender|receiver" | sed 's/^/# /'
	wait $srv
fi

check "vif del" pvioctl vif del "$link" 0
check "vif del again: refused" \
	ctl "pvioctl: vif del: No such file or directory: no such vif.*" \
	vif del "$link" 0
sleep 0.5
kill $mon
wait $mon 2>/dev/null
sed 's/^/# /' /tmp/monitor.out
check "the monitor saw the vif come" \
	grep -q '^{"event":"new","vif":{"link_id":'"$link"',"index":0,' \
	/tmp/monitor.out
check "... and go" \
	grep -q '^{"event":"del","vif":{"link_id":'"$link"',"index":0,' \
	/tmp/monitor.out
check "no vif was left" no_vif_left
pvioctl link del "$link"
$IP netns del be
$IP netns del fe
check "unload the modules" \
	pvio_rmmod pvio_netfront pvio_netback pvio_loop pvio_hv
finish
