#!/usr/bin/env python3
"""bench/report.py — turn the output of one tools/test-host/run with
`--vmm qemu --vmm nvemu` and bench/guest-bench.sh + bench/host-bench.sh into
the side-by-side table of bench/nvdimm-vs-qemu.

    report.py OUTPUT [--markdown] [--runs] [--svg FILE]

Reads the runner's printed lines (TESTHOST:/GUEST:/RESULT:), groups them by
VMM run, takes the median of each metric over the runs of each VMM (with
the spread: the lowest and highest run), and prints: metric | QEMU | nvemu |
nvemu/QEMU | target | met?  and a verdict per target (issue 14's targets).
--svg also draws the table as bars (bench_svg.py). Exit 0 when both VMMs
have at least one complete run, else 1.
"""
import argparse
import os
import re
import statistics
import sys

VMMS = ("qemu", "nvemu")
KV = re.compile(r"([A-Za-z0-9_.-]+)=(\S*)")


def kv(line):
    return dict(KV.findall(line))


def parse(lines):
    """Runs keyed by (vmm, boot): dicts of raw values; host yardsticks."""
    runs = {}
    host = []
    cur = None
    for line in lines:
        line = line.rstrip("\n")
        m = re.match(r"TESTHOST: vmm=(\S+) boot=(\d+) (.*)", line)
        if m:
            key = (m.group(1), int(m.group(2)))
            rest = m.group(3)
            r = runs.setdefault(key, {"vmm": key[0], "boot": key[1]})
            if rest.startswith("vmm-start"):
                cur = key
                r["start"] = float(kv(rest).get("uptime", "nan"))
            elif rest.startswith("vmm-exit="):
                d = kv(rest)
                r["rc"] = int(d["vmm-exit"])
                r["wall"] = float(d["secs"])
                cur = None
            elif rest.startswith("vmm-rss-series"):
                series = []
                for item in rest.split()[1:]:
                    f = item.split(":")
                    series.append((float(f[0]), *[int(x) if x else 0 for x in f[1:]]))
                r["series"] = series
            elif rest.startswith("vmm-stderr: nvemu: time-mark "):
                f = rest.split()
                r.setdefault("marks", {})[f[4]] = float(f[3])
            elif rest.startswith("vmm-rss "):
                r["rss_last"] = {k: int(v) for k, v in kv(rest).items() if v.isdigit()}
            continue
        if line.startswith("RESULT: bench-host "):
            d = kv(line)
            if " smaps " in line:
                key = (d.get("vmm"), int(d.get("boot", "0") or 0))
                r = runs.setdefault(key, {"vmm": key[0], "boot": key[1]})
                r["smaps"] = d
                continue
            if " version " in line:
                key = (d.get("vmm"), int(d.get("boot", "0") or 0))
                r = runs.setdefault(key, {"vmm": key[0], "boot": key[1]})
                r["version-s"] = float(d["secs"])
                continue
            d["memcpy"] = " memcpy " in line
            d["dd"] = " dd-tmpfs " in line
            host.append(d)
            continue
        if line.startswith("RESULT: bench "):
            d = kv(line)
            key = (d.get("vmm"), int(d.get("boot", "0") or 0))
            r = runs.setdefault(key, {"vmm": key[0], "boot": key[1]})
            if " rss-point " in line:
                r["rss_point"] = float(d["uptime"])
                r["rss_window"] = float(d.get("window", "1.5"))
            elif " pmem-write " in line:
                r["pmem_bytes"] = int(d["bytes"])
                r["pmem_cold"] = float(d["cold-s"])
                r["pmem_warm"] = float(d["warm-s"])
            elif " error=" in line:
                r["error"] = d["error"]
            else:
                for k in ("floor-x10-s", "read-labels-x10-s", "init-labels-s",
                          "read-labels-1p-x10-s", "label-bytes-1p",
                          "floor-1p-x10-s", "ndctl-exec-x10-s",
                          "create-namespace-s", "label-bytes", "clock", "crng-wait-s",
                          "cpu-flags", "swiotlb-mib", "memtotal-kib"):
                    if k in d:
                        r[k] = d[k]
            continue
        if cur and line.startswith("GUEST: "):
            r = runs[cur]
            d = kv(line)
            if line.startswith("GUEST: init "):
                r["init"] = float(d["uptime"])
            elif line.startswith("GUEST: script-start "):
                r["script_start"] = float(d["uptime"])
            elif line.startswith("GUEST: script-exit="):
                r["script_rc"] = int(d["script-exit"])
                r["exit_uptime"] = float(d["uptime"])
    return runs, host


