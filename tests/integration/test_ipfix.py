# SPDX-License-Identifier: GPL-2.0-only
"""--ipfix (#18): flow records as IPFIX (libfixbuf), checked by independent collectors started here:
nfdump's nfcapd receives them over UDP and `nfdump -r` shows every flow with the bytes and packets
the agent's FLOW events report (biflows: in_* the initiator's, out_* the responder's); a long flow
comes as several records whose deltas add up; tshark, with contrib/wireshark/whoflow_ipfix.lua,
decodes the enterprise elements (the process at each end) from a capture of the export; over TCP,
libfixbuf's own ipfixDump reads the stream with the element names it carries (RFC 5610); a dead
collector costs counted records, never the run."""
import json
import os
import re
import signal
import subprocess
import threading

import pytest

import whoflow_harness as h
from whoflow_harness import get

LUA = os.path.join(h.ROOT, "contrib", "wireshark", "whoflow_ipfix.lua")

# A TCP exchange (the server answers 5000 bytes) and a UDP datagram, from the cgroup.
TRAFFIC = r"""
import socket, sys, threading, time
port = int(sys.argv[1])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen()
def serve():
    c, _ = s.accept(); c.recv(100); c.sendall(b"y" * 5000); c.close()
t = threading.Thread(target=serve); t.start()
c = socket.create_connection(("127.0.0.1", port)); c.sendall(b"x" * 50)
got = 0
while got < 5000:
    d = c.recv(10000)
    if not d: break
    got += len(d)
c.close(); t.join()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.sendto(b"q" * 30, ("127.0.0.1", port + 1))
print(got, flush=True)
"""

# A TCP collector that writes the stream it receives to a file (decoded later by ipfixDump).
TCP_COLLECTOR = r"""
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[2]))); s.listen(); print("up", flush=True)
c, _ = s.accept(); print("accepted", flush=True); c.settimeout(60)
f = open(sys.argv[1], "wb")
while True:
    d = c.recv(65536)
    if not d: break
    f.write(d); f.flush()
"""


