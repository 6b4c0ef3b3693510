#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A hostile frontend writes block requests of its own into its request
# ring (pvio_region ring-push on pvio_hv's debugfs region, the victim's
# own frontend connected but idle and deaf: its response ring's event
# index moved out of reach). Each request breaks one rule of blkif.rst:
# an unknown op or flag, a flag the op does not take, too few or too many
# segments, direct segments past the slot, a bad indirect page, a
# segment past its page or off 512 bytes, segments that do not add up,
# a range past the capacity or wrapping past 2^64, a misaligned range, a
# grant out of the table, revoked, or read-only for a read, a write or a
# discard on a read-only vbd. Each gets the status blkif.rst names in its
# response (id and op echoed), is counted once under its reason in the
# backend's debugfs, moves no data, and costs no log line; a well-formed
# write through the same grant is answered OK (the control). Then the
# request producer index a ring ahead, and moved backwards: each time the
# backend disconnects the frontend with one log line, the frontend
# connects afresh, and the victim's disk works (fio verify). A second,
# honest vbd on another link runs fio verify throughout.
# timeout: 600
. /pvio/lib.sh

command -v fio >/dev/null || skip "no fio in the host's /usr"
# 4 KiB logical blocks: a range of 512-byte sectors can be misaligned.
evil_blk_setup 3 bs=4096 discard=0
ro=$(link_add) || die "cannot add the read-only link"
vbd_add "$ro" /dev/nullb2 readonly || die "cannot add the read-only vbd"
blk_disk_for "$ro" >/dev/null || die "no read-only disk"
if debug_kernel; then size=8M; else size=32M; fi
cap=$(/usr/sbin/blockdev --getsz /dev/nullb0) || die "no capacity"

# le VALUE BYTES: append VALUE's bytes, little-endian, to $_bytes
# (shell arithmetic: 64 bits, -1 is all ones). No subshell: the debug
# kernel forks slowly.
le() {
	_v=$1 _n=$2
	while [ "$_n" -gt 0 ]; do
		_bytes="$_bytes $((_v & 255))"
		_v=$((_v >> 8))
		_n=$((_n - 1))
	done
}

