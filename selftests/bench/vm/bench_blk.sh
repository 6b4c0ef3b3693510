#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench, block part (run by scripts/bench.sh in one VM, plain TCG and
# under -icount): the same fio jobs on /dev/nullb0 directly, on the kernel
# loop driver over /dev/nullb0, and on /dev/pvda over a pvio loop link to
# /dev/nullb0 (and pvio with 100 us interrupt coalescing at QD32, as
# system pvio-coal): 4 KiB random reads at QD1 (IOPS and p50, p99, p99.9
# total latency), QD4, QD16 and QD32 x 2 jobs (IOPS), 1 MiB
# sequential reads and writes at QD8 (GB/s). QD1 latency is fio's total
# latency (lat: submission to completion), not clat, which ends before
# io_submit() returns on null_blk and says nothing of the submission
# path. For pvio, beside each job: doorbells per I/O each way (the link's
# debugfs "events": the frontend's notifies ring the backend, the
# backend's the frontend) and requests per pass of the backend's ring
# work (its debugfs "passes").
# Each figure goes to the host as soon as it is measured (bench_report):
# "BENCH blk <system> <metric> <value>".
# Kernel command line (the host's VM_APPEND): benchsecs=N (fio's seconds
# per job, default 6), benchquick=1 (no ramp: make check's smoke run).
# timeout: 900
. /pvio/lib.sh

PY=/usr/bin/python3
SECS=$(cmdline_arg benchsecs)
SECS=${SECS:-6}
RAMP=1
[ -n "$(cmdline_arg benchquick)" ] && RAMP=0
command -v fio >/dev/null || skip "no fio in the host's /usr"
[ -x $PY ] || skip "no $PY in the host's /usr"
echo "BENCH-META guest_kernel $(uname -r) ($(uname -v))" | bench_report
# Not memory-backed: a benchmark needs no data back, and 6 s of writes
# would fill the VM's memory.
nullb_load 16 0 || die "cannot load null_blk"
modprobe loop 2>/dev/null
lo=$(/usr/sbin/losetup -f --show --direct-io=on /dev/nullb0) || die "losetup failed"
blk_load || die "cannot load the block modules"
link=$(link_add)
vbd_add "$link" /dev/nullb0 || die "cannot add the vbd"
pvd=/dev/$(blk_disk_for "$link") || die "no disk"

# counters: pvio's link counters, as "frontend-notifies backend-notifies
# completed-I/Os backend-passes" (lib.sh's bench_report_doorbells).
counters() {
	echo "$(link_notifies "$link")" \
		"$(awk '{ print $1 + $5 }' /sys/block/${pvd#/dev/}/stat)" \
		"$(cat /sys/kernel/debug/pvio_blkback/link$link-vbd0-backend/q* |
			awk '$1 == "passes" { p += $2 } END { print p + 0 }')"
}

# run DEV SYSTEM JOB fio-options: the figures of one fio job (JOB: qd1
# gives IOPS and latencies, seqread and seqwrite GB/s, the others IOPS),
# from fio's JSON, to the host; for pvio also its doorbells.
run() {
	dev=$1 label=$2 job=$3
	shift 3
	[ "$dev" = "$pvd" ] && c0=$(counters)
	fio --name=b --filename=$dev --direct=1 --ioengine=libaio \
		--time_based --runtime=$SECS --ramp_time=$RAMP --lat_percentiles=1 \
		--group_reporting --output-format=json "$@" >/tmp/b.json 2>/dev/null ||
		{ echo "BENCH blk $label ${job}_kiops error" | bench_report; return 1; }
	[ "$dev" = "$pvd" ] &&
		bench_report_doorbells blk "$label" "$job" perio "$c0" "$(counters)"
	$PY - "$label" "$job" /tmp/b.json <<'PY' | bench_report
import json, sys
label, job, path = sys.argv[1:]
j = json.load(open(path))["jobs"][0]
r, w = j["read"], j["write"]
d = r if r["io_bytes"] else w
pct = d["lat_ns"].get("percentile", {})
if job.startswith("seq"):
    val = {job + "_gbs": d["bw_bytes"] / 1e9}
else:
    val = {job + "_kiops": d["iops"] / 1000}
if job == "qd1":
    for name, key in (("p50", "50.000000"), ("p99", "99.000000"),
                      ("p999", "99.900000")):
        val["qd1_%s_us" % name] = pct.get(key, 0) / 1000
for metric, v in val.items():
    print("BENCH blk %s %s %.3f" % (label, metric, v))
PY
}

for dev in /dev/nullb0 $lo $pvd; do
	case $dev in
	/dev/nullb0) label=direct ;;
	/dev/loop*) label=loop ;;
	*) label=pvio ;;
	esac
	run $dev $label qd1 --rw=randread --bs=4k --iodepth=1
	run $dev $label qd4 --rw=randread --bs=4k --iodepth=4
	run $dev $label qd16 --rw=randread --bs=4k --iodepth=16
	run $dev $label qd32x2 --rw=randread --bs=4k --iodepth=32 --numjobs=2
	run $dev $label seqread --rw=read --bs=1m --iodepth=8
	run $dev $label seqwrite --rw=write --bs=1m --iodepth=8
done
# Interrupt coalescing (pvioctl vbd set ... coalesce): the same QD32 job
# with the backend holding notifications back 100 us.
pvioctl vbd set "$link" 0 coalesce 100
run $pvd pvio-coal qd32x2 --rw=randread --bs=4k --iodepth=32 --numjobs=2
pvioctl vbd set "$link" 0 coalesce 0
pvioctl link del "$link"
/usr/sbin/losetup -d $lo
pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
