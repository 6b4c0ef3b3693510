#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One backing device multiplexed among guests, what a driver domain is
# for: a file on tmpfs attached with losetup -P and partitioned in two;
# two links (two frontends), each with a vbd on one partition; fio writes
# and verifies on both at once, and each sees only its own data (a marker
# written through one is found on its partition only). The same device
# cannot be exported read-write twice, while a read-only export may be
# shared.
# timeout: 400
. /pvio/lib.sh

for t in fio /usr/sbin/losetup sfdisk; do
	command -v $t >/dev/null || skip "no $t in the host's /usr"
done
modprobe loop 2>/dev/null
blk_load || die "cannot load the block modules"
truncate -s 160M /tmp/multi.img
printf 'label: dos\n,64M,L\n,64M,L\n' | sfdisk -q /tmp/multi.img >/dev/null 2>&1 ||
	die "cannot partition the image"
lo=$(/usr/sbin/losetup -P -f --show /tmp/multi.img) || die "losetup -P failed"
wait_for ${lo}p2 10 || die "no partitions on $lo"

l1=$(link_add)
l2=$(link_add)
check "vbd on ${lo}p1, link $l1" vbd_add "$l1" ${lo}p1
check "vbd on ${lo}p2, link $l2" vbd_add "$l2" ${lo}p2
d1=/dev/$(blk_disk_for "$l1")
d2=/dev/$(blk_disk_for "$l2")
check "two disks" test -b "$d1" -a -b "$d2" -a "$d1" != "$d2"
check "each as large as its partition" \
	test "$(/usr/sbin/blockdev --getsize64 $d1)" -eq $((64 << 20)) -a \
	     "$(/usr/sbin/blockdev --getsize64 $d2)" -eq $((64 << 20))

fio_verify $d1 one --rw=randwrite --bs=8k --iodepth=16 --size=48M >/tmp/one.out 2>&1 &
p1=$!
fio_verify $d2 two --rw=randwrite --bs=64k --iodepth=8 --size=48M >/tmp/two.out 2>&1 &
p2=$!
wait $p1
check "fio verify on the first" test $? -eq 0
wait $p2
check "fio verify on the second" test $? -eq 0

echo pvio-one-marker | dd of=$d1 bs=512 seek=100000 conv=sync oflag=direct 2>/dev/null
echo pvio-two-marker | dd of=$d2 bs=512 seek=100000 conv=sync oflag=direct 2>/dev/null
check "the first's marker is on partition 1" \
	sh -c "dd if=${lo}p1 bs=512 skip=100000 count=1 iflag=direct 2>/dev/null | grep -q pvio-one-marker"
check "the second's marker is on partition 2" \
	sh -c "dd if=${lo}p2 bs=512 skip=100000 count=1 iflag=direct 2>/dev/null | grep -q pvio-two-marker"
check "the first sees its own marker, not the other's" \
	sh -c "dd if=$d1 bs=512 skip=100000 count=1 iflag=direct 2>/dev/null | grep -q pvio-one-marker"

l3=$(link_add)
check "exporting ${lo}p1 read-write again is refused" \
	sh -c "! pvioctl vbd add $l3 ${lo}p1 2>/tmp/multi.err"
cat /tmp/multi.err
check "... saying so" grep -q "already exported read-write" /tmp/multi.err
for l in $l1 $l2 $l3; do
	pvioctl link del $l
done
l4=$(link_add)
l5=$(link_add)
check "a read-only export" vbd_add "$l4" ${lo}p2 readonly
check "... may be shared read-only" vbd_add "$l5" ${lo}p2 readonly
check "both read the second's marker" \
	sh -c "dd if=/dev/$(blk_disk_for $l5) bs=512 skip=100000 count=1 iflag=direct 2>/dev/null | grep -q pvio-two-marker"
for l in $l4 $l5; do
	pvioctl link del $l
done
/usr/sbin/losetup -d $lo
check "unload" pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
finish
