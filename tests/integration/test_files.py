# SPDX-License-Identifier: GPL-2.0-only
"""--files: what processes in the test's cgroup do to files in a directory of the test's own, through
fanotify, checked against what each process did (its pid, the files it made, their inode, mode and
size from os.stat, their hashes from sha256sum) and, for the store, against sqlite3."""
import hashlib
import json
import os
import sqlite3
import subprocess

import whoflow_harness as h
from whoflow_harness import get
from test_api import Server
from test_logs import read_log

ACTOR = r"""
import os, sys
d = sys.argv[1]
with open(d + "/a.txt", "w") as f:
    f.write("hello\n")
os.chmod(d + "/a.txt", 0o600)
os.rename(d + "/a.txt", d + "/b.txt")
os.unlink(d + "/b.txt")
os.mkdir(d + "/sub")
os.rmdir(d + "/sub")
with open(d + "/keep.bin", "wb") as f:
    f.write(os.urandom(4096))
print(os.getpid(), flush=True)
"""


def files_of(a, pid=None):
    return [e for e in a.events if "file" in (get(e, "event.category") or []) and
            (pid is None or get(e, "process.pid") == pid)]


def run_in(cgroup, argv):
    p = cgroup.spawn(argv, stdout=subprocess.PIPE, text=True)
    out, _ = p.communicate(timeout=60)
    assert p.returncode == 0
    return p.pid, out


def test_file_actions_per_file_and_process(agents, netns, cgroup, tmp_path):
    """One process creates, writes, chmods, renames and deletes a file, makes and removes a
    directory, writes a file it keeps: one record per file and process, counted by kind, with the
    file's identity and hashes; file.log, the store and the text output say the same."""
    d = tmp_path / "work"
    d.mkdir()
    logs, db = tmp_path / "logs", tmp_path / "f.db"
    a = agents(["--cgroup", cgroup.path, "--files", "--hash-files", "--file-path", str(d) + "/*",
                "--log-dir", str(logs), "--db", str(db)], netns=netns).wait_ready()
    pid, _ = run_in(cgroup, ["/usr/bin/python3", "-c", ACTOR, str(d)])
    keep = str(d / "keep.bin")
    a.wait_for(lambda e: get(e, "file.path") == keep and get(e, "process.pid") == pid)
    a.wait_for(lambda e: get(e, "file.path") == str(d / "sub"))
    a.wait_for(lambda e: get(e, "file.path") == str(d / "b.txt"))
    rc, _ = a.stop()
    assert rc == 0
    mine = {get(e, "file.path"): e for e in files_of(a, pid)}
    assert set(mine) == {str(d / "b.txt"), str(d / "sub"), keep}, list(mine)
    # a.txt, renamed b.txt, then deleted: one object, one record, every kind counted
    moved = mine[str(d / "b.txt")]
    assert get(moved, "whoflow.file.old_path") == str(d / "a.txt")
    counts = get(moved, "whoflow.file.counts")
    assert counts["creation"] == 1 and counts["rename"] == 1 and counts["deletion"] == 1
    assert counts["close_write"] >= 1 and counts["attributes_modified"] >= 1
    assert counts["open_write"] == 1  # open(..., "w"): once
    assert "modification" not in counts  # writes are counted with --file-writes only
    assert get(moved, "event.action") == "deletion" and get(moved, "whoflow.file.deleted") is True
    assert get(moved, "whoflow.file.hash_skipped") == "deleted"
    assert set(get(moved, "event.type")) == {"creation", "deletion", "change", "access"}
    sub = mine[str(d / "sub")]
    assert get(sub, "file.type") == "dir"
    assert get(sub, "whoflow.file.counts") == {"creation": 1, "deletion": 1}
    # the kept file: identity from its inode, hashes of what was written
    k = mine[keep]
    st = os.stat(keep)
    data = open(keep, "rb").read()
    assert get(k, "event.action") == "creation" and get(k, "file.name") == "keep.bin"
    assert get(k, "whoflow.file.counts")["open_write"] == 1
    assert get(k, "file.directory") == str(d)
    assert get(k, "file.inode") == str(st.st_ino) and get(k, "file.device") == str(st.st_dev)
    assert get(k, "file.size") == 4096 and get(k, "file.mode") == "%04o" % (st.st_mode & 0o7777)
    assert get(k, "file.uid") == str(st.st_uid) and get(k, "file.gid") == str(st.st_gid)
    assert get(k, "file.hash.sha256") == hashlib.sha256(data).hexdigest()
    sha = subprocess.run(["sha256sum", keep], capture_output=True, text=True).stdout.split()[0]
    assert get(k, "file.hash.sha256") == sha
    assert get(k, "file.hash.md5") == hashlib.md5(data).hexdigest()
    for e in mine.values():
        assert get(e, "process.name") == "python3" and get(e, "process.executable") == "/usr/bin/python3"
        assert get(e, "whoflow.attribution") == "pid"
        assert get(e, "whoflow.cgroup.path") == cgroup.rel
    # file.log: the same records, joined to process.log by process_uid
    _, rows = read_log(logs / "file.log")
    uid = get(k, "process.entity_id")
    by_path = {r["path"]: r for r in rows if r["pid"] == str(pid)}
    assert by_path[keep]["sha256"] == sha and by_path[keep]["process_uid"] == uid
    assert by_path[str(d / "b.txt")]["old_path"] == str(d / "a.txt")
    assert by_path[str(d / "b.txt")]["renames"] == "1"
    _, procs = read_log(logs / "process.log")
    assert any(r["process_uid"] == uid and r["event"] == "exec" for r in procs)
    # the store (sqlite3)
    con = sqlite3.connect(str(db))
    got = con.execute("SELECT name, pid, json FROM events WHERE type = 'file' AND pid = ?", (pid,)).fetchall()
    con.close()
    assert {g[0] for g in got} == set(mine)
    assert json.loads([g[2] for g in got if g[0] == keep][0])["file"]["hash"]["sha256"] == sha
    # the API over it: /api/files and /api/events?type=file, answers checked against the OpenAPI document
    srv = Server(db, tmp_path)
    try:
        listed = srv.call("/api/files?pid=%d" % pid)["items"]
        by_name = srv.call("/api/files?name=" + keep)["items"]
        typed = srv.call("/api/events?type=file&pid=%d" % pid)["items"]
    finally:
        srv.stop()
    assert {get(e, "file.path") for e in listed} == set(mine) == {get(e, "file.path") for e in typed}
    assert [get(e, "file.hash.sha256") for e in by_name] == [sha]


