# SPDX-License-Identifier: GPL-2.0-only
"""The web UI in a real browser: Debian's chromium driven by playwright-core (tests/npm), over a
store made from known processes; screenshots of each page (docs/ui.md shows them)."""
import json
import os
import shutil
import subprocess

import whoflow_harness as h
from test_api import Server
from test_dns_flow import dnsmasq  # noqa: F401 (a fixture known_store uses)
from test_store import known_store  # noqa: F401 (a fixture)
from test_tls import SNI, cert  # noqa: F401 (cert: a fixture known_store uses)

NPM = os.path.join(h.ROOT, "build", "npm", "node_modules")
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ui_check.js")


def test_ui_shows_the_tree_and_what_each_process_did(known_store, tmp_path):
    assert os.path.isdir(os.path.join(NPM, "playwright-core")), "run make deps (npm tools of tests/npm)"
    db, a, did, shell = known_store
    srv = Server(db, tmp_path)
    try:
        procs = {p["pid"]: p for p in srv.call("/api/processes?limit=1000")["items"]}
        actor, sh = procs[did["pid"]], procs[shell]
        dig = next(p for p in procs.values() if p["comm"] == "dig")
        shots = tmp_path / "shots"
        shots.mkdir()
        want = {"actor": actor["entity_id"], "actor_pid": did["pid"], "shell": sh["entity_id"],
                "dig": dig["entity_id"], "dns_name": "www.test.example"}
        r = subprocess.run(["node", SCRIPT, "http://127.0.0.1:%d/" % srv.port, srv.token, str(shots), json.dumps(want)],
                           capture_output=True, text=True, timeout=180,
                           env=dict(os.environ, PLAYWRIGHT_CORE=os.path.join(NPM, "playwright-core")))
        assert r.returncode == 0, r.stderr[-3000:]
        saw = json.loads(r.stdout.strip().splitlines()[-1])
    finally:
        srv.stop()
    assert saw["errors"] == [], saw["errors"]
    # nothing but whoflow's own address: no CDN, works offline
    assert all(u.startswith("http://127.0.0.1:%d/" % srv.port) for u in saw["requests"]), saw["requests"]
    assert saw["login_shown"] and "refused" in saw["bad_token_message"]
    assert not saw["login_after_reload"]  # kept for the tab (session storage)
    # the tree: dig under the shell that forked it; the actor exited, greyed
    assert saw["dig_parent"] == sh["entity_id"]
    assert saw["actor_exited"] is True
    assert "host" in saw["groups"]
    assert dig["entity_id"] in saw["matches"] and actor["entity_id"] not in saw["matches"]
    # the actor's page: what it really did, in its timeline
    f = saw["process_fields"]
    assert f["pid"] == str(did["pid"]) and f["command line"].endswith(SNI)
    kinds = [k for k, _, _ in saw["timeline"]]
    assert kinds.count("flow") == 2 and "tls-client-hello" in kinds and kinds.count("exec") == 2
    assert any(what == "asked www.test.example A" for k, what, _ in saw["timeline"])
    assert any(what.startswith("answer www.test.example") and "198.18.0.10" in more for k, what, more in saw["timeline"])
    assert any(what == "TLS to " + SNI and more == "TLS " + did["tls_version"].replace("TLSv", "")
               for k, what, more in saw["timeline"])
    assert any(":%d → " % did["tcp_port"] in what for k, what, _ in saw["timeline"])
    assert saw["shell_children"] == ["dig %d" % dig["pid"]]
    assert len(saw["flows"]) == 2 and all(p == "python3 %d" % did["pid"] for p, _ in saw["flows"])
    assert {p for p, _, _ in saw["dns"]} == {"python3 %d" % did["pid"]} and len(saw["dns"]) == 2
    # /docs: every path of the document, from files the server itself serves
    with open(os.path.join(h.ROOT, "userspace", "api", "openapi.json")) as f:
        doc = json.load(f)
    assert sorted(set(saw["docs_paths"])) == sorted(doc["paths"])
    assert saw["docs_title"].startswith("whoflow API")
    for name in ("processes", "process", "flows", "dns", "docs"):
        png = (shots / (name + ".png")).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    if os.environ.get("WHOFLOW_UI_SHOTS"):  # to refresh docs/ui/ from a run
        for name in ("processes", "process", "flows", "dns", "docs"):
            shutil.copy(shots / (name + ".png"), os.path.join(os.environ["WHOFLOW_UI_SHOTS"], name + ".png"))


