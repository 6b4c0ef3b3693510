#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ivshmem_three_vms: a driver domain and two guests booted by `pvio up`
# of the demo's config (scripts/demo.cfg: a raw disk with two
# partitions and a NIC for the driver domain; a vbd and a vif each for
# the guests), 512 MiB each, doing real I/O through pvio
# (selftests/tests/parts/demo_*.sh with demotest=1 print their results
# on the consoles):
# * fio verify in both guests at once; iperf3 guest<->guest and
#   guest<->driver domain (throughput > 0, no error); ping at MTU 9000
#   (pveth, pvif and br0 at 9000) between the guests and to the driver
#   domain;
# * isolation: each QEMU holds and maps the memfds of its own links
#   only, and the pattern one guest writes to its disk shows in its own
#   links' memory but never in the other guest's;
# * guest 1 killed (`pvio kill`, SIGKILL) in the middle of a fio, three
#   times: guest 2's fio verify, its pings and its iperf3 to the driver
#   domain carry on unharmed; the driver domain disconnects guest 1's backends and
#   only those (on the debug kernel a kmemleak scan after each death
#   finds nothing); `pvio restart` of guest 1: its disk still holds what
#   it wrote, fio verify passes again, its backends connect again;
# * `pvio down` leaves no process, socket or memfd.
# A guest that never sees its pvio disk or interface fails the test.
# About 5 minutes on the loaded 2-core machine; on the debug kernel
# (VM_KIND=debug) the guests move a third of the data and every wait is
# four times as long: about 15 minutes.
# Run by selftests/vm/run.sh (LOGDIR, VM_KERNEL, VM_INITRD, VM_KMODS).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
pvio=$top/userspace/pvio
# A short path: pvio-hvd's socket names must fit sun_path.
tmp=$(mktemp -d /tmp/pvio-3vm.XXXXXX)
run=$tmp/run
export PVIO_DIR=$run
# shellcheck source=SCRIPTDIR/../vm/tap.sh
. "$top/selftests/vm/tap.sh"
# shellcheck source=SCRIPTDIR/../vm/procs.sh
. "$top/selftests/vm/procs.sh"
# shellcheck source=SCRIPTDIR/../vm/results.sh
. "$top/selftests/vm/results.sh"
begin=$(date +%s)
# The debug kernel's guests are many times slower: waits are bounds
# against hangs, so they stretch with it.
slow=1 size=24m
[ "${VM_KIND:-}" = debug ] && slow=4 size=8m

cleanup() {
	timeout 60 "$pvio" down >/dev/null 2>&1
	for f in "$run"/*.console* "$run"/*.qemu "$run"/hvd.log; do
		[ -e "$f" ] && cp "$f" "${LOGDIR:-/tmp}/three-vms-${f##*/}"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

at() {
	echo "# $* at $(($(date +%s) - begin))s"
}

fio_wrote() {
	positive "$1" wiops && positive "$1" riops
}

ping_at_9000() {
	good "$1" && [ "$(field "$1" size)" = 8972 ]
}

both_long() {
	wait_for g1 fio-long-start 60 && wait_for g2 fio-long-start 60
}

