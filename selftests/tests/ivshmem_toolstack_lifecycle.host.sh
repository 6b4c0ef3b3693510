#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ivshmem_toolstack_lifecycle: the toolstack's whole life with no pvio
# kernel driver. `pvio up` on a tiny config (a driver domain with a 64
# MiB raw disk, a NIC and a run = script; a guest with one vbd, one vif
# and one spare link): the VMs see their ivshmem-doorbell devices (driver
# domain: control + 3 backend ends; guest: 3 frontend ends); pvio-hvd
# shows both peers of every link connected and the toolstack keys; the
# driver domain bridges its NIC and an interface named like a vif's
# backend; `pvio attach` fills the spare, and with none left hot-plugs a
# new link's devices into both QEMUs; `pvio kill` of the guest leaves
# its ends empty with a new generation; `pvio restart` brings new peer
# ids, never reused, for the guest and then for the driver domain under
# it; pvio watch runs, and leaves the guest (on-crash destroy) dead when
# its QEMU is SIGKILLed behind the toolstack's back; `pvio down` leaves
# no process, socket or memfd. Every step is
# bounded: 1 to 2 minutes on the loaded 2-core machine.
# Run by selftests/vm/run.sh (LOGDIR, VM_KERNEL, VM_INITRD, VM_KMODS).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../vm/tap.sh
. "$top/selftests/vm/tap.sh"
# shellcheck source=SCRIPTDIR/../vm/procs.sh
. "$top/selftests/vm/procs.sh"
# shellcheck source=SCRIPTDIR/../vm/results.sh
. "$top/selftests/vm/results.sh"
pvio=$top/userspace/pvio
# A short path: pvio-hvd's socket names must fit sun_path.
tmp=$(mktemp -d /tmp/pvio-ts.XXXXXX)
run=$tmp/run
export PVIO_DIR=$run
begin=$(date +%s)

cleanup() {
	timeout 60 "$pvio" down >/dev/null 2>&1
	# Keep the consoles for a failure's post-mortem.
	for f in "$run"/*.console "$run"/*.qemu "$run"/hvd.log; do
		[ -e "$f" ] && cp "$f" "${LOGDIR:-/tmp}/lifecycle-${f##*/}"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# pvio-hvd's own status (not pvio's view of it), as JSON.
hvd_status() {
	python3 - "$run/hvd.sock" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(b"status\n")
b = b""
while not b.endswith(b"\n"):
    d = s.recv(1 << 16)
    if not d:
        break
    b += d
print(b.decode().strip())
EOF
}

# js JSON-FILE EXPR: a Python expression over j (the parsed file); exit
# status 0 if it is true, and its value printed unless true/false.
# js OLD NEW EXPR: the same over two of pvio-hvd's status files: a and b.
# EXPR also has links (j's links by id), la and lb (a's and b's),
# ends(s, KEY) (KEY of each of s's links, in order) and peers(s) (every
# peer id in s: the control's and both ends' of each link).
js() {
	python3 - "$@" <<'EOF'
import json, sys
*files, expr = sys.argv[1:]
def ends(s, key):
    return [l[key] for l in s["links"]]
def peers(s):
    return {s["control"]["peer"]} | set(ends(s, "backend_peer") + ends(s, "frontend_peer"))
if len(files) == 1:
    j = json.load(open(files[0]))
    links = {l["id"]: l for l in j.get("links", [])}
else:
    a, b = (json.load(open(f)) for f in files)
    la = {l["id"]: l for l in a["links"]}
    lb = {l["id"]: l for l in b["links"]}
v = eval(expr)
if not isinstance(v, bool):
    print(v)
sys.exit(0 if v else 1)
EOF
}

our_memfds() {
	our_procs memfds
}

# restart_step DOMAIN DESCRIPTION STATUS-FILE: pvio restart -w 90 DOMAIN,
# its TAP line "DESCRIPTION: ready again in Ns", then pvio-hvd's status
# into STATUS-FILE.
restart_step() {
	local t0

	t0=$(date +%s)
	timeout 120 "$pvio" restart -w 90 "$1" >"$tmp/restart-$1.out" 2>&1
	ok $? "$2: ready again in $(($(date +%s) - t0))s"
	hvd_status >"$3"
}

echo "TAP version 13"
[ -n "${VM_KERNEL:-}" ] && [ -n "${VM_INITRD:-}" ] && [ -n "${VM_KMODS:-}" ] ||
	bail "run me through selftests/vm/run.sh -t ivshmem_toolstack_lifecycle"
[ -x "$pvio" ] && [ -x "$top/userspace/pvio-hvd" ] ||
	bail "build userspace/ first"
shm_before=$(ls /dev/shm)

truncate -s 64M "$tmp/disk.img"
cat >"$tmp/pvio.cfg" <<EOF
kernel = $VM_KERNEL
initrd = $VM_INITRD
modules = $VM_KMODS
rundir = $run
spares = 1

