#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A new backend that offers less than the last one: while fio writes and
# verifies through /dev/pvdX with large requests (up to 1 MiB, 256
# segments) on both queues, pvio_blkback is unloaded and loaded again
# offering 1 queue, 32 segments and 16-slot rings. The frontend takes
# it: the requests it held go again, those larger than the new backend
# takes in parts; fio sees no error and verifies every block; the disk's
# queue limits and hardware queues follow the new backend. Then back to
# a backend offering the defaults, under fio again: the disk grows back
# to what it was built for. A backend that offers too little for the
# largest request the disk holds (1 segment, 1 slot) is refused until a
# sane one comes. Last, a vif: pvio_netback loaded again offering 1
# queue and 32-slot rings, then the defaults; each time the carrier comes
# back, ping and iperf3 work, and the frontend's queues follow.
# timeout: 900
. /pvio/lib.sh

command -v fio >/dev/null || skip "no fio in the host's /usr"
command -v iperf3 >/dev/null || skip "no iperf3 in the host's /usr"
nullb_load || die "cannot load null_blk"
blk_load || die "cannot load the block modules"
link=$(link_add)
# 16 MiB/s: each fio below lasts seconds on any kernel, so requests are
# in flight, some waiting in the backend, when it goes.
vbd_add "$link" /dev/nullb0 bps 16777216 || die "cannot add the vbd"
disk=$(blk_disk_for "$link") || die "no disk"
dev=/dev/$disk
fe=/sys/bus/pvio/devices/link$link-vbd0-frontend
be=/sys/bus/pvio/devices/link$link-vbd0-backend

size=48M
debug_kernel && size=24M
ios() {
	awk '{print $1 + $5}' /sys/block/$1/stat
}
ios_over() {
	[ "$(ios $1)" -gt "$2" ]
}
# fio_bg NAME: a verifying fio with large requests in the background,
# under way when it returns.
fio_bg() {
	_ios=$(ios $disk)
	fio_verify $dev "$1" --rw=randwrite --bsrange=16k-1m --iodepth=16 \
		--size=$size --numjobs=2 --offset_increment=$size \
		--cpus_allowed=0-1 --cpus_allowed_policy=split \
		>/tmp/bg.$1 2>&1 &
	bg=$!
	wait_until 60 ios_over $disk $_ios
	sleep 1
}
connected() {
	[ "$(cat $fe/state 2>/dev/null)" = Connected ] &&
		[ "$(cat $be/state 2>/dev/null)" = Connected ]
}
not_connected() {
	[ "$(cat $fe/state)" != Connected ]
}
queues() {
	ls /sys/block/$disk/mq | wc -l
}
segs() {
	cat /sys/block/$disk/queue/max_segments
}
# shape Q S: the disk has Q hardware queues and S segments per request.
shape() {
	[ "$(queues)" -eq "$1" ] && [ "$(segs)" -eq "$2" ]
}
replays() {
	pvioctl -j vbd show "$link" 0 | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin).get("frontend_stats", {}).get("replays", 0))'
}
# backend ARGS: pvio_blkback loaded again with ARGS, under fio.
backend() {
	check "rmmod pvio_blkback with I/O in flight" rmmod pvio_blkback
	check "the frontend holds its I/O" wait_until 10 not_connected
	sleep 1
	check "load pvio_blkback $*" insmod $PVIO_MODULES/pvio_blkback.ko "$@"
	check "both ends reconnect" wait_until 30 connected
}

echo "# the disk: $(queues) queues, $(segs) segments"
check "the disk starts with 2 queues and 256 segments" shape 2 256

# --- a smaller backend ------------------------------------------------------
rec=$(cat $fe/reconnects)
rep=$(replays)
fio_bg shrink
backend max_queues=1 max_segs=32 max_ring_order=4
check "fio saw no error and verified everything" wait $bg
cat /tmp/bg.shrink
echo "# replays $rep -> $(replays), reconnects $rec -> $(cat $fe/reconnects)"
check "the frontend replayed requests" test "$(replays)" -gt "$rep"
check "the frontend counted the reconnect" \
	test "$(cat $fe/reconnects)" -gt "$rec"
split=$(cat /sys/kernel/debug/pvio_blkfront/link$link-vbd0-frontend/q* |
	awk '/^requests sent in parts/ { n += $5 } END { print n + 0 }')
echo "# requests sent in parts: $split"
check "requests built for the larger backend went in parts" \
	test "$split" -gt 0
check "the disk now has 1 queue and 32 segments" wait_until 60 shape 1 32
echo "# the disk: $(queues) queues, $(segs) segments," \
	"max_sectors_kb $(cat /sys/block/$disk/queue/max_sectors_kb)"
check "the frontend uses 1 ring" test "$(cat $fe/nr_rings)" -eq 1
check "the log says what the new backend takes" \
	sh -c "dmesg | grep -q 'backend takes 1 queues of order 4, 32 segments'"
check "fio on the smaller backend, 1 MiB requests" fio_verify $dev small \
	--rw=randwrite --bs=1m --iodepth=16 --size=$size --numjobs=2 \
	--offset_increment=$size

