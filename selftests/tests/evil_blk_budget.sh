#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A guest that keeps many large requests in flight against a slow backing
# (null_blk completing after 2 ms) holds no more bounce pages in the
# driver domain than pvio_blkback's budgets: with max_vbd_pages=512 and
# max_pages=600, 1 MiB writes at depth 32 peak at 512 pages for the vbd,
# and with a second, honest vbd's 64 KiB writes at depth 8 (128 pages)
# the module holds at most 600 (debugfs pvio_blkback/.../pages); the
# requests beyond wait (counted) instead of failing, and fio verify
# passes on both vbds. Deleting the
# greedy vbd while its requests wait for pages does not hang, and every
# page comes back.
# timeout: 600
. /pvio/lib.sh

command -v fio >/dev/null || skip "no fio in the host's /usr"
load_configfs
modprobe null_blk nr_devices=2 memory_backed=1 gb=1 irqmode=2 \
	completion_nsec=2000000 && wait_for /dev/nullb1 ||
	die "cannot load null_blk"
blk_load || die "cannot load the block modules"
params=/sys/module/pvio_blkback/parameters
echo 512 >$params/max_vbd_pages && echo 600 >$params/max_pages ||
	die "cannot set the budgets"

greedy=$(link_add) || die "cannot add the greedy link"
vbd_add "$greedy" /dev/nullb0 || die "cannot add the greedy vbd"
gdisk=/dev/$(blk_disk_for "$greedy") || die "no greedy disk"
honest=$(link_add) || die "cannot add the honest link"
vbd_add "$honest" /dev/nullb1 || die "cannot add the honest vbd"
hdisk=/dev/$(blk_disk_for "$honest") || die "no honest disk"
all=/sys/kernel/debug/pvio_blkback/pages
gpages=/sys/kernel/debug/pvio_blkback/link$greedy-vbd0-backend/pages
[ -e $all ] && [ -e $gpages ] || die "no $all or $gpages"
if debug_kernel; then size=16M; else size=64M; fi

# field FILE NAME: a number of a pages file ("held 0 peak 0 ...").
field() {
	awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$1"
}

# watch: the most pages the module held, sampled while fio runs.
watch() {
	_max=0
	while [ -e /tmp/watching ]; do
		_h=$(field $all held)
		[ "$_h" -gt $_max ] && _max=$_h
		sleep 0.05
	done
	echo $_max >/tmp/watched
}

: >/tmp/watching
watch &
wpid=$!
fio_verify $hdisk honest --rw=randwrite --bs=64k --iodepth=8 --size=$size &
hpid=$!
check "1 MiB writes at depth 32: fio verify" fio_verify $gdisk greedy \
	--rw=randwrite --bs=1M --iodepth=32 --size=$size
check "the honest vbd's fio verify passed meanwhile" wait $hpid
rm /tmp/watching
wait $wpid
echo "# greedy vbd: $(cat $gpages)"
echo "# module: $(cat $all); most held when sampled: $(cat /tmp/watched)"
check "the vbd's peak reached its budget, not more" \
	test "$(field $gpages peak)" -eq 512
check "requests beyond it waited" test "$(field $gpages waits)" -gt 0
check "the module's peak stayed within its budget, above the vbd's" \
	test "$(field $all peak)" -le 600 -a "$(field $all peak)" -gt 512
check "... as sampled" test "$(cat /tmp/watched)" -le 600
check "every page came back" test "$(field $all held)" -eq 0

# Deleting the vbd while requests wait for pages: no deadlock. The
# writes go on (time based) until the delete fails them, so that requests
# do wait when it comes.
waits=$(field $gpages waits)
fio --name=gone --filename=$gdisk --direct=1 --ioengine=libaio \
	--rw=write --bs=1M --iodepth=32 --size=$size --time_based \
	--runtime=60 >/dev/null 2>&1 &
fpid=$!
# waiting: requests waited since, and pages are held, in one reading of
# the file (between two readings every request may have been answered:
# held 0 for a moment).
waiting() {
	_l=$(cat $gpages)
	# shellcheck disable=SC2086
	set -- $_l
	[ "$8" -gt $((waits + 1)) ] && [ "$2" -gt 0 ]
}
wait_until 30 waiting
seen=$?
echo "# before the delete: $_l"
check "requests wait for pages before the delete" test $seen -eq 0
check "vbd deleted while its requests wait" \
	timeout 120 pvioctl vbd del "$greedy" 0
wait $fpid
echo "# after: $(cat $all)"
check "every page came back" test "$(field $all held)" -eq 0
check "the honest vbd still works" fio_verify $hdisk after --rw=randrw \
	--bs=128k --iodepth=8 --size=$size

check "links deleted" sh -c "pvioctl link del $greedy && pvioctl link del $honest"
check "unload" pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
rmmod null_blk
finish