def test_writer_that_exits_at_once_is_named(agents, netns, cgroup, tmp_path):
    """A shell that writes a file and exits at once: the record names it, by pid and name."""
    d = tmp_path / "w"
    d.mkdir()
    a = agents(["--cgroup", cgroup.path, "--files", "--file-path", str(d) + "/*"], netns=netns).wait_ready()
    pids = []
    for i in range(5):
        pid, _ = run_in(cgroup, ["/bin/sh", "-c", "echo %d > %s/f%d" % (i, d, i)])
        pids.append(pid)
    for i, pid in enumerate(pids):
        ev = a.wait_for(lambda e: get(e, "file.path") == str(d / ("f%d" % i)))
        assert get(ev, "process.pid") == pid and get(ev, "process.name") == "sh"
        assert get(ev, "process.executable") == "/bin/sh" or get(ev, "process.executable").endswith("/dash")
        assert get(ev, "event.action") == "creation" and get(ev, "file.size") == len("%d\n" % i)
    a.stop()


HOLDER = r"""
import os, sys
d = sys.argv[1]
ro = open(d + "/read-only")                  # opened for reading: no record
held = os.open(d + "/held", os.O_WRONLY | os.O_APPEND)  # opened for writing, nothing written yet
print(os.getpid(), flush=True)
sys.stdin.readline()                         # held open until the test has seen its record
fd = os.open(d + "/untouched", os.O_RDWR)    # opened for writing, closed without a write
os.close(fd)
for i in range(3):                           # three opens for writing of one file, one record
    with open(d + "/thrice", "a") as f:
        f.write("x")
"""


