#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# recover_dd_kill: the driver domain dies under running guests and the
# toolstack starts it again, several times; the guests notice nothing
# but the time it took. scripts/demo.cfg's three domains through pvio
# up (a driver domain with a raw disk of two partitions, two guests with
# a vbd and a vif each), the guests running selftests/tests/parts/
# recover_guest.sh: fio rounds of 4 KiB random writes at QD32 with
# crc32c verify (verify_backlog, then every block at the end) on their
# pvio disks, and one iperf3 TCP connection g2 -> g1 through the driver
# domain's bridge for the whole run. Each cycle, once both guests' fio
# rounds have requests in their disks' queues:
# * odd cycles SIGKILL the driver domain's QEMU behind the toolstack's
#   back, and pvio watch (the driver domain's on-crash = restart, the
#   default) starts it again by itself; even cycles `pvio restart dd`
#   (which SIGKILLs it too);
# * each guest then finishes the fio round the kill interrupted: no
#   I/O error, every block it wrote verified, so no acknowledged write
#   was lost with the driver domain;
# * the iperf3 connection is still the same and carries data again.
# At the end: every fio round of both guests passed, the frontends
# replayed requests (the kills found some in flight), iperf3's connection
# never ended, and the guests' kernel logs have no hung task, I/O error
# or warning, nor has the driver domain's; pvio down leaves nothing
# behind.
# CYCLES=N in the environment changes the number of kills (default 5).
# About 5 minutes on the loaded 2-core machine (recover_dd_stop: 2).
# Run by selftests/vm/run.sh (LOGDIR, VM_KERNEL, VM_INITRD, VM_KMODS).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
pvio=$top/userspace/pvio
# A short path: pvio-hvd's socket names must fit sun_path.
tmp=$(mktemp -d /tmp/pvio-rdk.XXXXXX)
run=$tmp/run
export PVIO_DIR=$run
# recover_dd_stop.host.sh and recover_dd_panic.host.sh run this with
# RECOVER_MODE=stop and panic.
mode=${RECOVER_MODE:-kill}
cycles=${CYCLES:-$([ "$mode" = kill ] && echo 5 || echo 3)}
# The debug kernel (KASAN, lockdep, kmemleak) makes the domains many
# times slower: waits are bounds, scaled by $slow (results.sh); fewer
# cycles; each guest scans for leaks after each reconnect.
slow=1
if [ "${VM_KIND:-}" = debug ]; then
	slow=4
	cycles=${CYCLES:-2}
fi
# shellcheck source=SCRIPTDIR/../vm/tap.sh
. "$top/selftests/vm/tap.sh"
# shellcheck source=SCRIPTDIR/../vm/procs.sh
. "$top/selftests/vm/procs.sh"
# shellcheck source=SCRIPTDIR/../vm/results.sh
. "$top/selftests/vm/results.sh"
begin=$(date +%s)

cleanup() {
	timeout 60 "$pvio" down >/dev/null 2>&1
	for f in "$run"/*.console* "$run"/*.qemu "$run"/hvd.log "$run"/watch.log; do
		[ -e "$f" ] && cp "$f" "${LOGDIR:-/tmp}/recover-dd-$mode-${f##*/}"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

at() {
	echo "# $* at $(($(date +%s) - begin))s"
}

# ticks_back N: g2's iperf3 reported data after its Nth interval.
ticks_back() {
	grep -aE '^DEMO name=g2 what=iperf-tick ' "$run/g2.console" |
		tr -d '\r' | tail -n +"$(($1 + 1))" | grep -qv ' mbit=0\.0$'
}

# busy NAME: the guest's current fio round has begun its I/O.
busy() {
	local s i d
	s=$(field "$(result "$1" round-start)" n)
	i=$(field "$(result "$1" round-io)" n)
	d=$(field "$(result "$1" round)" n)
	[ -n "$s" ] && [ "$s" = "$i" ] && [ "${d:-0}" -lt "$s" ]
}

