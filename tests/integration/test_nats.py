# SPDX-License-Identifier: GPL-2.0-only
"""--nats (#18): every event to NATS JetStream, checked against a real nats-server -js started here
and read back through JetStream's own API (a minimal NATS client below, over the wire protocol):
each printed event is one message on whoflow.<type> with its event.id as Nats-Msg-Id and the
printed JSON as data; a capture replayed twice leaves each event once (the stream's duplicate
window, fed the ids); an agent killed under load and restarted leaves no double; credentials
(user/password, token file) and TLS with a CA file; a stop publishes what is held before exit."""
import base64
import json
import os
import signal
import socket
import subprocess
import time

import pytest

import whoflow_harness as h
from whoflow_harness import get


class NatsClient:
    """Just enough of the NATS protocol to ask JetStream's API (request, reply)."""

    def __init__(self, port, user=None, password=None, token=None, jwt=None, nkey=None):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        info = json.loads(self._line()[len(b"INFO "):])
        conn = {"verbose": False, "pedantic": False, "headers": True, "no_responders": True}
        if user:
            conn.update(user=user, **{"pass": password})
        if token:
            conn["auth_token"] = token
        if jwt:  # decentralized auth: the user's JWT, and the server's nonce signed with its key
            conn["jwt"] = jwt
            conn["sig"] = base64.urlsafe_b64encode(nkey.sign(info["nonce"].encode())).decode().rstrip("=")
        self.s.sendall(b"CONNECT " + json.dumps(conn).encode() + b"\r\nPING\r\n")
        while self._line() != b"PONG":
            pass
        self.n = 0

    def _line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            assert d, "NATS server closed the connection"
            self.buf += d
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _bytes(self, n):
        while len(self.buf) < n + 2:
            d = self.s.recv(65536)
            assert d
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n + 2:]
        return out

    def request(self, subject, payload):
        self.n += 1
        inbox = "_INBOX.t%d" % self.n
        data = json.dumps(payload).encode()
        self.s.sendall(b"SUB %s %d\r\nPUB %s %s %d\r\n%s\r\n" % (inbox.encode(), self.n, subject.encode(),
                                                                 inbox.encode(), len(data), data))
        while True:
            line = self._line()
            if line == b"PING":
                self.s.sendall(b"PONG\r\n")
            elif line.startswith(b"MSG "):
                return json.loads(self._bytes(int(line.split()[-1])))
            elif line.startswith(b"HMSG "):
                raw = self._bytes(int(line.split()[-1]))
                return json.loads(raw[int(line.split()[-2]):])
            elif line.startswith(b"-ERR"):
                raise AssertionError(line)

    def stream_messages(self, stream):
        """(subject, Nats-Msg-Id, JSON data) of every message, in order."""
        info = self.request("$JS.API.STREAM.INFO." + stream, {})
        state = info["state"]
        out = []
        for seq in range(state["first_seq"], state["last_seq"] + 1) if state["messages"] else []:
            m = self.request("$JS.API.STREAM.MSG.GET." + stream, {"seq": seq})["message"]
            hdrs = base64.b64decode(m.get("hdrs", "")).decode()
            mid = [l.split(":", 1)[1].strip() for l in hdrs.split("\r\n") if l.lower().startswith("nats-msg-id:")]
            out.append((m["subject"], mid[0] if mid else None, json.loads(base64.b64decode(m["data"]))))
        return out

    def close(self):
        self.s.close()


