# SPDX-License-Identifier: GPL-2.0-only
"""Text output keeps what consumers need: each DNS answer's owner name and TTL, the TLS client's
cipher and group lists; checked against dig and tshark."""
import re
import shlex
import subprocess

from test_dns_flow import dig, dnsmasq  # noqa: F401 (dnsmasq is a fixture)
from test_tls import PORT, SNI, Capture, cert, s_server  # noqa: F401 (cert is a fixture)

GROUPS = {23: "secp256r1", 24: "secp384r1", 25: "secp521r1", 29: "x25519", 30: "x448", 256: "ffdhe2048",
          257: "ffdhe3072", 258: "ffdhe4096", 259: "ffdhe6144", 260: "ffdhe8192", 0x11ec: "X25519MLKEM768"}


def kv(line):
    """A text line's key=value pairs (repeated keys kept in order)."""
    out = []
    for word in shlex.split(line)[1:]:
        k, _, v = word.partition("=")
        out.append((k, v))
    return out


def grease(v):
    return (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)


def test_text_keeps_dns_owner_ttl_and_tls_lists(agents, topo, cgroup, dnsmasq, cert, tmp_path):  # noqa: F811
    cap = Capture(topo, str(tmp_path / "tls.pcap"))
    try:
        srv = s_server(topo, cert)
        a = agents(["--cgroup", cgroup.path], netns=topo.host, json_output=False).wait_ready()
        want = dig(topo, topo.SERVER4, "alias.test.example", "A")
        subprocess.run(topo.in_ns(topo.host, ["openssl", "s_client", "-connect", "%s:%d" % (topo.SERVER4, PORT),
                                              "-servername", SNI]), input=b"", capture_output=True, timeout=20)
        ans = a.wait_for(lambda line: line.startswith("DNS ") and "type=answer" in line
                         and "qname=alias.test.example" in line)
        hello = a.wait_for(lambda line: line.startswith("TLS ") and "sni=%s" % SNI in line)
        assert a.stop()[0] == 0
        srv.kill()
        srv.wait(10)
        rows = cap.hellos()
    finally:
        cap.kill()
    got = [v for k, v in kv(ans) if k == "answer"]
    assert got == ["%s %d %s %s" % (r["name"], r["ttl"], r["type"], r["data"]) for r in want]
    assert len(got) == 2 and got[0].startswith("alias.test.example 300 CNAME")
    fields = dict(kv(hello))
    row = next(r for r in rows if r["sni"] == SNI)
    ciphers = fields["ciphers"].split(",")
    assert len(ciphers) == len([c for c in row["ciphers"] if not grease(c)])
    assert "TLS_AES_256_GCM_SHA384" in ciphers and 0x1302 in row["ciphers"]
    assert fields["groups"].split(",") == [GROUPS.get(g, "0x%04x" % g) for g in row["groups"] if not grease(g)]
    assert re.fullmatch(r"[0-9a-f]{32}", fields["ja3"])
