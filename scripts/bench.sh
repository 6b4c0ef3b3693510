#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, block part: boots one VM twice, plain TCG and under
# -icount shift=0,sleep=off (the guest clock counts instructions, so
# figures repeat and measure instruction cost; DESIGN.md §7), runs
# selftests/bench/vm/bench_blk.sh (fio on null_blk directly, on the loop
# driver over it, on /dev/pvda over a pvio loop link to it) and prints a
# table with each figure's ratio to direct. Latencies: lower is better.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
export PVIO_TESTS_DIR=$top/selftests/bench/vm
declare -A val
modes=(tcg icount)
for mode in "${modes[@]}"; do
	case $mode in
	tcg) extra= ;;
	icount) extra="-icount shift=0,sleep=off" ;;
	esac
	echo "bench: block, $mode ..." >&2
	out=$(VM_ACCEL=${VM_ACCEL:-tcg} VM_EXTRA=$extra "$top/selftests/vm/run.sh" -v -k stock -t bench_blk)
	grep -E '^not ok' <<<"$out" && echo "$out" | tail -n 30 >&2
	while read -r _ _ dev metric v; do
		val[$mode,$dev,$metric]=$v
	done < <(grep '^# BENCH ' <<<"$out")
done

printf '\n%-7s %-14s %10s %10s %7s %10s %7s\n' mode metric direct loop ratio pvio ratio
for mode in "${modes[@]}"; do
	for metric in qd1_p50_us qd1_p99_us qd32x2_kiops qd32x2_coal_kiops \
		seqread_gbs seqwrite_gbs; do
		# Coalescing is pvio's alone: its ratio is to direct's QD32.
		d=${val[$mode,direct,${metric/_coal/}]:-}
		l=${val[$mode,loop,$metric]:-}
		p=${val[$mode,pvio,$metric]:-}
		ratio() {
			awk -v a="$1" -v b="$d" 'BEGIN {
				if (a == "" || b == "" || b + 0 == 0) print "-";
				else printf "%.2f", a / b }'
		}
		printf '%-7s %-14s %10s %10s %7s %10s %7s\n' "$mode" "$metric" \
			"${d:--}" "${l:--}" "$(ratio "$l")" "${p:--}" "$(ratio "$p")"
	done
done
