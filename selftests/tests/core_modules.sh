#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Every pvio module built loads and unloads cleanly, three times in a row,
# and leaves nothing behind (/sys/bus/pvio appears and goes).
# timeout: 120
. /pvio/lib.sh

mods=$(pvio_modules)
[ -n "$mods" ] || die "no pvio module in $PVIO_MODULES"
for round in 1 2 3; do
	check "round $round: load $mods" pvio_insmod $mods
	for m in $mods; do
		check "round $round: $m is live" \
			grep -q "^$m .* Live" /proc/modules
	done
	check "round $round: /sys/bus/pvio exists" test -d /sys/bus/pvio
	check "round $round: unload" pvio_rmmod $(reverse $mods)
	for m in $mods; do
		check "round $round: $m is gone" test ! -d /sys/module/$m
	done
	check "round $round: /sys/bus/pvio is gone" test ! -e /sys/bus/pvio
done
finish
