# SPDX-License-Identifier: GPL-2.0-only
"""Sigma rules (#17) on real processes in the test namespaces: process, network, DNS and HTTP
rules from tests/integration/sigma_rules fire on what those processes did, and each alert names
the process that did it; `whoflow rules test` on the recorded events gives the same alerts;
`whoflow rules check` gives every rule's verdict; rules reload when their directory changes."""
import json
import os
import shutil
import subprocess
import threading
import uuid

import pytest

import whoflow_harness as h
from whoflow_harness import get

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, "sigma_rules")

CLIENT = r"""
import socket, sys, dns.message, dns.query
server, name = sys.argv[1], sys.argv[2]
ans = dns.query.udp(dns.message.make_query(name, "A"), server, timeout=5)
ip = [r for rr in ans.answer for r in rr if r.rdtype == 1][0].address
s = socket.create_connection((ip, 7001), timeout=5)
s.sendall(b"hello")
s.recv(16)
s.close()
print(ip, flush=True)
"""

SERVER = r"""
import socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], 7001))
srv.listen(4)
print("ready", flush=True)
for _ in range(4):
    c, _ = srv.accept()
    c.recv(16)
    c.sendall(b"ok")
    c.close()
"""


def start_server(topo, argv, ready):
    p = subprocess.Popen(topo.in_ns(topo.server, argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for line in p.stdout:
        if ready in line:
            break
    threading.Thread(target=p.stdout.read, daemon=True).start()
    return p


@pytest.fixture
def servers(topo, tmp_path):
    """dnsmasq (svc.sigma.test -> the server), a TCP echo on 7001 and an HTTP server on 8080."""
    procs = [
        start_server(topo, ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                            "--bind-interfaces", "--listen-address=%s" % topo.SERVER4, "--user=root",
                            "--pid-file=", "--log-facility=-", "--address=/svc.sigma.test/%s" % topo.SERVER4],
                     b"started"),
        start_server(topo, ["/usr/bin/python3", "-c", SERVER, topo.SERVER4], b"ready"),
        start_server(topo, ["/usr/bin/python3", "-u", "-m", "http.server", "--bind", topo.SERVER4,
                            "--directory", str(tmp_path), "8080"], b"Serving HTTP"),
    ]
    yield
    for p in procs:
        p.kill()
        p.wait(10)


def alerts(a, rule=None):
    return [e for e in a.events if get(e, "event.kind") == "alert" and (rule is None or get(e, "rule.name") == rule)]


def run(cgroup, argv):
    p = cgroup.spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out, _ = p.communicate(timeout=30)
    return p.pid, p.returncode, out.decode()


def test_rules_fire_on_what_processes_did(agents, topo, cgroup, servers, tmp_path):
    a = agents(["--cgroup", cgroup.path, "--rules", RULES], netns=topo.host).wait_ready()
    assert any("rules: loaded: 6 usable, 2 skipped, 0 broken, from 8 files" in l for l in a.stderr), a.stderr
    ns = ["nsenter", "--net=" + topo.host.path]
    # DNS then a connection to the answer, by one process.
    client, rc, out = run(cgroup, ns + ["/usr/bin/python3", "-c", CLIENT, topo.SERVER4, "svc.sigma.test"])
    assert rc == 0 and out.split() == [topo.SERVER4]
    # curl: the process rule and the web rule; curl to localhost with the marker: filtered out.
    curl, rc, _ = run(cgroup, ns + ["curl", "-s", "-A", "wf-sigma-agent/1", "--max-time", "5",
                                    "http://%s:8080/sigma?q=wf-sigma-marker" % topo.SERVER4])
    assert rc == 0
    local, _, _ = run(cgroup, ns + ["curl", "-s", "--max-time", "1", "http://localhost:9/wf-sigma-marker"])
    # /bin/sh is dash by its real path; a command line the regular expression refuses does not match.
    tag = uuid.uuid4().hex[:8]
    sh, rc, _ = run(cgroup, ["/bin/sh", "-c", "true", "wf-sigma-sh-" + tag])
    nosh, _, _ = run(cgroup, ["/bin/sh", "-c", "true", "wf-sigma-sh-" + tag + "x"])

    want = {
        "Curl fetches the whoflow test marker": curl,
        "A shell run as /bin/sh is dash, by its real path": sh,
        "Connection to the resolved test service": client,
        "Query for a sigma test name": client,
        "Answer that resolves into the test range": client,
        "Web request with the test user agent": curl,
    }
    for rule in want:
        a.wait_for(lambda e, rule=rule: get(e, "event.kind") == "alert" and get(e, "rule.name") == rule)
    rc, summary = a.stop()
    assert rc == 0
    for rule, pid in want.items():
        got = alerts(a, rule)
        assert len(got) == 1, (rule, len(got))
        assert get(got[0], "process.pid") == pid, (rule, get(got[0], "process.pid"), pid)
    assert not [e for e in alerts(a) if get(e, "process.pid") in (local, nosh)]
    rules_line = [l for l in a.stderr if l.startswith("whoflow: summary: rules")]
    assert rules_line == ["whoflow: summary: rules usable=6 skipped=2 broken=0 alerts=6 reloads=0 "
                          "reloads_refused=0"]

    # What each alert says: the rule, the level, the fields that matched, the event it matched.
    sh_alert = alerts(a, "A shell run as /bin/sh is dash, by its real path")[0]
    # The process as its events print it (the path exec'd); the rule saw the real path.
    assert get(sh_alert, "process.executable") == "/bin/sh"
    assert get(sh_alert, "whoflow.sigma.matched") == {"Image": "/usr/bin/dash",
                                                       "CommandLine": "/bin/sh -c true wf-sigma-sh-" + tag}
    assert get(sh_alert, "rule.id") == "0b7d6a64-1e0a-4c1c-9b1a-5a0f2f000002"
    assert get(sh_alert, "whoflow.rule.level") == "low" and get(sh_alert, "event.severity") == 2
    curl_alert = alerts(a, "Curl fetches the whoflow test marker")[0]
    assert get(curl_alert, "tags") == ["attack.command_and_control", "attack.t1105"]
    assert get(curl_alert, "rule.license") == "GPL-2.0-only" and get(curl_alert, "rule.author") == "whoflow tests"
    net = alerts(a, "Connection to the resolved test service")[0]
    assert get(net, "whoflow.sigma.matched")["DestinationHostname"] == "svc.sigma.test"
    assert get(net, "whoflow.sigma.category") == "network_connection"
    matched = [e for e in a.events if get(e, "event.id") == get(net, "whoflow.sigma.event_id")]
    assert len(matched) == 1 and get(matched[0], "event.action") == "flow"
    # The flow itself names the domain the process resolved.
    assert get(matched[0], "destination.domain") == "svc.sigma.test"
    assert get(matched[0], "whoflow.flow.initiated") is True
    # Each alert id is its own, never the matched event's.
    ids = [get(e, "event.id") for e in a.events]
    assert len(ids) == len(set(ids))

    # rules test: the same rules on the recorded events give the same alerts.
    recorded = tmp_path / "events.jsonl"
    recorded.write_text("".join(json.dumps(e) + "\n" for e in a.events if get(e, "event.kind") != "alert"))
    r = subprocess.run([h.WHOFLOW, "rules", "test", RULES, str(recorded)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    offline = sorted((x["rule"]["name"], x["event"]["id"]) for x in map(json.loads, r.stdout.splitlines()))
    live = sorted((get(e, "rule.name"), get(e, "whoflow.sigma.event_id")) for e in alerts(a))
    assert offline == live


def test_rules_check_gives_each_verdict(tmp_path):
    d = tmp_path / "rules"
    shutil.copytree(RULES, d)
    (d / "broken.yaml").write_text("title: broken\nlogsource:\n  category: process_creation\n"
                                   "detection:\n  sel:\n    Image: [unclosed\n")
    (d / "notes.txt").write_text("not a rule")
    r = subprocess.run([h.WHOFLOW, "rules", "check", str(d)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[-1] == "6 usable, 2 skipped, 1 broken, in 9 files"
    assert any(l.startswith(str(d / "broken.yaml") + ":7: broken: YAML: ") for l in lines), lines
    assert str(d / "other/windows.yml") + ":3: A Windows rule: skipped: logsource product windows: " \
        "not this host (linux)" in lines
    assert sum(1 for l in lines if l.endswith(": usable")) == 6
    # Without the broken file: exit 0.
    os.unlink(d / "broken.yaml")
    r = subprocess.run([h.WHOFLOW, "rules", "check", str(d)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stdout.splitlines()[-1] == "6 usable, 2 skipped, 0 broken, in 8 files"


def test_bad_rules_option(tmp_path):
    r = subprocess.run([h.WHOFLOW, "--rules", str(tmp_path / "nothere")], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 2
    assert "--rules %s: No such file or directory" % (tmp_path / "nothere") in r.stderr


def test_rules_reload_when_the_directory_changes(agents, netns, cgroup, tmp_path):
    d = tmp_path / "rules"
    d.mkdir()
    tag = uuid.uuid4().hex[:8]
    a = agents(["--cgroup", cgroup.path, "--rules", str(d)], netns=netns).wait_ready()
    rule = ("title: reload %s\nlogsource:\n  category: process_creation\n"
            "detection:\n  sel:\n    CommandLine|contains: 'wf-reload-%s'\n  condition: sel\n")
    run(cgroup, ["/bin/true", "wf-reload-" + tag])  # no rule yet
    (d / "new.yml").write_text(rule % ("one", tag))
    h.wait_until(lambda: any("rules: reloaded: 1 usable" in l for l in a.stderr), 10, "the reload")
    first, _, _ = run(cgroup, ["/bin/true", "wf-reload-" + tag])
    a.wait_for(lambda e: get(e, "rule.name") == "reload one")
    # A broken edit keeps the rules loaded before, and says why.
    (d / "new.yml").write_text("title: [broken\n")
    h.wait_until(lambda: any("the rules loaded before stay" in l for l in a.stderr), 10,
                 "the refused reload")
    second, _, _ = run(cgroup, ["/bin/true", "wf-reload-" + tag])
    a.wait_for(lambda e: get(e, "rule.name") == "reload one" and get(e, "process.pid") == second)
    rc, _ = a.stop()
    assert rc == 0
    pids = [get(e, "process.pid") for e in alerts(a)]
    assert pids == [first, second]
    assert [l for l in a.stderr if l.startswith("whoflow: summary: rules")] == [
        "whoflow: summary: rules usable=1 skipped=0 broken=0 alerts=2 reloads=1 reloads_refused=1"]


def test_alerts_reach_every_sink(agents, netns, cgroup, tmp_path):
    """An alert in JSON, in sigma.log (its columns as documented), in the store and through the API,
    and as a text line."""
    logs, db, tok, port = tmp_path / "logs", tmp_path / "s.db", tmp_path / "token", 18081
    logs.mkdir()
    tag = uuid.uuid4().hex[:8]
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--rules", RULES, "--log-dir", str(logs), "--db", str(db),
                "--api", "127.0.0.1:%d" % port, "--api-token-file", str(tok)], netns=netns).wait_ready()
    pid, _, _ = run(cgroup, ["/bin/sh", "-c", "true", "wf-sigma-sh-" + tag])
    alert = a.wait_for(lambda e: get(e, "event.kind") == "alert" and get(e, "process.pid") == pid)
    token = tok.read_text().strip()

    def fetch():
        r = subprocess.run(["nsenter", "--net=" + netns.path, "curl", "-s", "-H", "Authorization: Bearer " + token,
                            "http://127.0.0.1:%d/api/alerts?name=%s" % (port, "A%20shell%20run%20as%20/bin/sh"
                                                                        "%20is%20dash,%20by%20its%20real%20path")],
                           capture_output=True, text=True, timeout=30)
        return json.loads(r.stdout)["items"] if r.returncode == 0 and r.stdout else []

    h.wait_until(lambda: fetch(), 30, "the alert in the store")
    assert fetch() == [alert]
    # The rules the agent runs, as the API lists them, valid against the OpenAPI document.
    r = subprocess.run(["nsenter", "--net=" + netns.path, "curl", "-s", "-H", "Authorization: Bearer " + token,
                        "http://127.0.0.1:%d/api/rules" % port], capture_output=True, text=True, timeout=30)
    rules = json.loads(r.stdout)
    from test_api import validate
    validate("/api/rules", "GET", 200, rules)
    assert rules["detection"] is True
    assert rules["counts"] == {"usable": 6, "skipped": 2, "broken": 0, "files": 8, "disabled": 0}
    assert rules["writable"] is False  # no --api-allow-write
    sh = [x for x in rules["items"] if x["id"] == "0b7d6a64-1e0a-4c1c-9b1a-5a0f2f000002"]
    assert sh == [{"id": "0b7d6a64-1e0a-4c1c-9b1a-5a0f2f000002", "title": get(alert, "rule.name"), "level": "low",
                   "status": "test", "category": "process_creation",
                   "file": os.path.join(RULES, "linux", "proc_sh_is_dash.yml"), "enabled": True, "tags": []}]
    assert a.stop()[0] == 0
    rows = subprocess.run(["sqlite3", "-json", str(db), "SELECT type, name, pid, event_id FROM events "
                           "WHERE type = 'alert'"], capture_output=True, text=True, check=True).stdout
    assert json.loads(rows) == [{"type": "alert", "name": get(alert, "rule.name"), "pid": pid,
                                 "event_id": get(alert, "event.id")}]
    lines = (logs / "sigma.log").read_text().splitlines()
    cols = [c.strip() for c in lines[0].lstrip("# ").split(" | ")]
    legend = subprocess.run([h.WHOFLOW, "--legend"], capture_output=True, text=True, check=True).stdout
    section = legend.split("sigma.log:")[1].split("\n\n")[0]
    assert cols == [l.split()[0] for l in section.splitlines()[1:]]
    row = dict(zip(cols, [v.strip() for v in lines[1].split(" | ")]))
    assert row["rule"] == get(alert, "rule.name") and row["pid"] == str(pid)
    assert row["event_id"] == get(alert, "event.id") and row["level"] == "low"
    assert row["matched_event_id"] == get(alert, "whoflow.sigma.event_id")
    assert row["matched"] == "Image=/usr/bin/dash, CommandLine=/bin/sh -c true wf-sigma-sh-" + tag
    # Text output: one ALERT line.
    t = agents(["--cgroup", cgroup.path, "-i", "lo", "--rules", RULES], netns=netns, json_output=False).wait_ready()
    pid, _, _ = run(cgroup, ["/bin/sh", "-c", "true", "wf-sigma-sh-" + tag])
    line = t.wait_for(lambda l: l.startswith("ALERT ") and " pid=%d " % pid in l)
    assert 'rule="A shell run as /bin/sh is dash, by its real path"' in line and " level=low " in line
    assert t.stop()[0] == 0