def test_opens_for_writing(agents, netns, cgroup, tmp_path):
    """Opens for writing come from the sys_exit tracepoint, beside fanotify: a file held open for
    writing and not yet written is reported while the process still holds it (from its
    descriptor); one opened for writing and closed untouched, and one opened three times, counted
    on fanotify's record of the same file and process; a file opened for reading is not."""
    d = tmp_path / "o"
    d.mkdir()
    for name in ("read-only", "held", "untouched", "thrice"):
        (d / name).write_text("seed\n")
    a = agents(["--cgroup", cgroup.path, "--files", "--file-path", str(d) + "/*"], netns=netns).wait_ready()
    p = cgroup.spawn(["/usr/bin/python3", "-c", HOLDER, str(d)], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, text=True)
    try:
        pid = int(p.stdout.readline())
        held = a.wait_for(lambda e: get(e, "file.path") == str(d / "held"))
        assert p.poll() is None  # still holding it: the record came from the open, not a close
        st = os.stat(d / "held")
        assert get(held, "process.pid") == pid and get(held, "event.action") == "open_write"
        assert get(held, "whoflow.file.counts") == {"open_write": 1}
        assert get(held, "event.type") == ["access"]
        assert get(held, "file.inode") == str(st.st_ino) and get(held, "file.device") == str(st.st_dev)
        p.stdin.write("go\n")
        p.stdin.flush()
        assert p.wait(timeout=30) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    a.wait_for(lambda e: get(e, "file.path") == str(d / "thrice"))
    a.wait_for(lambda e: get(e, "file.path") == str(d / "untouched"))
    rc, _ = a.stop()
    assert rc == 0
    mine = {}
    for e in files_of(a, pid):
        mine.setdefault(get(e, "file.path"), []).append(get(e, "whoflow.file.counts"))
    assert str(d / "read-only") not in mine
    assert mine[str(d / "untouched")] == [{"open_write": 1, "close_write": 1}]
    thrice = mine[str(d / "thrice")]
    assert sum(c.get("open_write", 0) for c in thrice) == 3
    assert sum(c.get("close_write", 0) for c in thrice) >= 1  # the kernel merges unread closes
    # the held file's close after writing, later, in a record of its own or the same
    assert sum(c.get("open_write", 0) for c in mine[str(d / "held")]) == 1
    line = [l for l in a.stderr if l.startswith("whoflow: summary: files")][0]
    summary = h.parse_summary(line)
    assert summary["opens_for_writing"] >= 5
    assert summary["open_ringbuf_full"] == 0 and summary["open_unresolved"] == 0


def test_filesystem_mounted_later_is_watched(agents, netns, cgroup, tmp_path):
    """A filesystem mounted after whoflow started (a tmpfs made by the test, unmounted after) is
    watched from then on: a file written there is reported, with its open for writing."""
    mnt = tmp_path / "later"
    mnt.mkdir()
    a = agents(["--cgroup", cgroup.path, "--files", "--file-path", str(mnt) + "/*"], netns=netns).wait_ready()
    before = [l for l in a.stderr if "watched_filesystems" in l]
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1M", "whoflow-test", str(mnt)], check=True)
    try:
        target = mnt / "new.txt"
        pids = []
        # the mark follows the mount table's change at the next flush (250 ms): write until seen
        for i in range(50):
            pid, _ = run_in(cgroup, ["/bin/sh", "-c", "echo %d > %s" % (i, target)])
            pids.append(pid)
            try:
                first = a.wait_for(lambda e: get(e, "file.path") == str(target), timeout=0.5)
                break
            except AssertionError:
                continue
        else:
            raise AssertionError("no FILE event from the filesystem mounted later")
        assert get(first, "process.pid") in pids
        # one more, surely after the mark: its every action counted
        pid, _ = run_in(cgroup, ["/bin/sh", "-c", "echo last > %s" % target])
        ev = a.wait_for(lambda e: get(e, "file.path") == str(target) and get(e, "process.pid") == pid)
        assert get(ev, "process.name") == "sh"
        assert get(ev, "whoflow.file.counts")["open_write"] == 1
        assert get(ev, "file.device") == str(os.stat(target).st_dev)
        rc, _ = a.stop()
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
    assert rc == 0 and not before
    line = [l for l in a.stderr if l.startswith("whoflow: summary: files")][0]
    assert h.parse_summary(line)["watched_filesystems"] >= 2