class NatsServer:
    def __init__(self, netns, tmp, port, conf=""):
        self.port, self.tmp, self.conf = port, tmp, conf
        path = os.path.join(str(tmp), "nats-%d.conf" % port)
        with open(path, "w") as f:
            f.write('listen: "127.0.0.1:%d"\njetstream { store_dir: "%s" }\n%s' % (port, str(tmp / ("js%d" % port)),
                                                                                conf))
        self.p = subprocess.Popen(["nsenter", "--net=" + netns.path, "nats-server", "-c", path],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in self.p.stderr:
            if "Server is ready" in line:
                break
        assert self.p.poll() is None

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            self.p.wait(15)


@pytest.fixture
def nats(netns, tmp_path):
    started = []

    def start(port, conf=""):
        s = NatsServer(netns, tmp_path, port, conf)
        started.append(s)
        return s
    yield start
    for s in started:
        s.stop()


def in_netns(netns, fn):
    """fn() run on the namespace's loopback: in a thread that has entered it."""
    import ctypes
    import threading
    out = {}

    def run():
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(netns.path, os.O_RDONLY)
        assert libc.setns(fd, 0x40000000) == 0  # CLONE_NEWNET, this thread only
        os.close(fd)
        out["r"] = fn()
    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    return out["r"]


def client_in(netns, port, stream="WHOFLOW", **kw):
    """Every message of the stream, read by a client of its own."""
    def read():
        c = NatsClient(port, **kw)
        try:
            return c.stream_messages(stream)
        finally:
            c.close()
    return in_netns(netns, read)


TYPES = {"whoflow.process": "process", "whoflow.flow": "flow", "whoflow.dns": "dns", "whoflow.tls": "tls",
         "whoflow.http": "http", "whoflow.alert": "alert"}


def traffic(cgroup, netns):
    code = ("import socket, threading\n"
            "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
            "t = threading.Thread(target=lambda: s.accept()[0].sendall(b'z' * 3000)); t.start()\n"
            "c = socket.create_connection(s.getsockname()); n = 0\n"
            "while n < 3000:\n"
            "    n += len(c.recv(4096))\n"
            "t.join()\n")
    p = cgroup.spawn(["nsenter", "--net=" + netns.path, "/usr/bin/python3", "-c", code])
    assert p.wait(30) == 0
    return p.pid


def test_each_event_once_with_its_id(agents, netns, cgroup, nats):
    srv = nats(4222)
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--nats", "nats://127.0.0.1:4222"], netns=netns).wait_ready()
    pid = traffic(cgroup, netns)
    a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == pid)
    rc, summary = a.stop()
    assert rc == 0 and h.parse_summary(summary)["sink_lost"] == 0
    msgs = client_in(netns, srv.port)
    printed = a.events
    assert [m[1] for m in msgs] == [get(e, "event.id") for e in printed]
    assert [m[2] for m in msgs] == printed
    assert [m[0] for m in msgs] == ["whoflow." + TYPES[get(e, "event.dataset")] for e in printed]
    assert {m[0] for m in msgs} >= {"whoflow.process", "whoflow.flow"}


def make_pcap(path):
    from scapy.all import DNS, DNSQR, DNSRR, IP, UDP, Ether, wrpcap
    pkts = []
    for i in range(20):
        q = Ether() / IP(src="10.1.0.2", dst="10.1.0.1") / UDP(sport=40000 + i, dport=53) / \
            DNS(id=i, rd=1, qd=DNSQR(qname="n%d.replay.example" % i))
        a = Ether() / IP(src="10.1.0.1", dst="10.1.0.2") / UDP(sport=53, dport=40000 + i) / \
            DNS(id=i, qr=1, qd=DNSQR(qname="n%d.replay.example" % i),
                an=DNSRR(rrname="n%d.replay.example" % i, rdata="192.0.2.%d" % (i + 1)))
        q.time, a.time = 1700000000 + i, 1700000000.01 + i
        pkts += [q, a]
    wrpcap(path, pkts)


