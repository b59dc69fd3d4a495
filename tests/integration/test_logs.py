# SPDX-License-Identifier: GPL-2.0-only
"""--log-dir: one file per event type, joined by correlation ids; checked against what each process
did, a real follower (rsyslog imfile) across rotations, and a full disk."""
import gzip
import json
import os
import re
import signal
import stat
import subprocess
import time

import pytest

import whoflow_harness as h
from whoflow_harness import get
from test_dns_flow import dnsmasq  # noqa: F401 (a fixture)
from test_tls import PORT, SNI, cert, s_server  # noqa: F401 (cert is a fixture)

HERE = os.path.dirname(os.path.abspath(__file__))
ACTOR = os.path.join(HERE, "log_actor.py")
FILES = ["process.log", "network.log", "dns.log", "tls.log", "http.log"]


def split_row(line):
    """The values of one line: ' | ' separates, a backslash escapes the next character."""
    vals, cur, i = [], [], 0
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            cur.append(line[i:i + 2])
            i += 2
        elif line.startswith(" | ", i):
            vals.append("".join(cur))
            cur = []
            i += 3
        else:
            cur.append(c)
            i += 1
    vals.append("".join(cur))
    return vals


def unescape(v):
    return re.sub(r"\\(x[0-9a-f]{2}|.)", lambda m: chr(int(m.group(1)[1:], 16)) if len(m.group(1)) == 3
                  else {"n": "\n"}.get(m.group(1), m.group(1)), v)


def read_log(path):
    """(columns, rows as dicts): every line must have exactly the header's columns."""
    with open(path) as f:
        lines = f.read().splitlines()
    assert lines and lines[0].startswith("# "), "%s has no header line" % path
    cols = lines[0][2:].split(" | ")
    rows = []
    for line in lines[1:]:
        vals = split_row(line)
        assert len(vals) == len(cols), "%s: %d columns, header has %d: %s" % (path, len(vals), len(cols), line)
        rows.append({c: (None if v == "-" else unescape(v)) for c, v in zip(cols, vals)})
    return cols, rows


def spawn_in(cgroup, topo, argv, **kw):
    return cgroup.spawn(topo.in_ns(topo.host, argv), **kw)