def rss_after_boot(r):
    """The VMM's RSS sample taken while the guest idled at its rss-point.

    The test host's samples are timed from vmm-start, the guest's point from
    its own boot; the two are aligned by the end of the run: the VMM exits
    right after the guest prints script-exit, so (VM wall - guest uptime at
    script-exit) is where the guest's clock 0 lies on the host's time line
    (slightly late: the guest's poweroff is in it). Of the samples in the
    guest's idle window [point, point + window] on that time line, the
    latest one in its first half counts (the window's end may already be
    the first pmem writes).
    """
    s = r.get("series")
    if not s or "rss_point" not in r or "exit_uptime" not in r:
        return None
    offset = r["wall"] - r["exit_uptime"]
    start = r["rss_point"] + offset
    end = start + r["rss_window"] / 2
    inside = [x for x in s if start - 0.25 <= x[0] <= end]
    if not inside:
        before = [x for x in s if x[0] <= end]
        if not before:
            return None
        inside = before[-1:]
    return inside[-1]


def summarize(runs):
    per = {v: [] for v in VMMS}
    for key in sorted(runs):
        r = runs[key]
        if r["vmm"] not in per:
            continue
        ok = r.get("rc") == 0 and r.get("script_rc") == 0 and "error" not in r
        r["ok"] = ok
        if not ok:
            continue
        m = {}
        m["init"] = r.get("init")
        m["wall"] = r.get("wall")
        m["boot"] = r["boot"]
        m["outside"] = r["wall"] - r["exit_uptime"] if "exit_uptime" in r else None
        if "exit_uptime" in r and "script_start" in r:
            m["noscript"] = r["wall"] - (r["exit_uptime"] - r["script_start"])
        for k, name in (("read-labels-x10-s", "labels"), ("floor-x10-s", "floor"),
                        ("read-labels-1p-x10-s", "labels_1p"),
                        ("floor-1p-x10-s", "floor_1p"), ("ndctl-exec-x10-s", "ndctl_exec"),
                        ("init-labels-s", "initl"), ("create-namespace-s", "createns")):
            m[name] = float(r[k]) if k in r else None
        # The one-process read-labels step was added to the guest script on
        # 2026-11-21; it costs QEMU (33 _DSM calls per read) far more than
        # nvemu, so the wall-time target is judged without it: the same
        # workload as the runs recorded before it.
        m["wall_same"] = (m["wall"] - m["labels_1p"]) if m["labels_1p"] is not None else m["wall"]
        # The guest idles at its RSS point (1.5 s, or 15 s with --smaps):
        # the same on both VMMs, and left out of the wall-time target.
        # The diagnostic steps (one-process floor, ndctl --version) are left
        # out too: they were added on 2026-11-30 to split the one-process
        # read time.
        m["wall_noidle"] = (m["wall"] - r.get("rss_window", 0.0)
                            - (m["floor_1p"] or 0.0) - (m["ndctl_exec"] or 0.0))
        if m["labels_1p"] is not None and m["floor_1p"] is not None:
            m["labels_io_1p"] = m["labels_1p"] - m["floor_1p"]
        if m["labels"] is not None and m["floor"] is not None:
            m["labels_io"] = m["labels"] - m["floor"]
        smp = rss_after_boot(r)
        r["rss_sample"] = smp
        m["rss"] = smp[1] / 1024 if smp else None
        if smp and len(smp) >= 5:
            m["rss_anon"], m["rss_file"], m["rss_shmem"] = (x / 1024 for x in smp[2:5])
        m["crng"] = float(r["crng-wait-s"]) if "crng-wait-s" in r else None
        m["version"] = r.get("version-s")
        m["swiotlb"] = float(r["swiotlb-mib"]) if "swiotlb-mib" in r else None
        m["memtotal"] = int(r["memtotal-kib"]) / 1024 if "memtotal-kib" in r else None
        sm = r.get("smaps")
        if sm and "total-kb" in sm and "start" in r:
            # Inside the guest's idle window? (same time line as the RSS samples)
            t = float(sm["uptime"]) - r["start"]
            w0 = r["rss_point"] + r["wall"] - r["exit_uptime"] if "rss_point" in r else None
            sm["t"] = t
            sm["in_window"] = w0 is not None and w0 - 0.25 <= t <= w0 + r["rss_window"] - 1.0
            if sm["in_window"]:
                for k in ("total", "guest-ram", "pmem", "own"):
                    m["smaps_" + k] = int(sm[k + "-kb"]) / 1024
        last = r.get("rss_last", {})
        m["rss_last"] = last["last-kb"] / 1024 if "last-kb" in last else None
        m["hwm"] = last["hwm-kb"] / 1024 if "hwm-kb" in last else None
        if "pmem_bytes" in r:
            mib = r["pmem_bytes"] / 1048576
            m["pmem_cold"] = mib / r["pmem_cold"]
            m["pmem_warm"] = mib / r["pmem_warm"]
        per[r["vmm"]].append(m)
    return per