# mid_round: both guests are in the middle of a fio round.
mid_round() {
	busy g1 && busy g2
}

# back R1 R2 TICKS: until both guests finished more than R1 and R2 fio
# rounds and iperf3 reported data after TICKS intervals (300 s at most);
# sets back_g1, back_g2 and back_net to the seconds each took from now,
# or leaves them empty.
back() {
	local t0=$SECONDS
	back_g1='' back_g2='' back_net=''
	while [ $((SECONDS - t0)) -lt $((300 * slow)) ]; do
		[ -z "$back_g1" ] && [ "$(count g1 round)" -gt "$1" ] &&
			back_g1=$((SECONDS - t0))
		[ -z "$back_g2" ] && [ "$(count g2 round)" -gt "$2" ] &&
			back_g2=$((SECONDS - t0))
		[ -z "$back_net" ] && ticks_back "$3" &&
			back_net=$((SECONDS - t0))
		[ -n "$back_g1" ] && [ -n "$back_g2" ] && [ -n "$back_net" ] &&
			return 0
		sleep 1
	done
}

# kill_restart N PID: the driver domain's QEMU killed and started again:
# on odd cycles behind the toolstack's back, and pvio watch starts it
# again by itself; on even ones by pvio restart. Sets ticks (iperf3's
# intervals until it was back) and what.
kill_restart() {
	local c=$1 ddpid=$2 starts
	if [ $((c % 2)) = 1 ]; then
		starts=$(domain_of dd starts)
		kill -KILL "$ddpid"
		check "cycle $c: the driver domain's QEMU died of SIGKILL" \
			until_ 30 gone "$ddpid"
		watched_restart "$c" "$starts"
	else
		restart_dd "$c"
	fi
}

# started_since NAME N: the domain was started more than N times.
started_since() {
	[ "$(domain_of "$1" starts)" -gt "$2" ]
}

# watched_restart N STARTS: the driver domain's QEMU exited by itself;
# pvio watch starts it again (its starts go past STARTS), with nothing
# asked of the toolstack, until it is ready. Sets ticks and what.
watched_restart() {
	local c=$1 t0=$SECONDS
	check "cycle $c: pvio watch started the driver domain again by itself" \
		until_ 60 started_since dd "$2"
	at "cycle $c: restarted by pvio watch"
	check "cycle $c: the driver domain's run script is up" wait_for dd ready 180
	ticks=$(count g2 iperf-tick)
	what="ready $((SECONDS - t0))s after its QEMU died, started again by pvio watch"
}

# panic_restart N PID: the driver domain's kernel panics (an NMI, which
# its unknown_nmi_panic turns into a panic), its QEMU exits (panic=-1,
# -no-reboot), and the toolstack starts it again. Sets ticks and what.
panic_restart() {
	local c=$1 ddpid=$2 starts
	starts=$(domain_of dd starts)
	# Only this boot's console may say it panicked: the one before goes
	# out of the way of pvio watch's restart, which moves the console
	# aside to dd.console.prev.
	[ -e "$run/dd.console.prev" ] &&
		mv "$run/dd.console.prev" "$run/dd.console.before$c"
	check "cycle $c: pvio trigger dd nmi" timeout 30 "$pvio" trigger dd nmi
	check "cycle $c: the driver domain's QEMU exited after its panic" \
		until_ 60 gone "$ddpid"
	# (pvio watch may have moved this boot's console aside already.)
	check "cycle $c: the driver domain's kernel panicked" \
		grep -aq 'Kernel panic - not syncing: NMI' "$run/dd.console" \
		"$run/dd.console.prev"
	watched_restart "$c" "$starts"
}

