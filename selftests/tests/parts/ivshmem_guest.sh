#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest half of ivshmem_two_vms.host.sh: load the frontends; pvio_ivshmem
# makes a frontend end on each link pvio-hvd gave this VM and the devices
# its toolstack keys name. fio writes and verifies the disk; the vif
# pings the driver domain.
. /pvio/lib.sh

pvio_insmod pvio_hv pvio_ivshmem pvio_blkfront pvio_netfront ||
	die "cannot load the modules"

disk=
for _ in $(seq 600); do
	for b in /sys/bus/pvio/devices/*-vbd0-frontend/block/*; do
		[ -e "$b" ] && disk=/dev/$(basename "$b")
	done
	[ -n "$disk" ] && break
	sleep 0.2
done
check "a disk from the driver domain" test -b "$disk"
echo "# $(cat /sys/kernel/debug/pvio_ivshmem/*/info | tr '\n' ' ')"
check "fio verify on it" fio_verify "$disk" ivshmem --rw=randwrite \
	--bs=4k --iodepth=8 --size=16m
fe=$(net_fe_for "$(cat /sys/bus/pvio/devices/*-vif0-frontend/link_id)")
check "a network interface from the driver domain" test -n "$fe"
$IP addr add 10.99.0.2/24 dev "$fe"
$IP link set "$fe" up
net_up() {
	for _ in $(seq 60); do
		ping -c 1 -W 1 10.99.0.1 >/dev/null 2>&1 && return 0
	done
	return 1
}
check "the driver domain answers pings" net_up
check "ping 20 at MTU 1500" ping -c 20 -i 0.05 -W 2 -s 1472 10.99.0.1
check "unload the frontends" pvio_rmmod pvio_blkfront pvio_netfront
check "unload the provider" pvio_rmmod pvio_ivshmem pvio_hv
check "the kernel log is clean" sh -c \
	"! dmesg | grep -E 'WARNING:|BUG:|Oops|KASAN|circular locking|hung_task'"
finish
