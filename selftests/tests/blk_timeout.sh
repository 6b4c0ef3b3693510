#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# pvio_blkfront's io_timeout: off (0) by default, held I/O waits across a
# backend outage and completes; set to 2 s on the device, with the
# backend unloaded, a fio in flight and a new read fail with EIO after
# about 2 s (not before, and within a bound), one line in the kernel log
# says so, no task hangs; loading the backend again brings the disk back
# and fio verify passes. io_timeout set back to 0 after it ran out holds
# I/O again. sysfs and the module parameter refuse garbage with EINVAL
# and ERANGE. The frontend unbound, or pvio_blkfront unloaded, while
# the io_timeout is armed goes cleanly and nothing fires afterwards.
# timeout: 240
. /pvio/lib.sh

command -v fio >/dev/null || skip "no fio in the host's /usr"
nullb_load || die "cannot load null_blk"
blk_load || die "cannot load the block modules"
link=$(link_add)
vbd_add "$link" /dev/nullb0 || die "cannot add the vbd"
disk=$(blk_disk_for "$link") || die "no disk"
dev=/dev/$disk
fe=/sys/bus/pvio/devices/link$link-vbd0-frontend
be=/sys/bus/pvio/devices/link$link-vbd0-backend
param=/sys/module/pvio_blkfront/parameters/io_timeout
drv=/sys/bus/pvio/drivers/pvio_blkfront
# How long failing may take, from the backend's loss: io_timeout (2 s)
# plus fio noticing, bounded for TCG and the debug kernel.
bound=15
debug_kernel && bound=30

# now: seconds since boot, in hundredths (/proc/uptime).
now() {
	awk '{ printf "%d\n", $1 * 100 }' /proc/uptime
}
# gone PID: that process exited (or is a zombie no one reaped yet).
gone() {
	! [ -d "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat")" = Z ]
}
running() {
	! gone "$1"
}
# write_err FILE VALUE: the errno name writing VALUE to FILE ends with,
# or OK.
write_err() {
	/usr/bin/python3 -c '
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
try:
    os.write(fd, sys.argv[2].encode())
    print("OK")
except OSError as e:
    print(errno.errorcode[e.errno])' "$1" "$2"
}
# connected: both ends of the vbd say Connected (waits up to 30 s).
both_connected() {
	[ "$(cat $fe/state 2>/dev/null)" = Connected ] &&
		[ "$(cat $be/state 2>/dev/null)" = Connected ]
}
connected() {
	wait_until 30 both_connected
}
fe_not_connected() {
	[ "$(cat $fe/state)" != Connected ]
}
# fired: how many times the kernel log says the timeout fired.
fired() {
	dmesg | grep -c 'backend gone for [0-9]*s, failing I/O'
}
# held_read SKIP: a direct 4 KiB read in the background ($rd), its
# error output in /tmp/rd.err.
held_read() {
	dd if=$dev of=/dev/null bs=4k count=1 skip=$1 iflag=direct \
		2>/tmp/rd.err &
	rd=$!
}
# eio_read SKIP: a direct read that fails with EIO at once.
eio_read() {
	! timeout 10 dd if=$dev of=/dev/null bs=4k count=1 skip=$1 \
		iflag=direct 2>/tmp/rd.err &&
		grep -q 'Input/output error' /tmp/rd.err
}

# --- defaults and validation ------------------------------------------------
check "io_timeout is off by default (module parameter)" \
	test "$(cat $param)" = 0
check "io_timeout is off by default (device)" test "$(cat $fe/io_timeout)" = 0
check "no request failed by it" test "$(cat $fe/io_timeout_errors)" = 0
for v in -1 abc 12abc 1.5 0x10; do
	check "sysfs io_timeout refuses '$v' with EINVAL" \
		test "$(write_err $fe/io_timeout "$v")" = EINVAL
done
for v in 86401 4294967296 99999999999999999999; do
	check "sysfs io_timeout refuses $v with ERANGE" \
		test "$(write_err $fe/io_timeout $v)" = ERANGE
done
check "the module parameter refuses 'abc' with EINVAL" \
	test "$(write_err $param abc)" = EINVAL
check "the module parameter refuses 86401 with ERANGE" \
	test "$(write_err $param 86401)" = ERANGE
check "the refused writes changed nothing" \
	test "$(cat $fe/io_timeout)/$(cat $param)" = 0/0
check "sysfs io_timeout takes 86400" \
	test "$(write_err $fe/io_timeout 86400)" = OK
check "... and reads it back" test "$(cat $fe/io_timeout)" = 86400
echo 0 >$fe/io_timeout

