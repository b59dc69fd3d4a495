# SPDX-License-Identifier: GPL-2.0-only
"""DNS messages real captures hold and the decoder once refused: forward compression pointers, a bad
name among good records, the NULL type. Crafted with scapy, replayed with -r, tshark as the oracle."""
import json
import subprocess

import pytest
from scapy.all import DNS, DNSQR, DNSRR, IP, UDP, Dot1Q, Ether, IPv6, Raw, wrpcap

import whoflow_harness as h


def replay(path):
    r = subprocess.run([h.WHOFLOW, "-r", str(path), "--json"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines() if '"dns"' in line]


def tshark(path, *fields):
    r = subprocess.run(["tshark", "-r", str(path), "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]
                       + sum((["-e", f] for f in fields), []), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return [line.split("\t") for line in r.stdout.splitlines()]


def packet(dns_bytes, sport=40000, dport=53):
    return Ether() / IP(src="192.0.2.1", dst="192.0.2.53") / UDP(sport=sport, dport=dport) / Raw(dns_bytes)


def hdr(qd, an, flags=0x8180, ident=0x1234):
    return ident.to_bytes(2, "big") + flags.to_bytes(2, "big") + qd.to_bytes(2, "big") + an.to_bytes(2, "big") + \
        b"\0\0\0\0"


def test_forward_pointer_is_read_as_tshark_reads_it(tmp_path):
    # question: a pointer forward to the answer's owner name; answer: www.example A 192.0.2.1
    body = hdr(1, 1) + b"\xc0\x12\x00\x01\x00\x01" + b"\x03www\x07example\x00" + b"\x00\x01\x00\x01" + \
        (60).to_bytes(4, "big") + b"\x00\x04" + bytes([192, 0, 2, 1])
    path = tmp_path / "fwd.pcap"
    wrpcap(str(path), [packet(body, sport=53, dport=40000)])
    ev = replay(path)
    assert len(ev) == 1
    (qname, a), = tshark(path, "dns.qry.name", "dns.a")
    assert ev[0]["dns"]["question"]["name"] == qname == "www.example"
    assert ev[0]["dns"]["resolved_ip"] == a.split(",") == ["192.0.2.1"]
    assert not ev[0]["whoflow"]["dns"].get("malformed")


def test_bad_name_keeps_every_good_record(tmp_path):
    long_name = b"".join(b"\x3f" + b"x" * 63 for _ in range(5)) + b"\x00"  # 320 bytes: over 255
    body = hdr(2, 1) + b"\x01a\x00\x00\x01\x00\x01" + long_name + b"\x00\x01\x00\x01" + \
        b"\xc0\x0c\x00\x01\x00\x01" + (300).to_bytes(4, "big") + b"\x00\x04" + bytes([192, 0, 2, 7])
    path = tmp_path / "bad.pcap"
    wrpcap(str(path), [packet(body, sport=53, dport=40000)])
    ev = replay(path)
    assert len(ev) == 1
    (a,) = tshark(path, "dns.a")[0]
    assert a == "192.0.2.7"
    assert ev[0]["dns"]["resolved_ip"] == ["192.0.2.7"]  # the A record kept, as tshark keeps it
    assert ev[0]["dns"]["question"]["name"] == "a"
    w = ev[0]["whoflow"]["dns"]
    assert w["malformed"] is True and w["malformed_reason"] == "question 2: name longer than 255 bytes"


def test_null_type_named(tmp_path):
    msg = DNS(id=7, qr=1, rd=1, ra=1, qd=DNSQR(qname="n.example", qtype=10),
              an=DNSRR(rrname="n.example", type=10, rclass=1, ttl=60, rdata=b"\x01\x02\x03"))
    path = tmp_path / "null.pcap"
    wrpcap(str(path), [packet(bytes(msg), sport=53, dport=40000)])
    ev = replay(path)
    r = subprocess.run(["tshark", "-r", str(path), "-V"], capture_output=True, text=True, timeout=60)
    assert "n.example: type NULL, class IN" in r.stdout  # tshark names it NULL too
    assert ev[0]["dns"]["question"]["type"] == "NULL"
    assert [x["type"] for x in ev[0]["dns"]["answers"]] == ["NULL"]


def test_pointer_loop_is_malformed_as_such(tmp_path):
    body = hdr(1, 0, flags=0x0100) + b"\xc0\x0c\x00\x01\x00\x01"  # a pointer to itself
    path = tmp_path / "loop.pcap"
    wrpcap(str(path), [packet(body)])
    ev = replay(path)
    w = ev[0]["whoflow"]["dns"]
    assert w["malformed"] is True and w["malformed_reason"] == "question 1: compression pointer loop"


LINK_CASES = {
    # DLT_NULL: the family in the writer's byte order (here little-endian, as a BSD on x86 writes it)
    "null-ipv4": (0, lambda ip: (2).to_bytes(4, "little") + bytes(ip)),
    "null-ipv6": (0, lambda ip: (30).to_bytes(4, "little") + bytes(ip)),  # AF_INET6 on macOS
    # DLT_LOOP (OpenBSD): network byte order
    "loop-ipv4": (108, lambda ip: (2).to_bytes(4, "big") + bytes(ip)),
    "raw": (101, lambda ip: bytes(ip)),
    "sll": (113, lambda ip: bytes.fromhex("0000000100060200000000010000") + (0x0800 if ip.version == 4 else 0x86dd)
            .to_bytes(2, "big") + bytes(ip)),
    "dot1q": (1, lambda ip: bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / Dot1Q(vlan=5) / ip)),
}


@pytest.mark.parametrize("case", sorted(LINK_CASES))
def test_link_types_a_user_hands_in(tmp_path, case):
    """BSD loopback, raw IP, Linux cooked and 802.1Q-tagged captures replay like Ethernet ones:
    the DNS question tshark reads from the file, whoflow reports."""
    linktype, frame = LINK_CASES[case]
    v6 = case.endswith("ipv6")
    ip = (IPv6(src="2001:db8::1", dst="2001:db8::53") if v6 else IP(src="192.0.2.1", dst="192.0.2.53")) / \
        UDP(sport=40001, dport=53) / DNS(id=9, rd=1, qd=DNSQR(qname="link.example", qtype="A"))
    path = tmp_path / ("%s.pcap" % case)
    wrpcap(str(path), [Raw(frame(ip))], linktype=linktype)
    (qname,) = tshark(path, "dns.qry.name")[0]
    ev = replay(path)
    assert qname == "link.example"
    assert [e["dns"]["question"]["name"] for e in ev] == [qname]


def test_other_link_types_are_refused_saying_why(tmp_path):
    path = tmp_path / "wifi.pcap"
    wrpcap(str(path), [Raw(b"\x08\x00" + b"\x00" * 30)], linktype=105)  # IEEE 802.11
    r = subprocess.run([h.WHOFLOW, "-r", str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "its link type is IEEE802_11" in r.stderr and "BSD loopback (NULL, LOOP)" in r.stderr
