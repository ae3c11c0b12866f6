#!/usr/bin/env python3
"""bench/qmp-report.py OUTPUT — the table of bench/qmp-vs-qemu from the
runner's output: per VMM the median over its runs of each run's median,
p10, p90 and p99 round trip (us) for each command, the own memory from
smaps with the monitor connected, and the nvemu/QEMU ratios against the
issue's targets (round trip <= 0.5x QEMU's; own memory <= 8 MiB and
<= 0.15x QEMU's). Exit 1 when a VMM lacks a number."""
import re
import statistics
import sys

from vmm_runs import note_exit, print_tail

CMDS = ("query-status", "query-memory-devices")
VMMS = ("qemu", "nvemu")


def kv(s):
    return dict(re.findall(r"([\w-]+)=(\S+)", s))


def main():
    lat = {}   # (vmm, cmd) -> list of dicts
    mem = {}   # vmm -> list of dicts
    runs = []  # printed as they came
    exits = {}
    for line in open(sys.argv[1], errors="replace"):
        line = line.rstrip()
        m = re.match(r"RESULT: qmp-bench vmm=(\w+) boot=(\d+) (.*)", line)
        if m:
            vmm, boot, rest = m.groups()
            d = kv(rest)
            if "cmd" in d and "median-us" in d:
                lat.setdefault((vmm, d["cmd"]), []).append(d)
                runs.append(f"  {vmm:5} boot {boot}: {rest}")
            elif rest.startswith("smaps "):
                mem.setdefault(vmm, []).append(d)
                runs.append(f"  {vmm:5} boot {boot}: {rest}")
            elif rest.startswith(("devices ", "status ", "error", "own-part ")):
                runs.append(f"  {vmm:5} boot {boot}: {rest}")
            continue
        note_exit(line, exits)
    missing = [f"{v} {c}" for v in VMMS for c in CMDS if (v, c) not in lat]
    missing += [f"{v} smaps" for v in VMMS if v not in mem]

    def med(vals):
        return statistics.median(vals) if vals else float("nan")

    def stat(vmm, cmd, key):
        return med([float(d[key]) for d in lat.get((vmm, cmd), [])])

    print(f"{'round trip, us (median of runs)':36} {'QEMU':>9} {'nvemu':>9} {'nvemu/QEMU':>11}")
    verdicts = []
    for cmd in CMDS:
        n = len(lat.get(("qemu", cmd), [])), len(lat.get(("nvemu", cmd), []))
        for key in ("median-us", "p10-us", "p90-us", "p99-us"):
            q, e = stat("qemu", cmd, key), stat("nvemu", cmd, key)
            label = f"{cmd} {key[:-3]}"
            print(f"{label:36} {q:9.1f} {e:9.1f} {e / q:10.2f}x")
        rb = [d.get("reply-bytes") for v in VMMS for d in lat.get((v, cmd), [])[:1]]
        print(f"{'  (runs QEMU/nvemu; reply bytes)':36} {n[0]:>9} {n[1]:>9}   {'/'.join(map(str, rb))}")
        r = stat("nvemu", cmd, "median-us") / stat("qemu", cmd, "median-us")
        verdicts.append(f"{cmd} median round trip {r:.2f}x QEMU's (target <= 0.5x): "
                        + ("met" if r <= 0.5 else "MISSED"))
    print()
    own = {v: med([int(d["own-kb"]) for d in mem.get(v, [])]) for v in VMMS}
    tot = {v: med([int(d["total-kb"]) for d in mem.get(v, [])]) for v in VMMS}
    print(f"{'own memory, KiB (median of runs)':36} {own['qemu']:9.0f} {own['nvemu']:9.0f} "
          f"{own['nvemu'] / own['qemu']:10.2f}x")
    print(f"{'  (whole RSS, KiB)':36} {tot['qemu']:9.0f} {tot['nvemu']:9.0f}")
    r = own["nvemu"] / own["qemu"]
    verdicts.append(f"own memory {own['nvemu'] / 1024:.1f} MiB (target <= 8 MiB): "
                    + ("met" if own["nvemu"] <= 8192 else "MISSED"))
    verdicts.append(f"own memory {r:.2f}x QEMU's {own['qemu'] / 1024:.1f} MiB (target <= 0.15x): "
                    + ("met" if r <= 0.15 else "MISSED"))
    print()
    return print_tail(verdicts, exits, runs, missing, VMMS)


if __name__ == "__main__":
    sys.exit(main())