def test_process_uid_joins_the_files(agents, topo, cgroup, dnsmasq, cert, tmp_path):  # noqa: F811
    """One process asks a name and opens a TLS session; another asks another name. Grepping the
    first one's process_uid across the files finds its exec and exit, its two flows, its DNS question
    and answer (one dns_conversation_uid) and its TLS hello, with the ports its sockets really had,
    and nothing of the other process."""
    logs = tmp_path / "logs"
    srv = s_server(topo, cert)
    try:
        a = agents(["--cgroup", cgroup.path, "--log-dir", str(logs)], netns=topo.host).wait_ready()
        actor = spawn_in(cgroup, topo, ["/usr/bin/python3", ACTOR, topo.SERVER4, "www.test.example",
                                        topo.SERVER4, str(PORT), SNI], stdout=subprocess.PIPE)
        did = json.loads(actor.communicate(timeout=60)[0])
        # a shell that forks dig: dig's parent is a process the files know
        sh = spawn_in(cgroup, topo, ["sh", "-c", "dig @%s alias.test.example A +tries=1 +time=5; exit $?"
                                     % topo.SERVER4], stdout=subprocess.DEVNULL)
        assert sh.wait(30) == 0
        a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == did["pid"])
        a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == sh.pid)
        a.wait_for(lambda e: get(e, "event.action") == "flow" and get(e, "source.port") == did["tcp_port"])
        a.wait_for(lambda e: get(e, "dns.type") == "answer" and get(e, "dns.question.name") == "alias.test.example")
        a.wait_for(lambda e: get(e, "event.action") == "tls-client-hello" and get(e, "source.port") == did["tcp_port"])
        assert a.stop()[0] == 0
    finally:
        srv.kill()
        srv.wait()
    assert stat.S_IMODE(os.stat(logs).st_mode) == 0o700
    tables = {}
    for name in FILES:
        assert stat.S_IMODE(os.stat(logs / name).st_mode) == 0o600
        cols, tables[name] = read_log(logs / name)
        assert cols == documented_columns(name), name
    assert not os.path.exists(logs / "env.log")  # only with --env
    sessions = {r["session_uid"] for rows in tables.values() for r in rows}
    assert len(sessions) == 1 and re.fullmatch(r"[0-9a-f]{32}", sessions.pop())

    # nsenter execs python3: two execs of one process, one process_uid
    execs = [r for r in tables["process.log"] if r["event"] == "exec" and r["pid"] == str(did["pid"])]
    assert [r["comm"] for r in execs] == ["nsenter", "python3"]
    uid = execs[0]["process_uid"]
    assert execs[1]["process_uid"] == uid
    mine = {name: [r for r in rows if r.get("process_uid") == uid] for name, rows in tables.items()}
    # grep: the uid appears on exactly these lines, in every file that has a process
    for name, rows in tables.items():
        with open(logs / name) as f:
            assert sum(uid in line for line in f) == len(mine[name]), name
    assert [r["event"] for r in mine["process.log"]] == ["exec", "exec", "exit"]
    assert mine["process.log"][1]["command_line"].endswith(SNI)
    assert all(r["pid"] == str(did["pid"]) for rows in mine.values() for r in rows)

    flows = {(r["transport"], int(r["src_port"])): r for r in mine["network.log"]}
    assert set(flows) == {("udp", did["udp_port"]), ("tcp", did["tcp_port"])}, mine["network.log"]
    assert flows[("tcp", did["tcp_port"])]["dst_port"] == str(PORT)

    q = [r for r in mine["dns.log"] if r["kind"] == "query"]
    ans = [r for r in mine["dns.log"] if r["kind"] == "answer"]
    assert len(q) == 1 and len(ans) == 1, mine["dns.log"]
    assert q[0]["qname"] == ans[0]["qname"] == "www.test.example"
    assert q[0]["dns_id"] == ans[0]["dns_id"] == str(did["dns_id"])
    assert q[0]["dns_conversation_uid"] == ans[0]["dns_conversation_uid"]
    assert q[0]["network_uid"] == ans[0]["network_uid"] == flows[("udp", did["udp_port"])]["network_uid"]
    assert [x.split()[-1] for x in ans[0]["answers"].split(", ")] == did["answers"]
    assert int(q[0]["src_port"]) == did["udp_port"]

    assert len(mine["tls.log"]) == 1
    hello = mine["tls.log"][0]
    assert hello["sni"] == SNI and int(hello["src_port"]) == did["tcp_port"]
    assert hello["network_uid"] == flows[("tcp", did["tcp_port"])]["network_uid"]
    assert hello["version"] == did["tls_version"].replace("v", " ")  # "TLSv1.3" -> "TLS 1.3"

    # the other process: its own uid, its own DNS conversation, none of the first one's lines
    shells = [r for r in tables["process.log"] if r["event"] == "exec" and r["pid"] == str(sh.pid)]
    assert [r["comm"] for r in shells] == ["nsenter", "sh"]
    digs = [r for r in tables["process.log"] if r["event"] == "exec" and r["comm"] == "dig"]
    assert len(digs) == 1 and digs[0]["ppid"] == str(sh.pid) and digs[0]["process_uid"] != uid
    # its parent, joined: the shell's own process_uid, executable and command line
    assert digs[0]["parent_process_uid"] == shells[1]["process_uid"]
    assert os.path.basename(digs[0]["parent_exe"]) in ("sh", "dash", "bash")
    assert digs[0]["parent_command_line"].startswith("sh -c 'dig @")
    theirs = [r for r in tables["dns.log"] if r["process_uid"] == digs[0]["process_uid"]]
    assert {r["qname"] for r in theirs} == {"alias.test.example"} and len(theirs) == 2
    assert all(r["parent_process_uid"] == shells[1]["process_uid"] for r in theirs)
    assert theirs[0]["dns_conversation_uid"] != q[0]["dns_conversation_uid"]