# --- the larger backend again ----------------------------------------------
fio_bg grow
backend
check "fio saw no error and verified everything" wait $bg
cat /tmp/bg.grow
check "the disk has 2 queues and 256 segments again" wait_until 60 shape 2 256
check "the frontend uses 2 rings" test "$(cat $fe/nr_rings)" -eq 2
check "fio on the larger backend" fio_verify $dev large \
	--rw=randwrite --bsrange=16k-1m --iodepth=16 --size=$size \
	--numjobs=2 --offset_increment=$size

# --- a backend that offers too little ---------------------------------------
# One slot cannot hold a 256-page request cut into 1-page parts.
rec=$(cat $fe/reconnects)
backend_refused() {
	dmesg | grep -q 'new backend offers less than the disk uses'
}
check "rmmod pvio_blkback" rmmod pvio_blkback
check "load pvio_blkback offering 1 segment, 1 slot" \
	insmod $PVIO_MODULES/pvio_blkback.ko max_segs=1 max_ring_order=0
check "the frontend refuses it" wait_until 30 backend_refused
check "... and stays unconnected" not_connected
dd if=$dev of=/dev/null bs=4k count=1 iflag=direct status=none &
rd=$!
sleep 2
check "a read waits meanwhile" kill -0 $rd
check "rmmod pvio_blkback" rmmod pvio_blkback
check "load pvio_blkback again" pvio_insmod pvio_blkback
check "both ends reconnect" wait_until 30 connected
check "the read completes" wait $rd
check "fio verify" fio_verify $dev last --rw=randwrite --bs=128k \
	--iodepth=16 --size=$size --numjobs=2 --offset_increment=$size

check "the disk has 2 queues and 256 segments" wait_until 60 shape 2 256
check "pvioctl vbd del" pvioctl vbd del "$link" 0
check "link deleted" pvioctl link del "$link"
check "unload the block modules" pvio_rmmod pvio_blkfront pvio_blkback

# --- a vif: a smaller pvio_netback, then the default one again --------------
pvio_insmod pvio_netback pvio_netfront || die "cannot load the network modules"
link=$(link_add) || die "cannot add a link"
vif_add "$link" || die "cannot add the vif"
net_pair_up "$link"
nfe=/sys/bus/pvio/devices/link$link-vif0-frontend
# nqueues KIND: the frontend interface's tx or rx queues (its sysfs is
# seen from its namespace only).
nqueues() {
	$IP netns exec fe sh -c "ls -d /sys/class/net/$fe/queues/$1-*" |
		wc -l
}
# nshape Q ORDER: the vif uses Q rings of ORDER, the stack sees Q queues.
nshape() {
	echo "# the vif: $(cat $nfe/nr_rings) rings of order" \
		"$(cat $nfe/ring_order), $(nqueues tx) tx and $(nqueues rx)" \
		"rx queues"
	[ "$(cat $nfe/nr_rings)" -eq "$1" ] &&
		[ "$(cat $nfe/ring_order)" -eq "$2" ] &&
		[ "$(nqueues tx)" -eq "$1" ] && [ "$(nqueues rx)" -eq "$1" ]
}
ping_ok() {
	$IP netns exec "$1" ping -c 3 -W 5 "$2" >/tmp/ping.log 2>&1 ||
		{ cat /tmp/ping.log; return 1; }
}
iperf_ok() {
	$IP netns exec be timeout 60 iperf3 -s -1 >/dev/null 2>&1 &
	_srv=$!
	net_listening be 5201 || return 1
	$IP netns exec fe timeout 60 iperf3 -c 10.99.0.1 -t 3 -P 2 \
		>/tmp/iperf.log 2>&1 || { cat /tmp/iperf.log; return 1; }
	wait $_srv
	grep receiver /tmp/iperf.log | tail -n 1 | sed 's/^/# /'
}
be_back() {
	wait_for /sys/class/net/$be 30 && net_into be $be 10.99.0.1
}
# netback ARGS: pvio_netback loaded again with ARGS, a ping flow going.
netback() {
	$IP netns exec be ping -i 0.05 10.99.0.2 >/dev/null 2>&1 &
	png=$!
	sleep 1
	check "rmmod pvio_netback with traffic flowing" rmmod pvio_netback
	check "the frontend's carrier goes down" net_carrier fe $fe 0 10
	kill $png
	wait $png 2>/dev/null
	check "load pvio_netback $*" insmod $PVIO_MODULES/pvio_netback.ko "$@"
	check "its interface comes back" be_back
	check "the frontend's carrier comes up" net_carrier fe $fe 1
}
check "the vif starts with 2 queues of order 8" nshape 2 8
check "iperf3 before" iperf_ok
netback max_queues=1 max_ring_order=5
check "the vif now has 1 queue of order 5" nshape 1 5
check "ping through the smaller backend" ping_ok fe 10.99.0.1
check "iperf3 through the smaller backend" iperf_ok
netback
check "the vif has 2 queues of order 8 again" nshape 2 8
check "ping through the larger backend" ping_ok fe 10.99.0.1
check "iperf3 through the larger backend" iperf_ok
net_pair_down "$link"
check "no kernel splat" \
	sh -c "! dmesg | grep -E 'WARNING:|BUG:|Oops|KASAN|circular locking|hung_task'"
finish
