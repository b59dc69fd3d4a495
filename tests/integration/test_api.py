# SPDX-License-Identifier: GPL-2.0-only
"""The HTTP API over the store: every endpoint against what the processes did and what the agent
printed, every answer validated against the OpenAPI document, bad input, the token, a stuck client,
and the document linted by Redocly's CLI (npm, pinned in tests/npm)."""
import json
import os
import re
import socket
import stat
import subprocess
import urllib.error
import urllib.request

import jsonschema
import pytest

import whoflow_harness as h
from whoflow_harness import get
from test_dns_flow import dnsmasq  # noqa: F401 (a fixture known_store uses)
from test_store import known_store  # noqa: F401 (a fixture)
from test_tls import SNI, cert  # noqa: F401 (cert: a fixture known_store uses)

DOC = json.load(open(os.path.join(h.ROOT, "userspace", "api", "openapi.json")))
REDOCLY = os.path.join(h.ROOT, "build", "npm", "node_modules", ".bin", "redocly")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """whoflow serve on 127.0.0.1, its token read from the file it names."""

    def __init__(self, db, tmp_path):
        self.port = free_port()
        self.token_file = tmp_path / "tokens" / "api.token"
        self.p = subprocess.Popen([h.WHOFLOW, "serve", "--db", str(db), "--api", "127.0.0.1:%d" % self.port,
                                   "--api-token-file", str(self.token_file)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.stderr = []
        for line in self.p.stderr:
            self.stderr.append(line)
            if "ready" in line:
                break
        assert self.p.poll() is None, self.stderr
        self.token = self.token_file.read_text().strip()

    def call(self, path, token=True, method="GET", body=None, status=200, op=None):
        """(status, JSON) of a request; the answer is checked against the document's schema for
        that path, method and status."""
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), method=method,
                                     data=body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode())
        if token:
            req.add_header("Authorization", "Bearer " + (self.token if token is True else token))
        if body is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                code, data, headers = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            code, data, headers = e.code, e.read(), e.headers
        assert code == status, (path, code, data[:300])
        assert headers["Content-Type"] == "application/json"
        obj = json.loads(data)
        validate(op or path, method, code, obj)
        return obj

    def stop(self):
        self.p.terminate()
        assert self.p.wait(30) == 0


