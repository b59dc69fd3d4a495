# SPDX-License-Identifier: GPL-2.0-only
"""TCP health on FLOW records (#20): retransmitted segments, RTT, RTO and the connection's state,
from the sending socket. Loss comes from a classifier on the test veth's far end that drops every
fifth data segment (tests/bpf/drop_nth.bpf.c; this host has no netem); the oracle for the retransmissions is
the kernel's own count for the namespace (RetransSegs in /proc/net/snmp)."""
import os
import subprocess

import whoflow_harness as h
from whoflow_harness import get

DROP_NTH = os.path.join(h.ROOT, "build", "tests", "drop_nth.bpf.o")

SERVER = r"""
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8090)); s.listen(1); print("listening", flush=True)
c, _ = s.accept(); n = 0
while True:
    d = c.recv(65536)
    if not d:
        break
    n += len(d)
c.sendall(b"ok %d" % n); c.close()
"""

CLIENT = r"""
import socket, sys
c = socket.create_connection((sys.argv[1], 8090)); print(c.getsockname()[1], flush=True)
c.sendall(b"x" * int(sys.argv[2])); c.shutdown(socket.SHUT_WR); print(c.recv(100).decode(), flush=True)
"""


def retrans_segs(ns):
    out = subprocess.run(["nsenter", "--net=" + ns.path, "cat", "/proc/net/snmp"], capture_output=True,
                         text=True, check=True).stdout
    names, values = [l.split() for l in out.splitlines() if l.startswith("Tcp:")][:2]
    return int(values[names.index("RetransSegs")])


def network_log(path):
    """network.log's rows as dicts, by its header line."""
    lines = open(path).read().splitlines()
    names = lines[0].lstrip("# ").split(" | ")
    return [dict(zip(names, l.split(" | "))) for l in lines[1:]]


def test_retransmissions_rtt_and_state(agents, topo, cgroup, tmp_path):
    # On the receiver's ingress: a drop at the sender's own egress is refused to TCP, which sends
    # the segment again as new data, not as a retransmission.
    subprocess.run(["tc", "-n", topo.server.name, "qdisc", "add", "dev", "eth0", "clsact"], check=True)
    subprocess.run(["tc", "-n", topo.server.name, "filter", "add", "dev", "eth0", "ingress", "bpf", "da", "obj",
                    DROP_NTH, "sec", "tc"], check=True)
    a = agents(["--cgroup", cgroup.path, "--flow-timeouts", "5,1800", "--log-dir", str(tmp_path)],
               netns=topo.host).wait_ready()
    srv = subprocess.Popen(topo.in_ns(topo.server, ["/usr/bin/python3", "-c", SERVER, topo.SERVER4]),
                           stdout=subprocess.PIPE, text=True)
    try:
        assert srv.stdout.readline().strip() == "listening"
        before = retrans_segs(topo.host)
        cli = cgroup.spawn(topo.in_ns(topo.host, ["/usr/bin/python3", "-c", CLIENT, topo.SERVER4, "400000"]),
                           stdout=subprocess.PIPE, text=True)
        out, _ = cli.communicate(timeout=60)
        port, reply = out.split("\n")[:2]
        assert reply == "ok 400000"
    finally:
        srv.kill()
        srv.wait(10)
    ev = a.wait_for(lambda e: get(e, "event.action") == "flow" and get(e, "source.port") == int(port), timeout=20)
    retrans = retrans_segs(topo.host) - before
    assert retrans > 0  # the classifier did drop
    assert a.stop()[0] == 0
    tcp = get(ev, "whoflow.flow.tcp")
    assert get(ev, "process.pid") == cli.pid
    assert tcp["retransmitted_segments"] == retrans
    assert 0 < tcp["min_rtt_us"] <= tcp["rtt_us"] < 1000000
    assert tcp["rto_us"] >= 200000  # the kernel's floor (TCP_RTO_MIN)
    # The client closed first: its socket went FIN_WAIT1, FIN_WAIT2, then TIME_WAIT (CLOSE to the socket).
    assert tcp["state"] == "CLOSE" and tcp["previous_state"] in ("FIN_WAIT2", "TIME_WAIT", "FIN_WAIT1", "CLOSING")
    # The same in network.log.
    row = [r for r in network_log(str(tmp_path / "network.log")) if r["src_port"] == port][0]
    assert (int(row["tcp_retrans"]), row["tcp_state"]) == (retrans, "CLOSE")
    assert float(row["tcp_rtt_ms"]) == tcp["rtt_us"] / 1000.0


def test_a_connection_still_open_at_exit(agents, topo, cgroup):
    """A flow reported when the agent stops carries its connection's state then: ESTABLISHED."""
    a = agents(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
    srv = subprocess.Popen(topo.in_ns(topo.server, ["/usr/bin/python3", "-c", SERVER, topo.SERVER4]),
                           stdout=subprocess.PIPE, text=True)
    try:
        assert srv.stdout.readline().strip() == "listening"
        hold = "import socket,sys; c=socket.create_connection((%r, 8090)); c.sendall(b'y'*1000); " \
               "print(c.getsockname()[1], flush=True); sys.stdin.read()" % topo.SERVER4
        cli = cgroup.spawn(topo.in_ns(topo.host, ["/usr/bin/python3", "-c", hold]), stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True)
        port = int(cli.stdout.readline())
        # Its packets crossed the classifiers as it sent them: the flow is in the table.
        rc, _ = a.stop()
        assert rc == 0
        cli.stdin.close()
        cli.wait(10)
    finally:
        srv.kill()
        srv.wait(10)
    ev = [e for e in a.events if get(e, "event.action") == "flow" and get(e, "source.port") == port]
    assert len(ev) == 1 and get(ev[0], "whoflow.flow.reason") == "exit"
    tcp = get(ev[0], "whoflow.flow.tcp")
    assert tcp["retransmitted_segments"] == 0
    assert tcp["rtt_us"] > 0
    assert (tcp["state"], tcp["previous_state"]) == ("ESTABLISHED", "SYN_SENT")
