# SPDX-License-Identifier: GPL-2.0-only
"""whoflow attach / status / detach: pinned classifiers that outlive the agent.

Every test here runs the commands as separate processes (as users do) against
interfaces in test namespaces, attaches the socket hooks to the test cgroup, and
detaches everything on every exit path.
"""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

import whoflow_harness as h
from whoflow_harness import get
from test_dns_flow import dnsmasq  # noqa: F401  (fixture)


def wf(*args, ns=None):
    cmd = ([] if ns is None else ["nsenter", "--net=" + ns.path]) + [h.WHOFLOW] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def bpffs_mount():
    return h.mount_point("bpf")


@pytest.fixture
def pins():
    """Whatever a test attaches is detached and unpinned afterwards, whatever happens."""
    before = bpffs_mount()
    yield
    r = wf("detach", "--all")
    leftover = [os.path.join(m, "whoflow") for m in [bpffs_mount()] if m and os.path.exists(os.path.join(m, "whoflow"))]
    for d in leftover:
        shutil.rmtree(d, ignore_errors=True)
    if before is None and bpffs_mount():
        subprocess.run(["umount", bpffs_mount()], check=False)
    assert r.returncode == 0, r.stderr
    assert not leftover, "detach --all left pins behind"


def tc_state(ns, dev):
    """Everything attach may have touched, as text."""
    out = []
    for argv in (["tc", "qdisc", "show", "dev", dev], ["tc", "filter", "show", "dev", dev, "ingress"],
                 ["tc", "filter", "show", "dev", dev, "egress"], ["bpftool", "net", "show", "dev", dev]):
        out.append(subprocess.run(["nsenter", "--net=" + ns.path] + argv, capture_output=True,
                                  text=True).stdout)
    return out


def bpffs_state():
    m = bpffs_mount()
    return (m, sorted(os.listdir(m)) if m else None)


@pytest.mark.parametrize("tc_mode", ["auto", "clsact"])
def test_attach_status_detach_restore_everything(topo, cgroup, pins, tc_mode):
    """attach pins TCX links (auto, on this kernel) or adds clsact filters; status shows them;
    detach leaves every interface, qdisc and bpffs as before."""
    ns, dev = topo.host, topo.veth
    tcx = tc_mode == "auto"
    # Someone else's clsact and filter on the peer: they must survive untouched.
    subprocess.run(["tc", "-n", topo.server.name, "qdisc", "add", "dev", "eth0", "clsact"], check=True)
    subprocess.run(["tc", "-n", topo.server.name, "filter", "add", "dev", "eth0", "ingress", "prio", "5",
                    "u32", "match", "u32", "0", "0", "action", "ok"], check=False)
    before = (tc_state(ns, dev), tc_state(topo.server, "eth0"), bpffs_state())
    r = wf("attach", dev, "eth0", "--netns", ns.name, "--cgroup", cgroup.path, "--tc-mode", tc_mode)
    assert r.returncode == 1 and "no interface eth0" in r.stderr  # eth0 is in the other namespace
    assert "attached to %s in %s" % (dev, ns.name) in r.stderr
    r = wf("attach", "eth0", "--netns", topo.server.name, "--cgroup", cgroup.path, "--tc-mode", tc_mode)
    assert r.returncode == 0, r.stderr
    # Idempotent, and says so.
    r = wf("attach", dev, "--netns", ns.name)
    assert r.returncode == 0 and "already attached" in r.stderr
    st = json.loads(wf("status", "--json").stdout)
    got = {(a["netns"], a["interface"]): a for a in st["attachments"]}
    assert set(got) == {(ns.name, dev), (topo.server.name, "eth0")}
    assert all(a["ingress"] and a["egress"] and a["mode"] == "tc" for a in got.values())
    assert {a["tc_hook"] for a in got.values()} == {"tcx" if tcx else "clsact"}
    if tcx:  # links, pinned: no qdisc, no filter; the kernel lists the links
        assert not any(a["qdisc_created"] for a in got.values())
        assert h.tcx_classifiers() == ["wf_tc_egress"] * 2 + ["wf_tc_ingress"] * 2
        assert "wf_tc_ingress" not in tc_state(ns, dev)[1]
    else:
        assert got[(ns.name, dev)]["qdisc_created"] and not got[(topo.server.name, "eth0")]["qdisc_created"]
        assert "wf_tc_ingress" in tc_state(ns, dev)[1]
        assert h.tcx_classifiers() == []
    assert st["programs"]["tc_ingress"] > 0 and "flows" in st["pinned_maps"]
    text = wf("status").stdout
    assert dev in text and "attached" in text
    r = wf("detach", "nosuch", "--netns", ns.name)
    assert r.returncode == 3 and "nosuch is not attached" in r.stderr
    r = wf("detach", dev, "--netns", ns.name)
    assert r.returncode == 0, r.stderr
    assert [a["interface"] for a in json.loads(wf("status", "--json").stdout)["attachments"]] == ["eth0"]
    r = wf("detach", "--all")
    assert r.returncode == 0 and "unpinned" in r.stderr
    after = (tc_state(ns, dev), tc_state(topo.server, "eth0"), bpffs_state())
    assert after == before
    assert h.tcx_classifiers() == []
    assert json.loads(wf("status", "--json").stdout)["attachments"] == []
    r = wf("detach", dev, "--netns", ns.name)
    assert r.returncode == 3 and "nothing is attached" in r.stderr


