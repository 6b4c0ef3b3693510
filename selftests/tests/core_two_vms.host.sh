#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A test that needs several VMs runs on the host and boots them itself,
# each with its own QEMU arguments: here two VMs joined by a QEMU socket
# network (on 127.0.0.1) ping each other's IPv6 link-local address. Run by
# selftests/vm/run.sh, which sets LOGDIR, VM_KERNEL, VM_INITRD, VM_KMODS.
set -u
. "$(dirname "$0")/../vm/qemu.sh"

port=$((20000 + $$ % 20000))
# vm NAME MAC_LAST PEER_MAC_LAST NETDEV: boot one half of the pair.
vm() {
	vm_qemu "$LOGDIR" "$1" 180 \
		"pviorun=parts/core_two_vms.sh pviopeer=fe80::5054:ff:fe00:$3" \
		-netdev "socket,id=n0,$4" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:00:00:0$2"
}

vm two-vms-a 1 2 "listen=127.0.0.1:$port" &
a=$!
sleep 1	# the listener must be up before the other connects
vm two-vms-b 2 1 "connect=127.0.0.1:$port"
wait $a

rc=0
for v in two-vms-a two-vms-b; do
	echo "--- $v"
	grep -E '^(ok|not ok)' "$LOGDIR/$v.console"
	if ! grep -q '^PVIO-EXIT 0' "$LOGDIR/$v.results"; then
		echo "$v did not pass (log: $LOGDIR/$v.console)"
		rc=1
	fi
done
exit $rc
