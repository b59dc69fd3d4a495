# SPDX-License-Identifier: GPL-2.0-only
"""Packet path: DNS and flow events against what dig and the sockets really did."""
import os
import re
import signal
import socket
import subprocess
import threading

import pytest

import whoflow_harness as h
from whoflow_harness import get

ZONE = [
    "--host-record=www.test.example,198.18.0.10",
    "--host-record=v6.test.example,fd00:77::10",
    "--cname=alias.test.example,www.test.example",
    "--mx-host=test.example,mail.test.example,10",
    "--txt-record=test.example,v=spf1 -all",
    "--local=/test.example/",
] + ["--txt-record=big.test.example,%02d-%s" % (i, "t" * 200) for i in range(12)]


@pytest.fixture
def dnsmasq(topo):
    argv = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
            "--bind-interfaces", "--listen-address=%s" % topo.SERVER4, "--listen-address=%s" % topo.SERVER6,
            "--user=root", "--pid-file=", "--log-facility=-", "--local-ttl=300", "--edns-packet-max=4096"] + ZONE
    p = subprocess.Popen(topo.in_ns(topo.server, argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # dnsmasq prints "started" once it listens: wait for that, not for a time.
    for line in p.stderr:
        if b"started" in line:
            break
    threading.Thread(target=p.stderr.read, daemon=True).start()
    yield p
    p.terminate()
    p.wait(10)


def dig(topo, server, name, qtype, *extra, section="+answer"):
    """Runs dig in the host namespace; returns the records of one section as whoflow names them."""
    out = subprocess.run(topo.in_ns(topo.host, ["dig", "@" + server, name, qtype, "+noall", section,
                                                "+nocookie", "+tries=1", "+time=5"] + list(extra)),
                         capture_output=True, text=True, check=True).stdout
    answers = []
    for line in out.splitlines():
        fields = line.split(None, 4)
        if len(fields) == 5:
            name_, ttl, cls, rtype, data = fields
            answers.append({"name": name_.rstrip("."), "ttl": int(ttl), "class": cls, "type": rtype,
                            "data": " ".join(w.rstrip(".") if not w.startswith('"') else w for w in data.split(" "))})
    return answers


def start_agent(agents, topo, cgroup, *extra):
    return agents(["--cgroup", cgroup.path] + list(extra), netns=topo.host).wait_ready()


CASES = [
    ("www.test.example", "A", "NOERROR"),
    ("v6.test.example", "AAAA", "NOERROR"),
    ("alias.test.example", "A", "NOERROR"),
    ("test.example", "MX", "NOERROR"),
    ("test.example", "TXT", "NOERROR"),
    ("nothere.test.example", "A", "NXDOMAIN"),
]


@pytest.mark.parametrize("family", [4, 6])
def test_dns_matches_dig(agents, topo, cgroup, dnsmasq, family):
    server = topo.SERVER4 if family == 4 else topo.SERVER6
    a = start_agent(agents, topo, cgroup)
    assert "packet classifiers on 1 interface (%s)" % topo.veth in a.stderr[-1]
    for name, qtype, rcode in CASES:
        want = dig(topo, server, name, qtype)
        ans = a.wait_for(lambda e: get(e, "dns.type") == "answer" and get(e, "dns.question.name") == name
                         and get(e, "dns.question.type") == qtype)
        query = a.wait_for(lambda e: get(e, "dns.type") == "query" and get(e, "dns.id") == get(ans, "dns.id")
                           and get(e, "dns.question.name") == name)
        assert get(ans, "dns.response_code") == rcode
        got = [{k: r[k] for k in ("name", "ttl", "class", "type", "data")} for r in get(ans, "dns.answers")]
        assert got == want, (name, qtype)
        assert get(ans, "whoflow.dns.rtt_ns") > 0
        assert get(ans, "whoflow.flow.id") == get(query, "whoflow.flow.id")
        # Endpoints in each packet's own direction; one Community ID for both.
        assert get(query, "destination.ip") == server and get(query, "destination.port") == 53
        assert get(ans, "source.ip") == server and get(ans, "source.port") == 53
        assert get(query, "network.direction") == "egress" and get(ans, "network.direction") == "ingress"
        cid = h.community_id(get(query, "source.ip"), server, 17, get(query, "source.port"), 53)
        assert get(query, "network.community_id") == cid == get(ans, "network.community_id")
        assert get(ans, "observer.ingress.interface.name") == topo.veth
        authority = dig(topo, server, name, qtype, section="+authority")
        got_auth = [{k: r[k] for k in ("name", "ttl", "class", "type", "data")}
                    for r in get(ans, "whoflow.dns.authorities")]
        assert got_auth == authority
        if qtype in ("A", "AAAA"):
            assert get(ans, "dns.resolved_ip") == [r["data"] for r in want if r["type"] == qtype]
    rc, summary = a.stop()
    assert rc == 0
    counts = h.parse_summary(summary)
    assert counts["dns"] == 4 * len(CASES)  # two dig runs per case, query + answer each
    assert counts["pkt_ringbuf_full"] == 0


def test_dns_other_port_only_when_configured(agents, topo, cgroup):
    """--dns-ports: DNS on 5353 is decoded only when asked for."""
    argv = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--port=5353",
            "--bind-interfaces", "--listen-address=%s" % topo.SERVER4, "--user=root", "--pid-file=",
            "--log-facility=-"] + ZONE
    d = subprocess.Popen(topo.in_ns(topo.server, argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for line in d.stderr:
            if b"started" in line:
                break
        a = start_agent(agents, topo, cgroup, "--dns-ports", "53,5353")
        dig(topo, topo.SERVER4, "www.test.example", "A", "-p", "5353")
        ev = a.wait_for(lambda e: get(e, "dns.type") == "answer")
        assert get(ev, "source.port") == 5353
        assert get(ev, "dns.answers")[0]["data"] == "198.18.0.10"
        a.stop()
        b = start_agent(agents, topo, cgroup)
        dig(topo, topo.SERVER4, "www.test.example", "A", "-p", "5353")
        rc, summary = b.stop()
        assert h.parse_summary(summary)["dns"] == 0
    finally:
        d.terminate()
        d.wait(10)


def tcp_exchange(topo, payload_size):
    """A python server in 'server' and a client in 'host': returns the client's port."""
    srv = subprocess.Popen(topo.in_ns(topo.server, [
        "/usr/bin/python3", "-c",
        "import socket,sys\n"
        "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind(('%s', 8080)); s.listen(1); print('listening', flush=True)\n"
        "c,_=s.accept(); n=0\n"
        "while True:\n"
        "    d=c.recv(65536)\n"
        "    if not d: break\n"
        "    n+=len(d)\n"
        "c.sendall(b'ok %%d' %% n); c.close()\n" % topo.SERVER4]), stdout=subprocess.PIPE, text=True)
    assert srv.stdout.readline().strip() == "listening"
    cli = subprocess.run(topo.in_ns(topo.host, [
        "/usr/bin/python3", "-c",
        "import socket\n"
        "c=socket.create_connection(('%s', 8080)); print(c.getsockname()[1], flush=True)\n"
        "c.sendall(b'x' * %d); c.shutdown(socket.SHUT_WR); print(c.recv(100).decode())\n" % (topo.SERVER4, payload_size)]),
        capture_output=True, text=True, check=True)
    srv.wait(10)
    port, reply = cli.stdout.split()[0], cli.stdout.split("\n")[1]
    assert reply == "ok %d" % payload_size
    return int(port)


def test_tcp_flow_record(agents, topo, cgroup):
    a = start_agent(agents, topo, cgroup, "--flow-timeouts", "2,1800")
    port = tcp_exchange(topo, 100000)
    ev = a.wait_for(lambda e: get(e, "event.action") == "flow" and get(e, "source.port") == port, timeout=20)
    assert get(ev, "whoflow.flow.reason") == "fin"
    assert get(ev, "source.ip") == topo.HOST4 and get(ev, "destination.ip") == topo.SERVER4
    assert get(ev, "destination.port") == 8080 and get(ev, "network.transport") == "tcp"
    assert get(ev, "network.direction") == "egress"
    # Wire bytes include every header: more than the payload, in the right direction.
    assert get(ev, "source.bytes") > 100000 > get(ev, "destination.bytes")
    assert get(ev, "source.packets") >= 3 and get(ev, "destination.packets") >= 2
    assert set(get(ev, "whoflow.flow.tcp_flags.source").split(",")) >= {"SYN", "ACK", "FIN"}
    assert set(get(ev, "whoflow.flow.tcp_flags.destination").split(",")) >= {"SYN", "ACK", "FIN"}
    assert get(ev, "network.community_id") == h.community_id(topo.HOST4, topo.SERVER4, 6, port, 8080)
    assert get(ev, "event.duration") >= 0
    rc, _ = a.stop()
    assert rc == 0
    assert len([e for e in a.events if get(e, "event.action") == "flow" and get(e, "source.port") == port]) == 1


def test_udp_flow_reported_at_exit_and_hooks_removed(agents, topo, cgroup):
    a = start_agent(agents, topo, cgroup)
    # TCX links (this kernel has them): no qdisc, no filter.
    assert h.tcx_classifiers() == ["wf_tc_egress", "wf_tc_ingress"]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    subprocess.run(topo.in_ns(topo.host, ["/usr/bin/python3", "-c",
                   "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                   "s.bind(('%s', 40404)); [s.sendto(b'y' * 100, ('%s', 9)) for _ in range(5)]"
                   % (topo.HOST4, topo.SERVER4)]), check=True)
    s.close()
    rc, _ = a.stop(signal.SIGTERM)
    assert rc == 0
    ev = [e for e in a.events if get(e, "event.action") == "flow" and get(e, "source.port") == 40404]
    assert len(ev) == 1
    assert get(ev[0], "whoflow.flow.reason") == "exit"
    assert get(ev[0], "source.packets") == 5
    assert get(ev[0], "source.bytes") == 5 * (14 + 20 + 8 + 100)
    after = subprocess.run(topo.in_ns(topo.host, ["tc", "qdisc", "show", "dev", topo.veth]),
                           capture_output=True, text=True).stdout
    assert "clsact" not in after
    assert h.tcx_classifiers() == []


@pytest.mark.parametrize("mode", ["auto", "clsact"])
def test_foreign_clsact_is_kept(agents, topo, cgroup, mode):
    """A clsact someone else made stays, with their filter; only ours goes (TCX links, or with
    --tc-mode clsact our filter beside theirs)."""
    run = lambda *a: subprocess.run(topo.in_ns(topo.host, list(a)), check=True, capture_output=True, text=True)  # noqa: E731
    run("tc", "qdisc", "add", "dev", topo.veth, "clsact")
    run("tc", "filter", "add", "dev", topo.veth, "ingress", "prio", "7", "u32", "match", "u32", "0", "0")
    a = start_agent(agents, topo, cgroup, "--tc-mode", mode)
    if mode == "clsact":
        assert "wf_tc_ingress" in run("tc", "filter", "show", "dev", topo.veth, "ingress").stdout
    else:
        assert h.tcx_classifiers() == ["wf_tc_egress", "wf_tc_ingress"]
        assert "wf_tc_ingress" not in run("tc", "filter", "show", "dev", topo.veth, "ingress").stdout
    assert a.stop()[0] == 0
    assert h.tcx_classifiers() == []
    filters = run("tc", "filter", "show", "dev", topo.veth, "ingress").stdout
    assert "u32" in filters and "wf_tc_ingress" not in filters
    assert "clsact" in run("tc", "qdisc", "show", "dev", topo.veth).stdout


def test_events_doc_names_every_packet_field(agents, topo, cgroup, dnsmasq):
    from test_cli import flatten, DOCS
    a = start_agent(agents, topo, cgroup)
    dig(topo, topo.SERVER6, "www.test.example", "A", "+dnssec")
    tcp_exchange(topo, 10)
    a.wait_for(lambda e: get(e, "dns.type") == "answer")
    a.stop()
    doc = open(os.path.join(DOCS, "events.md")).read()
    fields = {f for e in a.events for f in flatten(e)}
    assert {"whoflow.flow.tcp_flags.source", "dns.answers", "whoflow.dns.edns.do", "source.bytes"} <= fields
    missing = sorted(f for f in fields if "`%s`" % f not in doc)
    assert not missing, "fields missing from docs/events.md: %s" % missing


def dns_events(agent):
    return [e for e in agent.events if get(e, "event.dataset") == "whoflow.dns"]


def test_kernel_port_host_direction_filters(agents, topo, cgroup, dnsmasq):
    # --dport 8080: DNS (port 53) never leaves the kernel; the TCP flow does.
    a = start_agent(agents, topo, cgroup, "--dport", "8080")
    dig(topo, topo.SERVER4, "www.test.example", "A")
    port = tcp_exchange(topo, 10)
    rc, summary = a.stop()
    counts = h.parse_summary(summary)
    assert counts["dns"] == 0 and counts["left_out"] > 0
    flows = [e for e in a.events if get(e, "event.action") == "flow"]
    assert [get(e, "source.port") for e in flows] == [port]
    # -Q in: answers (received) only.
    b = start_agent(agents, topo, cgroup, "-Q", "in")
    dig(topo, topo.SERVER4, "www.test.example", "A")
    b.wait_for(lambda e: get(e, "dns.type") == "answer")
    b.stop()
    assert {get(e, "dns.type") for e in dns_events(b)} == {"answer"}
    # --host as an IPv6 network: only the IPv6 exchange.
    c = start_agent(agents, topo, cgroup, "--host", "fd00:77::/64")
    dig(topo, topo.SERVER4, "www.test.example", "A")
    dig(topo, topo.SERVER6, "v6.test.example", "AAAA")
    c.wait_for(lambda e: get(e, "dns.type") == "answer" and get(e, "source.ip") == topo.SERVER6)
    c.stop()
    assert {get(e, "source.ip") for e in dns_events(c)} <= {topo.SERVER6, topo.HOST6}
    assert len(dns_events(c)) == 2


def test_domain_and_type_selectors(agents, topo, cgroup, dnsmasq):
    a = start_agent(agents, topo, cgroup, "--domain", "WWW.*", "--dns-type", "a")
    dig(topo, topo.SERVER4, "v6.test.example", "AAAA")
    dig(topo, topo.SERVER4, "www.test.example", "AAAA")
    dig(topo, topo.SERVER4, "www.test.example", "A")
    a.wait_for(lambda e: get(e, "dns.type") == "answer")
    rc, summary = a.stop()
    assert [(get(e, "dns.question.name"), get(e, "dns.question.type")) for e in dns_events(a)] == \
        [("www.test.example", "A")] * 2
    assert h.parse_summary(summary)["filtered"] == 4


def test_list_interfaces(agents, topo, cgroup):
    r = subprocess.run([h.WHOFLOW, "-D", "--netns", topo.host.name], capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == ""
    rows = {line.split("\t")[1]: line.split("\t") for line in r.stdout.splitlines()[1:]}
    assert rows[topo.veth][3] == "up" and rows[topo.veth][4] == "ethernet" and rows[topo.veth][5] == "-"
    assert rows["lo"][4] == "loopback"
    a = start_agent(agents, topo, cgroup)
    r = subprocess.run([h.WHOFLOW, "-D", "--netns", topo.host.name], capture_output=True, text=True)
    assert "\tattached" in [l for l in r.stdout.splitlines() if topo.veth in l][0]
    a.stop()


def test_dns_over_tcp_matches_dig(agents, topo, cgroup, dnsmasq):
    """dig +tcp: length-prefixed messages, decoded like UDP ones, answers matched to queries."""
    a = start_agent(agents, topo, cgroup)
    for family, server in ((4, topo.SERVER4), (6, topo.SERVER6)):
        for name, qtype, rcode in CASES[:4]:
            want = dig(topo, server, name, qtype, "+tcp")
            ans = a.wait_for(lambda e: get(e, "dns.type") == "answer" and get(e, "dns.question.name") == name
                             and get(e, "dns.question.type") == qtype and get(e, "source.ip") == server)
            assert get(ans, "network.transport") == "tcp"
            got = [{k: r[k] for k in ("name", "ttl", "class", "type", "data")} for r in get(ans, "dns.answers")]
            assert got == want, (name, qtype)
            assert get(ans, "whoflow.dns.rtt_ns") > 0
    # About 2.6 KB of answer: more than one TCP segment on a 1500-byte MTU.
    want = dig(topo, topo.SERVER4, "big.test.example", "TXT", "+tcp")
    ans = a.wait_for(lambda e: get(e, "dns.question.name") == "big.test.example" and get(e, "dns.type") == "answer")
    assert get(ans, "whoflow.dns.size") > 1500
    got = [{k: r[k] for k in ("name", "ttl", "class", "type", "data")} for r in get(ans, "dns.answers")]
    assert sorted(r["data"] for r in got) == sorted(r["data"] for r in want) and len(got) == 12
    rc, summary = a.stop()
    assert h.parse_summary(summary)["dns"] == 2 * 2 * 4 + 2


TYPE_NUMBERS = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}


def tshark_dns(path):
    """Each DNS message tshark dissects from the capture: the oracle for whoflow's DNS events."""
    fields = ["dns.id", "dns.flags.response", "dns.qry.name", "dns.qry.type", "dns.flags.rcode",
              "dns.count.answers", "dns.resp.name", "dns.resp.type", "dns.resp.ttl", "dns.a", "dns.aaaa",
              "dns.flags.recdesired", "dns.flags.recavail", "dns.flags.authoritative"]
    out = subprocess.run(["tshark", "-r", path, "-Y", "dns", "-T", "fields", "-E", "separator=|",
                          "-E", "occurrence=a", "-E", "aggregator=;"] + sum((["-e", f] for f in fields), []),
                         capture_output=True, text=True, check=True).stdout
    return [dict(zip(fields, line.split("|"))) for line in out.splitlines()]


def test_dns_matches_tshark(agents, topo, cgroup, dnsmasq, tmp_path):
    pcap = str(tmp_path / "dns.pcap")
    cap = subprocess.Popen(topo.in_ns(topo.host, ["tcpdump", "-i", topo.veth, "--immediate-mode", "-U", "-w", pcap,
                                                  "port", "53"]), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for line in cap.stderr:
            if b"listening on" in line:
                break
        a = start_agent(agents, topo, cgroup)
        for name, qtype, _ in CASES:
            dig(topo, topo.SERVER4, name, qtype)
        dig(topo, topo.SERVER6, "v6.test.example", "AAAA", "+tcp")
        a.wait_for(lambda e: get(e, "dns.type") == "answer" and get(e, "network.transport") == "tcp")
        a.stop()
    finally:
        cap.send_signal(signal.SIGINT)
        cap.wait(10)
    rows = tshark_dns(pcap)
    evs = dns_events(a)
    assert len(rows) == len(evs) == 2 * (len(CASES) + 1)
    for row in rows:
        answer = row["dns.flags.response"] in ("1", "True")
        ev = [e for e in evs if get(e, "dns.id") == str(int(row["dns.id"], 0))
              and (get(e, "dns.type") == "answer") == answer]
        assert len(ev) == 1, row
        ev = ev[0]
        assert get(ev, "dns.question.name") == row["dns.qry.name"]
        assert TYPE_NUMBERS[get(ev, "dns.question.type")] == int(row["dns.qry.type"])
        flags = set(get(ev, "dns.header_flags"))
        assert ("RD" in flags) == (row["dns.flags.recdesired"] in ("1", "True"))
        if not answer:
            continue
        assert ("RA" in flags) == (row["dns.flags.recavail"] in ("1", "True"))
        assert ("AA" in flags) == (row["dns.flags.authoritative"] in ("1", "True"))
        rcodes = {"NOERROR": 0, "NXDOMAIN": 3}
        assert rcodes[get(ev, "dns.response_code")] == int(row["dns.flags.rcode"])
        ans = get(ev, "dns.answers")
        assert len(ans) == int(row["dns.count.answers"])
        split = lambda k: [x for x in row[k].split(";") if x]  # noqa: E731
        assert [r["name"] for r in ans] == split("dns.resp.name")[:len(ans)]
        assert [TYPE_NUMBERS[r["type"]] for r in ans] == [int(x) for x in split("dns.resp.type")[:len(ans)]]
        assert [r["ttl"] for r in ans] == [int(x) for x in split("dns.resp.ttl")[:len(ans)]]
        assert get(ev, "dns.resolved_ip") == split("dns.a") + split("dns.aaaa")


def test_full_flow_table_is_counted_not_evicted(agents, topo, cgroup):
    """64 UDP flows into a 16-flow table: 16 are reported whole, the other 48 counted as lost."""
    a = start_agent(agents, topo, cgroup, "--flow-table", "16")
    subprocess.run(topo.in_ns(topo.host, ["/usr/bin/python3", "-c",
                   "import socket\n"
                   "for p in range(41000, 41064):\n"
                   "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('%s', p))\n"
                   "    s.sendto(b'z', ('%s', 9)); s.sendto(b'z', ('%s', 9)); s.close()\n"
                   % (topo.HOST4, topo.SERVER4, topo.SERVER4)]), check=True)
    rc, summary = a.stop()
    flows = [e for e in a.events if get(e, "event.action") == "flow" and 41000 <= (get(e, "source.port") or 0) < 41064]
    counts = h.parse_summary(summary)
    assert len(flows) + counts["flow_table_full"] // 2 >= 64
    assert all(get(e, "source.packets") == 2 for e in flows)  # the tracked ones are complete
    assert counts["flow_table_full"] > 0 and len(flows) <= 16


@pytest.mark.parametrize("family", [4, 6])
def test_fragmented_udp_answer_is_joined(agents, topo, cgroup, dnsmasq, family):
    """A 2.6 KB EDNS answer over UDP leaves as IP fragments; the event has the whole message."""
    server = topo.SERVER4 if family == 4 else topo.SERVER6
    a = start_agent(agents, topo, cgroup)
    want = dig(topo, server, "big.test.example", "TXT", "+bufsize=4096", "+ignore")
    assert len(want) == 12  # dig got it all over UDP: nothing was cut or retried over TCP
    ans = a.wait_for(lambda e: get(e, "dns.question.name") == "big.test.example" and get(e, "dns.type") == "answer")
    assert get(ans, "network.transport") == "udp" and get(ans, "whoflow.dns.size") > 1500
    assert "whoflow.dns.malformed" not in str(ans) and not get(ans, "whoflow.dns.capture_truncated")
    got = [{k: r[k] for k in ("name", "ttl", "class", "type", "data")} for r in get(ans, "dns.answers")]
    assert sorted(r["data"] for r in got) == sorted(r["data"] for r in want)
    rc, summary = a.stop()
    counts = h.parse_summary(summary)
    assert counts["dns"] == 2 and counts["dns_fragments"] == 0 and counts["fragments"] >= 1


def test_loopback_counts_each_packet_once(agents, topo, cgroup):
    """On lo a packet passes egress and ingress: one DNS event per message, one count per packet."""
    argv = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
            "--listen-address=127.0.0.1", "--user=root", "--pid-file=", "--log-facility=-"] + ZONE
    d = subprocess.Popen(topo.in_ns(topo.host, argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for line in d.stderr:
            if b"started" in line:
                break
        a = start_agent(agents, topo, cgroup, "-i", "lo")
        assert "packet classifiers on 1 interface (lo)" in a.stderr[-1]
        want = dig(topo, "127.0.0.1", "www.test.example", "A")
        a.wait_for(lambda e: get(e, "dns.type") == "answer")
        rc, summary = a.stop()
    finally:
        d.terminate()
        d.wait(10)
    evs = dns_events(a)
    assert [get(e, "dns.type") for e in evs] == ["query", "answer"]
    assert get(evs[1], "dns.answers")[0]["data"] == want[0]["data"]
    flows = [e for e in a.events if get(e, "event.action") == "flow" and get(e, "destination.port") == 53]
    assert len(flows) == 1
    assert get(flows[0], "source.packets") == 1 and get(flows[0], "destination.packets") == 1


AUTH_ZONE = ["--auth-zone=test.example", "--auth-soa=2026112201,hostmaster.test.example",
             "--host-record=www.test.example,198.18.0.10", "--cname=alias.test.example,www.test.example",
             "--mx-host=test.example,mail.test.example,10", "--txt-record=test.example,v=spf1 -all",
             "--txt-record=two.test.example,first,second"]
# (name, type, extra dig options): answers, SOA/NS authorities and EDNS options of several kinds.
AUTH_CASES = [("test.example", "SOA", []), ("test.example", "MX", ["+dnssec"]), ("test.example", "TXT", []),
              ("two.test.example", "TXT", ["+bufsize=2048"]), ("alias.test.example", "A", []),
              ("test.example", "NS", []), ("nothere.test.example", "A", ["+dnssec"]),
              ("www.test.example", "A", ["+noedns"])]
RDATA_FIELDS = ["dns.cname", "dns.ns", "dns.mx.preference", "dns.mx.mail_exchange", "dns.txt", "dns.soa.mname",
                "dns.soa.rname", "dns.soa.serial_number", "dns.soa.refresh_interval", "dns.soa.retry_interval",
                "dns.soa.expire_limit", "dns.soa.minimum_ttl", "dns.rr.udp_payload_size", "dns.resp.z.do",
                "dns.count.auth_rr", "dns.count.add_rr"]


def tshark_rows(path, fields):
    """tshark's fields for each DNS message; list values split on an aggregator no record here contains."""
    out = subprocess.run(["tshark", "-r", path, "-Y", "dns", "-T", "fields", "-E", "separator=|",
                          "-E", "occurrence=a", "-E", "aggregator=~"] + sum((["-e", f] for f in fields), []),
                         capture_output=True, text=True, check=True).stdout
    return [{k: [x for x in v.split("~") if x] for k, v in zip(fields, line.split("|"))}
            for line in out.splitlines()]


def whoflow_rdata(ev):
    """The same fields, rebuilt from whoflow's presentation-form records (in wire order, OPT excluded)."""
    rrs = (get(ev, "dns.answers") or []) + (get(ev, "whoflow.dns.authorities") or []) + \
        (get(ev, "whoflow.dns.additionals") or [])
    got = {f: [] for f in RDATA_FIELDS}
    for r in rrs:
        words = r["data"].split(" ")
        if r["type"] == "CNAME":
            got["dns.cname"].append(r["data"])
        elif r["type"] == "NS":
            got["dns.ns"].append(r["data"])
        elif r["type"] == "MX":
            got["dns.mx.preference"].append(words[0])
            got["dns.mx.mail_exchange"].append(words[1])
        elif r["type"] == "TXT":
            got["dns.txt"] += re.findall(r'"((?:[^"\\]|\\.)*)"', r["data"])
        elif r["type"] == "SOA":
            for f, w in zip(RDATA_FIELDS[5:12], words):
                got[f].append(w)
    return got


def test_dns_record_data_and_edns_match_tshark(agents, topo, cgroup, tmp_path):
    """SOA, NS, MX, TXT and CNAME data, authority counts and EDNS fields, against tshark's dissection."""
    argv = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
            "--listen-address=%s" % topo.SERVER4, "--auth-server=ns.test.example,%s" % topo.SERVER4,
            "--user=root", "--pid-file=", "--log-facility=-", "--edns-packet-max=4096"] + AUTH_ZONE
    d = subprocess.Popen(topo.in_ns(topo.server, argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    pcap = str(tmp_path / "rdata.pcap")
    cap = subprocess.Popen(topo.in_ns(topo.host, ["tcpdump", "-i", topo.veth, "--immediate-mode", "-U", "-w", pcap,
                                                  "port", "53"]), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for proc, mark in ((d, b"started"), (cap, b"listening on")):
            for line in proc.stderr:
                if mark in line:
                    break
        a = start_agent(agents, topo, cgroup)
        for name, qtype, extra in AUTH_CASES:
            dig(topo, topo.SERVER4, name, qtype, *extra)
        a.wait_for(lambda e: get(e, "dns.type") == "answer" and get(e, "dns.question.name") == "www.test.example")
        a.stop()
    finally:
        cap.send_signal(signal.SIGINT)
        cap.wait(10)
        d.terminate()
        d.wait(10)
    ids = RDATA_FIELDS + ["dns.id", "dns.flags.response"]
    rows = tshark_rows(pcap, ids)
    evs = dns_events(a)
    assert len(rows) == len(evs) == 2 * len(AUTH_CASES)
    seen = set()
    for row in rows:
        answer = row["dns.flags.response"][0] in ("1", "True")
        ev = [e for e in evs if get(e, "dns.id") == str(int(row["dns.id"][0], 0))
              and (get(e, "dns.type") == "answer") == answer]
        assert len(ev) == 1, row
        ev = ev[0]
        got = whoflow_rdata(ev)
        for f in RDATA_FIELDS[:12]:
            assert got[f] == row[f], (f, get(ev, "dns.question.name"), got[f], row[f])
            if got[f]:
                seen.add(f)
        if answer:
            assert len(get(ev, "whoflow.dns.authorities") or []) == int(row["dns.count.auth_rr"][0])
        udp = row["dns.rr.udp_payload_size"]
        if udp:
            assert get(ev, "whoflow.dns.edns.udp_size") == int(udp[0])
            assert get(ev, "whoflow.dns.edns.do") == (row["dns.resp.z.do"][0] in ("1", "True"))
            seen.add("do" if get(ev, "whoflow.dns.edns.do") else "edns")
        else:
            assert get(ev, "whoflow.dns.edns.udp_size") is None
            seen.add("noedns")
    # The test must have exercised every kind it claims to compare.
    assert seen >= set(RDATA_FIELDS[:12]) | {"do", "edns", "noedns"}, seen


@pytest.mark.parametrize("family", [4, 6])
def test_tun_device_without_l2_header(agents, netns, cgroup, family):
    """A tun device has no Ethernet header: packets are parsed from skb->protocol, both ways."""
    run = lambda *a: subprocess.run(list(a), check=True)  # noqa: E731
    dev, local, peer = "wftun0", ("198.18.5.1", "fd00:78::1")[family == 6], ("198.18.5.2", "fd00:78::2")[family == 6]
    run("ip", "-n", netns.name, "tuntap", "add", "dev", dev, "mode", "tun")
    run("ip", "-n", netns.name, "addr", "add", local + ("/24" if family == 4 else "/64"), "dev", dev, "nodad")
    run("ip", "-n", netns.name, "link", "set", dev, "up")
    a = agents(["--cgroup", cgroup.path, "-i", dev], netns=netns).wait_ready()
    helper = os.path.join(os.path.dirname(__file__), "tun_dns_peer.py")
    p = subprocess.Popen(["nsenter", "--net=" + netns.path, "/usr/bin/python3", helper, "--dev", dev],
                         stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        out = subprocess.run(["nsenter", "--net=" + netns.path, "dig", "@" + peer, "tun.test.example", "A",
                              "+short", "+tries=1", "+time=5", "+noedns"], capture_output=True, text=True)
        assert out.stdout.strip() == "198.18.99.1", out
        assert p.wait(10) == 0
    finally:
        p.kill()
    q = a.wait_for(lambda e: get(e, "dns.type") == "query")
    ans = a.wait_for(lambda e: get(e, "dns.type") == "answer")
    assert get(q, "dns.question.name") == get(ans, "dns.question.name") == "tun.test.example"
    assert get(q, "destination.ip") == peer and get(q, "network.direction") == "egress"
    assert get(ans, "source.ip") == peer and get(ans, "network.direction") == "ingress"
    assert get(ans, "dns.resolved_ip") == ["198.18.99.1"]
    assert get(ans, "observer.ingress.interface.name") == dev
    rc, summary = a.stop()
    counts = h.parse_summary(summary)
    assert rc == 0 and counts["not_ip"] == 0 and counts["malformed"] == 0
    flow = [e for e in a.events if get(e, "event.dataset") == "whoflow.flow" and get(e, "network.transport") == "udp"]
    assert len(flow) == 1 and get(flow[0], "destination.port") == 53 and get(flow[0], "source.packets") == 1 and get(flow[0], "destination.packets") == 1


BLAST = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 40505))
n, end = 0, time.monotonic() + 3.5
while time.monotonic() < end and n < 3000000:  # bounded in time and count
    s.sendto(b"z" * 32, (sys.argv[2], 9))
    n += 1
print(n)
"""


def test_long_busy_flow_periods_add_up_exactly(agents, topo, cgroup):
    """A UDP flow sending as fast as it can through several active periods: the periods'
    packets add up to exactly what the sender sent (nothing counted between the agent's read
    and a new period is lost), they share the flow's id, and each record has its own event id."""
    a = start_agent(agents, topo, cgroup, "--flow-timeouts", "30,1")
    out = subprocess.run(topo.in_ns(topo.host, ["/usr/bin/python3", "-c", BLAST, topo.HOST4, topo.SERVER4]),
                         capture_output=True, text=True, check=True, timeout=60)
    sent = int(out.stdout)
    rc, _ = a.stop()
    assert rc == 0
    periods = [e for e in a.events if get(e, "event.action") == "flow" and get(e, "source.port") == 40505]
    assert len(periods) >= 3
    assert [get(e, "whoflow.flow.reason") for e in periods[:-1]] == ["active"] * (len(periods) - 1)
    assert sum(get(e, "source.packets") for e in periods) == sent
    assert sum(get(e, "source.bytes") for e in periods) == sent * (14 + 20 + 8 + 32)
    assert len({get(e, "whoflow.flow.id") for e in periods}) == 1
    assert len({get(e, "event.id") for e in periods}) == len(periods)
    starts = [get(e, "event.start") for e in periods]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