def test_restart_appends_with_a_new_session(agents, netns, cgroup, tmp_path):
    """A second run appends to the same files under one header, with its own session_uid; JSON lines
    are ECS objects, one per line, in the same files."""
    logs = tmp_path / "logs"
    uids = []
    for fmt in ("text", "text", "json"):
        a = agents(["--cgroup", cgroup.path, "-i", "lo", "--log-dir", str(logs), "--log-format", fmt, "--env"],
                   netns=netns).wait_ready()
        p = cgroup.spawn(["nsenter", "--net=" + netns.path, "true"], env={"WF_SEEN": "a|b", "API_TOKEN": "x"})
        p.wait(10)
        a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == p.pid)
        assert a.stop()[0] == 0
        uids.append(p.pid)
    with open(logs / "process.log") as f:
        lines = f.read().splitlines()
    assert sum(line.startswith("# ") for line in lines) == 1
    text = [split_row(line) for line in lines[1:] if not line.startswith("{")]
    sessions = []
    for row in text:
        if row[1] not in sessions:
            sessions.append(row[1])
    assert len(sessions) == 2
    cols, env = read_log(logs / "env.log")
    assert cols == documented_columns("env.log")
    seen = [r for r in env if r["name"] == "WF_SEEN"]
    assert [r["value"] for r in seen] == ["a|b"] * 4 and len({r["session_uid"] for r in seen}) == 2  # nsenter, true
    assert {r["value"] for r in env if r["name"] == "API_TOKEN"} == {"[REDACTED]"}
    objs = [json.loads(line) for line in lines if line.startswith("{")]
    assert any(get(o, "event.action") == "exit" and get(o, "process.pid") == uids[2] for o in objs)
    assert all(get(o, "process.entity_id") for o in objs)


def test_unwritable_log_dir_fails_at_start(netns, tmp_path):
    """A directory whoflow cannot write is an error before any hook, saying what to do."""
    ro = tmp_path / "ro"
    ro.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(ro)], check=True)
    try:
        for d, why in ((ro / "logs", "Read-only file system"), (tmp_path / "no" / "logs", "No such file"),
                       (ro, "Read-only file system")):
            r = subprocess.run(["nsenter", "--net=" + netns.path, h.WHOFLOW, "-i", "lo", "--log-dir", str(d)],
                               capture_output=True, text=True, timeout=60)
            assert r.returncode == 1, r.stderr
            assert "cannot write" in r.stderr and why in r.stderr and "--log-dir" in r.stderr, r.stderr
            assert "ready" not in r.stderr
    finally:
        subprocess.run(["umount", str(ro)], check=True)


DNS_BLAST = r"""
import socket, struct, sys
n, port = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    name = b"".join(bytes([len(p)]) + p for p in (b"q%06d" % i, b"log", b"test")) + b"\0"
    s.sendto(struct.pack(">HHHHHH", i & 0xffff, 0x0100, 1, 0, 0, 0) + name + b"\0\1\0\1", ("127.0.0.1", port))
"""


def blast(cgroup, netns, n, port=53):
    p = cgroup.spawn(["nsenter", "--net=" + netns.path, "/usr/bin/python3", "-c", DNS_BLAST, str(n), str(port)])
    assert p.wait(120) == 0


def dns_events(agent, n):
    """Awaits n DNS query events on the agent's stdout."""
    h.wait_until(lambda: sum(get(e, "dns.type") == "query" for e in agent.drain()) >= n, 120, "%d DNS events" % n)


