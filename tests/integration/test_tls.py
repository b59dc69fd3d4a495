# SPDX-License-Identifier: GPL-2.0-only
"""TLS ClientHello events against tshark's dissection of the same traffic."""
import os
import signal
import subprocess
import threading

import pytest

import whoflow_harness as h
from whoflow_harness import get

PORT = 8443
SNI = "svc.test.example"
HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture
def cert(tmp_path):
    key, crt = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(crt), "-days", "1", "-subj", "/CN=" + SNI],
                   check=True, capture_output=True)
    return str(crt), str(key)


class Capture:
    """tcpdump on the host side of the veth: tshark's input, the oracle."""

    def __init__(self, topo, path):
        self.path = path
        self.p = subprocess.Popen(topo.in_ns(topo.host, ["tcpdump", "-i", topo.veth, "--immediate-mode", "-U", "-w", path,
                                                         "tcp", "port", str(PORT)]),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for line in self.p.stderr:  # "listening on ...": tcpdump is capturing
            if b"listening on" in line:
                break
        self.tail = []
        threading.Thread(target=lambda: self.tail.append(self.p.stderr.read()), daemon=True).start()

    def hellos(self):
        self.p.send_signal(signal.SIGINT)
        self.p.wait(10)
        fields = ["tls.handshake.extensions_server_name", "tls.handshake.ciphersuite", "tls.handshake.extension.type",
                  "tls.handshake.extensions_alpn_str", "tls.handshake.ja3", "tls.handshake.sig_hash_alg",
                  "tls.handshake.extensions_supported_group", "tcp.srcport"]
        out = subprocess.run(["tshark", "-r", self.path, "-o", "tls.desegment_ssl_records:TRUE",
                              "-d", "tcp.port==%d,tls" % PORT, "-Y", "tls.handshake.type == 1", "-T", "fields",
                              "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"]
                             + sum((["-e", f] for f in fields), []), capture_output=True, text=True, check=True)
        rows = []
        for line in out.stdout.splitlines():
            v = dict(zip(fields, line.split("|")))
            ints = lambda s: [int(x, 0) for x in s.split(",") if x]  # noqa: E731
            rows.append({"sni": v[fields[0]], "ciphers": ints(v[fields[1]]), "extensions": ints(v[fields[2]]),
                         "alpn": [a for a in v[fields[3]].split(",") if a], "ja3": v[fields[4]],
                         "sig_algs": ints(v[fields[5]]), "groups": ints(v[fields[6]]), "sport": int(v[fields[7]])})
        return rows

    def server_hellos(self):
        """tshark's ServerHellos (after hellos() stopped the capture): cipher, version, ALPN, client port."""
        fields = ["tls.handshake.ciphersuite", "tls.handshake.extensions.supported_version",
                  "tls.handshake.extensions_alpn_str", "tcp.dstport"]
        out = subprocess.run(["tshark", "-r", self.path, "-d", "tcp.port==%d,tls" % PORT,
                              "-Y", "tls.handshake.type == 2", "-T", "fields", "-E", "separator=|",
                              "-E", "occurrence=f"] + sum((["-e", f] for f in fields), []),
                             capture_output=True, text=True, check=True)
        rows = []
        for line in out.stdout.splitlines():
            v = line.split("|")
            rows.append({"cipher": int(v[0], 0), "version": int(v[1], 0) if v[1] else 0, "alpn": v[2],
                         "cport": int(v[3])})
        return rows

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def s_server(topo, cert, *extra):
    argv = ["openssl", "s_server", "-accept", "%s:%d" % (topo.SERVER4, PORT), "-cert", cert[0], "-key", cert[1],
            "-naccept", "1"] + list(extra)
    p = subprocess.Popen(topo.in_ns(topo.server, argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    for line in p.stdout:  # "ACCEPT": listening
        if b"ACCEPT" in line:
            break
    threading.Thread(target=p.stdout.read, daemon=True).start()
    return p


def check_against_tshark(ev, row):
    assert get(ev, "tls.client.server_name") == row["sni"]
    assert get(ev, "whoflow.tls.client.ciphers") == row["ciphers"]
    assert get(ev, "whoflow.tls.client.extensions") == row["extensions"]
    assert get(ev, "whoflow.tls.client.alpn") == row["alpn"]
    assert get(ev, "whoflow.tls.client.signature_algorithms") == row["sig_algs"]
    assert get(ev, "whoflow.tls.client.supported_groups") == row["groups"]
    assert get(ev, "tls.client.ja3") == row["ja3"]
    assert get(ev, "source.port") == row["sport"]


def run_case(agents, topo, cgroup, cert, tmp_path, client_argv, server_extra=(), nhellos=1):
    cap = Capture(topo, str(tmp_path / "tls.pcap"))
    try:
        srv = s_server(topo, cert, *server_extra)
        a = agents(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
        subprocess.run(topo.in_ns(topo.host, client_argv), input=b"", capture_output=True, timeout=20)
        srv.kill()
        srv.wait(10)
        evs = [a.wait_for(lambda e, i=i: len([x for x in a.events if get(x, "event.action") == "tls-client-hello"]) > i
                          and get(e, "event.action") == "tls-client-hello"
                          and e is [x for x in a.events if get(x, "event.action") == "tls-client-hello"][i])
               for i in range(nhellos)]
        rc, summary = a.stop()
        assert rc == 0
        rows = cap.hellos()
        srows = cap.server_hellos()
    finally:
        cap.kill()
    tls = [e for e in a.events if get(e, "event.action") == "tls-client-hello"]
    assert len(tls) == nhellos == len(rows), (len(tls), len(rows))
    for ev, row in zip(tls, rows):
        check_against_tshark(ev, row)
    # Each answered hello's ServerHello, in order, as tshark dissects it.
    answered = [e for e in tls if get(e, "whoflow.tls.server.cipher")]
    assert len(answered) == len(srows)
    for ev, row in zip(answered, srows):
        assert int(get(ev, "whoflow.tls.server.cipher"), 16) == row["cipher"]
        assert int(get(ev, "whoflow.tls.server.selected_version") or "0", 16) == row["version"]
        assert (get(ev, "whoflow.tls.server.alpn") or "") == row["alpn"]
        assert get(ev, "source.port") == row["cport"]
    return tls, evs


def test_openssl_tls13(agents, topo, cgroup, cert, tmp_path):
    tls, _ = run_case(agents, topo, cgroup, cert, tmp_path,
                      ["openssl", "s_client", "-connect", "%s:%d" % (topo.SERVER4, PORT), "-servername", SNI,
                       "-alpn", "h2,http/1.1", "-tls1_3"], ("-alpn", "h2"))
    ev = tls[0]
    assert get(ev, "tls.version") == "1.3" and get(ev, "tls.version_protocol") == "tls"
    assert get(ev, "tls.cipher").startswith("TLS_AES_") or get(ev, "tls.cipher").startswith("TLS_CHACHA20")
    assert get(ev, "tls.client.ja4").startswith("t13d")
    assert get(ev, "tls.client.ja4")[8:10] == "h2"
    # The hello fits its first segment: the kernel read the same SNI on its own.
    assert get(ev, "whoflow.tls.kernel_sni") == SNI
    assert get(ev, "destination.port") == PORT and get(ev, "network.direction") == "egress"


def test_openssl_tls12_alpn(agents, topo, cgroup, cert, tmp_path):
    tls, _ = run_case(agents, topo, cgroup, cert, tmp_path,
                      ["openssl", "s_client", "-connect", "%s:%d" % (topo.SERVER4, PORT), "-servername", SNI,
                       "-alpn", "http/1.1", "-tls1_2"], ("-alpn", "http/1.1"))
    ev = tls[0]
    assert get(ev, "tls.version") == "1.2"
    assert get(ev, "tls.next_protocol") == "http/1.1"  # TLS 1.2 sends ALPN in the clear
    assert get(ev, "tls.client.ja4")[:4] == "t12d"  # -tls1_2: no supported_versions, legacy 1.2
    assert get(ev, "whoflow.tls.server.cipher").startswith("0x")


def test_hello_retry_request(agents, topo, cgroup, cert, tmp_path):
    """A key share the server refuses: HelloRetryRequest, then a second ClientHello."""
    tls, _ = run_case(agents, topo, cgroup, cert, tmp_path,
                      ["openssl", "s_client", "-connect", "%s:%d" % (topo.SERVER4, PORT), "-servername", SNI,
                       "-tls1_3", "-groups", "P-384:X25519"], ("-groups", "X25519"), nhellos=2)
    first, second = tls
    assert get(first, "whoflow.tls.server.hello_retry") is True
    assert get(second, "whoflow.tls.server.hello_retry") is False
    assert get(first, "whoflow.tls.client.key_share_groups") == [24]  # secp384r1
    assert get(second, "whoflow.tls.client.key_share_groups") == [29]  # x25519
    assert get(first, "whoflow.flow.id") == get(second, "whoflow.flow.id")


@pytest.mark.parametrize("segments,records,alpn_count", [(3, 1, 0), (1, 3, 0), (2, 2, 40)],
                         ids=["3-segments", "3-records", "bigger-than-mtu"])
def test_python_split_hellos(agents, topo, cgroup, cert, tmp_path, segments, records, alpn_count):
    client = ["/usr/bin/python3", os.path.join(HERE, "tls_client.py"), topo.SERVER4, str(PORT), SNI,
              str(segments), str(records), str(alpn_count)]
    tls, _ = run_case(agents, topo, cgroup, cert, tmp_path, client)
    ev = tls[0]
    assert get(ev, "tls.client.server_name") == SNI
    assert len(get(ev, "whoflow.tls.client.alpn")) == 2 + alpn_count
    # The kernel reads the SNI only from the first segment and record: right, or absent.
    assert get(ev, "whoflow.tls.kernel_sni") in (SNI, None)
    if alpn_count:
        assert sum(len(a) + 1 for a in get(ev, "whoflow.tls.client.alpn")) > 1500  # larger than the MTU


def nginx(topo, tmp_path, port, cert=None):
    """nginx in the server namespace answering "whoflow" on port (TLS with HTTP/2 when given a cert)."""
    tls = "ssl http2; ssl_certificate %s; ssl_certificate_key %s" % cert if cert else ""
    conf = tmp_path / "nginx.conf"
    conf.write_text("""
daemon off; master_process off; pid %(d)s/nginx.pid; error_log stderr;
events { worker_connections 64; }
http {
  access_log off; client_body_temp_path %(d)s; proxy_temp_path %(d)s; fastcgi_temp_path %(d)s;
  uwsgi_temp_path %(d)s; scgi_temp_path %(d)s;
  server { listen %(ip)s:%(port)d %(tls)s; location / { return 200 "whoflow\\n"; } }
}
""" % {"d": tmp_path, "ip": topo.SERVER4, "port": port, "tls": tls})
    return subprocess.Popen(topo.in_ns(topo.server, ["nginx", "-c", str(conf), "-p", str(tmp_path)]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def curl(topo, args):
    """curl in the host namespace; nginx has no readiness line, so connects are retried (bounded)."""
    for _ in range(50):
        r = subprocess.run(topo.in_ns(topo.host, ["curl", "-s", "--max-time", "5", "--connect-timeout", "1"] + args),
                           capture_output=True, text=True)
        if r.returncode == 0:
            break
    return r


def s_client(topo, sni, *extra):
    subprocess.run(topo.in_ns(topo.host, ["openssl", "s_client", "-connect", "%s:%d" % (topo.SERVER4, PORT),
                                          "-servername", sni] + list(extra)),
                   input=b"", capture_output=True, timeout=20)


def test_curl_to_nginx(agents, topo, cgroup, cert, tmp_path):
    cap = Capture(topo, str(tmp_path / "tls.pcap"))
    ngx = nginx(topo, tmp_path, PORT, cert)
    try:
        a = agents(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
        r = curl(topo, ["-k", "--resolve", "%s:%d:%s" % (SNI, PORT, topo.SERVER4), "https://%s:%d/" % (SNI, PORT)])
        assert r.stdout == "whoflow\n"
        a.wait_for(lambda e: get(e, "event.action") == "tls-client-hello" and get(e, "tls.version"))
        a.stop()
        rows = cap.hellos()
    finally:
        cap.kill()
        ngx.terminate()
        ngx.wait(10)
    tls = [e for e in a.events if get(e, "event.action") == "tls-client-hello"]
    ok = [e for e in tls if get(e, "tls.version")]
    assert ok and len(tls) == len(rows)
    for ev, row in zip(tls, rows):
        check_against_tshark(ev, row)
    assert get(ok[-1], "tls.client.server_name") == SNI
    assert "h2" in get(ok[-1], "whoflow.tls.client.alpn")


def test_events_doc_names_every_tls_field(agents, topo, cgroup, cert, tmp_path):
    from test_cli import flatten, DOCS
    tls, _ = run_case(agents, topo, cgroup, cert, tmp_path,
                      ["openssl", "s_client", "-connect", "%s:%d" % (topo.SERVER4, PORT), "-servername", SNI,
                       "-alpn", "http/1.1", "-tls1_2"], ("-alpn", "http/1.1"))
    doc = open(os.path.join(DOCS, "events.md")).read()
    fields = {f for e in tls for f in flatten(e)}
    assert {"tls.next_protocol", "tls.client.ja4_r", "whoflow.tls.server.alpn"} <= fields
    missing = sorted(f for f in fields if "`%s`" % f not in doc)
    assert not missing, "fields missing from docs/events.md: %s" % missing


def test_sni_and_version_selectors(agents, topo, cgroup, cert, tmp_path):
    srv = s_server(topo, cert)
    a = agents(["--cgroup", cgroup.path, "--sni", "*.test.example", "--tls-version", "1.2"],
               netns=topo.host).wait_ready()
    s_client(topo, "svc.test.example", "-tls1_2")
    srv.kill()
    srv.wait(10)
    srv = s_server(topo, cert)
    s_client(topo, "other.example", "-tls1_2")
    srv.kill()
    srv.wait(10)
    a.wait_for(lambda e: get(e, "event.action") == "tls-client-hello")
    rc, summary = a.stop()
    tls = [e for e in a.events if get(e, "event.action") == "tls-client-hello"]
    assert [get(e, "tls.client.server_name") for e in tls] == ["svc.test.example"]
    assert h.parse_summary(summary)["filtered"] == 1


def test_http_requests_match_curl(agents, topo, cgroup, tmp_path):
    """Plain HTTP to nginx on a non-standard port: each request of a keep-alive connection."""
    ngx = nginx(topo, tmp_path, 8081)
    try:
        a = agents(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
        base = "http://web.test.example:8081"
        urls = [base + "/first?x=1", base + "/second/path"]
        r = curl(topo, ["-A", "whoflow-test/1.0", "--resolve", "web.test.example:8081:%s" % topo.SERVER4] + urls)
        assert r.stdout == "whoflow\n" * 2
        second = a.wait_for(lambda e: get(e, "url.path") == "/second/path")
        first = a.wait_for(lambda e: get(e, "url.path") == "/first")
        a.stop()
    finally:
        ngx.terminate()
        ngx.wait(10)
    for ev in (first, second):
        assert get(ev, "http.request.method") == "GET"
        assert get(ev, "url.domain") == "web.test.example" and get(ev, "url.port") == 8081
        assert get(ev, "user_agent.original") == "whoflow-test/1.0"
        assert get(ev, "http.version") == "1.1"
        assert get(ev, "whoflow.http.headers_complete") is True
        assert get(ev, "destination.ip") == topo.SERVER4 and get(ev, "destination.port") == 8081
    assert get(first, "url.query") == "x=1"
    assert get(first, "whoflow.flow.id") == get(second, "whoflow.flow.id")  # one keep-alive connection
    https = [e for e in a.events if get(e, "event.action") == "http-request"]
    assert len(https) == 2
    from test_cli import flatten, DOCS
    doc = open(os.path.join(DOCS, "events.md")).read()
    missing = sorted(f for e in https for f in flatten(e) if "`%s`" % f not in doc)
    assert not missing, "fields missing from docs/events.md: %s" % missing
