#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unloading with links present. Every link holds a reference on its
# provider's module, so rmmod pvio_loop is refused while links exist (the
# module's refcount is the number of links) and rmmod pvio_hv while
# pvio_loop uses it; the kernel refuses with EWOULDBLOCK ("Resource
# temporarily unavailable" from busybox's rmmod). Meanwhile the links stay
# usable; once deleted, both modules unload. Then rmmod pvio_loop races
# add/del cycles: it is refused or wins, and while it is gone an add fails
# cleanly ("no such provider") until the module is back.
# timeout: 360
. /pvio/lib.sh

pvio_insmod pvio_hv pvio_loop || die "cannot load pvio_hv and pvio_loop"

BUSY="rmmod: can't unload module '.*': Resource temporarily unavailable"

# --- links pin the modules --------------------------------------------------
pvioctl monitor >/tmp/rmmod.mon 2>&1 &
mon=$!
sleep 1	# subscribed before the first event (a loaded machine is slow)
for i in 1 2 3; do
	pvioctl link add loop pages 8 >/dev/null
done
check "3 links" test "$(pvioctl link show | wc -l)" -eq 3
check "pvio_loop's refcount is the number of links" \
	test "$(cat /sys/module/pvio_loop/refcnt)" -eq 3
check "rmmod pvio_loop is refused" sh -c '! rmmod pvio_loop 2>/tmp/rmmod.err'
check "... as in use" grep -qxE "$BUSY" /tmp/rmmod.err
check "pvio_loop is still loaded" module_loaded pvio_loop
check "rmmod pvio_hv is refused" sh -c '! rmmod pvio_hv 2>/tmp/rmmod.err'
check "... as in use" grep -qxE "$BUSY" /tmp/rmmod.err
check "... by pvio_loop" test -e /sys/module/pvio_hv/holders/pvio_loop
check "the links are still listed" test "$(pvioctl link show | wc -l)" -eq 3
check "a link can still be added" \
	sh -c 'pvioctl link add loop pages 8 >/dev/null'
check "refcount 4" test "$(cat /sys/module/pvio_loop/refcnt)" -eq 4
for id in $(pvioctl link show | sed -n 's/^link \([0-9]*\) .*/\1/p'); do
	pvioctl link del "$id" || echo "del $id failed"
done >/tmp/rmmod.del 2>&1
check "the links are deleted" test ! -s /tmp/rmmod.del
check "refcount 0" test "$(cat /sys/module/pvio_loop/refcnt)" -eq 0
check "rmmod pvio_loop" rmmod pvio_loop
check "with no provider, link add fails cleanly" \
	sh -c '! pvioctl link add loop 2>/tmp/rmmod.err'
check "... saying so" grep -qx "pvioctl: link add: No such file or directory: no such provider (is its module loaded?)" /tmp/rmmod.err
check "rmmod pvio_hv (a monitor still listening)" rmmod pvio_hv
check "without pvio_hv, pvioctl fails cleanly" \
	sh -c '! pvioctl link show 2>/tmp/rmmod.err'
check "... saying so" grep -qx "pvioctl: netlink: No such file or directory: no pvio netlink family (is pvio_hv loaded?)" /tmp/rmmod.err
# Sent before rmmod returned, maybe not yet printed: give it time.
for i in $(seq 100); do
	[ "$(grep -c '^del link' /tmp/rmmod.mon)" -ge 4 ] && break
	sleep 0.1
done
kill $mon
wait $mon 2>/dev/null
check "the monitor saw 4 links come and go" \
	test "$(grep -c '^new link' /tmp/rmmod.mon)" -eq 4 -a \
	     "$(grep -c '^del link' /tmp/rmmod.mon)" -eq 4

# --- rmmod pvio_loop races add/del cycles -----------------------------------
pvio_insmod pvio_hv pvio_loop || die "cannot load the modules again"
: >/tmp/rmmod.run
(
	i=0
	while [ $i -lt 150 ]; do
		if pvioctl link add loop pages 8 >/tmp/rmmod.add 2>/tmp/rmmod.aerr
		then
			read -r word id rest </tmp/rmmod.add
			pvioctl link del "$id" || echo "cycle $i: del failed"
		elif ! grep -q "no such provider" /tmp/rmmod.aerr; then
			echo "cycle $i: $(cat /tmp/rmmod.aerr)"
		fi
		i=$((i + 1))
	done >/tmp/rmmod.bad 2>&1
	rm /tmp/rmmod.run
) &
cycler=$!
won=0 refused=0
while [ -e /tmp/rmmod.run ]; do
	if rmmod pvio_loop 2>/dev/null; then
		won=$((won + 1))
		sleep 0.1
		pvio_insmod pvio_loop || break
	else
		refused=$((refused + 1))
	fi
done
wait $cycler
echo "# rmmod pvio_loop: won $won times, refused $refused times"
check "every cycle either worked or found no provider" test ! -s /tmp/rmmod.bad
check "rmmod was tried" test $((won + refused)) -gt 0
module_loaded pvio_loop || pvio_insmod pvio_loop
check "no link is left" test -z "$(pvioctl link show)"
check "unload pvio_loop and pvio_hv" pvio_rmmod pvio_loop pvio_hv
finish