# isolation G1PID G2PID DDPID: memfds held and mapped, and where each
# guest's pattern shows. Prints TAP-ready "CHECK ok|fail TEXT" lines.
isolation() {
	python3 - "$@" <<'EOF'
import os, re, sys
pids = dict(zip(("g1", "g2", "dd"), sys.argv[1:4]))

def memfds(pid):
    r = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            t = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        m = re.match(r"/memfd:(pvio-(?:link\d+|control))", t)
        if m:
            r.setdefault(m.group(1), f"/proc/{pid}/fd/{fd}")
    return r

def mapped(pid):
    names = set()
    for line in open(f"/proc/{pid}/maps"):
        m = re.search(r"/memfd:(pvio-(?:link\d+|control))", line)
        if m:
            names.add(m.group(1))
    return names

def says(ok, text):
    print(f"CHECK {'ok' if ok else 'fail'} {text}")

fds = {g: memfds(p) for g, p in pids.items()}
maps = {g: mapped(p) for g, p in pids.items()}
for g in ("g1", "g2", "dd"):
    print(f"# {g} (QEMU {pids[g]}) holds {sorted(fds[g])}, maps {sorted(maps[g])}")
# Links in the config's order: g1's vbd and vif are 0 and 1, g2's 2, 3.
own = {"g1": {"pvio-link0", "pvio-link1"}, "g2": {"pvio-link2", "pvio-link3"}}
says(set(fds["g1"]) == own["g1"], "g1's QEMU holds the memfds of its own links only")
says(set(fds["g2"]) == own["g2"], "g2's QEMU holds the memfds of its own links only")
says(maps["g2"] == own["g2"] and maps["g1"] == own["g1"],
     "each guest's QEMU maps its own links' memfds only")
says(set(fds["dd"]) == own["g1"] | own["g2"] | {"pvio-control"},
     "the driver domain's QEMU holds every link and the control region")

def holds(g, pattern):
    for name, path in fds[g].items():
        with open(path, "rb") as f:
            if pattern in f.read():
                return name
    return None

for a, b in (("g1", "g2"), ("g2", "g1")):
    pat = f"PVIO-SECRET-OF-{a}-".encode()
    where = holds(a, pat)
    says(where is not None, f"{a}'s pattern shows in its own link's memory ({where})")
    where = holds(b, pat)
    says(where is None, f"{a}'s pattern is in no memfd {b}'s QEMU holds ({where})")
EOF
}

echo "TAP version 13"
[ -n "${VM_KERNEL:-}" ] && [ -n "${VM_INITRD:-}" ] && [ -n "${VM_KMODS:-}" ] ||
	bail "run me through selftests/vm/run.sh -t ivshmem_three_vms"
[ -x "$pvio" ] && [ -x "$top/userspace/pvio-hvd" ] ||
	bail "build userspace/ first"
shm_before=$(ls /dev/shm)

# Two partitions past the guests' marker (200 MiB in).
truncate -s 460M "$tmp/disk.img"
printf 'label: dos\n,224M,L\n,224M,L\n' | sfdisk -q "$tmp/disk.img" >/dev/null ||
	bail "sfdisk"
sed -e "s|@KERNEL@|$VM_KERNEL|" -e "s|@INITRD@|$VM_INITRD|" \
	-e "s|@MODULES@|$VM_KMODS|" -e "s|@DIR@|$tmp|" \
	-e "s|@APPEND@|demotest=1 demomtu=9000 demosize=$size demosecs=5|" \
	"$top/scripts/demo.cfg" >"$tmp/pvio.cfg"
check "the test config is the demo's, 512 MiB per domain" \
	test "$(grep -c '^memory = 512M$' "$tmp/pvio.cfg")" = 3

# --- up ----------------------------------------------------------------------
at up
t0=$(date +%s)
timeout $((180 * slow)) "$pvio" up -w $((150 * slow)) "$tmp/pvio.cfg" >"$tmp/up.out" 2>&1
rc=$?
ok $rc "pvio up: a driver domain and two guests ready in $(($(date +%s) - t0))s"
[ $rc = 0 ] || { sed 's/^/# /' "$tmp/up.out"; bail "pvio up failed"; }
g1pid=$(pid_of g1) g2pid=$(pid_of g2) ddpid=$(pid_of dd)

check "the driver domain's run script is up" wait_for dd ready 60
check "br0 is 10.99.0.1/24 at MTU 9000" \
	grep -aq '^DEMO name=dd what=ready br0=10.99.0.1/24 mtu=9000' "$run/dd.console"
