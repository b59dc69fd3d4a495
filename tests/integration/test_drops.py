# SPDX-License-Identifier: GPL-2.0-only
"""--drops (#20): packets the kernel dropped, with the kernel's reason, the place, the flow and the
process, summed per kind. Each case causes drops in the test's namespaces and checks whoflow's
counts against what the test sent (or against the socket's own drop counter) and the process
against the one that sent or was to receive them."""
import os
import subprocess

import pytest

import whoflow_harness as h
from whoflow_harness import get

SEND_UDP = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[3])):
    s.sendto(b"d" * int(sys.argv[4]), (sys.argv[1], int(sys.argv[2])))
"""

# The same from a socket bound first (as resolvers bind theirs): indexed before its first datagram.
SEND_UDP_BOUND = SEND_UDP.replace("SOCK_DGRAM)", "SOCK_DGRAM)\ns.bind(('127.0.0.1', 0))")

CONNECT = r"""
import socket, sys
for _ in range(int(sys.argv[2])):
    c = socket.socket()
    try:
        c.connect(("127.0.0.1", int(sys.argv[1])))
    except ConnectionRefusedError:
        pass
    c.close()
"""

# Binds, says so, and never reads until stdin closes: its small buffer fills and the rest is dropped.
DEAF = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
sys.stdin.read()
"""


def drops(a, reason, **match):
    return [e for e in a.events if get(e, "event.action") == "drop" and get(e, "whoflow.drop.reason") == reason
            and all(get(e, k) == v for k, v in match.items())]


def counted(a, reason, **match):
    return sum(get(e, "whoflow.drop.count") for e in drops(a, reason, **match))


def in_ns(netns, argv):
    return ["nsenter", "--net=" + netns.path] + argv


