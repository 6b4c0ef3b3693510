#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Reports and comparisons of make bench's results folders.

usage: bench-report.py report DIR
       bench-report.py compare [OLD [NEW]]

A results folder (scripts/bench-lib.sh) holds meta.txt ("key<TAB>value":
the conditions), raw.txt ("BENCH MODE SYSTEM METRIC VALUE" per figure,
appended as each is measured) and samples.txt ("BENCH MODE SYSTEM METRIC
VALUE...": per-ping round trips). A metric's last "_" part is its unit
(qd1_p50_us: workload qd1_p50, unit us).

report writes into DIR: figures.csv and figures.json (one row per figure:
bench, mode, workload, system, value, unit, ratio to the baseline system
of its group, i.e. of the same bench, mode, workload and unit: direct,
veth or virtio), report.md (the conditions on top, a table per bench and
mode, the plots) and plots/*.png (gnuplot).

compare prints, per figure of either folder (matched by bench, mode,
workload, system and unit), the old and new value and the change in %.
NEW defaults to the newest folder in bench-results/ (BENCH_RESULTS), OLD
to the one before NEW.
"""
import csv
import json
import os
import shutil
import subprocess
import sys

# Unit suffix: (unit, which way is better).
UNITS = {
    "us": ("us", "lower"),
    "s": ("s", "lower"),
    "kiops": ("kIOPS", "higher"),
    "iops": ("IOPS", "higher"),
    "gbs": ("GB/s", "higher"),
    "mbs": ("MB/s", "higher"),
    "gbits": ("Gbit/s", "higher"),
    "kpps": ("kpps", "higher"),
    "mops": ("M/s", "higher"),
    "x": ("x", "higher"),
    "dbperio": ("doorbells/I/O", "lower"),
    "perpass": ("requests/pass", "higher"),
    "dbperpkt": ("doorbells/packet", "lower"),
}
# A group's ratios are to the first of these it has.
BASELINES = ("direct", "veth", "virtio", "rte_ring", "memcpy")
SYSTEMS = ("direct", "loop", "veth", "pvio", "pvio-coal", "virtio",
           "rte_ring", "memcpy")
BENCHES = {
    "blk": "Block: fio on null_blk directly, on the loop driver over it, "
           "on /dev/pvda over a pvio loop link to it (one VM)",
    "net": "Network: iperf3 and ping between two namespaces over a veth "
           "pair and over a pvio vif on a loop link (one VM)",
    "xvm": "Cross-VM: guests through a pvio driver domain against QEMU's "
           "virtio-blk and virtio-net",
    "ring": "pvio's ring between two host threads, beside DPDK's rte_ring "
            "and memcpy (selftests/bench/ring_bench)",
    "recover": "Driver domain restart under two guests, seconds from the "
               "new driver domain QEMU's start (medians)",
}
MODES = {
    "tcg": "plain TCG, wall clock (noisy: about 10 % run to run)",
    "icount": "-icount shift=0,sleep=off: 1 ns per guest instruction "
              "(figures are instruction costs and repeat)",
    "xvm": "several QEMUs, multi-threaded TCG, wall clock",
    "host": "native, no VM",
}
# Human names of the workloads, for the report's tables.
WORKLOADS = {
    "qd1": "4k randread QD1", "qd4": "4k randread QD4",
    "qd16": "4k randread QD16", "qd32": "4k randread QD32",
    "qd32x2": "4k randread QD32 x 2 jobs",
    "qd1_p50": "4k randread QD1 p50", "qd1_p99": "4k randread QD1 p99",
    "qd1_p999": "4k randread QD1 p99.9",
    "seqread": "1M seq read QD8", "seqwrite": "1M seq write QD8",
    "both": "4k randread QD32, two guests at once (sum)",
    "both_per_one": "two guests at once / one guest",
    "tcp1": "TCP, 1 stream", "tcp4": "TCP, 4 streams",
    "tcp1_rev": "TCP, 1 stream, reverse",
    "udp64": "UDP 64-byte datagrams received",
    "ping_p50": "ping p50", "ping_p99": "ping p99",
    "entries64": "64-byte entries", "pool4k": "4 KiB through a pool",
    "memcpy4k": "memcpy 4 KiB, one thread",
    "restart_boot": "driver domain boot",
    "restart_connected": "guests' frontends connected",
    "restart_beyond_boot": "connected beyond boot (aim <= 1)",
    "restart_tcp": "guests' TCP carries data",
}
# pvio's doorbells and backend passes beside each block job (bench_blk).
for _j in ("qd1", "qd4", "qd16", "qd32x2", "seqread", "seqwrite"):
    WORKLOADS[_j + "_tobackend"] = WORKLOADS[_j] + ", doorbells to the backend"
    WORKLOADS[_j + "_tofrontend"] = WORKLOADS[_j] + ", doorbells to the frontend"
    WORKLOADS[_j + "_reqs"] = WORKLOADS[_j] + ", requests per backend pass"
for _j in ("tcp1", "tcp4", "tcp1_rev", "udp64", "ping"):
    _n = WORKLOADS.get(_j, _j)
    WORKLOADS[_j + "_tobackend"] = _n + ", doorbells to the backend"
    WORKLOADS[_j + "_tofrontend"] = _n + ", doorbells to the frontend"
META = (("cpu", "CPU"), ("cores", "Cores"), ("memory", "Memory"),
        ("host_kernel", "Host kernel"), ("guest_kernel", "Guest kernel"),
        ("qemu", "QEMU"), ("accel_tcg", "Accelerator, mode tcg"),
        ("accel_icount", "Accelerator, mode icount"),
        ("accel_xvm", "Accelerator, mode xvm"),
        ("accel_host", "Accelerator, mode host"),
        ("load_start", "Load average at start"),
        ("load_end", "Load average at end"), ("date", "Date"),
        ("tree", "Tree"))


def order(seq, known):
    return sorted(seq, key=lambda s: (known.index(s) if s in known
                                      else len(known), s))


def num(s):
    try:
        v = float(s)
    except ValueError:
        return None
    return v if v == v else None


def load(d):
    """The conditions, the figures (with ratios) and the samples of a
    results folder."""
    meta = {}
    if os.path.exists(f"{d}/meta.txt"):
        for line in open(f"{d}/meta.txt", errors="replace"):
            k, _, v = line.rstrip("\n").partition("\t")
            if k:
                meta[k] = v
    figs = {}
    if os.path.exists(f"{d}/raw.txt"):
        for line in open(f"{d}/raw.txt", errors="replace"):
            f = line.split()
            if len(f) != 5:
                continue
            bench, mode, system, metric, value = f
            stem, _, suf = metric.rpartition("_")
            unit, better = UNITS.get(suf, (suf, "?"))
            key = (bench, mode, stem, system, unit)
            # A figure measured again (the same folder reused) replaces
            # the earlier one.
            figs[key] = {"bench": bench, "mode": mode, "workload": stem,
                         "system": system, "value": num(value),
                         "raw": value, "unit": unit, "better": better}
    for fig in figs.values():
        g = (fig["bench"], fig["mode"], fig["workload"])
        base = next((s for s in BASELINES
                     if figs.get(g + (s, fig["unit"]), {}).get("value")),
                    None)
        fig["baseline"] = base
        b = figs[g + (base, fig["unit"])]["value"] if base else None
        fig["ratio"] = (round(fig["value"] / b, 3)
                        if b and fig["value"] is not None else None)
    samples = []
    if os.path.exists(f"{d}/samples.txt"):
        for line in open(f"{d}/samples.txt", errors="replace"):
            f = line.split()
            if len(f) < 4:
                continue
            vals = [v for v in map(num, f[4:]) if v is not None]
            stem, _, suf = f[3].rpartition("_")
            samples.append({"bench": f[0], "mode": f[1], "system": f[2],
                            "metric": stem, "unit": UNITS.get(suf, (suf,))[0],
                            "values": vals})
    rows = sorted(figs.values(), key=lambda r: (
        list(BENCHES).index(r["bench"]) if r["bench"] in BENCHES else 9,
        r["bench"], list(MODES).index(r["mode"])
        if r["mode"] in MODES else 9, r["mode"],
        list(WORKLOADS).index(r["workload"]) if r["workload"] in WORKLOADS
        else 99, r["workload"], SYSTEMS.index(r["system"])
        if r["system"] in SYSTEMS else 99, r["system"]))
    return meta, rows, samples


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"


def write_data(d, meta, rows, samples):
    cols = ("bench", "mode", "workload", "system", "value", "unit", "ratio",
            "baseline", "better")
    with open(f"{d}/figures.csv", "w", newline="") as o:
        # The conditions first, as comments, so that a figure is never
        # read without them.
        for k, v in meta.items():
            o.write(f"# {k}: {v}\n")
        w = csv.writer(o)
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r[c] is None else r[c] for c in cols])
    with open(f"{d}/figures.json", "w") as o:
        json.dump({"meta": meta,
                   "figures": [{c: r[c] for c in cols} for r in rows],
                   "errors": [{c: r[c] for c in cols[:4]} | {"value": r["raw"]}
                              for r in rows if r["value"] is None],
                   "samples": samples}, o, indent=1)
        o.write("\n")


# --- plots -------------------------------------------------------------------

def gnuplot(d, name, script, data):
    """plots/NAME.png from a gnuplot SCRIPT over DATA (the text of
    plots/NAME.dat); False if gnuplot is missing or fails."""
    os.makedirs(f"{d}/plots", exist_ok=True)
    dat, png = f"{d}/plots/{name}.dat", f"{d}/plots/{name}.png"
    with open(dat, "w") as o:
        o.write(data)
    head = (f"set terminal pngcairo size 800,480 font 'sans,10'\n"
            f"set output '{png}'\nset datafile missing '?'\n"
            f"set termoption noenhanced\nset key outside right top\n"
            f"set grid ytics\nset offsets 0, 0, graph 0.05, 0\n")
    try:
        subprocess.run(["gnuplot"], input=head + script.replace("@DAT@", dat),
                       text=True, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"bench-report: {name}.png: {getattr(e, 'stderr', e)}",
              file=sys.stderr)
        return False
    return os.path.getsize(png) > 0


def table_data(rows, labels, systems, pick):
    """Data lines: a label, then each system's value (? if none)."""
    out = '"x" ' + " ".join(f'"{s}"' for s in systems) + "\n"
    for lab, key in labels:
        vals = [pick(key, s) for s in systems]
        if all(v is None for v in vals):
            continue
        lab = lab if isinstance(lab, int) else f'"{lab}"'
        out += f'{lab} ' + " ".join("?" if v is None else repr(v)
                                      for v in vals) + "\n"
    return out


def bars(d, name, title, ylabel, data, ncols, logy=False):
    script = (f"set title '{title}' noenhanced\nset ylabel '{ylabel}'\n"
              "set style data histograms\n"
              "set style histogram clustered gap 1\n"
              "set style fill solid 0.8 border -1\nset boxwidth 0.9\n"
              "set yrange [0:*]\n" +
              ("set logscale y\nset yrange [*:*]\n" if logy else "") +
              f"plot for [i=2:{ncols + 1}] '@DAT@' using i:xtic(1) "
              "title columnheader(i)\n")
    return gnuplot(d, name, script, data)


def plots(d, rows, samples):
    """Every plot the figures allow; their file names."""
    made = []
    val = {(r["bench"], r["mode"], r["workload"], r["system"]): r["value"]
           for r in rows}
    modes = lambda b: order({r["mode"] for r in rows if r["bench"] == b},
                            list(MODES))
    systems = lambda b, m: order({r["system"] for r in rows
                                  if r["bench"] == b and r["mode"] == m},
                                 list(SYSTEMS))
    for m in modes("blk"):
        sy = [s for s in systems("blk", m) if s != "pvio-coal"]
        qd = [(1, "qd1"), (4, "qd4"), (16, "qd16"), (32, "qd32x2")]
        data = table_data(rows, qd, sy,
                          lambda k, s: val.get(("blk", m, k, s)))
        script = (f"set title 'fio 4k random read IOPS by queue depth, {m}'\n"
                  "set xlabel 'queue depth (32: 2 jobs of 32)'\n"
                  "set ylabel 'kIOPS'\nset logscale x 2\nset yrange [0:*]\n"
                  "set xtics ('1' 1, '4' 4, '16' 16, '32' 32)\n"
                  f"plot for [i=2:{len(sy) + 1}] '@DAT@' using 1:i "
                  "with linespoints lw 2 pt 7 title columnheader(i)\n")
        if gnuplot(d, f"blk-iops-qd-{m}", script, data):
            made.append(f"blk-iops-qd-{m}")
        lat = [("p50", "qd1_p50"), ("p99", "qd1_p99"), ("p99.9", "qd1_p999")]
        data = table_data(rows, lat, sy,
                          lambda k, s: val.get(("blk", m, k, s)))
        if bars(d, f"blk-latency-{m}",
                f"fio 4k random read QD1 completion latency, {m}",
                "us (log scale)", data, len(sy), logy=True):
            made.append(f"blk-latency-{m}")
    for m in modes("net"):
        sy = systems("net", m)
        tcp = [("1 stream", "tcp1"), ("4 streams", "tcp4"),
               ("1 stream, reverse", "tcp1_rev")]
        data = table_data(rows, tcp, sy,
                          lambda k, s: val.get(("net", m, k, s)))
        if bars(d, f"net-tcp-{m}", f"iperf3 TCP throughput by streams, {m}",
                "Gbit/s", data, len(sy)):
            made.append(f"net-tcp-{m}")
    for b, m in sorted({(s["bench"], s["mode"]) for s in samples}):
        rtt = [s for s in samples if s["bench"] == b and s["mode"] == m
               and s["metric"] == "ping_rtt" and s["values"]]
        if rtt:
            data, plot = "", []
            for i, s in enumerate(rtt):
                v = sorted(s["values"])
                data += f'"{s["system"]}"\n' + "".join(
                    f"{x} {(j + 1) / len(v)}\n" for j, x in enumerate(v))
                data += "\n\n"
                plot.append(f"'@DAT@' index {i} using 1:2 with steps lw 2 "
                            f"title '{s['system']} ({len(v)} pings)'")
            script = (f"set title 'ping round trips, CDF, {b}, {m}'\n"
                      "set xlabel 'round trip, us (log scale)'\n"
                      "set ylabel 'fraction of pings'\nset logscale x\n"
                      "set yrange [0:1]\nset key inside bottom right\n"
                      "plot " + ", ".join(plot) + "\n")
            if gnuplot(d, f"{b}-ping-{m}", script, data):
                made.append(f"{b}-ping-{m}")
    for m in modes("xvm"):
        ratio = {r["workload"]: r["ratio"] for r in rows
                 if r["bench"] == "xvm" and r["mode"] == m
                 and r["system"] == "pvio" and r["ratio"] is not None}
        if not ratio:
            continue
        data = '"x" "pvio/virtio"\n' + "".join(
            f'"{w}{" (us)" if w.endswith(("p50", "p99")) else ""}" '
            f'{ratio[w]}\n' for w in order(ratio, list(WORKLOADS)))
        script = ("set title 'cross-VM: pvio against virtio (ratio; "
                  "us rows: lower is better)'\n"
                  "set ylabel 'pvio / virtio'\nset style data histograms\n"
                  "set style fill solid 0.8 border -1\nset boxwidth 0.8\n"
                  "set xtics rotate by -30\nset yrange [0:*]\nset key off\n"
                  "plot '@DAT@' using 2:xtic(1) title columnheader(2), "
                  "1 with lines dt 2 lc rgb 'black' notitle\n")
        if gnuplot(d, f"xvm-{m}", script, data):
            made.append(f"xvm-{m}")
    return made


# --- report.md ---------------------------------------------------------------

def pct(v, p):
    v = sorted(v)
    i = max(0, min(len(v) - 1, int(-(-p * len(v) // 1)) - 1))
    return v[i]


def write_md(d, meta, rows, samples, made):
    out = ["# pvio benchmark report", "",
           f"Results folder `{os.path.basename(os.path.abspath(d))}`: "
           "`figures.csv`, `figures.json` (every figure, with these "
           "conditions), `plots/`. Compare two folders with "
           "`make bench-compare OLD=<dir> NEW=<dir>`.", "",
           "## Conditions", "", "| | |", "|---|---|"]
    if "cpu" in meta:
        out.append(f"| Machine | {meta['cpu']}, {meta.get('cores', '?')} "
                   f"cores, {meta.get('memory', '?')} |")
    for k, name in META:
        if k in meta and k not in ("cpu", "cores", "memory"):
            out.append(f"| {name} | `{meta[k]}` |" if k.startswith("accel")
                       else f"| {name} | {meta[k]} |")
    out.append("")
    for bench in order({r["bench"] for r in rows}, list(BENCHES)):
        out += [f"## {bench}", "", BENCHES.get(bench, bench) + ".", ""]
        for mode in order({r["mode"] for r in rows if r["bench"] == bench},
                          list(MODES)):
            rs = [r for r in rows if r["bench"] == bench and r["mode"] == mode]
            sy = order({r["system"] for r in rs}, list(SYSTEMS))
            # A ratio column for each system with a ratio to another.
            rat = [s for s in sy if any(
                r["system"] == s and r["ratio"] is not None and
                r["baseline"] != s for r in rs)]
            base = {r["baseline"] for r in rs
                    if r["system"] in rat and r["ratio"] is not None}
            b = base.pop() if len(base) == 1 else "baseline"
            out += [f"### {bench}, {mode}", "",
                    f"Mode: {MODES.get(mode, mode)}.", "",
                    "| workload | unit | better | " + " | ".join(sy) +
                    " | " + " | ".join(f"{s}/{b}" for s in rat) + " |",
                    "|---|---|---|" + "---:|" * (len(sy) + len(rat))]
            seen = []
            for r in rs:
                if (r["workload"], r["unit"]) not in seen:
                    seen.append((r["workload"], r["unit"]))
            for w, u in seen:
                g = {r["system"]: r for r in rs
                     if r["workload"] == w and r["unit"] == u}
                cell = lambda s: (fmt(g[s]["value"]) if g[s]["value"]
                                  is not None else "error") if s in g else ""
                ratio = lambda s: (f"{g[s]['ratio']:.2f}" if s in g and
                                   g[s]["ratio"] is not None else "")
                better = next(iter(g.values()))["better"]
                out.append(f"| {WORKLOADS.get(w, w)} | {u} | {better} | " +
                           " | ".join(cell(s) for s in sy) + " | " +
                           " | ".join(ratio(s) for s in rat) + " |")
            out.append("")
            for s in samples:
                if s["bench"] == bench and s["mode"] == mode and s["values"]:
                    v = s["values"]
                    out.append(f"* {s['system']} {s['metric']}: {len(v)} "
                               f"samples, min {fmt(min(v))}, p50 "
                               f"{fmt(pct(v, .5))}, p90 {fmt(pct(v, .9))}, "
                               f"p99 {fmt(pct(v, .99))}, max {fmt(max(v))} "
                               f"{s['unit']}")
            out += [f"![{p}](plots/{p}.png)" for p in made
                    if p.startswith(f"{bench}-") and p.endswith(f"-{mode}")]
            out.append("")
    # A VM that died or a test that failed: its mode misses figures.
    failed = []
    if os.path.isdir(f"{d}/logs"):
        for f in sorted(os.listdir(f"{d}/logs")):
            if f.endswith(".tap"):
                failed += [f"* `logs/{f}`: {line.strip()}"
                           for line in open(f"{d}/logs/{f}", errors="replace")
                           if line.startswith("not ok")]
    if failed:
        out += ["## Failed runs", "",
                "Their figures from before the failure are above; the "
                "rest are missing.", ""] + failed + [""]
    errs = [r for r in rows if r["value"] is None]
    if errs:
        out += ["## Errors", ""] + [
            f"* {r['bench']} {r['mode']} {r['system']} {r['workload']}: "
            f"{r['raw']}" for r in errs] + [""]
    if not rows:
        out += ["No figures: the runs measured nothing (see `logs/`).", ""]
    with open(f"{d}/report.md", "w") as o:
        o.write("\n".join(out))


def report(d):
    meta, rows, samples = load(d)
    write_data(d, meta, rows, samples)
    if shutil.which("gnuplot"):
        made = plots(d, rows, samples)
    else:
        made = []
        print("bench-report: no gnuplot (scripts/deps.sh test): no plots",
              file=sys.stderr)
    write_md(d, meta, rows, samples, made)
    print(f"bench: {len(rows)} figures, {len(made)} plots: {d}/report.md")
    return 0


# --- compare -----------------------------------------------------------------

def compare(old, new):
    o, n = ({(r["bench"], r["mode"], r["workload"], r["system"], r["unit"]): r
             for r in load(x)[1]} for x in (old, new))
    if not o and not n:
        print("bench-compare: no figures in either folder", file=sys.stderr)
        return 1
    print(f"old: {old}\nnew: {new}\n")
    head = ("bench", "mode", "workload", "system", "unit", "old", "new",
            "change")
    lines, only = [], 0
    keys = [k for k in o] + [k for k in n if k not in o]
    for k in keys:
        a, b = o.get(k), n.get(k)
        av, bv = (x["value"] if x else None for x in (a, b))
        if a is None or b is None:
            only += 1
            ch = "only new" if a is None else "only old"
        elif av is None or bv is None:
            ch = "error"
        elif av == 0:
            ch = "-"
        else:
            ch = f"{(bv - av) / av * 100:+.1f}%"
            # "worse": a change that shows, the wrong way.
            if a["better"] in ("lower", "higher") and \
                    abs(bv - av) >= abs(av) * 0.0005 and \
                    (a["better"] == "lower") == (bv > av):
                ch += " worse"
        lines.append(k[:4] + (k[4] + (" (lower better)"
                                      if (a or b)["better"] == "lower"
                                      else ""),
                              a["raw"] if a else "-", b["raw"] if b else "-",
                              ch))
    w = [max(len(str(x[i])) for x in lines + [head]) for i in range(8)]
    for x in [head] + lines:
        print("  ".join(str(c).ljust(w[i]) if i < 5 else str(c).rjust(w[i])
                        for i, c in enumerate(x)).rstrip())
    print(f"\n{len(lines) - only} figures in both, {only} in one only")
    return 0


def folders(root):
    """The results folders in ROOT, oldest first (by name)."""
    if not os.path.isdir(root):
        return []
    return sorted(e.path for e in os.scandir(root)
                  if e.is_dir() and os.path.exists(f"{e.path}/raw.txt"))


def main(argv):
    if len(argv) >= 2 and argv[0] == "report" and len(argv) == 2:
        return report(argv[1])
    if argv and argv[0] == "compare" and len(argv) <= 3:
        # An empty or missing OLD or NEW: the newest folder for NEW, the
        # one before NEW for OLD.
        old, new = (argv[1:] + ["", ""])[:2]
        root = os.environ.get("BENCH_RESULTS") or os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "bench-results")
        ds = folders(root)
        if not new and ds:
            new = ds[-1]
        if not old:
            before = [x for x in ds if os.path.realpath(x) !=
                      os.path.realpath(new) and x < new]
            old = before[-1] if before else ""
        if not old or not new:
            print("bench-compare: give OLD and NEW (fewer than two results "
                  f"folders in {root})", file=sys.stderr)
            return 2
        for a in (old, new):
            if not os.path.exists(f"{a}/raw.txt"):
                print(f"bench-compare: {a}: no raw.txt", file=sys.stderr)
                return 2
        return compare(old, new)
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
