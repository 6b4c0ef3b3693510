#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The harness tests itself (make check-harness): it runs the fixtures in
# selftests/vm/fixtures, which pass, fail, skip, splat in the kernel log,
# crash the kernel and hang, and checks that each is reported as it must
# be, that the tests after a crash still run, and that the run fails. A
# harness that passed a broken test would make every other test worthless.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(PVIO_TESTS_DIR=$top/selftests/vm/fixtures "$top/selftests/vm/run.sh")
rc=$?
fail=0
expect() {
	if echo "$out" | grep -qE "$1"; then
		echo "ok - $2"
	else
		echo "not ok - $2"
		fail=1
	fi
}
expect '^ok [0-9]+ - core_pass # ' "a passing test passes"
expect '^ok [0-9]+ - core_after # ' "the tests after a crash run"
expect '^not ok [0-9]+ - core_fail # exit status 1' "a failing test fails"
expect '^# deliberate failure' "a failing test's output is shown"
expect '^ok [0-9]+ - core_skip # SKIP deliberately skipped' "a skip is a skip"
expect '^not ok [0-9]+ - core_splat # kernel log' "a WARNING in dmesg fails"
expect '^not ok [0-9]+ - core_crash # VM died' "a kernel crash fails"
expect '^not ok [0-9]+ - core_hang # timed out' "a hang times out"
expect '^2 passed, 4 failed, 1 skipped$' "the counts add up"
[ $rc -ne 0 ] && echo "ok - the run fails" || { echo "not ok - the run fails"; fail=1; }
# The fixtures' own report, crash dump included, only when it is news.
[ $fail -eq 0 ] || echo "$out" | sed 's/^/# /'
exit $fail
