#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ivshmem_hotplug: devices added to a running guest with no spare link.
# `pvio up` of a driver domain (a raw disk with two
# partitions, a NIC) and a guest with one vbd and no spare; the guest
# keeps fio verify running on that disk (parts/ivshmem_hotplug_guest.sh)
# while `pvio attach g vbd dd:vda2` makes a new link in pvio-hvd and
# hot-plugs its ivshmem-doorbell device into both running QEMUs (QMP
# chardev-add + device_add, ACPI PCI hotplug): a new disk appears in the
# guest and passes fio verify, the first disk's fio loop runs through the
# attach with no error. Then a vif the same way, and a ping to the driver
# domain over it. pvio status shows both links hot-plugged with both
# peers connected; `pvio restart g` boots the guest with them plugged;
# `pvio down` leaves no process, socket or memfd. About 2 minutes on the
# loaded 2-core machine. Skipped (exit 4) on a guest kernel without ACPI
# PCI hotplug, such as the debug tier's.
# Run by selftests/vm/run.sh (LOGDIR, VM_KERNEL, VM_INITRD, VM_KMODS).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
pvio=$top/userspace/pvio
# A short path: pvio-hvd's socket names must fit sun_path.
tmp=$(mktemp -d /tmp/pvio-hp.XXXXXX)
run=$tmp/run
export PVIO_DIR=$run
# shellcheck source=SCRIPTDIR/../vm/tap.sh
. "$top/selftests/vm/tap.sh"
# shellcheck source=SCRIPTDIR/../vm/procs.sh
. "$top/selftests/vm/procs.sh"
# shellcheck source=SCRIPTDIR/../vm/results.sh
. "$top/selftests/vm/results.sh"
begin=$(date +%s)

cleanup() {
	timeout 60 "$pvio" down >/dev/null 2>&1
	for f in "$run"/*.console* "$run"/*.qemu "$run"/hvd.log; do
		[ -e "$f" ] && cp "$f" "${LOGDIR:-/tmp}/hotplug-${f##*/}"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

at() {
	echo "# $* at $(($(date +%s) - begin))s"
}

# status EXPR: a Python expression over pvio status -j (j; links, the
# links by id) is true.
status() {
	"$pvio" status -j | python3 -c "
import json, sys
j = json.load(sys.stdin)
links = {l['id']: l for l in j['links']}
sys.exit(0 if ($1) else 1)"
}

echo "TAP version 13"
[ -n "${VM_KERNEL:-}" ] && [ -n "${VM_INITRD:-}" ] && [ -n "${VM_KMODS:-}" ] ||
	bail "run me through selftests/vm/run.sh -t ivshmem_hotplug"
[ -x "$pvio" ] && [ -x "$top/userspace/pvio-hvd" ] ||
	bail "build userspace/ first"
shm_before=$(ls /dev/shm)

truncate -s 96M "$tmp/disk.img"
printf 'label: dos\n,40M,L\n,40M,L\n' | sfdisk -q "$tmp/disk.img" >/dev/null ||
	bail "sfdisk"
cat >"$tmp/pvio.cfg" <<EOF
kernel = $VM_KERNEL
initrd = $VM_INITRD
modules = $VM_KMODS
rundir = $run

[domain dd]
type = driver
memory = 256M
disk = $tmp/disk.img,format=raw,cache=writeback
nic = user
run = parts/demo_dd.sh
append = demobr=10.98.0.1/24

[domain g]
type = guest
memory = 256M
vbd = dd:vda1
run = parts/ivshmem_hotplug_guest.sh
append = hotip=10.98.0.2 hotdd=10.98.0.1
EOF

