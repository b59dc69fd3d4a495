# SPDX-License-Identifier: GPL-2.0-only
"""TLS that is not a stream's first payload (#14 item 2): the hello after an HTTP proxy's CONNECT
(the CONNECT itself an HTTP event), after a STARTTLS dialogue (SMTP, IMAP, POP3, FTP, XMPP), and
after a PROXY protocol header. Real clients (curl -x, openssl s_client -starttls, curl
--haproxy-protocol) in the test namespaces; tshark's dissection of the same traffic is the oracle."""
import os
import signal
import subprocess
import threading

import pytest
from scapy.all import IP, TCP, Ether, Raw, wrpcap

import whoflow_harness as h
from whoflow_harness import get
from test_tls import HERE, PORT, SNI, cert, s_server  # noqa: F401  (fixture)

UPGRADE = os.path.join(HERE, "upgrade_server.py")


def start(topo, argv, ready):
    p = subprocess.Popen(topo.in_ns(topo.server, argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    for line in p.stdout:
        if ready in line:
            break
    threading.Thread(target=p.stdout.read, daemon=True).start()
    return p


def capture(topo, path, *filt):
    p = subprocess.Popen(topo.in_ns(topo.host, ["tcpdump", "-i", topo.veth, "--immediate-mode", "-U", "-w", path]
                                    + list(filt)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for line in p.stderr:
        if b"listening on" in line:
            break
    return p


def tshark(path, decode, *fields):
    r = subprocess.run(["tshark", "-r", path] + sum((["-d", d] for d in decode), []) +
                       ["-Y", "tls.handshake.type == 1", "-T", "fields", "-E", "occurrence=f"]
                       + sum((["-e", f] for f in fields), []), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return [line.split("\t") for line in r.stdout.splitlines()]


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


def hellos(a):
    return [e for e in a.events if get(e, "event.action") == "tls-client-hello"]


def test_hello_through_an_http_proxy_tunnel(agents, topo, cgroup, cert, tmp_path):
    pcap = str(tmp_path / "connect.pcap")
    cap = capture(topo, pcap, "tcp", "port", "3128")
    srv = proxy = None
    try:
        srv = s_server(topo, cert)
        proxy = start(topo, ["/usr/bin/python3", UPGRADE, "connect", topo.SERVER4, "3128", cert[0], cert[1],
                             topo.SERVER4, str(PORT)], b"ready")
        a = agents(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
        subprocess.run(topo.in_ns(topo.host, ["curl", "-sk", "--max-time", "5", "-x", "http://%s:3128" % topo.SERVER4,
                                              "--resolve", "%s:%d:%s" % (SNI, PORT, topo.SERVER4),
                                              "https://%s:%d/" % (SNI, PORT)]), capture_output=True, timeout=20)
        req = a.wait_for(lambda e: get(e, "http.request.method") == "CONNECT")
        tls = a.wait_for(lambda e: get(e, "event.action") == "tls-client-hello")
        rc, _ = a.stop()
        assert rc == 0
    finally:
        for p in (proxy, srv):
            if p:
                p.kill()
                p.wait(10)
        stop(cap)
    # The CONNECT request, as curl sent it; the hello inside the tunnel, as tshark reads it.
    assert get(req, "url.original") == "%s:%d" % (SNI, PORT)
    assert get(req, "url.domain") == SNI and get(req, "url.port") == PORT
    assert get(req, "url.path") is None
    (row,) = tshark(pcap, ["tcp.port==3128,http"], "tls.handshake.extensions_server_name", "tls.handshake.ja3")
    assert get(tls, "tls.client.server_name") == row[0] == SNI
    assert get(tls, "tls.client.ja3") == row[1]
    # One flow: the client's connection to the proxy.
    assert get(tls, "whoflow.flow.id") == get(req, "whoflow.flow.id")
    assert get(tls, "destination.port") == 3128


@pytest.mark.parametrize("proto", ["smtp", "imap", "pop3", "ftp", "xmpp"])
def test_hello_after_starttls(agents, topo, cgroup, cert, tmp_path, proto):
    port = 2525
    pcap = str(tmp_path / (proto + ".pcap"))
    cap = capture(topo, pcap, "tcp", "port", str(port))
    srv = None
    try:
        srv = start(topo, ["/usr/bin/python3", UPGRADE, proto, topo.SERVER4, str(port), cert[0], cert[1]], b"ready")
        a = agents(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
        extra = ["-xmpphost", "test.example"] if proto == "xmpp" else []
        subprocess.run(topo.in_ns(topo.host, ["openssl", "s_client", "-connect", "%s:%d" % (topo.SERVER4, port),
                                              "-starttls", proto, "-servername", SNI] + extra),
                       input=b"", capture_output=True, timeout=20)
        ev = a.wait_for(lambda e: get(e, "event.action") == "tls-client-hello")
        rc, _ = a.stop()
        assert rc == 0
    finally:
        if srv:
            srv.kill()
            srv.wait(10)
        stop(cap)
    decode = {"smtp": "smtp", "imap": "imap", "pop3": "pop", "ftp": "ftp", "xmpp": "xmpp"}[proto]
    rows = tshark(pcap, ["tcp.port==%d,%s" % (port, decode)], "tls.handshake.extensions_server_name",
                  "tls.handshake.ja3")
    assert len(hellos(a)) == 1
    assert get(ev, "tls.client.server_name") == SNI
    assert get(ev, "destination.port") == port
    # tshark follows each protocol's STARTTLS into TLS: the same hello.
    assert rows == [[SNI, get(ev, "tls.client.ja3")]]


def proxy_pcap(path, header, hello_payload, second=b""):
    c, s, sp = "10.9.0.1", "10.9.0.2", 40100
    pkts = [Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=8443, flags="S", seq=1000),
            Ether() / IP(src=s, dst=c) / TCP(sport=8443, dport=sp, flags="SA", seq=5000, ack=1001),
            Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=8443, flags="A", seq=1001, ack=5001),
            Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=8443, flags="PA", seq=1001, ack=5001) /
            Raw(header + hello_payload)]
    if second:
        seq = 1001 + len(header) + len(hello_payload)
        pkts.append(Ether() / IP(src=c, dst=s) / TCP(sport=sp, dport=8443, flags="PA", seq=seq, ack=5001) /
                    Raw(second))
    wrpcap(str(path), pkts)


def replay(path):
    import json
    r = subprocess.run([h.WHOFLOW, "-r", str(path), "--json"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return [json.loads(x) for x in r.stdout.splitlines()]


def openssl_hello(tmp_path):
    """A real ClientHello (Python's ssl module), the bytes a client sends first."""
    r = subprocess.run(["/usr/bin/python3", "-c",
                        "import ssl,sys\nc=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\nc.check_hostname=False\n"
                        "c.verify_mode=ssl.CERT_NONE\ni,o=ssl.MemoryBIO(),ssl.MemoryBIO()\n"
                        "s=c.wrap_bio(i,o,server_hostname='%s')\ntry: s.do_handshake()\n"
                        "except ssl.SSLWantReadError: pass\nsys.stdout.buffer.write(o.read())" % SNI],
                       capture_output=True, check=True)
    return r.stdout


@pytest.mark.parametrize("version", [1, 2])
def test_hello_after_a_proxy_header_in_the_same_segment(tmp_path, version):
    hello = openssl_hello(tmp_path)
    if version == 1:
        header = b"PROXY TCP4 192.0.2.10 10.9.0.2 51234 8443\r\n"
    else:
        addrs = bytes([192, 0, 2, 10, 10, 9, 0, 2]) + (51234).to_bytes(2, "big") + (8443).to_bytes(2, "big")
        header = b"\r\n\r\n\x00\r\nQUIT\n" + b"\x21\x11" + len(addrs).to_bytes(2, "big") + addrs
    path = tmp_path / ("proxy%d.pcap" % version)
    proxy_pcap(path, header, hello)
    ev = [e for e in replay(path) if get(e, "event.action") == "tls-client-hello"]
    assert len(ev) == 1
    # The oracle: tshark on the hello alone (the PROXY header cut off the same packet).
    bare = tmp_path / "bare.pcap"
    proxy_pcap(bare, b"", hello)
    (row,) = tshark(str(bare), ["tcp.port==8443,tls"], "tls.handshake.extensions_server_name", "tls.handshake.ja3")
    assert get(ev[0], "tls.client.server_name") == row[0] == SNI
    assert get(ev[0], "tls.client.ja3") == row[1]


def test_proxy_v1_from_curl(agents, topo, cgroup, cert, tmp_path):
    """curl --haproxy-protocol: the PROXY line and the hello as curl writes them."""
    srv = s_server(topo, cert)
    try:
        a = agents(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
        subprocess.run(topo.in_ns(topo.host, ["curl", "-sk", "--max-time", "5", "--haproxy-protocol",
                                              "--resolve", "%s:%d:%s" % (SNI, PORT, topo.SERVER4),
                                              "https://%s:%d/" % (SNI, PORT)]), capture_output=True, timeout=20)
        ev = a.wait_for(lambda e: get(e, "event.action") == "tls-client-hello")
        rc, _ = a.stop()
        assert rc == 0
    finally:
        srv.kill()
        srv.wait(10)
    assert get(ev, "tls.client.server_name") == SNI
    assert not get(ev, "whoflow.tls.malformed")


def test_hello_bytes_inside_a_plain_stream_are_not_tls(tmp_path):
    """A stream that starts as plain HTTP is not TLS: bytes shaped like a hello later in it (an
    upload of a captured hello) are no TLS event. Only upgradable starts are judged again."""
    path = tmp_path / "upload.pcap"
    body = openssl_hello(tmp_path)
    req = b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
    proxy_pcap(path, b"", req, second=body)
    evs = replay(path)
    assert [get(e, "http.request.method") for e in evs if get(e, "http.request.method")] == ["POST"]
    assert not [e for e in evs if get(e, "event.action") == "tls-client-hello"]
    # The same bytes after a CONNECT are the tunnel's hello.
    path = tmp_path / "tunnel.pcap"
    proxy_pcap(path, b"", b"CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", second=body)
    evs = replay(path)
    assert [get(e, "tls.client.server_name") for e in evs if get(e, "event.action") == "tls-client-hello"] == [SNI]
