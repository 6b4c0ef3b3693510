#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo (make demo): a memory-backed null_blk disk exported over a loop
# link, fio with verify through /dev/pvda, and the same jobs on the disk
# directly, printed side by side. Fails if any job errs or fails to verify.
# Figures under TCG are for the side-by-side ratio only.
# timeout: 300
. /pvio/lib.sh

command -v fio >/dev/null || skip "no fio in the host's /usr"
nullb_load || die "cannot load null_blk"
blk_load || die "cannot load the block modules"
link=$(link_add)
vbd_add "$link" /dev/nullb0 || die "cannot add the vbd"
pvd=/dev/$(blk_disk_for "$link") || die "no disk"

# job DEV NAME fio-options: one line "IOPS MB/s lat_us errors" from fio's
# terse output (write fields for writes, read fields for reads).
job() {
	dev=$1 name=$2
	shift 2
	fio --name="$name" --filename="$dev" --direct=1 --ioengine=libaio \
		--minimal "$@" >/tmp/demo.$name 2>&1
	rc=$?
	awk -F';' -v rc=$rc '/^3;/ {
		if ($47 > 0) { iops = $49; bw = $48; lat = $81 }
		else { iops = $8; bw = $7; lat = $40 }
		printf "%d %.1f %.0f %d\n", iops, bw / 1024, lat, $5 + rc
	}' /tmp/demo.$name
}

big=128M small=32M secs=5
debug_kernel && big=16M small=8M secs=2
printf '%-12s %-30s %8s %8s %9s %7s\n' device job IOPS MB/s "lat(us)" errors
errs=0
for spec in "randwrite-verify:--rw=randwrite --bs=4k --iodepth=16 --size=$small --verify=crc32c --verify_fatal=1" \
	    "randread-qd1:--rw=randread --bs=4k --iodepth=1 --time_based --runtime=$secs" \
	    "seqread-1m:--rw=read --bs=1m --iodepth=4 --size=$big"; do
	name=${spec%%:*}
	opts=${spec#*:}
	for dev in /dev/nullb0 $pvd; do
		# shellcheck disable=SC2086
		set -- $(job $dev $name $opts)
		[ $# -eq 4 ] || set -- 0 0 0 1
		printf '%-12s %-30s %8s %8s %9s %7s\n' $dev $name "$1" "$2" "$3" "$4"
		errs=$((errs + $4))
	done
done
check "every job ran without error, every block verified" test $errs -eq 0
pvioctl link del "$link"
check "unload" pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
finish