def validate(path, method, status, obj):
    """Against the response schema the OpenAPI document gives."""
    template = next(t for t in DOC["paths"] if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", t), path.split("?")[0]))
    responses = DOC["paths"][template][method.lower()]["responses"]
    schema = responses[str(status)]["content"]["application/json"]["schema"]
    resolver = jsonschema.RefResolver.from_schema(DOC)
    jsonschema.Draft202012Validator(schema, resolver=resolver).validate(obj)


def page_all(srv, path):
    """Every item of a list endpoint, one item a page, following next_cursor."""
    items, cursor = [], None
    for _ in range(10000):
        sep = "&" if "?" in path else "?"
        page = srv.call(path + sep + "limit=1" + ("&cursor=" + cursor if cursor else ""), op=path)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("no end to the pages")


def test_api_answers_from_the_store(known_store, tmp_path):
    db, a, did, shell = known_store
    srv = Server(db, tmp_path)
    try:
        # the token: made 0600 in a 0700 directory, the token alone, its absolute path said at start
        assert stat.S_IMODE(os.stat(srv.token_file).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(srv.token_file.parent).st_mode) == 0o700
        assert re.fullmatch(r"[0-9a-f]{64}\n", srv.token_file.read_text())
        assert any("its token is in %s" % srv.token_file in line for line in srv.stderr)
        # serve started as root runs as nobody, with no capability and no way back, and answers
        status = open("/proc/%d/status" % srv.p.pid).read()
        assert re.search(r"^Uid:\s+65534\s+65534\s+65534\s+65534$", status, re.M), status
        assert re.search(r"^Gid:\s+65534\s+65534\s+65534\s+65534$", status, re.M), status
        assert re.search(r"^CapEff:\s+0+$", status, re.M) and re.search(r"^CapPrm:\s+0+$", status, re.M)
        assert re.search(r"^NoNewPrivs:\s+1$", status, re.M)
        # No detection under serve: the rules list says so.
        assert srv.call("/api/rules") == {"detection": False, "items": [], "writable": False,
                                          "counts": {"usable": 0, "skipped": 0, "broken": 0, "files": 0,
                                                     "disabled": 0}}
        assert srv.call("/health", token=False) == {"status": "ok", "schema_version": 8}
        assert "bearer" in srv.call("/api/events", token=False, status=401)["error"]
        srv.call("/api/events", token="0" * 64, status=401)

        printed = {get(e, "event.id"): e for e in a.events}
        everything = page_all(srv, "/api/events")
        assert sorted(get(e, "event.id") for e in everything) == sorted(printed)
        assert all(e == printed[get(e, "event.id")] for e in everything)

        # which process resolved this name
        dns = srv.call("/api/dns?name=www.test.example")["items"]
        assert {get(e, "dns.type") for e in dns} == {"query", "answer"}
        assert {get(e, "process.pid") for e in dns} == {did["pid"]}
        uid = get(dns[0], "process.entity_id")
        # what it did: its events, by entity
        mine = srv.call("/api/processes/%s/events?limit=1000" % uid, op="/api/processes/x/events")["items"]
        assert sorted(get(e, "event.id") for e in mine) == sorted(
            i for i, e in printed.items() if get(e, "process.entity_id") == uid)
        flows = srv.call("/api/flows?pid=%d" % did["pid"])["items"]
        assert sorted(get(e, "source.port") for e in flows) == sorted([did["udp_port"], did["tcp_port"]])
        tls = srv.call("/api/tls?entity_id=%s" % uid)["items"]
        assert [get(e, "tls.client.server_name") for e in tls] == [SNI]
        assert srv.call("/api/http")["items"] == []

        # processes and the tree
        procs = srv.call("/api/processes?pid=%d" % shell)["items"]
        assert [p["comm"] for p in procs] == ["sh"]
        tree = srv.call("/api/processes/%s" % procs[0]["entity_id"], op="/api/processes/x")
        assert tree["process"]["entity_id"] == procs[0]["entity_id"]
        assert [(c["comm"], c["executable"], c["exit_code"]) for c in tree["children"]] == \
            [("dig", "/usr/bin/dig", 0)]
        dig = tree["children"][0]
        up = srv.call("/api/processes/%s" % dig["entity_id"], op="/api/processes/x")
        assert up["ancestors"][0]["entity_id"] == procs[0]["entity_id"]  # the parent first
        assert srv.call("/api/processes?comm=dig")["items"][0]["entity_id"] == dig["entity_id"]
        assert len(page_all(srv, "/api/processes")) == int(subprocess.run(
            ["sqlite3", str(db), "SELECT count(*) FROM processes"], capture_output=True, text=True).stdout)

        # ebpf-server's per-process summaries, GET and POST alike
        n = len(flows)
        got = srv.call("/api/connection-summary?pid=%d&duration_seconds=600" % did["pid"])
        assert (got["count"], got["pid"], got["command"], got["duration_seconds"]) == (n, did["pid"], None, 600)
        got = srv.call("/api/connection-summary", method="POST",
                       body={"command": "python3", "duration_seconds": 600})
        assert (got["count"], got["pid"], got["command"]) == (n, None, "python3")
        assert srv.call("/api/connection-summary", method="POST", body={"pid": did["pid"]})["duration_seconds"] == 60
        lc = srv.call("/api/list-connections")
        assert lc["events_by_pid"][str(did["pid"])] == n
        assert lc["total_events"] == sum(lc["events_by_pid"].values()) == \
            sum(1 for e in printed.values() if get(e, "event.action") == "flow" and get(e, "process.pid"))
        assert lc["total_pids"] == len(lc["events_by_pid"])

        # binaries, with the processes that ran them (sha256sum is the oracle)
        want = subprocess.run(["sha256sum", "/usr/bin/dig"], capture_output=True, text=True).stdout.split()[0]
        bins = {b["sha256"]: b for b in srv.call("/api/binaries")["items"]}
        assert bins[want]["executable"] == "/usr/bin/dig"
        assert dig["entity_id"] in {p["entity_id"] for p in bins[want]["processes"]}
    finally:
        srv.stop()


@pytest.fixture
def small_store(agents, netns, cgroup, tmp_path):
    db = tmp_path / "small.db"
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--db", str(db)], netns=netns).wait_ready()
    p = cgroup.spawn(["nsenter", "--net=" + netns.path, "true"])
    p.wait(10)
    a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == p.pid)
    assert a.stop()[0] == 0
    srv = Server(db, tmp_path)
    yield srv, db
    srv.stop()