# restart_dd N: pvio restart dd, until it is ready again.
restart_dd() {
	local c=$1 ready t0 rc
	at "cycle $c: restart"
	t0=$(date +%s)
	timeout $((200 * slow)) "$pvio" restart -w $((180 * slow)) dd \
		>"$tmp/restart.out" 2>&1
	rc=$?
	ready=$(($(date +%s) - t0))
	ok $rc "cycle $c: pvio restart dd: ready again in ${ready}s"
	sed 's/^/# /' "$tmp/restart.out"
	check "cycle $c: the driver domain's run script is up" wait_for dd ready 60
	# What iperf3 reported until now was before the kill or 0 while
	# the driver domain was away.
	ticks=$(count g2 iperf-tick)
	what="ready ${ready}s after the restart began"
}

# hang N PID: the driver domain's QEMU stopped (SIGSTOP) for 10 s, longer
# than the guests' heartbeat timeout, then let go on (SIGCONT). Sets
# ticks and what as kill_restart.
hang() {
	local c=$1 ddpid=$2
	check "cycle $c: SIGSTOP to the driver domain's QEMU" kill -STOP "$ddpid"
	sleep 10
	ticks=$(count g2 iperf-tick)
	check "cycle $c: SIGCONT after 10 s" kill -CONT "$ddpid"
	what="stopped 10 s"
}

# probe_start N: selftests/vm/recovery_probe.py in the background, its
# baseline taken before the kill.
probe_start() {
	rm -f "$tmp/probe.$1" "$tmp/probe.$1.ready"
	python3 "$top/selftests/vm/recovery_probe.py" "$pvio" "$run" dd \
		"$tmp/probe.$1" &
	probe=$!
	until_ 30 test -e "$tmp/probe.$1.ready"
}

# probe_report N: the probe's figures of cycle N, from the new driver
# domain's QEMU start: its boot (to its console's ready line), the last
# guest frontend Connected again, and TCP data again; kept in $recovery
# for the summary.
probe_report() {
	local l q r f t
	wait "$probe"
	l=$(cat "$tmp/probe.$1" 2>/dev/null)
	q=$(field "$l" qemu) r=$(field "$l" ready) f=$(field "$l" conn) t=$(field "$l" tcp)
	if [ -z "$q" ] || [ "$q" = - ] || [ "$f" = - ] || [ -z "$f" ]; then
		echo "# recovery cycle $1: not measured ($l)"
		return
	fi
	l=$(awk -v q="$q" -v r="$r" -v f="$f" -v t="$t" 'BEGIN {
		printf "boot=%s connected=%.2f beyond_boot=%s tcp=%s",
		       r == "-" ? "-" : sprintf("%.2f", r - q), f - q,
		       r == "-" ? "-" : sprintf("%.2f", f - r),
		       t == "-" ? "-" : sprintf("%.2f", t - q) }')
	echo "# recovery cycle $1 (seconds from the new QEMU's start): $l"
	recovery+="$l"$'\n'
}

# cycle N: the driver domain killed in the middle of both guests' fio,
# started again; each guest finishes that round, iperf3 carries on.
cycle() {
	local c=$1 ddpid r1 r2 l
	ddpid=$(pid_of dd)
	check "cycle $c: both guests are in the middle of a fio round" \
		until_ 120 mid_round
	r1=$(count g1 round) r2=$(count g2 round)
	[ "$mode" != stop ] && probe_start "$c"
	case $mode in
	stop) hang "$c" "$ddpid" ;;
	panic) panic_restart "$c" "$ddpid" ;;
	*) kill_restart "$c" "$ddpid" ;;
	esac
	back "$r1" "$r2" "$ticks"
	[ "$mode" != stop ] && probe_report "$c"
	echo "# cycle $c: driver domain ${what}; then g1 finished its fio round in +${back_g1:-?}s, g2 in +${back_g2:-?}s, iperf3 carried data in +${back_net:-?}s"
	check "cycle $c: g1 finished the fio round the kill interrupted" \
		test -n "$back_g1"
	echo "# $(result g1 round)"
	check "cycle $c: g2 finished the fio round the kill interrupted" \
		test -n "$back_g2"
	echo "# $(result g2 round)"
	check "cycle $c: g1's fio rounds: no error, every block verified" \
		all_good g1 round
	check "cycle $c: g2's fio rounds: no error, every block verified" \
		all_good g2 round
	check "cycle $c: iperf3 g2 -> g1 carries data again" test -n "$back_net"
	l=$(result g1 iperf-end; result g2 iperf-end)
	[ -n "$l" ] && echo "$l" | sed 's/^/# /'
	check "cycle $c: iperf3's connection is the one from before" test -z "$l"
}

