#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Compares two whoflow binaries' offline output (-r) on the same captures, text and JSON.

usage: compare_offline.py OLD NEW CAPTURE...   (exit 0: the same, apart from event.id)

For refactors that must not change what whoflow prints: every capture is read by both binaries,
in both formats; JSON lines are compared with event.id removed (a field the old binary may lack),
as sorted lists (flows reported by one scan come in hash-table order, which varies between runs).
"""
import json
import subprocess
import sys


def run(binary, capture, fmt):
    argv = [binary, "-r", capture] + (["--json"] if fmt == "json" else [])
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout.splitlines(), [l for l in r.stderr.splitlines() if "summary" in l]


def strip_id(line):
    ev = json.loads(line)
    ev.get("event", {}).pop("id", None)
    return json.dumps(ev, sort_keys=True)


def main():
    old, new, captures = sys.argv[1], sys.argv[2], sys.argv[3:]
    differ = 0
    lines = 0
    for cap in captures:
        for fmt in ("text", "json"):
            a, b = run(old, cap, fmt), run(new, cap, fmt)
            la, lb = a[1], b[1]
            if fmt == "json":
                la, lb = [strip_id(l) for l in la], [strip_id(l) for l in lb]
            # Flows a scan reports together come in hash-table order, which differs between
            # runs of one binary (the kernel seeds each map's hash): compare as multisets.
            la, lb = sorted(la), sorted(lb)
            lines += len(la)
            if a[0] != b[0] or la != lb or a[2] != b[2]:
                differ += 1
                print("DIFFER %s %s: rc %s/%s, %d/%d lines" % (cap, fmt, a[0], b[0], len(la), len(lb)))
                for x, y in zip(la, lb):
                    if x != y:
                        print("  old: %s\n  new: %s" % (x[:300], y[:300]))
                        break
    print("%d captures, %d event lines compared, %d runs differ" % (len(captures), lines, differ))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