def test_udp_to_a_closed_port_names_the_sender(agents, netns, cgroup, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--drops", "--log-dir", str(logs)], netns=netns).wait_ready()
    p = cgroup.spawn(in_ns(netns, ["/usr/bin/python3", "-c", SEND_UDP, "127.0.0.1", "9", "7", "20"]))
    assert p.wait(30) == 0
    a.wait_for(lambda e: counted(a, "NO_SOCKET", **{"destination.port": 9}) >= 7, timeout=20)
    rc, summary = a.stop()
    assert rc == 0
    ev = drops(a, "NO_SOCKET", **{"destination.port": 9})
    assert counted(a, "NO_SOCKET", **{"destination.port": 9}) == 7
    assert {get(e, "process.pid") for e in ev} == {p.pid}
    assert all(get(e, "network.transport") == "udp" and get(e, "source.ip") == "127.0.0.1" for e in ev)
    # The IP packet's bytes: 20 of IPv4 header, 8 of UDP, 20 of payload.
    assert sum(get(e, "whoflow.drop.bytes") for e in ev) == 7 * 48
    assert all(get(e, "whoflow.drop.location").startswith("__udp4_lib_rcv+0x") for e in ev)
    flows = [e for e in a.events if get(e, "event.action") == "flow" and get(e, "destination.port") == 9]
    assert {get(e, "whoflow.flow.id") for e in ev} <= {get(f, "whoflow.flow.id") for f in flows}
    assert get(ev[0], "network.community_id") == get(flows[0], "network.community_id")
    # No drop reported for what was delivered or consumed: only the closed port's.
    assert {get(e, "whoflow.drop.reason") for e in a.events if get(e, "event.action") == "drop"} == {"NO_SOCKET"}
    s = h.parse_summary(summary)
    assert s["drop"] == len([e for e in a.events if get(e, "event.action") == "drop"])
    lines = [l for l in (logs / "drop.log").read_text().splitlines() if not l.startswith("#")]
    assert any(" | NO_SOCKET | " in l and " | %d | " % p.pid in l for l in lines), lines
    assert sum(int(l.split(" | ")[-4]) for l in lines if " | NO_SOCKET | " in l) == 7


def test_every_drop_with_drops_all(agents, netns, cgroup):
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--drops-all"], netns=netns).wait_ready()
    p = cgroup.spawn(in_ns(netns, ["/usr/bin/python3", "-c", SEND_UDP, "127.0.0.1", "9", "5", "10"]))
    assert p.wait(30) == 0
    a.wait_for(lambda e: len(drops(a, "NO_SOCKET", **{"destination.port": 9})) >= 5, timeout=20)
    assert a.stop()[0] == 0
    ev = drops(a, "NO_SOCKET", **{"destination.port": 9})
    assert len(ev) == 5 and all(get(e, "whoflow.drop.count") == 1 for e in ev)
    assert len({get(e, "event.id") for e in ev}) == 5


def test_full_receive_buffer_names_the_receiver(agents, netns, cgroup):
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--drops"], netns=netns).wait_ready()
    deaf = cgroup.spawn(in_ns(netns, ["/usr/bin/python3", "-c", DEAF, "9400"]), stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, text=True)
    try:
        assert deaf.stdout.readline().strip() == "ready"
        sender = cgroup.spawn(in_ns(netns, ["/usr/bin/python3", "-c", SEND_UDP, "127.0.0.1", "9400", "200", "1000"]))
        assert sender.wait(30) == 0
        # The socket's own count of what it dropped (the last column of /proc/net/udp).
        udp = subprocess.run(in_ns(netns, ["cat", "/proc/net/udp"]), capture_output=True, text=True).stdout
        row = [l.split() for l in udp.splitlines()[1:] if l.split()[1].endswith(":%04X" % 9400)][0]
        dropped = int(row[-1])
        assert dropped > 0
        a.wait_for(lambda e: counted(a, "SOCKET_RCVBUFF") >= dropped, timeout=20)
    finally:
        deaf.stdin.close()
        deaf.wait(10)
    assert a.stop()[0] == 0
    assert counted(a, "SOCKET_RCVBUFF") == dropped
    assert {get(e, "process.pid") for e in drops(a, "SOCKET_RCVBUFF")} == {deaf.pid}
    assert {get(e, "destination.port") for e in drops(a, "SOCKET_RCVBUFF")} == {9400}


def test_refused_tcp_connections(agents, netns, cgroup):
    """Each SYN to a closed port is answered by a RST and dropped (NO_SOCKET): one per attempt."""
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--drops"], netns=netns).wait_ready()
    p = cgroup.spawn(in_ns(netns, ["/usr/bin/python3", "-c", CONNECT, "9401", "4"]))
    assert p.wait(30) == 0
    match = {"destination.port": 9401, "network.transport": "tcp"}
    a.wait_for(lambda e: counted(a, "NO_SOCKET", **match) >= 4, timeout=20)
    assert a.stop()[0] == 0
    assert counted(a, "NO_SOCKET", **match) == 4
    ev = drops(a, "NO_SOCKET", **match)
    assert {get(e, "process.pid") for e in ev} == {p.pid}
    # Each SYN's drop names its connection's flow (the one whose RST answered it).
    flows = {get(f, "source.port"): get(f, "whoflow.flow.id") for f in a.events
             if get(f, "event.action") == "flow" and get(f, "destination.port") == 9401}
    assert {get(e, "source.port") for e in ev} == set(flows)
    assert all(get(e, "whoflow.flow.id") == flows[get(e, "source.port")] for e in ev)


def test_unreachable_neighbour(agents, topo, cgroup):
    """Datagrams to an address on the link that nobody answers ARP for: dropped when resolution
    fails (NEIGH_FAILED), the sender named."""
    for key, val in (("mcast_solicit", "1"), ("app_solicit", "0"), ("retrans_time_ms", "200")):
        subprocess.run(topo.in_ns(topo.host, ["sysctl", "-qw", "net.ipv4.neigh.%s.%s=%s" % (topo.veth, key, val)]),
                       check=True)
    a = agents(["--cgroup", cgroup.path, "-i", topo.veth, "--drops"], netns=topo.host).wait_ready()
    p = cgroup.spawn(topo.in_ns(topo.host, ["/usr/bin/python3", "-c", SEND_UDP, "198.18.0.77", "9402", "3", "30"]))
    assert p.wait(30) == 0
    a.wait_for(lambda e: counted(a, "NEIGH_FAILED") >= 3, timeout=20)
    assert a.stop()[0] == 0
    ev = drops(a, "NEIGH_FAILED")
    assert counted(a, "NEIGH_FAILED") == 3
    assert {get(e, "process.pid") for e in ev} == {p.pid}
    assert {(get(e, "destination.ip"), get(e, "destination.port")) for e in ev} == {("198.18.0.77", 9402)}
    assert {get(e, "whoflow.drop.interface.name") for e in ev} == {topo.veth}


def test_a_drop_no_classifier_saw_names_its_sender_by_addresses(agents, topo, cgroup):
    """Datagrams to a closed port over loopback while only the veth is watched: no classifier saw
    them (no flow) and loopback took their socket off on the way (no cookie), so the sender is
    found by the packet's addresses in the socket hooks' index (shared with the tracepoint): its
    bound socket, as the classifiers find one. (A socket bound by its first send is indexed only
    after that send, and a kind of drop takes its owner from its first.)"""
    a = agents(["--cgroup", cgroup.path, "-i", topo.veth, "--drops"], netns=topo.host).wait_ready()
    p = cgroup.spawn(topo.in_ns(topo.host, ["/usr/bin/python3", "-c", SEND_UDP_BOUND, "127.0.0.1", "9", "3", "10"]))
    assert p.wait(30) == 0
    a.wait_for(lambda e: counted(a, "NO_SOCKET", **{"destination.port": 9}) >= 3, timeout=20)
    assert a.stop()[0] == 0
    ev = drops(a, "NO_SOCKET", **{"destination.port": 9})
    assert counted(a, "NO_SOCKET", **{"destination.port": 9}) == 3
    assert not [f for f in a.events if get(f, "event.action") == "flow" and get(f, "destination.port") == 9]
    assert {get(e, "process.pid") for e in ev} == {p.pid}
    assert {get(e, "whoflow.attribution") for e in ev} == {"tuple"}


def test_drops_elsewhere_are_not_reported(agents, topo, cgroup):
    """Drops in a namespace the agent does not watch stay out."""
    a = agents(["--cgroup", cgroup.path, "-i", topo.veth, "--drops"], netns=topo.host).wait_ready()
    # In the server namespace (not watched), to its own closed port.
    p = subprocess.Popen(topo.in_ns(topo.server, ["/usr/bin/python3", "-c", SEND_UDP, "127.0.0.1", "9", "5", "10"]))
    assert p.wait(30) == 0
    # Then one the agent does watch, awaited: the other would have come before it.
    q = cgroup.spawn(topo.in_ns(topo.host, ["/usr/bin/python3", "-c", SEND_UDP, topo.SERVER4, "9", "1", "10"]))
    assert q.wait(30) == 0
    rc, _ = a.stop()
    assert rc == 0
    assert not [e for e in a.events if get(e, "event.action") == "drop" and get(e, "source.ip") == "127.0.0.1"]


def test_drops_needs_no_option_misuse():
    r = subprocess.run([h.WHOFLOW, "--help"], capture_output=True, text=True, timeout=10)
    assert "--drops" in r.stdout and "--drops-all" in r.stdout


def test_store_and_api_sum_drops_per_process(agents, netns, cgroup, tmp_path):
    """Drops in the store (--db), summed per process by ebpf-server's endpoints and listed by
    /api/drops; each answer checked against the OpenAPI document and against the events."""
    from test_api import Server
    db = tmp_path / "drops.db"
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--drops", "--db", str(db)], netns=netns).wait_ready()
    senders = []
    for n in (3, 6):
        p = cgroup.spawn(in_ns(netns, ["/usr/bin/python3", "-c", SEND_UDP, "127.0.0.1", "9", str(n), "10"]))
        assert p.wait(30) == 0
        senders.append((p.pid, n))
    for pid, n in senders:
        a.wait_for(lambda e, pid=pid, n=n: counted(a, "NO_SOCKET", **{"process.pid": pid}) >= n, timeout=20)
    assert a.stop()[0] == 0
    srv = Server(db, tmp_path)
    try:
        for pid, n in senders:
            got = srv.call("/api/packet-drop-summary?pid=%d&duration_seconds=600" % pid)
            assert (got["count"], got["pid"], got["command"], got["duration_seconds"]) == (n, pid, None, 600)
        got = srv.call("/api/packet-drop-summary", method="POST", body={"command": "python3", "duration_seconds": 600})
        assert got["count"] == 9
        lst = srv.call("/api/list-packet-drops")
        assert {int(k): v for k, v in lst["events_by_pid"].items()} == dict(senders)
        assert (lst["total_pids"], lst["total_events"]) == (2, 9)
        items = srv.call("/api/drops?name=NO_SOCKET")["items"]
        assert {e["event"]["id"] for e in items} == {get(e, "event.id") for e in drops(a, "NO_SOCKET")}
        assert srv.call("/api/events?type=drop")["items"] == items
    finally:
        srv.stop()