INJECTIONS = ["' OR 1=1 --", "\"; DROP TABLE events; --", "x') UNION SELECT json FROM events --", "%", "*"]


def test_api_bad_input(small_store):
    srv, db = small_store
    count = subprocess.run(["sqlite3", str(db), "SELECT count(*) FROM events"], capture_output=True, text=True).stdout
    for path, param in (("/api/events?nope=1", "nope"), ("/api/events?since=yesterday", "since"),
                        ("/api/events?until=2026-13-01T00:00:00Z", "until"), ("/api/events?limit=1001", "limit"),
                        ("/api/events?limit=0", "limit"), ("/api/events?cursor=abc", "cursor"),
                        ("/api/events?type=packet", "type"), ("/api/events?pid=-3", "pid"),
                        ("/api/processes?entity_id=x", "entity_id"), ("/api/flows?type=dns", "type"),
                        ("/api/events?entity_id=zz", "entity_id"),
                        ("/api/connection-summary?duration_seconds=0", "duration_seconds")):
        err = srv.call(path, status=400, op=path)
        assert err["parameter"] == param and err["error"], (path, err)
    assert srv.call("/api/processes/not-an-id", status=404, op="/api/processes/x")["error"]
    assert srv.call("/api/processes/%s" % ("0" * 32), status=404, op="/api/processes/x")["error"]
    big = srv.call("/api/connection-summary", method="POST", body=b"{" + b" " * 5000 + b"}", status=400)
    assert big["parameter"] == "body"
    assert srv.call("/api/connection-summary", method="POST", body=b"[1,2]", status=400)["parameter"] == "body"
    assert srv.call("/api/connection-summary", method="POST", body={"pids": 1}, status=400)["parameter"] == "pids"
    for path in ("/api/nothing", "/secret", "/api/processes/%s/files" % ("a" * 32)):
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%d%s" % (srv.port, path),
                                                          headers={"Authorization": "Bearer " + srv.token}))
        assert e.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%d/api/events" % srv.port, method="PUT",
                                                      data=b"{}", headers={"Authorization": "Bearer " + srv.token}))
    assert e.value.code == 405
    # values only ever bound: injection strings find nothing and harm nothing
    for bad in INJECTIONS:
        q = urllib.request.quote(bad)
        for path in ("/api/events?command=", "/api/events?name=", "/api/dns?name=", "/api/processes?comm=",
                     "/api/processes?exe=", "/api/processes?container=", "/api/processes?user="):
            assert srv.call(path + q, op=path.split("?")[0])["items"] == []
        assert srv.call("/api/connection-summary?command=" + q)["count"] == 0
    assert subprocess.run(["sqlite3", str(db), "SELECT count(*) FROM events"], capture_output=True,
                          text=True).stdout == count


def test_api_stuck_client_does_not_stall_others(small_store):
    """A client that sends half a request and waits holds its own connection only."""
    srv, _ = small_store
    stuck = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(8)]
    try:
        for s in stuck:
            s.sendall(b"GET /api/events HTTP/1.1\r\nHost: x\r\n")  # no end of headers
        assert srv.call("/health", token=False)["status"] == "ok"
        assert srv.call("/api/events")["items"]
    finally:
        for s in stuck:
            s.close()