# --- off: I/O is held across an outage and completes -----------------------
check "rmmod pvio_blkback" rmmod pvio_blkback
check "the frontend leaves Connected" wait_until 10 fe_not_connected
held_read 0
sleep 4
check "a read with io_timeout 0 is held past 4 s" running $rd
check "load pvio_blkback again" pvio_insmod pvio_blkback
check "both ends reconnect" connected
check "the held read completes" wait $rd
cat /tmp/rd.err | sed 's/^/# /'
check "the timeout never fired" test "$(fired)" = 0

# --- io_timeout 2: held and in-flight I/O fails, new I/O too ---------------
hung=/proc/sys/kernel/hung_task_timeout_secs
hung_was=$(cat $hung 2>/dev/null)
# A task stuck for 20 s is reported (and fails the test).
[ -n "$hung_was" ] && echo 20 >$hung
check "set io_timeout to 2 s" sh -c "echo 2 >$fe/io_timeout"
_ios=$(awk '{print $1 + $5}' /sys/block/$disk/stat)
fio --name=to --filename=$dev --direct=1 --ioengine=libaio --rw=randrw \
	--bs=4k --iodepth=16 --size=64M --time_based --runtime=120 \
	>/tmp/fio.to 2>&1 &
fio=$!
ios_over() {
	[ "$(awk '{print $1 + $5}' /sys/block/$disk/stat)" -gt "$1" ]
}
check "fio is under way" wait_until 60 ios_over "$_ios"
t0=$(now)
check "rmmod pvio_blkback with fio in flight" rmmod pvio_blkback
check "fio ends within ${bound} s" wait_until $bound gone $fio
t1=$(now)
echo "# fio ended $(((t1 - t0) / 100)).$(((t1 - t0) % 100)) s after the backend's unload began"
check "... not before io_timeout" test $((t1 - t0)) -ge 200
wait $fio
rc=$?
check "fio failed" test $rc -ne 0
check "... with EIO" grep -q 'Input/output error' /tmp/fio.to
grep -m 3 -E 'error|err=' /tmp/fio.to | sed 's/^/# /'
check "a new read fails with EIO at once" eio_read 7
check "the kernel log says so once" test "$(fired)" = 1
dmesg | grep 'failing I/O' | sed 's/^/# /'
check "... naming the disk" sh -c "dmesg | grep -q '$disk: backend gone for'"
check "requests failed by it are counted" \
	test "$(cat $fe/io_timeout_errors)" -gt 0
echo "# io_timeout_errors $(cat $fe/io_timeout_errors)"

# io_timeout 0 after it ran out: I/O is held again.
echo 0 >$fe/io_timeout
held_read 9
sleep 3
check "io_timeout 0 after it ran out holds I/O again" running $rd
check "load pvio_blkback again" pvio_insmod pvio_blkback
check "both ends reconnect" connected
check "the held read completes" wait $rd
echo 2 >$fe/io_timeout
check "fio verify passes on the disk" fio_verify $dev after \
	--rw=randwrite --bs=16k --iodepth=8 --size=16M
check "the timeout fired no more" test "$(fired)" = 1
[ -n "$hung_was" ] && echo "$hung_was" >$hung

# --- the frontend goes while the timeout is armed ----------------------------
echo 3 >$fe/io_timeout
check "rmmod pvio_blkback" rmmod pvio_blkback
check "the frontend leaves Connected" wait_until 10 fe_not_connected
held_read 0
check "unbind the frontend with the timeout armed" timeout 20 sh -c \
	"echo link$link-vbd0-frontend >$drv/unbind"
check "the held read ends" wait_until 10 gone $rd
wait $rd
rc=$?
check "... with an error" test $rc -ne 0
check "the disk is gone" test ! -e /sys/block/$disk
sleep 4
check "nothing fired after the unbind" test "$(fired)" = 1

check "the module parameter takes 3" test "$(write_err $param 3)" = OK
check "bind the frontend again" sh -c \
	"echo link$link-vbd0-frontend >$drv/bind"
check "a device bound now takes the module's io_timeout" \
	test "$(cat $fe/io_timeout)" = 3
check "load pvio_blkback again" pvio_insmod pvio_blkback
check "both ends reconnect" connected
disk=$(blk_disk_for "$link") || die "no disk after binding again"
dev=/dev/$disk
check "the new disk reads" dd if=$dev of=/dev/null bs=4k count=1 \
	iflag=direct status=none
check "rmmod pvio_blkback" rmmod pvio_blkback
check "the frontend leaves Connected" wait_until 10 fe_not_connected
check "rmmod pvio_blkfront with the timeout armed" timeout 20 rmmod pvio_blkfront
sleep 5
check "nothing fired after the unload" test "$(fired)" = 1

check "pvioctl vbd del" pvioctl vbd del "$link" 0
check "link deleted" pvioctl link del "$link"
check "unload" pvio_rmmod pvio_loop pvio_hv
finish
