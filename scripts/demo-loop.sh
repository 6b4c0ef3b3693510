#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo-loop: boots a QEMU VM (Debian's 6.12 kernel, TCG), loads pvio,
# exports a memory-backed null_blk disk over a loop link to /dev/pvda and
# runs fio through it with verify, beside the same jobs on the disk
# directly (selftests/tests/blk_demo.sh); then runs iperf3 and ping
# between two network namespaces over a vif, beside a veth pair
# (selftests/tests/net_demo.sh); and prints the tables.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cat <<'MSG'
pvio demo: one VM plays both domains. pvio_blkback exports /dev/nullb0
over a loop link; pvio_blkfront shows it as /dev/pvda. fio writes and
verifies through it; each job also runs on /dev/nullb0 directly, first.
Then pvio_netback and pvio_netfront join two network namespaces over a
vif, and iperf3 and ping run across it and across a veth pair.
(Under TCG only the ratio between the rows means anything.)
MSG
out=$("$top/selftests/vm/run.sh" -v -k stock -t blk_demo,net_demo)
rc=$?
echo
sed -n 's/^# \(\(device\|\/dev\/\).*\)/\1/p' <<<"$out"
echo
sed -n 's/^# \(\(path\|veth\|pvio\)[ /].*\)/\1/p' <<<"$out"
echo
grep -E '^(ok|not ok|[0-9]+ passed)' <<<"$out"
[ $rc -eq 0 ] || echo "demo failed; VM logs: .build/vm-logs/stock/"
exit $rc
