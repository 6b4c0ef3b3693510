#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Configuring vbds over netlink (pvioctl vbd ...): every refusal is one
# clean line carrying the kernel's message, with exit status 1, and
# leaves no vbd, device or key behind. First with pvio_hv and pvio_loop
# only (no backend driver: vbd add fails with ENODEV), then, if this VM
# has pvio_blkback, a vbd on null_blk: add, show, set, del, the monitor's
# events, and what the backend refuses.
# timeout: 180
. /pvio/lib.sh

pvio_insmod pvio_hv pvio_loop || die "cannot load pvio_hv and pvio_loop"

# vbd attributes, from common/pvio_genl.h.
LINK=1 INDEX=2 PATH_A=3

# raw PATTERN ARGS...: nlraw ARGS fails, its line matching PATTERN.
raw() {
	pat=$1
	shift
	out=$(nlraw "$@")
	rc=$?
	echo "# nlraw: $out"
	[ $rc -eq 1 ] && echo "$out" | grep -qxE "$pat"
}

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

# no_vbd_left: no vbd shows and no vbd device is on the pvio bus.
no_vbd_left() {
	for d in /sys/bus/pvio/devices/*-vbd*; do
		[ -e "$d" ] && return 1
	done
	[ -z "$(pvioctl vbd show)" ] && [ "$(pvioctl -j vbd show)" = "[]" ]
}

link=$(pvioctl link add loop | sed -n 's/^link \([0-9]*\) .*/\1/p')
check "a loop link to hang vbds on" test -n "$link"

# --- without a backend driver -------------------------------------------------
check "no vbd to begin with" no_vbd_left
check "vbd add without pvio_blkback: ENODEV and the reason" \
	ctl "pvioctl: vbd add: No such device: no vbd backend driver loaded \(modprobe pvio_blkback\)" \
	vbd add "$link" /dev/null
check "... and nothing left behind" no_vbd_left
check "vbd add with every option, likewise" \
	ctl "pvioctl: vbd add: No such device: no vbd backend driver loaded \(modprobe pvio_blkback\)" \
	vbd add "$link" /dev/null index 7 readonly iops 100 bps 1000000
check "... and nothing left behind" no_vbd_left
check "vbd add to a link that does not exist" \
	ctl "pvioctl: vbd add: No such file or directory: unknown link \(attribute link-id\)" \
	vbd add 123456 /dev/null
check "vbd-new without a path" \
	raw "error EINVAL: vbd needs a backing path or fd missing $PATH_A" \
	vbd-new $LINK:u32:"$link"
check "vbd-new with an empty path" \
	raw "error EINVAL: vbd needs a backing path or fd attr $PATH_A" \
	vbd-new $LINK:u32:"$link" $PATH_A:str:
check "vbd-new without a link id" \
	raw "error EINVAL: missing link id missing $LINK" \
	vbd-new $PATH_A:str:/dev/null
p95=/$(printf '%94s' '' | tr ' ' x)
p96=/$(printf '%95s' '' | tr ' ' x)
check "a path of 96 bytes (95 at most)" \
	ctl "pvioctl: vbd add: Invalid argument: Attribute failed policy validation \(attribute path\)" \
	vbd add "$link" "$p96"
check "a path of 95 bytes passes the policy" \
	ctl "pvioctl: vbd add: No such device: no vbd backend driver loaded \(modprobe pvio_blkback\)" \
	vbd add "$link" "$p95"
check "index 8 (7 at most)" \
	ctl "pvioctl: vbd add: Numerical result out of range: integer out of range \(attribute index\)" \
	vbd add "$link" /dev/null index 8
check "vbd del of a vbd that does not exist" \
	ctl "pvioctl: vbd del: No such file or directory: no such vbd \(attribute index\)" \
	vbd del "$link" 0
check "vbd set of a vbd that does not exist" \
	ctl "pvioctl: vbd set: No such file or directory: no such vbd \(attribute index\)" \
	vbd set "$link" 0 iops 5
check "vbd-set with nothing to change" \
	raw "error EINVAL: nothing to change" \
	vbd-set $LINK:u32:"$link" $INDEX:u32:0
check "vbd show of a vbd that does not exist" \
	ctl "pvioctl: vbd show: No such file or directory: no such vbd \(attribute index\)" \
	vbd show "$link" 0
check "vbd show of a link that does not exist" \
	ctl "pvioctl: vbd show: No such file or directory: unknown link \(attribute link-id\)" \
	vbd show 123456 0
check "vbd show of one link dumps nothing" \
	test "$(pvioctl -j vbd show "$link")" = "[]"

# --- privilege ----------------------------------------------------------------
SETPRIV=/usr/bin/setpriv
[ -x $SETPRIV ] || die "no $SETPRIV in the host's /usr"
EPERM="pvioctl: vbd (add|del|set): Operation not permitted: vbd changes need CAP_SYS_ADMIN"
as="$SETPRIV --reuid=65534 --regid=65534 --clear-groups"
check "uid 65534 cannot add a vbd" ctl "$EPERM" vbd add "$link" /dev/null
check "uid 65534 cannot delete a vbd" ctl "$EPERM" vbd del "$link" 0
check "uid 65534 cannot change a vbd" ctl "$EPERM" vbd set "$link" 0 iops 1
check "uid 65534 can list vbds" sh -c "$as pvioctl vbd show"
as="$SETPRIV --inh-caps=-sys_admin --bounding-set=-sys_admin"
check "root without CAP_SYS_ADMIN cannot add a vbd" \
	ctl "$EPERM" vbd add "$link" /dev/null
check "root without CAP_SYS_ADMIN cannot delete a vbd" \
	ctl "$EPERM" vbd del "$link" 0
as=
check "no vbd was left by any of this" no_vbd_left

# --- with pvio_blkback --------------------------------------------------------
if [ -e $PVIO_MODULES/pvio_blkback.ko ]; then
	check "load pvio_blkback" pvio_insmod pvio_blkback
	load_configfs
	check "modprobe null_blk" \
		modprobe null_blk nr_devices=1 memory_backed=1
	check "/dev/nullb0 is there" test -b /dev/nullb0

	pvioctl -j monitor >/tmp/monitor.out 2>&1 &
	monitor=$!
	sleep 1

	pvioctl vbd add "$link" /dev/nullb0 iops 1000 >/tmp/add.out 2>&1
	check "vbd add of /dev/nullb0" test $? -eq 0
	echo "# $(cat /tmp/add.out)"
	check "... prints the vbd, index 0, read-write" \
		grep -qE "^vbd 0 link $link path /dev/nullb0 mode w iops 1000 bps 0 coalesce 0 backend-state [a-z0-9]+ frontend-state [a-z0-9]+$" \
		/tmp/add.out
	check "... its backend device is bound" \
		test -e /sys/bus/pvio/devices/link$link-vbd0-backend/driver
	check "... its frontend device is there" \
		test -e /sys/bus/pvio/devices/link$link-vbd0-frontend
	pvioctl vbd show >/tmp/show.out
	sed 's/^/# /' /tmp/show.out
	check "vbd show lists it" grep -q "^vbd 0 link $link path /dev/nullb0 " \
		/tmp/show.out
	pvioctl -j vbd show "$link" 0 >/tmp/show.json
	echo "# $(cat /tmp/show.json)"
	check "vbd show -j: its states and limits" \
		grep -qE "^\{\"link_id\":$link,\"index\":0,\"path\":\"/dev/nullb0\",\"readonly\":false,\"iops_limit\":1000,\"bps_limit\":0,\"coalesce_usecs\":0,\"backend_state\":\"[a-z0-9]+\",\"frontend_state\":\"[a-z0-9]+\"" \
		/tmp/show.json
	grep -q '"backend_stats":{"requests":' /tmp/show.json ||
		echo "# (pvio_blkback gives no counters)"
	check "vbd set iops" pvioctl vbd set "$link" 0 iops 2000 bps 1048576
	check "... shows" sh -c "pvioctl vbd show $link 0 |
		grep -q ' iops 2000 bps 1048576 '"
	check "vbd set reread" pvioctl vbd set "$link" 0 reread
	check "vbd set iops 0 removes the limit" pvioctl vbd set "$link" 0 iops 0
	check "... shows" sh -c "pvioctl vbd show $link 0 | grep -q ' iops 0 '"

	check "a second vbd on the link: refused" \
		ctl "pvioctl: vbd add: Device or resource busy: the link has a vbd already \(one device per link\)" \
		vbd add "$link" /dev/null index 1
	link2=$(link_add)
	check "/dev/nullb0 read-write a second time" \
		ctl "pvioctl: vbd add: .*already exported read-write.*" \
		vbd add "$link2" /dev/nullb0
	check "/dev/null (not a block device or file)" \
		ctl "pvioctl: vbd add: [^:]+: .+" vbd add "$link2" /dev/null
	check "a directory" ctl "pvioctl: vbd add: [^:]+: .+" vbd add "$link2" /tmp
	check "a path that does not exist" \
		ctl "pvioctl: vbd add: [^:]+: .+" vbd add "$link2" /nonexistent
	check "nothing was left on the second link" \
		test -z "$(pvioctl vbd show "$link2")"
	pvioctl link del "$link2"
	check "only vbd 0 is there" test "$(pvioctl vbd show | grep -c ^vbd)" -eq 1
	check "no vbd1 device was left" \
		test ! -e /sys/bus/pvio/devices/link$link-vbd1-backend

	check "vbd del" pvioctl vbd del "$link" 0
	check "... its devices are gone" no_vbd_left
	sleep 1
	kill "$monitor"
	wait "$monitor" 2>/dev/null
	sed 's/^/# monitor: /' /tmp/monitor.out
	check "monitor: vbd new" \
		grep -q "^{\"event\":\"new\",\"vbd\":{\"link_id\":$link,\"index\":0," \
		/tmp/monitor.out
	check "monitor: vbd change (3 sets)" \
		test "$(grep -c '^{"event":"change","vbd":' /tmp/monitor.out)" -eq 3
	check "monitor: vbd del" \
		grep -q "^{\"event\":\"del\",\"vbd\":{\"link_id\":$link,\"index\":0," \
		/tmp/monitor.out
	check "monitor: nothing for the refusals" \
		test "$(grep -c '"vbd":' /tmp/monitor.out)" -eq 5

	pvioctl vbd add "$link" /dev/nullb0 readonly index 3 >/dev/null
	check "a read-only vbd at index 3" \
		sh -c "pvioctl vbd show $link 3 | grep -q '^vbd 3 .* mode r '"
	check "link del takes its vbd with it" pvioctl link del "$link"
	check "... no vbd is left" no_vbd_left
	check "unload pvio_blkback" pvio_rmmod pvio_blkback
	check "rmmod null_blk" rmmod null_blk
else
	echo "# no pvio_blkback.ko in this VM: its half is skipped"
	check "delete the link" pvioctl link del "$link"
fi

check "unload pvio_loop and pvio_hv" pvio_rmmod pvio_loop pvio_hv
finish