def test_a_replay_published_twice_is_kept_once(netns, nats, tmp_path):
    srv = nats(4223)
    pcap = str(tmp_path / "dns.pcap")
    make_pcap(pcap)
    runs = []
    for _ in range(2):
        r = subprocess.run(["nsenter", "--net=" + netns.path, h.WHOFLOW, "-r", pcap, "--json", "-v", "--nats",
                            "nats://127.0.0.1:%d" % srv.port], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        runs.append(r)
    first = [json.loads(l) for l in runs[0].stdout.splitlines()]
    second = [json.loads(l) for l in runs[1].stdout.splitlines()]
    # the same events (flows come in the flow table's order, which differs run to run)
    assert len(first) >= 40 and sorted(get(e, "event.id") for e in first) == sorted(get(e, "event.id") for e in second)
    msgs = client_in(netns, srv.port)
    assert [m[1] for m in msgs] == [get(e, "event.id") for e in first]
    # the second run's were acknowledged as duplicates: none lost, all dropped by the stream
    assert "nats: %d events acknowledged by nats://127.0.0.1:%d (%d duplicates dropped by the stream, 0 published again), 0 lost" % (
        len(second), srv.port, len(second)) in runs[1].stderr


def test_killed_under_load_and_restarted_leaves_no_double(agents, netns, cgroup, nats):
    srv = nats(4224)
    args = ["--cgroup", cgroup.path, "-i", "lo", "--nats", "nats://127.0.0.1:4224"]
    a = agents(args, netns=netns).wait_ready()
    load = cgroup.spawn(["nsenter", "--net=" + netns.path, "/bin/sh", "-c",
                         "i=0; while [ $i -lt 1500 ]; do /bin/true; sleep 0.004; i=$((i+1)); done"])
    a.wait_for(lambda e: get(e, "event.action") == "exec" and get(e, "process.executable") == "/bin/true")
    h.wait_until(lambda: len(client_in(netns, srv.port)) >= 50, 20, "the first agent's events in the stream")
    before = {m[1] for m in client_in(netns, srv.port)}
    a.kill()  # SIGKILL, mid-load
    assert load.poll() is None
    b = agents(args, netns=netns).wait_ready()
    assert load.wait(120) == 0
    b.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == load.pid)
    assert b.stop()[0] == 0
    msgs = client_in(netns, srv.port)
    ids = [m[1] for m in msgs]
    assert len(ids) == len(set(ids)) and None not in ids
    assert set(get(e, "event.id") for e in b.events) <= set(ids)
    assert before <= set(ids) and len(ids) >= len(before) + len(b.events)  # the first agent's were kept too