def host_summary(host):
    per = {v: {} for v in VMMS}
    for v in VMMS:
        mc = [d for d in host if d.get("vmm") == v and d["memcpy"] and "cold-s" in d]
        dd = [d for d in host if d.get("vmm") == v and d["dd"] and "secs" in d]
        if mc:
            mib = int(mc[0]["bytes"]) / 1048576
            per[v]["memcpy_cold"] = statistics.median(mib / float(d["cold-s"]) for d in mc)
            per[v]["memcpy_warm"] = statistics.median(mib / float(d["warm-s"]) for d in mc)
        if dd:
            mib = int(dd[0]["bytes"]) / 1048576
            per[v]["dd"] = statistics.median(mib / float(d["secs"]) for d in dd)
    return per


def med(values):
    values = [x for x in values if x is not None]
    return statistics.median(values) if values else None


def spread(values):
    values = [x for x in values if x is not None]
    return (min(values), max(values)) if len(values) > 1 else None


def fmt(x, unit):
    if x is None:
        return "—"
    if unit == "s":
        return f"{x:.2f} s"
    if unit == "MiB":
        return f"{x:.0f} MiB"
    if unit == "MiB/s":
        return f"{x:.0f} MiB/s"
    if unit == "x":
        return f"{x:.2f}"
    if unit == "IOPS":
        return f"{x:.0f}"
    return f"{x}"


