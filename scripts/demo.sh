#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo. pvio has no block or network device yet (they are the next
# issues), so for now the demo is honest about that: it boots the test VM
# on Debian's 6.12 kernel, loads pvio's modules, and runs the core smoke
# tests, printing what they check.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cat <<'MSG'
pvio demo: no pvio block or network device exists yet. This boots a QEMU
VM (Debian 6.12, TCG), mounts the host's /usr over 9p, loads pvio's modules
three times over and runs fio on null_blk: the foundation the devices need.
MSG
"$top/selftests/vm/run.sh" -k stock -t 'core_*'
rc=$?
echo
echo "Per-check output of each test: .build/vm-logs/stock/*.console"
exit $rc