[domain dd]
type = driver
memory = 256M
disk = $tmp/disk.img,format=raw,cache=writeback
nic = user
run = parts/ivshmem_toolstack_dd.sh

[domain g1]
type = guest
memory = 256M
vbd = dd:vda1
vif = dd,queues=2
EOF

# --- up ----------------------------------------------------------------------
echo "# up at $(($(date +%s) - begin))s"
t0=$(date +%s)
timeout 120 "$pvio" up -w 90 "$tmp/pvio.cfg" >"$tmp/up.out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/up.out"
ok $rc "pvio up: pvio-hvd, a driver domain and a guest ready in $(($(date +%s) - t0))s"
[ $rc = 0 ] || bail "pvio up failed"

check "driver domain sees control + 3 backend ivshmem-doorbell devices (1af4:1110)" \
	grep -q 'pvio-domain: ready role=driver name=dd ivshmem=4 ' "$run/dd.console"
check "guest sees 3 frontend ivshmem-doorbell devices" \
	grep -q 'pvio-domain: ready role=guest name=g1 ivshmem=3 ' "$run/g1.console"
check "driver domain bridged its NIC" grep -q 'pvio-domain: br0: br0 .* UP' "$run/dd.console"
# Its run = script adds an interface named like a vif's backend.
for i in $(seq 30); do
	grep -q 'pvio-domain: pvif99.0 joined br0' "$run/dd.console" && break
	sleep 0.5
done
check "driver domain bridges a pvif* interface that appears" \
	grep -q 'pvio-domain: pvif99.0 joined br0' "$run/dd.console"

hvd_status >"$tmp/s1.json"
check "pvio-hvd: the control device's peer connected" \
	js "$tmp/s1.json" 'j["control"]["peer"] > 0'
check "pvio-hvd: both peers connected on each of the 3 links" \
	js "$tmp/s1.json" 'len(links) == 3 and all(l["backend_peer"] > 0 and l["frontend_peer"] > 0 for l in links.values())'
check "pvio-hvd: every link's vectors agree with what QEMU was given" \
	js "$tmp/s1.json" 'links[0]["vectors"] == 9 and links[1]["vectors"] == 9 and links[2]["vectors"] == 9'
check "the vbd's keys: vbd0/params /dev/vda1, vbd0/mode w" \
	js "$tmp/s1.json" 'links[0]["keys"] == {"vbd0/mode": "w", "vbd0/params": "/dev/vda1"}'
check "the vif's keys: vif0/mac (generated), vif0/queues 2" \
	js "$tmp/s1.json" 'links[1]["keys"] == {"vif0/queues": "2", "vif0/mac": "02:70:76:00:02:01"}'
check "the spare link has no keys" js "$tmp/s1.json" 'links[2]["keys"] == {}'
check "each QEMU of a link has the same vectors= (command lines)" \
	bash -c "grep -c 'vectors=9' <(tr '\0' '\n' <'$run/dd.argv') | grep -qx 3 &&
		 grep -c 'vectors=9' <(tr '\0' '\n' <'$run/g1.argv') | grep -qx 3"

"$pvio" status -j >"$tmp/st1.json"
check "pvio status -j: both domains ready, pids alive" \
	js "$tmp/st1.json" 'all(d["state"] == "ready" and d["pid"] > 0 for d in j["domains"])'
check "pvio status -j: pvio watch runs; on-crash restart for dd, destroy for g1" \
	js "$tmp/st1.json" 'j["watch"]["running"] and [d["on_crash"] for d in j["domains"]] == ["restart", "destroy"]'
"$pvio" status | sed 's/^/# /'

# --- attach ------------------------------------------------------------------
echo "# attach at $(($(date +%s) - begin))s"
"$pvio" attach g1 vbd dd:vda2:ro,iops=500 >"$tmp/attach.out" 2>&1
ok $? "pvio attach g1 vbd dd:vda2:ro,iops=500"
sed 's/^/# /' "$tmp/attach.out"
hvd_status >"$tmp/s2.json"
check "the spare link now has the vbd's keys" \
	js "$tmp/s2.json" 'links[2]["keys"] == {"vbd0/mode": "r", "vbd0/iops": "500", "vbd0/params": "/dev/vda2"}'
"$pvio" attach g1 vif dd >"$tmp/attach.out" 2>&1
ok $? "pvio attach g1 vif dd, with no spare left"
sed 's/^/# /' "$tmp/attach.out"
hvd_status >"$tmp/s2b.json"
check "... hot-plugs link 3 into both QEMUs: both peers connected, the vif's keys" \
	js "$tmp/s2b.json" '(links[3]["backend_peer"] > 0 and links[3]["frontend_peer"] > 0 and
		links[3]["keys"] == {"vif0/mac": "02:70:76:00:02:03"})'