# --- up ----------------------------------------------------------------------
at up
t0=$(date +%s)
timeout 180 "$pvio" up -w 150 "$tmp/pvio.cfg" >"$tmp/up.out" 2>&1
rc=$?
ok $rc "pvio up: a driver domain and a guest with one vbd, no spare, ready in $(($(date +%s) - t0))s"
[ $rc = 0 ] || { sed 's/^/# /' "$tmp/up.out"; bail "pvio up failed"; }
check "one link, no spare" status 'len(links) == 1 and links[0]["kind"] == "vbd"'
check "the guest runs fio verify on its first disk" wait_for g io-start 90
[ $failed = 0 ] || bail "the guest has no pvio disk"
if [ "$(field "$(result g io-start)" pcihp)" != yes ]; then
	# The debug tier's kernel (scripts/debug-kernel.sh) has no PCI hotplug.
	echo "the guest kernel has no ACPI PCI hotplug (CONFIG_HOTPLUG_PCI_ACPI)"
	exit 4
fi

# --- a vbd ---------------------------------------------------------------------
at "attach vbd"
sleep 3
"$pvio" attach g vbd dd:vda2 >"$tmp/attach.out" 2>&1
ok $? "pvio attach g vbd dd:vda2, under the guest's I/O"
sed 's/^/# /' "$tmp/attach.out"
check "attach says it hot-plugged a new link" \
	grep -q 'hot-plugged link 1$' "$tmp/attach.out"
check "pvio status: link 1, a vbd, hot-plugged, both peers connected" \
	status 'links[1]["kind"] == "vbd" and links[1]["hotplugged"] and
		links[1]["backend_peer"] > 0 and links[1]["frontend_peer"] > 0 and
		links[1]["keys"] == {"vbd0/mode": "w", "vbd0/params": "/dev/vda2"}'
"$pvio" status | sed 's/^/# /'
check "the new disk appears in the running guest" wait_for g disk2 120
l=$(result g disk2)
echo "# $l"
check "the first disk's fio loop was still running when it appeared" \
	test "$(field "$l" fio1)" = running
check "fio verify on the new disk" wait_for g fio2 180
l=$(result g fio2)
echo "# $l"
check "fio verify on the new disk: no error" good "$l"
check "the first disk's fio loop ends" wait_for g fio1 180
l=$(result g fio1)
echo "# $l"
check "the first disk's fio verify through the attach: no error" good "$l"
check "the first disk's fio loop completed runs (runs > 0)" positive "$l" runs

# --- a vif ---------------------------------------------------------------------
at "attach vif"
"$pvio" attach g vif dd >"$tmp/attach.out" 2>&1
ok $? "pvio attach g vif dd"
sed 's/^/# /' "$tmp/attach.out"
check "pvio status: link 2, a vif, hot-plugged, both peers connected" \
	status 'links[2]["kind"] == "vif" and links[2]["hotplugged"] and
		links[2]["backend_peer"] > 0 and links[2]["frontend_peer"] > 0'
check "ping to the driver domain over the new vif" wait_for g ping 150
l=$(result g ping)
echo "# $l"
check "ping over the new vif: none lost" good "$l"
check "the driver domain's kernel log is clean" bash -c \
	"! grep -aE 'WARNING:|BUG:|Oops|KASAN|circular locking|hung_task' '$run/dd.console'"
check "the guest's kernel log is clean" bash -c \
	"! grep -aE 'WARNING:|BUG:|Oops|KASAN|circular locking|hung_task' '$run/g.console'"

# --- restart -------------------------------------------------------------------
at restart
t0=$(date +%s)
timeout 150 "$pvio" restart -w 120 g >"$tmp/restart.out" 2>&1
ok $? "pvio restart g: ready again in $(($(date +%s) - t0))s"
check "the restarted guest has the attached devices at boot (3 ivshmem, 2 disks)" \
	wait_for g restarted 120
l=$(result g restarted)
echo "# $l"
check "... 3 ivshmem devices and 2 disks" \
	test "$(field "$l" ivshmem) $(field "$l" disks)" = "3 2"

# --- down ----------------------------------------------------------------------
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
