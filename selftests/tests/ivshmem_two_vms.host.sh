#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A driver domain and a guest in two VMs, joined by pvio-hvd: the driver
# domain exports a null_blk disk and a vif over two ivshmem links, the
# guest writes and verifies its disk with fio and pings the driver domain
# through its vif. Nothing is configured inside the VMs but loading the
# modules: which end each VM is, and which devices, come from pvio-hvd
# (the control region for the driver domain, the link header for the
# guest).
#
# And link_authority across VMs: the guest boots first and rewrites the
# toolstack keys in its link's region (its BAR2) to name a file of the
# driver domain, before the driver domain boots; the driver domain's
# backend, and the same backend reloaded, open what the control region
# says, so the guest reads the disk it was given. A key the host sets
# while it runs reaches the backend (vbd0/coalesce), and a vbd set on a
# spare link while both run appears at both ends (as pvio attach does).
# Run by
# selftests/vm/run.sh (LOGDIR, VM_KERNEL, VM_INITRD, VM_KMODS set).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/vm/qemu.sh"

run=$(mktemp -d /tmp/pvio-hvd.XXXXXX)
hvd=
cleanup() {
	[ -n "$hvd" ] && kill "$hvd" 2>/dev/null && wait "$hvd" 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT

"$top/userspace/pvio-hvd" -d "$run/hvd" -v 2>"$LOGDIR/ivshmem-hvd.log" &
hvd=$!
for _ in $(seq 50); do
	[ -S "$run/hvd/hvd.sock" ] && break
	sleep 0.1
done

# hvd REQUEST: one request to pvio-hvd's control socket; fails unless the
# answer says ok.
hvd() {
	python3 - "$run/hvd/hvd.sock" "$*" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
answer = s.makefile().readline()
print("# hvd: " + sys.argv[2] + " -> " + answer.strip())
sys.exit(0 if json.loads(answer).get("ok") else 1)
PY
}

vectors=4
hvd link-add 0 backend=1 frontend=2 size=4194304 vectors=$vectors &&
	hvd key-set 0 vbd0/params /dev/nullb0 &&
	hvd key-set 0 vbd0/mode w &&
	hvd link-add 1 backend=1 frontend=2 size=4194304 vectors=$vectors &&
	hvd key-set 1 vif0/mac 52:54:00:12:34:56 &&
	hvd link-add 2 backend=1 frontend=2 size=4194304 vectors=$vectors ||
	{ echo "pvio-hvd refused the links"; exit 1; }

# ivshmem DEVICE-ID SOCKET [VECTORS]: QEMU arguments of one ivshmem-doorbell.
ivshmem() {
	echo "-chardev socket,path=$2,id=$1 -device ivshmem-doorbell,chardev=$1,vectors=${3:-$vectors}"
}

# wait_line VM LINE SECONDS: wait until VM's results say LINE.
wait_line() {
	for _ in $(seq $(($3 * 5))); do
		grep -q "^$2" "$LOGDIR/$1.results" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# Two QEMUs sharing memory: the accelerator mode ivshmem_litmus chose.
# The guest first: it forges its region's keys before any backend runs.
# shellcheck disable=SC2046
vm_qemu_x "$LOGDIR" ivshmem-guest 300 "pviorun=parts/ivshmem_guest.sh" \
	$(ivshmem l0 "$run/hvd/link0-frontend.sock") \
	$(ivshmem l1 "$run/hvd/link1-frontend.sock") \
	$(ivshmem l2 "$run/hvd/link2-frontend.sock") \
	-object memory-backend-file,id=plain,size=1M,share=on,mem-path="$run/plain" \
	-device ivshmem-plain,memdev=plain &
guest=$!
if ! wait_line ivshmem-guest "# forged" 120; then
	echo "the guest did not get as far as forging its keys"
	tail -n 30 "$LOGDIR/ivshmem-guest.console"
	kill $guest
	wait $guest
	exit 1
fi
# shellcheck disable=SC2046
vm_qemu_x "$LOGDIR" ivshmem-driver 300 "pviorun=parts/ivshmem_driver.sh" \
	$(ivshmem c "$run/hvd/control.sock" 1) \
	$(ivshmem l0 "$run/hvd/link0-backend.sock") \
	$(ivshmem l1 "$run/hvd/link1-backend.sock") \
	$(ivshmem l2 "$run/hvd/link2-backend.sock") &
driver=$!
# A configuration change reaches the running backend as a control event,
# and a vbd given to the spare link 2 appears at both ends.
if wait_line ivshmem-driver "# backends ready" 120; then
	hvd key-set 0 vbd0/coalesce 500
	hvd key-set 2 vbd0/mode r
	hvd key-set 2 vbd0/params /tmp/spare.img
fi
wait $driver
wait $guest
hvd status >/dev/null

rc=0
for v in ivshmem-driver ivshmem-guest; do
	echo "--- $v"
	grep -E '^(ok|not ok|#)' "$LOGDIR/$v.console"
	if ! grep -q '^PVIO-EXIT 0' "$LOGDIR/$v.results"; then
		grep '^# ' "$LOGDIR/$v.results"
		echo "$v did not pass (log: $LOGDIR/$v.console)"
		rc=1
	fi
done
exit $rc
