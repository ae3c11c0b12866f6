"""bench/vmm_runs.py — what the two-VMM bench reports (memhp-report.py,
qmp-report.py) share: the runner's per-run exit lines and the closing
lines of their tables."""
import re

EXIT_RE = re.compile(r"TESTHOST: vmm=(\w+) boot=(\d+) vmm-exit=(\d+) secs=(\S+)")


def note_exit(line, exits):
    """Record a runner 'vmm-exit' line in exits {vmm: ["RC (S s)", ...]};
    True when line was one."""
    m = EXIT_RE.match(line)
    if m:
        exits.setdefault(m.group(1), []).append(f"{m.group(3)} ({m.group(4)} s)")
    return bool(m)


def print_tail(verdicts, exits, runs, missing, vmms):
    """The verdicts, each VMM's exits, every run's line and the VMMs without
    numbers; returns the report's exit status (1 when one is missing)."""
    for v in verdicts:
        print("verdict: " + v)
    print()
    print("VMM exits: " + "; ".join(f"{v}: {', '.join(exits.get(v, []))}" for v in vmms))
    print("runs:")
    print("\n".join(runs))
    if missing:
        print("missing: " + ", ".join(missing))
        return 1
    return 0
