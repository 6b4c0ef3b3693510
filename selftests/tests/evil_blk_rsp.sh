#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A hostile backend writes block responses of its own into a response
# ring (pvio_region ring-push on pvio_hv's debugfs region) and rings the
# frontend (debugfs pvio_blkfront/<dev>/q<n> "kick"). With the victim's
# disk idle: an id past the ring, an id never issued, a response again
# for a request already answered, a "disk changed" notice on a queue
# other than 0, the response producer index a ring ahead or moved
# backwards: each time the frontend drops the backend with one log line,
# connects afresh and its disk works (fio verify). A capacity notice
# after the backend rewrote its "disk" key with a size whose bytes do not
# fit a loff_t (2^54 sectors, 2^55 - 8) is ignored, a later sane one
# taken, and a direct read works. With a read held in
# the backend (a bytes limit of 128 B/s): its response with the wrong op
# is a protocol break too, and the read, replayed, still succeeds; its
# response with an unknown status fails that read (EIO) and nothing
# else. A second, honest vbd on another link runs fio verify throughout.
# timeout: 600
. /pvio/lib.sh

command -v fio >/dev/null || skip "no fio in the host's /usr"
evil_blk_setup 2
if debug_kernel; then size=4M; else size=16M; fi
region=/sys/kernel/debug/pvio/link$victim/region
fdir=/sys/kernel/debug/pvio_blkfront/link$victim-vbd0-frontend
[ -e $region ] && [ -e $fdir/q0 ] || die "no $region or $fdir/q0"

# le VALUE BYTES: VALUE little-endian in hex (-1 is all ones).
le() {
	_v=$1 _n=$2 _o=
	while [ "$_n" -gt 0 ]; do
		_o=$_o$(printf %02x $((_v & 255)))
		_v=$((_v >> 8))
		_n=$((_n - 1))
	done
	printf %s "$_o"
}

# rsp ID OP STATUS: a response slot in hex.
rsp() {
	printf %s "$(le "$1" 8)$(le "$2" 1)00$(le "$3" 2)00000000"
}

# attach Q: the rings of queue Q (grants, order, debugfs file).
attach() {
	fq=$fdir/q$1
	_k=$(pvio_region $region get-key frontend vbd0/q$1) || return 1
	reqg=$(echo "$_k" | cut -d' ' -f1)
	rspg=$(echo "$_k" | cut -d' ' -f2)
	order=$(pvio_region $region get-key frontend vbd0/rings |
		cut -d' ' -f2)
	[ -n "$order" ] && [ -e $fq ]
}

# idle: queue Q's frontend has no request out: an answer of ours cannot
# race one of the backend's for a slot.
idle() {
	awk '$1 == "shadows" { exit !($3 + 0 == $5 + 0) }' $fdir/q$1
}

broke() {
	dmesg | grep -c "backend broke the protocol, reconnecting"
}

broke_since() {
	[ "$(broke)" -gt "$1" ]
}

connected() {
	wait_until 60 grep -q "connected 1 broken 0" $fq
}

# pushed Q HEX: a response HEX on queue Q's ring, and a kick.
pushed() {
	attach "$1" || return 1
	pvio_region $region ring-push "$rspg" "$order" 16 "$2" $fq >/dev/null
}

# recovered B: one protocol break logged since B break lines (not
# more), the queue connected again and the disk works.
n=0
recovered() {
	wait_until 10 broke_since "$1" || { echo "# no break"; return 1; }
	[ "$(broke)" -eq $(($1 + 1)) ] || { echo "# $(broke) lines"; return 1; }
	connected || return 1
	n=$((n + 1))
	fio_verify $vdisk after$n --rw=randwrite --bs=16k --iodepth=8 \
		--size=4M
}

# breaks Q HEX: the response is a protocol break; as recovered.
breaks() {
	_b=$(broke)
	wait_until 30 idle "$1" || { echo "# queue $1 busy"; return 1; }
	pushed "$1" "$2" || return 1
	recovered "$_b"
}

