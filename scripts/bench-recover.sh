#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-recover (and make bench): how long a driver domain's restart
# costs its guests. Runs the recover_dd_kill test (selftests/tests/
# recover_dd_kill.host.sh: the demo's driver domain and two guests doing
# fio verify and iperf3 through it) with BENCH_CYCLES kills (default 3),
# whose probe (selftests/vm/recovery_probe.py) times each restart from
# the host, from the new driver domain QEMU's start: its own boot (to its
# console's ready line), every guest frontend Connected again, and the
# guests' TCP carrying data again. Prints each cycle and the medians,
# with "beyond boot" (guests connected minus the driver domain's boot):
# the aim is 1 s at most. The test's checks hold as in make check: a
# failed run prints no figures and fails. The medians go into the
# results folder (scripts/bench-lib.sh: bench recover, mode xvm).
set -uo pipefail

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
unset PVIO_TESTS_DIR
logs=$top/.build/vm-logs/bench-recover
export VM_LOGDIR=$logs CYCLES=${BENCH_CYCLES:-3}

"$top/selftests/vm/run.sh" -k stock -t recover_dd_kill >/dev/null
rc=$?
log=$logs/recover_dd_kill.log
if [ $rc -ne 0 ]; then
	grep -a '^not ok' "$log" 2>/dev/null
	echo "bench-recover: recover_dd_kill failed (log: $log)"
	exit 1
fi
echo "driver domain restart, seconds from the new QEMU's start"
echo "(boot: to its console's ready; connected: the last guest frontend"
echo "Connected again; beyond_boot: connected - boot, aim <= 1; tcp: the"
echo "guests' iperf3 carries data again)"
sed -n 's/^# recovery cycle \([0-9]*\) (seconds from the new QEMU.s start): /cycle \1: /p' "$log"
sed -n 's/^# recovery median/median/p' "$log"
# shellcheck source=selftests/vm/qemu.sh
. "$top/selftests/vm/qemu.sh"
bench_meta accel_xvm "qemu-system-x86_64 -accel $VM_XACCEL -smp $VM_XSMP -cpu $VM_CPU -m $VM_MEM"
sed -n 's/^# recovery median of [0-9]* (s from the new QEMU start): boot \([-0-9.]*\), guests connected \([-0-9.]*\) (\([-0-9.]*\) beyond boot), TCP data \([-0-9.]*\).*/\1 \2 \3 \4/p' "$log" |
	while read -r boot conn beyond tcp; do
		bench_record recover xvm pvio restart_boot_s "$boot"
		bench_record recover xvm pvio restart_connected_s "$conn"
		bench_record recover xvm pvio restart_beyond_boot_s "$beyond"
		bench_record recover xvm pvio restart_tcp_s "$tcp"
	done
bench_report
