#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-bench (and a suite of make check): the benchmarks' smoke
# run. With BENCH_QUICK=1 (scripts/bench-lib.sh) one VM, plain TCG
# (single-threaded, no icount), runs the block and the network benchmark
# with 1 s per fio and iperf3 run (about 2 minutes), prints their tables
# and writes a results folder as make bench does; then this checks that
# the folder holds figures.csv and figures.json with rows for direct,
# loop and pvio at QD 1, 4, 16 and 32 and for veth and pvio TCP with 1
# and 4 streams, report.md with the conditions on top and the plots as
# PNG files, and that bench-compare finds a 0.0 % change everywhere
# between the folder and itself and +10.0 % on the one figure of a copy
# raised by 10 %. It checks that figures exist, never what they are:
# timings are noisy.
#
# The folders: .build/bench-check/run and .build/bench-check/raised
# (BENCH_CHECK_DIR). Output: TAP, ending with "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dir=${BENCH_CHECK_DIR:-$top/.build/bench-check}
rm -rf "$dir"
export BENCH_QUICK=1 BENCH_OUT=$dir/run
report=$top/scripts/bench-report.py
# shellcheck source=scripts/bench-lib.sh
. "$top/scripts/bench-lib.sh"

n=0 failed=0
# check DESCRIPTION COMMAND...: one TAP line for COMMAND.
check() {
	local desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
start=$(date +%s)
bench_collect bench_blk,bench_net "block and network, quick" 2>&1 | sed 's/^/# /'
# bench_collect ran in a pipeline's subshell: its val[] is gone, raw.txt
# is not.
while read -r b mode system metric v; do
	val[$mode,$system,$metric]=$v
done <"$BENCH_OUT/raw.txt"
{
	bench_blk_table
	bench_doorbells perio qd1 qd4 qd16 qd32x2 seqread seqwrite
	bench_net_table
	bench_doorbells perpkt tcp1 tcp4 tcp1_rev udp64 ping
} | sed 's/^/# /'
bench_report 2>&1 | sed 's/^/# /'
echo "# the VM and the report took $(($(date +%s) - start))s"

tap=$BENCH_OUT/logs/bench_blk_bench_net-tcg.tap
check "the block and network benchmarks passed in one VM" \
	grep -q '^2 passed, 0 failed' "$tap"
[ $failed -eq 0 ] || sed 's/^/# /' "$tap" | tail -n 40

# rows KIND...: does figures.csv have a numeric figure for each
# "bench,mode,workload,system,unit"?
rows() {
	local r missing=
	for r in "$@"; do
		IFS=, read -r b m w s u <<<"$r"
		grep -qE "^$b,$m,$w,$s,[0-9.]+,$u," "$BENCH_OUT/figures.csv" ||
			missing+=" $r"
	done
	[ -z "$missing" ] || echo "# no figure for:$missing"
	[ -z "$missing" ]
}
want=()
for s in direct loop pvio; do
	for w in qd1 qd4 qd16 qd32x2; do
		want+=("blk,tcg,$w,$s,kIOPS")
	done
	for w in qd1_p50 qd1_p99 qd1_p999; do
		want+=("blk,tcg,$w,$s,us")
	done
done
want+=("blk,tcg,qd32x2_tobackend,pvio,doorbells/I/O"
	"blk,tcg,qd32x2_tofrontend,pvio,doorbells/I/O"
	"blk,tcg,qd32x2_reqs,pvio,requests/pass"
	"net,tcg,tcp1_tobackend,pvio,doorbells/packet"
	"net,tcg,tcp1_tofrontend,pvio,doorbells/packet")
for s in veth pvio; do
	want+=("net,tcg,tcp1,$s,Gbit/s" "net,tcg,tcp4,$s,Gbit/s" "net,tcg,ping_p50,$s,us")
done
check "figures.csv: direct, loop, pvio at QD 1, 4, 16, 32, pvio's doorbells; veth, pvio TCP" \
	rows "${want[@]}"
check "figures.csv: the conditions on top, ratios to direct and veth" \
	bash -c 'f=$1/figures.csv
		grep -q "^# cpu: ." "$f" && grep -q "^# qemu: QEMU" "$f" &&
		grep -q "^# accel_tcg: qemu-system-x86_64 -accel tcg" "$f" &&
		grep -q "^# guest_kernel: 6\." "$f" &&
		grep -q "^blk,tcg,qd1,direct,[0-9.]*,kIOPS,1.0,direct," "$f" &&
		grep -q "^net,tcg,tcp1,pvio,[0-9.]*,Gbit/s,[0-9.]*,veth," "$f"' \
	_ "$BENCH_OUT"
check "figures.json: the same rows as figures.csv, and the conditions" \
	python3 -c '
import csv, json, sys
d = sys.argv[1]
j = json.load(open(d + "/figures.json"))
c = [r for r in csv.DictReader(l for l in open(d + "/figures.csv")
                                if not l.startswith("#"))]
assert len(j["figures"]) == len(c) > 30, (len(j["figures"]), len(c))
assert all(k in j["meta"] for k in ("cpu", "cores", "memory", "host_kernel",
                                    "guest_kernel", "qemu", "accel_tcg"))
assert {s["system"] for s in j["samples"]} == {"veth", "pvio"}
' "$BENCH_OUT"
check "report.md: the conditions, the tables and the plots" \
	bash -c 'f=$1/report.md
		for w in "| Machine |" "| Guest kernel |" "| Host kernel |" \
			 "| QEMU |" "| Accelerator, mode tcg |" "### blk, tcg" \
			 "### net, tcg" "| 4k randread QD16 |" \
			 "plots/blk-iops-qd-tcg.png"; do
			grep -qF "$w" "$f" || { echo "# report.md: no $w"; exit 1; }
		done' _ "$BENCH_OUT"
for p in blk-iops-qd-tcg blk-latency-tcg net-tcp-tcg net-ping-tcg; do
	check "plots/$p.png is a PNG" \
		bash -c '[ "$(head -c 4 "$1" | tail -c 3)" = PNG ]' _ \
		"$BENCH_OUT/plots/$p.png"
done

# compare OLD NEW: bench-compare's figure lines.
compare() {
	python3 "$report" compare "$1" "$2" | grep -E '^(blk|net) '
}
nfig=$(grep -c . "$BENCH_OUT/raw.txt")
check "bench-compare of the folder with itself: 0.0 % on all $nfig figures" \
	bash -c '[ "$(grep -c " +0\.0%$")" = "$1" ]' _ "$nfig" \
	< <(compare "$BENCH_OUT" "$BENCH_OUT")
cp -r "$BENCH_OUT" "$dir/raised"
awk '$1 == "blk" && $3 == "pvio" && $4 == "qd1_kiops" { $5 = sprintf("%.6f", $5 * 1.1) } 1' \
	"$BENCH_OUT/raw.txt" >"$dir/raised/raw.txt"
compare "$BENCH_OUT" "$dir/raised" >"$dir/raised.compare"
check "bench-compare with pvio's QD1 IOPS raised 10 %: +10.0 % there, 0.0 % elsewhere" \
	bash -c 'grep -qE "^blk +tcg +qd1 +pvio +kIOPS .* \+10\.0%$" "$1" &&
		[ "$(grep -c " +0\.0%$" "$1")" = $(($2 - 1)) ]' _ \
	"$dir/raised.compare" "$nfig"
[ $failed -eq 0 ] || sed 's/^/# /' "$dir/raised.compare"

echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
echo "# results: $BENCH_OUT/report.md ($(($(date +%s) - start))s)"
[ $failed -eq 0 ]
