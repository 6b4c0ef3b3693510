#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every suite, with the wall time of each. CI gives a run 90
# minutes and loses everything past that, so past 75 minutes this stops
# with a named failure instead.
#
# A TCG VM keeps one host core busy and the machine has two, so two lanes
# run side by side: one runs the static suites, the other builds the
# debug kernel if it is not cached; then each takes the next VM suite
# from one queue as it comes free. A lane's lines carry its number.
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

# The VM suites, which the two lanes take in this order as each comes
# free: "NAME KERNEL TESTS". Each has its own log directory.
#
# ("Tests and benchmarks" in Documentation/architecture.rst.) The
# single-VM areas, the hostile peers' (evil_*) among them; the cross-VM
# tests (pvio-hvd, the toolstack and several VMs) in their own suite so
# that their wall time shows, and the driver domain killed, restarted
# and stopped under running guests (recover_*) in another.
#
# The debug tier, in three parts: KASAN, lockdep, kmemleak
# make the guest slower, so it runs the core and link tests and a block
# tier: netlink configuration, fio verify (blk_demo, which moves less
# data there), vbds from an fd, a vanished backing, the block ops, 4
# queues, recovery under I/O and to a backend that offers less
# (recover_shrink), a hostile frontend's requests, a greedy one and a
# flood of capacity notices (evil_blk_req, evil_blk_budget,
# evil_blk_changed: about 3 minutes); pvio_ivshmem against a host peer
# (ivshmem_probe: unbind and bind, rmmod while bound, the peer hanging
# up); a net tier: ping, counters and iperf3 (net_basic), either end
# breaking the protocol (net_evil) or going under traffic (net_recover),
# a guest that posts no buffers (net_stall: bounded queue, carrier down
# and back on timers), XDP (net_xdp), interrupt moderation and DIM
# switched under traffic (net_coalesce), the kernel's own NIC selftests
# (net_kselftest: drivers/net's ping.py, stats.py and queues.py, about a
# minute there), the frontend going while the backend connects
# (recover_midconnect), a driver domain and a guest in two VMs
# (ivshmem_two_vms: fio verify, ping, a backend reload), a hostile
# backend's responses and a guest posting no buffers (evil_blk_rsp,
# evil_net_truesize: about 2 minutes); and the three-VM test (a guest
# killed three times, kmemleak in the driver domain after each death),
# alone: it takes about 15 minutes there; and
# the driver domain killed twice under two guests (recover_dd_kill:
# kmemleak in the guests after each reconnect), alone too. Not
# net_ratelimit: the debug guest barely reaches half of 20 Mbit/s.
# The Debian packages installed, DKMS building the modules in the
# postinst, and used in a VM (pkg_install): a few minutes. And the
# benchmarks' smoke run (scripts/bench-check.sh, about 2 minutes: one
# quick VM, the results folder, bench-compare): a TESTS field with a "/"
# is a script of the tree to run instead of run.sh. Longest first, so
# that the two lanes end close together.
cat >"$state/queue" <<EOQ
check-vm stock core_*,link_*,blk_*,net_*,evil_*
check-vm-debug-3 debug ivshmem_three_vms
check-ivshmem stock ivshmem_*
check-recover stock recover_*
check-recover-debug debug recover_dd_kill
check-vm-debug-1 debug core_*,link_*,blk_config,blk_demo,blk_fd,blk_gone,blk_ops,blk_queues,blk_recover,blk_timeout,ivshmem_probe,recover_shrink,evil_blk_req,evil_blk_budget,evil_blk_changed
check-vm-debug-2 debug net_basic,net_evil,net_recover,net_stall,net_xdp,net_coalesce,net_kselftest,ivshmem_two_vms,recover_midconnect,evil_blk_rsp,evil_net_truesize
check-pkg stock pkg_*
check-bench stock scripts/bench-check.sh
EOQ

# next_suite: take the first suite whose kernel is ready off the queue
# ("wait" if none is yet, nothing when the queue is empty).
next_suite() {
	local line kernel lines
	(
		flock 9
		mapfile -t lines <"$state/queue"
		for line in "${lines[@]}"; do
			kernel=$(cut -d' ' -f2 <<<"$line")
			if [ "$kernel" = stock ] || [ -e "$state/debug-ready" ] ||
			   [ -e "$state/debug-failed" ]; then
				echo "$line"
				printf '%s\n' "${lines[@]}" | grep -vxF "$line" >"$state/queue"
				exit 0
			fi
		done
		[ ${#lines[@]} -gt 0 ] && echo wait
	) 9>"$state/queue.lock"
}

# run_queue: the VM suites, one at a time, until none is left.
run_queue() {
	local line name kernel tests
	while line=$(next_suite) && [ -n "$line" ]; do
		if [ "$line" = wait ]; then
			sleep 5
			continue
		fi
		read -r name kernel tests <<<"$line"
		if [ "$kernel" = debug ] && [ -e "$state/debug-failed" ]; then
			echo "FAIL: $name not run: no debug kernel"
			echo "$name" >>"$state/ran"
			echo "$name(no kernel)" >>"$state/failed"
			continue
		fi
		case $tests in
		*/*) suite "$name" "$top/$tests" ;;
		*) VM_LOGDIR=$top/.build/vm-logs/$name suite "$name" \
			"$top/selftests/vm/run.sh" -k "$kernel" -t "$tests" ;;
		esac
	done
}

# Lane 1: the static suites, then VM suites. They rebuild the modules and
# the programs the VM tests pack: no VM starts before they are done.
static_lane() {
	suite check-build "$top/scripts/check-build.sh"
	suite check-dkms "$top/scripts/dkms-check.sh"
	suite check-deb "$top/scripts/deb-check.sh"
	suite check-unit make -C "$top/selftests/unit" check
	suite check-hvd make -C "$top/selftests/hvd" check
	suite check-harness "$top/selftests/vm/selftest.sh"
	touch "$state/static-done"
	run_queue
}

# Lane 2: the debug kernel, built once (15-50 minutes) and cached; a
# build starts at once, beside the static suites and then beside the
# stock VMs. Then VM suites.
debug_lane() {
	if PVIO_JOBS=${PVIO_JOBS:-2} suite debug-kernel \
		"$top/scripts/debug-kernel.sh"; then
		touch "$state/debug-ready"
	else
		touch "$state/debug-failed"
	fi
	while [ ! -e "$state/static-done" ]; do sleep 2; done
	run_queue
}

suite deps "$top/scripts/deps.sh" build test deb
lane 1 static_lane
lane 2 debug_lane
wait

ran=$(wc -l <"$state/ran")
nfailed=$(wc -l <"$state/failed")
echo "make check: $(($(date +%s) - begin))s"
[ "$nfailed" -eq 0 ] || echo "make check: FAILED: $(tr '\n' ' ' <"$state/failed")"
echo "suites: $((ran - nfailed)) passed, $nfailed failed"
[ "$nfailed" -eq 0 ]
