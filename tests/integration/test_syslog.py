# SPDX-License-Identifier: GPL-2.0-only
"""--syslog: every event reaches a real rsyslog (Debian's) over a unix socket, UDP and TCP, as an
RFC 5424 message with the JSON object as MSG; TCP queues while the receiver is away."""
import json
import os
import re
import socket
import subprocess

import pytest

import whoflow_harness as h
from whoflow_harness import get
from test_logs import blast

CONF = """
global(workDirectory="{work}" maxMessageSize="65536")
module(load="imudp")
module(load="imtcp")
module(load="imuxsock" SysSock.Use="off")
template(name="t" type="string"
         string="%inputname%|%syslogfacility-text%|%syslogseverity-text%|%app-name%|%msgid%|%structured-data%|%msg%\\n")
ruleset(name="out") {{ action(type="omfile" file="{out}" template="t") }}
input(type="imudp" address="127.0.0.1" port="{port}" ruleset="out" rcvbufSize="8m")
input(type="imtcp" address="127.0.0.1" port="{port}" ruleset="out")
input(type="imuxsock" socket="{sock}" ruleset="out" useSpecialParser="off" parseHostname="on")
"""


class Rsyslog:
    """rsyslogd in the test's namespace: UDP and TCP on 127.0.0.1:port, a unix socket of its own."""

    def __init__(self, netns, tmp_path, port, name="rsyslog"):
        self.netns, self.port = netns, port
        self.work = tmp_path / name
        self.work.mkdir(exist_ok=True)
        self.out, self.sock = self.work / "out.log", self.work / "log.sock"
        conf = self.work / "rsyslog.conf"
        conf.write_text(CONF.format(work=self.work, out=self.out, port=port, sock=self.sock))
        self.p = subprocess.Popen(["nsenter", "--net=" + netns.path, "rsyslogd", "-n", "-f", str(conf),
                                   "-i", str(self.work / "pid")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        h.wait_until(self._listening, 30, "rsyslogd listening")

    def _listening(self):
        assert self.p.poll() is None, self.p.stdout.read()
        r = subprocess.run(["nsenter", "--net=" + self.netns.path, "ss", "-Hlnut", "sport", "=", str(self.port)],
                           capture_output=True, text=True)
        return r.stdout.count("127.0.0.1:%d" % self.port) == 2 and self.sock.exists()

    def messages(self):
        """(input, facility, severity, app, msgid, sd, msg as JSON) of every message received."""
        if not self.out.exists():
            return []
        out = []
        with open(self.out) as f:
            for line in f.read().splitlines():
                fields = line.split("|", 6)
                out.append(fields[:6] + [json.loads(fields[6])])
        return out

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
        self.p.wait(30)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def msgid(ev):
    """The MSGID whoflow gives an event: its type."""
    if get(ev, "dns.type"):
        return "dns"
    return {"tls-client-hello": "tls", "http-request": "http"}.get(get(ev, "event.action"),
                                                                 get(ev, "event.action"))


def exercise(a, cgroup, netns, n_dns):
    """Some processes and n_dns more DNS queries; returns once the agent printed them all."""
    before = sum(get(e, "dns.type") == "query" for e in a.events)
    p = cgroup.spawn(["nsenter", "--net=" + netns.path, "sh", "-c", "true; true"])
    p.wait(10)
    a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == p.pid)
    blast(cgroup, netns, n_dns)
    h.wait_until(lambda: sum(get(e, "dns.type") == "query" for e in a.drain()) >= before + n_dns, 60,
                 "%d DNS events" % n_dns)


@pytest.mark.parametrize("kind", ["unix", "udp", "tcp"])
def test_every_event_reaches_rsyslog(agents, netns, cgroup, tmp_path, kind):
    port = free_port()
    rs = Rsyslog(netns, tmp_path, port)
    try:
        target = {"unix": "unix:%s" % rs.sock, "udp": "udp://127.0.0.1:%d" % port,
                  "tcp": "tcp://127.0.0.1:%d" % port}[kind]
        a = agents(["--cgroup", cgroup.path, "-i", "lo", "--syslog", target, "--syslog-facility", "local3",
                    "--syslog-severity", "notice"], netns=netns).wait_ready()
        exercise(a, cgroup, netns, 200)
        assert a.stop()[0] == 0
        summary = next(line for line in a.stderr if "sink_lost=" in line)
        assert "sink_lost=0" in summary
        want = {get(e, "event.id"): e for e in a.events}
        h.wait_until(lambda: len(rs.messages()) >= len(want), 30, "%d messages at rsyslog" % len(want))
        got = rs.messages()
    finally:
        rs.stop()
    assert len(got) == len(want)
    inputs = {"unix": "imuxsock", "udp": "imudp", "tcp": "imtcp"}
    for inp, fac, sev, app, mid, sd, msg in got:
        ev = want[get(msg, "event.id")]
        assert msg == ev  # the same object as on stdout
        assert (inp, fac, sev, app) == (inputs[kind], "local3", "notice", "whoflow")
        assert sd == '[whoflow@32473 event_id="%s"]' % get(ev, "event.id")
        assert mid == msgid(ev), (mid, ev)
    assert {m[4] for m in got} >= {"exec", "exit", "dns", "flow"}


def test_tcp_queues_until_the_receiver_comes(agents, netns, cgroup, tmp_path):
    """No receiver at first: the agent says so and queues (4 MiB at most; beyond, messages are
    counted as lost); once rsyslog listens, the queue goes out in order. Received plus counted
    lost is every event."""
    port = free_port()
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "-B", "65536", "--syslog", "tcp://127.0.0.1:%d" % port],
               netns=netns).wait_ready()
    exercise(a, cgroup, netns, 6000)
    h.wait_until(lambda: any("syslog: cannot connect to tcp://127.0.0.1:%d: Connection refused" % port in line
                             for line in a.stderr), 30, "the connect warning")
    h.wait_until(lambda: any("events not written so far (syslog " in line for line in a.stderr), 30,
                 "the queue to overflow, counted")
    rs = Rsyslog(netns, tmp_path, port)
    try:
        h.wait_until(lambda: any("syslog: sending to tcp://127.0.0.1:%d again" % port in line
                                 for line in a.stderr), 30, "the reconnection")
        exercise(a, cgroup, netns, 100)  # and what comes after
        assert a.stop()[0] == 0
        lost = int(re.search(r"sink_lost=(\d+)", next(
            line for line in a.stderr if "sink_lost=" in line)).group(1))
        total = len(a.events)
        h.wait_until(lambda: len(rs.messages()) >= total - lost, 30, "%d messages" % (total - lost))
        got = rs.messages()
    finally:
        rs.stop()
    assert 0 < lost < total
    ids_all = [get(m[6], "event.id") for m in got]
    assert len(ids_all) == len(set(ids_all)), "doubles"
    assert set(ids_all) <= {get(e, "event.id") for e in a.events}
    assert len(got) + lost == total, (len(got), lost, total, a.stderr[-6:])
    ids = [get(m[6], "event.id") for m in got]
    order = {get(e, "event.id"): i for i, e in enumerate(a.events)}
    assert [order[i] for i in ids] == sorted(order[i] for i in ids)  # in the order they happened
    # the events after the reconnection all came
    assert ids[-1] == get(a.events[-1], "event.id")


def test_bad_syslog_target_is_a_usage_error():
    for args, needle in ((["--syslog", "tcp://nohost"], "expected HOST:PORT"),
                         (["--syslog", "tcp://127.0.0.1:0"], "port 1-65535"),
                         (["--syslog", "http://x:1"], "expected unix, unix:PATH"),
                         (["--syslog-facility", "local9"], "bad --syslog-facility"),
                         (["--syslog-severity", "loud"], "bad --syslog-severity")):
        r = subprocess.run([h.WHOFLOW] + args, capture_output=True, text=True, timeout=10)
        assert r.returncode == 2 and needle in r.stderr, (args, r.stderr)
