#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, network part: boots one VM twice, plain TCG and under
# icount (scripts/bench-lib.sh), runs
# selftests/bench/vm/bench_net.sh (iperf3 and ping between two network
# namespaces over a veth pair and over a pvio vif on a loop link) and
# prints a table with each pvio figure's ratio to veth's. Throughputs
# and packet rates: higher is better; round trips: lower is better.
# The figures, report and plots: BENCH_OUT (scripts/bench-lib.sh).
set -uo pipefail

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_collect bench_net network
bench_net_table
bench_doorbells perpkt tcp1 tcp4 tcp1_rev udp64 ping
bench_report
