#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A vif's rate limit holds what the guest sends: iperf3 TCP from the
# frontend under 20 Mbit/s, then (pvioctl vif set, while connected)
# 50 Mbit/s, never goes more than 15 % above the limit and reaches at
# least half of it; the backend's polls did wait for credit (nothing
# dropped: the guest's ring held it back). The limit shows in vif show,
# -j and sysfs; the monitor sees the change; bad values are refused with
# the kernel's reason and change nothing. The exact figures belong to
# make bench; these bounds are wide enough for a loaded TCG machine.
# timeout: 300
. /pvio/lib.sh

command -v python3 >/dev/null || skip "no python3 in the host's /usr"
net_load || die "cannot load the network modules"
link=$(link_add) || die "cannot add a link"
# 20 Mbit/s: 2500000 bytes per second.
vif_add "$link" rate 2500000 || die "cannot add the vif"
net_pair_up "$link"
sysfs=/sys/bus/pvio/devices/link$link-vif0-backend

check "vif show: the rate" sh -c \
	"pvioctl vif show $link 0 | grep -q ' rate 2500000 burst 0 '"
check "sysfs: the rate" test "$(cat $sysfs/rate)" = 2500000

# throttled: how often the backend's polls waited for credit.
throttled() {
	$IP netns exec be ethtool -S $be 2>/dev/null |
		sed -n 's/^ *q[0-9]*_rx_throttled: //p' |
		awk '{ s += $1 } END { print s + 0 }'
}

# rate_ok LIMIT_BYTES: 6 s of iperf3 TCP from the frontend, the first
# second (the bucket's burst) left out; the receiver's rate within
# [LIMIT / 2, LIMIT * 1.15].
rate_ok() {
	$IP netns exec be timeout 60 iperf3 -s -1 >/dev/null 2>&1 &
	isrv=$!
	net_listening be 5201 || { kill $isrv; return 1; }
	$IP netns exec fe timeout 60 iperf3 -c 10.99.0.1 -t 6 -O 1 -J \
		>/tmp/iperf3.json 2>&1
	_r=$?
	wait $isrv
	[ $_r -eq 0 ] || { head -c 2000 /tmp/iperf3.json; return 1; }
	python3 -c '
import json, sys
bps = json.load(open("/tmp/iperf3.json"))["end"]["sum_received"]["bits_per_second"]
limit = int(sys.argv[1]) * 8
print("# received %.1f Mbit/s under a limit of %.1f Mbit/s (%.0f %%)"
      % (bps / 1e6, limit / 1e6, 100 * bps / limit))
sys.exit(0 if limit / 2 <= bps <= limit * 1.15 else 1)' "$1"
}

t0=$(throttled)
check "20 Mbit/s: iperf3 within the limit and at least half of it" \
	rate_ok 2500000
t1=$(throttled)
echo "# polls that waited for credit: $t0 -> $t1"
check "... the backend waited for credit" test "$t1" -gt "$t0"
check "... and dropped nothing" test "$(net_stat be $be rx_dropped)" = 0

pvioctl -j monitor >/tmp/monitor.out 2>&1 &
mon=$!
sleep 1
check "vif set rate 50 Mbit/s" pvioctl vif set "$link" 0 rate 6250000
check "vif show -j: the new rate" sh -c \
	"pvioctl -j vif show $link 0 | grep -q '\"rate\":6250000,\"burst\":0,'"
check "sysfs: the new rate" test "$(cat $sysfs/rate)" = 6250000
check "50 Mbit/s: iperf3 within the new limit and at least half of it" \
	rate_ok 6250000
kill $mon
check "the monitor saw the change" \
	grep -q '"event":"change","vif":{.*"rate":6250000' /tmp/monitor.out

check "vif set burst alone" pvioctl vif set "$link" 0 burst 300000
check "sysfs: the burst" test "$(cat $sysfs/burst)" = 300000

# refused CMD... EXPECTED: fails, saying EXPECTED, and the rate stays.
refused() {
	_want=$1
	shift
	"$@" 2>/tmp/err.out && return 1
	sed 's/^/# /' /tmp/err.out
	grep -q "$_want" /tmp/err.out &&
		test "$(cat $sysfs/rate) $(cat $sysfs/burst)" = "6250000 300000"
}
check "a burst without a rate is refused" \
	refused "a burst needs a rate" \
	pvioctl vif set "$link" 0 rate 0 burst 1000
check "a rate above 2^32-1 bytes/s is refused" \
	refused "attribute rate" \
	pvioctl vif set "$link" 0 rate 4294967296
check "vif set with nothing is refused" \
	refused "nothing to change" pvioctl vif set "$link" 0
check "vif set of no such vif is refused" \
	refused "no such vif" pvioctl vif set "$link" 1 rate 1000
check "vif add with a burst and no rate is refused" \
	refused "a burst needs a rate" \
	pvioctl vif add "$link" index 1 burst 1000

check "vif set rate 0: no limit" pvioctl vif set "$link" 0 rate 0
check "sysfs: no rate" test "$(cat $sysfs/rate) $(cat $sysfs/burst)" = "0 0"

net_pair_down "$link"
finish