# --- kill --------------------------------------------------------------------
echo "# kill at $(($(date +%s) - begin))s"
g1pid=$(js "$tmp/st1.json" '[d["pid"] for d in j["domains"] if d["name"] == "g1"][0]')
t0=$(date +%s)
check "pvio kill g1" timeout 30 "$pvio" kill g1
check "g1's QEMU has exited" gone "$g1pid"
hvd_status >"$tmp/s3.json"
check "pvio-hvd: g1's ends are gone, the driver domain's stay" \
	js "$tmp/s3.json" 'all(l["frontend_peer"] == 0 and l["backend_peer"] > 0 for l in j["links"])'
check "pvio-hvd: every link's generation was bumped" \
	js "$tmp/s2b.json" "$tmp/s3.json" \
	'all(lb[i]["generation"] == la[i]["generation"] + 1 for i in la)'
"$pvio" status -j >"$tmp/st3.json"
check "pvio status: g1 killed, dd still ready" \
	js "$tmp/st3.json" '[d["state"] for d in j["domains"]] == ["ready", "killed"]'

# --- restart -----------------------------------------------------------------
echo "# restart at $(($(date +%s) - begin))s"
restart_step g1 "pvio restart g1" "$tmp/s4.json"
check "pvio-hvd: g1's ends connected again with new peer ids, never reused" \
	js "$tmp/s1.json" "$tmp/s4.json" \
	'(all(p > max(peers(a)) for p in ends(b, "frontend_peer")) and
	  len(set(ends(b, "frontend_peer"))) == len(ends(b, "frontend_peer")))'
check "pvio-hvd: the driver domain's peers did not change" \
	js "$tmp/s2b.json" "$tmp/s4.json" \
	'{i: l["backend_peer"] for i, l in la.items()} == {i: l["backend_peer"] for i, l in lb.items()}'
check "the restarted guest sees its 4 devices, the hot-plugged one at boot" \
	grep -q 'pvio-domain: ready role=guest name=g1 ivshmem=4 ' "$run/g1.console"
"$pvio" status -j >"$tmp/st4.json"
check "pvio status: g1 ready, started twice" \
	js "$tmp/st4.json" '[(d["state"], d["starts"]) for d in j["domains"]] == [("ready", 1), ("ready", 2)]'

# --- restart of the driver domain ---------------------------------------------
echo "# restart of the driver domain at $(($(date +%s) - begin))s"
restart_step dd "pvio restart dd under the running guest" "$tmp/s5.json"
check "pvio-hvd: the driver domain's control and backend ends have new peer ids" \
	js "$tmp/s4.json" "$tmp/s5.json" \
	'min([b["control"]["peer"]] + ends(b, "backend_peer")) > max(peers(a))'
check "pvio-hvd: the guest's peers stayed, each link has a new generation" \
	js "$tmp/s4.json" "$tmp/s5.json" \
	'all(lb[i]["frontend_peer"] == la[i]["frontend_peer"] and
	     lb[i]["generation"] == la[i]["generation"] + 1 for i in la)'
check "the restarted driver domain sees its 5 devices, the hot-plugged one at boot" \
	grep -q 'pvio-domain: ready role=driver name=dd ivshmem=5 ' "$run/dd.console"

# --- a guest that dies by itself --------------------------------------------
# SIGKILL behind the toolstack's back: g1 is dead, and stays dead (its
# on-crash is destroy) while pvio watch looks ten times.
g1pid=$(pid_of g1)
check "SIGKILL to g1's QEMU" kill -KILL "$g1pid"
for _ in $(seq 100); do gone "$g1pid" && break; sleep 0.1; done
check "g1's QEMU has exited" gone "$g1pid"
sleep 2
"$pvio" status -j >"$tmp/st6.json"
check "pvio status: g1 dead, not started again; the watch runs" \
	js "$tmp/st6.json" '[(d["state"], d["starts"]) for d in j["domains"]][1] == ("dead", 2) and j["watch"]["running"]'

# --- down --------------------------------------------------------------------
echo "# down at $(($(date +%s) - begin))s"
check "before down, the check sees our processes' memfds" test -n "$(our_memfds)"
t0=$(date +%s)
check "pvio down" timeout 60 "$pvio" down
left=$(our_procs)
[ -z "$left" ] || echo "$left" | sed 's/^/# left: /'
check "no QEMU or pvio-hvd process of ours left" test -z "$left"
check "no memfd of pvio-hvd held anywhere by ours" test -z "$(our_memfds)"
check "no socket left in the run directory" \
	test -z "$(find "$run" -type s)"
check "no state file left" test ! -e "$run/pvio.state"
shm_new=$(comm -13 <(echo "$shm_before") <(ls /dev/shm) | grep -E 'pvio-(link|control)|pvio-ts' || true)
check "no /dev/shm leftovers" test -z "$shm_new"
check "down again: nothing is up" bash -c "'$pvio' down 2>&1 | grep -q 'nothing is up'"

echo "# $(($(date +%s) - begin))s in all"
echo "1..$n"
[ $failed -eq 0 ]