def test_ui_changes_rules_and_alert_triage(agents, netns, cgroup, tmp_path):
    """The rules and alerts views with --api-allow-write, in chromium run inside the agent's
    namespace: a broken rule refused with the API's reason, a rule added and disabled, an alert
    acknowledged; each change checked in the rule directory and with sqlite3."""
    from test_api_write import BASE_ID, NEW_ID, RULE, writable_agent
    assert os.path.isdir(os.path.join(NPM, "playwright-core")), "run make deps (npm tools of tests/npm)"
    a, d, db, tok, port, tag = writable_agent(agents, netns, cgroup, tmp_path)
    p = cgroup.spawn(["/bin/true", "wf-base-" + tag])
    assert p.wait(30) == 0
    alert = a.wait_for(lambda e: h.get(e, "event.kind") == "alert" and h.get(e, "process.pid") == p.pid)
    stored = lambda: subprocess.run(["sqlite3", str(db), "SELECT event_id FROM events WHERE type = 'alert'"],  # noqa: E731
                                    capture_output=True, text=True).stdout.split()
    h.wait_until(lambda: stored() == [h.get(alert, "event.id")], 30, "the alert in the store")
    shots = tmp_path / "shots"
    shots.mkdir()
    text = RULE % {"title": "uploaded " + tag, "id": NEW_ID, "marker": "wf-new-" + tag}
    want = {"base_id": BASE_ID, "new_id": NEW_ID, "rule_text": text, "alert_id": h.get(alert, "event.id")}
    r = subprocess.run(["nsenter", "--net=" + netns.path, "node", os.path.join(os.path.dirname(SCRIPT), "ui_write.js"),
                        "http://127.0.0.1:%d/" % port, tok.read_text().strip(), str(shots), json.dumps(want)],
                       capture_output=True, text=True, timeout=180,
                       env=dict(os.environ, PLAYWRIGHT_CORE=os.path.join(NPM, "playwright-core")))
    assert r.returncode == 0, r.stderr[-3000:]
    saw = json.loads(r.stdout.strip().splitlines()[-1])
    assert a.stop()[0] == 0
    assert saw["errors"] == [], saw["errors"]
    assert all(u.split(" ", 1)[1].startswith("http://127.0.0.1:%d/" % port) for u in saw["requests"]), saw["requests"]
    assert saw["rules_before"] == [[BASE_ID, "true"]]
    assert "the rule is broken" in saw["broken_message"]
    assert "added uploaded " + tag in saw["added_message"]
    assert saw["base_buttons"] == ["Disable"] and saw["new_buttons"] == ["Enable", "Delete"]
    assert (d / ("api-%s.yml" % NEW_ID)).read_text() == text
    assert (d / ".whoflow-disabled").read_text() == NEW_ID + "\n"
    assert "POST http://127.0.0.1:%d/api/alerts/%s/triage" % (port, want["alert_id"]) in saw["requests"]
    # The alerts view has their triage from the list itself: no request per alert.
    assert not [q for q in saw["requests"] if q.startswith("GET ") and q.endswith("/triage")], saw["requests"]
    assert saw["alert_row"][2] == "base " + tag and saw["alert_row"][4] == "acknowledged"
    assert saw["new_alerts"] == [] and saw["acknowledged_alerts"] == [want["alert_id"]]
    rows = subprocess.run(["sqlite3", "-json", str(db), "SELECT event_id, status FROM alert_triage"],
                          capture_output=True, text=True, check=True).stdout
    assert json.loads(rows) == [{"event_id": want["alert_id"], "status": "acknowledged"}]
    for name in ("rules", "alerts"):
        png = (shots / (name + ".png")).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    if os.environ.get("WHOFLOW_UI_SHOTS"):  # to refresh docs/ui/ from a run
        for name in ("rules", "alerts"):
            shutil.copy(shots / (name + ".png"), os.path.join(os.environ["WHOFLOW_UI_SHOTS"], name + ".png"))
