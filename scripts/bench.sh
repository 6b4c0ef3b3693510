#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, block part: boots one VM twice, plain TCG and under
# icount (scripts/bench-lib.sh), runs
# selftests/bench/vm/bench_blk.sh (fio on null_blk directly, on the loop
# driver over it, on /dev/pvda over a pvio loop link to it) and prints a
# table with each figure's ratio to direct. Latencies: lower is better.
# The figures, report and plots: BENCH_OUT (scripts/bench-lib.sh).
set -uo pipefail

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_collect bench_blk block
bench_blk_table
bench_doorbells perio qd1 qd4 qd16 qd32x2 seqread seqwrite
bench_report
