#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Authority never sits where a guest can write ("Who trusts what" in
# Documentation/architecture.rst). A frontend
# rewrites, in the shared region, every toolstack key of its vbd and its
# vif (the backing path, read-only mode, limits, queues, rate), the
# backend's state and heartbeat and the link's generation, as a hostile
# guest could through its mapping; then the backends are reloaded and
# one end is restarted (a driver domain crash), so that they read their
# configuration again. Nothing they open, allow or limit changes: the vbd
# still exports nullb0 read-only at its IOPS limit (the file the forged
# path names is never read), the vif keeps its rate and one queue, the
# generation moves on from the real one, and no end is told its peer went
# away because of a forged generation.
# timeout: 300
. /pvio/lib.sh

command -v fio >/dev/null || skip "no fio in the host's /usr"
nullb_load || die "cannot load null_blk"
insmod $PVIO_MODULES/pvio_hv.ko expose_region=1 &&
	pvio_insmod pvio_loop pvio_blkback pvio_blkfront pvio_netback \
		pvio_netfront || die "cannot load the modules"

# What the forged path would expose, and what the vbd really holds.
printf 'SECRET-%0506d' 0 >/tmp/secret.img
dd if=/dev/zero bs=4096 count=255 >>/tmp/secret.img 2>/dev/null
printf 'HONEST-%0506d' 0 | dd of=/dev/nullb0 bs=512 count=1 oflag=direct \
	2>/dev/null || die "cannot write nullb0"

blk=$(link_add) || die "cannot add the vbd's link"
vbd_add "$blk" /dev/nullb0 readonly iops 100 || die "cannot add the vbd"
disk=/dev/$(blk_disk_for "$blk") || die "no disk"
net=$(link_add) || die "cannot add the vif's link"
vif_add "$net" queues 1 rate 125000 burst 65536 || die "cannot add the vif"
fe=$(net_fe_for "$net") || die "no frontend interface"
$IP link set "$fe" up
be=/sys/bus/pvio/devices/link$net-vif0-backend
vbd_be=/sys/bus/pvio/devices/link$blk-vbd0-backend

# connected DEV: both ends of pvio device DEV are Connected (30 s).
connected() {
	_w=0
	until [ "$(cat /sys/bus/pvio/devices/$1-backend/state)" = Connected ] &&
	      [ "$(cat /sys/bus/pvio/devices/$1-frontend/state)" = Connected ]; do
		[ $_w -ge 300 ] && return 1
		sleep 0.1
		_w=$((_w + 1))
	done
}
check "the vbd connects" connected link$blk-vbd0
check "the vif connects" connected link$net-vif0
gen_blk=$(cat $vbd_be/generation)
gen_net=$(cat $be/generation)

# first_sector: the disk's first 7 bytes, read past the page cache.
first_sector() {
	dd if=$disk bs=512 count=1 iflag=direct 2>/dev/null | head -c 7
}
check "the disk reads nullb0" test "$(first_sector)" = HONEST-

# forge LINK: what a hostile frontend writes into LINK's region.
forge() {
	_r=/sys/kernel/debug/pvio/link$1/region
	[ -w "$_r" ] || return 1
	for kv in vbd0/params=/tmp/secret.img vbd0/mode=w vbd0/iops=0 \
		vbd0/bps=0 vbd0/coalesce=5000 vif0/queues=4 vif0/rate=0 \
		vif0/burst=0; do
		pvio_region "$_r" set-key toolstack "${kv%%=*}" "${kv#*=}" ||
			return 1
	done
	pvio_region "$_r" del-key toolstack vbd0/iops 2>/dev/null
	pvio_region "$_r" set backend.state 4 &&
		pvio_region "$_r" set backend.heartbeat 12345 &&
		pvio_region "$_r" set generation 1000 &&
		pvio_region "$_r" set frontend.generation 1000
}
check "forge the vbd's link" forge "$blk"
check "forge the vif's link" forge "$net"
check "the forged path is in the region" sh -c \
	"pvio_region /sys/kernel/debug/pvio/link$blk/region get-key toolstack vbd0/params | grep -qx /tmp/secret.img"
sleep 1	# a few heartbeats under the forged generation
check "no end took the forged generation for a peer change" sh -c \
	"[ \$(cat $vbd_be/generation) = $gen_blk ] && [ \$(cat $be/generation) = $gen_net ]"

dmesg -c >/dev/null
check "reload pvio_blkback" sh -c \
	"rmmod pvio_blkback && insmod $PVIO_MODULES/pvio_blkback.ko"
check "reload pvio_netback" sh -c \
	"rmmod pvio_netback && insmod $PVIO_MODULES/pvio_netback.ko"
check "the vbd reconnects" connected link$blk-vbd0
check "the vif reconnects" connected link$net-vif0
check "restart the vbd's backend end" sh -c \
	"echo backend >/sys/kernel/debug/pvio/link$blk/restart"
check "restart the vif's backend end" sh -c \
	"echo backend >/sys/kernel/debug/pvio/link$net/restart"
check "the vbd reconnects after the restart" connected link$blk-vbd0
check "the vif reconnects after the restart" connected link$net-vif0

check "the generation moved on from the real one" sh -c \
	"[ \$(cat $vbd_be/generation) = $((gen_blk + 1)) ] && [ \$(cat $be/generation) = $((gen_net + 1)) ]"
check "the vbd still says nullb0, read-only, 100 IOPS" sh -c \
	"pvioctl -j vbd show $blk 0 | grep -q '\"path\":\"/dev/nullb0\",\"readonly\":true,\"iops_limit\":100,\"bps_limit\":0,\"coalesce_usecs\":0'"
check "the disk still reads nullb0" test "$(first_sector)" = HONEST-
check "the disk is still read-only" sh -c \
	"! printf X | dd of=$disk bs=512 count=1 conv=sync oflag=direct 2>/dev/null"
check "nullb0 was not written" sh -c \
	"dd if=/dev/nullb0 bs=512 count=1 iflag=direct 2>/dev/null | head -c 7 | grep -qx HONEST-"
check "the forged backing was never opened" sh -c \
	"! dmesg | grep -q secret.img && head -c 7 /tmp/secret.img | grep -qx SECRET-"

# iops: 4 KiB random reads at depth 16 for 3 s; a rate above the limit
# (with its 15 % slack, as blk_ratelimit allows) means it was lifted.
iops() {
	fio --name=auth --filename=$disk --direct=1 --ioengine=libaio \
		--rw=randread --bs=4k --iodepth=16 --time_based --runtime=3 \
		--ramp_time=1 --minimal 2>/dev/null | awk -F';' '{print $8}'
}
r=$(iops)
echo "# $r IOPS against a limit of 100"
check "the IOPS limit still holds" test "${r:-999}" -le 115

check "the vif keeps its rate and burst" sh -c \
	"[ \$(cat $be/rate) = 125000 ] && [ \$(cat $be/burst) = 65536 ]"
check "the vif keeps one queue" test "$(cat $be/nr_rings)" = 1
check "vif show says so too" sh -c \
	"pvioctl vif show $net 0 | grep -q 'queues 1 rate 125000 burst 65536'"

check "delete the links" sh -c "pvioctl link del $blk && pvioctl link del $net"
check "unload" pvio_rmmod pvio_blkfront pvio_netfront pvio_blkback \
	pvio_netback pvio_loop pvio_hv
finish
