# SPDX-License-Identifier: GPL-2.0-only
"""Writing through the API (--api-allow-write): a rule uploaded, then matching what a process does;
disabled (it stops), enabled (it matches again), deleted; bad uploads refused with the reason; an
alert's triage set and read back (and read with sqlite3); and without the option, every write
refused. Each answer is validated against the OpenAPI document."""
import json
import os
import stat
import subprocess
import uuid

import whoflow_harness as h
from whoflow_harness import get
from test_api import Server, free_port, validate

BASE_ID = "5c1e0f6a-7b7d-4d0e-8f3c-000000000b45"
NEW_ID = "5c1e0f6a-7b7d-4d0e-8f3c-0000000000a1"

RULE = """title: %(title)s
id: %(id)s
status: test
logsource:
  product: linux
  category: process_creation
detection:
  sel:
    CommandLine|contains: '%(marker)s'
  condition: sel
level: medium
"""


class Api:
    """The monitor's API, from inside its network namespace (curl there)."""

    def __init__(self, netns, port, token_file):
        self.netns, self.port, self.token = netns, port, token_file.read_text().strip()

    def call(self, method, path, body=None, ctype="application/json", status=200, op=None, token=True):
        argv = ["nsenter", "--net=" + self.netns.path, "curl", "-s", "-o", "-", "-w", "\n%{http_code}",
                "-X", method, "http://127.0.0.1:%d%s" % (self.port, path)]
        if token:
            argv += ["-H", "Authorization: Bearer " + self.token]
        if body is not None:
            data = body if isinstance(body, (str, bytes)) else json.dumps(body)
            argv += ["-H", "Content-Type: " + ctype, "--data-binary", "@-"]
        r = subprocess.run(argv, input=data.encode() if isinstance(body, (str, dict)) else body,
                           capture_output=True, timeout=30)
        out, code = r.stdout.decode().rsplit("\n", 1)
        assert int(code) == status, (method, path, code, out[:500])
        obj = json.loads(out)
        validate(op or path, method, int(code), obj)
        return obj

    def rules(self):
        return self.call("GET", "/api/rules")


def run(cgroup, argv):
    p = cgroup.spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert p.wait(30) == 0
    return p.pid


def alert_of(a, rule_id, pid):
    return a.wait_for(lambda e: get(e, "event.kind") == "alert" and get(e, "rule.id") == rule_id
                      and get(e, "process.pid") == pid)


def writable_agent(agents, netns, cgroup, tmp_path):
    """An agent with a rule directory holding one rule (BASE_ID, matching wf-base-TAG), a store
    and the API with --api-allow-write: (agent, rule dir, store, token file, port, TAG)."""
    d, db, tok, port = tmp_path / "rules", tmp_path / "s.db", tmp_path / "token", free_port()
    d.mkdir()
    tag = uuid.uuid4().hex[:8]
    (d / "base.yml").write_text(RULE % {"title": "base " + tag, "id": BASE_ID, "marker": "wf-base-" + tag})
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--rules", str(d), "--db", str(db), "--api",
                "127.0.0.1:%d" % port, "--api-token-file", str(tok), "--api-allow-write"], netns=netns).wait_ready()
    return a, d, db, tok, port, tag