for g in g1 g2; do
	check "$g has a pvio disk and interface" wait_for $g devices 90
	check "$g reaches the other guest and the driver domain" wait_for $g net-up 150
	check "$g's pveth runs at MTU 9000" \
		grep -aq "^DEMO name=$g what=net-up .* mtu=9000" "$run/$g.console"
done
# Nothing after this means anything without the devices: stop early.
[ $failed = 0 ] || {
	grep -ah '^DEMO name=g. what=error' "$run"/g?.console | sed 's/^/# /'
	bail "the guests have no pvio disk or interface"
}
l=$(result g1 fio-start; result g2 fio-start)
check "both guests started fio verify" test "$(echo "$l" | grep -c .)" = 2

# --- I/O ---------------------------------------------------------------------
at "fio, iperf3, ping"
check "g1 done with fio, iperf3 and ping" wait_for g1 pattern-written 180
check "g2 done with fio, iperf3 and ping" wait_for g2 pattern-written 60
for g in g1 g2; do
	l=$(result $g fio)
	echo "# $l"
	check "$g: fio verify, both guests at once: no error" good "$l"
	check "$g: fio wrote and verified (IOPS > 0)" fio_wrote "$l"
done
l=$(result g2 iperf-peer)
echo "# $l"
check "iperf3 g2 -> g1 through the driver domain's bridge: no error" good "$l"
check "iperf3 g2 -> g1: throughput > 0" positive "$l" gbit
l=$(result g1 iperf-dd)
echo "# $l"
check "iperf3 g1 -> driver domain: no error" good "$l"
check "iperf3 g1 -> driver domain: throughput > 0" positive "$l" gbit
l=$(result g2 ping-peer)
echo "# $l"
check "ping g2 -> g1 at MTU 9000 (8972-byte payload): none lost" \
	ping_at_9000 "$l"
l=$(result g1 ping-dd)
echo "# $l"
check "ping g1 -> driver domain at MTU 9000: none lost" ping_at_9000 "$l"

# --- isolation -----------------------------------------------------------------
at isolation
isolation "$g1pid" "$g2pid" "$ddpid" >"$tmp/iso.out" 2>&1
grep '^#' "$tmp/iso.out"
check "the isolation check ran" grep -q '^CHECK' "$tmp/iso.out"
while read -r _ res text; do
	[ "$res" = ok ]
	ok $? "$text"
done < <(grep '^CHECK' "$tmp/iso.out")
grep -v '^#\|^CHECK' "$tmp/iso.out" | sed 's/^/# /'

# --- guest 1 killed mid-fio, three times ----------------------------------------
# backends_are G1 G2: the driver domain's last report has g1's vbd and
# vif (links 0 and 1) in a state the regex G1 matches, g2's (2, 3) in G2.
backends_are() {
	local l
	l="$(result dd backends) "
	[[ $l =~ \ link0-vbd0=($1)\  && $l =~ \ link1-vif0=($1)\  &&
	   $l =~ \ link2-vbd0=($2)\  && $l =~ \ link3-vif0=($2)\  ]]
}

# kill_g1 CYCLE: SIGKILL g1's QEMU in the middle of its fio; the driver
# domain disconnects g1's backends (and on the debug kernel finds no
# leak) while g2's stay connected.
kill_g1() {
	local leaks
	leaks=$(count dd kmemleak)
	check "cycle $1: pvio kill g1" timeout 30 "$pvio" kill g1
	check "cycle $1: g1's QEMU has exited" gone "$g1pid"
	check "cycle $1: the driver domain disconnected g1's backends, not g2's" \
		until_ 60 backends_are 'InitWait|Initialising|Closing|Closed' Connected
	echo "# $(result dd backends)"
	if [ -n "$kmemleak" ]; then
		check "cycle $1: the driver domain's kmemleak scan after g1 left" \
			more dd kmemleak "$leaks" 300
		l=$(result dd kmemleak)
		echo "# $l"
		check "cycle $1: g1's backends left no leak in the driver domain" \
			test "$(field "$l" leaks)" = 0
	fi
}

