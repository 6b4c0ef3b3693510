#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A guest's part of the three-VM demo (scripts/demo.sh) and of
# ivshmem_three_vms.host.sh: the `run =` script of a pvio guest, and the
# pviorun= script of the VMs that do the same work through QEMU's own
# virtio-blk and virtio-net. Everything it measures goes to the console
# as one line each, for the host to collect:
#   DEMO name=NAME what=WHAT key=value...
# Parameters, from the kernel command line: demo_lib.sh's, and
#   demodd=A.B.C.D      the driver domain (pvio only): iperf3 and ping it
#   demosize=SIZE       fio's size (default 48m)
#   demotest=1          ivshmem_three_vms' extra phases: a pattern written
#                       for the isolation check, a long fio to be killed
#                       under, once restarted fio verify again, and after
#                       all that fio verify rounds until the VM dies (the
#                       other guest's kills and restarts happen under them)
# shellcheck source=selftests/tests/parts/demo_lib.sh
. /pvio/parts/demo_lib.sh
dd=$(arg demodd)
size=$(arg demosize)
size=${size:-48m}
testing=$(arg demotest)
# Where ivshmem_three_vms' marker and pattern live: past fio's reach.
MARK_MB=200
PATTERN_MB=180

demo_devices || exit 1

# fio_run TAG SIZE: 4 KiB random writes at QD16 with crc32c verify;
# one line: write and verify-read IOPS and MB/s, errors.
fio_run() {
	fio --name="$1" --filename="$disk" --direct=1 --ioengine=libaio \
		--rw=randwrite --bs=4k --iodepth=16 --size="$2" \
		--verify=crc32c --verify_fatal=1 --do_verify=1 \
		--output-format=terse --terse-version=3 >/tmp/fio.$1 2>&1
	_rc=$?
	awk -F';' -v rc=$_rc -v tag="$1" -v name="$name" '
	NF > 50 && $1 == 3 {
		printf "DEMO name=%s what=%s wiops=%d wmbps=%.1f riops=%d rmbps=%.1f err=%d rc=%d\n",
			name, tag, $49, $48 * 1024 / 1e6, $8, $7 * 1024 / 1e6,
			$5, rc
		found = 1
	}
	END { if (!found) printf "DEMO name=%s what=%s err=1 rc=%d msg=no-output\n", name, tag, rc }
	' /tmp/fio.$1
	[ $_rc = 0 ] || sed 's/^/fio: /' /tmp/fio.$1 | tail -n 15
}

# iperf_run TAG SERVER: iperf3 TCP for $secs s; the receiver's rate.
iperf_run() {
	_i=0
	while [ $_i -lt 60 ]; do
		iperf3 -c "$2" -t "$secs" -f m >/tmp/iperf.$1 2>&1 && break
		sleep 1
		_i=$((_i + 1))
	done
	awk -v name="$name" -v tag="$1" -v tries=$_i '
	/sender$/ { retr = $(NF - 1) }
	/receiver$/ { mbit = $(NF - 2); found = 1 }
	END {
		if (found)
			printf "DEMO name=%s what=%s gbit=%.3f retr=%d err=0\n", name, tag, mbit / 1000, retr
		else
			printf "DEMO name=%s what=%s gbit=0 err=1 tries=%d\n", name, tag, tries
	}' /tmp/iperf.$1
}

# ping_long_report: the long ping through the other guest's death. err=0
# when at most a tenth was lost and the last ten were all answered (the
# network carried on); lost= names the sequence numbers that went
# unanswered and neigh= the packets the neighbour layer discarded while
# resolving (a peer too busy to answer ARP), so that a loss says where.
ping_long_report() {
	_nd=0
	for _x in $(awk 'NR > 1 { print $12 }' /proc/net/stat/arp_cache); do
		_nd=$((_nd + 0x$_x))
	done
	awk -v name="$name" -v neigh="$_nd" '
	/seq=/ { s = $0; sub(/.*seq=/, "", s); sub(/ .*/, "", s); got[s + 0] = 1 }
	/packet loss/ { sent = $1; recv = $4 }
	END {
		lost = ""; tail = 0
		for (i = 0; i < sent; i++) {
			if (!(i in got))
				lost = lost (lost == "" ? "" : ",") i
			else if (i >= sent - 10)
				tail++
		}
		err = (sent >= 10 && recv * 10 >= sent * 9 && tail == 10) ? 0 : 1
		printf "DEMO name=%s what=ping-long sent=%d received=%d lost=%s neigh=%s err=%d\n",
		       name, sent, recv, lost == "" ? "none" : lost, neigh, err
	}' /tmp/ping.long
}

