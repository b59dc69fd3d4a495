# SPDX-License-Identifier: GPL-2.0-only
"""ClientHellos that real captures hold and whoflow once fingerprinted wrongly (#14 items 1, 3, 4): a
hello with more suites than a fixed list held, broken hellos, SSLv2. Crafted with scapy, replayed with
-r; the oracles are Salesforce's ja3.py logic on dpkt (JA3) and FoxIO's JA4 from tshark's fields."""
import hashlib
import json
import struct
import subprocess

import pytest
from scapy.all import IP, TCP, Ether, Raw, wrpcap

import tls_refs
import whoflow_harness as h


def u16(v):
    return struct.pack("!H", v)


def vec(b, n):
    return len(b).to_bytes(n, "big") + b


def ext(t, data):
    return u16(t) + vec(data, 2)


def std_exts():
    e = ext(0, vec(b"\x00" + vec(b"odd.example", 2), 2))
    e += ext(10, vec(u16(29) + u16(23), 2)) + ext(11, vec(b"\x00", 1))
    e += ext(13, vec(u16(0x0403) + u16(0x0804), 2)) + ext(16, vec(vec(b"h2", 1), 2))
    return e


def body(ciphers_field, exts_field=b"", version=0x0303):
    return u16(version) + bytes(range(32)) + b"\x00" + ciphers_field + b"\x01\x00" + exts_field


def record(b, rv=0x0301):
    hs = b"\x01" + len(b).to_bytes(3, "big") + b
    return b"\x16" + u16(rv) + vec(hs, 2)


def sslv2_hello():
    specs = b"\x01\x00\x80\x00\x00\x2f\x00\x00\x35"
    v2 = b"\x01\x00\x02" + u16(len(specs)) + u16(0) + u16(16) + specs + bytes(16)
    return (0x8000 | len(v2)).to_bytes(2, "big") + v2


CASES = {
    # 350 suites: more than the 256 a fixed list once held.
    "suites-350": record(body(vec(b"".join(u16(0x0100 + i) for i in range(350)), 2), vec(std_exts(), 2))),
    # A cipher list of odd length 133: tshark reads 66 suites, ja3.py fails.
    "odd-length": record(body(vec(bytes(range(1, 134)), 2), vec(std_exts(), 2))),
    # A cipher list length past the end of the hello: nothing readable after it.
    "past-end": record(body(u16(600) + u16(0x002f) + u16(0x0035), version=0x0301)),
    # An extension whose length overruns the extension list (and the hello).
    "ext-overrun": record(body(vec(u16(0x002f) + u16(0x0035), 2),
                               vec(std_exts() + u16(0x0017) + u16(50) + b"xx", 2))),
    "sslv2": sslv2_hello(),
}


def capture(path, payload, sport):
    c, s = "10.9.0.1", "10.9.0.2"
    pkts = [Ether() / IP(src=c, dst=s) / TCP(sport=sport, dport=443, flags="S", seq=1000),
            Ether() / IP(src=s, dst=c) / TCP(sport=443, dport=sport, flags="SA", seq=5000, ack=1001),
            Ether() / IP(src=c, dst=s) / TCP(sport=sport, dport=443, flags="A", seq=1001, ack=5001),
            Ether() / IP(src=c, dst=s) / TCP(sport=sport, dport=443, flags="PA", seq=1001, ack=5001) / Raw(payload)]
    wrpcap(str(path), pkts)


