# SPDX-License-Identifier: GPL-2.0-only
"""--preserve-binaries: real programs run in the test's cgroup from temporary paths; the copies,
their index and the EXEC events checked against sha256sum and the files' modes; a binary that deletes
itself at once is kept; a process gone before whoflow reads its exec is counted as missed; the cap
evicts the least recently seen."""
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess

import whoflow_harness as h
from whoflow_harness import get
from test_api import Server
from test_logs import read_log


def sha256(path):
    return subprocess.run(["sha256sum", path], capture_output=True, text=True, check=True).stdout.split()[0]


def index(d):
    with open(os.path.join(d, "index.json")) as f:
        return {b["sha256"]: b for b in json.load(f)["binaries"]}


def run_until_seen(a, cgroup, argv, **kw):
    """Starts argv (a long sleep) in the cgroup, awaits its EXEC event, then stops it: whoflow
    handled the exec while the process lived, whatever the load."""
    p = cgroup.spawn(argv, start_new_session=True, **kw)
    try:
        ev = a.wait_for(lambda e: get(e, "event.action") == "exec" and get(e, "process.pid") == p.pid)
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(10)
    return p, ev


def summary(a, what):
    return h.parse_summary([l for l in a.stderr if l.startswith("whoflow: summary: " + what)][0])


def test_self_deleting_binary_kept_with_its_index(agents, netns, cgroup, tmp_path):
    """busybox copied to a temporary path deletes itself at once (its own rm, no exec): the copy is
    kept, named by the SHA-256 sha256sum gives, 0444 in a 0700 directory; the EXEC event carries
    the hash; a second run finds it kept; a script is kept beside its interpreter; binary.log,
    index.json and the API's /api/binaries say so."""
    keep, logs, db = tmp_path / "keep", tmp_path / "logs", tmp_path / "b.db"
    (tmp_path / "bin").mkdir()
    bb = tmp_path / "bin" / "busybox"  # busybox takes its applet from argv[1] under this name
    shutil.copy("/bin/busybox", bb)
    want = sha256(str(bb))
    script = tmp_path / "hello.sh"
    script.write_text("#!/bin/sh\necho hello from a script\nsleep 30\n")
    script.chmod(0o755)
    a = agents(["--cgroup", cgroup.path, "--preserve-binaries", str(keep), "--log-dir", str(logs),
                "--db", str(db)], netns=netns).wait_ready()
    assert stat.S_IMODE(os.stat(keep).st_mode) == 0o700
    p, ev = run_until_seen(a, cgroup, [str(bb), "sh", "-c", "rm %s; sleep 30" % bb])
    assert not bb.exists()
    assert get(ev, "process.hash.sha256") == want
    assert get(ev, "whoflow.process.binary_preserved") == "kept"
    copy = keep / want
    assert copy.exists() and stat.S_IMODE(os.stat(copy).st_mode) == 0o444
    assert sha256(str(copy)) == want and os.path.getsize(copy) == os.path.getsize("/bin/busybox")
    # the same image again: found kept, not copied twice
    shutil.copy("/bin/busybox", bb)
    q, ev2 = run_until_seen(a, cgroup, [str(bb), "sleep", "30"])
    assert get(ev2, "whoflow.process.binary_preserved") == "known" and get(ev2, "process.hash.sha256") == want
    # a script: its interpreter and the script itself
    run_until_seen(a, cgroup, [str(script)], stdout=subprocess.DEVNULL)
    rc, _ = a.stop()
    assert rc == 0
    idx = index(keep)
    assert idx[want]["size"] == os.path.getsize("/bin/busybox") and str(bb) in idx[want]["paths"]
    # busybox's shell runs some applets by exec'ing its own image again: 2 or more
    assert idx[want]["process_count"] >= 2
    assert {p.pid, q.pid} <= {x["pid"] for x in idx[want]["processes"]}
    assert idx[want]["md5"] == hashlib.md5(open(copy, "rb").read()).hexdigest()
    s = sha256(str(script))
    assert s in idx and str(script) in idx[s]["paths"] and (keep / s).exists()
    interp = os.path.realpath("/bin/sh")
    assert sha256(interp) in idx
    assert stat.S_IMODE(os.stat(keep / "index.json").st_mode) == 0o600
    counts = summary(a, "binaries")
    assert counts["kept"] >= 3 and counts["already_kept"] >= 1 and counts["failed"] == 0
    # binary.log: the new copy, joined to process.log
    _, rows = read_log(logs / "binary.log")
    row = [x for x in rows if x["pid"] == str(p.pid)]
    assert row and row[0]["status"] == "kept" and row[0]["sha256"] == want
    assert not [x for x in rows if x["pid"] == str(q.pid)]  # already kept: not listed again
    # /api/binaries: the copy each binary was kept as (from the store)
    srv = Server(db, tmp_path)
    try:
        items = {b["sha256"]: b for b in srv.call("/api/binaries?limit=1000")["items"]}
    finally:
        srv.stop()
    assert items[want]["preserved"] is True and items[want]["copy"] == str(copy)
    assert items[sha256(interp)]["preserved"] is True


