# SPDX-License-Identifier: GPL-2.0 OR MIT
# shellcheck shell=bash
#
# Host-side helper, sourced by host test scripts (selftests/hvd's
# toolstack_config.sh, *.host.sh tests): TAP lines, counted in n, the
# failed ones in failed. The script prints the plan ("1..$n") at its end.
#
# ok STATUS DESCRIPTION
#   "ok N - DESCRIPTION" if STATUS is 0, else "not ok N - DESCRIPTION".
# check DESCRIPTION COMMAND...
#   ok with COMMAND's exit status.
# bail REASON
#   "Bail out! REASON", and exit 1.

n=0 failed=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

check() {
	local desc=$1
	shift
	"$@"
	ok $? "$desc"
}

bail() {
	echo "Bail out! $*"
	exit 1
}
