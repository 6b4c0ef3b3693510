#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The frontend takes its rings back while the backend is between reading
# Initialised and going Connected (Documentation/blkif.rst, "The ring
# nonce"). debugfs pvio/hold_connect holds the backend exactly there,
# with the frontend's nonce claimed and its rings mapped; meanwhile:
#  vbd: (1) the frontend unbound: its removal waits for the held backend,
#       which lets go on release without going Connected; (2) the vbd
#       deleted (pvioctl vbd del), the same; (3) the frontend unbound and
#       bound again, with the backend held past the removal's 5 s: the old
#       pages are left unused and the new rings published; on release the
#       backend drops the stale rings and connects on the new ones, and
#       fio verifies through the disk;
#  vif: (4) the frontend unbound, as (1); (5) ethtool -L while held:
#       it waits for the backend (the stack shows the new queues at
#       once, a second change is refused meanwhile) and returns once
#       the backend, released, connected on the new rings; (6) ethtool -G
#       with the backend held past ethtool's bound (10 s): it fails, the
#       old ring size comes back and the carrier goes off; the rings it
#       had published are left unused after 5 s more, as (3), and both
#       ends connect on the old size once the backend is released; ping
#       and iperf3 through the vif after each.
# Then everything unloads.
# timeout: 600
. /pvio/lib.sh

command -v fio >/dev/null || skip "no fio in the host's /usr"
command -v ethtool >/dev/null || skip "no ethtool in the host's /usr"
H=/sys/kernel/debug/pvio/hold_connect
nullb_load || die "cannot load null_blk"
pvio_insmod pvio_hv pvio_loop pvio_blkback pvio_blkfront pvio_netback \
	pvio_netfront || die "cannot load the modules"
test -e $H || die "no $H"

hold() { echo "$1" >$H; }
held() { grep -q 'held [1-9]' $H; }
# klog: the kernel log since the test began (never cleared: the harness
# reads it after us).
klog_start=$(($(dmesg | wc -l) + 1))
klog() { dmesg | tail -n +$klog_start; }
# log_count TEXT: lines of klog with TEXT.
log_count() {
	klog | grep -c -- "$1"
}
state() { cat /sys/bus/pvio/devices/$1/state 2>/dev/null; }
# both_connected DEV: both ends of DEV (link0-vbd0, ...) are Connected.
both_connected() {
	[ "$(state $1-frontend)" = Connected ] &&
		[ "$(state $1-backend)" = Connected ]
}
# unbind_bg DRIVER DEVICE: unbind in the background; sets $ub.
unbind_bg() {
	sh -c "echo $2 >/sys/bus/pvio/drivers/$1/unbind" &
	ub=$!
}
bind() { echo "$2" >/sys/bus/pvio/drivers/$1/bind; }
unbind() { echo "$2" >/sys/bus/pvio/drivers/$1/unbind; }
# bind_held DRIVER DEVICE: bind, and the backend is held connecting.
bind_held() { bind "$1" "$2" && wait_until 30 held; }
# is_state DEVICE STATE / wait_state DEVICE STATE (up to 30 s)
is_state() { [ "$(state $1)" = "$2" ]; }
wait_state() { wait_until 30 is_state "$1" "$2"; }
still_running() { kill -0 "$1" 2>/dev/null; }

# === the vbd ===================================================================
link=$(link_add)
vbd=link$link-vbd0
size=32M
debug_kernel && size=8M

# (1) the frontend unbound while the backend connects -------------------------
# Not held while the vbd is added: the held backend keeps its vbd's lock,
# which netlink's vbd calls take too.
vbd_add "$link" /dev/nullb0 || die "cannot add the vbd"
check "vbd: both ends connect" wait_until 30 both_connected $vbd
blk_disk_for "$link" >/dev/null && sleep 1	# its partition scan done
check "unbind the frontend" unbind pvio_blkfront $vbd-frontend
hold 1
connected_before=$(log_count "$vbd-backend: connected")
check "bind it: the backend is held between Initialised and Connected" \
	bind_held pvio_blkfront $vbd-frontend
check "... the frontend is Initialised" test "$(state $vbd-frontend)" = Initialised
unbind_bg pvio_blkfront $vbd-frontend
sleep 1
check "unbind the frontend: it waits for the held backend" still_running $ub
hold 0
check "... and ends once the backend is released" wait $ub
check "... the backend let go of the rings" \
	test "$(log_count "$vbd-backend: frontend took its rings back")" -eq 1