def test_gone_before_read_is_missed_and_cap_evicts(agents, netns, cgroup, tmp_path):
    """The agent stopped (SIGSTOP) while a program runs and exits: its exec is read after it is gone,
    counted missed; the same for a shell that exec'ed another program meanwhile. Three different
    programs under a cap that holds two: the least recently seen goes; a program over the per-file
    cap is not copied, counted."""
    keep = tmp_path / "keep"
    progs = []
    for i in range(3):
        prog = tmp_path / ("t%d" % i)
        data = open("/bin/sleep", "rb").read() + b"\0" * 16 + bytes([i]) * 64  # runs, hashes apart
        prog.write_bytes(data)
        prog.chmod(0o755)
        progs.append(prog)
    size = os.path.getsize(progs[0])
    a = agents(["--cgroup", cgroup.path, "--preserve-binaries", str(keep),
                "--preserve-max-size", str(2 * size + size // 2), "--preserve-max-file", "200K"],
               netns=netns).wait_ready()
    for prog in progs:
        run_until_seen(a, cgroup, [str(prog), "30"])
    # over the per-file cap: busybox (about 2 MB)
    _, ev_big = run_until_seen(a, cgroup, ["/bin/busybox", "sleep", "30"])
    assert get(ev_big, "whoflow.process.binary_preserved") == "too_large"
    # gone before whoflow reads its exec: the agent is stopped meanwhile
    os.kill(a.proc.pid, signal.SIGSTOP)
    try:
        gone = cgroup.spawn([str(progs[0]), "0"])
        assert gone.wait(10) == 0
    finally:
        os.kill(a.proc.pid, signal.SIGCONT)
    ev_gone = a.wait_for(lambda e: get(e, "event.action") == "exec" and get(e, "process.pid") == gone.pid)
    assert get(ev_gone, "whoflow.process.binary_preserved") == "missed"
    assert get(ev_gone, "process.executable") == str(progs[0])
    # a shell that exec'ed again before whoflow read its exec: /proc/PID/exe is the next image by
    # then; the shell's exec is missed, never kept under the next image's bytes
    os.kill(a.proc.pid, signal.SIGSTOP)
    try:
        twice = cgroup.spawn(["/bin/sh", "-c", "exec %s 30" % progs[2]], start_new_session=True)
        h.wait_until(lambda: os.path.realpath("/proc/%d/exe" % twice.pid) == str(progs[2]), 10, "second exec")
    finally:
        os.kill(a.proc.pid, signal.SIGCONT)
    evs = [a.wait_for(lambda e: get(e, "event.action") == "exec" and get(e, "process.pid") == twice.pid and
                      get(e, "process.executable") == x) for x in ("/bin/sh", str(progs[2]))]
    os.killpg(twice.pid, signal.SIGKILL)
    twice.wait(10)
    assert get(evs[0], "whoflow.process.binary_preserved") == "missed"
    assert get(evs[1], "whoflow.process.binary_preserved") == "known"
    rc, _ = a.stop()
    assert rc == 0
    kept = sorted(n for n in os.listdir(keep) if len(n) == 64)
    assert kept == sorted([sha256(str(progs[1])), sha256(str(progs[2]))])  # t0, the oldest, evicted
    counts = summary(a, "binaries")
    assert counts["kept"] == 3 and counts["evicted"] == 1 and counts["in_dir"] == 2
    assert counts["missed"] == 2 and counts["too_large"] == 1
    assert set(index(keep)) == set(kept)
