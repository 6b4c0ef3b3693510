# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# Shared by scripts/bench.sh and scripts/bench-net.sh: run one benchmark
# VM test in both clock modes and compute ratios. Sourced, not run.
#
# The modes: plain TCG (wall clock) and -icount shift=0,sleep=off (the
# guest clock counts instructions, so figures repeat and measure
# instruction cost; "Tests and benchmarks" in
# Documentation/architecture.rst). Multi-threaded TCG unless VM_ACCEL
# says otherwise, so that figures compare with the earlier ones.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PVIO_TESTS_DIR=$top/selftests/bench/vm
modes=(tcg icount)
declare -A val

# bench_collect TEST WHAT: run TEST in each mode; its "# BENCH PATH METRIC
# VALUE" lines fill val[MODE,PATH,METRIC]. A failed run is shown on
# stderr and leaves its figures empty.
bench_collect() {
	local test=$1 what=$2 mode extra out path metric v
	for mode in "${modes[@]}"; do
		case $mode in
		tcg) extra= ;;
		icount) extra="-icount shift=0,sleep=off" ;;
		esac
		echo "bench: $what, $mode ..." >&2
		out=$(VM_ACCEL=${VM_ACCEL:-tcg} VM_EXTRA=$extra \
			"$top/selftests/vm/run.sh" -v -k stock -t "$test")
		grep -E '^not ok' <<<"$out" && echo "$out" | tail -n 30 >&2
		while read -r _ _ path metric v; do
			val[$mode,$path,$metric]=$v
		done < <(grep '^# BENCH ' <<<"$out")
	done
}

# bench_ratio A B: A / B to two decimals, "-" if either is not a number
# or B is 0.
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "-";
		else printf "%.2f", a / b }'
}