def test_rules_and_alert_triage_through_the_api(agents, netns, cgroup, tmp_path):
    a, d, db, tok, port, tag = writable_agent(agents, netns, cgroup, tmp_path)
    api = Api(netns, port, tok)
    rules = api.rules()
    assert rules["writable"] is True and [r["id"] for r in rules["items"]] == [BASE_ID]
    assert rules["items"][0]["enabled"] is True

    # Upload: written 0600 as api-ID.yml, loaded, and it matches what a process does.
    text = RULE % {"title": "uploaded " + tag, "id": NEW_ID, "marker": "wf-new-" + tag}
    added = api.call("POST", "/api/rules", text, ctype="application/yaml", status=201)
    assert added == {"id": NEW_ID, "title": "uploaded " + tag, "category": "process_creation",
                     "file": str(d / ("api-%s.yml" % NEW_ID)), "enabled": True}
    st = os.stat(added["file"])
    assert stat.S_IMODE(st.st_mode) == 0o600 and open(added["file"]).read() == text
    h.wait_until(lambda: NEW_ID in [r["id"] for r in api.rules()["items"]], 10, "the uploaded rule loaded")
    first = run(cgroup, ["/bin/true", "wf-new-" + tag])
    alert = alert_of(a, NEW_ID, first)

    # Disabled: listed, not evaluated. A later process the base rule matches shows the
    # pipeline went past the first one's exec.
    assert api.call("POST", "/api/rules/%s/disable" % NEW_ID, op="/api/rules/{id}/disable") == {
        "id": NEW_ID, "file": added["file"], "enabled": False}
    h.wait_until(lambda: [r["enabled"] for r in api.rules()["items"] if r["id"] == NEW_ID] == [False], 10,
                 "the rule disabled")
    assert api.rules()["counts"]["disabled"] == 1
    assert (d / ".whoflow-disabled").read_text() == NEW_ID + "\n"
    off = run(cgroup, ["/bin/true", "wf-new-" + tag])
    later = run(cgroup, ["/bin/true", "wf-base-" + tag])
    alert_of(a, BASE_ID, later)
    assert not [e for e in a.events if get(e, "event.kind") == "alert" and get(e, "process.pid") == off]
    # Enabled again: it matches again.
    assert api.call("POST", "/api/rules/%s/enable" % NEW_ID, op="/api/rules/{id}/enable")["enabled"] is True
    h.wait_until(lambda: [r["enabled"] for r in api.rules()["items"] if r["id"] == NEW_ID] == [True], 10,
                 "the rule enabled")
    again = run(cgroup, ["/bin/true", "wf-new-" + tag])
    alert_of(a, NEW_ID, again)

    # Refused uploads, each with its reason.
    def refused(body, status, words, ctype="application/yaml"):
        err = api.call("POST", "/api/rules", body, ctype=ctype, status=status)
        assert words in err["error"], err

    refused("title: [broken\n", 400, "the rule is broken")
    refused(RULE.replace("id: %(id)s\n", "") % {"title": "no id", "marker": "x"}, 400, "needs an id")
    refused(RULE.replace("product: linux", "product: windows") % {"title": "w", "id": "w-1", "marker": "x"},
            400, "would never match here")
    refused(text.replace("uploaded", "twice"), 409, "is loaded already")
    refused(text + "---\n" + text.replace(NEW_ID, "other-id"), 400, "one rule per upload")
    refused(RULE % {"title": "bad id", "id": "../../etc/x", "marker": "x"}, 400, "cannot name a file")
    refused("", 400, "the body is empty")
    refused("x" * 70000, 413, "larger than 65536 bytes")
    assert "no rule with id nothere" in api.call("POST", "/api/rules/nothere/disable", status=404,
                                                  op="/api/rules/{id}/disable")["error"]
    # Only what the API wrote can be deleted through it.
    assert "which the API did not write" in api.call("DELETE", "/api/rules/" + BASE_ID, status=409,
                                                      op="/api/rules/{id}")["error"]
    # Deleted while disabled: its id leaves .whoflow-disabled too (an upload of it later starts enabled).
    api.call("POST", "/api/rules/%s/disable" % NEW_ID, op="/api/rules/{id}/disable")
    assert (d / ".whoflow-disabled").read_text() == NEW_ID + "\n"
    assert api.call("DELETE", "/api/rules/" + NEW_ID, op="/api/rules/{id}") == {
        "id": NEW_ID, "file": added["file"], "deleted": True}
    assert not os.path.exists(added["file"]) and (d / ".whoflow-disabled").read_text() == ""
    h.wait_until(lambda: [r["id"] for r in api.rules()["items"]] == [BASE_ID], 10, "the rule gone")

    # Triage of the first alert, once the store has it.
    eid = get(alert, "event.id")
    path = "/api/alerts/%s/triage" % eid
    op = "/api/alerts/{event_id}/triage"
    alerts_stored = lambda q="": api.call("GET", "/api/alerts?limit=10" + q, op="/api/alerts")["items"]  # noqa: E731
    h.wait_until(lambda: len(alerts_stored()) == 3, 30, "the three alerts stored")
    assert api.call("GET", path, op=op) == {"event_id": eid, "status": "new", "note": None, "changed": None}
    got = api.call("POST", path, {"status": "acknowledged", "note": "seen by the test"}, op=op)
    assert got["status"] == "acknowledged" and got["note"] == "seen by the test" and got["changed"]
    assert api.call("GET", path, op=op) == got
    # A list of alerts answers the triage of those someone marked, in the same request.
    assert api.call("GET", "/api/alerts?limit=10", op="/api/alerts")["triage"] == [got]
    assert api.call("GET", "/api/events?type=alert&limit=1&pid=1", op="/api/events")["triage"] == []
    assert "triage" not in api.call("GET", "/api/events?type=dns&limit=1", op="/api/events")
    # The list by triage: new is every alert nobody marked otherwise.
    assert [get(e, "event.id") for e in alerts_stored("&status=acknowledged")] == [eid]
    new = [get(e, "event.id") for e in alerts_stored("&status=new")]
    assert len(new) == 2 and eid not in new
    assert api.call("GET", "/api/alerts?status=closed", status=400, op="/api/alerts")["parameter"] == "status"
    assert "alerts only" in api.call("GET", "/api/flows?status=new", status=400, op="/api/flows")["error"]
    assert api.call("POST", path, {"status": "closed"}, status=400, op=op)["parameter"] == "status"
    assert api.call("POST", path, {"status": "resolved", "x": 1}, status=400, op=op)["parameter"] == "x"
    assert "no alert" in api.call("POST", "/api/alerts/%s/triage" % ("0" * 32), {"status": "resolved"},
                                  status=404, op=op)["error"]
    assert api.call("POST", path, {"status": "resolved"}, op=op)["status"] == "resolved"
    assert api.call("POST", path, {"status": "resolved"}, token=False, status=401, op=op)
    # The base rule disabled last: the list outlives the agent.
    assert api.call("POST", "/api/rules/%s/disable" % BASE_ID, op="/api/rules/{id}/disable")["enabled"] is False
    assert a.stop()[0] == 0
    rows = subprocess.run(["sqlite3", "-json", str(db), "SELECT event_id, status, note FROM alert_triage"],
                          capture_output=True, text=True, check=True).stdout
    assert json.loads(rows) == [{"event_id": eid, "status": "resolved", "note": None}]

    # Read only without --api-allow-write (serve never writes): every write is refused.
    srv = Server(db, tmp_path)
    try:
        assert "--api-allow-write" in srv.call("/api/rules", method="POST", body=text.encode(), status=403)["error"]
        assert srv.call(path, op=op)["status"] == "resolved"
        assert srv.call(path, method="POST", body={"status": "new"}, status=403, op=op)
    finally:
        srv.stop()

    # The next agent, without --api-allow-write, keeps what was disabled.
    b = agents(["--cgroup", cgroup.path, "--rules", str(d)], netns=netns).wait_ready()
    assert any("rules: 1 of them disabled (%s/.whoflow-disabled)" % d in line for line in b.stderr), b.stderr
    assert b.stop()[0] == 0


def test_api_allow_write_needs_the_api():
    r = subprocess.run([h.WHOFLOW, "--api-allow-write"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "--api-allow-write is for the API: give --api ADDR:PORT too" in r.stderr
    r = subprocess.run([h.WHOFLOW, "serve", "--db", "x", "--api-allow-write"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2 and "api-allow-write" in r.stderr, r.stderr
