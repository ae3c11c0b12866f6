#!/usr/bin/env python3
"""bench/memhp-report.py OUTPUT — the table of bench/hotplug-vs-qemu from the
runner's output: per VMM the median, min and max over all its rounds (boots
x rounds) of each memory hotplug time (ms, on the test host's clock), and
the nvemu/QEMU ratio of the medians against the issue's target (each at
most QEMU's time). Exit 1 when a VMM lacks a number."""
import re
import statistics
import sys

from vmm_runs import note_exit, print_tail

VMMS = ("qemu", "nvemu")
ROWS = (
    ("add1-ms", "device_add 1 GiB -> all blocks online", True),
    ("add1-reply-ms", "  (device_add's QMP reply)", False),
    ("del1-ms", "device_del -> DEVICE_DELETED", True),
    ("del1-guest-ms", "  (device_del -> guest total back)", False),
    ("add8-ms", "8 x device_add 1 GiB -> 8 GiB online", True),
    ("del8-ms", "8 x device_del -> 8th DEVICE_DELETED", True),
    ("del8-guest-ms", "  (8 x device_del -> guest total back)", False),
)


def main():
    rounds = {v: [] for v in VMMS}
    runs, exits = [], {}
    for line in open(sys.argv[1], errors="replace"):
        line = line.rstrip()
        m = re.match(r"RESULT: memhp vmm=(\w+) boot=(\d+) (.*)", line)
        if m:
            vmm, boot, rest = m.groups()
            d = dict(re.findall(r"([\w-]+)=(\S+)", rest))
            if "round" in d and vmm in rounds:
                rounds[vmm].append(d)
            runs.append(f"  {vmm:5} boot {boot}: {rest}")
            continue
        m = re.match(r"RESULT: memhp-guest up boot=(\d+) (.*)", line)
        if m:
            runs.append(f"  guest boot {m.group(1)}: {m.group(2)}")
            continue
        note_exit(line, exits)

    def vals(vmm, key):
        return [float(d[key]) for d in rounds[vmm] if key in d]

    def cell(vmm, key):
        v = vals(vmm, key)
        if not v:
            return f"{'-':>24}"
        return f"{statistics.median(v):9.1f} ({min(v):.0f}-{max(v):.0f})".rjust(24)

    n = {v: len(rounds[v]) for v in VMMS}
    print(f"{'ms, median (min-max) of rounds':40} {'QEMU':>24} {'nvemu':>24} {'nvemu/QEMU':>11}")
    verdicts = []
    for key, name, target in ROWS:
        q, e = vals("qemu", key), vals("nvemu", key)
        ratio = statistics.median(e) / statistics.median(q) if q and e else float("nan")
        print(f"{name:40} {cell('qemu', key)} {cell('nvemu', key)} {ratio:10.2f}x")
        if target:
            verdicts.append(f"{name.strip()}: {ratio:.2f}x QEMU's (target <= 1.0x): "
                            + ("met" if ratio <= 1.0 else "MISSED" if ratio == ratio else "no numbers"))
    print(f"{'  (rounds QEMU/nvemu)':40} {n['qemu']:>24} {n['nvemu']:>24}")
    print()
    missing = [v for v in VMMS if not rounds[v]]
    return print_tail(verdicts, exits, runs, missing, VMMS)


if __name__ == "__main__":
    sys.exit(main())
