#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Four queues need four CPUs (blk-mq makes no more hardware queues than
# there are CPUs): this boots its own VM with 4 vCPUs (TCG on 2 host
# cores: slower, still correct) for parts/blk_queues.sh. Run by
# selftests/vm/run.sh, which sets LOGDIR, VM_KERNEL, VM_INITRD, VM_KMODS.
set -u
. "$(dirname "$0")/../vm/qemu.sh"

# Booted again if it died before starting (run.sh's boot_vm says why).
for try in 1 2 3; do
	VM_SMP=4 vm_qemu "$LOGDIR" blk-queues 300 "pviorun=parts/blk_queues.sh"
	grep -q '^PVIO-START' "$LOGDIR/blk-queues.results" && break
done
grep -E '^(ok|not ok|#)' "$LOGDIR/blk-queues.console"
grep -q '^PVIO-EXIT 0' "$LOGDIR/blk-queues.results" || {
	echo "blk_queues did not pass (log: $LOGDIR/blk-queues.console)"
	exit 1
}
