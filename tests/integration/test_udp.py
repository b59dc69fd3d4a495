# SPDX-License-Identifier: GPL-2.0-only
"""--udp (#18): each event as one JSON datagram to each target, as kflowd exports: a listener in
the agent's namespace receives exactly the events the agent printed; an event larger than
--udp-max-size comes cut, in a wrapper that says so, never fragmented; a target that refuses is
counted, and the agent goes on."""
import json
import socket
import subprocess
import threading

import whoflow_harness as h
from whoflow_harness import get

LISTENER = r"""
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind((sys.argv[1], int(sys.argv[2])))
print("ready", flush=True)
s.settimeout(30)
while True:
    data = s.recv(70000)
    sys.stdout.write(str(len(data)) + " " + data.decode() + "\n")
    sys.stdout.flush()
"""


class Listener:
    def __init__(self, netns, addr, port):
        self.p = subprocess.Popen(["nsenter", "--net=" + netns.path, "/usr/bin/python3", "-c", LISTENER, addr,
                                   str(port)], stdout=subprocess.PIPE, text=True)
        assert self.p.stdout.readline().strip() == "ready"
        self.got = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            size, data = line.rstrip("\n").split(" ", 1)
            self.got.append((int(size), json.loads(data)))

    def stop(self):
        self.p.kill()
        self.p.wait(10)


def test_every_event_as_one_datagram(agents, netns, cgroup):
    l4, l6 = Listener(netns, "127.0.0.1", 9514), Listener(netns, "::1", 9515)
    try:
        a = agents(["--cgroup", cgroup.path, "-i", "lo", "--udp", "127.0.0.1:9514,[::1]:9515"], netns=netns)
        a.wait_ready()
        p = cgroup.spawn(["nsenter", "--net=" + netns.path, "/bin/echo", "x" * 3000], stdout=subprocess.DEVNULL)
        p.wait(10)
        a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == p.pid)
        rc, summary = a.stop()
        assert rc == 0 and h.parse_summary(summary)["sink_lost"] == 0
        printed = [get(e, "event.id") for e in a.events]
        h.wait_until(lambda: len(l4.got) >= len(printed) and len(l6.got) >= len(printed), 10, "the datagrams")
        for l in (l4, l6):
            assert [get(ev, "event.id") for _, ev in l.got] == printed
            assert [ev for _, ev in l.got] == a.events  # whole: loopback's path takes them
    finally:
        l4.stop()
        l6.stop()


def test_large_events_come_cut_and_say_so(agents, netns, cgroup):
    l = Listener(netns, "127.0.0.1", 9516)
    try:
        a = agents(["--cgroup", cgroup.path, "-i", "lo", "--udp", "127.0.0.1:9516", "--udp-max-size", "1200"],
                   netns=netns).wait_ready()
        p = cgroup.spawn(["nsenter", "--net=" + netns.path, "/bin/echo", "y" * 5000], stdout=subprocess.DEVNULL)
        p.wait(10)
        ev = a.wait_for(lambda e: get(e, "event.action") == "exec" and get(e, "process.pid") == p.pid)
        assert a.stop()[0] == 0
        h.wait_until(lambda: any(get(d, "event.id") == get(ev, "event.id") for _, d in l.got), 10, "the datagram")
        size, d = [x for x in l.got if get(x[1], "event.id") == get(ev, "event.id")][0]
        full = json.dumps(ev, separators=(",", ":"))
        assert size <= 1200
        assert get(d, "whoflow.truncated") is True and get(d, "whoflow.size") >= len(full) - 100
        assert ev["@timestamp"] in d["json"] and full.startswith(d["json"][:50])
        assert all(s <= 1200 for s, _ in l.got)
    finally:
        l.stop()


def test_refusing_target_is_counted(agents, netns, cgroup):
    # Nothing listens on 127.0.0.1:9 in this namespace: the kernel answers port unreachable.
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--udp", "127.0.0.1:9"], netns=netns).wait_ready()
    for _ in range(3):
        p = cgroup.spawn(["nsenter", "--net=" + netns.path, "/bin/true"])
        p.wait(10)
        a.wait_for(lambda e, p=p: get(e, "event.action") == "exit" and get(e, "process.pid") == p.pid)
    rc, last = a.stop()
    assert rc == 0
    summary = [l for l in a.stderr if l.startswith("whoflow: summary: events")][-1]
    lost = h.parse_summary(summary)["sink_lost"]
    assert lost >= 1
    assert last == "whoflow: summary: not written by sinks: udp 127.0.0.1:9 %d" % lost
    assert any("--udp 127.0.0.1:9 refuses events (Connection refused)" in l for l in a.stderr)


def test_bad_udp_targets(tmp_path):
    for bad, why in (("nohost", "bad --udp 'nohost'"), ("127.0.0.1:99999", "bad --udp '127.0.0.1:99999'")):
        r = subprocess.run([h.WHOFLOW, "--udp", bad], capture_output=True, text=True, timeout=10)
        assert r.returncode == 2 and why in r.stderr, (bad, r.stderr)
    r = subprocess.run([h.WHOFLOW, "--udp-max-size", "10"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "bad --udp-max-size '10'" in r.stderr
