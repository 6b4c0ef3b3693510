#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# recovery_probe.py PVIO RUNDIR DOMAIN OUT: how long a driver domain's
# restart takes to be seen by its guests, measured from the host. Run
# in the background just before the driver domain is killed: it takes
# its baseline (the domain's start count, each guest link's count of
# frontend connections as `pvio status -j` shows them), writes
# OUT.ready, then polls every 0.1 s until it saw all of the below (300 s
# at most). It writes one line to OUT, each time in seconds from
# the baseline (host CLOCK_BOOTTIME), '-' for what did not happen:
#   qemu=T   the new QEMU process started (its /proc start time)
#   ready=T  its console said it is ready (pvio-domain: ready)
#   conn=T   the last guest frontend was Connected again
#   tcp=T    g2's iperf3 reported data again, in an interval it
#            reported after conn (iperf3 reports every second)
import json
import os
import subprocess
import sys
import time

pvio, run, dom, out = sys.argv[1:5]
hz = os.sysconf("SC_CLK_TCK")


def uptime():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


def status():
    try:
        r = subprocess.run([pvio, "status", "-j"], capture_output=True,
                           text=True, timeout=10)
        return json.loads(r.stdout)
    except (subprocess.SubprocessError, ValueError):
        return None


def domain(st):
    return [d for d in st["domains"] if d["name"] == dom][0]


def connects(st):
    return {l["id"]: l.get("frontend_reconnects", -1) for l in st["links"]
            if l["kind"] in ("vbd", "vif") and l["backend"] == dom}


def lines(name, what, anywhere=False):
    try:
        with open(os.path.join(run, name + ".console"), "rb") as f:
            text = f.read().decode(errors="replace")
    except OSError:
        return []
    return [l for l in text.splitlines()
            if (what in l if anywhere else l.startswith(what))]


def proc_start(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19]) / hz
    except (OSError, ValueError, IndexError):
        return None


st = None
while st is None:
    st = status()
t0 = uptime()
starts0 = domain(st)["starts"]
conn0 = connects(st)
open(out + ".ready", "w").close()

qemu = ready = conn = tcp = None
ticks_conn = None
while uptime() - t0 < 300 and None in (qemu, ready, conn, tcp):
    time.sleep(0.1)
    now = uptime()
    st = status()
    if st is None:
        continue
    d = domain(st)
    if qemu is None and d["starts"] > starts0 and d["pid"] > 0:
        qemu = proc_start(d["pid"])
    if qemu is not None and ready is None and \
            lines(dom, "pvio-domain: ready", True):
        ready = now
    if conn is None and all(c > conn0.get(i, 0)
                            for i, c in connects(st).items()):
        conn = now
        # What iperf3 reported until now may hold data from before.
        ticks_conn = len(lines("g2", "DEMO name=g2 what=iperf-tick "))
    if conn is not None and tcp is None:
        ticks = lines("g2", "DEMO name=g2 what=iperf-tick ")[ticks_conn:]
        if any(not t.rstrip().endswith(" mbit=0.0") for t in ticks):
            tcp = now


def rel(t):
    return "-" if t is None else "%.2f" % (t - t0)


with open(out, "w") as f:
    f.write("qemu=%s ready=%s conn=%s tcp=%s\n" %
            (rel(qemu), rel(ready), rel(conn), rel(tcp)))
