#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A guest's part of recover_dd_kill.host.sh: the `run =` script of each
# guest of scripts/demo.cfg while the host kills and restarts the driver
# domain under it. Two things run at once until the VM is stopped:
# * fio rounds on the pvio disk: 4 KiB random writes at QD32, crc32c
#   verify of each block while writing (verify_backlog) and of all of
#   them at the end; one line per round:
#     DEMO name=NAME what=round-start n=N
#     DEMO name=NAME what=round-io n=N      (its I/O has begun)
#     DEMO name=NAME what=round n=N wiops=.. riops=.. err=E rc=RC replays=R
#   (R: the requests the frontend replayed to a new backend so far)
# * one iperf3 TCP connection guest->guest through the driver domain's
#   bridge for the whole run (the client, demoiperf=client, reports each
#   interval; the connection must outlive every restart):
#     DEMO name=NAME what=iperf-tick mbit=R
#     DEMO name=NAME what=iperf-end rc=RC   (the connection ended)
# On the debug kernel, after each round during which its frontends
# reconnected, a kmemleak scan (demo_lib.sh's leakscan): the reconnect
# and replay paths must leave nothing behind.
#     DEMO name=NAME what=kmemleak leaks=N
# Parameters, from the kernel command line: demo_lib.sh's, and
#   demodd=A.B.C.D    the driver domain, pinged before starting
#   demosize=SIZE     each fio round's size (default 8m)
#   demorate=RATE     iperf3's target rate (-b, default 20M): leave the
#                     CPUs to fio as well
# shellcheck source=selftests/tests/parts/demo_lib.sh
. /pvio/parts/demo_lib.sh
dd=$(arg demodd)
size=$(arg demosize)
size=${size:-8m}
rate=$(arg demorate)
rate=${rate:-20M}

demo_devices || exit 1
wait_ping "$peer" $dd
out "what=net-up ip=$ip"

# The guest->guest connection: the server answers one client (the
# restarts must not make a second one), the client reports every 2 s.
if [ "$iperf" = server ]; then
	(iperf3 -s -1 >/tmp/iperf-server 2>&1
	 out "what=iperf-end rc=$?") &
else
	(sleep 3
	 { iperf3 -c "$peer" -t 3600 -i 2 -b "$rate" -f m --forceflush 2>&1
	   echo "iperf3-rc=$?"; } |
		awk -v name="$name" '
		/^iperf3-rc=/ {
			sub(/.*=/, "")
			printf "DEMO name=%s what=iperf-end rc=%d\n", name, $0
			next
		}
		/bits\/sec/ && !/sender|receiver/ {
			for (i = 1; i <= NF; i++)
				if ($i ~ /bits\/sec$/)
					r = $(i - 1) * ($i ~ /^G/ ? 1000 : $i ~ /^K/ ? 0.001 : $i ~ /^M/ ? 1 : 0.000001)
			printf "DEMO name=%s what=iperf-tick mbit=%.1f\n", name, r
			fflush()
		}
		/error/ { print "iperf3: " $0; fflush() }') &
fi

# replays: the requests pvio_blkfront resubmitted after losing a backend,
# over all its vbds (pvioctl's JSON, one key per vbd).
replays() {
	pvioctl -j vbd show 2>/dev/null | tr ',{}' '\n\n\n' |
		sed -n 's/^ *"replays": *\([0-9]*\).*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }'
}

# reconnects: the times this guest's frontends reconnected, all devices.
reconnects() {
	cat /sys/bus/pvio/devices/*-frontend/reconnects 2>/dev/null |
		awk '{ s += $1 } END { print s + 0 }'
}

n=0 scanned=0
while :; do
	n=$((n + 1))
	out "what=round-start n=$n"
	# Once this round's I/O has begun (the disk completed a request since
	# the round started, or holds one): the host kills then. Not "once
	# requests are in flight": fio is busy checksumming under TCG and
	# the backend answers fast, so the queue is empty most of the time
	# and a 0.2 s poll of it missed whole rounds; the kills still find
	# requests in flight often enough (the host checks the replays).
	(stat=/sys/block/${disk##*/}/stat
	 base=$(awk '{ print $1 + $5 }' "$stat")
	 until awk -v b="$base" '{ exit !($1 + $5 > b || $9 > 0) }' "$stat"; do
		sleep 0.2
	 done
	 out "what=round-io n=$n") &
	io=$!
	fio --name=round --filename="$disk" --direct=1 --ioengine=libaio \
		--rw=randwrite --bs=4k --iodepth=32 --size="$size" \
		--verify=crc32c --verify_backlog=256 --verify_fatal=1 \
		--do_verify=1 --output-format=terse --terse-version=3 \
		>/tmp/fio.round 2>&1
	rc=$?
	kill $io 2>/dev/null
	awk -F';' -v rc=$rc -v n=$n -v name="$name" -v rp="$(replays)" '
	NF > 50 && $1 == 3 {
		printf "DEMO name=%s what=round n=%d wiops=%d riops=%d err=%d rc=%d replays=%d\n",
			name, n, $49, $8, $5, rc, rp
		found = 1
	}
	END { if (!found) printf "DEMO name=%s what=round n=%d err=1 rc=%d msg=no-output\n", name, n, rc }
	' /tmp/fio.round
	[ $rc = 0 ] || sed 's/^/fio: /' /tmp/fio.round | tail -n 15
	r=$(reconnects)
	if [ "$r" != "$scanned" ]; then
		leakscan
		scanned=$r
	fi
done