FILE_RULES = """title: A file dropped in the watched directory's cron.d
id: 3f0a3b1e-0c43-4d0e-9a55-000000000f01
logsource:
  product: linux
  category: file_event
detection:
  sel:
    TargetFilename|contains: '/cron.d/'
  condition: sel
level: high
---
title: An authorized_keys moved away
id: 3f0a3b1e-0c43-4d0e-9a55-000000000f02
logsource:
  product: linux
  category: file_rename
detection:
  sel:
    SourceFilename|endswith: '/authorized_keys'
  condition: sel
level: medium
---
title: A log deleted
id: 3f0a3b1e-0c43-4d0e-9a55-000000000f03
logsource:
  product: linux
  category: file_delete
detection:
  sel:
    TargetFilename|endswith: '.log'
    Image|endswith: '/rm'
  condition: sel
level: medium
"""


def test_sigma_rules_on_file_events(agents, netns, cgroup, tmp_path):
    """Sigma rules of the file categories (file_event, file_rename, file_delete) fire on FILE
    records, naming the process; a file event of another kind fires none; `whoflow rules test` on
    the recorded events gives the same alerts."""
    d = tmp_path / "s"
    (d / "cron.d").mkdir(parents=True)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "files.yml").write_text(FILE_RULES)
    (d / "old.log").write_text("x")
    (d / "keep.log").write_text("x")
    a = agents(["--cgroup", cgroup.path, "--files", "--file-path", str(d) + "/*", "--rules", str(rules)],
               netns=netns).wait_ready()
    dropper, _ = run_in(cgroup, ["/bin/sh", "-c", "echo '* * * * * root true' > %s/cron.d/job" % d])
    (d / "authorized_keys").write_text("k")
    mover, _ = run_in(cgroup, ["/bin/mv", str(d / "authorized_keys"), str(d / "moved")])
    remover, _ = run_in(cgroup, ["/bin/rm", str(d / "old.log")])
    other, _ = run_in(cgroup, ["/usr/bin/python3", "-c", "import os; os.unlink(%r)" % str(d / "keep.log")])
    names = {"A file dropped in the watched directory's cron.d": dropper,
             "An authorized_keys moved away": mover, "A log deleted": remover}
    for rule, pid in names.items():
        al = a.wait_for(lambda e, rule=rule: get(e, "event.kind") == "alert" and get(e, "rule.name") == rule)
        assert get(al, "process.pid") == pid, rule
    a.wait_for(lambda e: get(e, "file.path") == str(d / "keep.log") and get(e, "process.pid") == other)
    rc, _ = a.stop()
    assert rc == 0
    got = [e for e in a.events if get(e, "event.kind") == "alert"]
    assert sorted(get(e, "rule.name") for e in got) == sorted(names), [get(e, "rule.name") for e in got]
    cron = [e for e in got if get(e, "rule.name") == "A file dropped in the watched directory's cron.d"][0]
    assert get(cron, "whoflow.sigma.matched") == {"TargetFilename": str(d / "cron.d" / "job")}
    assert get(cron, "whoflow.sigma.category") == "file_event"
    moved = [e for e in got if get(e, "rule.name") == "An authorized_keys moved away"][0]
    assert get(moved, "whoflow.sigma.matched") == {"SourceFilename": str(d / "authorized_keys")}
    recorded = tmp_path / "events.jsonl"
    recorded.write_text("".join(json.dumps(e) + "\n" for e in a.events if get(e, "event.kind") != "alert"))
    r = subprocess.run([h.WHOFLOW, "rules", "test", str(rules), str(recorded)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    offline = sorted((x["rule"]["name"], x["event"]["id"]) for x in map(json.loads, r.stdout.splitlines()))
    assert offline == sorted((get(e, "rule.name"), get(e, "whoflow.sigma.event_id")) for e in got)


WRITER = r"""
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
for i in range(10000):
    os.write(fd, b"0123456789abcdef")
    if i % 500 == 0:
        time.sleep(0.1)  # the load comes in 20 bursts over 2 s: whoflow reads between them
os.close(fd)
"""


def test_ten_thousand_writes_make_one_record(agents, netns, cgroup, tmp_path):
    """A process writing 10,000 times in 20 bursts over 2 s (--file-writes: writes counted): one
    record for it and the file, its notifications counted (kflowd's aggregation); with
    --files-all, an event per notification."""
    for extra, one in ((["--file-writes"], True), (["--file-writes", "--files-all"], False)):
        d = tmp_path / ("agg" if one else "all")
        d.mkdir()
        a = agents(["--cgroup", cgroup.path, "--files", "--file-path", str(d) + "/*"] + extra,
                   netns=netns).wait_ready()
        path = str(d / "big")
        pid, _ = run_in(cgroup, ["/usr/bin/python3", "-c", WRITER, path])
        a.wait_for(lambda e: get(e, "file.path") == path and (get(e, "whoflow.file.counts") or {}).get("close_write"))
        rc, summary = a.stop()
        assert rc == 0
        recs = [e for e in files_of(a, pid) if get(e, "file.path") == path]
        writes = sum(get(e, "whoflow.file.counts").get("modification", 0) for e in recs)
        assert os.path.getsize(path) == 160000
        assert writes >= 2  # bursts 100 ms apart are read apart
        assert sum(get(e, "whoflow.file.counts").get("close_write", 0) for e in recs) == 1
        if one:
            assert len(recs) == 1, [get(e, "whoflow.file.counts") for e in recs]
            assert get(recs[0], "file.size") == 160000
            assert get(recs[0], "whoflow.file.counts")["creation"] == 1
        else:
            assert len(recs) >= 2 and all(sum(get(e, "whoflow.file.counts").values()) >= 1 for e in recs)


def test_path_globs_scope_and_hash_cap(agents, netns, cgroup, tmp_path):
    """--file-path leaves other files out; a process outside --cgroup is not reported (counted);
    --hash-max-size: a larger file says so instead of hashes."""
    d, other = tmp_path / "in", tmp_path / "out"
    d.mkdir()
    other.mkdir()
    a = agents(["--cgroup", cgroup.path, "--files", "--hash-files", "--hash-max-size", "1K",
                "--file-path", str(d) + "/*"], netns=netns).wait_ready()
    big, small = d / "big", d / "small"
    run_in(cgroup, ["/bin/sh", "-c", "head -c 4096 /dev/zero > %s; printf ab > %s; printf x > %s/z" % (big, small, other)])
    # outside the cgroup: the test process itself
    (d / "outsider").write_text("x")
    ev_big = a.wait_for(lambda e: get(e, "file.path") == str(big))
    ev_small = a.wait_for(lambda e: get(e, "file.path") == str(small))
    rc, _ = a.stop()
    assert get(ev_big, "whoflow.file.hash_skipped") == "too_large" and get(ev_big, "file.hash") is None
    assert get(ev_small, "file.hash.sha256") == hashlib.sha256(b"ab").hexdigest()
    paths = {get(e, "file.path") for e in files_of(a)}
    assert str(other / "z") not in paths and str(d / "outsider") not in paths
    line = [l for l in a.stderr if l.startswith("whoflow: summary: files")][0]
    assert h.parse_summary(line)["out_of_scope"] >= 1 and h.parse_summary(line)["queue_overflow"] == 0


def test_text_output_file_line(agents, netns, cgroup, tmp_path):
    d = tmp_path / "t"
    d.mkdir()
    a = agents(["--cgroup", cgroup.path, "--files", "--file-path", str(d) + "/*"], netns=netns,
               json_output=False).wait_ready()
    pid, _ = run_in(cgroup, ["/bin/sh", "-c", "printf abc > '%s/with space'" % d])
    line = a.wait_for(lambda l: l.startswith("FILE ") and "with space" in l)
    assert 'path="%s/with space"' % d in line and " action=creation " in line and " size=3 " in line
    assert " pid=%d comm=sh" % pid in line
