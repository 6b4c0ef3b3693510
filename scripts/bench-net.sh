#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, network part: boots one VM twice, plain TCG and under
# icount (scripts/bench-lib.sh), runs
# selftests/bench/vm/bench_net.sh (iperf3 and ping between two network
# namespaces over a veth pair and over a pvio vif on a loop link) and
# prints a table with each pvio figure's ratio to veth's. Throughputs
# and packet rates: higher is better; round trips: lower is better.
set -uo pipefail

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_collect bench_net network

printf '\n%-7s %-15s %10s %10s %7s\n' mode metric veth pvio ratio
for mode in "${modes[@]}"; do
	for metric in tcp1_gbits tcp4_gbits tcp1_rev_gbits udp64_kpps \
		ping_p50_us ping_p99_us; do
		v=${val[$mode,veth,$metric]:-}
		p=${val[$mode,pvio,$metric]:-}
		r=$(bench_ratio "$p" "$v")
		printf '%-7s %-15s %10s %10s %7s\n' "$mode" "$metric" \
			"${v:--}" "${p:--}" "$r"
	done
done
