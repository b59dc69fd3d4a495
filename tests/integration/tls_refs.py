# SPDX-License-Identifier: GPL-2.0-only
"""The two fingerprint references, run on a capture, for tests to compare whoflow with.

JA3: Salesforce's ja3.py logic (its per-packet walk and segment rules) over dpkt's TLS parser, the
parser ja3.py itself uses; an exception anywhere (ja3.py lets some escape) means no JA3.
JA4: FoxIO's code computes JA4 from tshark's dissection; so does this, from tshark's fields.
"""
import hashlib
import subprocess

import dpkt

GREASE = {0x0a0a + 0x1010 * i for i in range(16)}


def _var(buf, n):
    size = int.from_bytes(buf[:n], "big")
    return buf[n:n + size]


def _segment(data, width):
    data = bytes(data)
    if len(data) % width:
        raise ValueError("%d is not a multiple of %d" % (len(data), width))
    vals = [int.from_bytes(data[i:i + width], "big") for i in range(0, len(data), width)]
    return "-".join(str(v) for v in vals if v not in GREASE)


def _extensions(ch):
    if not hasattr(ch, "extensions"):
        return ["", "", ""]
    exts, curves, formats = [], "", ""
    for t, d in ch.extensions:
        if t not in GREASE:
            exts.append(t)
        if t == 0x0a:
            curves = _segment(_var(d, 2), 2)
        elif t == 0x0b:
            formats = _segment(_var(d, 1), 1)
    return ["-".join(str(x) for x in exts), curves, formats]


def _ja3_of_payload(data):
    try:
        if not data or data[0] != 22:
            return None
        records, _ = dpkt.ssl.tls_multi_factory(data)
        for rec in records:
            if rec.type != 22 or not rec.data or rec.data[0] != 1:
                continue
            hs = dpkt.ssl.TLSHandshake(rec.data)
            if not isinstance(hs.data, dpkt.ssl.TLSClientHello):
                continue
            ch = hs.data
            sid_len = ch.data[0]
            ciphers = _var(ch.data[1 + sid_len:], 2)
            return ",".join([str(ch.version), _segment(ciphers, 2)] + _extensions(ch))
    except Exception:  # ja3.py: no JA3 for this packet
        return None
    return None


def ja3_strings(path):
    """ja3.py's JA3 string of each TCP payload of the capture (None where it gives none)."""
    out = []
    with open(path, "rb") as f:
        for _, buf in dpkt.pcap.Reader(f):
            eth = dpkt.ethernet.Ethernet(buf)
            tcp = getattr(eth.data, "data", None)
            if isinstance(tcp, dpkt.tcp.TCP) and tcp.data:
                out.append(_ja3_of_payload(bytes(tcp.data)))
    return out


FIELDS = ["tls.handshake.type", "tls.handshake.version", "tls.handshake.extensions.supported_version",
          "tls.handshake.ciphersuite", "tls.handshake.extension.type", "tls.handshake.extensions_server_name",
          "tls.handshake.extensions_alpn_str", "tls.handshake.sig_hash_alg"]


def tshark_hellos(path):
    """tshark's fields of each packet that holds a ClientHello, as lists."""
    r = subprocess.run(["tshark", "-r", str(path), "-Y", "tls.handshake.type == 1", "-T", "fields",
                        "-E", "occurrence=a", "-E", "aggregator=|"] + sum((["-e", f] for f in FIELDS), []),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    rows = []
    for line in r.stdout.splitlines():
        cols = line.split("\t")
        rows.append({f: [v for v in c.split("|") if v] for f, c in zip(FIELDS, cols)})
    return rows


def _hash12(s):
    return hashlib.sha256(s.encode()).hexdigest()[:12] if s else "000000000000"


def _alpn_char(c):
    return c if c.isascii() else "9"


def ja4_from_tshark(f):
    """FoxIO's JA4 (their ClientStats and PartsOfClientFingerprint) from tshark's fields."""
    exts = [int(x) for x in f["tls.handshake.extension.type"] if int(x) not in GREASE]
    if 43 in exts:
        vers = sorted(v for v in f["tls.handshake.extensions.supported_version"] if int(v, 16) not in GREASE)
        version = vers[-1]
    else:
        version = f["tls.handshake.version"][0]
    vmap = {"0x0304": "13", "0x0303": "12", "0x0302": "11", "0x0301": "10", "0x0300": "s3", "0x0002": "s2"}
    ciphers = [c[2:] for c in f["tls.handshake.ciphersuite"] if int(c, 16) not in GREASE]
    alpn = f["tls.handshake.extensions_alpn_str"][0] if f["tls.handshake.extensions_alpn_str"] else ""
    a0 = _alpn_char(alpn[0]) if alpn else "0"
    a1 = _alpn_char(alpn[-1]) if len(alpn) > 1 else "0"
    first = "t%s%s%02d%02d%s%s" % (vmap.get(version, "00"), "d" if 0 in exts else "i", min(len(ciphers), 99),
                                   min(len(exts), 99), a0, a1)
    sigs = ",".join(s[2:] for s in f["tls.handshake.sig_hash_alg"])
    ext_s = ",".join("%04x" % e for e in sorted(e for e in exts if e not in (0, 16)))
    ext_s += ("_" + sigs) if sigs else ""
    c_s = ",".join(sorted(ciphers))
    return "%s_%s_%s" % (first, _hash12(c_s), _hash12(ext_s)), "%s_%s_%s" % (first, c_s, ext_s), \
        len(ciphers) + len(exts)
