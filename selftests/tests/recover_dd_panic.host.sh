#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# recover_dd_panic: recover_dd_kill.host.sh with the driver domain's
# kernel crashing instead of its QEMU being killed: booted with
# unknown_nmi_panic, it gets an NMI (pvio trigger dd nmi) in the middle
# of both guests' fio rounds and iperf3, panics, and its QEMU exits
# (panic=-1, -no-reboot); pvio restart starts it again, 3 times. The
# same checks: each guest finishes the fio round the crash interrupted
# with every block verified, iperf3's connection carries data again,
# the guests' kernel logs stay clean. CYCLES=N changes the number of
# crashes.
# Run by selftests/vm/run.sh (LOGDIR, VM_KERNEL, VM_INITRD, VM_KMODS).
RECOVER_MODE=panic exec bash "$(dirname "$0")/recover_dd_kill.host.sh"
