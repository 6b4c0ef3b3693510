#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The backing device disappears under a live vbd (a configfs null_blk
# powered off, as a hot-unplugged disk would be): the backend logs it
# once and answers with errors, so the guest's I/O fails cleanly rather
# than hanging; the vbd shows backing "gone"; deleting it and unloading
# work; nothing crashes, nothing leaks. An fd of the gone device given
# for a new vbd is refused even when a new disk took its number. The
# device completes its I/O in hard interrupts: fio verify first.
# timeout: 300
. /pvio/lib.sh

load_configfs
modprobe null_blk nr_devices=0 || die "cannot load null_blk"
nb=/sys/kernel/config/nullb/gone
mkdir $nb || die "no null_blk configfs"
# irqmode 2: completions from a timer, in a hard interrupt, as
# virtio-blk's and NVMe's are (blkback answers those reads from its work).
echo 64 >$nb/size && echo 1 >$nb/memory_backed && echo 2 >$nb/irqmode &&
	echo 1 >$nb/power ||
	die "cannot power the null_blk device on"
wait_for /dev/gone || die "no /dev/gone"
blk_load || die "cannot load the block modules"
link=$(link_add)
vbd_add "$link" /dev/gone || die "cannot add the vbd"
disk=$(blk_disk_for "$link") || die "no disk"
be=/sys/bus/pvio/devices/link$link-vbd0-backend

check "the backing is ok" test "$(cat $be/backing)" = ok
check "a write goes through" dd if=/dev/urandom of=/dev/$disk bs=64k \
	count=16 oflag=direct status=none
check "fio verify with completions in hard interrupts" fio_verify \
	/dev/$disk hardirq --rw=randwrite --bs=4k-128k --iodepth=16 --size=8M

exec 7</dev/gone
gone_dev=$(stat -c %t:%T /dev/gone)
check "power the backing device off under the vbd" sh -c "echo 0 >$nb/power"
check "the backing is gone" test "$(cat $be/backing)" = gone
check "a read fails (and does not hang)" \
	sh -c "! timeout 60 dd if=/dev/$disk of=/dev/null bs=4k count=1 iflag=direct status=none"
check "a write fails (and does not hang)" \
	sh -c "! timeout 60 dd if=/dev/zero of=/dev/$disk bs=4k count=1 oflag=direct status=none"
check "one log line says so" \
	test "$(dmesg | grep -c 'backing device /dev/gone is gone')" -eq 1
errors=$(pvioctl -j vbd show "$link" 0 | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin).get("backend_stats", {}).get("errors", 0))')
check "the backend counted the errors" test "${errors:-0}" -ge 2
check "both ends still Connected" \
	test "$(cat /sys/bus/pvio/devices/link$link-vbd0-frontend/state)" = Connected

check "pvioctl vbd del" pvioctl vbd del "$link" 0

# A device given as an fd is opened again by its number: a new disk that
# got the gone one's number is not the one given.
nb2=/sys/kernel/config/nullb/new
mkdir $nb2 && echo 64 >$nb2/size && echo 1 >$nb2/power ||
	die "cannot power a second null_blk device on"
wait_for /dev/new || die "no /dev/new"
echo "# gone $gone_dev, new $(stat -c %t:%T /dev/new)"
check "the new disk has the gone one's number" \
	test "$(stat -c %t:%T /dev/new)" = "$gone_dev"
check "an fd of the gone disk is refused, not taken for the new one" \
	sh -c "pvioctl vbd add $link fd 7 readonly 2>&1 |
		grep -q \"No such device: the backing fd's device is gone\""
check "nothing was left behind" test -z "$(pvioctl vbd show "$link")"
exec 7<&-
echo 0 >$nb2/power
rmdir $nb2

check "link deleted" pvioctl link del "$link"
check "unload" pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
rmdir $nb
# Loaded with no devices: the next test's nullb_load wants its own.
check "rmmod null_blk" rmmod null_blk
finish
