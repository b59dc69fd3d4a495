# SPDX-License-Identifier: GPL-2.0-only
"""--db: the SQLite store, read back with Debian's sqlite3 (not whoflow's code): every printed event,
the process table's tree, a SIGKILL under load, retention, bad files."""
import json
import os
import signal
import stat
import subprocess

import pytest

import whoflow_harness as h
from whoflow_harness import get
from test_dns_flow import dnsmasq  # noqa: F401 (a fixture)
from test_logs import ACTOR, blast, dns_events
from test_tls import PORT, SNI, cert, s_server  # noqa: F401 (cert is a fixture)


def sql(db, query):
    r = subprocess.run(["sqlite3", "-json", str(db), query], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout) if r.stdout.strip() else []


@pytest.fixture
def known_store(agents, topo, cgroup, dnsmasq, cert, tmp_path):  # noqa: F811
    """A store made while known processes ran (--hash-binaries on): one asks a name and opens a
    TLS session (the actor: what it did comes back as did), a shell forks dig. Returns
    (db, the agent, did, the shell's pid)."""
    db = tmp_path / "whoflow.db"
    srv = s_server(topo, cert)
    try:
        a = agents(["--cgroup", cgroup.path, "--db", str(db), "--hash-binaries"], netns=topo.host).wait_ready()
        actor = cgroup.spawn(topo.in_ns(topo.host, ["/usr/bin/python3", ACTOR, topo.SERVER4, "www.test.example",
                                                    topo.SERVER4, str(PORT), SNI]), stdout=subprocess.PIPE)
        did = json.loads(actor.communicate(timeout=60)[0])
        sh = cgroup.spawn(topo.in_ns(topo.host, ["sh", "-c", "dig @%s alias.test.example A +tries=1 +time=5; exit $?"
                                                 % topo.SERVER4]), stdout=subprocess.DEVNULL)
        assert sh.wait(30) == 0
        a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == did["pid"])
        a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == sh.pid)
        a.wait_for(lambda e: get(e, "event.action") == "flow" and get(e, "source.port") == did["tcp_port"])
        assert a.stop()[0] == 0
        assert "sink_lost=0" in next(line for line in a.stderr if "sink_lost=" in line)
    finally:
        srv.kill()
        srv.wait()
    return db, a, did, sh.pid


def test_store_holds_what_was_printed(known_store, topo):
    db, a, did, shell = known_store
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    assert sql(db, "PRAGMA journal_mode") == [{"journal_mode": "wal"}]
    assert sql(db, "PRAGMA user_version") == [{"user_version": 8}]
    rows = sql(db, "SELECT event_id, type, json FROM events")
    printed = {get(e, "event.id"): e for e in a.events}
    assert {r["event_id"] for r in rows} == set(printed)  # every event, once
    for r in rows:
        assert json.loads(r["json"]) == printed[r["event_id"]]
    # which process resolved this name, what did it connect to
    who = sql(db, "SELECT DISTINCT p.pid, p.comm, p.exe FROM events e JOIN processes p USING(entity_id) "
                  "WHERE e.type = 'dns' AND e.name = 'www.test.example'")
    assert len(who) == 1 and (who[0]["pid"], who[0]["comm"]) == (did["pid"], "python3")
    assert who[0]["exe"] == "/usr/bin/python3"  # as the actor was exec'd
    to = sql(db, "SELECT e.transport, e.dst, e.dport, e.sport FROM (SELECT *, json_extract(json, "
                 "'$.network.transport') AS transport FROM events) e JOIN processes p USING(entity_id) "
                 "WHERE p.pid = %d AND e.type = 'flow' ORDER BY e.sport" % did["pid"])
    assert sorted((r["transport"], r["sport"]) for r in to) == sorted([("udp", did["udp_port"]),
                                                                      ("tcp", did["tcp_port"])])
    assert {(r["dst"], r["dport"]) for r in to} == {(topo.SERVER4, 53), (topo.SERVER4, PORT)}
    tls = sql(db, "SELECT name FROM events WHERE type = 'tls' AND sport = %d" % did["tcp_port"])
    assert tls == [{"name": SNI}]
    # the tree: the shell's child is dig, with the shell as its parent and the exit it had
    shell = sql(db, "SELECT entity_id, comm FROM processes WHERE pid = %d" % shell)
    assert [r["comm"] for r in shell] == ["sh"]
    kids = sql(db, "SELECT comm, exe, exit_code, exit_ts > start_ts AS ended FROM processes "
                   "WHERE parent_entity_id = '%s'" % shell[0]["entity_id"])
    assert kids == [{"comm": "dig", "exe": "/usr/bin/dig", "exit_code": 0, "ended": 1}]


