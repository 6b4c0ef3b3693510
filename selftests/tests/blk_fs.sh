#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /dev/pvdX is an ordinary disk: ext4 made on it, mounted, files written
# and synced, unmounted, and fsck -n finds it clean; after a remount the
# files read back the same. Then a partition table with two partitions,
# each with its own file system, used separately. The disk's serial
# number comes from the backend.
# timeout: 400
. /pvio/lib.sh

for t in mkfs.ext4 fsck.ext4 sfdisk; do
	command -v $t >/dev/null || skip "no $t in the host's /usr"
done
nullb_load || die "cannot load null_blk"
blk_load || die "cannot load the block modules"
link=$(link_add)
vbd_add "$link" /dev/nullb0 || die "cannot add the vbd"
disk=$(blk_disk_for "$link") || die "no disk"
dev=/dev/$disk

check "the disk has a serial number" test -n "$(cat /sys/block/$disk/serial)"
check "mkfs.ext4" mkfs.ext4 -q -F $dev
mkdir -p /mnt/a /mnt/b
check "mount" mount -t ext4 $dev /mnt/a
head -c 3000000 /dev/urandom >/tmp/f1
for i in 1 2 3 4 5; do
	cp /tmp/f1 /mnt/a/f$i
done
check "sync" sync
sum=$(md5sum </tmp/f1)
check "unmount" umount /mnt/a
check "fsck -n finds it clean" fsck.ext4 -n -f $dev
check "mount again" mount -t ext4 -o ro $dev /mnt/a
same=0
for i in 1 2 3 4 5; do
	[ "$(md5sum </mnt/a/f$i)" = "$sum" ] && same=$((same + 1))
done
check "the 5 files read back the same" test $same -eq 5
umount /mnt/a

# --- two partitions ---------------------------------------------------------
printf 'label: dos\n,128M,L\n,128M,L\n' | sfdisk -q $dev >/dev/null 2>&1
check "partition table written" test $? -eq 0
check "both partitions appear" wait_for ${dev}2 10
check "mkfs on partition 1" mkfs.ext4 -q -F ${dev}1
check "mkfs on partition 2" mkfs.ext4 -q -F ${dev}2
check "mount both" sh -c "mount -t ext4 ${dev}1 /mnt/a && mount -t ext4 ${dev}2 /mnt/b"
echo one >/mnt/a/which
echo two >/mnt/b/which
sync
umount /mnt/a
umount /mnt/b
check "fsck partition 1" fsck.ext4 -n -f ${dev}1
check "fsck partition 2" fsck.ext4 -n -f ${dev}2
mount -t ext4 -o ro ${dev}1 /mnt/a
mount -t ext4 -o ro ${dev}2 /mnt/b
check "each partition kept its own file" \
	test "$(cat /mnt/a/which)" = one -a "$(cat /mnt/b/which)" = two
umount /mnt/a
umount /mnt/b
check "link deleted" pvioctl link del "$link"
check "unload" pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
finish
