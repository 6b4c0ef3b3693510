#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest half of core_two_vms.host.sh: bring up the virtio NIC the host gave
# this VM and ping the other VM's IPv6 link-local address (pviopeer= on
# the kernel command line) until it answers.
. /pvio/lib.sh

peer=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^pviopeer=//p')
[ -n "$peer" ] || die "no pviopeer= on the command line"
modprobe virtio_net 2>/dev/null	# built into the debug kernel
$IP link set eth0 up || die "no eth0"
# The peer may still be booting, or its address still tentative.
for i in $(seq 60); do
	ping6 -c 1 -W 1 -I eth0 "$peer" >/dev/null 2>&1 && break
	sleep 0.5
done
check "the other VM answers pings" ping6 -c 3 -W 2 -I eth0 "$peer"
finish
