# SPDX-License-Identifier: GPL-2.0-only
"""The monitor's --user: once attached it runs as that user, its event loop keeping only the
capabilities it still uses and every other thread none, and it still does its whole job: owners
with their executables (read through /proc as another user), the store written, the API answering
from it, log files written. Directories it cannot write are said at start, and nothing is left
attached."""
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid

import pytest

import whoflow_harness as h
from whoflow_harness import get
from test_api import free_port
from test_api_write import BASE_ID, NEW_ID, RULE, Api, alert_of

NOBODY = 65534
# CAP_DAC_READ_SEARCH (2), CAP_NET_ADMIN (12), CAP_SYS_PTRACE (19), CAP_BPF (39)
KEPT = (1 << 2) | (1 << 12) | (1 << 19) | (1 << 39)


def caps(status, which):
    return int(re.search(r"^%s:\s+([0-9a-f]+)$" % which, status, re.M).group(1), 16)


@pytest.fixture
def home():
    """A directory nobody owns (pytest's own are root's, 0700): the store and the logs go there."""
    d = tempfile.mkdtemp(prefix="wf-user-")
    os.chown(d, NOBODY, NOBODY)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_monitor_as_user_keeps_only_what_it_uses(agents, netns, cgroup, home, tmp_path):
    logs, db, tok, port = os.path.join(home, "logs"), os.path.join(home, "s.db"), tmp_path / "token", free_port()
    rules, tag = os.path.join(home, "rules"), uuid.uuid4().hex[:8]
    for d in (logs, rules):
        os.mkdir(d)
        os.chown(d, NOBODY, NOBODY)
    with open(os.path.join(rules, "base.yml"), "w") as f:
        f.write(RULE % {"title": "base " + tag, "id": BASE_ID, "marker": "wf-base-" + tag})
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--flow-timeouts", "1,60", "--hash-binaries", "--db", db,
                "--log-dir", logs, "--rules", rules, "--api", "127.0.0.1:%d" % port, "--api-token-file", str(tok),
                "--api-allow-write", "--user", "nobody"], netns=netns).wait_ready()
    # nsenter execs whoflow: the same pid
    status = open("/proc/%d/status" % a.proc.pid).read()
    assert re.search(r"^Name:\s+whoflow$", status, re.M), status
    assert re.search(r"^Uid:\s+%d\s+%d\s+%d\s+%d$" % ((NOBODY,) * 4), status, re.M), status
    assert re.search(r"^Gid:\s+%d\s+%d\s+%d\s+%d$" % ((NOBODY,) * 4), status, re.M), status
    assert caps(status, "CapEff") == KEPT and caps(status, "CapPrm") == KEPT, status
    assert caps(status, "CapInh") == 0 and caps(status, "CapAmb") == 0
    assert re.search(r"^NoNewPrivs:\s+1$", status, re.M)
    threads = [t for t in os.listdir("/proc/%d/task" % a.proc.pid) if int(t) != a.proc.pid]
    assert threads, "the API, the store's writer and the checkpointer run threads"
    for t in threads:
        ts = open("/proc/%d/task/%s/status" % (a.proc.pid, t)).read()
        assert caps(ts, "CapEff") == 0 and caps(ts, "CapPrm") == 0, (t, ts)
        assert re.search(r"^Uid:\s+%d\s" % NOBODY, ts, re.M), ts
    assert any("running as nobody" in line for line in a.stderr), a.stderr

    # A root process in the watched cgroup sends a datagram and waits: its exec event carries its
    # working directory and its binary's hash, read through /proc/PID/cwd and /proc/PID/exe, which
    # for another user's process take CAP_SYS_PTRACE; its flow reaches the output, the store
    # (through the API's pool) and the log files, all after the drop.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rx:
        rx.bind(("127.0.0.1", 0))
        code = "import socket,sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', %d)); " \
            "sys.stdin.read()" % rx.getsockname()[1]
        p = cgroup.spawn(["nsenter", "--net=" + netns.path, sys.executable, "-c", code], stdin=subprocess.PIPE,
                         cwd=home)
        try:
            exe = os.path.realpath(sys.executable)
            ex = a.wait_for(lambda e: get(e, "event.action") == "exec" and get(e, "process.pid") == p.pid
                            and get(e, "process.executable") == sys.executable)  # nsenter's exec first
            assert get(ex, "process.working_directory") == home, ex
            assert get(ex, "process.hash.sha256") == hashlib.sha256(open(exe, "rb").read()).hexdigest(), ex
            ev = a.wait_for(lambda e: get(e, "event.dataset") == "whoflow.flow" and get(e, "process.pid") == p.pid
                            and get(e, "network.transport") == "udp")
            assert get(ev, "process.executable") == sys.executable and get(ev, "process.user.id") == "0", ev
        finally:
            p.stdin.close()
            p.wait(30)
    api = Api(netns, port, tok)
    h.wait_until(lambda: get(ev, "event.id") in [get(e, "event.id") for e in
                                                   api.call("GET", "/api/flows?pid=%d" % p.pid, op="/api/flows")["items"]],
                 10, "the flow in the store, through the API")
    h.wait_until(lambda: any(str(p.pid) in open(os.path.join(logs, f)).read()
                             for f in os.listdir(logs) if f.startswith("network")), 10, "the flow in network.log")
    assert os.stat(db).st_uid == NOBODY
    # Writes through the API, from its threads with no capability: a rule uploaded into the
    # user's directory and loaded, an alert's triage written into the handed-over store.
    text = RULE % {"title": "uploaded " + tag, "id": NEW_ID, "marker": "wf-new-" + tag}
    added = api.call("POST", "/api/rules", text, ctype="application/yaml", status=201)
    assert os.stat(added["file"]).st_uid == NOBODY
    h.wait_until(lambda: NEW_ID in [r["id"] for r in api.rules()["items"]], 10, "the uploaded rule loaded")
    t = cgroup.spawn(["/bin/true", "wf-new-" + tag])
    assert t.wait(30) == 0
    eid = get(alert_of(a, NEW_ID, t.pid), "event.id")
    h.wait_until(lambda: eid in [get(e, "event.id") for e in api.call("GET", "/api/alerts", op="/api/alerts")["items"]],
                 10, "the alert in the store")
    got = api.call("POST", "/api/alerts/%s/triage" % eid, {"status": "resolved", "note": "as nobody"},
                   op="/api/alerts/{event_id}/triage")
    assert got["status"] == "resolved" and got["note"] == "as nobody"
    rc, summary = a.stop()
    assert rc == 0 and summary.startswith("whoflow: summary:"), (rc, a.stderr[-5:])
    assert h.tcx_classifiers() == [], "the links went with the agent"


def test_monitor_as_user_says_what_it_cannot_write(agents, netns, cgroup, tmp_path):
    logs = tmp_path / "logs"  # root's, 0700 above it: nobody cannot make files there
    logs.mkdir()
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--log-dir", str(logs), "--user", "nobody"], netns=netns)
    rc = a.proc.wait(60)
    a.stop()
    assert rc == 1, a.stderr
    said = "\n".join(a.stderr)
    assert "--user nobody: nobody cannot write %s, where whoflow makes the log files" % logs in said, said
    assert "chown nobody %s" % logs in said
    assert not any("ready" in line for line in a.stderr)


def test_monitor_user_usage_errors(netns):
    for argv, said in ((["--user", "no-such-user-wf"], "no such user"),
                       (["--user", "nobody", "--xdp", "-i", "lo"], "--user and --xdp do not go together")):
        r = subprocess.run(["nsenter", "--net=" + netns.path, h.WHOFLOW] + argv, capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 2 and said in r.stderr, (argv, r.returncode, r.stderr)