# ping_run TAG ADDR COUNT: loss and average round trip, at the MTU.
ping_run() {
	_s=56
	[ -n "$mtu" ] && _s=$((mtu - 28))
	ping -c "$3" -i 0.1 -W 2 -s $_s "$2" >/tmp/ping.$1 2>&1
	awk -v name="$name" -v tag="$1" -v s=$_s '
	/packet loss/ { for (i = 1; i <= NF; i++) if ($i ~ /%$/) loss = $i; sent = $1; got = $4 }
	/min\/avg\/max/ { split($NF == "ms" ? $(NF - 1) : $NF, t, "/"); avg = t[2] }
	END {
		printf "DEMO name=%s what=%s size=%d sent=%d received=%d loss=%s avgms=%s err=%d\n",
			name, tag, s, sent, got, loss, avg == "" ? "-" : avg, (got == sent && sent > 0) ? 0 : 1
	}' /tmp/ping.$1
}

# rounds: under ivshmem_three_vms, fio verify over and over, each round
# announced, until this VM is killed or the test ends.
rounds() {
	[ "$testing" = 1 ] || exit 0
	_n=0
	while :; do
		_n=$((_n + 1))
		out "what=round-start n=$_n"
		fio_run round "$size"
	done
}

# Restarted under ivshmem_three_vms: the disk must still hold what the
# first life wrote, then take fio verify again.
mark=$(dd if="$disk" bs=1M skip=$MARK_MB count=1 iflag=direct 2>/dev/null |
	head -c 16)
if [ "$testing" = 1 ] && [ "$mark" = "PVIO-DEMO-MARK-1" ]; then
	out "what=restarted mark=found"
	fio_run fio-restart "$size"
	out "what=done"
	rounds
fi

# Both guests start fio when the other answers: at once, give or take
# a ping.
wait_ping "$peer" $dd
out "what=net-up ip=$ip mtu=$(cat /sys/class/net/$net/mtu)"

out "what=fio-start"
fio_run fio "$size"

if [ "$iperf" = server ]; then
	# One guest->guest test, then this guest's own to the driver domain.
	timeout 90 iperf3 -s -1 >/tmp/iperf-server 2>&1
	[ -n "$dd" ] && iperf_run iperf-dd "$dd"
	[ -n "$dd" ] && ping_run ping-dd "$dd" 20
else
	ping_run ping-peer "$peer" 20
	iperf_run iperf-peer "$peer"
fi

if [ "$testing" = 1 ]; then
	# The other guest meanwhile runs iperf3 and ping to the driver
	# domain: start the long fio at about the same time.
	[ "$iperf" != server ] && [ -n "$dd" ] && sleep $((secs + 4))
	printf 'PVIO-DEMO-MARK-1' | dd of="$disk" bs=1M seek=$MARK_MB \
		conv=sync oflag=direct 2>/dev/null
	# What no other guest may ever see: written, read back, then the
	# host looks through the memory every QEMU holds.
	awk -v n="$name" 'BEGIN { for (i = 0; i < 1024; i++) printf "PVIO-SECRET-OF-%s-%04d|", n, i }' \
		>/tmp/pattern
	dd if=/tmp/pattern of="$disk" bs=1M seek=$PATTERN_MB conv=sync \
		oflag=direct 2>/dev/null
	dd if="$disk" of=/dev/null bs=1M skip=$PATTERN_MB count=1 \
		iflag=direct 2>/dev/null
	out "what=pattern-written"
	sleep 8
	# Long enough to be killed under: about 15 s at the first run's rate.
	sz=$(awk -F';' '$1 == 3 { n = int($49 * 15 * 4096 / 1048576); if (n < 32) n = 32; if (n > 160) n = 160; print n "m" }' /tmp/fio.fio)
	[ -n "$dd" ] && ping -c 60 -i 0.5 -W 2 "$dd" >/tmp/ping.long 2>&1 &
	pp=$!
	# The iperf3 client guest also streams to the driver domain
	# through the other guest's death (its server takes one client).
	ipp=
	if [ "$iperf" != server ] && [ -n "$dd" ]; then
		(secs=25 iperf_run iperf-long "$dd") &
		ipp=$!
	fi
	out "what=fio-long-start size=$sz"
	fio_run fio-long "$sz"
	wait $pp
	[ -n "$ipp" ] && wait $ipp
	ping_long_report
fi
out "what=done"
rounds
