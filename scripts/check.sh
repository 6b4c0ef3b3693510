#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every suite, with the wall time of each. CI gives a run 90
# minutes and loses everything past that, so past 75 minutes this stops
# with a named failure instead.
#
# A TCG VM keeps one host core busy, so after the static suites two lanes
# run side by side, one per core: the stock kernel's VM tests, and the
# debug kernel's (its build, when not cached, starts at once and overlaps
# the static suites). A lane's lines carry its name.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
budget=${PVIO_CHECK_BUDGET:-4500}
begin=$(date +%s)
state=$(mktemp -d /tmp/pvio-check.XXXXXX)
trap 'rm -rf "$state"' EXIT
: >"$state/ran"
: >"$state/failed"

# suite NAME COMMAND...: run one suite within what is left of the budget;
# record it in $state (lanes are subshells).
suite() {
	local name=$1 start left rc
	shift
	start=$(date +%s)
	left=$((budget - (start - begin)))
	echo "$name" >>"$state/ran"
	if [ $left -le 0 ]; then
		echo "FAIL: $name not started: the ${budget}s budget is spent"
		echo "$name(budget)" >>"$state/failed"
		return 1
	fi
	echo "=== $name ==="
	timeout --kill-after=30 $left "$@"
	rc=$?
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "FAIL: $name stopped: the ${budget}s budget ran out"
		echo "$name(budget)" >>"$state/failed"
	elif [ $rc -ne 0 ]; then
		echo "$name" >>"$state/failed"
	fi
	printf '=== %s: %s in %ds (total %ds) ===\n' "$name" \
		"$([ $rc -eq 0 ] && echo passed || echo FAILED)" \
		$(($(date +%s) - start)) $(($(date +%s) - begin))
	return $rc
}

# lane NAME FUNCTION: run FUNCTION in the background, its lines prefixed.
lane() {
	local name=$1
	{ "$2" 2>&1 | sed -u "s/^/[$name] /"; } &
}

# The debug tier (DESIGN §7): KASAN, lockdep, kmemleak make the guest
# slower, so it runs the core and link tests and a block tier: netlink
# configuration, fio verify (blk_demo, which moves less data there),
# vbds from an fd, a vanished backing, the block ops, 4 queues and
# recovery under I/O; and a net tier: ping, counters
# and iperf3 (net_basic), either end breaking the protocol (net_evil)
# or going under traffic (net_recover), a guest that posts no buffers
# (net_stall: bounded queue, carrier down and back on timers), XDP
# (net_xdp), interrupt moderation and DIM switched under traffic
# (net_coalesce); and a driver domain and a guest in two VMs
# (ivshmem_two_vms: fio verify, ping, a backend reload). Not
# net_ratelimit: the debug guest barely reaches half of 20 Mbit/s.
# Its kernel is built once (15-50 minutes) and cached. Its VMs start
# only when the static suites are done: those rebuild the modules and
# the userspace programs the VM tests pack.
debug_tests='core_*,link_*,blk_config,blk_demo,blk_fd,blk_gone,blk_ops,blk_queues,blk_recover,net_basic,net_evil,net_recover,net_stall,net_xdp,net_coalesce,ivshmem_two_vms'
debug_lane() {
	PVIO_JOBS=${PVIO_JOBS:-2} suite debug-kernel "$top/scripts/debug-kernel.sh" ||
		return
	while [ ! -e "$state/static-done" ]; do sleep 2; done
	suite check-vm-debug "$top/selftests/vm/run.sh" -k debug -t "$debug_tests"
}

# The static suites, then the single-VM areas (DESIGN §7) and the
# cross-VM tests (issue 12 §8: pvio-hvd, the toolstack and several VMs;
# their own suite so that their wall time shows).
stock_lane() {
	suite check-build "$top/scripts/check-build.sh"
	suite check-unit make -C "$top/selftests/unit" check
	suite check-hvd make -C "$top/selftests/hvd" check
	suite check-harness "$top/selftests/vm/selftest.sh"
	touch "$state/static-done"
	suite check-vm "$top/selftests/vm/run.sh" -k stock -t 'core_*,link_*,blk_*,net_*'
	suite check-ivshmem "$top/selftests/vm/run.sh" -k stock -t 'ivshmem_*'
}

suite deps "$top/scripts/deps.sh" build test
lane debug debug_lane
lane stock stock_lane
wait

ran=$(wc -l <"$state/ran")
nfailed=$(wc -l <"$state/failed")
echo "make check: $(($(date +%s) - begin))s"
[ "$nfailed" -eq 0 ] || echo "make check: FAILED: $(tr '\n' ' ' <"$state/failed")"
echo "suites: $((ran - nfailed)) passed, $nfailed failed"
[ "$nfailed" -eq 0 ]