# index_breaks Q INDEX-EXPRESSION: the response prod set (from the
# frontend's cons, _c), then a kick; as recovered.
index_breaks() {
	wait_until 30 idle "$1" || { echo "# queue $1 busy"; return 1; }
	attach "$1" || return 1
	_b=$(broke)
	_c=$(pvio_region $region ring-get "$rspg" cons) || return 1
	pvio_region $region ring-set "$rspg" prod $(($2)) || return 1
	echo kick >$fq
	recovered "$_b"
}

check "victim's disk works before" fio_verify $vdisk before --rw=write \
	--bs=64k --iodepth=8 --size=$size
fio_verify $hdisk honest --rw=randwrite --bs=16k --iodepth=16 \
	--size=$size --loops=6 &
hpid=$!
dmesg -c >/dev/null

attach 0 || die "cannot find queue 0's rings"
slots=$((1 << order))
check "an id past the ring: a break" breaks 0 "$(rsp $slots 0 0)"
check "an id far past it (2^62): a break" breaks 0 "$(rsp $((1 << 62)) 0 0)"
check "an id never issued: a break" breaks 0 "$(rsp 0 0 0)"
# The last answer again (fio's last write on queue 0 has been answered).
attach 0
last=$(pvio_region $region ring-peek "$rspg" "$order" 16 \
	$(($(pvio_region $region ring-get "$rspg" prod) - 1)))
echo "# queue 0's last answer: $last"
check "an answer again, for a request already answered: a break" \
	breaks 0 "$last"
if [ -e $fdir/q1 ]; then
	check "a disk changed notice on queue 1: a break" \
		breaks 1 "$(rsp -1 0 0)"
else
	echo "# one queue only: no notice on queue 1"