def test_credentials_and_tls(agents, netns, cgroup, nats, tmp_path):
    # user and password (in the URL), then a token (in a file), then TLS checked against a CA file
    srv = nats(4225, 'authorization { user: "wf", password: "s3cret" }\n')
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--nats", "nats://wf:s3cret@127.0.0.1:4225"],
               netns=netns).wait_ready()
    assert not [l for l in a.stderr if "s3cret" in l]
    traffic(cgroup, netns)
    assert a.stop()[0] == 0
    assert len(client_in(netns, 4225, user="wf", password="s3cret")) == len(a.events)
    bad = subprocess.run(["nsenter", "--net=" + netns.path, h.WHOFLOW, "--cgroup", cgroup.path, "-i", "lo",
                          "--nats", "nats://wf:wrong@127.0.0.1:4225"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "cannot connect to NATS at nats://127.0.0.1:4225" in bad.stderr
    assert "wrong" not in bad.stderr

    token = tmp_path / "token"
    token.write_text("t0ken-abc\n")
    nats(4226, 'authorization { token: "t0ken-abc" }\n')
    b = agents(["--cgroup", cgroup.path, "-i", "lo", "--nats", "nats://127.0.0.1:4226", "--nats-token-file",
                str(token)], netns=netns).wait_ready()
    traffic(cgroup, netns)
    assert b.stop()[0] == 0
    assert len(client_in(netns, 4226, token="t0ken-abc")) == len(b.events)

    key, crt = str(tmp_path / "k.pem"), str(tmp_path / "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    nats(4227, 'tls { cert_file: "%s", key_file: "%s" }\n' % (crt, key))
    c = agents(["--cgroup", cgroup.path, "-i", "lo", "--nats", "tls://127.0.0.1:4227", "--nats-ca", crt],
               netns=netns).wait_ready()
    traffic(cgroup, netns)
    assert c.stop()[0] == 0
    assert h.parse_summary([l for l in c.stderr if l.startswith("whoflow: summary: events")][0])["sink_lost"] == 0
    # without the CA the server's certificate is refused
    d = subprocess.run(["nsenter", "--net=" + netns.path, h.WHOFLOW, "--cgroup", cgroup.path, "-i", "lo",
                        "--nats", "tls://127.0.0.1:4227"], capture_output=True, text=True, timeout=60)
    assert d.returncode == 1 and "cannot connect to NATS" in d.stderr


def test_a_server_that_goes_away_costs_counted_events(agents, netns, cgroup, nats):
    srv = nats(4228)
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--nats", "nats://127.0.0.1:4228", "--nats-drain-timeout",
                "2"], netns=netns).wait_ready()
    srv.stop()
    traffic(cgroup, netns)
    t0 = time.monotonic()
    rc, _ = a.stop()
    assert rc == 0 and time.monotonic() - t0 < 25
    s = h.parse_summary([l for l in a.stderr if l.startswith("whoflow: summary: events")][0])
    assert s["sink_lost"] == len(a.events) > 0
    assert any("not acknowledged within 2 s" in l for l in a.stderr)


def test_server_restarted_mid_run_loses_nothing(agents, netns, cgroup, nats):
    """A stream the test makes; the server killed and started again while events flow: the agent
    buffers, reconnects and publishes what it held (again where an answer was lost: the stream
    keeps one copy); two consumers read the same events, exactly those printed."""
    srv = nats(4229)

    def make_stream():
        c = NatsClient(4229)
        r = c.request("$JS.API.STREAM.CREATE.FLEET", {"name": "FLEET", "subjects": ["fleet.>"],
                                                       "storage": "file", "duplicate_window": 120000000000})
        c.close()
        return r
    assert "error" not in in_netns(netns, make_stream)
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--nats", "nats://127.0.0.1:4229", "--nats-subject", "fleet",
                "--nats-stream", "FLEET", "--nats-drain-timeout", "30"], netns=netns).wait_ready()
    load = cgroup.spawn(["nsenter", "--net=" + netns.path, "/bin/sh", "-c",
                         "i=0; while [ $i -lt 600 ]; do /bin/true; sleep 0.01; i=$((i+1)); done"])
    a.wait_for(lambda e: get(e, "process.executable") == "/bin/true")
    srv.p.kill()  # SIGKILL: no goodbye to the client
    srv.p.wait(10)
    h.wait_until(lambda: any("disconnected; events are buffered" in l for l in a.stderr), 20, "the disconnect")
    srv2 = NatsServer(netns, srv.tmp, 4229, srv.conf)
    try:
        h.wait_until(lambda: any("reconnected" in l for l in a.stderr), 30, "the reconnect")
        assert load.wait(120) == 0
        a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == load.pid)
        rc, summary = a.stop()
        assert rc == 0 and h.parse_summary(summary)["sink_lost"] == 0
        one, two = client_in(netns, 4229, "FLEET"), client_in(netns, 4229, "FLEET")
    finally:
        srv2.stop()
    printed = [get(e, "event.id") for e in a.events]
    assert one == two
    assert sorted(m[1] for m in one) == sorted(printed) and len(printed) > 1200
    assert all(m[0].startswith("fleet.") for m in one)


def test_creds_file(agents, netns, cgroup, nats, tmp_path):
    """--nats-creds: a user of an account (operator mode, as nsc sets it up) given by its .creds
    file; a user the account did not sign is refused."""
    import nats_jwt
    conf, user_jwt, user = nats_jwt.setup()
    nats(4230, conf)
    good = tmp_path / "user.creds"
    good.write_text(nats_jwt.creds(user_jwt, user))
    a = agents(["--cgroup", cgroup.path, "-i", "lo", "--nats", "nats://127.0.0.1:4230", "--nats-creds", str(good)],
               netns=netns).wait_ready()
    traffic(cgroup, netns)
    rc, summary = a.stop()
    assert rc == 0 and h.parse_summary(summary)["sink_lost"] == 0
    msgs = client_in(netns, 4230, jwt=user_jwt, nkey=user)
    assert [m[1] for m in msgs] == [get(e, "event.id") for e in a.events] and msgs
    _, other_jwt, other = nats_jwt.setup()  # signed by another operator's account
    bad = tmp_path / "other.creds"
    bad.write_text(nats_jwt.creds(other_jwt, other))
    r = subprocess.run(["nsenter", "--net=" + netns.path, h.WHOFLOW, "--cgroup", cgroup.path, "-i", "lo", "--nats",
                        "nats://127.0.0.1:4230", "--nats-creds", str(bad)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "cannot connect to NATS at nats://127.0.0.1:4230" in r.stderr
