#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Interrupt coalescing per vbd (pvioctl vbd set LINK N coalesce USECS):
# the same fio job (4 KiB random reads, queue depth 32) with none and
# with 10 ms (the most); the backend's event channels (debugfs, per queue)
# count fewer interrupts per request with it, a count, not a timing.
# Data still verifies with it on, a queue depth of 1 still runs (each
# answer up to 10 ms late), sysfs and vbd show say
# what is in effect, and a value past the maximum is refused.
# timeout: 300
. /pvio/lib.sh

command -v fio >/dev/null || skip "no fio in the host's /usr"
nullb_load || die "cannot load null_blk"
blk_load || die "cannot load the block modules"
link=$(link_add)
vbd_add "$link" /dev/nullb0 || die "cannot add the vbd"
dev=/dev/$(blk_disk_for "$link") || die "no disk"
be=/sys/kernel/debug/pvio_blkback/link$link-vbd0-backend
sysfs=/sys/bus/pvio/devices/link$link-vbd0-backend/coalesce_usecs

# total FIELD: FIELD (requests, notifies) summed over the backend's queues.
total() {
	cat $be/q* | sed -n "s/.* *$1 \([0-9]*\).*/\1/p;s/^$1 \([0-9]*\).*/\1/p" |
		awk '{ s += $1 } END { print s + 0 }'
}

# run NAME: the job; sets $req and $ntf to what it cost.
run() {
	r0=$(total requests) n0=$(total notifies)
	fio --name="$1" --filename=$dev --direct=1 --ioengine=libaio \
		--rw=randread --bs=4k --iodepth=32 --size=16M \
		>/tmp/fio.$1 2>&1 || return 1
	req=$(($(total requests) - r0)) ntf=$(($(total notifies) - n0))
	echo "# $1: $req requests, $ntf notifications"
}

check "coalescing off by default" test "$(cat $sysfs)" -eq 0
check "fio without coalescing" run plain
plain_req=$req plain_ntf=$ntf
check "vbd set coalesce 10000" pvioctl vbd set "$link" 0 coalesce 10000
check "... in sysfs" test "$(cat $sysfs)" -eq 10000
check "... in vbd show" \
	sh -c "pvioctl vbd show $link 0 | grep -q ' coalesce 10000 '"
check "fio with 10 ms coalescing" run held
check "the same requests went through" test "$req" -ge "$plain_req"
# The debug kernel is so slow that a batch of 32 outlasts even 10 ms.
if debug_kernel; then
	check "fewer notifications" test "$ntf" -lt "$plain_ntf"
else
	check "fewer than half the notifications" \
		test $((ntf * 2)) -lt "$plain_ntf"
fi
check "data verifies with coalescing" fio_verify $dev cv --rw=randwrite \
	--bs=16k --iodepth=16 --size=8M
check "queue depth 1 runs" fio_verify $dev qd1 \
	--rw=randwrite --bs=4k --iodepth=1 --size=1M
out=$(pvioctl vbd set "$link" 0 coalesce 10001 2>&1)
echo "# $out"
check "past the maximum is refused" \
	sh -c "echo '$out' | grep -q 'coalesce-usecs'"
check "... and nothing changed" test "$(cat $sysfs)" -eq 10000
check "vbd set coalesce 0" pvioctl vbd set "$link" 0 coalesce 0
check "... in sysfs" test "$(cat $sysfs)" -eq 0
check "link deleted" pvioctl link del "$link"
check "unload" pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
finish