def tcp_collector(netns, stream, port):
    p = subprocess.Popen(["nsenter", "--net=" + netns.path, "/usr/bin/python3", "-c", TCP_COLLECTOR, stream,
                          str(port)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "up"
    return p


class Nfcapd:
    """nfcapd in the namespace, on loopback; its file read with nfdump once it stopped."""

    def __init__(self, netns, port, tmp):
        self.dir = str(tmp / "nf")
        os.mkdir(self.dir)
        self.p = subprocess.Popen(["nsenter", "--net=" + netns.path, "nfcapd", "-w", self.dir, "-b", "127.0.0.1",
                                   "-p", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.log = []
        ready = threading.Event()

        def read():
            for line in self.p.stdout:
                self.log.append(line)
                if "Startup" in line:
                    ready.set()
        threading.Thread(target=read, daemon=True).start()
        assert ready.wait(10), self.log

    def records(self):
        """Stops nfcapd (it writes its file) and returns nfdump's records."""
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(15)
        files = [f for f in os.listdir(self.dir) if f.startswith("nfcapd.2")]
        out = []
        for f in files:
            r = subprocess.run(["nfdump", "-r", os.path.join(self.dir, f), "-o", "json"], capture_output=True,
                               text=True, timeout=30)
            assert r.returncode == 0, r.stderr
            out += json.loads(r.stdout or "[]")
        return out

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(10)


@pytest.fixture
def nfcapd(netns, tmp_path):
    started = []

    def start(port):
        n = Nfcapd(netns, port, tmp_path)
        started.append(n)
        return n
    yield start
    for n in started:
        n.kill()


def flows_of(a):
    return [e for e in a.events if get(e, "event.dataset") == "whoflow.flow"]


def key(proto, sport, dport):
    return (proto, sport, dport)


def nf_key(r):
    return key(r["proto"], r.get("src_port", 0), r.get("dst_port", 0)) if r["proto"] in (6, 17) else key(r["proto"], 0, 0)


def ev_key(e):
    p = int(get(e, "network.iana_number"))
    return key(p, get(e, "source.port", 0), get(e, "destination.port", 0)) if p in (6, 17) else key(p, 0, 0)


def run_traffic(cgroup, netns, port):
    p = cgroup.spawn(["nsenter", "--net=" + netns.path, "/usr/bin/python3", "-c", TRAFFIC, str(port)],
                     stdout=subprocess.PIPE, text=True)
    out, _ = p.communicate(timeout=30)
    assert out.strip() == "5000"
    return p.pid


def test_every_flow_reaches_nfcapd_with_its_counts(agents, netns, cgroup, nfcapd):
    nf = nfcapd(4739)
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--ipfix", "udp://127.0.0.1:4739"], netns=netns).wait_ready()
    pid = run_traffic(cgroup, netns, 8555)
    a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == pid)
    rc, summary = a.stop()
    assert rc == 0 and h.parse_summary(summary)["sink_lost"] == 0
    flows = flows_of(a)
    ours = [e for e in flows if get(e, "destination.port") in (8555, 8556)]
    assert len(ours) == 2, flows
    records = nf.records()
    by_key = {}
    for r in records:
        by_key.setdefault(nf_key(r), []).append(r)
    for e in flows:  # every flow the agent reported, the export's own included
        rs = by_key.get(ev_key(e), [])
        assert len(rs) == 1, (e, records)
        r = rs[0]
        assert r["src4_addr"] == get(e, "source.ip") and r["dst4_addr"] == get(e, "destination.ip")
        assert (r["in_packets"], r["in_bytes"]) == (get(e, "source.packets"), get(e, "source.bytes")), (r, e)
        assert (r["out_packets"], r["out_bytes"]) == (get(e, "destination.packets"), get(e, "destination.bytes"))
    tcp = [r for r in records if r.get("dst_port") == 8555][0]
    assert tcp["out_bytes"] > 5000 and "S" in tcp["tcp_flags"] and "F" in tcp["tcp_flags"]
    assert tcp["input_snmp"] == 1  # lo's ifindex


def test_a_long_flow_comes_in_periods_whose_deltas_add_up(agents, netns, cgroup, nfcapd):
    nf = nfcapd(4740)
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--ipfix", "udp://127.0.0.1:4740", "--flow-timeouts", "30,1"],
               netns=netns).wait_ready()
    code = ("import socket, time\n"
            "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "for i in range(30):\n"
            "    u.sendto(b'p' * (100 + i), ('127.0.0.1', 8600)); time.sleep(0.1)\n")
    p = cgroup.spawn(["nsenter", "--net=" + netns.path, "/usr/bin/python3", "-c", code])
    p.wait(30)
    a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == p.pid)
    assert a.stop()[0] == 0
    periods = [e for e in flows_of(a) if get(e, "destination.port") == 8600]
    assert len(periods) >= 2  # each period has an id of its own (its start)
    assert sum(get(e, "source.packets") for e in periods) == 30
    records = [r for r in nf.records() if r.get("dst_port") == 8600]
    assert len(records) == len(periods)
    assert sum(r["in_packets"] for r in records) == 30
    assert sum(r["in_bytes"] for r in records) == sum(get(e, "source.bytes") for e in periods)
    assert sorted(r["in_bytes"] for r in records) == sorted(get(e, "source.bytes") for e in periods)


def test_tshark_names_the_processes_in_the_records(agents, netns, cgroup, nfcapd, tmp_path):
    nf = nfcapd(4741)
    pcap = str(tmp_path / "ipfix.pcap")
    td = subprocess.Popen(["nsenter", "--net=" + netns.path, "tcpdump", "--immediate-mode", "-U", "-i", "lo", "-w", pcap, "udp", "port",
                           "4741"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in td.stderr:
            if "listening on" in line:
                break
        a = agents(["--cgroup", cgroup.path, "-i", "lo", "--ipfix", "udp://127.0.0.1:4741"],
                   netns=netns).wait_ready()
        pid = run_traffic(cgroup, netns, 8655)
        a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == pid)
        assert a.stop()[0] == 0
    finally:
        nf.kill()
        td.send_signal(signal.SIGINT)
        td.wait(15)
    tcp = [e for e in flows_of(a) if get(e, "destination.port") == 8655][0]
    out = subprocess.run(["tshark", "-r", pcap, "-d", "udp.port==4741,cflow", "-X", "lua_script:" + LUA, "-T",
                          "fields", "-E", "occurrence=a", "-e", "whoflow_ipfix.flow_id", "-e",
                          "whoflow_ipfix.src.pid", "-e", "whoflow_ipfix.src.name", "-e", "whoflow_ipfix.src.exe",
                          "-e", "whoflow_ipfix.community_id", "-e", "whoflow_ipfix.dst.pid", "-e",
                          "cflow.srcport", "-e", "cflow.dstport"],
                         capture_output=True, text=True, timeout=60).stdout
    rows = []
    for line in out.splitlines():
        cols = [c.split(",") for c in line.split("\t")]
        if len(cols) == 8 and cols[0] != [""]:
            rows += list(zip(*[c if len(c) == len(cols[0]) else c + [""] * (len(cols[0]) - len(c))
                               for c in cols]))
    match = [r for r in rows if r[0] == get(tcp, "whoflow.flow.id")]
    assert len(match) == 1, out
    flow_id, src_pid, name, exe, cid, dst_pid, sport, dport = match[0]
    # client and server are one process here: both ends name it
    assert int(src_pid) == pid and int(dst_pid) == pid and name == "python3"
    assert os.path.realpath(exe) == os.path.realpath("/usr/bin/python3")
    assert cid == get(tcp, "network.community_id") and int(dport) == 8655


def test_tcp_export_read_by_ipfixdump(agents, netns, cgroup, tmp_path):
    """libfixbuf's ipfixDump on the TCP stream: the names of whoflow's elements come with it."""
    stream = str(tmp_path / "stream.ipfix")
    srv = tcp_collector(netns, stream, 4742)
    try:
        a = agents(["--cgroup", cgroup.path, "-i", "lo", "--ipfix", "tcp://127.0.0.1:4742", "--ipfix-domain", "77"],
                   netns=netns).wait_ready()
        pid = run_traffic(cgroup, netns, 8755)
        a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == pid)
        rc, summary = a.stop()
        assert rc == 0 and h.parse_summary(summary)["sink_lost"] == 0
        srv.wait(30)
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.wait(10)
    dump = subprocess.run(["ipfixDump", "--rfc5610", "--in", stream], capture_output=True, text=True,
                          timeout=60).stdout
    tcp = [e for e in flows_of(a) if get(e, "destination.port") == 8755][0]
    assert "observation domain id: 77" in dump
    # the data records, decoded by the element names the stream carries
    assert re.search(r"\(32473/1\)\s+whoflowFlowId : \(len: 16\) %s" % get(tcp, "whoflow.flow.id"), dump)
    assert re.search(r"\(32473/4\)\s+whoflowSourcePid : %d\b" % pid, dump)
    assert re.search(r"\(32473/5\)\s+whoflowSourceProcessName : \(len: 7\) python3", dump)
    assert re.search(r"\(32473/2\)\s+whoflowCommunityId : \(len: \d+\) %s" %
                     re.escape(get(tcp, "network.community_id")), dump)


def test_a_dead_collector_is_counted_not_fatal(agents, netns, cgroup):
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--ipfix", "tcp://127.0.0.1:4743"], netns=netns).wait_ready()
    assert any("--ipfix tcp://127.0.0.1:4743: cannot start the export" in l and "refused" in l for l in a.stderr)
    pid = run_traffic(cgroup, netns, 8855)
    a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == pid)
    rc, _ = a.stop()
    s = h.parse_summary([l for l in a.stderr if l.startswith("whoflow: summary: events")][0])
    assert rc == 0 and s["flow"] >= 2 and s["sink_lost"] == s["flow"]
    assert "whoflow: summary: not written by sinks: ipfix tcp://127.0.0.1:4743 %d" % s["flow"] in a.stderr


