# SPDX-License-Identifier: GPL-2.0-only
"""Packets for the filter-expression differential test: thousands of generated ones covering
what the expressions look at (addresses, nets, ports, protocols, TCP flags, VLAN tags, IPv6,
fragments, lengths), plus well-formed real-world shapes (DNS, TLS, HTTP). Seeded: reproducible."""
import random
import sys

from scapy.all import (DNS, DNSQR, ICMP, IP, TCP, UDP, Dot1Q, Ether, ICMPv6EchoRequest, IPv6,
                       IPv6ExtHdrFragment, Raw, wrpcap)

random.seed(7)
ADDR4 = ["198.18.0.1", "198.18.0.2", "198.18.1.5", "10.1.2.3", "192.0.2.77", "203.0.113.9"]
ADDR6 = ["fd00:77::1", "fd00:77::2", "2001:db8::5", "fe80::1"]
PORTS = [22, 53, 80, 443, 1024, 5353, 8080, 8443, 40000, 65535]
FLAGS = ["S", "SA", "A", "PA", "FA", "R", "RA", "U", "E", "C"]


def l4(proto):
    sp, dp = random.choice(PORTS), random.choice(PORTS)
    if proto == "tcp":
        return TCP(sport=sp, dport=dp, flags=random.choice(FLAGS))
    if proto == "udp":
        return UDP(sport=sp, dport=dp)
    return ICMP()


def one():
    kind = random.random()
    payload = Raw(b"x" * random.choice([0, 1, 20, 100, 600, 1400]))
    if kind < 0.55:
        p = IP(src=random.choice(ADDR4), dst=random.choice(ADDR4), ttl=random.choice([1, 64, 255]),
               flags=random.choice([0, 1, 2]), frag=random.choice([0, 0, 0, 10])) / l4(
                   random.choice(["tcp", "udp", "icmp"])) / payload
    elif kind < 0.85:
        proto = random.choice(["tcp", "udp", "icmp6"])
        inner = ICMPv6EchoRequest() if proto == "icmp6" else l4(proto)
        ip6 = IPv6(src=random.choice(ADDR6), dst=random.choice(ADDR6), hlim=random.choice([1, 64]))
        if random.random() < 0.2:
            ip6 = ip6 / IPv6ExtHdrFragment(m=1)
        p = ip6 / inner / payload
    else:
        p = None
    eth = Ether(src="02:00:00:00:00:01", dst=random.choice(["02:00:00:00:00:02", "ff:ff:ff:ff:ff:ff"]))
    if p is None:
        return eth / Raw(b"\x08\x06" + b"a" * 40)  # an ARP-like ethertype mix-up, non-IP
    if random.random() < 0.15:
        eth = eth / Dot1Q(vlan=random.choice([10, 100, 4000]))
    return eth / p


def real():
    e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    return [
        e / IP(src="198.18.0.1", dst="198.18.0.2") / UDP(sport=40000, dport=53) / DNS(qd=DNSQR(qname="www.example.com")),
        e / IP(src="198.18.0.1", dst="198.18.0.2") / TCP(sport=40001, dport=443, flags="PA") /
        Raw(bytes.fromhex("160301007a0100007603035b") + b"\0" * 100),
        e / IP(src="198.18.0.1", dst="198.18.0.2") / TCP(sport=40002, dport=80, flags="PA") /
        Raw(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
        e / IPv6(src="fd00:77::1", dst="fd00:77::2") / UDP(sport=40003, dport=53) / DNS(qd=DNSQR(qname="v6.example")),
    ]


if __name__ == "__main__":
    pkts = [one() for _ in range(3000)] + real()
    # Truncated copies: the expression must reject loads past the end, as classic BPF does.
    pkts += [Ether(bytes(p)[:random.randint(15, 60)]) for p in random.sample(pkts, 200)]
    wrpcap(sys.argv[1], pkts)
