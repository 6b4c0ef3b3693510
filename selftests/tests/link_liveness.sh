#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Both ends of a loop link beat in the link header (debugfs link<id>/
# header); restarting the backend end through debugfs link<id>/restart, as
# a driver domain crash would, bumps the generation (also seen by pvioctl)
# and restarts the backend's heartbeat under the new generation, while the
# frontend's goes on. Deleting the link removes its debugfs directory.
# timeout: 180
. /pvio/lib.sh

pvio_insmod pvio_hv pvio_loop || die "cannot load pvio_hv and pvio_loop"
id=$(pvioctl link add loop | sed -n 's/^link \([0-9][0-9]*\) .*/\1/p')
[ -n "$id" ] || die "pvioctl link add loop failed"
D=/sys/kernel/debug/pvio/link$id

# heartbeat END / end_generation END / generation: from the header file.
heartbeat() {
	sed -n "s/^$1 state [A-Za-z]* heartbeat \([0-9]*\) .*/\1/p" $D/header
}
end_generation() {
	sed -n "s/^$1 .* generation \([0-9]*\) .*/\1/p" $D/header
}
generation() {
	sed -n 's/^generation //p' $D/header
}

check "link$id has a debugfs header" test -r $D/header
cat $D/header
b1=$(heartbeat backend)
f1=$(heartbeat frontend)
sleep 1
b2=$(heartbeat backend)
f2=$(heartbeat frontend)
echo "# heartbeats over 1 s: backend $b1 -> $b2, frontend $f1 -> $f2"
check "the backend beats" test "$b2" -gt "$b1"
check "the frontend beats" test "$f2" -gt "$f1"
check "generation 1" test "$(generation)" = 1
check "the events file reads" cat $D/events

pvioctl monitor >/tmp/live.mon 2>&1 &
mon=$!
sleep 1	# subscribed
check "restart the backend end" sh -c "echo backend >$D/restart"
b3=$(heartbeat backend)
check "generation 2 after the restart" test "$(generation)" = 2
check "pvioctl shows generation 2" \
	sh -c "pvioctl -j link show $id | grep -q '\"generation\":2'"
check "the new backend starts its heartbeat afresh" test "$b3" -lt "$b2"
sleep 1
cat $D/header
check "the new backend beats under generation 2" \
	test "$(end_generation backend)" = 2 -a "$(heartbeat backend)" -gt "$b3"
check "the frontend beats on, under generation 2" \
	test "$(end_generation frontend)" = 2 -a "$(heartbeat frontend)" -gt "$f2"
check "restart refuses a bogus end" \
	sh -c "! echo sideways >$D/restart 2>/dev/null"

# changed: the monitor printed a change of the link with generation 2.
changed() {
	grep -q "^change link $id .*generation 2" /tmp/live.mon
}
i=0
until changed || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill $mon
cat /tmp/live.mon | sed 's/^/# /'
check "pvioctl monitor saw the link change to generation 2" changed

check "link del" pvioctl link del "$id"
check "the debugfs directory goes with the link" test ! -e $D
check "unload" pvio_rmmod pvio_loop pvio_hv
finish
