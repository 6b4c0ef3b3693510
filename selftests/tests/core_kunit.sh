#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# pvio_hv's KUnit suites (hvcall/tests/*_kunit.c), for the debug kernel:
# load pvio_hv, pvio_loop and pvio_hv_kunit (the suites run while it
# loads), print each suite's KTAP from debugfs, count its cases and fail
# on any failed one, a missing suite or a missing module. Debian's kernel
# has no KUnit: there the test skips.
# timeout: 300
. /pvio/lib.sh

SUITES="pvio_ring pvio_coalesce pvio_grant pvio_store pvio_state pvio_evtchn
	pvio_bus pvio_bucket"
KUNIT=/sys/kernel/debug/kunit

# KUnit built in leaves its parameters in /sys/module/kunit.
[ -d /sys/module/kunit ] ||
	skip "kernel $(uname -r) has no KUnit (CONFIG_KUNIT is off)"
[ -d $KUNIT ] || die "no $KUNIT (CONFIG_KUNIT_DEBUGFS is off?)"
[ -e $PVIO_MODULES/pvio_hv_kunit.ko ] ||
	die "pvio_hv_kunit.ko was not built for this KUnit kernel"

check "load pvio_hv and pvio_loop" pvio_insmod pvio_hv pvio_loop
check "load pvio_hv_kunit (runs the suites)" pvio_insmod pvio_hv_kunit

# suite_ok SUITE: print SUITE's KTAP; true if it ran and nothing failed.
suite_ok() {
	results=$KUNIT/$1/results
	if [ ! -r "$results" ]; then
		echo "# $1: no $results"
		return 1
	fi
	cat "$results"
	plan=$(sed -n 's/^    1\.\.\([0-9]*\)$/\1/p' "$results" | head -n 1)
	ok=$(grep -cE '^    ok [0-9]+ ' "$results")
	notok=$(grep -cE '^    not ok [0-9]+ ' "$results")
	skipped=$(grep -cE '^    ok [0-9]+ .*# SKIP' "$results")
	echo "# $1: $((ok - skipped)) passed, $notok failed," \
	     "$skipped skipped of ${plan:-?}"
	[ -n "$plan" ] && [ "$plan" -gt 0 ] &&
		[ "$notok" -eq 0 ] && [ $((ok + notok)) -eq "$plan" ] &&
		grep -qE "^ok 1 $1\$" "$results"
}

for s in $SUITES; do
	check "suite $s" suite_ok "$s"
done

# Every link, channel and watch the tests made is gone, or these fail.
check "unload pvio_hv_kunit, pvio_loop, pvio_hv" \
	pvio_rmmod pvio_hv_kunit pvio_loop pvio_hv
finish
