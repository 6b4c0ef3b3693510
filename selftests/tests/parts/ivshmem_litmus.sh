#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest half of ivshmem_litmus.host.sh: run ivshmem_litmus on this VM's
# ivshmem device against the other VM's. The kernel command line carries
# pviolitmus=SIDE,NONCE,TESTS,SECS,ROUNDS,MIN_ROUNDS,MIN_CONTROL (TESTS
# separated by '+'; see ivshmem_litmus.c for the rest). The
# program's lines go to the console and to the results port, where the
# host reads them.
. /pvio/lib.sh

args=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^pviolitmus=//p')
[ -n "$args" ] || die "no pviolitmus= on the command line"
IFS=, read -r side nonce tests secs rounds min ctl <<EOA
$args
EOA
command -v ivshmem_litmus >/dev/null || die "no ivshmem_litmus in the initramfs"

dev=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1af4 ] && [ "$(cat "$d/device")" = 0x1110 ] &&
		{ dev=$d; break; }
done
[ -n "$dev" ] || die "no ivshmem device (1af4:1110)"
# No driver binds it: turn on its memory decoding so BAR2 can be mapped.
echo 1 >"$dev/enable" || die "cannot enable $dev"

ivshmem_litmus -d "$dev/resource2" -s "$secs" -n "$rounds" -m "$min" -c "$ctl" \
	"$side" "$nonce" "$(echo "$tests" | tr + ,)" >/tmp/litmus.out 2>&1
rc=$?
cat /tmp/litmus.out
cat /tmp/litmus.out >/dev/ttyS1
[ $rc -eq 0 ] || die "ivshmem_litmus exited with $rc"
