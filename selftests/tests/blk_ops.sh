#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The block operations beyond read and write, on a vbd backed by a file on
# tmpfs: fio with fsync and fdatasync after every write (flush) verifies;
# blkdiscard and blkdiscard -z leave zeros behind, in the guest's view and
# in the backing file; a read-only export makes a read-only disk, and even
# forced writable in the guest (blockdev --setrw) its writes fail and the
# data stays as it was; growing the backing file changes the guest's
# size once the backend re-reads it (pvioctl vbd set ... reread), or on
# its own within resize_check_ms.
# timeout: 400
. /pvio/lib.sh

for t in fio /usr/sbin/blkdiscard blockdev; do
	command -v $t >/dev/null || skip "no $t in the host's /usr"
done
blk_load || die "cannot load the block modules"
img=/tmp/blk_ops.img
dd if=/dev/urandom of=$img bs=1M count=64 2>/dev/null
link=$(link_add)
vbd_add "$link" $img || die "cannot add the vbd"
disk=$(blk_disk_for "$link") || die "no disk"
dev=/dev/$disk

# --- flush ------------------------------------------------------------------
check "fio with fsync after each write verifies" \
	fio_verify $dev fsync --rw=randwrite --bs=4k --size=4M --fsync=1
check "fio with fdatasync after each write verifies" \
	fio_verify $dev fdatasync --rw=write --bs=64k --size=8M --fdatasync=1
check "a write cache is announced (flush offered)" \
	grep -q "write back" /sys/block/$disk/queue/write_cache

# --- discard and write-zeroes -------------------------------------------------
# not COMMAND...: COMMAND fails.
not() {
	! "$@"
}

# zeros DEV OFFSET_MB COUNT_MB: that range reads as zeros.
zeros() {
	dd if=$1 bs=1M skip=$2 count=$3 iflag=direct 2>/dev/null | cmp -s -n $(($3 << 20)) - /dev/zero
}
check "discard is offered" test "$(cat /sys/block/$disk/queue/discard_max_bytes)" -gt 0
check "blkdiscard of 8 MiB at 16 MiB" /usr/sbin/blkdiscard -o $((16 << 20)) -l $((8 << 20)) $dev
check "... reads back as zeros in the guest" zeros $dev 16 8
check "... and in the backing file" zeros $img 16 8
check "... the data beside it is kept" not zeros $dev 24 1
check "write-zeroes is offered" \
	test "$(cat /sys/block/$disk/queue/write_zeroes_max_bytes)" -gt 0
check "blkdiscard -z of 4 MiB at 32 MiB" /usr/sbin/blkdiscard -z -o $((32 << 20)) -l $((4 << 20)) $dev
check "... reads back as zeros" zeros $dev 32 4
check "... and in the backing file" zeros $img 32 4

# --- resize -------------------------------------------------------------------
# size_is MIB SECONDS: the guest sees MIB MiB within SECONDS.
size_is() {
	i=0
	while [ "$(/usr/sbin/blockdev --getsize64 $dev)" -ne $(($1 << 20)) ]; do
		[ $i -ge $(($2 * 10)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}
check_ms=/sys/module/pvio_blkback/parameters/resize_check_ms
check "size is 64 MiB" size_is 64 0
# The backend's own look at the size off: only the reread tells it.
echo 0 >$check_ms
truncate -s 96M $img
check "no reread, no look: the guest still sees 64 MiB" \
	sh -c "sleep 3; test \$(/usr/sbin/blockdev --getsize64 $dev) -eq $((64 << 20))"
check "vbd set reread" pvioctl vbd set "$link" 0 reread
check "the guest sees 96 MiB" size_is 96 5
check "the new space is usable" fio_verify $dev grown --rw=write --bs=1m \
	--offset=64M --size=32M
# And on: the backend notices by itself (within resize_check_ms, and the
# 10 s it waited while off).
echo 200 >$check_ms
truncate -s 128M $img
check "without reread the guest sees 128 MiB" size_is 128 20
echo 1000 >$check_ms
check "link deleted" pvioctl link del "$link"

# --- read-only ------------------------------------------------------------------
link=$(link_add)
vbd_add "$link" $img readonly || die "cannot add the read-only vbd"
disk=$(blk_disk_for "$link") || die "no read-only disk"
dev=/dev/$disk
before=$(md5sum <$img)
check "the disk is read-only" test "$(cat /sys/block/$disk/ro)" -eq 1
check "a write is refused" sh -c "! dd if=/dev/zero of=$dev bs=4k count=1 oflag=direct 2>/dev/null"
check "forced writable in the guest" /usr/sbin/blockdev --setrw $dev
check "... a write still fails (the backend refuses)" \
	sh -c "! dd if=/dev/zero of=$dev bs=4k count=4 oflag=direct 2>/dev/null"
check "... a discard fails too" sh -c "! /usr/sbin/blkdiscard -o 0 -l 1048576 $dev 2>/dev/null"
check "the data is untouched" test "$(md5sum <$img)" = "$before"
check "reads work" dd if=$dev of=/dev/null bs=1M count=8 iflag=direct
check "link deleted" pvioctl link del "$link"
check "unload" pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
finish
