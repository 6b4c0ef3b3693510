#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pvio_ivshmem against one VM, the host playing the other end: pvio-hvd
# serves one link of 4 vectors; selftests/hvd/probe_peer
# connects to its backend socket as QEMU would (the memfd, the eventfds)
# and plays the backend end; the VM (parts/ivshmem_probe.sh) has the
# frontend socket's ivshmem-doorbell and an ivshmem-plain device, and
# loads pvio_ivshmem. Asserted: the VM's end is the frontend, with the
# region, header and vectors pvio-hvd gave it; each doorbell either side
# rings reaches that one vector and no other; ivshmem-plain is refused
# with one log line; the device unbound and bound again works as before;
# rmmod pvio_ivshmem while bound leaves nothing behind (kmemleak on the
# debug kernel); the host peer hanging up is a new generation the VM's
# end takes (the time it took is printed, bounded at 30 s only). The
# turns both sides take are in probe_peer.c. Run by selftests/vm/run.sh
# (LOGDIR, VM_KERNEL, VM_INITRD, VM_KMODS set).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/vm/qemu.sh"

make -s -C "$top/selftests/hvd" probe_peer >"$LOGDIR/probe-build.log" 2>&1 ||
	{ echo "cannot build probe_peer"; cat "$LOGDIR/probe-build.log"; exit 1; }

run=$(mktemp -d /tmp/pvio-probe.XXXXXX)
hvd=
peer=
cleanup() {
	[ -n "$peer" ] && kill "$peer" 2>/dev/null && wait "$peer" 2>/dev/null
	[ -n "$hvd" ] && kill "$hvd" 2>/dev/null && wait "$hvd" 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT

"$top/userspace/pvio-hvd" -d "$run/hvd" -v 2>"$LOGDIR/ivshmem-probe-hvd.log" &
hvd=$!
for _ in $(seq 50); do
	[ -S "$run/hvd/hvd.sock" ] && break
	sleep 0.1
done
python3 - "$run/hvd/hvd.sock" <<'PY' || { echo "pvio-hvd refused the link"; exit 1; }
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"link-add 0 backend=1 frontend=2 size=1048576 vectors=4\n")
sys.exit(0 if json.loads(s.makefile().readline()).get("ok") else 1)
PY

# The host peer first: the VM is told its id.
"$top/selftests/hvd/probe_peer" "$run/hvd/link0-backend.sock" 4 1 2 \
	>"$LOGDIR/ivshmem-probe-peer.tap" 2>&1 &
peer=$!
id=
for _ in $(seq 100); do
	id=$(sed -n 's/^# peer id //p' "$LOGDIR/ivshmem-probe-peer.tap")
	[ -n "$id" ] && break
	sleep 0.1
done
[ -n "$id" ] || { cat "$LOGDIR/ivshmem-probe-peer.tap"; exit 1; }

# Cross-VM accelerator mode (ivshmem_litmus): the host peer shares the
# region with the VM as another VM would.
vm_qemu_x "$LOGDIR" ivshmem-probe 1200 \
	"pviorun=parts/ivshmem_probe.sh probe_peer=$id" \
	-chardev socket,path="$run/hvd/link0-frontend.sock",id=l0 \
	-device ivshmem-doorbell,chardev=l0,vectors=4 \
	-object memory-backend-file,id=plain,size=1M,share=on,mem-path="$run/plain" \
	-device ivshmem-plain,memdev=plain
wait "$peer"
prc=$?
peer=

rc=0
echo "--- host peer"
cat "$LOGDIR/ivshmem-probe-peer.tap"
if [ $prc -ne 0 ]; then
	echo "the host peer did not pass"
	rc=1
fi
echo "--- VM"
grep -E '^(ok|not ok|#)' "$LOGDIR/ivshmem-probe.console"
if ! grep -q '^PVIO-EXIT 0' "$LOGDIR/ivshmem-probe.results"; then
	grep '^# ' "$LOGDIR/ivshmem-probe.results"
	echo "the VM did not pass (log: $LOGDIR/ivshmem-probe.console)"
	rc=1
fi
exit $rc