def test_monitor_serves_the_api_beside_monitoring(agents, netns, cgroup, tmp_path):
    """--api beside monitoring: the agent's own store, read while it runs (from inside its namespace)."""
    db, tok, port = tmp_path / "live.db", tmp_path / "t" / "token", 18080
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--db", str(db), "--api", "127.0.0.1:%d" % port,
                "--api-token-file", str(tok)], netns=netns).wait_ready()
    p = cgroup.spawn(["nsenter", "--net=" + netns.path, "true"])
    p.wait(10)
    ev = a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == p.pid)
    token = tok.read_text().strip()

    def fetch():
        r = subprocess.run(["nsenter", "--net=" + netns.path, "curl", "-s", "-H", "Authorization: Bearer " + token,
                            "http://127.0.0.1:%d/api/events?type=exit&pid=%d" % (port, p.pid)],
                           capture_output=True, text=True, timeout=30)
        return json.loads(r.stdout)["items"] if r.returncode == 0 and r.stdout else []

    h.wait_until(lambda: fetch(), 30, "the exit in the store")  # the writer commits a batch at a time
    assert fetch() == [ev]
    assert a.stop()[0] == 0
    r = subprocess.run([h.WHOFLOW, "--api", "127.0.0.1:1"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "give --db PATH too" in r.stderr
    r = subprocess.run([h.WHOFLOW, "serve", "--db", "x", "--user", "no-such-user-here"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 2 and "bad --user 'no-such-user-here'" in r.stderr
    for bad in ("localhost:80", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:99999", "[::1]x:80", "1.2.3:80"):
        r = subprocess.run([h.WHOFLOW, "serve", "--db", "x", "--api", bad], capture_output=True, text=True, timeout=10)
        assert r.returncode == 2 and "bad --api '%s'" % bad in r.stderr, (bad, r.stderr)


def test_openapi_document_lints_clean():
    """Redocly's CLI (tests/npm/package.json pins it), recommended rules: valid, no warning."""
    assert os.access(REDOCLY, os.X_OK), "run make deps: it installs the npm tools the tests use"
    r = subprocess.run([REDOCLY, "lint", os.path.join(h.ROOT, "userspace", "api", "openapi.json")],
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, REDOCLY_TELEMETRY="off", REDOCLY_SUPPRESS_UPDATE_NOTICE="true"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "valid" in r.stdout + r.stderr and "warning" not in (r.stdout + r.stderr).lower(), r.stdout + r.stderr
    # every endpoint the server routes is in the document
    src = open(os.path.join(h.ROOT, "userspace", "api", "routes.c")).read()
    for name in re.findall(r'"((?:connection-summary|list-connections|binaries|events|processes|rules))"', src):
        assert "/api/" + name in DOC["paths"], name


def test_api_time_windows_match_sqlite(small_store):
    """Lists in a time window, narrow (read through the time index) and wide (walked back by id),
    answer what sqlite3 finds for the same window, newest id first, even where the ids of a
    block of events run against their times."""
    srv, db = small_store
    base, n = 1700000000, 12000  # 100 events a second; ids falling as the times rise
    subprocess.run(["sqlite3", str(db),
                    "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < %d) "
                    "INSERT INTO events(id, event_id, ts, type, json) SELECT 2000000 + %d - i, printf('%%032x', i), "
                    "(%d + i / 100) * 1000000000 + (i %% 100) * 10000000, 'dns', "
                    "json_set((SELECT json FROM events LIMIT 1), '$.event.id', printf('%%032x', i)) FROM c"
                    % (n - 1, n, base)], check=True, timeout=60)

    def expect(since, until, limit, dns):
        q = "SELECT event_id FROM events WHERE ts >= %d AND ts <= %d%s ORDER BY id DESC LIMIT %d" % (
            since * 10 ** 9, until * 10 ** 9, " AND type = 'dns'" if dns else "", limit)
        out = subprocess.run(["sqlite3", str(db), q], capture_output=True, text=True, check=True).stdout
        return out.split()

    windows = [(base + 10, base + 11, 1000), (base + 10, base + 11, 7),  # 101 events: narrow
               (base, base + 200, 100), (base, base + 200, 1000),  # all 12,000: wide
               (base + 500, base + 600, 100),  # none
               (0, base + 2, 1000)]  # until alone (since=1): the first 201
    for since, until, limit in windows:
        for dns in (False, True):
            path = "/api/events?since=%d&until=%d&limit=%d%s" % (since or 1, until, limit, "&type=dns" if dns else "")
            got = [get(e, "event.id") for e in srv.call(path)["items"]]
            want = expect(since or 1, until, limit, dns)
            assert got == want, (path, got[:5], want[:5])
    assert len(expect(base + 10, base + 11, 1000, True)) == 101 and len(expect(base, base + 200, 100, False)) == 100
