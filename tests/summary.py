#!/usr/bin/env python3
"""Add up test cases from meson's testlog.json files.

Every unit test is a GTest program speaking TAP, so each test case counts,
not each program; a test without TAP (a fuzz target) counts once. A program that died before finishing its TAP plan counts
as one failure; a missing log (the build failed) counts as one failure.
Prints skip reasons, then the closing line "N passed, N failed, N skipped".
"""
import json
import re
import sys

TAP = re.compile(r'^(not ok|ok)\b(?:\s+\d+)?\s*(?:-\s*)?(.*)$')


def count(path, totals, skips, failures):
    build = path.split('/')[0]
    try:
        lines = open(path, encoding='utf-8').read().splitlines()
    except OSError:
        totals['failed'] += 1
        failures.append(f'{build}: no test log (build failed?)')
        return
    for line in lines:
        rec = json.loads(line)
        seen = 0
        for out in (rec.get('stdout') or '').splitlines():
            m = TAP.match(out.strip())
            if not m:
                continue
            seen += 1
            verdict, rest = m.groups()
            if '# SKIP' in rest:
                totals['skipped'] += 1
                skips.append(f"{build}: {rest.replace('# SKIP', '- skipped:')}")
            elif verdict == 'ok':
                totals['passed'] += 1
            else:
                totals['failed'] += 1
                failures.append(f"{build}: {rec['name']}: {rest}")
        result = rec.get('result')
        if seen == 0 and result == 'OK':
            totals['passed'] += 1  # a plain exit-code test (a fuzz target)
        elif seen == 0 and result == 'SKIP':
            totals['skipped'] += 1
            skips.append(f"{build}: {rec['name']} - skipped (exit code 77)")
        elif result not in ('OK', 'SKIP', 'EXPECTEDFAIL') and \
                not any(f.startswith(f"{build}: {rec['name']}:") for f in failures):
            totals['failed'] += 1
            failures.append(f"{build}: {rec['name']}: {result} "
                            f"after {seen} test cases")


def main():
    totals = {'passed': 0, 'failed': 0, 'skipped': 0}
    skips, failures = [], []
    for path in sys.argv[1:]:
        count(path, totals, skips, failures)
    for s in skips:
        print('SKIP', s)
    for f in failures:
        print('FAIL', f)
    line = f"{totals['passed']} passed, {totals['failed']} failed"
    if totals['skipped']:
        line += f", {totals['skipped']} skipped"
    print(line)
    return 1 if totals['failed'] or not totals['passed'] else 0


if __name__ == '__main__':
    sys.exit(main())
