#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A vbd made from an open file descriptor (pvioctl vbd add LINK fd N,
# netlink vbd-new fd): what is refused (no such fd, a directory, a mode
# the fd was not opened for, both a path and an fd), a block device given
# read-only, and a file that is deleted once given: the vbd keeps it,
# data written through /dev/pvdX reads back after pvio_blkback is
# unloaded and loaded again (which finds the file in the core), and
# deleting the vbd, or the link, lets it go. A file given with O_APPEND
# is still written where the guest writes (the export opens it again).
# Files given by fd whose paths read alike get different serials.
# timeout: 180
. /pvio/lib.sh

# vbd attributes, from common/pvio_genl.h.
LINK=1 PATH_A=3 FD=13

# ctl PATTERN ARGS...: pvioctl ARGS fails with status 1 and one line on
# stderr matching PATTERN.
ctl() {
	pat=$1
	shift
	pvioctl "$@" >/tmp/ctl.out 2>/tmp/ctl.err
	rc=$?
	echo "# pvioctl: $(cat /tmp/ctl.err)"
	[ $rc -eq 1 ] && grep -qxE "$pat" /tmp/ctl.err && [ ! -s /tmp/ctl.out ]
}

nullb_load || die "cannot load null_blk"
blk_load || die "cannot load the block modules"
link=$(link_add)
fe=/sys/bus/pvio/devices/link$link-vbd0-frontend
be=/sys/bus/pvio/devices/link$link-vbd0-backend

check "an fd that is not open" \
	ctl "pvioctl: vbd add: Bad file descriptor: no such file descriptor \(attribute fd\)" \
	vbd add "$link" fd 9
check "an fd of a directory" \
	ctl "pvioctl: vbd add: Invalid argument: fd is not a block device or regular file \(attribute fd\)" \
	vbd add "$link" fd 3 3</tmp
check "a device open read-only for a read-write vbd" \
	ctl "pvioctl: vbd add: Permission denied: fd not open for reading, or for writing without readonly \(attribute fd\)" \
	vbd add "$link" fd 3 3</dev/nullb0
out=$(nlraw vbd-new $LINK:u32:"$link" $PATH_A:str:/dev/nullb0 $FD:u32:0)
echo "# nlraw: $out"
check "both a path and an fd" test "$out" = \
	"error EINVAL: give a backing path or an fd, not both attr $PATH_A"
check "nothing was left behind" test -z "$(pvioctl vbd show "$link")"

check "a device given read-only" \
	pvioctl vbd add "$link" fd 3 readonly 3</dev/nullb0
check "... shows its path, mode r" \
	sh -c "pvioctl vbd show $link 0 | grep -q '^vbd 0 link $link path /dev/nullb0 mode r '"
disk=$(blk_disk_for "$link") || die "no disk for the device fd"
check "... reads" dd if=/dev/$disk of=/dev/null bs=64k count=4 iflag=direct \
	status=none
check "vbd del" pvioctl vbd del "$link" 0

dd if=/dev/zero of=/tmp/fd.img bs=1M count=8 status=none
check "a file given read-write" pvioctl vbd add "$link" fd 3 3<>/tmp/fd.img
rm /tmp/fd.img
check "... shows the path it had" \
	sh -c "pvioctl vbd show $link 0 | grep -q ' path /tmp/fd.img mode w '"
disk=$(blk_disk_for "$link") || die "no disk for the file fd"
dd if=/dev/urandom of=/tmp/pattern bs=64k count=8 status=none
check "write through the disk (the file is deleted)" \
	dd if=/tmp/pattern of=/dev/$disk bs=64k oflag=direct status=none
check "unload pvio_blkback" pvio_rmmod pvio_blkback
check "load it again" pvio_insmod pvio_blkback
i=0
while [ "$(cat $fe/state)" != Connected ] ||
	[ "$(cat $be/state)" != Connected ]; do
	[ $i -ge 300 ] && break
	sleep 0.1
	i=$((i + 1))
done
check "both ends reconnect (the backend found the file)" \
	test "$(cat $be/state)" = Connected
check "the data reads back" sh -c "dd if=/dev/$disk bs=64k count=8 \
	iflag=direct status=none | cmp - /tmp/pattern"
check "vbd del" pvioctl vbd del "$link" 0

# The export opens the file again: the fd's own flags (here O_APPEND,
# which would put every write at the end) do not reach its I/O.
dd if=/dev/zero of=/tmp/append.img bs=1M count=4 status=none
check "a file given with O_APPEND" /usr/bin/python3 -c '
import os, sys
fd = os.open("/tmp/append.img", os.O_RDWR | os.O_APPEND)
os.set_inheritable(fd, True)
os.execvp("pvioctl", ["pvioctl", "vbd", "add", sys.argv[1], "fd", str(fd)])
' "$link"
disk=$(blk_disk_for "$link") || die "no disk for the O_APPEND fd"
check "write 64 KiB at sector 0" dd if=/tmp/pattern of=/dev/$disk bs=64k \
	count=1 oflag=direct status=none
check "... it is at the start of the file, not appended" sh -c "
	test \$(stat -c %s /tmp/append.img) -eq $((4 << 20)) &&
	head -c 65536 /tmp/append.img | cmp - /tmp/pattern -n 65536"
check "vbd del" pvioctl vbd del "$link" 0

# Two files whose paths read alike (the second tmpfs mounted over the
# first): two disks, two serials.
mkdir -p /tmp/ov
for n in 5 6; do
	mount -t tmpfs ov$n /tmp/ov || die "cannot mount a tmpfs"
	dd if=/dev/zero of=/tmp/ov/x bs=1M count=1 status=none
	eval "exec $n<>/tmp/ov/x"
done
link2=$(link_add)
check "two files named alike, given" sh -c "pvioctl vbd add $link fd 5 &&
	pvioctl vbd add $link2 fd 6"
check "... both show the same path" sh -c "
	pvioctl vbd show $link 0 | grep -q ' path /tmp/ov/x ' &&
	pvioctl vbd show $link2 0 | grep -q ' path /tmp/ov/x '"
disk=$(blk_disk_for "$link") || die "no disk for the first file"
disk2=$(blk_disk_for "$link2") || die "no disk for the second file"
s1=$(cat /sys/block/$disk/serial) s2=$(cat /sys/block/$disk2/serial)
echo "# serials $s1 $s2"
check "... have serials, and not the same one" \
	sh -c "[ -n '$s1' ] && [ -n '$s2' ] && [ '$s1' != '$s2' ]"
check "links del" sh -c "pvioctl link del $link2 && pvioctl vbd del $link 0"
exec 5>&- 6>&-
umount /tmp/ov && umount /tmp/ov

check "a file given again" pvioctl vbd add "$link" fd 3 3<>/tmp/pattern
check "link del, the vbd still there (the link lets the file go)" \
	pvioctl link del "$link"
check "unload" pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
finish
