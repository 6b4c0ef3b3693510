#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# 1000 link create/destroy cycles through pvioctl (200 on the debug
# kernel), from two shell loops at once, while a third loop dumps the
# links and a monitor listens: dumps race with destruction, notifications
# with both. Every add and del must succeed, no link may be left, the
# monitor must have seen each cycle's link come and go, once, and both
# modules must unload. The harness fails the test on any kernel splat.
# Under TCG it takes 30-60 s, depending on what else the host runs.
# timeout: 360
. /pvio/lib.sh

pvio_insmod pvio_hv pvio_loop || die "cannot load pvio_hv and pvio_loop"

CYCLES=500	# per loop
# The debug kernel (KASAN, lockdep, kmemleak) runs them about 4x slower;
# there they are for its checks on the same paths, and 200 do.
[ -e /sys/kernel/debug/kmemleak ] && CYCLES=100

# cycles N OUT: N add/del cycles; OUT gets the ids, one per line, and
# OUT.err every failure. (No $(...): each costs a fork under TCG.)
cycles() {
	n=$1 out=$2 i=0
	while [ $i -lt $n ]; do
		if pvioctl link add loop pages 8 >"$out.add" &&
		   read -r word id rest <"$out.add" && [ "$word" = link ] &&
		   pvioctl link del "$id"; then
			echo "$id" >>"$out"
		else
			echo "cycle $i failed" >>"$out.err"
		fi
		i=$((i + 1))
	done
}

# probe: add and delete a link, and wait until the monitor prints its
# deletion (events arrive in order: then it has printed all before).
probe() {
	set -- $(pvioctl link add loop pages 8)
	pvioctl link del "$2"
	for i in $(seq 100); do
		grep -q "^del link $2 " /tmp/mon && return 0
		sleep 0.2
	done
	return 1
}

pvioctl monitor >/tmp/mon 2>/tmp/mon.err &
mon=$!
: >/tmp/stop
(
	while [ -e /tmp/stop ]; do
		pvioctl link show >/dev/null || echo "dump failed" >>/tmp/dump.err
		sleep 0.5	# leave the CPUs to the cycles
	done
) &
dumper=$!
# The monitor subscribes a moment after it starts: the first probe waits
# for that, retrying; one probe link more or less changes no count below.
for i in 1 2 3 4 5; do
	probe && break
done
check "the monitor hears link events" grep -q "^del link " /tmp/mon

# QEMU's TCG translates code per virtual address: with ASLR, every
# pvioctl's ld.so and libraries land elsewhere and are translated anew.
# Without it a run costs about half; this test is about the kernel.
aslr=$(cat /proc/sys/kernel/randomize_va_space)
echo 0 >/proc/sys/kernel/randomize_va_space
start=$(cut -d. -f1 /proc/uptime)
: >/tmp/a
: >/tmp/b
cycles $CYCLES /tmp/a &
a=$!
cycles $CYCLES /tmp/b &
b=$!
wait $a
wait $b
secs=$(($(cut -d. -f1 /proc/uptime) - start))
echo "# $((2 * CYCLES)) cycles in ${secs}s"
echo "$aslr" >/proc/sys/kernel/randomize_va_space
rm /tmp/stop
wait $dumper

check "every add and del succeeded" test ! -e /tmp/a.err -a ! -e /tmp/b.err
check "$((2 * CYCLES)) cycles ran" \
	test "$(cat /tmp/a /tmp/b | wc -l)" -eq $((2 * CYCLES))
check "ids are unique (cyclic allocation)" \
	test "$(cat /tmp/a /tmp/b | sort -u | wc -l)" -eq $((2 * CYCLES))
check "every dump succeeded" test ! -e /tmp/dump.err
check "no link is left" test -z "$(pvioctl link show)"

check "the monitor catches up" probe
kill $mon
wait $mon 2>/dev/null
cat /tmp/a /tmp/b | sort >/tmp/ids
sed -n 's/^new link \([0-9]*\) .*/\1/p' /tmp/mon | sort >/tmp/new
sed -n 's/^del link \([0-9]*\) .*/\1/p' /tmp/mon | sort >/tmp/del
echo "# monitor: $(wc -l </tmp/new) new, $(wc -l </tmp/del) del"
# It reads far faster than two loops of pvioctl make events.
check "the monitor lost no event and printed no error" test ! -s /tmp/mon.err
check "the monitor saw each cycle's link come" \
	sh -c '[ -z "$(comm -23 /tmp/ids /tmp/new)" ]'
check "... and go" sh -c '[ -z "$(comm -23 /tmp/ids /tmp/del)" ]'
check "... once each" sh -c '[ -z "$(uniq -d /tmp/new)$(uniq -d /tmp/del)" ]'
check "unload pvio_loop and pvio_hv" pvio_rmmod pvio_loop pvio_hv
finish