RSYSLOG_CONF = """
global(workDirectory="{work}")
module(load="imfile" mode="inotify")
template(name="raw" type="string" string="%rawmsg%\\n")
input(type="imfile" file="{log}" tag="whoflow-dns" ruleset="out" reopenOnTruncate="on")
ruleset(name="out") {{ action(type="omfile" file="{out}" template="raw") }}
"""


class Rsyslog:
    """Debian's rsyslogd following a file by name (imfile), writing each line it reads to out."""

    def __init__(self, tmp_path, log):
        self.work = tmp_path / "rsyslog"
        self.work.mkdir()
        self.out = self.work / "out.log"
        conf = self.work / "rsyslog.conf"
        conf.write_text(RSYSLOG_CONF.format(work=self.work, log=log, out=self.out))
        self.p = subprocess.Popen(["rsyslogd", "-n", "-f", str(conf), "-i", str(self.work / "pid")],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def lines(self):
        if not self.out.exists():
            return []
        with open(self.out) as f:
            return [line for line in f.read().splitlines() if line]

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
        return self.p.wait(30)


def rotated(logs, name):
    """Every line of name and its rotated copies (gzipped or not), header lines left out."""
    out = []
    for fn in sorted(os.listdir(logs)):
        if fn == name or fn.startswith(name + "."):
            opener = gzip.open if fn.endswith(".gz") else open
            with opener(os.path.join(logs, fn), "rt") as f:
                out += [line for line in f.read().splitlines() if not line.startswith("# ")]
    return out


@pytest.mark.parametrize("compress", [False, True])
def test_rotation_under_load_loses_nothing_for_a_follower(agents, netns, cgroup, tmp_path, compress):
    """20000 DNS queries make dns.log rotate about eight times at 1 MB; rsyslog's imfile, following
    dns.log by name, reads every line exactly once, and the rotated files hold them all."""
    logs = tmp_path / "logs"
    logs.mkdir(mode=0o700)
    (logs / "dns.log").touch(mode=0o600)  # so the follower starts on it
    rs = Rsyslog(tmp_path, logs / "dns.log")
    try:
        extra = ["--log-compress"] if compress else []
        a = agents(["--cgroup", cgroup.path, "-i", "lo", "-B", "65536", "--log-dir", str(logs),
                    "--log-rotate-size", "1", "--log-keep", "50"] + extra, netns=netns).wait_ready()
        n = 20000
        blast(cgroup, netns, n)
        dns_events(a, n)
        rc, summary = a.stop()
        assert rc == 0
        written = rotated(logs, "dns.log")
        h.wait_until(lambda: len(rs.lines()) >= len(written), 60, "rsyslog to read %d lines" % len(written))
        followed = [line for line in rs.lines() if not line.startswith("# ")]
    finally:
        rs.stop()
    queries = [e for e in a.events if get(e, "dns.type") == "query"]
    assert len(queries) == n
    assert "sink_lost=0" in summary
    files = os.listdir(logs)
    assert len([f for f in files if f.startswith("dns.log.")]) >= 5, files
    if compress:
        assert all(f.endswith(".gz") for f in files if f.startswith("dns.log."))
    for f in files:
        assert stat.S_IMODE(os.stat(logs / f).st_mode) == 0o600, f
    ids = [split_row(line)[2] for line in written]
    assert sorted(ids) == sorted(e["event"]["id"] for e in queries)  # every event, once
    assert sorted(followed) == sorted(written)  # the follower: nothing lost, nothing doubled


def test_full_disk_counts_lost_lines_and_resumes(agents, netns, cgroup, tmp_path):
    """On a small tmpfs that fills up, lines that do not fit are counted per file (warning and
    summary), no partial line is left, and writing resumes once there is room again."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mnt)], check=True)
    try:
        logs = mnt / "logs"
        a = agents(["--cgroup", cgroup.path, "-i", "lo", "-B", "65536", "--log-dir", str(logs)],
                   netns=netns).wait_ready()
        filler = mnt / "filler"
        # everything but about 40 kB: room for some lines, then none
        with open(filler, "wb") as f:
            f.write(b"\0" * (512 * 1024 - 40 * 1024 - os.statvfs(mnt).f_bsize * 8))
        blast(cgroup, netns, 3000)
        dns_events(a, 3000)
        h.wait_until(lambda: any("cannot write %s/dns.log: No space left on device" % logs in line
                                 for line in a.stderr), 30, "the full-disk warning")
        h.wait_until(lambda: any("events not written so far" in line for line in a.stderr), 30, "a loss warning")
        os.unlink(filler)
        blast(cgroup, netns, 500, port=5353)  # not DNS: flows only, and then DNS again
        blast(cgroup, netns, 500)
        dns_events(a, 3500)
        h.wait_until(lambda: any("writing %s/dns.log again" % logs in line for line in a.stderr), 30,
                     "writing resumed")
        assert a.stop()[0] == 0
        summary = next(line for line in a.stderr if "sink_lost=" in line)
        cols, rows = read_log(logs / "dns.log")  # every line whole
        lost = int(re.search(r"sink_lost=(\d+)", summary).group(1))
        per_file = next(line for line in a.stderr if "not written by sinks:" in line)
        dns_lost = int(re.search(r"dns\.log (\d+)", per_file).group(1))
        assert 0 < dns_lost <= lost
        queries = [e for e in a.events if get(e, "dns.type") == "query"]
        assert len(rows) + dns_lost == len(queries) == 3500
        assert {r["event_id"] for r in rows} <= {e["event"]["id"] for e in queries}
        assert rows[-1]["qname"] == "q000499.log.test"  # the last ones, written after the space came back
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def legend_block():
    doc = open(os.path.join(h.ROOT, "docs", "events.md")).read()
    section = doc[doc.index("## Log files"):]
    start = section.index("```\n") + 4
    return section[start:section.index("```\n", start)]


def documented_columns(name):
    """The column order docs/events.md gives for one file (whoflow --legend's text)."""
    lines = legend_block().split("\n")
    i = next(k for k, line in enumerate(lines) if line.startswith(name + ": "))
    cols = []
    for line in lines[i + 1:]:
        if not line.startswith("  "):
            break
        cols.append(line.split()[0])
    return cols


def test_legend_is_in_the_docs():
    """--legend names every file and column with its meaning; docs/events.md carries it verbatim."""
    r = subprocess.run([h.WHOFLOW, "--legend"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and r.stdout == legend_block()
    for name in FILES + ["env.log"]:
        cols = documented_columns(name)
        assert cols[:3] == ["ts", "session_uid", "event_id"], name
        assert len(cols) == len(set(cols)), name
    for line in r.stdout.splitlines():
        if line.startswith("  "):
            assert len(line.split(None, 1)) == 2, "a column without a meaning: %s" % line


def test_rotation_by_interval(agents, netns, cgroup, tmp_path):
    """--log-rotate-interval: a file older than the interval is renamed before the next lines, and
    the new one starts with its header; nothing is lost across it."""
    logs = tmp_path / "logs"
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--log-dir", str(logs), "--log-rotate-interval", "1"],
               netns=netns).wait_ready()
    pids = []
    deadline = time.monotonic() + 30
    while not (logs / "process.log.2").exists() and time.monotonic() < deadline:
        p = cgroup.spawn(["nsenter", "--net=" + netns.path, "true"])
        p.wait(10)
        a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == p.pid)
        pids.append(p.pid)
    assert a.stop()[0] == 0
    assert (logs / "process.log.2").exists()
    rows = []
    for fn in ("process.log.2", "process.log.1", "process.log"):
        rows += read_log(logs / fn)[1]  # each with its header
    exits = [int(r["pid"]) for r in rows if r["event"] == "exit"]
    assert exits == pids  # every one, once, in order across the files
