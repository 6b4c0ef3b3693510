#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest half of ivshmem_two_vms.host.sh. First, as a hostile guest,
# rewrite the toolstack keys in the vbd link's region (BAR2, mapped from
# user space) to name a file of the driver domain, writable; the host
# boots the driver domain once this VM says "# forged". Then load the
# frontends: pvio_ivshmem makes a frontend end on each link pvio-hvd gave
# this VM and the devices its toolstack keys name. The disk must hold
# what the driver domain really exports; fio writes and verifies it; the
# vif pings the driver domain.
. /pvio/lib.sh

# region_with KEY: the BAR2 of the ivshmem device whose region's
# toolstack area has KEY.
region_with() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat $d/vendor):$(cat $d/device)" = 0x1af4:0x1110 ] ||
			continue
		pvio_region $d/resource2 get-key toolstack "$1" >/dev/null \
			2>&1 && { echo $d/resource2; return 0; }
	done
	return 1
}
region=$(region_with vbd0/params)
check "the vbd link's region is mapped" test -n "$region"
forge() {
	pvio_region $region set-key toolstack vbd0/params /tmp/secret.img &&
		pvio_region $region set-key toolstack vbd0/mode r &&
		pvio_region $region set-key toolstack vbd0/iops 1 &&
		pvio_region $region get-key toolstack vbd0/params |
		grep -qx /tmp/secret.img
}
check "forge its toolstack keys" forge
echo "# forged" >/dev/ttyS1

pvio_insmod pvio_hv && insmod $PVIO_MODULES/pvio_ivshmem.ko role=guest &&
	pvio_insmod pvio_blkfront pvio_netfront || die "cannot load the modules"

# disk_ro 0|1: a pvio disk that is writable (0) or read-only (1), once
# there is one (120 s): the link 0 disk, and the spare link's.
disk_ro() {
	for _ in $(seq 600); do
		for b in /sys/bus/pvio/devices/*-vbd0-frontend/block/*; do
			[ -e "$b" ] && [ "$(cat $b/ro)" = "$1" ] &&
				{ echo /dev/$(basename "$b"); return 0; }
		done
		sleep 0.2
	done
	return 1
}
disk=$(disk_ro 0)
check "a disk from the driver domain" test -b "$disk"
echo "# $(cat /sys/kernel/debug/pvio_ivshmem/*/info | tr '\n' ' ')"
# The driver domain reloads its block backend once connected: whenever
# this read runs, it must see nullb0's first sector, never the file.
first=$(dd if=$disk bs=512 count=1 iflag=direct 2>/dev/null | head -c 7)
echo "# first sector: $first"
check "the disk is the one the toolstack gave" test "$first" = HONEST-
check "and writable, as the toolstack said" sh -c \
	"[ \$(cat /sys/block/${disk#/dev/}/ro) = 0 ]"
spare=$(disk_ro 1)
check "a vbd set on the spare link appears, read-only" test -b "$spare"
check "... and holds what the driver domain gave it" sh -c \
	"dd if=$spare bs=512 count=1 iflag=direct 2>/dev/null | head -c 6 | grep -qx SPARE-"
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
check "an ivshmem-plain device is refused, with one line" sh -c \
	"[ \$(dmesg | grep -c 'no MSI-X: an ivshmem-plain device cannot ring') = 1 ]"

# The vif link's device unbound and bound again: its link goes, its
# interface with it, and comes back; the driver domain serves it again.
vlink=$(cat /sys/bus/pvio/devices/*-vif0-frontend/link_id)
info=$(grep -lx "link $vlink" /sys/kernel/debug/pvio_ivshmem/*/info)
bdf=$(basename "$(dirname "$info")")
check "unbind the vif link's device" sh -c \
	"echo $bdf >/sys/bus/pci/drivers/pvio_ivshmem/unbind"
check "its interface is gone" sh -c "! ip link show $fe 2>/dev/null"
check "bind it again" sh -c \
	"echo $bdf >/sys/bus/pci/drivers/pvio_ivshmem/bind"
fe=$(net_fe_for "$(cat /sys/bus/pvio/devices/*-vif0-frontend/link_id)")
check "an interface again" test -n "$fe"
$IP addr add 10.99.0.2/24 dev "$fe"
$IP link set "$fe" up
check "the driver domain answers pings again" net_up
check "unload the frontends" pvio_rmmod pvio_blkfront pvio_netfront
check "unload the provider" pvio_rmmod pvio_ivshmem pvio_hv
check "the kernel log is clean" sh -c \
	"! dmesg | grep -E 'WARNING:|BUG:|Oops|KASAN|circular locking|hung_task'"
finish
