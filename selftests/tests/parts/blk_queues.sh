#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest half of blk_queues.host.sh, in a VM with 4 vCPUs: a vbd with 4
# queues (blk-mq caps them at the CPU count, so the 2-vCPU test VMs never
# have more than 2). Four fio jobs, one pinned to each CPU, write and
# verify; each of the 4 backend queues served requests.
. /pvio/lib.sh

check "4 CPUs" test "$(grep -c ^processor /proc/cpuinfo)" -eq 4
nullb_load || die "cannot load null_blk"
blk_load || die "cannot load the block modules"
link=$(link_add)
vbd_add "$link" /dev/nullb0 || die "cannot add the vbd"
disk=$(blk_disk_for "$link") || die "no disk"
fe=/sys/bus/pvio/devices/link$link-vbd0-frontend
be=/sys/kernel/debug/pvio_blkback/link$link-vbd0-backend
check "the frontend uses 4 rings" test "$(cat $fe/nr_rings)" -eq 4
check "the disk has 4 hardware queues" \
	test "$(ls /sys/block/$disk/mq | wc -l)" -eq 4
check "fio: 4 jobs, one per CPU, verify" fio_verify /dev/$disk q4 \
	--rw=randwrite --bs=4k --iodepth=8 --numjobs=4 --size=4M \
	--offset_increment=4M --cpus_allowed=0-3 --cpus_allowed_policy=split
for q in 0 1 2 3; do
	n=$(sed -n 's/^requests \([0-9]*\) .*/\1/p' $be/q$q)
	echo "# backend queue $q: ${n:-?} requests"
	check "backend queue $q served requests" test "${n:-0}" -gt 0
done
check "no reconnect: neither end broke the protocol" \
	sh -c "! dmesg | grep -E 'broke the protocol|disconnecting the frontend'"
check "link deleted" pvioctl link del "$link"
check "unload" pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
check "no kernel splat" sh -c "! dmesg | grep -E 'WARNING:|BUG:|Oops|KASAN|circular locking'"
finish
