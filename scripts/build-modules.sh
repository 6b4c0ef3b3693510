#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build pvio's modules for one target kernel in a private copy of the tree,
# .build/<kernel>/, because Kbuild writes objects beside the sources and the
# builds for 6.12, 6.1 and the debug kernel would clobber each other.
#
# usage: scripts/build-modules.sh <6.12|6.1|debug> [make arguments...]
# Prints the log to stdout; exits non-zero if the build fails.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kernel=$1
shift
kdir=$("$top/scripts/kdir.sh" "$kernel")
out=$top/.build/$kernel

mkdir -p "$out"
# Only what Kbuild needs; --delete so removed sources do not linger.
rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.mod*' \
	--exclude='.*.cmd' --exclude=Module.symvers --exclude=modules.order \
	"$top"/Kbuild "$top"/common "$top"/compat "$top"/hvcall "$out"/
for d in backend frontend; do
	[ -d "$top/$d" ] && rsync -a --delete --exclude='*.o' --exclude='*.ko' \
		--exclude='*.mod*' --exclude='.*.cmd' "$top/$d" "$out"/
done
make -C "$kdir" M="$out" PVIO_ROOT="$out" "$@" modules
