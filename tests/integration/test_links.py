# SPDX-License-Identifier: GPL-2.0-only
"""Interfaces that appear, are renamed or go away while the agent runs (all interfaces selected)."""
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