fi
# The capacity: a notice after the backend's "disk" key was rewritten as
# a hostile backend may. The notices are no break: the honest backend's
# index stays behind the ones we pushed, and it would publish its next
# answers where the frontend has read already, kicking nobody (the
# frontend's event index is past them). The index breaks below reset
# the rings before the disk is used again.
# sized SECTORS: the key says SECTORS, then a notice on queue 0.
disk=$(pvio_region $region get-key backend vbd0/disk) || die "no disk key"
dev=${vdisk#/dev/}
sized() {
	wait_until 30 idle 0 || return 1
	pvio_region $region set-key backend vbd0/disk \
		"$1 $(echo "$disk" | cut -d' ' -f2-)" &&
	pushed 0 "$(rsp -1 0 0)"
}
size_is() {
	[ "$(cat /sys/block/$dev/size)" = "$1" ]
}
# huge SECTORS: a notice for SECTORS, whose bytes do not fit a loff_t
# (the block device's i_size would go negative), is ignored: a notice
# for a smaller size after it is taken, and the size never was SECTORS.
huge() {
	_b=$(broke)
	sized "$1" || return 1
	sleep 2		# the frontend's work reads the key meanwhile
	sized $((cap - 2048)) && wait_until 10 size_is $((cap - 2048)) ||
		{ echo "# size $(cat /sys/block/$dev/size)"; return 1; }
	! dmesg | grep -q "resized to $1 " && [ "$(broke)" -eq "$_b" ]
}
cap=$(cat /sys/block/$dev/size)
check "a notice for 2^54 sectors (8 EiB, past a loff_t): ignored" \
	huge $((1 << 54))
check "a notice for 2^55 - 8 sectors: ignored" huge $(((1 << 55) - 8))
restored() {
	sized "$cap" && wait_until 10 size_is "$cap" ||
		{ echo "# size $(cat /sys/block/$dev/size), not $cap"; return 1; }
}
check "a notice for the real size again: taken" restored

check "response prod a ring and one ahead: a break" \
	index_breaks 0 '_c + slots + 1'
check "response prod moved backwards: a break" index_breaks 0 '_c - 1'
check "... a direct read at the real size works" dd if=$vdisk of=/dev/null \
	bs=4k count=1 skip=1000 iflag=direct

# A read held in the backend: the bytes limit lets one 4 KiB read go and
# holds the next for 32 s. held: the queue and the id of that read.
reqs() {
	for _q in $fdir/q*; do
		attach "${_q##*q}" &&
			pvio_region $region ring-get "$reqg" prod
	done | tr '\n' ' '
}
reqs_moved() {
	[ "$(reqs)" != "$_before" ]
}
hold() {
	pvioctl vbd set "$victim" 0 bps 128 || return 1
	dd if=$vdisk of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null ||
		return 1
	_before=$(reqs)
	dd if=$vdisk of=/dev/null bs=4k count=1 skip=100 iflag=direct \
		2>/tmp/held.err &
	dpid=$!
	wait_until 10 reqs_moved
	_after=$(reqs)
	held_q=
	_i=0
	for _p in $_after; do
		[ "$_p" = "$(echo $_before | cut -d' ' -f$((_i + 1)))" ] ||
			held_q=$_i
		_i=$((_i + 1))
	done
	[ -n "$held_q" ] || { echo "# no request: $_before / $_after"; return 1; }
	attach $held_q || return 1
	_s=$(pvio_region $region ring-peek "$reqg" "$order" 128 \
		$(($(pvio_region $region ring-get "$reqg" prod) - 1)))
	held_id=$(echo "$_s" | cut -c1-16)
	echo "# held on queue $held_q: $_s"
	# A read (op 0) of 8 sectors, and not yet answered.
	[ "$(echo "$_s" | cut -c33-34)" = 00 ] && kill -0 $dpid
}
# answer Q ID-HEX OP STATUS: a forged answer for the held read.
answer() {
	pushed "$1" "$2$(le "$3" 1)00$(le "$4" 2)00000000"
}

# wrong_op: the held read's answer as a write: a break; the read,
# replayed once the limit is off, succeeds.
wrong_op() {
	_b=$(broke)
	answer $held_q "$held_id" 1 0 || return 1
	wait_until 10 broke_since "$_b" || { echo "# no break"; return 1; }
	[ "$(broke)" -eq $((_b + 1)) ] || { echo "# $(broke) lines"; return 1; }
	pvioctl vbd set "$victim" 0 bps 0 || return 1
	connected
}

# bad_status: the held read's answer with status 0x7777: that read fails
# (EIO), the queue goes on.
bad_status() {
	_b=$(broke)
	answer $held_q "$held_id" 0 0x7777 || return 1
	wait_until 10 sh -c "! kill -0 $dpid 2>/dev/null" ||
		{ echo "# the read still waits"; return 1; }
	if wait $dpid; then
		echo "# the read succeeded"
		return 1
	fi
	cat /tmp/held.err | sed 's/^/# /'
	grep -q "Input/output error" /tmp/held.err &&
		[ "$(broke)" -eq "$_b" ] && grep -q "connected 1 broken 0" $fq
}

check "a read held in the backend" hold
check "its answer with the wrong op (a write): a break, reconnected" wrong_op
check "... the read, replayed, succeeded" wait $dpid
check "... the victim's disk works" fio_verify $vdisk wrongop \
	--rw=randwrite --bs=16k --iodepth=8 --size=4M
check "a read held again" hold
check "its answer with an unknown status: the read fails, no break" \
	bad_status
check "... the limit off, the victim's disk works" sh -c \
	"pvioctl vbd set $victim 0 bps 0"
check "... fio verify" fio_verify $vdisk badstatus --rw=randwrite \
	--bs=16k --iodepth=8 --size=4M
check "the honest vbd's fio verify passed meanwhile" wait $hpid
check "no request left in flight" sh -c \
	"! grep -q 'in_flight [1-9]' /sys/kernel/debug/pvio_blkback/*/q*"

check "links deleted" sh -c \
	"pvioctl link del $victim && pvioctl link del $honest"
check "unload" pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
rmmod null_blk
finish
