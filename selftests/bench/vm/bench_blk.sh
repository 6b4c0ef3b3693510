#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench, block part (run by scripts/bench.sh in one VM, plain TCG and
# under -icount): the same fio jobs on /dev/nullb0 directly, on the kernel
# loop driver over /dev/nullb0, and on /dev/pvda over a pvio loop link to
# /dev/nullb0 (and pvio with 100 us interrupt coalescing at QD32).
# Prints "BENCH <device> <metric> <value>" lines.
# timeout: 900
. /pvio/lib.sh

PY=/usr/bin/python3
command -v fio >/dev/null || skip "no fio in the host's /usr"
[ -x $PY ] || skip "no $PY in the host's /usr"
# Not memory-backed: a benchmark needs no data back, and 6 s of writes
# would fill the VM's memory.
nullb_load 16 0 || die "cannot load null_blk"
modprobe loop 2>/dev/null
lo=$(/usr/sbin/losetup -f --show --direct-io=on /dev/nullb0) || die "losetup failed"
blk_load || die "cannot load the block modules"
link=$(link_add)
vbd_add "$link" /dev/nullb0 || die "cannot add the vbd"
pvd=/dev/$(blk_disk_for "$link") || die "no disk"

# run DEV LABEL METRIC fio-options: one figure from fio's JSON.
run() {
	dev=$1 label=$2 metric=$3
	shift 3
	fio --name=b --filename=$dev --direct=1 --ioengine=libaio \
		--time_based --runtime=${BENCH_SECS:-6} --ramp_time=1 \
		--group_reporting --output-format=json "$@" >/tmp/b.json 2>/dev/null ||
		{ echo "BENCH $label $metric error"; return 1; }
	$PY - "$label" "$metric" /tmp/b.json <<'PY'
import json, sys
label, metric, path = sys.argv[1:]
j = json.load(open(path))["jobs"][0]
r, w = j["read"], j["write"]
d = r if r["io_bytes"] else w
pct = d["clat_ns"].get("percentile", {})
val = {
    "qd1_p50_us": pct.get("50.000000", 0) / 1000,
    "qd1_p99_us": pct.get("99.000000", 0) / 1000,
    "qd32x2_kiops": d["iops"] / 1000,
    "qd32x2_coal_kiops": d["iops"] / 1000,
    "seqread_gbs": d["bw_bytes"] / 1e9,
    "seqwrite_gbs": d["bw_bytes"] / 1e9,
}[metric]
print("BENCH %s %s %.3f" % (label, metric, val))
PY
}

for dev in /dev/nullb0 $lo $pvd; do
	case $dev in
	/dev/nullb0) label=direct ;;
	/dev/loop*) label=loop ;;
	*) label=pvio ;;
	esac
	run $dev $label qd1_p50_us --rw=randread --bs=4k --iodepth=1
	run $dev $label qd1_p99_us --rw=randread --bs=4k --iodepth=1
	run $dev $label qd32x2_kiops --rw=randread --bs=4k --iodepth=32 --numjobs=2
	run $dev $label seqread_gbs --rw=read --bs=1m --iodepth=8
	run $dev $label seqwrite_gbs --rw=write --bs=1m --iodepth=8
done
# Interrupt coalescing (pvioctl vbd set ... coalesce): the same QD32 job
# with the backend holding notifications back 100 us.
pvioctl vbd set "$link" 0 coalesce 100
run $pvd pvio qd32x2_coal_kiops --rw=randread --bs=4k --iodepth=32 --numjobs=2
pvioctl vbd set "$link" 0 coalesce 0
pvioctl link del "$link"
/usr/sbin/losetup -d $lo
pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