def test_nonexistent_interface_leaves_nothing(netns, cgroup, pins):
    before = bpffs_state()
    r = wf("attach", "nosuch0", "--netns", netns.name, "--cgroup", cgroup.path)
    assert r.returncode == 1 and "no interface nosuch0" in r.stderr
    assert bpffs_state() == before


def send_queries(server, ids, stop_at):
    """One query per id, paced, each on its own socket; the answers are not needed."""
    import dns.message
    for qid in ids:
        q = dns.message.make_query("www.test.example", "A")
        q.id = qid
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(q.to_wire(), (server, 53))
        s.close()
        time.sleep(0.02)
        if time.monotonic() > stop_at:
            break


def test_restart_loses_no_dns_event(topo, cgroup, dnsmasq, pins):  # noqa: F811
    """SIGKILL the agent under steady DNS traffic and start another: every query is reported, at least
    once (a record printed but not yet released when SIGKILL lands is read again by the next agent);
    a double carries the event.id of its first copy, so a consumer can drop it."""
    r = wf("attach", topo.veth, "--netns", topo.host.name, "--cgroup", cgroup.path)
    assert r.returncode == 0, r.stderr
    first = h.Agent(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
    assert "pinned by whoflow attach" in first.stderr[-1]
    ids = random.sample(range(1, 65535), 150)
    sender = threading.Thread(target=lambda: subprocess.run(
        topo.in_ns(topo.host, ["/usr/bin/python3", "-c",
                               "import sys; sys.path.insert(0, %r); import test_pinned as t; "
                               "t.send_queries(%r, %r, __import__('time').monotonic() + 60)"
                               % (os.path.dirname(__file__), topo.SERVER4, ids)]), check=True))
    sender.start()
    first.wait_for(lambda e: get(e, "dns.type") == "query", timeout=40)
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(10)
    h.wait_until(lambda: True, 0.5)  # queries keep coming while no agent runs
    second = h.Agent(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
    sender.join(90)
    last = ids[-1]
    # Slow machines: the last query may take a while to come round (bounded).
    second.wait_for(lambda e: get(e, "dns.type") == "query" and get(e, "dns.id") == str(last), timeout=60)
    second.stop()
    # Everything the first agent printed before SIGKILL landed (events come in batches: more
    # than the one awaited may have been printed).
    first._out.join(10)
    first.drain()
    first.proc.stdout.close()
    got = {}
    for a in (first, second):
        for e in a.events:
            if get(e, "dns.type") == "query":
                got.setdefault(int(get(e, "dns.id")), []).append(get(e, "event.id"))
    assert set(got) == set(ids), "lost %s" % sorted(set(ids) - set(got))
    # Exactly-once after dropping doubles by event.id: each query's copies share one id, and no two
    # queries share an id.
    assert all(len(set(v)) == 1 for v in got.values()), {k: v for k, v in got.items() if len(set(v)) > 1}
    assert len({v[0] for v in got.values()}) == len(ids)


def test_pins_of_another_version_are_refused_with_what_to_do(topo, cgroup, pins):
    """A map pinned by an older whoflow with another layout (here iface_cache as it was before its
    entries took a cache line each: 16 entries of 24 bytes): the agent refuses it before loading,
    names the map, both layouts and what to do, instead of ending in the verifier's refusal."""
    r = wf("attach", topo.veth, "--netns", topo.host.name, "--cgroup", cgroup.path)
    assert r.returncode == 0, r.stderr
    pin = os.path.join(bpffs_mount(), "whoflow", "maps", "iface_cache")
    assert os.path.exists(pin)
    os.unlink(pin)
    subprocess.run(["bpftool", "map", "create", pin, "type", "percpu_array", "key", "4", "value",
                    "384", "entries", "1", "name", "iface_cache"], check=True)
    r = wf("--cgroup", cgroup.path, ns=topo.host)
    assert r.returncode == 1, r.stderr
    assert "pinned map %s does not fit this whoflow" % pin in r.stderr, r.stderr
    assert "value 384; this version needs" in r.stderr and "whoflow detach --all" in r.stderr
    assert "verifier" not in r.stderr


def test_interface_deleted_while_attached(topo, cgroup, pins):
    extra = "wfx" + topo.veth[3:]
    subprocess.run(["ip", "-n", topo.host.name, "link", "add", extra, "type", "veth", "peer", "name",
                    extra + "p"], check=True)
    r = wf("attach", extra, topo.veth, "--netns", topo.host.name, "--cgroup", cgroup.path)
    assert r.returncode == 0, r.stderr
    a = h.Agent(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
    subprocess.run(["ip", "-n", topo.host.name, "link", "del", extra], check=True)
    st = {x["interface"]: x for x in json.loads(wf("status", "--json").stdout)["attachments"]}
    assert not st[extra]["ingress"] and st[topo.veth]["ingress"]
    assert "MISSING" in wf("status").stdout
    rc, _ = a.stop()
    assert rc == 0
    r = wf("detach", extra, "--netns", topo.host.name)
    assert r.returncode == 0, r.stderr
    assert [x["interface"] for x in json.loads(wf("status", "--json").stdout)["attachments"]] == [topo.veth]


FOREIGN_XDP = os.path.join(h.ROOT, "build", "tests", "xdp_pass.bpf.o")


def xdp_prog_name(ns, dev):
    out = subprocess.run(["ip", "-n", ns.name, "-d", "link", "show", dev], capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        if "prog/xdp" in line:
            return line.split(" name ")[1].split()[0]
    return None


def test_xdp_ingress_counts_once_and_keeps_tcp_payload(topo, cgroup, dnsmasq, pins):  # noqa: F811
    """--xdp: XDP takes ingress (flows, owner, DNS), TC keeps egress and TCP payload (HTTP here)."""
    r = wf("attach", topo.veth, "--xdp", "--netns", topo.host.name, "--cgroup", cgroup.path)
    assert r.returncode == 0, r.stderr
    assert "xdp (native) + tc" in r.stderr and xdp_prog_name(topo.host, topo.veth) == "wf_xdp_ingress"
    st = json.loads(wf("status", "--json").stdout)["attachments"][0]
    assert st["mode"] == "xdp+tc" and st["xdp"] and st["ingress"] and st["egress"]
    a = h.Agent(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
    out = subprocess.run(topo.in_ns(topo.host, ["dig", "@" + topo.SERVER4, "www.test.example", "A", "+short",
                                                "+tries=1", "+time=5"]), capture_output=True, text=True)
    assert out.stdout.strip() == "198.18.0.10"
    # A request that arrives: its payload is the TC ingress classifier's work in XDP mode.
    srv = subprocess.Popen(topo.in_ns(topo.host, ["/usr/bin/python3", "-c",
                           "import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);"
                           "s.bind(('0.0.0.0', 8082)); s.listen(); print('up', flush=True); c, _ = s.accept();"
                           "c.settimeout(10); c.recv(1000); c.sendall(b'HTTP/1.0 200 OK\\r\\n\\r\\n'); c.close()"]),
                           stdout=subprocess.PIPE, text=True)
    try:
        assert srv.stdout.readline().strip() == "up"
        subprocess.run(topo.in_ns(topo.server, ["curl", "-s", "-m", "10", "http://%s:8082/xdp" % topo.HOST4]),
                       capture_output=True)
        ans = a.wait_for(lambda e: get(e, "dns.type") == "answer")
        req = a.wait_for(lambda e: get(e, "url.path") == "/xdp")
    finally:
        srv.kill()
        srv.wait(10)
    a.stop()
    assert get(ans, "network.direction") == "ingress" and get(ans, "dns.resolved_ip") == ["198.18.0.10"]
    assert get(ans, "observer.ingress.interface.name") == topo.veth
    assert get(req, "network.direction") == "ingress" and get(req, "http.request.method") == "GET"
    udp = [e for e in a.events if get(e, "event.dataset") == "whoflow.flow" and get(e, "destination.port") == 53]
    # One query out, one answer in: counted once each, though two programs see the answer.
    assert len(udp) == 1 and get(udp[0], "source.packets") == 1 and get(udp[0], "destination.packets") == 1
    r = wf("detach", topo.veth, "--netns", topo.host.name)
    assert r.returncode == 0 and xdp_prog_name(topo.host, topo.veth) is None


def test_xdp_never_displaces_a_foreign_program(topo, cgroup, pins):
    subprocess.run(["ip", "-n", topo.host.name, "link", "set", "dev", topo.veth, "xdp", "obj", FOREIGN_XDP,
                    "sec", "xdp"], check=True)
    try:
        before = tc_state(topo.host, topo.veth)
        r = wf("attach", topo.veth, "--xdp", "--netns", topo.host.name, "--cgroup", cgroup.path)
        assert r.returncode == 1
        assert "did not load" in r.stderr and "TC mode" in r.stderr
        assert xdp_prog_name(topo.host, topo.veth) == "foreign_pass"
        assert tc_state(topo.host, topo.veth) == before
        assert json.loads(wf("status", "--json").stdout)["attachments"] == []
    finally:
        subprocess.run(["ip", "-n", topo.host.name, "link", "set", "dev", topo.veth, "xdp", "off"], check=False)


def test_xdp_coexists_through_the_dispatcher(topo, cgroup, pins):
    r = wf("attach", topo.veth, "--xdp", "--netns", topo.host.name, "--cgroup", cgroup.path, "-v")
    assert r.returncode == 0, r.stderr
    if xdp_prog_name(topo.host, topo.veth) != "xdp_dispatcher":
        reason = [l for l in r.stderr.splitlines() if "dispatcher" in l]
        pytest.skip("libxdp's dispatcher is unavailable here, so XDP programs cannot share an "
                    "interface: %s" % (reason[-1] if reason else "single-program mode"))
    r = subprocess.run(["nsenter", "--net=" + topo.host.path, "xdp-loader", "load", topo.veth, FOREIGN_XDP],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    status = subprocess.run(["nsenter", "--net=" + topo.host.path, "xdp-loader", "status", topo.veth],
                            capture_output=True, text=True).stdout
    assert "wf_xdp_ingress" in status and "foreign_pass" in status
    assert json.loads(wf("status", "--json").stdout)["attachments"][0]["xdp"]


PACED = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 40606))
for i in range(int(sys.argv[3])):
    s.sendto(b"p" * 40, (sys.argv[2], 9))
    time.sleep(0.05)
"""


def test_long_flow_periods_go_on_across_a_restart(topo, cgroup, pins):
    """A long flow reported in periods; the agent is killed after one and another takes over the
    pins: the second goes on from where the first left (what a period counted is kept with the
    pins, not in the agent), so the records of both add up to what was sent, none twice."""
    r = wf("attach", topo.veth, "--netns", topo.host.name, "--cgroup", cgroup.path)
    assert r.returncode == 0, r.stderr
    args = ["--cgroup", cgroup.path, "--flow-timeouts", "30,1"]
    first = h.Agent(args, netns=topo.host).wait_ready()
    sent = 80
    sender = subprocess.Popen(topo.in_ns(topo.host, ["/usr/bin/python3", "-c", PACED, topo.HOST4, topo.SERVER4,
                                                     str(sent)]))
    try:
        first.wait_for(lambda e: get(e, "event.action") == "flow" and get(e, "source.port") == 40606, timeout=20)
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(10)
        second = h.Agent(args, netns=topo.host).wait_ready()
        assert sender.wait(60) == 0
    finally:
        sender.kill()
        sender.wait(10)
    first._out.join(10)
    first.drain()
    first.proc.stdout.close()

    def periods():
        return [e for a in (first, second) for e in a.events
                if get(e, "event.action") == "flow" and get(e, "source.port") == 40606]
    # The flow stays in the pins after the sender is done: the next period carries its last packets.
    second.wait_for(lambda e: sum(get(p, "source.packets") for p in periods()) >= sent, timeout=20)
    assert second.stop()[0] == 0
    periods = periods()
    # Pinned flows outlive an agent's stop: the last period stays for the next agent.
    assert all(any(get(e, "source.port") == 40606 and get(e, "event.action") == "flow" for e in a.events)
               for a in (first, second))
    assert sum(get(e, "source.packets") for e in periods) == sent
    assert len({get(e, "whoflow.flow.id") for e in periods}) == 1
    assert len({get(e, "event.id") for e in periods}) == len(periods)