def test_store_survives_sigkill_under_load(agents, netns, cgroup, tmp_path):
    """SIGKILL while 20000 DNS events pour in: the database opens cleanly, holds what was committed,
    and a new agent goes on writing into it."""
    db = tmp_path / "whoflow.db"
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "-B", "65536", "--db", str(db)], netns=netns).wait_ready()
    names = []
    for tid in os.listdir("/proc/%d/task" % a.proc.pid):
        with open("/proc/%d/task/%s/comm" % (a.proc.pid, tid)) as f:
            names.append(f.read().strip())
    assert {"wf-store", "wf-store-ckpt"} <= set(names), names  # named for top -H and perf (docs/store.md)
    blaster = cgroup.spawn(["nsenter", "--net=" + netns.path, "/usr/bin/python3", "-c",
                            "import socket,struct\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                            "for i in range(20000):\n s.sendto(struct.pack('>HHHHHH',i&65535,256,1,0,0,0)"
                            "+b'\\x01a\\x04test\\x00\\x00\\x01\\x00\\x01',('127.0.0.1',53))\n"])
    h.wait_until(lambda: db.exists() and sql(db, "SELECT count(*) AS n FROM events")[0]["n"] > 1000, 60,
                 "a thousand events committed")
    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait(10)
    blaster.wait(60)
    assert sql(db, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]
    before = sql(db, "SELECT count(*) AS n FROM events")[0]["n"]
    assert before > 1000
    b = agents(["--cgroup", cgroup.path, "-i", "lo", "--db", str(db)], netns=netns).wait_ready()
    blast(cgroup, netns, 100, port=53)
    h.wait_until(lambda: sum(get(e, "dns.type") == "query" for e in b.drain()) >= 100, 60, "100 more DNS events")
    assert b.stop()[0] == 0
    assert sql(db, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]
    mine = {get(e, "event.id") for e in b.events}
    stored = {r["event_id"] for r in sql(db, "SELECT event_id FROM events")}
    assert mine <= stored and len(stored) == before + len(mine)


def test_store_retention_by_size_and_age(agents, netns, cgroup, tmp_path):
    db = tmp_path / "whoflow.db"
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "-B", "65536", "--db", str(db), "--db-max-size", "1M"],
               netns=netns).wait_ready()
    blast(cgroup, netns, 8000)
    dns_events(a, 8000)
    h.wait_until(lambda: sql(db, "SELECT (SELECT page_count FROM pragma_page_count) - (SELECT freelist_count FROM "
                                 "pragma_freelist_count) AS pages")[0]["pages"] * 4096 <= 1 << 20, 30,
                 "the store trimmed to 1 MiB")
    assert a.stop()[0] == 0
    names = [r["name"] for r in sql(db, "SELECT name FROM events WHERE type = 'dns' ORDER BY ts")]
    assert names and names[-1] == "q007999.log.test" and "q000000.log.test" not in names  # the oldest went
    # by age: everything goes once it is older than 2 s
    b = agents(["--cgroup", cgroup.path, "-i", "lo", "--db", str(db), "--db-retain", "2s"], netns=netns).wait_ready()
    h.wait_until(lambda: sql(db, "SELECT count(*) AS n FROM events")[0]["n"] == 0, 30, "old events removed")
    assert b.stop()[0] == 0


def test_store_bad_files(netns, tmp_path):
    not_db = tmp_path / "notes.txt"
    not_db.write_text("not a database\n" * 100)
    newer = tmp_path / "newer.db"
    subprocess.run(["sqlite3", str(newer), "PRAGMA user_version = 99"], check=True)
    for path, why in ((tmp_path, "cannot use --db %s" % tmp_path), (not_db, "file is not a database"),
                      (newer, "made by a newer whoflow (schema version 99"),
                      (tmp_path / "no" / "x.db", "No such file or directory")):
        r = subprocess.run(["nsenter", "--net=" + netns.path, h.WHOFLOW, "-i", "lo", "--db", str(path)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 1 and why in r.stderr and "ready" not in r.stderr, (path, r.stderr)
    for arg in ("--db-retain", "--db-max-size"):
        for bad in ("0", "-1", "7x", "", "5dd"):
            r = subprocess.run([h.WHOFLOW, arg, bad], capture_output=True, text=True, timeout=10)
            assert r.returncode == 2 and "bad %s" % arg in r.stderr, (arg, bad, r.stderr)


def test_store_migrates_an_older_schema(agents, netns, cgroup, tmp_path):
    """A store at schema version 1 (without the indexes of versions 2 to 4 and 6, the container
    columns of version 5, the binary column of version 7 and the triage table of version 8) is brought
    to version 8 in place by the next agent, its events kept."""
    db = tmp_path / "old.db"
    for _ in range(2):
        a = agents(["--cgroup", cgroup.path, "-i", "lo", "--db", str(db)], netns=netns).wait_ready()
        p = cgroup.spawn(["nsenter", "--net=" + netns.path, "true"])
        p.wait(10)
        a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == p.pid)
        assert a.stop()[0] == 0
        if sql(db, "PRAGMA user_version") == [{"user_version": 8}] and _ == 0:
            before = sql(db, "SELECT event_id FROM events")
            subprocess.run(["sqlite3", str(db), "DROP INDEX events_flow; DROP INDEX events_tls; DROP INDEX events_http; "
                            "DROP INDEX events_exec; DROP INDEX events_fork; DROP INDEX events_exit; "
                            "DROP INDEX events_alert; DROP INDEX events_drop; DROP INDEX processes_container_name; "
                            "DROP INDEX events_file; ALTER TABLE processes DROP COLUMN binary_copy; "
                            "ALTER TABLE processes DROP COLUMN container_name; "
                            "ALTER TABLE processes DROP COLUMN container_image; ALTER TABLE processes DROP COLUMN pod; "
                            "ALTER TABLE processes DROP COLUMN k8s_namespace; DROP TABLE alert_triage; "
                            "PRAGMA user_version = 1"], check=True)
            assert "container_name" not in {r["name"] for r in sql(db, "PRAGMA table_info(processes)")}
    assert sql(db, "PRAGMA user_version") == [{"user_version": 8}]
    assert sql(db, "SELECT name FROM sqlite_master WHERE name = 'alert_triage'") == [{"name": "alert_triage"}]
    assert {"container_name", "container_image", "pod", "k8s_namespace"} <= {
        r["name"] for r in sql(db, "PRAGMA table_info(processes)")}
    idx = {r["name"] for r in sql(db, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"events_flow", "events_tls", "events_http", "events_exec", "events_fork", "events_exit",
            "events_alert", "events_drop", "processes_container_name", "events_file"} <= idx
    after = {r["event_id"] for r in sql(db, "SELECT event_id FROM events")}
    assert {r["event_id"] for r in before} < after
    assert sql(db, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]