echo "TAP version 13"
[ -n "${VM_KERNEL:-}" ] && [ -n "${VM_INITRD:-}" ] && [ -n "${VM_KMODS:-}" ] ||
	bail "run me through selftests/vm/run.sh -t recover_dd_kill"
[ -x "$pvio" ] && [ -x "$top/userspace/pvio-hvd" ] ||
	bail "build userspace/ first"

truncate -s 160M "$tmp/disk.img"
printf 'label: dos\n,64M,L\n,64M,L\n' | sfdisk -q "$tmp/disk.img" >/dev/null ||
	bail "sfdisk"
sed -e "s|@KERNEL@|$VM_KERNEL|" -e "s|@INITRD@|$VM_INITRD|" \
	-e "s|@MODULES@|$VM_KMODS|" -e "s|@DIR@|$tmp|" \
	-e "s|@APPEND@|demotest=1 demosize=8m|" \
	-e "s|^run = parts/demo_guest.sh$|run = parts/recover_guest.sh|" \
	"$top/scripts/demo.cfg" >"$tmp/pvio.cfg"
# The driver domain panics on an NMI (pvio trigger) in the panic mode.
[ "$mode" = panic ] &&
	sed -i 's|^append = demobr=.*|& unknown_nmi_panic|' "$tmp/pvio.cfg"
check "the guests run recover_guest.sh" \
	test "$(grep -c '^run = parts/recover_guest.sh$' "$tmp/pvio.cfg")" = 2
check "the driver domain's disk is not opened with cache=unsafe" \
	bash -c "grep '^disk = ' '$tmp/pvio.cfg' | grep -qv 'cache=unsafe'"

at up
t0=$(date +%s)
timeout $((200 * slow)) "$pvio" up -w $((180 * slow)) "$tmp/pvio.cfg" \
	>"$tmp/up.out" 2>&1
rc=$?
ok $rc "pvio up: a driver domain and two guests ready in $(($(date +%s) - t0))s"
[ $rc = 0 ] || { sed 's/^/# /' "$tmp/up.out"; bail "pvio up failed"; }
check "the driver domain's run script is up" wait_for dd ready 60
for g in g1 g2; do
	check "$g has a pvio disk and interface" wait_for $g devices 90
	check "$g reaches the other guest and the driver domain" wait_for $g net-up 150
	check "$g started fio" wait_for $g round-start 60
done
[ $failed = 0 ] || {
	grep -ah '^DEMO name=g. what=error' "$run"/g?.console | sed 's/^/# /'
	bail "the guests have no pvio disk or interface"
}
check "iperf3 g2 -> g1 carries data" until_ 120 ticks_back 0
check "g1 finished a fio round before the first kill" more g1 round 0 240
check "g2 finished a fio round before the first kill" more g2 round 0 240
echo "# $(result g1 round)"
echo "# $(result g2 round)"

for c in $(seq "$cycles"); do
	# The guests' leak scans from the last cycle's reconnect on count.
	leaks1=$(count g1 kmemleak) leaks2=$(count g2 kmemleak)
	at "cycle $c"
	cycle "$c"
done

# A round that ended between a cycle's count and its kill ended that
# cycle's wait for the guests (back): the replays of the last kill may
# show only in a later round. One more round each, then the counts.
n1=$(count g1 round) n2=$(count g2 round)
check "g1 finished a fio round after the last restart" more g1 round "$n1" 240
check "g2 finished a fio round after the last restart" more g2 round "$n2" 240
at end
# The recovery figures of every cycle, and their medians: what make
# bench-recover prints.
if [ -n "${recovery:-}" ]; then
	printf '%s' "$recovery" | python3 -c '
