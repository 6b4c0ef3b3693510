#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: three QEMU VMs through the pvio toolstack. `pvio up` of
# scripts/demo.cfg boots a driver domain that owns a real disk (a raw
# image with two partitions) and a NIC, and two guests that get one
# partition each (/dev/pvda) and one vif on the driver domain's bridge.
# Both guests run fio with verify at once, then iperf3 guest<->guest and
# guest<->driver domain, and ping (selftests/tests/parts/demo_*.sh, the
# domains' run = scripts, print their results on their consoles). Then
# `pvio down`, and the same work through QEMU's own devices: two VMs
# with virtio-blk on the same partitions of the same image, joined by
# virtio-net over a QEMU socket netdev on 127.0.0.1 (scripts/xvm-lib.sh).
# One table.
#
# Environment: DEMO_SIZE (fio's size per guest, default 48m),
# DEMO_SECS (iperf3's seconds, default 10), DEMO_KEEP=1 keeps the
# temporary directory (consoles, QEMU logs).
set -uo pipefail

xvm_what=demo
# shellcheck source=scripts/xvm-lib.sh
. "$(dirname "$0")/xvm-lib.sh"
size=${DEMO_SIZE:-48m}
secs=${DEMO_SECS:-10}
keep=${DEMO_KEEP:-}

cat <<'MSG'
pvio demo: three VMs. A driver domain owns a disk and a NIC and runs
pvio's backends; two guests, with no disk or NIC but pvio's, each get a
partition of that disk (/dev/pvda) and a vif (a frontend interface) on the driver
domain's bridge, over shared memory (QEMU ivshmem, served by pvio-hvd).
fio verify runs in both guests at once, then iperf3 and ping; then the
same work through QEMU's virtio-blk and virtio-net, for comparison.
(Everything runs under TCG on this machine's cores: only the ratios
between the columns mean much.)
MSG

xvm_build "$top/.build/demo"
# A short path: pvio-hvd's socket names must fit sun_path.
tmp=$(mktemp -d /tmp/pvio-demo.XXXXXX)
trap 'xvm_cleanup "$tmp"' EXIT
trap 'exit 130' INT TERM
xvm_disk "$tmp/disk.img"
xvm_cfg "$tmp" "demosize=$size demosecs=$secs"

# --- pvio ---------------------------------------------------------------------
xvm_up "$tmp"
say "fio verify in g1 and g2 at once ($size each), then iperf3 and ping"
if ! wait_done 300 g1 g2; then
	keep=1
	die "the guests did not finish (consoles: $PVIO_DIR)"
fi
xvm_results "$tmp/pvio.results"
say "pvio down"
timeout 60 "$pvio" down >/dev/null 2>&1 || say "pvio down failed"

# --- QEMU's own devices -------------------------------------------------------
say "the same through virtio-blk and virtio-net: VMs v1 and v2"
xvm_virtio "$tmp/virtio" "$tmp/disk.img" parts/demo_guest.sh \
	"demosize=$size demosecs=$secs"
wait_done 300 v1 v2 || { keep=1; say "the virtio VMs did not finish (consoles: $tmp/virtio)"; }
xvm_results "$tmp/virtio.results"
xvm_stop_virtio

# --- the table ----------------------------------------------------------------
echo
python3 - "$tmp/pvio.results" "$tmp/virtio.results" "$size" "$secs" <<'EOF'
import sys

def load(path):
    r = {}
    for line in open(path, errors="replace"):
        f = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        if "name" in f and "what" in f:
            r[(f["name"], f["what"])] = f
    return r

p, v = load(sys.argv[1]), load(sys.argv[2])
size, secs = sys.argv[3], sys.argv[4]
errors = 0

def num(d, k):
    try:
        return float(d[k])
    except (KeyError, ValueError, TypeError):
        return None

def errs(*ds):
    global errors
    n = 0
    for d in ds:
        if d is None:
            n += 1
            continue
        e = num(d, "err")
        n += 1 if e is None else int(e)
        rc = num(d, "rc")
        n += 1 if rc else 0
    errors += n
    return n

rows = []
def row(work, unit, a, b, e):
    fa = "-" if a is None else (f"{a:,.0f}" if a >= 100 else f"{a:.2f}")
    fb = "-" if b is None else (f"{b:,.0f}" if b >= 100 else f"{b:.2f}")
    ratio = f"{a / b:.2f}x" if a is not None and b else "-"
    rows.append((work, unit, fa, fb, ratio, str(e)))

def pair(g, vg, what):
    return p.get((g, what)), v.get((vg, what))

tot = {"pvio": [0, 0, 0, 0], "virtio": [0, 0, 0, 0]}
for g, vg in (("g1", "v1"), ("g2", "v2")):
    a, b = pair(g, vg, "fio")
    e = errs(a, b)
    row(f"fio 4k randwrite QD16 {g}", "IOPS", num(a or {}, "wiops"), num(b or {}, "wiops"), e)
    row(f"  verify (4k reads) {g}", "IOPS", num(a or {}, "riops"), num(b or {}, "riops"), "")
    for k, d in (("pvio", a), ("virtio", b)):
        for i, key in enumerate(("wiops", "wmbps", "riops", "rmbps")):
            tot[k][i] += num(d or {}, key) or 0
row("fio both guests at once, write", "MB/s", tot["pvio"][1], tot["virtio"][1], "")
row("fio both guests at once, verify", "MB/s", tot["pvio"][3], tot["virtio"][3], "")
a, b = pair("g2", "v2", "iperf-peer")
row("iperf3 TCP guest -> guest", "Gbit/s", num(a or {}, "gbit"), num(b or {}, "gbit"), errs(a, b))
a = p.get(("g1", "iperf-dd"))
row("iperf3 TCP guest -> driver domain", "Gbit/s", num(a or {}, "gbit"), None, errs(a))
a, b = pair("g2", "v2", "ping-peer")
row("ping guest -> guest, 20", "ms (less is better)", num(a or {}, "avgms"), num(b or {}, "avgms"), errs(a, b))
a = p.get(("g1", "ping-dd"))
row("ping guest -> driver domain, 20", "ms (less is better)", num(a or {}, "avgms"), None, errs(a))

head = ("work", "unit", "pvio", "virtio", "pvio/virtio", "errors")
w = [max(len(r[i]) for r in rows + [head]) for i in range(6)]
fmt = lambda r: "  ".join(c.ljust(w[i]) if i < 2 else c.rjust(w[i]) for i, c in enumerate(r))
print(fmt(head))
print("  ".join("-" * x for x in w))
for r in rows:
    print(fmt(r))
print(f"\npvio: guests g1, g2 through driver domain dd (pvio_blkback on vda1/vda2,")
print(f"pvio_netback on br0); virtio: VMs v1, v2 with virtio-blk on those partitions and")
print(f"virtio-net over -netdev socket. fio {size} per guest, iperf3 {secs}s, QEMU TCG.")
print("pvio's disk I/O runs through a third VM (the driver domain does it) on the")
print("same cores; virtio's runs in the two QEMUs' own I/O threads.")
print(f"errors: fio errors and verify failures, iperf3 failures, ping losses: {errors}")
sys.exit(1 if errors else 0)
EOF
rc=$?
echo
say "done in $(($(date +%s) - begin))s"
exit $rc
