#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A backend that floods its response ring with "disk changed" notices
# (PVIO_BLKIF_ID_CHANGED), written into the shared region as a hostile
# driver domain can (pvio_region ring-flood on pvio_hv's debugfs region):
# the frontend takes the first notice, calls the second while it waits a
# protocol break, logs one line and reconnects; its disk works again (fio
# verify) and a second, honest vbd's fio verify, running meanwhile on
# another link, passes. Then five more floods, each once the queue is
# back, while the victim's own I/O runs: each is a break, the guest stays
# responsive and the victim's disk works again afterwards. (Under I/O the
# honest backend may publish its own index over a flood's before the
# frontend reads it, about one flood in 15: such a flood is never seen,
# and it is written again.)
# timeout: 600
. /pvio/lib.sh

command -v fio >/dev/null || skip "no fio in the host's /usr"
evil_blk_setup 2

region=/sys/kernel/debug/pvio/link$victim/region
q0=/sys/kernel/debug/pvio_blkfront/link$victim-vbd0-frontend/q0
[ -e $region ] && [ -e $q0 ] || die "no $region or $q0"
if debug_kernel; then size=8M; else size=32M; fi

# flood ROUNDS [KICK]: CHANGED notices, a ring ahead, ROUNDS times, on
# the victim's queue 0 response ring (its grant from the frontend's key).
flood() {
	_q=$(pvio_region $region get-key frontend vbd0/q0) || return 1
	_rings=$(pvio_region $region get-key frontend vbd0/rings) || return 1
	_rsp=$(echo "$_q" | cut -d' ' -f2)
	_order=$(echo "$_rings" | cut -d' ' -f2)
	pvio_region $region ring-flood "$_rsp" "$_order" 16 \
		ffffffffffffffff "$@"
}

# flooded ROUNDS: flood with a kick per round; says how much it wrote.
flooded() {
	_out=$(flood "$1" $q0) || return 1
	echo "# $_out"
}

# broke: the frontend's "reconnecting" lines since the log was cleared.
broke() {
	dmesg | grep -c "backend broke the protocol, reconnecting"
}

# broke_since N: more than N reconnect lines.
broke_since() {
	[ "$(broke)" -gt "$1" ]
}

# connected: the victim's queue 0 is connected again (60 s).
connected() {
	wait_until 60 grep -q "connected 1 broken 0" $q0
}

# reflood: flood once more: the queue breaks again (one more line) and
# connects again. The victim's own I/O runs meanwhile, so its honest
# backend produces on the same ring: when it publishes its own index
# after the flood wrote one, before the frontend read the flood's, the
# flood is gone unseen (the slots past the backend's index are never
# read, then overwritten by its next answers). Such a flood is no
# flood; flood again, at most 5 times, and count them.
lost=0
reflood() {
	_b=$(broke)
	_try=0
	while [ $_try -lt 5 ]; do
		_out=$(flood 1 $q0) || return 1
		if wait_until 3 broke_since "$_b"; then
			connected
			return
		fi
		lost=$((lost + 1))
		_try=$((_try + 1))
		echo "# flood unseen ($_out); now: $(grep -A2 '^responses' $q0 |
			tr -s '\n ' ' ')"
	done
	return 1
}

check "victim's disk works before" fio_verify $vdisk before --rw=write \
	--bs=64k --iodepth=8 --size=$size
fio_verify $hdisk honest --rw=randwrite --bs=16k --iodepth=16 \
	--size=$size --loops=3 &
hpid=$!

dmesg -c >/dev/null
check "one round of notices: flooded" flooded 1
wait_until 10 broke_since 0
echo "# $(broke) reconnect lines"
check "... a protocol break, logged once" test "$(broke)" -eq 1
check "... the queue connects again" connected
check "... the victim's disk works again" fio_verify $vdisk after1 \
	--rw=randwrite --bs=32k --iodepth=16 --size=$size

# Floods again and again while the victim's I/O runs, each once the
# queue is back (a flood on a broken queue writes nothing: its ring is
# full and nobody takes from it); its fio may fail, not hang.
dmesg -c >/dev/null
fio --name=busy --filename=$vdisk --direct=1 --ioengine=libaio \
	--rw=randrw --bs=16k --iodepth=32 --size=$size --time_based \
	--runtime=20 >/dev/null 2>&1 &
bpid=$!
sleep 2
rounds=0
while [ $rounds -lt 5 ] && reflood; do
	rounds=$((rounds + 1))
done
check "5 floods while the victim is busy, each one recovered" \
	test $rounds -eq 5
wait $bpid
n=$(broke)
echo "# $n reconnect lines, $lost floods undone by the honest backend"
check "... every flood a break, at most two lines per flood" \
	test "$n" -ge 5 -a "$n" -le 10
check "... the queue connects again" connected
check "... the victim's disk works again" fio_verify $vdisk after2 \
	--rw=randwrite --bs=32k --iodepth=16 --size=$size
check "the honest vbd's fio verify passed meanwhile" wait $hpid
check "no request left in flight" sh -c \
	"! grep -q 'in_flight [1-9]' /sys/kernel/debug/pvio_blkback/*/q*"

check "links deleted" sh -c "pvioctl link del $victim && pvioctl link del $honest"
check "unload" pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
rmmod null_blk
finish