# restart_g1 CYCLE: g1 back with its disk as it left it; fio verify
# passes and it goes on with rounds; its backends connect again.
restart_g1() {
	local t0 l
	t0=$(date +%s)
	timeout $((150 * slow)) "$pvio" restart -w $((120 * slow)) g1 >"$tmp/restart.out" 2>&1
	ok $? "cycle $1: pvio restart g1: ready again in $(($(date +%s) - t0))s"
	g1pid=$(pid_of g1)
	check "cycle $1: the restarted g1 has its disk back, with what it wrote" \
		wait_for g1 restarted 90
	check "cycle $1: g1 finishes fio verify again" wait_for g1 "done" 150
	l=$(result g1 fio-restart)
	echo "# $l"
	check "cycle $1: g1's fio verify after the restart: no error" good "$l"
	check "cycle $1: g1's fio after the restart wrote (IOPS > 0)" positive "$l" wiops
	check "cycle $1: the driver domain connected g1's backends again" \
		until_ 60 backends_are Connected Connected
	check "cycle $1: g1 started its next fio" wait_for g1 round-start 60
}

at "kill 1"
# The debug kernel has kmemleak: the driver domain scans after each death.
kmemleak=
[ "${VM_KIND:-}" = debug ] && kmemleak=yes
check "both guests started a long fio verify" both_long
sleep 4
check "cycle 1: g1 is in the middle of its long fio" test -z "$(result g1 fio-long)"
kill_g1 1
check "g2's fio was still running when g1 died" test -z "$(result g2 fio-long)"
check "g2 finishes its fio and pings" wait_for g2 "done" 150
l=$(result g2 fio-long)
echo "# $l"
check "g2's fio verify carried on through g1's death: no error" good "$l"
l=$(result g2 ping-long)
echo "# $l"
check "g2's pings to the driver domain carried on: the last ten answered, at most a tenth lost" good "$l"
l=$(result g2 iperf-long)
echo "# $l"
check "g2's iperf3 to the driver domain carried on: no error" good "$l"
check "g2's iperf3 through g1's death: throughput > 0" positive "$l" gbit
at "restart 1"
restart_g1 1

# Cycles 2 and 3: g1 dies in a fio round; g2's rounds go on under it.
for c in 2 3; do
	at "kill $c"
	sleep 2
	g2rounds=$(count g2 round)
	check "cycle $c: g1 is in the middle of a fio round" \
		test "$(count g1 round)" -lt "$(count g1 round-start)"
	kill_g1 $c
	check "cycle $c: g2 finishes a fio round begun before g1 died" \
		more g2 round "$g2rounds" 150
	check "cycle $c: g2's fio rounds: no error" all_good g2 round
	at "restart $c"
	restart_g1 $c
done
echo "# g2 ran $(count g2 round) fio verify rounds through the cycles"
check "g1's fio rounds of its last life: no error" all_good g1 round
check "the driver domain's kernel log is clean" bash -c \
	"! grep -aE 'WARNING:|BUG:|Oops|KASAN|circular locking|hung_task' '$run/dd.console'"

# --- down --------------------------------------------------------------------
at down
check "pvio down" timeout 60 "$pvio" down
left=$(our_procs)
[ -z "$left" ] || echo "$left" | sed 's/^/# left: /'
check "no QEMU or pvio-hvd process of ours left" test -z "$left"
check "no memfd of pvio-hvd held by ours" test -z "$(our_procs memfds)"
check "no socket left in the run directory" test -z "$(find "$run" -type s)"
shm_new=$(comm -13 <(echo "$shm_before") <(ls /dev/shm) | grep -E 'pvio' || true)
check "no /dev/shm leftovers" test -z "$shm_new"

echo "# $(($(date +%s) - begin))s in all"
echo "1..$n"
[ $failed -eq 0 ]
