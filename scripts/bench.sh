#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, block part: boots one VM twice, plain TCG and under
# icount (scripts/bench-lib.sh), runs
# selftests/bench/vm/bench_blk.sh (fio on null_blk directly, on the loop
# driver over it, on /dev/pvda over a pvio loop link to it) and prints a
# table with each figure's ratio to direct. Latencies: lower is better.
set -uo pipefail

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_collect bench_blk block

printf '\n%-7s %-17s %10s %10s %7s %10s %7s\n' mode metric direct loop ratio pvio ratio
for mode in "${modes[@]}"; do
	for metric in qd1_p50_us qd1_p99_us qd32x2_kiops qd32x2_coal_kiops \
		seqread_gbs seqwrite_gbs; do
		# Coalescing is pvio's alone: its ratio is to direct's QD32.
		d=${val[$mode,direct,${metric/_coal/}]:-}
		l=${val[$mode,loop,$metric]:-}
		p=${val[$mode,pvio,$metric]:-}
		printf '%-7s %-17s %10s %10s %7s %10s %7s\n' "$mode" "$metric" \
			"${d:--}" "${l:--}" "$(bench_ratio "$l" "$d")" \
			"${p:--}" "$(bench_ratio "$p" "$d")"
	done
done
