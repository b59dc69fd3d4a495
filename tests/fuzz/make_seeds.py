# SPDX-License-Identifier: GPL-2.0-only
"""Writes seed corpora for make fuzz: DNS messages from dnspython, TLS client
streams from Python's ssl module (whole, split over records) and the odd hellos
of the integration tests, HTTP requests (CONNECT among them), the integration
tests' Sigma rules, a real QUIC client Initial, the container runtimes' real
answers (Docker's inspect and events, containerd's bundle), a real read of fanotify's records.
Debian's python."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "unit"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))


def main(out):
    os.makedirs(os.path.join(out, "dns"), exist_ok=True)
    os.makedirs(os.path.join(out, "tls"), exist_ok=True)
    os.makedirs(os.path.join(out, "http"), exist_ok=True)
    os.makedirs(os.path.join(out, "sigma"), exist_ok=True)
    # The integration tests' rules, every category and verdict among them.
    rules = os.path.join(os.path.dirname(__file__), "..", "integration", "sigma_rules")
    for dirpath, _, files in os.walk(rules):
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as src, \
                    open(os.path.join(out, "sigma", name), "wb") as dst:
                dst.write(src.read())
    for i, req in enumerate([b"GET /a?b=c HTTP/1.1\r\nHost: h:80\r\nUser-Agent: curl/7.88.1\r\n\r\n",
                             b"POST http://[::1]:8/x HTTP/1.0\nuser-agent: y\n\n",
                             b"CONNECT svc.example:443 HTTP/1.1\r\nHost: svc.example:443\r\n\r\n"]):
        with open(os.path.join(out, "http", "req%d" % i), "wb") as f:
            f.write(req)
    import io
    import contextlib
    with contextlib.redirect_stdout(io.StringIO()):
        import dns_vectors
    for name, msg in dns_vectors.MSGS:
        with open(os.path.join(out, "dns", name), "wb") as f:
            f.write(msg.to_wire())
    import tls_client
    for i, (alpn, records) in enumerate([(["h2"], 1), (["h2", "http/1.1"], 3), ([], 1), (["x" * 200] * 10, 2)]):
        data = tls_client.reframe(tls_client.client_hello("seed%d.example" % i, alpn), records)
        with open(os.path.join(out, "tls", "hello%d" % i), "wb") as f:
            f.write(data)
    # The odd hellos of test_tls_odd.py: 350 suites, an odd-length list, a list past the end,
    # an extension that overruns, SSLv2.
    import test_tls_odd
    for name, data in test_tls_odd.CASES.items():
        with open(os.path.join(out, "tls", "odd-" + name), "wb") as f:
            f.write(data)

    # QUIC: the real client Initial of the unit test, whole and cut.
    import re
    os.makedirs(os.path.join(out, "quic"), exist_ok=True)
    text = open(os.path.join(os.path.dirname(__file__), "..", "unit", "quic_vectors.h")).read()
    initial = bytes.fromhex("".join(re.findall(r'"([0-9a-f]+)"', text)))
    for i, n in enumerate((len(initial), 600, 60)):
        with open(os.path.join(out, "quic", "initial%d" % i), "wb") as f:
            f.write(initial[:n])

    # Containers: the unit test's real answers, as the C strings hold them.
    os.makedirs(os.path.join(out, "ctr"), exist_ok=True)
    text = open(os.path.join(os.path.dirname(__file__), "..", "unit", "ctr_vectors.h")).read()
    for m in re.finditer(r"static const char (\w+)\[\] =\n((?:\t\".*\"\n?)+);", text):
        body = "".join(re.findall(r'\t"(.*)"', m.group(2)))
        data = body.encode().decode("unicode_escape").encode("latin-1")
        with open(os.path.join(out, "ctr", m.group(1)), "wb") as f:
            f.write(data)

    # fanotify: the unit test's real read, whole and cut after each record.
    os.makedirs(os.path.join(out, "fsnote"), exist_ok=True)
    text = open(os.path.join(os.path.dirname(__file__), "..", "unit", "fsnote_vectors.h")).read()
    rec = bytes(int(x, 16) for x in re.findall(r"0x([0-9a-f]{2})", text))
    for i, n in enumerate((len(rec), 96, 232)):
        with open(os.path.join(out, "fsnote", "read%d" % i), "wb") as f:
            f.write(rec[:n])


if __name__ == "__main__":
    main(sys.argv[1])
