#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A vbd's IOPS limit holds: fio random reads never exceed it by more than
# 15 % and reach at least half of it; changed at run time with pvioctl vbd
# set, the new (lower) limit holds too; lifted, the rate goes above it.
# (The exact figures belong in make bench; this checks bounds only. The
# limit lifted is the lower one: a VM on a loaded host may not reach
# much more than 500 IOPS, but always far more than 200.)
# timeout: 300
. /pvio/lib.sh

command -v fio >/dev/null || skip "no fio in the host's /usr"
nullb_load || die "cannot load null_blk"
blk_load || die "cannot load the block modules"
link=$(link_add)
vbd_add "$link" /dev/nullb0 iops 500 || die "cannot add the vbd"
dev=/dev/$(blk_disk_for "$link") || die "no disk"

# iops: read IOPS of 8 s of 4 KiB random reads at depth 16.
iops() {
	fio --name=rl --filename=$dev --direct=1 --ioengine=libaio \
		--rw=randread --bs=4k --iodepth=16 --time_based --runtime=8 \
		--ramp_time=1 --minimal 2>/dev/null | awk -F';' '{print $8}'
}

# within RATE LIMIT: LIMIT/2 <= RATE <= LIMIT * 1.15
within() {
	echo "# $1 IOPS against a limit of $2"
	[ "$1" -ge $(($2 / 2)) ] && [ "$1" -le $(($2 * 115 / 100)) ]
}

check "500 IOPS limit holds" within "$(iops)" 500
check "vbd set iops 200" pvioctl vbd set "$link" 0 iops 200
check "200 IOPS limit holds" within "$(iops)" 200
check "vbd set iops 0 (no limit)" pvioctl vbd set "$link" 0 iops 0
r=$(iops)
echo "# unlimited: $r IOPS"
check "without a limit, faster than 230" test "$r" -gt 230
check "link deleted" pvioctl link del "$link"
check "unload" pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
finish
