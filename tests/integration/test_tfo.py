# SPDX-License-Identifier: GPL-2.0-only
"""TCP Fast Open (#14 item 8): data on a SYN starts one sequence number after the SYN's own, so the
next segment's data follows it with no gap. Real TFO clients (MSG_FASTOPEN) in the test namespaces,
tcpdump's capture of the same traffic read by tshark as the oracle."""
import os
import signal
import socket
import subprocess
import sys

import dns.message
import dns.rrset

import whoflow_harness as h
from whoflow_harness import get
from test_dns_flow import dnsmasq  # noqa: F401  (fixture)
from test_tls import HERE, PORT, SNI, cert, s_server  # noqa: F401  (fixture)


def enable_tfo(topo):
    # client: on, data without a cookie (0x1|0x4); server: on, no cookie needed, every listener (0x2|0x200|0x400)
    for ns, value in ((topo.host, "0x5"), (topo.server, "0x602")):
        subprocess.run(topo.in_ns(ns, ["sysctl", "-q", "-w", "net.ipv4.tcp_fastopen=%d" % int(value, 16)]), check=True)


def capture(topo, path, port):
    p = subprocess.Popen(topo.in_ns(topo.host, ["tcpdump", "-i", topo.veth, "--immediate-mode", "-U", "-w", path,
                                                "tcp", "port", str(port)]),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for line in p.stderr:
        if b"listening on" in line:
            break
    return p


def stop(p):
    p.send_signal(signal.SIGINT)
    p.wait(10)


def tshark(path, display, *fields):
    r = subprocess.run(["tshark", "-r", path, "-Y", display, "-T", "fields", "-E", "occurrence=a",
                        "-E", "aggregator=,"] + sum((["-e", f] for f in fields), []),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return [line.split("\t") for line in r.stdout.splitlines()]


DNS_CLIENT = r"""
import socket, sys, dns.message
host = sys.argv[1]
qs = [dns.message.make_query(n, "A") for n in sys.argv[2:]]
wire = [len(q.to_wire()).to_bytes(2, "big") + q.to_wire() for q in qs]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
assert s.sendto(wire[0], socket.MSG_FASTOPEN, (host, 53)) == len(wire[0])
for w in wire[1:]:
    s.sendall(w)
s.settimeout(5)
buf, n = b"", 0
while n < len(qs):
    while len(buf) < 2 or len(buf) < 2 + int.from_bytes(buf[:2], "big"):
        buf += s.recv(65536)
    ln = int.from_bytes(buf[:2], "big")
    print(dns.message.from_wire(buf[2:2 + ln]).question[0].name, flush=True)
    buf, n = buf[2 + ln:], n + 1
"""


def test_dns_over_tcp_with_query_on_the_syn(agents, topo, cgroup, dnsmasq, tmp_path):  # noqa: F811
    enable_tfo(topo)
    pcap = str(tmp_path / "tfo-dns.pcap")
    cap = capture(topo, pcap, 53)
    try:
        a = agents(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
        names = ["www.test.example", "alias.test.example"]
        out = subprocess.run(topo.in_ns(topo.host, ["/usr/bin/python3", "-c", DNS_CLIENT, topo.SERVER4] + names),
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == [n + "." for n in names]  # both answered
        for n in names:
            a.wait_for(lambda e, n=n: get(e, "dns.type") == "query" and get(e, "dns.question.name") == n)
        rc, _ = a.stop()
        assert rc == 0
    finally:
        stop(cap)
    # The first query really rode on the SYN, and tshark sees both.
    syn = tshark(pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.len > 0", "tcp.len")
    assert len(syn) == 1 and int(syn[0][0]) > 0
    queries = [r[0] for r in tshark(pcap, "dns.flags.response == 0", "dns.qry.name")]
    assert queries == names
    got = [get(e, "dns.question.name") for e in a.events
           if get(e, "dns.type") == "query" and get(e, "network.transport") == "tcp"]
    assert got == queries


def test_tls_hello_split_over_the_syn_and_the_next_segment(agents, topo, cgroup, cert, tmp_path):  # noqa: F811
    enable_tfo(topo)
    pcap = str(tmp_path / "tfo-tls.pcap")
    cap = capture(topo, pcap, PORT)
    try:
        srv = s_server(topo, cert)
        a = agents(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
        client = ["/usr/bin/python3", os.path.join(HERE, "tls_client.py"), topo.SERVER4, str(PORT), SNI,
                  "2", "1", "0", "tfo"]
        r = subprocess.run(topo.in_ns(topo.host, client), capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        ev = a.wait_for(lambda e: get(e, "event.action") == "tls-client-hello")
        srv.kill()
        srv.wait(10)
        rc, _ = a.stop()
        assert rc == 0
    finally:
        stop(cap)
    syn = tshark(pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.len > 0", "tcp.len")
    assert len(syn) == 1 and int(syn[0][0]) > 0  # half the hello on the SYN
    (row,) = tshark(pcap, "tls.handshake.type == 1", "tls.handshake.extensions_server_name", "tls.handshake.ja3")
    assert get(ev, "tls.client.server_name") == row[0] == SNI
    assert get(ev, "tls.client.ja3") == row[1]
    assert not get(ev, "whoflow.tls.malformed")
