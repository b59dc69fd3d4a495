# SPDX-License-Identifier: GPL-2.0-only
"""-r: a capture replayed through the classifier gives the events the live run gave."""
import datetime
import json
import signal
import subprocess
import time

import pytest

import whoflow_harness as h
from whoflow_harness import get
from test_dns_flow import dig, dnsmasq  # noqa: F401  (fixture)
from test_tls import PORT, SNI, cert, s_server  # noqa: F401  (fixture)


def tcpdump(topo, path):
    p = subprocess.Popen(topo.in_ns(topo.host, ["tcpdump", "-i", topo.veth, "--immediate-mode", "-U", "-w", path,
                                                "ip", "or", "ip6"]), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for line in p.stderr:
        if b"listening on" in line:
            break
    return p


def dns_key(e):
    return (get(e, "dns.id"), get(e, "dns.type"), get(e, "dns.question.name"), get(e, "dns.question.type"),
            get(e, "dns.response_code"), json.dumps(get(e, "dns.answers")), get(e, "source.ip"),
            get(e, "source.port"), get(e, "network.transport"))


def tls_key(e):
    return (get(e, "tls.client.server_name"), get(e, "tls.client.ja3"), get(e, "tls.client.ja4"),
            get(e, "tls.client.ja4_r"), get(e, "tls.version"), get(e, "tls.cipher"), get(e, "source.port"))


def flow_key(e):
    return (get(e, "source.ip"), get(e, "source.port"), get(e, "destination.ip"), get(e, "destination.port"),
            get(e, "source.packets"), get(e, "destination.packets"), get(e, "source.bytes"),
            get(e, "destination.bytes"), get(e, "network.community_id"))


def test_replay_matches_live(agents, topo, cgroup, dnsmasq, cert, tmp_path):  # noqa: F811
    pcap = str(tmp_path / "live.pcapng")
    cap = tcpdump(topo, pcap)
    try:
        live = agents(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
        dig(topo, topo.SERVER4, "www.test.example", "A")
        dig(topo, topo.SERVER6, "alias.test.example", "A")
        dig(topo, topo.SERVER4, "test.example", "MX", "+tcp")
        srv = s_server(topo, cert)
        subprocess.run(topo.in_ns(topo.host, ["openssl", "s_client", "-connect", "%s:%d" % (topo.SERVER4, PORT),
                                              "-servername", SNI, "-alpn", "h2"]),
                       input=b"", capture_output=True, timeout=20)
        srv.kill()
        srv.wait(10)
        live.wait_for(lambda e: get(e, "event.action") == "tls-client-hello")
        live.stop()
    finally:
        cap.send_signal(signal.SIGINT)
        cap.wait(10)
    replay_started = time.time()
    r = subprocess.run([h.WHOFLOW, "-r", pcap, "--json"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("whoflow: summary: read ")
    offline = [json.loads(l) for l in r.stdout.splitlines()]
    pick = lambda evs, ds: [e for e in evs if get(e, "event.dataset") == ds]  # noqa: E731
    assert sorted(map(dns_key, pick(offline, "whoflow.dns"))) == sorted(map(dns_key, pick(live.events, "whoflow.dns")))
    assert len(pick(offline, "whoflow.dns")) == 6
    # A capture file has no sockets: offline events name no process and claim no attribution.
    assert not [e for e in offline if "process" in e or "attribution" in e.get("whoflow", {})]
    assert [e for e in live.events if get(e, "whoflow.attribution")]
    assert list(map(tls_key, pick(offline, "whoflow.tls"))) == list(map(tls_key, pick(live.events, "whoflow.tls")))
    tcp = lambda evs: sorted(flow_key(e) for e in pick(evs, "whoflow.flow") if get(e, "network.transport") == "tcp")  # noqa: E731
    assert tcp(offline) == tcp(live.events) and len(tcp(offline)) == 2
    # Capture time, not replay time: each message is stamped when it crossed the wire.
    def when(e):
        return datetime.datetime.strptime(get(e, "@timestamp")[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    live_dns = {dns_key(e): when(e) for e in pick(live.events, "whoflow.dns")}
    for e in pick(offline, "whoflow.dns"):
        assert abs(when(e) - live_dns[dns_key(e)]) < 1.0
    assert max(when(e) for e in offline) < replay_started


def test_replay_bad_files(tmp_path):
    r = subprocess.run([h.WHOFLOW, "-r", str(tmp_path / "missing.pcap")], capture_output=True, text=True)
    assert r.returncode == 1 and "cannot read" in r.stderr
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"not a capture at all")
    r = subprocess.run([h.WHOFLOW, "-r", str(junk)], capture_output=True, text=True)
    assert r.returncode == 1 and "cannot read" in r.stderr
