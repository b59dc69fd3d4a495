# SPDX-License-Identifier: GPL-2.0-only
"""Makes tests/unit/dns_vectors.h: DNS messages encoded by dnspython, with dnspython's
own presentation of every record as the expected decoding. Run with Debian's python:
    /usr/bin/python3 tests/unit/dns_vectors.py > tests/unit/dns_vectors.h
"""
import re

import dns.flags
import dns.message
import dns.rdatatype
import dns.rrset


def resp(qname, qtype, answers=(), authority=(), rcode=0, edns=None, do=False):
    q = dns.message.make_query(qname, qtype, use_edns=edns is not None, payload=edns or 1232,
                               want_dnssec=do)
    q.id = 0x1234
    r = dns.message.make_response(q)
    if edns is not None:  # make_response picks its own payload and drops DO
        r.use_edns(0, dns.flags.DO if do else 0, edns)
    r.flags |= dns.flags.RA
    r.set_rcode(rcode)
    for section, rrs in ((r.answer, answers), (r.authority, authority)):
        for name, ttl, t, data in rrs:
            section.append(dns.rrset.from_text(name, ttl, "IN", t, *data))
    return r


MSGS = [
    ("query_a", dns.message.make_query("www.example.com.", "A")),
    ("cname_chain", resp("www.example.com.", "A", [
        ("www.example.com.", 300, "CNAME", ["web.example.com."]),
        ("web.example.com.", 300, "CNAME", ["lb.example.net."]),
        ("lb.example.net.", 60, "A", ["192.0.2.10", "192.0.2.11"])])),
    ("aaaa_edns_do", resp("v6.example.com.", "AAAA", [("v6.example.com.", 120, "AAAA", ["2001:db8::1"])],
                          edns=1232, do=True)),
    ("mx_txt", resp("example.com.", "ANY", [
        ("example.com.", 3600, "MX", ["10 mail.example.com.", "20 mx2.example.org."]),
        ("example.com.", 3600, "TXT", ['"v=spf1 -all"', '"two" "strings with \\"quotes\\""'])])),
    ("srv_ptr_ns", resp("_sip._tcp.example.com.", "SRV", [
        ("_sip._tcp.example.com.", 86400, "SRV", ["10 60 5060 sip.example.com."]),
        ("10.2.0.192.in-addr.arpa.", 86400, "PTR", ["host.example.com."]),
        ("example.com.", 86400, "NS", ["ns1.example.com."])])),
    ("nxdomain_soa", resp("nope.example.com.", "A", [], [
        ("example.com.", 900, "SOA", ["ns1.example.com. hostmaster.example.com. 2026112201 7200 3600 1209600 300"])],
        rcode=3, edns=4096)),
    ("https", resp("svc.example.com.", "HTTPS", [
        ("svc.example.com.", 300, "HTTPS", ['1 . alpn="h2,h3" port=8443 ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::53'])])),
    ("unknown_type", resp("x.example.com.", "TYPE65280", [("x.example.com.", 5, "TYPE65280", ["\\# 3 abcdef"])])),
]


def strip_dot(text):
    """whoflow prints names without the final dot (but the root stays '.')."""
    words = []
    for w in text.split(" "):
        words.append(w[:-1] if w.endswith(".") and w != "." and not w.startswith('"') else w)
    return " ".join(words)


def dig_style(rdtype, text):
    """SVCB/HTTPS: dig (BIND) quotes only alpn values; dnspython quotes them all."""
    if rdtype not in ("SVCB", "HTTPS"):
        return text
    return re.sub(r'\b(port|ipv4hint|ipv6hint)="([^"]*)"', r"\1=\2", text)


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


print("/* SPDX-License-Identifier: GPL-2.0-only */")
print("/* Made by tests/unit/dns_vectors.py with dnspython: do not edit. */")
print("struct dns_vec_rr { int section; const char *name; const char *type; unsigned ttl; const char *data; };")
for key, m in MSGS:
    w = m.to_wire()
    print("static const uint8_t %s[] = {" % key)
    for i in range(0, len(w), 12):
        print("\t" + " ".join("0x%02x," % b for b in w[i:i + 12]))
    print("};")
    print("static const struct dns_vec_rr %s_rrs[] = {" % key)
    for sec, rrsets in ((0, m.answer), (1, m.authority)):
        for rrset in rrsets:
            for rd in rrset:
                print("\t{ %d, %s, %s, %u, %s }," % (sec, c_str(strip_dot(rrset.name.to_text())),
                      c_str(dns.rdatatype.to_text(rrset.rdtype)), rrset.ttl, c_str(dig_style(dns.rdatatype.to_text(rrset.rdtype), strip_dot(rd.to_text())))))
    print("\t{ -1, 0, 0, 0, 0 },\n};")
