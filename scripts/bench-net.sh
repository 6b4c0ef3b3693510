#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, network part: boots one VM twice, plain TCG and under
# -icount shift=0,sleep=off (the guest clock counts instructions, so
# figures repeat and measure instruction cost; DESIGN.md §7), runs
# selftests/bench/vm/bench_net.sh (iperf3 and ping between two network
# namespaces over a veth pair and over a pvio vif on a loop link) and
# prints a table with each pvio figure's ratio to veth's. Throughputs
# and packet rates: higher is better; round trips: lower is better.
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
	echo "bench: network, $mode ..." >&2
	out=$(VM_ACCEL=${VM_ACCEL:-tcg} VM_EXTRA=$extra "$top/selftests/vm/run.sh" -v -k stock -t bench_net)
	grep -E '^not ok' <<<"$out" && echo "$out" | tail -n 30 >&2
	while read -r _ _ path metric v; do
		val[$mode,$path,$metric]=$v
	done < <(grep '^# BENCH ' <<<"$out")
done

printf '\n%-7s %-15s %10s %10s %7s\n' mode metric veth pvio ratio
for mode in "${modes[@]}"; do
	for metric in tcp1_gbits tcp4_gbits tcp1_rev_gbits udp64_kpps \
		ping_p50_us ping_p99_us; do
		v=${val[$mode,veth,$metric]:-}
		p=${val[$mode,pvio,$metric]:-}
		r=$(awk -v a="$p" -v b="$v" 'BEGIN {
			if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "-";
			else printf "%.2f", a / b }')
		printf '%-7s %-15s %10s %10s %7s\n' "$mode" "$metric" \
			"${v:--}" "${p:--}" "$r"
	done
done
