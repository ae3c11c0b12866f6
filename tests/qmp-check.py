#!/usr/bin/env python3
"""tests/qmp-check.py OUT BOOT WHAT ARGS... — checks on the QMP transcript a
guest test's host script printed ("RESULT: host bBOOT qmp< JSON" lines, one
message a line), parsed as JSON, so key order does not matter (QEMU's
differs from nvemu's). Prints what it found on stderr ("# ..." for TAP)
and exits 0 when the check holds, 1 when not.

  ok ID                    the reply to ID is {"return": {}}
  ret ID [K=V|K~RE]        the reply to ID returns an object matching
  error ID                 the reply to ID is an error
  dev ID DEVID [K=V|K~RE]  the reply to ID (query-memory-devices) lists DEVID
                           with data.K == V (JSON text: 1, true, "/objects/x"
                           without quotes for strings) or matching RE
  nodev ID DEVID           the reply to ID does not list DEVID
  ospm ID DEVID [K=V|K~RE] the reply to ID (query-acpi-ospm-status) has an
                           entry for DEVID matching
  event NAME [K=V|K~RE]    some event NAME with data (nested objects
                           flattened: ACPI_DEVICE_OST's info.source is source)
                           matching
  noevent NAME [K=V|K~RE]  no such event
  order NAME K=V NAME2 K=V the first matching NAME comes before a matching
                           NAME2 (one condition each)
"""
import json
import re
import sys


def flat(d, out=None):
    out = {} if out is None else out
    for k, v in (d or {}).items():
        if isinstance(v, dict):
            flat(v, out)
        else:
            out[k] = v
    return out


def text(v):
    return v if isinstance(v, str) else json.dumps(v)


def matches(d, conds):
    for c in conds:
        m = re.match(r"([\w-]+)(=|~)(.*)$", c)
        if not m:
            raise SystemExit(f"bad condition {c}")
        k, op, want = m.groups()
        if k not in d:
            return False
        if op == "=" and text(d[k]) != want:
            return False
        if op == "~" and not re.fullmatch(want, text(d[k])):
            return False
    return True


def main():
    out, boot, what, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    prefix = f"RESULT: host b{boot} qmp< "
    msgs = []
    for line in open(out, errors="replace"):
        if line.startswith(prefix):
            try:
                msgs.append(json.loads(line[len(prefix):]))
            except ValueError:
                pass
    replies = {m.get("id"): m for m in msgs if "id" in m}
    events = [(i, m) for i, m in enumerate(msgs) if "event" in m]

    def say(s):
        print("# " + s, file=sys.stderr)

    if what in ("ok", "error"):
        r = replies.get(args[0])
        say(f"reply {args[0]}: {json.dumps(r)}")
        return r is not None and (r.get("return") == {} if what == "ok" else "error" in r)
    if what == "ret":
        r = replies.get(args[0])
        say(f"reply {args[0]}: {json.dumps(r)}")
        return r is not None and isinstance(r.get("return"), dict) and matches(r["return"], args[1:])
    if what in ("dev", "nodev", "ospm"):
        r = replies.get(args[0])
        lst = r.get("return") if r else None
        if not isinstance(lst, list):
            say(f"reply {args[0]}: {json.dumps(r)}")
            return False
        if what == "ospm":
            ents = [e for e in lst if e.get("device") == args[1]]
        else:
            ents = [e.get("data", {}) for e in lst if e.get("data", {}).get("id") == args[1]]
        say(f"{args[0]} {args[1]}: {json.dumps(ents)}")
        if what == "nodev":
            return not ents
        return any(matches(e, args[2:]) for e in ents)
    if what in ("event", "noevent"):
        found = [m for _, m in events if m["event"] == args[0] and matches(flat(m.get("data")), args[1:])]
        say(f"{args[0]} {' '.join(args[1:])}: {len(found)} " + " ".join(json.dumps(flat(m.get("data"))) for m in found[:4]))
        return bool(found) == (what == "event")
    if what == "order":
        a = [i for i, m in events if m["event"] == args[0] and matches(flat(m.get("data")), [args[1]])]
        b = [i for i, m in events if m["event"] == args[2] and matches(flat(m.get("data")), [args[3]])]
        say(f"order: {args[0]} at {a[:3]}, {args[2]} at {b[:3]}")
        return bool(a) and bool(b) and a[0] < b[0]
    raise SystemExit(f"unknown check {what}")


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