check "... it never went Connected" \
	test "$(log_count "$vbd-backend: connected")" -eq "$connected_before"
check "... it waits in InitWait" test "$(state $vbd-backend)" = InitWait
check "... no page was left unused" \
	test "$(log_count "leaving their pages unused")" -eq 0
check "bind the frontend again" bind pvio_blkfront $vbd-frontend
check "... both ends connect" wait_until 30 both_connected $vbd
disk=$(blk_disk_for "$link") || die "no disk"
check "... fio verifies through /dev/$disk" \
	fio_verify /dev/$disk one --rw=randwrite --bs=16k --iodepth=16 --size=$size

# (3) unbound and bound again while the backend is held past 5 s -------------
check "unbind the frontend" unbind pvio_blkfront $vbd-frontend
hold 1
check "bind it: the backend is held again" \
	bind_held pvio_blkfront $vbd-frontend
connected_before=$(log_count "$vbd-backend: connected")
unbind_bg pvio_blkfront $vbd-frontend
check "unbind it again: it ends after 5 s, the pages left unused" wait $ub
check "... and says so" test "$(log_count "$vbd-frontend: backend still holds the rings")" -eq 1
check "bind it: new rings published while the backend holds the old" \
	bind pvio_blkfront $vbd-frontend
check "... the frontend is Initialised" \
	wait_state $vbd-frontend Initialised
check "... the backend still held, not Connected" \
	test "$(state $vbd-backend)" = InitWait
hold 0
check "release: both ends connect" wait_until 30 both_connected $vbd
check "... the backend dropped the stale rings first" \
	test "$(log_count "$vbd-backend: frontend took its rings back")" -eq 2
check "... and connected once, on the new ones" \
	test "$(log_count "$vbd-backend: connected")" -eq $((connected_before + 1))
disk=$(blk_disk_for "$link") || die "no disk"
check "... fio verifies through /dev/$disk" \
	fio_verify /dev/$disk three --rw=randwrite --bs=16k --iodepth=16 --size=$size

# (2) the vbd deleted while the backend connects ------------------------------
check "unbind the frontend" unbind pvio_blkfront $vbd-frontend
hold 1
check "bind it: the backend is held" \
	bind_held pvio_blkfront $vbd-frontend
pvioctl vbd del "$link" 0 &
del=$!
sleep 1
check "pvioctl vbd del: it waits for the held backend" still_running $del
hold 0
check "... and succeeds once it is released" wait $del
check "... both devices are gone" \
	test -z "$(ls /sys/bus/pvio/devices | grep "link$link-")"
check "link deleted" pvioctl link del "$link"

# === the vif ===================================================================
link=$(link_add)
vif=link$link-vif0
vif_add "$link" queues 2 || die "cannot add the vif"
net_pair_up "$link"
fe_et() { $IP netns exec fe ethtool "$@"; }
# et_bg ARGS: ethtool on the frontend in the background, its exit status
# into /tmp/et.rc when it ends; sets $et.
et_bg() {
	rm -f /tmp/et.rc
	sh -c "$IP netns exec fe ethtool $*; echo \$? >/tmp/et.rc" &
	et=$!
}
# et_rc: the background ethtool ended with status 0.
et_rc() { wait $et; [ "$(cat /tmp/et.rc)" = 0 ]; }
queues() { echo $($IP netns exec fe ls /sys/class/net/$fe/queues); }
# unused_logged: the frontend said it leaves its old pages unused.
unused_logged() {
	klog | grep -q "$vif-frontend: backend still holds the rings"
}
combined() {
	$IP netns exec "$1" ethtool -l "$2" |
		sed -n '/^Current/,$s/^Combined:[[:space:]]*//p'
}
ring() {
	$IP netns exec "$1" ethtool -g "$2" |
		sed -n '/^Current/,$s/^RX:[[:space:]]*//p'
}
ping_ok() {
	$IP netns exec fe ping -c 3 -W 5 10.99.0.1 >/tmp/ping.log 2>&1 ||
		{ cat /tmp/ping.log; return 1; }
}
# traffic_ok: iperf3 for 3 s, and both ends counted what went through.
traffic_ok() {
	_rx=$(net_stat be $be rx_bytes)
	$IP netns exec be timeout 60 iperf3 -s -1 >/dev/null 2>&1 &
	_srv=$!
	net_listening be 5201 || return 1
	$IP netns exec fe timeout 60 iperf3 -c 10.99.0.1 -t 3 >/tmp/iperf.log 2>&1 ||
		{ tail -n 5 /tmp/iperf.log; return 1; }
	wait $_srv
	_got=$(($(net_stat be $be rx_bytes) - _rx))
	echo "# the backend received $_got bytes"
	[ "$_got" -gt 1000000 ]
}
check "vif: ping" ping_ok

