#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A guest's part of the cross-VM benchmark (scripts/bench-xvm.sh): the
# `run =` script of the two pvio guests, and the pviorun= script of the
# two VMs that do the same through QEMU's virtio-blk and virtio-net.
# Parameters: demo_lib.sh's, and benchsecs=N (fio's seconds per job,
# default 5) and benchsize=SIZE (the area of the disk the jobs use,
# default 160m). First the guest with demoiperf=client (g2, v2) fills
# its area (what=fill: the seqwrite job below); then the other (g1, v1)
# runs the one-guest jobs while it waits:
#   what=seqwrite  1 MiB sequential writes, QD8, over the area with
#                  crc32c verify, which also fills what the reads read
#   what=seqread   1 MiB sequential reads, QD8
#   what=qd1       4 KiB random reads, QD1: p50, p99 completion latency
#   what=qd32      4 KiB random reads, QD32: IOPS
# then both guests run the QD32 job at once (what=both), and the other
# guest runs iperf3 to this one with 1 and 4 streams (what=tcp1, tcp4)
# and 200 pings 20 ms apart (what=ping: p50, p99; what=pingrtt: every
# round trip, us=N,N,...).
# Each line has err= (fio's error count, iperf3 or ping failures) and
# rc= (the program's exit status).
# shellcheck source=selftests/tests/parts/demo_lib.sh
. /pvio/parts/demo_lib.sh
bsecs=$(arg benchsecs)
bsecs=${bsecs:-5}
bsize=$(arg benchsize)
bsize=${bsize:-160m}
# TCP port of the barriers between the two guests.
SYNC_PORT=5300

# fio_job TAG OPTIONS...: one fio job on the disk; one line with its
# rate, completion latency p50/p99 (us), error count and exit status.
fio_job() {
	_tag=$1
	shift
	fio --name="$_tag" --filename="$disk" --direct=1 --ioengine=libaio \
		--size="$bsize" --output-format=terse --terse-version=3 "$@" \
		>/tmp/fio.$_tag 2>&1
	_rc=$?
	awk -F';' -v rc=$_rc -v tag="$_tag" -v name="$name" '
	function pct(first, want,   i, kv) {
		for (i = first; i < first + 20; i++) {
			split($i, kv, "%=")
			if (kv[1] + 0 == want)
				return kv[2]
		}
		return "-"
	}
	NF > 80 && $1 == 3 {
		w = ($6 == 0)	# no reads: a write job
		o = w ? 41 : 0	# the write fields follow the read ones
		printf "DEMO name=%s what=%s iops=%d mbps=%.1f p50us=%s p99us=%s err=%d rc=%d\n",
			name, tag, $(8 + o), $(7 + o) * 1024 / 1e6,
			pct(18 + o, 50), pct(18 + o, 99), $5, rc
		found = 1
	}
	END { if (!found) printf "DEMO name=%s what=%s err=1 rc=%d msg=no-output\n", name, tag, rc }
	' /tmp/fio.$_tag
	[ $_rc = 0 ] || sed 's/^/fio: /' /tmp/fio.$_tag | tail -n 15
}

# timed: fio's options for a run of bsecs seconds after a second's ramp.
timed() {
	echo "--time_based --runtime=$bsecs --ramp_time=1"
}

# sync_peers K: both guests pass here together (within a connect): the
# server end listens on SYNC_PORT + K, the client connects until it can.
sync_peers() {
	_port=$((SYNC_PORT + $1))
	if [ "$iperf" = server ]; then
		timeout 600 nc -l -p $_port </dev/null >/dev/null 2>&1
		return
	fi
	_i=0
	until nc -w 1 "$peer" $_port </dev/null >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ $_i -ge 6000 ] && { out "what=error msg=sync-$1"; return 1; }
		usleep 100000
	done
}

# iperf_job TAG STREAMS: iperf3 TCP to the peer for $secs s; the
# receiver's rate.
iperf_job() {
	iperf3 -c "$peer" -P "$2" -t "$secs" -f m >/tmp/iperf.$1 2>&1
	_rc=$?
	# With -P N the [SUM] lines come last: the last receiver line wins.
	awk -v name="$name" -v tag="$1" -v rc=$_rc '
	/receiver$/ { mbit = $(NF - 2); found = 1 }
	END {
		printf "DEMO name=%s what=%s gbit=%.3f err=%d rc=%d\n",
			name, tag, mbit / 1000, !found, rc
	}' /tmp/iperf.$1
}

# ping_job COUNT: round trips to the peer, 20 ms apart; p50 and p99 in
# microseconds, err=1 if any was lost.
ping_job() {
	ping -c "$1" -i 0.02 -W 2 "$peer" >/tmp/ping.out 2>&1
	_rc=$?
	sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' /tmp/ping.out | sort -n |
		awk -v name="$name" -v n="$1" -v rc=$_rc '
	{ t[NR] = $1 * 1000 }
	END {
		p50 = NR ? t[int((NR - 1) * 0.50) + 1] : "-"
		p99 = NR ? t[int((NR - 1) * 0.99) + 1] : "-"
		printf "DEMO name=%s what=ping sent=%d received=%d p50us=%s p99us=%s err=%d rc=%d\n",
			name, n, NR, p50, p99, NR != n, rc
	}'
	# Every round trip in the order measured, for the report's
	# distribution.
	sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' /tmp/ping.out |
		awk -v name="$name" '
	{ us = us (NR > 1 ? "," : "") sprintf("%.0f", $1 * 1000) }
	END { printf "DEMO name=%s what=pingrtt us=%s err=0 rc=0\n", name, us }'
}

demo_devices || exit 1
wait_ping "$peer"
out "what=net-up ip=$ip"

# seqwrite TAG: the sequential write job, verified.
seqwrite() {
	fio_job "$1" --rw=write --bs=1m --iodepth=8 \
		--verify=crc32c --verify_fatal=1 --do_verify=1
}

[ "$iperf" = client ] && seqwrite fill
sync_peers 0 || exit 1
if [ "$iperf" = server ]; then
	iperf3 -s -D >/dev/null 2>&1
	seqwrite seqwrite
	# shellcheck disable=SC2046
	fio_job seqread --rw=read --bs=1m --iodepth=8 $(timed)
	# shellcheck disable=SC2046
	fio_job qd1 --rw=randread --bs=4k --iodepth=1 $(timed)
	# shellcheck disable=SC2046
	fio_job qd32 --rw=randread --bs=4k --iodepth=32 $(timed)
fi
sync_peers 1 || exit 1
out "what=both-start"
# shellcheck disable=SC2046
fio_job both --rw=randread --bs=4k --iodepth=32 $(timed)
sync_peers 2 || exit 1
if [ "$iperf" = client ]; then
	iperf_job tcp1 1
	iperf_job tcp4 4
	ping_job 200
fi
# The server stays until the client is done with it.
sync_peers 3
out "what=done"
