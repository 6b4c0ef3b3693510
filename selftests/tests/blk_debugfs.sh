#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Each queue of both ends shows its rings in debugfs (as xen-netback's
# io_ring_qN): after I/O, the frontend's request ring has as many entries
# produced as the backend consumed, and the other way round for
# responses; writing "kick" runs a queue's event handler (I/O still
# verifies afterwards), anything else is refused with EINVAL; the
# backend's files go when the vbd disconnects.
# timeout: 200
. /pvio/lib.sh

command -v fio >/dev/null || skip "no fio in the host's /usr"
nullb_load || die "cannot load null_blk"
blk_load || die "cannot load the block modules"
link=$(link_add)
vbd_add "$link" /dev/nullb0 || die "cannot add the vbd"
dev=/dev/$(blk_disk_for "$link") || die "no disk"
FE=/sys/kernel/debug/pvio_blkfront/link$link-vbd0-frontend
BE=/sys/kernel/debug/pvio_blkback/link$link-vbd0-backend

check "I/O" fio_verify $dev dbg --rw=randwrite --bs=4k --iodepth=8 --size=4M
check "the frontend's q0 exists" test -r $FE/q0
check "the backend's q0 exists" test -r $BE/q0
cat $FE/q0 $BE/q0 | sed 's/^/# /'
# shared INDEX FILE RING: shared prod or cons of a ring in a q file.
shared() {
	sed -n "/^$3:/,/private/s/.*shared  prod \([0-9]*\) cons \([0-9]*\).*/\1 \2/p" $2 |
		cut -d' ' -f$1
}
check "requests produced = requests consumed" \
	test "$(shared 1 $FE/q0 requests)" -eq "$(shared 2 $BE/q0 requests)"
check "some requests went through q0 or q1" \
	test "$(shared 1 $FE/q0 requests)$(shared 1 $FE/q1 requests 2>/dev/null)" != 00
check "responses produced = responses consumed" \
	test "$(shared 1 $BE/q0 responses)" -eq "$(shared 2 $FE/q0 responses)"
check "kick the frontend's q0" sh -c "echo kick >$FE/q0"
check "kick the backend's q0" sh -c "echo kick >$BE/q0"
check "anything else is refused" sh -c "! echo kack >$FE/q0 2>/dev/null"
check "I/O still verifies" fio_verify $dev dbg2 --rw=randwrite --bs=64k --iodepth=4 --size=4M
check "unload the backend" rmmod pvio_blkback
check "its debugfs files went with it" test ! -e $BE
check "link deleted" pvioctl link del "$link"
check "unload" pvio_rmmod pvio_blkfront pvio_loop pvio_hv
check "the frontend's files went too" test ! -e $FE
finish
