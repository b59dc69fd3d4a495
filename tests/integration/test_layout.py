# SPDX-License-Identifier: GPL-2.0-only
"""The userspace layout docs/architecture.md describes: one folder per stage, includes only
downwards (no cycle between folders), only main.c at the top, no source file over 700 lines."""
import collections
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
U = os.path.join(ROOT, "userspace")
# Lowest first: a folder may include its own and the ones before it.
ORDER = ["lib", "proto", "core", "select", "proc", "sock", "join", "net", "file", "detect", "meta", "out", "api",
         "cli"]


def sources():
    return glob.glob(os.path.join(U, "*", "*.[ch]"))


def test_only_main_at_the_top_and_every_folder_known():
    top = sorted(f for f in os.listdir(U) if os.path.isfile(os.path.join(U, f)))
    assert top == ["main.c"]
    assert sorted(d for d in os.listdir(U) if os.path.isdir(os.path.join(U, d))) == sorted(ORDER)


def test_includes_go_downwards_only():
    where = {os.path.basename(f): f.split(os.sep)[-2] for f in sources()}
    wrong = []
    for f in sources():
        d = f.split(os.sep)[-2]
        for inc in re.findall(r'#include "([^"]+)"', open(f).read()):
            t = where.get(inc)
            if t and ORDER.index(t) > ORDER.index(d):
                wrong.append("%s/%s includes %s/%s" % (d, os.path.basename(f), t, inc))
    assert not wrong, wrong


def test_no_source_file_over_700_lines():
    long = {f: n for f in sources() + [os.path.join(U, "main.c")]
            for n in [sum(1 for _ in open(f))] if n > 700}
    assert not long, long


def test_every_source_file_is_in_architecture_md():
    doc = open(os.path.join(ROOT, "docs", "architecture.md")).read()
    missing = sorted(os.path.basename(f) for f in glob.glob(os.path.join(U, "*", "*.c"))
                     if "`%s`" % os.path.basename(f) not in doc)
    assert not missing, missing