import statistics, sys
rows = [dict(kv.split("=") for kv in l.split()) for l in sys.stdin if l.strip()]
med = lambda k: "%.2f" % statistics.median(float(r[k]) for r in rows) if all(r[k] != "-" for r in rows) else "-"
print("# recovery median of %d (s from the new QEMU start): boot %s, guests connected %s (%s beyond boot), TCP data %s" %
      (len(rows), med("boot"), med("connected"), med("beyond_boot"), med("tcp")))'
fi
echo "# g1 ran $(count g1 round) fio rounds, g2 $(count g2 round); iperf3 $(count g2 iperf-tick) intervals"
check "every fio round of g1 passed" all_good g1 round
check "every fio round of g2 passed" all_good g2 round
# Not every kill finds requests on a guest's ring (fio may be between
# rounds or phases): the kills as a whole must have.
r1=$(field "$(result g1 round)" replays) r2=$(field "$(result g2 round)" replays)
echo "# requests the frontends replayed to a new backend: g1 $r1, g2 $r2"
check "the frontends replayed requests in flight at the kills" \
	test $((${r1:-0} + ${r2:-0})) -gt 0
# Each guest end counted the outages it recovered from and published
# them in its link's header, where pvio status reads them.
"$pvio" status | sed 's/^/# /'
"$pvio" status -j >"$tmp/status.json"
check "pvio status: every guest device reconnected after each restart" \
	python3 -c '
import json, sys
links = [l for l in json.load(open(sys.argv[1]))["links"]
         if l["kind"] in ("vbd", "vif") and l["frontend"] in ("g1", "g2")]
assert len(links) == 4, links
for l in links:
    assert l["frontend_state"] == "connected", l
    assert l["frontend_reconnects"] >= int(sys.argv[2]), l
# A kill costs seconds (the new driver domain boots); a slow guest may
# reconnect once more, briefly, after it: not every link last saw the
# long outage, but some must have.
assert max(l["frontend_last_downtime_ms"] for l in links) > 1000, links
' "$tmp/status.json" "$cycles"
check "pvio status: the guests' disks published the replays they counted" \
	python3 -c '
import json, sys
links = json.load(open(sys.argv[1]))["links"]
for g, n in (("g1", sys.argv[2]), ("g2", sys.argv[3])):
    got = sum(l["frontend_replays"] for l in links
              if l["kind"] == "vbd" and l["frontend"] == g)
    assert got == int(n), (g, got, n)
' "$tmp/status.json" "${r1:-0}" "${r2:-0}"
for g in g1 g2; do
	l=$(grep -aE 'hung_task|blocked for more than|I/O error|WARNING:|BUG:|Oops|Call Trace' \
		"$run/$g.console" | head -n 5)
	[ -n "$l" ] && echo "$l" | sed 's/^/# /'
	check "$g's kernel log: no hung task, I/O error or warning" test -z "$l"
done
if [ "${VM_KIND:-}" = debug ]; then
	check "g1 scanned for leaks after the last reconnect" more g1 kmemleak "$leaks1" 300
	check "g2 scanned for leaks after the last reconnect" more g2 kmemleak "$leaks2" 300
	echo "# g1: $(result g1 kmemleak); g2: $(result g2 kmemleak)"
	check "no guest's kmemleak scan found a leak" bash -c \
		"! grep -aq 'what=kmemleak leaks=[1-9]' '$run/g1.console' '$run/g2.console'"
fi
check "the driver domain's kernel log is clean" bash -c \
	"! grep -aE 'WARNING:|BUG:|Oops|KASAN|circular locking|hung_task' '$run/dd.console'"
check "pvio down" timeout 60 "$pvio" down
left=$(our_procs)
[ -z "$left" ] || echo "$left" | sed 's/^/# left: /'
check "no QEMU or pvio-hvd process of ours left" test -z "$left"

echo "# $(($(date +%s) - begin))s in all"
echo "1..$n"
[ $failed -eq 0 ]