# hex VALUE BYTES...: the pairs little-endian, in hex.
hex() {
	_bytes=
	while [ $# -ge 2 ]; do
		le "$1" "$2"
		shift 2
	done
	# shellcheck disable=SC2086
	printf %02x $_bytes
}

# req OP FLAGS NR_SEGS NR_SECTORS NR_INDIRECT SECTOR [GREF:OFF:LEN...]:
# a request slot in hex, id all ones (what the victim's frontend would
# take for a capacity notice, should it look).
req() {
	_bytes=
	le -1 8
	le "$6" 8
	le "$1" 1
	le "$2" 1
	le "$3" 2
	le "$4" 4
	le "$5" 2
	le 0 6
	shift 6
	for _s in "$@"; do
		le "${_s%%:*}" 4
		_s=${_s#*:}
		le "${_s%%:*}" 2
		le "${_s#*:}" 2
	done
	# shellcheck disable=SC2086
	printf %02x $_bytes
}

# attach LINK: the rings of LINK's queue 0 (grants, order, debugfs).
attach() {
	region=/sys/kernel/debug/pvio/link$1/region
	bq=/sys/kernel/debug/pvio_blkback/link$1-vbd0-backend/q0
	fq=/sys/kernel/debug/pvio_blkfront/link$1-vbd0-frontend/q0
	_q=$(pvio_region $region get-key frontend vbd0/q0) || return 1
	reqg=$(echo "$_q" | cut -d' ' -f1)
	rspg=$(echo "$_q" | cut -d' ' -f2)
	order=$(pvio_region $region get-key frontend vbd0/rings |
		cut -d' ' -f2) || return 1
	[ -n "$order" ] && [ -e "$bq" ] && [ -e "$fq" ] && wait_until 30 idle
}

# idle: the frontend has no request out (its partition scan done): a
# request of ours cannot race one of its own for a slot.
idle() {
	awk '$1 == "shadows" { exit !($3 + 0 == $5 + 0) }' $fq
}

# deafen: the frontend asks for no kick, ever: the backend's answers
# stay in the response ring for us to read (and so do its request slot
# releases).
deafen() {
	_p=$(pvio_region $region ring-get "$rspg" prod) &&
	pvio_region $region ring-set "$rspg" prod_event $((_p + 0x80000000)) &&
	_c=$(pvio_region $region ring-get "$reqg" cons) &&
	pvio_region $region ring-set "$reqg" cons_event $((_c + 0x80000000))
}

# refusals REASON: how many requests the backend refused for REASON.
refusals() {
	awk -v k="$1" '$1 == "refused" {
		for (i = 2; i < NF; i++) if ($i == k) print $(i + 1) }' $bq
}

# answered: the backend's published response index.
answered() {
	pvio_region $region ring-get "$rspg" prod
}

answered_past() {
	[ "$(answered)" -gt "$1" ]
}

# pvio_lines: the pvio modules' log lines so far.
pvio_lines() {
	dmesg | grep -c 'pvio_'
}

# refuse WHAT STATUS REASON OP FLAGS NR_SEGS NR_SECTORS NR_IND SECTOR
# [SEG...]: push the request, wait for its answer: STATUS, id and op
# echoed, REASON counted once (none for "-"), the ring still up.
refuse() {
	_st=$2 _why=$3
	shift 3
	_r0=$(answered) || return 1
	[ "$_why" = - ] || _n0=$(refusals "$_why")
	_i=$(pvio_region $region ring-push "$reqg" "$order" 128 \
		"$(req "$@")" $bq) || return 1
	wait_until 10 answered_past "$_r0" || { echo "# no answer"; return 1; }
	_a=$(pvio_region $region ring-peek "$rspg" "$order" 16 "$_r0")
	echo "# request $_i answered: $_a"
	_want=$(hex -1 8 "$1" 1 0 1 "$_st" 2 0 4)
	[ "$_a" = "$_want" ] || { echo "# expected $_want"; return 1; }
	if [ "$_why" != - ]; then
		_n=$(refusals "$_why")
		[ "$_n" -eq $((_n0 + 1)) ] ||
			{ echo "# $_why: $_n0 -> $_n"; return 1; }
	fi
	grep -q "broken 0" $bq && grep -q "connected 1 broken 0" $fq
}

# Status values (blkif.h).
OK=0 ERROR=1 NOTSUPP=2 INVALID=3
# Ops and flags.
READ=0 WRITE=1 FLUSH=2 DISCARD=3 ZEROES=4 FUA=1 INDIRECT=2

check "victim's disk works before" fio_verify $vdisk before --rw=write \
	--bs=64k --iodepth=8 --size=$size
fio_verify $hdisk honest --rw=randwrite --bs=16k --iodepth=16 \
	--size=$size --loops=4 &
hpid=$!

attach "$victim" || die "cannot find the victim's rings"
deafen || die "cannot deafen the victim's frontend"
# A grant of our own, the last free one of the table (link_add: 4096):
# the request ring's page, writable (the backend only reads it).
g=4095
while [ $g -gt 0 ] && [ "$(pvio_region $region grant-get $g)" != "0 0" ]; do
	g=$((g - 1))
done
page=$(pvio_region $region grant-get "$reqg" | cut -d' ' -f2)
echo "# grant $g for page $page"
pvio_region $region grant-set $g 1 "$page" || die "cannot grant"
# No discard offered (null_blk's discard=0): feature bit 2 of "disk".
feat=$(pvio_region $region get-key backend vbd0/disk | cut -d' ' -f4)
[ $((feat & 4)) -eq 0 ] || die "the vbd offers discard ($feat)"
gseg=$g:0:4096
lines=$(pvio_lines)
broke0=$(dmesg | grep -c 'backend broke the protocol')

check "control: a well-formed 4 KiB write: OK" \
	refuse ctl $OK - $WRITE 0 1 8 0 0 $gseg
check "unknown op 9: NOTSUPP" \
	refuse op $NOTSUPP bad_op 9 0 0 0 0 0
check "unknown flag 0x80: NOTSUPP" \
	refuse flag $NOTSUPP bad_flags $WRITE 0x80 1 8 0 0 $gseg
check "FUA on a read: INVALID" \
	refuse fua $INVALID bad_flags $READ $FUA 1 8 0 0 $gseg
check "indirect on a flush: INVALID" \
	refuse ind $INVALID bad_flags $FLUSH $INDIRECT 0 0 0 0
check "a read without segments: INVALID" \
	refuse noseg $INVALID bad_nr_segs $READ 0 0 0 0 0
check "a write of 1025 segments (above max_segs): INVALID" \
	refuse manyseg $INVALID bad_nr_segs $WRITE $INDIRECT 1025 8200 3 0 \
	$g:0:4096 $g:0:4096 $g:0:8
check "a flush with a segment: INVALID" \
	refuse flushseg $INVALID bad_nr_segs $FLUSH 0 1 0 0 0 $gseg
check "13 direct segments (the slot holds 12): INVALID" \
	refuse direct13 $INVALID bad_indirect $WRITE 0 13 104 0 0 $gseg
check "indirect pages that do not match the segments: INVALID" \
	refuse indcount $INVALID bad_indirect $WRITE $INDIRECT 2 16 2 0 \
	$g:0:16 $g:0:16
check "an indirect page at an offset: INVALID" \
	refuse indoff $INVALID bad_indirect $WRITE $INDIRECT 1 8 1 0 $g:512:8
check "an indirect page through a grant out of the table: INVALID" \
	refuse indgrant $INVALID bad_grant $WRITE $INDIRECT 1 8 1 0 \
	0x7fffffff:0:8
check "more sectors than the segments hold: INVALID" \
	refuse sum $INVALID bad_sum $WRITE 0 1 16 0 0 $gseg
check "segments that add up to less than nr_sectors: INVALID" \
	refuse sum2 $INVALID bad_sum $WRITE 0 2 16 0 0 $gseg $g:0:512
check "write-zeroes of more than 2 GiB: INVALID" \
	refuse zeroes $INVALID bad_sum $ZEROES 0 0 $((0x400008)) 0 0
check "a segment past its page (offset 3584 + 1024): INVALID" \
	refuse segpast $INVALID bad_seg $WRITE 0 2 8 0 0 $g:3584:1024 \
	$g:0:3072
check "a segment off 512 bytes: INVALID" \
	refuse segodd $INVALID bad_seg $WRITE 0 2 8 0 0 $g:100:512 \
	$g:0:3584
check "an empty segment: INVALID" \
	refuse segempty $INVALID bad_seg $WRITE 0 2 8 0 0 $gseg $g:0:0
check "a read at the capacity: INVALID" \
	refuse past $INVALID out_of_range $READ 0 1 8 0 "$cap" $gseg
check "a read across the capacity: INVALID" \
	refuse across $INVALID out_of_range $READ 0 2 16 0 $((cap - 8)) \
	$gseg $gseg
check "a range wrapping past 2^64: INVALID" \
	refuse wrap $INVALID out_of_range $READ 0 2 16 0 -8 $gseg $gseg
check "a discard, which this vbd does not offer: NOTSUPP" \
	refuse discard $NOTSUPP bad_op $DISCARD 0 0 8 0 0
check "a misaligned range (4 KiB blocks, sector 1): INVALID" \
	refuse misaligned $INVALID misaligned $WRITE 0 1 8 0 1 $gseg
check "a write through a grant out of the table: INVALID" \
	refuse gout $INVALID bad_grant $WRITE 0 1 8 0 0 0x7fffffff:0:4096
check "a read through the same: INVALID" \
	refuse gout2 $INVALID bad_grant $READ 0 1 8 0 0 0x7fffffff:0:4096
pvio_region $region grant-set $g 3 "$page"	# read-only
check "a read into a read-only grant: INVALID" \
	refuse grdonly $INVALID bad_grant $READ 0 1 8 0 0 $gseg
pvio_region $region grant-set $g 0 "$page"	# revoked
check "a write from a revoked grant: INVALID" \
	refuse grevoked $INVALID bad_grant $WRITE 0 1 8 0 0 $gseg
check "a read into a revoked grant: INVALID" \
	refuse grevoked2 $INVALID bad_grant $READ 0 1 8 0 0 $gseg
pvio_region $region grant-set $g 1 "$page"
check "control again: the same write through the grant restored: OK" \
	refuse ctl2 $OK - $WRITE 0 1 8 0 0 $gseg
check "... no log line for any of them" test "$(pvio_lines)" -le "$lines"
check "... and the victim's frontend saw none of them" \
	test "$(dmesg | grep -c 'backend broke the protocol')" -eq "$broke0"

# The read-only vbd: writes fail with ERROR, reads work.
attach "$ro" || die "cannot find the read-only link's rings"
deafen || die "cannot deafen the read-only link's frontend"
pvio_region $region grant-set $g 1 \
	"$(pvio_region $region grant-get "$reqg" | cut -d' ' -f2)" ||
	die "cannot grant"
check "read-only vbd: a write: ERROR" \
	refuse rowrite $ERROR readonly $WRITE 0 1 8 0 0 $gseg
check "read-only vbd: a write-zeroes: ERROR" \
	refuse rozero $ERROR readonly $ZEROES 0 0 8 0 0

# The request producer index moved where no honest producer puts it: the
# backend disconnects the frontend (one line), which connects afresh.
disconnects() {
	dmesg | grep -c 'disconnecting the frontend'
}
disconnected_since() {
	[ "$(disconnects)" -gt "$1" ]
}
connected() {
	wait_until 60 grep -q "connected 1 broken 0" $fq
}

# bad_prod WHAT VALUE-EXPRESSION: set prod (from cons) and kick.
bad_prod() {
	attach "$victim" || return 1
	_d=$(disconnects)
	_c=$(pvio_region $region ring-get "$reqg" cons) || return 1
	pvio_region $region ring-set "$reqg" prod $(($2)) || return 1
	echo kick >$bq
	wait_until 10 disconnected_since "$_d" || return 1
	echo "# $(dmesg | grep 'disconnecting the frontend' | tail -n 1)"
	[ "$(disconnects)" -eq $((_d + 1)) ] || return 1
	connected
}
size_slots=$((1 << order))
check "request prod a ring and one ahead: disconnected, reconnected" \
	bad_prod ahead '_c + size_slots + 1'
check "... the victim's disk works again" fio_verify $vdisk after1 \
	--rw=randwrite --bs=32k --iodepth=16 --size=$size
check "request prod moved backwards: disconnected, reconnected" \
	bad_prod back '_c - 1'
check "... the victim's disk works again" fio_verify $vdisk after2 \
	--rw=randwrite --bs=32k --iodepth=16 --size=$size
check "the honest vbd's fio verify passed meanwhile" wait $hpid
check "no request left in flight" sh -c \
	"! grep -q 'in_flight [1-9]' /sys/kernel/debug/pvio_blkback/*/q*"

check "links deleted" sh -c \
	"pvioctl link del $victim && pvioctl link del $ro && pvioctl link del $honest"
check "unload" pvio_rmmod pvio_blkfront pvio_blkback pvio_loop pvio_hv
rmmod null_blk
finish
