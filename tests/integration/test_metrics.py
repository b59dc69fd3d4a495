# SPDX-License-Identifier: GPL-2.0-only
"""--metrics (#18): the agent's counters for Prometheus. promtool checks the exposition; a real
Prometheus server (Debian's), started in the test's namespace, scrapes the agent, and the values
read back through its query API equal what the agent printed and summed up."""
import json
import subprocess
import time
import re
import urllib.parse
import uuid

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


SEND_FRAMES = r"""
import socket, sys
dev, trunc, mal, other = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
eth = b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02"
for _ in range(trunc):
    s.send(eth + b"\x08\x00" + b"\x45\x00\x00\x28" + bytes(6))  # 10 bytes of a 20-byte header
for _ in range(mal):
    s.send(eth + b"\x08\x00" + b"\x43" + bytes(39))  # IHL 3: shorter than any IPv4 header
for _ in range(other):
    s.send(eth + b"\x88\xb5" + bytes(46))  # the local experimental EtherType: not IP
"""


UDP_SEND = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[2])):
    s.sendto(b"x", (sys.argv[1], 9))
"""


def dev_packets(ns, dev):
    """What the device itself counted, both ways: the independent count."""
    out = subprocess.run(["ip", "-n", ns.name, "-j", "-s", "link", "show", "dev", dev], capture_output=True,
                         text=True, check=True).stdout
    s = json.loads(out)[0]["stats64"]
    return s["rx"]["packets"] + s["tx"]["packets"]


def iface_rows(text, dev):
    rows = {}
    for line in (text or "").splitlines():
        m = re.match(r'whoflow_interface_packets_total\{interface="([^"]+)",netns="",kind="(\w+)"\} (\d+)$', line)
        if m and m.group(1) == dev:
            rows[m.group(2)] = int(m.group(3))
    return rows


def test_packets_per_interface(agents, topo, cgroup):
    """Two watched veths, each with its own traffic: each row's packets move by what its device
    counted (ip -s link), and the odd frames sent on one are counted on that one only."""
    second = "wfm" + uuid.uuid4().hex[:5]
    ip = lambda *a: subprocess.run(["ip"] + list(a), check=True)  # noqa: E731
    ip("link", "add", second, "netns", topo.host.name, "type", "veth", "peer", "name", "eth1",
       "netns", topo.server.name)
    ip("-n", topo.host.name, "addr", "add", "198.18.9.1/24", "dev", second)
    ip("-n", topo.server.name, "addr", "add", "198.18.9.2/24", "dev", "eth1")
    # No IPv6 and fixed neighbours: nothing but the test's packets crosses these links.
    for ns, dev in ((topo.host, topo.veth), (topo.host, second), (topo.server, "eth0"), (topo.server, "eth1")):
        subprocess.run(topo.in_ns(ns, ["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % dev]), check=True)
    subprocess.run(topo.in_ns(topo.server, ["sysctl", "-qw", "net.ipv4.icmp_ratelimit=0"]), check=True)
    ip("-n", topo.server.name, "link", "set", "eth1", "up")
    ip("-n", topo.host.name, "link", "set", second, "up")
    for ns, dev, peer_ns, peer_dev, addr in ((topo.host, topo.veth, topo.server, "eth0", topo.SERVER4),
                                             (topo.host, second, topo.server, "eth1", "198.18.9.2"),
                                             (topo.server, "eth0", topo.host, topo.veth, topo.HOST4),
                                             (topo.server, "eth1", topo.host, second, "198.18.9.1")):
        mac = json.loads(subprocess.run(["ip", "-n", peer_ns.name, "-j", "link", "show", "dev", peer_dev],
                                        capture_output=True, text=True, check=True).stdout)[0]["address"]
        ip("-n", ns.name, "neigh", "replace", addr, "lladdr", mac, "dev", dev, "nud", "permanent")
    a = agents(["--cgroup", cgroup.path, "-i", topo.veth, "-i", second, "--metrics", "127.0.0.1:%d" % PORT],
               netns=topo.host).wait_ready()
    url = "http://127.0.0.1:%d/metrics" % PORT
    h.wait_until(lambda: iface_rows(fetch(topo.host, url), second).get("seen") is not None, 10, "the rows")
    base = {d: (iface_rows(fetch(topo.host, url), d)["seen"], dev_packets(topo.host, d)) for d in (topo.veth, second)}
    # UDP to a closed port: each datagram and its ICMP answer (not rate-limited here) cross the link.
    for addr, n in ((topo.SERVER4, 7), ("198.18.9.2", 3)):
        subprocess.run(topo.in_ns(topo.host, ["/usr/bin/python3", "-c", UDP_SEND, addr, str(n)]), check=True,
                       timeout=30)
    subprocess.run(topo.in_ns(topo.server, ["/usr/bin/python3", "-c", SEND_FRAMES, "eth1", "4", "5", "6"]),
                   check=True, timeout=30)

    def moved(d):
        return iface_rows(fetch(topo.host, url), d)["seen"] - base[d][0], dev_packets(topo.host, d) - base[d][1]

    h.wait_until(lambda: moved(second)[0] == moved(second)[1] == 3 * 2 + 15, 10, "the second link's packets")
    h.wait_until(lambda: moved(topo.veth)[0] == moved(topo.veth)[1] == 7 * 2, 10, "the first link's packets")
    first, other = iface_rows(fetch(topo.host, url), topo.veth), iface_rows(fetch(topo.host, url), second)
    assert (other["truncated"], other["malformed"], other["not_ip"]) == (4, 5, 6)
    assert (first["truncated"], first["malformed"], first["not_ip"]) == (0, 0, 0)
    text = fetch(topo.host, url)
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'whoflow_packets_total{kind="truncated"} 4' in text
    assert a.stop()[0] == 0
