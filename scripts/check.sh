#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every suite in order, with the wall time of each. CI gives a
# run 90 minutes and loses everything past that, so past 75 minutes this
# stops with a named failure instead.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
budget=${PVIO_CHECK_BUDGET:-4500}
begin=$(date +%s)
failed=()
ran=0

# suite NAME COMMAND...: run one suite within what is left of the budget.
suite() {
	local name=$1 start left rc
	shift
	start=$(date +%s)
	left=$((budget - (start - begin)))
	if [ $left -le 0 ]; then
		echo "FAIL: $name not started: the ${budget}s budget is spent"
		failed+=("$name(budget)")
		ran=$((ran + 1))
		return
	fi
	echo "=== $name ==="
	ran=$((ran + 1))
	timeout --kill-after=30 $left "$@"
	rc=$?
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "FAIL: $name stopped: the ${budget}s budget ran out"
		failed+=("$name(budget)")
	elif [ $rc -ne 0 ]; then
		failed+=("$name")
	fi
	printf '=== %s: %s in %ds (total %ds) ===\n' "$name" \
		"$([ $rc -eq 0 ] && echo passed || echo FAILED)" \
		$(($(date +%s) - start)) $(($(date +%s) - begin))
}

suite deps "$top/scripts/deps.sh" build test
suite check-build "$top/scripts/check-build.sh"
suite check-unit make -C "$top/selftests/unit" check
suite check-hvd make -C "$top/selftests/hvd" check
suite check-harness "$top/selftests/vm/selftest.sh"
# The single-VM areas (DESIGN §7); the cross-VM one follows alone.
suite check-vm "$top/selftests/vm/run.sh" -k stock -t 'core_*,link_*,blk_*,net_*'
# The cross-VM tests (issue 12 §8): pvio-hvd, the toolstack and several
# VMs; their own suite so that their wall time shows.
suite check-ivshmem "$top/selftests/vm/run.sh" -k stock -t 'ivshmem_*'
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
# (ivshmem_two_vms: fio verify, ping, a backend reload), and
# pvio_ivshmem against a host peer (ivshmem_probe: unbind and bind,
# rmmod while bound, the peer hanging up; kmemleak after). Not
# net_ratelimit: the debug guest barely reaches half of 20 Mbit/s.
# Its kernel is built once (8-15 minutes) and cached.
suite debug-kernel "$top/scripts/debug-kernel.sh"
suite check-vm-debug "$top/selftests/vm/run.sh" -k debug \
	-t 'core_*,link_*,blk_config,blk_demo,blk_fd,blk_gone,blk_ops,blk_queues,blk_recover,net_basic,net_evil,net_recover,net_stall,net_xdp,net_coalesce,ivshmem_two_vms,ivshmem_probe'

echo "make check: $(($(date +%s) - begin))s"
[ ${#failed[@]} -eq 0 ] || echo "make check: FAILED: ${failed[*]}"
echo "suites: $((ran - ${#failed[@]})) passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
