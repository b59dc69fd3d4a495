# SPDX-License-Identifier: GPL-2.0-only
"""--metrics (#18): the agent's counters for Prometheus. promtool checks the exposition; a real
Prometheus server (Debian's), started in the test's namespace, scrapes the agent, and the values
read back through its query API equal what the agent printed and summed up."""
import json
import subprocess
import time
import urllib.parse

import pytest

import whoflow_harness as h
from whoflow_harness import get

PORT, PROM = 19750, 19090


def fetch(netns, url):
    r = subprocess.run(["nsenter", "--net=" + netns.path, "curl", "-s", "--max-time", "5", url],
                       capture_output=True, text=True, timeout=30)
    return r.stdout if r.returncode == 0 else None


def test_exposition_passes_promtool(agents, netns, cgroup):
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--metrics", "127.0.0.1:%d" % PORT], netns=netns).wait_ready()
    assert any(l == "whoflow: metrics on http://127.0.0.1:%d/metrics" % PORT for l in a.stderr)
    p = cgroup.spawn(["/bin/true"])
    p.wait(10)
    a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == p.pid)
    h.wait_until(lambda: 'whoflow_events_total{type="exit"} ' in (fetch(netns, "http://127.0.0.1:%d/metrics"
                                                                           % PORT) or ""), 10, "the metrics")
    text = fetch(netns, "http://127.0.0.1:%d/metrics" % PORT)
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "# TYPE whoflow_events_lost_total counter" in text
    assert fetch(netns, "http://127.0.0.1:%d/other" % PORT).startswith("see /metrics")
    assert a.stop()[0] == 0


@pytest.fixture
def prometheus(netns, tmp_path):
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: whoflow\n"
                   "    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % PORT)
    p = subprocess.Popen(["nsenter", "--net=" + netns.path, "prometheus", "--config.file=%s" % cfg,
                          "--storage.tsdb.path=%s" % (tmp_path / "tsdb"), "--web.listen-address=127.0.0.1:%d" % PROM],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    h.wait_until(lambda: (fetch(netns, "http://127.0.0.1:%d/-/ready" % PROM) or "").startswith("Prometheus"), 30,
                 "prometheus")
    yield p
    p.terminate()
    p.wait(30)


def query(netns, q):
    out = fetch(netns, "http://127.0.0.1:%d/api/v1/query?query=%s" % (PROM, urllib.parse.quote(q)))
    res = json.loads(out)["data"]["result"] if out else []
    return float(res[0]["value"][1]) if res else None


def test_prometheus_scrapes_what_the_agent_did(agents, netns, cgroup, prometheus):
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--metrics", "127.0.0.1:%d" % PORT], netns=netns).wait_ready()
    sleeper = cgroup.spawn(["/bin/sleep", "30"])  # one process alive in the scope
    pids = []
    for _ in range(5):
        p = cgroup.spawn(["/bin/true"])
        p.wait(10)
        pids.append(p.pid)
    for pid in pids:
        a.wait_for(lambda e, pid=pid: get(e, "event.action") == "exit" and get(e, "process.pid") == pid)
    execs = len([e for e in a.events if get(e, "event.action") == "exec"])
    exits = len([e for e in a.events if get(e, "event.action") == "exit"])
    h.wait_until(lambda: query(netns, 'whoflow_events_total{type="exit"}') == exits, 20, "the scrape")
    assert query(netns, 'whoflow_events_total{type="exec"}') == execs
    assert query(netns, "whoflow_processes_tracked") >= 1
    sleeper.kill()
    sleeper.wait(10)
    assert query(netns, "whoflow_agent_resident_memory_bytes") > 1 << 20
    written = query(netns, 'whoflow_sink_events_total{sink="json"}')
    assert query(netns, 'sum(whoflow_events_lost_total)') == 0
    rc, summary = a.stop()
    assert rc == 0
    s = h.parse_summary(summary)
    # The scrapes' own connections on lo are flows too: the count grows until the stop.
    assert execs + exits <= written <= s["printed"] == len(a.events)
    assert s["exit"] >= exits


def test_bad_metrics_address():
    r = subprocess.run([h.WHOFLOW, "--metrics", "localhost"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "bad --metrics 'localhost'" in r.stderr