def replay(path):
    r = subprocess.run([h.WHOFLOW, "-r", str(path), "--json"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    ev = [json.loads(line) for line in r.stdout.splitlines() if '"tls"' in line]
    assert len(ev) == 1, r.stdout
    return ev[0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_fingerprints_as_the_references_give_them(tmp_path, case):
    path = tmp_path / (case + ".pcap")
    capture(path, CASES[case], 40000 + sorted(CASES).index(case))
    ev = replay(path)
    client, wclient = ev["tls"]["client"], ev["whoflow"]["tls"]["client"]

    # JA3: ja3.py's string where it gives one, none where it gives none.
    ref3 = [s for s in tls_refs.ja3_strings(path) if s is not None]
    if ref3:
        assert wclient["ja3_string"] == ref3[0]
        assert client["ja3"] == hashlib.md5(ref3[0].encode()).hexdigest()
    else:
        assert "ja3" not in client and "ja3_string" not in wclient

    # JA4: FoxIO's, from what tshark read of the hello; none where tshark read nothing past its
    # fixed fields (FoxIO would fingerprint an empty hello), except SSLv2, whose reference is fixed.
    (f,) = tls_refs.tshark_hellos(path)
    ja4, ja4_r, read = tls_refs.ja4_from_tshark(f)
    if read or case == "sslv2":
        assert client["ja4"] == ja4 and client["ja4_r"] == ja4_r
    else:
        assert "ja4" not in client and "ja4_r" not in client

    # The suites tshark lists are the ones on the event, all of them (SSLv2: specs, tested below).
    if case != "sslv2":
        assert wclient["ciphers"] == [int(c, 16) for c in f["tls.handshake.ciphersuite"]]
        assert len(client["supported_ciphers"]) == len(wclient["ciphers"]) and "truncated_lists" not in wclient


def test_each_case_as_expected(tmp_path):
    """The oracles' verdicts themselves, so that a change of either cannot pass unnoticed."""
    got = {}
    for i, case in enumerate(sorted(CASES)):
        path = tmp_path / (case + ".pcap")
        capture(path, CASES[case], 41000 + i)
        ev = replay(path)
        got[case] = (ev["tls"]["client"].get("ja3") is not None, ev["tls"]["client"].get("ja4", "")[:11],
                     ev["whoflow"]["tls"].get("malformed_reason"))
    assert got == {
        "ext-overrun": (True, "t12d0205h2_", "extension runs past the extension list"),
        "odd-length": (False, "t12d6605h2_", "cipher suites have an odd length"),
        "past-end": (False, "", "cipher suites run past the hello"),
        "sslv2": (False, "ts2i000000_", None),
        "suites-350": (True, "t12d9905h2_", None),
    }


def test_sslv2_specs_kept_as_sent(tmp_path):
    path = tmp_path / "v2.pcap"
    capture(path, CASES["sslv2"], 42000)
    w = replay(path)["whoflow"]["tls"]["client"]
    out = subprocess.run(["tshark", "-r", str(path), "-Y", "tls", "-T", "fields", "-E", "occurrence=a",
                          "-E", "aggregator=|", "-e", "tls.handshake.cipherspec"],
                         capture_output=True, text=True, timeout=60).stdout.split()
    assert w["sslv2"] is True
    assert w["sslv2_cipher_specs"] == ["0x%06x" % int(x, 16) for x in out[0].split("|")]
    assert w["ciphers"] == [0x2f, 0x35]  # the V3-form specs are TLS suites; no made-up codes


def test_a_hello_past_the_capture_says_so(tmp_path):
    """The one cap left: the kernel ships a hello's first 16 KiB. A hello of 10,000 suites (20 KB)
    is reported with that cap named and what it needed, and without fingerprints made of a part."""
    hello = record(body(vec(b"".join(u16(0x0100 + i) for i in range(10000)), 2), vec(std_exts(), 2)))
    c, s, sp = "10.9.0.1", "10.9.0.2", 43000
    pkts = [Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=443, flags="S", seq=1000)]
    for i in range(0, len(hello), 1400):
        pkts.append(Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=443, flags="PA", seq=1001 + i) /
                    Raw(hello[i:i + 1400]))
    path = tmp_path / "big.pcap"
    wrpcap(str(path), pkts)
    ev = replay(path)
    w = ev["whoflow"]["tls"]
    assert w["malformed_reason"] == "ClientHello larger than the 16384 bytes captured"
    assert w["captured_bytes"] == 16384 and w["wanted_bytes"] == len(hello)
    assert "ja3" not in ev["tls"]["client"] and "ja4" not in ev["tls"]["client"]
    # tshark, reassembling the whole stream, reads the 10,000 suites the event could not hold.
    (f,) = tls_refs.tshark_hellos(path)
    assert len(f["tls.handshake.ciphersuite"]) == 10000
