#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-ring (and make bench): selftests/bench's ring benchmark on
# the host (pvio's ring beside DPDK's rte_ring when libdpdk-dev is
# installed, and memcpy), its table as it prints it, and its figures in
# the results folder (scripts/bench-lib.sh: bench ring, mode host).
set -uo pipefail

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
log=$BENCH_OUT/logs/ring.txt
make -C "$top/selftests/bench" ring | tee "$log"
rc=${PIPESTATUS[0]}
bench_meta accel_host "none: native on the host (selftests/bench/ring_bench)"
# The rows: work (up to the unit's ")"), pvio, rte_ring ("-" without
# DPDK), ratio.
while read -r system metric v; do
	bench_record ring host "$system" "$metric" "$v"
done < <(awk '
	function put(metric, p, r) {
		print "pvio " metric " " p
		if (r != "-")
			print "rte_ring " metric " " r
	}
	/^64-byte entries \(M entries\/s\)/ { put("entries64_mops", $(NF - 2), $(NF - 1)) }
	/^4 KiB through a pool \(GB\/s\)/ { put("pool4k_gbs", $(NF - 2), $(NF - 1)) }
	/^memcpy 4 KiB, one thread \(GB\/s\)/ { print "memcpy memcpy4k_gbs " $NF }' "$log")
bench_report
exit "$rc"
