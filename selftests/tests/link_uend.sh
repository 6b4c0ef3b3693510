#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A vif's backend served from userspace (pvio_uend, Documentation/uend.rst):
# the backend device, first pvio_netback's, is handed to pvio_uend through
# driver_override (unbind, drivers_probe), which makes
# /dev/pvio/link<N>-vif0 (root only, one opener). The test program
# pvio_uend refuses every misuse; then it serves the guest's netfront as
# pvio_netback does: it maps the region (the header's magic, generation),
# reads the toolstack's and the frontend's keys, binds the frontend's port
# to an eventfd and gets its kick, rings back, drives the state to
# Connected, back to Closed and to Connected again. Killed, it is a
# backend that left: the frontend loses its carrier and keeps its
# interface; a second one connects again. rmmod pvio_uend is refused
# while the device is open; unbound under an open file, the file's calls
# fail with ENODEV and its mappings are gone. Then pvio_netback takes the
# device and the frontend connects to it.
# timeout: 300
. /pvio/lib.sh

pvio_insmod pvio_hv pvio_loop pvio_netback pvio_netfront pvio_uend ||
	die "cannot load the modules"
link=$(link_add) || die "cannot add a link"
mac=02:00:5e:10:00:07
vif_add "$link" mac $mac || die "cannot add a vif"
fe=$(net_fe_for "$link") || die "no frontend interface"
sysdev=/sys/bus/pvio/devices/link$link-vif0-backend
fedev=/sys/bus/pvio/devices/link$link-vif0-frontend
node=/dev/pvio/link$link-vif0
ip link set "$fe" up

# --- hand the backend to userspace ------------------------------------------
check "pvio_netback took the vif" \
	test "$(basename "$(readlink $sysdev/driver)")" = pvio_netback
check "pvio_uend did not" test ! -e $node
echo pvio_uend >$sysdev/driver_override
check "pvio_netback lets go" \
	sh -c "echo link$link-vif0-backend >$sysdev/driver/unbind"
check "the frontend loses its carrier" \
	wait_until 10 test "$(cat /sys/class/net/$fe/carrier)" = 0
check "driver_override says pvio_uend" \
	test "$(cat $sysdev/driver_override)" = pvio_uend
echo "link$link-vif0-backend" >/sys/bus/pvio/drivers_probe
check "pvio_uend took it" \
	test "$(basename "$(readlink $sysdev/driver)")" = pvio_uend
check "$node exists" wait_for $node 5
check "... a character device of mode 0600" \
	test -c $node -a "$(stat -c %a $node)" = 600

# --- misuse -------------------------------------------------------------------
pvio_uend misuse $node >/tmp/uend.misuse 2>&1
check "misuse is refused as documented" test $? -eq 0
sed 's/^#*/#/' /tmp/uend.misuse

# serve_start: a userspace backend in the background, connected.
serve_start() {
	: >/tmp/uend.out
	pvio_uend serve $node >/tmp/uend.out 2>&1 &
	serve=$!
	wait_until 60 grep -q '^connected' /tmp/uend.out
}

serve_log() {
	sed 's/^#*/#/' /tmp/uend.out
}

port_events() {
	sed -n "s/^frontend port $1 .* events \([0-9]*\) .*/\1/p" \
		/sys/kernel/debug/pvio/link$link/events
}

# --- serve -------------------------------------------------------------------
check "a userspace backend connects" serve_start
serve_log
port=$(sed -n 's/^connected \([0-9]*\)$/\1/p' /tmp/uend.out)
check "the frontend is Connected" test "$(cat $fedev/state)" = Connected
check "... to a Connected backend" \
	test "$(cat $fedev/otherend_state)" = Connected
check "... with its carrier on" \
	wait_until 10 test "$(cat /sys/class/net/$fe/carrier)" = 1
check "the frontend got our kicks on port $port" \
	test "$(port_events "$port")" -ge 1
ip addr add 10.99.0.2/24 dev "$fe"
ping -c 3 -W 5 10.99.0.1 >/tmp/uend.ping 2>&1
check "the userspace backend answers ping (ARP first)" \
	grep -q "3 packets received" /tmp/uend.ping
sed 's/^/# /' /tmp/uend.ping
check "... as it says" grep -q "^# answered ping 3" /tmp/uend.out
check "... and ARP" grep -q "^# answered ARP" /tmp/uend.out

# --- killed: a backend that left ----------------------------------------------
kill -9 $serve
wait $serve 2>/dev/null
check "killed, the backend is Closed" \
	wait_until 10 test "$(cat $sysdev/state)" = Closed
check "the frontend's carrier goes off" \
	wait_until 10 test "$(cat /sys/class/net/$fe/carrier)" = 0
check "the frontend is not Connected" \
	test "$(cat $fedev/state)" != Connected
check "its interface stays" test -e /sys/class/net/$fe

# --- again; rmmod; unbind under an open file -----------------------------------
check "a second userspace backend connects" serve_start
serve_log
check "the frontend is Connected again" \
	wait_until 10 test "$(cat /sys/class/net/$fe/carrier)" = 1
check "rmmod pvio_uend is refused while the device is open" \
	sh -c '! rmmod pvio_uend 2>/dev/null'
echo "link$link-vif0-backend" >/sys/bus/pvio/drivers/pvio_uend/unbind
wait $serve
check "unbound, the open file gets ENODEV and loses its mappings" \
	test $? -eq 0
serve_log
check "... and says so" grep -qx gone /tmp/uend.out
check "the node is gone" test ! -e $node
check "the backend is Closed" test "$(cat $sysdev/state)" = Closed

# --- back to the kernel's backend --------------------------------------------
echo >$sysdev/driver_override
check "driver_override cleared" test -z "$(cat $sysdev/driver_override)"
echo "link$link-vif0-backend" >/sys/bus/pvio/drivers_probe
check "pvio_netback took the device" \
	wait_until 10 test "$(basename "$(readlink $sysdev/driver)")" = \
	pvio_netback
check "the frontend connects to it" \
	wait_until 30 test "$(cat /sys/class/net/$fe/carrier)" = 1
check "Connected" test "$(cat $fedev/otherend_state)" = Connected

check "vif and link go" pvioctl link del "$link"
check "unload" pvio_rmmod pvio_uend pvio_netback pvio_netfront pvio_loop pvio_hv
finish
