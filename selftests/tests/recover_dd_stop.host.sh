#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# recover_dd_stop: recover_dd_kill.host.sh with the driver domain hung
# instead of killed: its QEMU stopped (SIGSTOP) for 10 s, longer than
# the guests' heartbeat timeout, then let go on (SIGCONT), 3 times in
# the middle of both guests' fio rounds and iperf3. The same checks: each
# guest finishes the fio round the hang interrupted with every block
# verified, iperf3's connection carries data again, the guests' kernel
# logs stay clean (no hung task: their waits are bounded). CYCLES=N
# changes the number of hangs.
# Run by selftests/vm/run.sh (LOGDIR, VM_KERNEL, VM_INITRD, VM_KMODS).
RECOVER_MODE=stop exec bash "$(dirname "$0")/recover_dd_kill.host.sh"
