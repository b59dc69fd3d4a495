# SPDX-License-Identifier: GPL-2.0-only
"""Interfaces that appear, are renamed or go away while the agent runs (all interfaces selected)."""
import os
import subprocess
import uuid

import whoflow_harness as h
from whoflow_harness import get


def ip(*a):
    subprocess.run(["ip"] + list(a), check=True)


def new_link(topo, name, n):
    """A veth from the host namespace to the server namespace, with its own subnet, up."""
    peer = "p" + name[1:]
    ip("link", "add", name, "netns", topo.host.name, "type", "veth", "peer", "name", peer,
       "netns", topo.server.name)
    ip("-n", topo.host.name, "addr", "add", "198.18.%d.1/24" % n, "dev", name)
    ip("-n", topo.server.name, "addr", "add", "198.18.%d.2/24" % n, "dev", peer)
    ip("-n", topo.server.name, "link", "set", peer, "up")
    ip("-n", topo.host.name, "link", "set", name, "up")


def stderr_has(agent, text):
    return any(text in line for line in agent.stderr)


def udp_to_host(topo, addr, port):
    subprocess.run(topo.in_ns(topo.server, ["/usr/bin/python3", "-c",
                                            "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM)"
                                            ".sendto(b'x', (%r, %d))" % (addr, port)]), check=True)


def test_new_interface_is_attached_and_reported(agents, topo, cgroup):
    tag = uuid.uuid4().hex[:5]
    skipped, wanted = "wfn" + tag, "wfa" + tag
    a = agents(["--cgroup", cgroup.path, "--exclude", "wfn*"], netns=topo.host).wait_ready()
    new_link(topo, skipped, 7)
    new_link(topo, wanted, 8)
    # Link events are handled in order: once the second is attached, the first was judged.
    h.wait_until(lambda: stderr_has(a, "attached to new interface %s" % wanted), 15, "auto-attach")
    assert not stderr_has(a, "attached to new interface %s" % skipped)
    udp_to_host(topo, "198.18.8.1", 9999)
    udp_to_host(topo, "198.18.7.1", 9998)
    # Renamed while attached: still attached, reported under the new name.
    renamed = "wfr" + tag
    ip("-n", topo.host.name, "link", "set", wanted, "down")
    ip("-n", topo.host.name, "link", "set", wanted, "name", renamed)
    ip("-n", topo.host.name, "link", "set", renamed, "up")
    h.wait_until(lambda: stderr_has(a, "is now called %s" % renamed), 15, "rename seen")
    rc, _ = a.stop()
    assert rc == 0
    flows = [e for e in a.events if get(e, "event.dataset") == "whoflow.flow"]
    got = [e for e in flows if get(e, "destination.port") == 9999]
    assert len(got) == 1 and get(got[0], "observer.ingress.interface.name") == renamed
    assert not [e for e in flows if get(e, "destination.port") == 9998]


def test_interface_deleted_under_the_agent(agents, topo, cgroup):
    name = "wfd" + uuid.uuid4().hex[:5]
    new_link(topo, name, 6)
    a = agents(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
    assert name in a.stderr[-1]
    ip("-n", topo.host.name, "link", "del", name)
    h.wait_until(lambda: stderr_has(a, "interface %s (ifindex" % name) and stderr_has(a, "is gone"), 15,
                 "deletion seen")
    udp_to_host(topo, topo.HOST4, 9997)  # the agent still works on the others
    rc, summary = a.stop()
    assert rc == 0
    assert [e for e in a.events if get(e, "destination.port") == 9997]


def test_several_namespaces_watched_at_once(agents, netns, topo, cgroup):
    """--netns twice: both namespaces' interfaces, existing and new, each under its own name,
    though their interface indexes are the same."""
    a = agents(["--cgroup", cgroup.path, "--netns", topo.host.name, "--netns", topo.server.name],
               netns=netns).wait_ready()
    assert "on 2 interfaces" in a.stderr[-1]
    tag = uuid.uuid4().hex[:5]
    name = "wfm" + tag
    new_link(topo, name, 5)
    def attached(dev, ns):
        return any("attached to new interface %s (" % dev in l and l.endswith(" in " + ns.name)
                   for l in a.stderr)

    h.wait_until(lambda: attached(name, topo.host) and attached("p" + name[1:], topo.server), 15,
                 "both ends attached")
    udp_to_host(topo, topo.HOST4, 9996)
    udp_to_host(topo, "198.18.5.1", 9995)
    rc, _ = a.stop()
    assert rc == 0
    seen = {}
    for e in a.events:
        if get(e, "event.dataset") == "whoflow.flow" and get(e, "destination.port") in (9995, 9996):
            iface = get(e, "observer.egress.interface.name") or get(e, "observer.ingress.interface.name")
            seen.setdefault(get(e, "destination.port"), set()).add(iface)
    assert seen == {9996: {topo.veth, "eth0"}, 9995: {name, "p" + name[1:]}}


def link_exists(ns, name):
    return subprocess.run(["ip", "-n", ns.name, "link", "show", name], capture_output=True).returncode == 0


def test_watched_namespace_deleted(agents, netns, topo, cgroup):
    """`ip netns del` of a --netns namespace: the agent says so, lets go of it (so the kernel
    can free it: its veth's peer in the other namespace disappears), and goes on with the rest."""
    doomed = h.Netns()
    name = "wfg" + uuid.uuid4().hex[:5]
    peer = "p" + name[1:]
    try:
        ip("link", "add", name, "netns", doomed.name, "type", "veth", "peer", "name", peer,
           "netns", topo.host.name)
        ip("-n", doomed.name, "link", "set", name, "up")
        ip("-n", topo.host.name, "link", "set", peer, "up")
        a = agents(["--cgroup", cgroup.path, "--netns", doomed.name, "--netns", topo.host.name],
                   netns=netns).wait_ready()
        assert "%s" % name in a.stderr[-1] and peer in a.stderr[-1]
        before = len(h.tcx_classifiers())
        doomed.remove()
        h.wait_until(lambda: stderr_has(a, "network namespace %s was deleted" % doomed.name), 15,
                     "deletion reported")
        # Held by nothing of the agent's, the namespace is freed with its end of the veth pair.
        h.wait_until(lambda: not link_exists(topo.host, peer), 20, "namespace freed")
        assert len(h.tcx_classifiers()) < before
        udp_to_host(topo, topo.HOST4, 9994)  # the other namespace is still watched
        rc, _ = a.stop()
        assert rc == 0
        assert [e for e in a.events if get(e, "destination.port") == 9994]
    finally:
        doomed.remove()


def test_interfaces_that_come_and_go_leave_no_fd_behind(agents, topo, cgroup):
    """Attached to each new interface (two TCX link fds), then forgotten when it is deleted: the agent
    holds as many fds after five such interfaces as before them."""
    a = agents(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
    fds = lambda: len(os.listdir("/proc/%d/fd" % a.proc.pid))  # noqa: E731
    before = fds()
    for n in range(5):
        name = "wfc%d" % n + uuid.uuid4().hex[:4]
        new_link(topo, name, 20 + n)
        h.wait_until(lambda: stderr_has(a, "attached to new interface %s " % name), 15, "attached")
        ip("-n", topo.host.name, "link", "del", name)
        h.wait_until(lambda: stderr_has(a, "interface %s (ifindex" % name), 15, "forgotten")
    assert fds() == before
    rc, _ = a.stop()
    assert rc == 0
