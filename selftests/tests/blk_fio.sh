#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Data through /dev/pvdX comes back byte for byte: fio writes and verifies
# (crc32c, verify_fatal) a pairwise set of block sizes (512 B - 1 MiB),
# sequential and random, queue depths 1-128, 1-4 jobs, on 1 and 2 queues,
# over a memory-backed null_blk disk and over a file on tmpfs. Also checks
# the disk's queue count.
# timeout: 900
. /pvio/lib.sh

command -v fio >/dev/null || skip "no fio in the host's /usr"
nullb_load || die "cannot load null_blk"
truncate -s 256M /tmp/blk_fio.img

# combos QUEUES: "bs rw iodepth jobs" lines for that many queues.
combos() {
	case $1 in
	1) cat <<'END'
512 randwrite 1 1
4k write 32 2
64k randwrite 128 4
1m write 8 1
END
	;;
	2) cat <<'END'
512 write 128 2
4k randwrite 8 4
64k write 1 1
1m randwrite 32 2
END
	;;
	esac
}

for queues in 1 2; do
	blk_load || die "cannot load the block modules"
	rmmod pvio_blkfront
	insmod $PVIO_MODULES/pvio_blkfront.ko max_queues=$queues ||
		die "cannot load pvio_blkfront max_queues=$queues"
	for backing in /dev/nullb0 /tmp/blk_fio.img; do
		link=$(link_add)
		check "q$queues $backing: vbd added" vbd_add "$link" $backing
		disk=$(blk_disk_for "$link")
		check "q$queues $backing: disk appears" test -n "$disk"
		[ -n "$disk" ] || continue
		check "q$queues $backing: $queues hardware queues" \
			test "$(ls /sys/block/$disk/mq | wc -l)" -eq $queues
		combos $queues >/tmp/combos
		while read -r bs rw qd jobs; do
			size=$((16 / jobs))M
			check "q$queues $backing: bs=$bs $rw qd=$qd jobs=$jobs" \
				fio_verify /dev/$disk c --bs=$bs --rw=$rw \
				--iodepth=$qd --numjobs=$jobs --size=$size \
				--offset_increment=$size
		done </tmp/combos
		check "q$queues $backing: link deleted" pvioctl link del "$link"
	done
	pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
done
finish
