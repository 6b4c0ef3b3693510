#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-build: pvio must build without a single warning against both
# target kernels (W=1), be clean under sparse (C=2, every file) on 6.12, and
# pass checkpatch --strict; the files generated from the netlink spec must
# be current; the userspace programs and the tests' helpers build with
# -Werror.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
logdir=$top/.build/logs
mkdir -p "$logdir"
fail=0

# run NAME COMMAND...: run a build step, keep its log, and fail the step on
# a non-zero exit or on any warning in its output.
run() {
	local name=$1 log=$logdir/$1.log
	shift
	if ! "$@" >"$log" 2>&1; then
		echo "not ok - $name (exit status; log: $log)"
		tail -n 30 "$log" | sed 's/^/# /'
		fail=1
	elif grep -qiE '(^|[^a-z_])(warning|error):' "$log"; then
		echo "not ok - $name (warnings; log: $log)"
		grep -iE '(^|[^a-z_])(warning|error):' "$log" | head -n 30 |
			sed 's/^/# /'
		fail=1
	else
		echo "ok - $name"
	fi
}

"$top/scripts/deps.sh" build || exit 1
for k in 6.12 6.1; do
	rm -rf "$top/.build/$k"
	run "build-$k-W1" "$top/scripts/build-modules.sh" "$k" W=1
done
# After the W=1 build, C=2 re-checks every source with sparse.
run sparse-6.12 "$top/scripts/build-modules.sh" 6.12 C=2
run checkpatch "$top/scripts/checkpatch.sh"
run ynl-gen "$top/scripts/ynl-gen.sh" --check
for d in userspace selftests/tools selftests/hvd; do
	if [ -e "$top/$d/Makefile" ]; then
		run "${d//\//-}" make -C "$top/$d" clean all EXTRA_CFLAGS=-Werror
	fi
done
exit $fail