def test_a_tcp_collector_that_comes_later_is_dialled_again(agents, netns, cgroup, tmp_path):
    """No collector at start: records are counted as lost; once one listens, the agent dials it
    again (every 5 s) and what comes after reaches it, decoded by ipfixDump."""
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--ipfix", "tcp://127.0.0.1:4744", "--flow-timeouts", "1,60"],
               netns=netns).wait_ready()
    first = run_traffic(cgroup, netns, 8955)
    a.wait_for(lambda e: get(e, "event.dataset") == "whoflow.flow" and get(e, "destination.port") == 8955)
    stream = str(tmp_path / "later.ipfix")
    srv = tcp_collector(netns, stream, 4744)
    try:
        assert srv.stdout.readline().strip() == "accepted"  # the agent dialled again, within its 5 s
        second = run_traffic(cgroup, netns, 9055)
        a.wait_for(lambda e: get(e, "event.dataset") == "whoflow.flow" and get(e, "destination.port") == 9055)
        rc, _ = a.stop()
        srv.wait(30)
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.wait(10)
    assert rc == 0 and first and second
    s = h.parse_summary([l for l in a.stderr if l.startswith("whoflow: summary: events")][0])
    assert s["sink_lost"] >= 1  # the first flow's record, with nowhere to go
    assert any("sending again" in l for l in a.stderr)
    dump = subprocess.run(["ipfixDump", "--rfc5610", "--in", stream], capture_output=True, text=True,
                          timeout=60).stdout
    flow = [e for e in a.events if get(e, "event.dataset") == "whoflow.flow" and get(e, "destination.port") == 9055][0]
    assert get(flow, "whoflow.flow.id") in dump