# (4) the frontend unbound while the backend connects -------------------------
check "unbind the frontend" unbind pvio_netfront $vif-frontend
hold 1
check "bind it: the backend is held" \
	bind_held pvio_netfront $vif-frontend
unbind_bg pvio_netfront $vif-frontend
sleep 1
check "unbind it again: it waits for the held backend" still_running $ub
hold 0
check "... and ends once the backend is released" wait $ub
check "... the backend let go of the rings" \
	test "$(log_count "$be: frontend took its rings back")" -eq 1
check "... it waits in InitWait" test "$(state $vif-backend)" = InitWait
check "... no page was left unused" \
	test "$(log_count "$vif-frontend: backend still holds the rings")" -eq 0
check "bind it again" bind pvio_netfront $vif-frontend
fe=$(net_fe_for "$link")
check "... its interface comes back" net_into fe "$fe" 10.99.0.2
check "... the carrier comes up" net_carrier fe "$fe" 1
check "... ping" ping_ok

# (5) ethtool -L while the backend connects -----------------------------------
hold 1
et_bg -L "$fe" combined 1
check "ethtool -L combined 1: the backend is held connecting" \
	wait_until 30 held
check "... ethtool waits for it" still_running $et
check "... the stack shows one queue each way already" \
	test "$(queues)" = "rx-0 tx-0"
check "... ethtool -L combined 2 meanwhile: refused (busy)" \
	sh -c "! $IP netns exec fe ethtool -L $fe combined 2 2>/dev/null"
hold 0
check "release: ethtool -L returns success" et_rc
check "... both ends are connected at once" both_connected $vif
check "... the carrier is on" net_carrier fe "$fe" 1 0
check "... one queue at both ends" \
	test "$(combined fe $fe) $(combined be $be)" = "1 1"
check "... no stale rings: the backend connected on the new ones" \
	test "$(log_count "$be: frontend took its rings back")" -eq 1
check "... no page was left unused" \
	test "$(log_count "$vif-frontend: backend still holds the rings")" -eq 0
check "... ping" ping_ok
check "... iperf3" traffic_ok
check "ethtool -L combined 2" fe_et -L "$fe" combined 2
check "... two queues at both ends" \
	test "$(combined fe $fe) $(combined be $be)" = "2 2"

# (6) ethtool -G with the backend held past ethtool's bound -------------------
old_ring=$(ring fe $fe)
hold 1
et_bg -G "$fe" rx 128 tx 128
check "ethtool -G rx 128 tx 128: the backend is held connecting" \
	wait_until 30 held
wait $et
check "... ethtool -G failed (the backend did not connect in time)" \
	test "$(cat /tmp/et.rc)" != 0
check "... the old ring size is back" test "$(ring fe $fe)" = "$old_ring"
check "... the carrier is off" net_carrier fe "$fe" 0 0
check "... after 5 s more the pages it published are left unused" \
	wait_until 30 unused_logged
check "... and rings of the old size published" \
	wait_state $vif-frontend Initialised
hold 0
check "release: both ends connect" wait_until 30 both_connected $vif
check "... the carrier comes up" net_carrier fe "$fe" 1
check "... the backend dropped the stale rings" \
	test "$(log_count "$be: frontend took its rings back")" -eq 2
check "... rings of the old size at both ends" \
	test "$(ring fe $fe) $(ring be $be)" = "$old_ring $old_ring"
check "... ping" ping_ok
check "... iperf3" traffic_ok

check "the kernel log has no warning" \
	sh -c "! dmesg | tail -n +$klog_start | grep -E 'WARNING:|BUG:|KASAN|illegal state'"
klog | grep -E 'pvio|hold_connect' | sed 's/^/# /' | tail -n 80
check "unload the block modules" pvio_rmmod pvio_blkfront pvio_blkback
net_pair_down "$link"
finish