def fmt_spread(sp, unit):
    """[lowest-highest] of the runs, without the unit."""
    if not sp:
        return ""
    lo, hi = (fmt(x, unit).split(" ")[0] for x in sp)
    return f" [{lo}-{hi}]"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("output")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--runs", action="store_true", help="also print every run's numbers")
    ap.add_argument("--svg", help="also draw the table as bars into this SVG file")
    a = ap.parse_args()
    with open(a.output, errors="replace") as f:
        runs, host = parse(f)
    per = summarize(runs)
    hs = host_summary(host)
    n = {v: len(per[v]) for v in VMMS}
    total = {v: sum(1 for r in runs.values() if r["vmm"] == v) for v in VMMS}

    def sp(v, k):
        return spread(x.get(k) for x in per[v])

    def m(v, k):
        if k.endswith("_first"):  # the VMM's first run in this test host
            first = min(per[v], key=lambda x: x["boot"], default={})
            return first.get(k[: -len("_first")])
        return med(x.get(k) for x in per[v])

    label_kib = next((int(r["label-bytes"]) // 1024 for r in runs.values() if "label-bytes" in r), 128)
    write_mib = next((r["pmem_bytes"] // 1048576 for r in runs.values() if "pmem_bytes" in r),
                     next((int(d["bytes"]) // 1048576 for d in host if "bytes" in d), 0))
    # (label, key, unit, target kind, target): kinds "ratio" (nvemu/QEMU at
    # most target), "max" (nvemu's value at most target), "min" (nvemu's
    # value at least target); issue 14's targets.
    rows = [
        ("VM wall time, without the RSS-point idle and the diagnostic steps", "wall_noidle", "s", "ratio", 0.4),
        ("  VM wall time as run (VMM start to exit)", "wall", "s", None, None),
        ("  as run, first run only (nvemu: bzImage not yet unpacked)", "wall_first", "s", None, None),
        ("boot + power-off (VM wall minus the guest script)", "noscript", "s", "ratio", 0.25),
        ("outside the guest's clock (VMM start, kernel load, teardown)", "outside", "s", "ratio", 0.1),
        ("guest uptime at /init", "init", "s", "ratio", 0.5),
        ("  VMM --version alone (exec, libraries)", "version", "s", None, None),
        (f"ndctl read-labels {label_kib} KiB x10 in one ndctl process", "labels_1p", "s", "ratio", 0.15),
        ("  the same process with -s 256 (start-up, 10 small _DSM reads)", "floor_1p", "s", None, None),
        (f"  difference: 10 transfers of {label_kib} KiB in one process", "labels_io_1p", "s", None, None),
        ("  ndctl --version x10 (exec and libraries only)", "ndctl_exec", "s", None, None),
        (f"  ndctl read-labels {label_kib} KiB x10, 10 processes", "labels", "s", None, None),
        ("  the same with -s 256 x10 (floor)", "floor", "s", None, None),
        ("  difference: label transfer x10", "labels_io", "s", None, None),
        ("ndctl init-labels", "initl", "s", None, None),
        ("ndctl create-namespace -m fsdax -s 128M", "createns", "s", None, None),
        ("guest wait for its random pool (crng)", "crng", "s", None, None),
        ("VMM's own resident memory (smaps: not guest RAM, not pmem)", "smaps_own", "MiB", "max", 4.0),
        ("  smaps: total", "smaps_total", "MiB", None, None),
        ("  smaps: guest RAM mapping", "smaps_guest-ram", "MiB", None, None),
        ("  smaps: pmem backing-file mapping", "smaps_pmem", "MiB", None, None),
        ("VMM RSS after boot (VmRSS)", "rss", "MiB", None, None),
        ("  of it RssAnon", "rss_anon", "MiB", None, None),
        ("  of it RssShmem (tmpfs, memfd)", "rss_shmem", "MiB", None, None),
        (f"VMM peak RSS (VmHWM, after the {write_mib} MiB pmem write)", "hwm", "MiB", None, None),
        ("guest's SWIOTLB bounce buffer (zeroed at boot)", "swiotlb", "MiB", None, None),
        ("guest's MemTotal", "memtotal", "MiB", None, None),
        (f"guest pmem write {write_mib} MiB, cold", "pmem_cold", "MiB/s", None, None),
        (f"guest pmem write {write_mib} MiB, warm", "pmem_warm", "MiB/s", None, None),
    ]
    rows = [r for r in rows if not r[1].startswith("smaps_")
            or any(x.get(r[1]) is not None for v in VMMS for x in per[v])]
    table = []
    verdicts = []
    plot = []

    def judge(label, ratio, value, kind, target):
        if kind is None:
            return ""
        x = ratio if kind == "ratio" else value
        if x is None:
            return "no data"
        ok = (x <= target if kind in ("ratio", "max") else x >= target) and x >= 0
        verdicts.append((label, kind, x, target, ok))
        return "yes" if ok else "NO"

    def tgt(kind, target, unit):
        if kind == "ratio":
            return f"<= {target}x"
        if kind == "max":
            return f"nvemu <= {target:g} {unit}"
        if kind == "min":
            return f"nvemu >= {target:g}"
        return ""

    for label, key, unit, kind, target in rows:
        q, e = m("qemu", key), m("nvemu", key)
        ratio = e / q if q and e is not None else None
        if ratio is not None and abs(ratio) < 0.005:
            ratio = 0.0
        met = judge(label, ratio, e, kind, target)
        sq = sp("qemu", key) if not key.endswith("_first") else None
        se = sp("nvemu", key) if not key.endswith("_first") else None
        table.append([label, fmt(q, unit) + fmt_spread(sq, unit),
                      fmt(e, unit) + fmt_spread(se, unit), fmt(ratio, "x"),
                      tgt(kind, target, unit), met])
        plot.append((label.strip(), q, e, unit, kind, target, met))
    # Host yardsticks: measured in the test host before each VMM's runs.
    for label, key in ((f"test-host memcpy {write_mib} MiB, cold", "memcpy_cold"),
                       (f"test-host memcpy {write_mib} MiB, warm", "memcpy_warm"),
                       (f"test-host dd {write_mib} MiB to tmpfs", "dd")):
        q, e = hs["qemu"].get(key), hs["nvemu"].get(key)
        table.append([label, fmt(q, "MiB/s"), fmt(e, "MiB/s"), "", "", ""])
    for label, gk, hk, kind, target in (
            ("guest pmem write / host memcpy, cold", "pmem_cold", "memcpy_cold", None, None),
            ("guest pmem write / host memcpy, warm", "pmem_warm", "memcpy_warm", "min", 0.95)):
        vals = []
        for v in VMMS:
            g, h = m(v, gk), hs[v].get(hk)
            vals.append(g / h if g and h else None)
        met = judge(label, None, vals[1], kind, target)
        table.append([label, fmt(vals[0], "x"), fmt(vals[1], "x"), "",
                      tgt(kind, target, ""), met])
        plot.append((label, vals[0], vals[1], "x", kind, target, met))

    head = ["metric", "QEMU", "nvemu", "nvemu/QEMU", "target", "met?"]
    window = next((r["rss_window"] for r in runs.values() if "rss_window" in r), None)
    print(f"runs used (median over them): QEMU {n['qemu']} of {total['qemu']}, "
          f"nvemu {n['nvemu']} of {total['nvemu']}; the guests idle {window} s at the RSS point "
          "(part of VM wall time)")
    if a.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join(["---"] + ["---:"] * 3 + ["---"] * 2) + "|")
        for row in table:
            print("| " + " | ".join(c if c else " " for c in row) + " |")
    else:
        w = [max(len(str(r[i])) for r in [head] + table) for i in range(len(head))]
        line = lambda r: "  ".join(str(c).ljust(w[i]) if i == 0 else str(c).rjust(w[i])
                                   for i, c in enumerate(r)).rstrip()
        print(line(head))
        print(line(["-" * x for x in w]))
        for row in table:
            print(line(row))
    print()
    for label, kind, x, target, ok in verdicts:
        word = "met" if ok else "MISSED"
        what = "nvemu/QEMU" if kind == "ratio" else "nvemu"
        rel = "<=" if kind in ("ratio", "max") else ">="
        print(f"verdict: {label.strip()}: {what} = {x:.3f}{'x' if kind == 'ratio' else ''}, "
              f"target {rel} {target:g}{'x' if kind == 'ratio' else ''}: {word}")
    for label, _k, _u, kind, _t in rows:
        if kind is not None and not any(v[0] == label for v in verdicts):
            print(f"verdict: {label.strip()}: no data")
    marks = [r for r in runs.values() if r.get("ok") and r["vmm"] == "nvemu" and "marks" in r]
    if marks:
        # nvemu's own milestones (NVEMU_TIME_MARKS), seconds after its exec;
        # vmm-exit is the runner's wall time.
        order = ["parsed", "planned", "boot", "board-ready", "kernel-loaded",
                 "vcpus-started", "guest-stopped", "vm-freed", "exiting"]
        print()
        print(f"nvemu's time marks, s after exec, median of {len(marks)} runs "
              "(the guest's clock starts after vcpus-started):")
        prev = 0.0
        for name in order:
            vals = [r["marks"][name] for r in marks if name in r["marks"]]
            if vals:
                t = statistics.median(vals)
                print(f"  {name:14} {t:8.3f}  (+{t - prev:.3f})")
                prev = t
        t = statistics.median(r["wall"] for r in marks)
        print(f"  {'vmm-exit':14} {t:8.3f}  (+{t - prev:.3f}, the runner's wall time)")
        g = [r["marks"]["guest-stopped"] - r["marks"]["vcpus-started"] - r["exit_uptime"]
             for r in marks if "guest-stopped" in r["marks"] and "vcpus-started" in r["marks"]]
        if g:
            print(f"  vcpus-started to guest-stopped, minus the guest's uptime at script-exit: "
                  f"{statistics.median(g):.3f} s (the guest before its clock starts, and its power-off)")
    if a.svg:
        import bench_svg
        title = (f"QEMU -device nvdimm vs nvemu: medians of {n['qemu']} / {n['nvemu']} runs "
                 f"({os.path.basename(os.path.dirname(os.path.abspath(a.output)))})")
        with open(a.svg, "w") as f:
            f.write(bench_svg.bars(title, plot))

    if a.runs:
        print()
        print("every run (vmm boot: wall init read-labels floor create-ns rss-after-boot@t pmem cold/warm):")
        for key in sorted(runs, key=lambda k: runs[k].get("start", 0.0)):
            r = runs[key]
            smp = r.get("rss_sample")
            rs = f"{smp[1] / 1024:.0f}MiB@{smp[0]:.2f}s" if smp else "-"
            pc = f"{r['pmem_bytes'] / 1048576 / r['pmem_cold']:.0f}" if "pmem_cold" in r else "-"
            pw = f"{r['pmem_bytes'] / 1048576 / r['pmem_warm']:.0f}" if "pmem_warm" in r else "-"
            sm = r.get("smaps")
            smt = ""
            if sm and "t" in sm:
                smt = (f" smaps@{sm['t']:.1f}s{'' if sm['in_window'] else ' (OUTSIDE the idle window: not used)'}:"
                       f" own={int(sm['own-kb']) / 1024:.0f}MiB ram={int(sm['guest-ram-kb']) / 1024:.0f}MiB"
                       f" thp={int(sm.get('thp-kb', 0)) / 1024:.0f}MiB")
            print(f"  {key[0]:5} {key[1]}: ok={r.get('ok')} wall={r.get('wall')} init={r.get('init')} "
                  f"crng={r.get('crng-wait-s')} labels={r.get('read-labels-x10-s')} floor={r.get('floor-x10-s')} "
                  f"labels-1p={r.get('read-labels-1p-x10-s')} "
                  f"init-labels={r.get('init-labels-s')} create-ns={r.get('create-namespace-s')} "
                  f"rss={rs} pmem={pc}/{pw} MiB/s" + smt
                  + (f" error={r['error']}" if "error" in r else ""))
    return 0 if n["qemu"] and n["nvemu"] else 1


if __name__ == "__main__":
    sys.exit(main())
