# SPDX-License-Identifier: GPL-2.0-only
"""QUIC Initials (#20): Debian's ngtcp2 client (gtlsclient) talks HTTP/3 to its server in the
test's namespaces; whoflow decrypts the client's Initial and reports its ClientHello as a TLS event
of the UDP flow, named after the client process, and tshark (which decrypts QUIC Initials itself)
dissects the same packets: SNI, ALPN, cipher suites, extensions, groups and signature algorithms
must be equal, and JA4 must name QUIC ('q'). Version 2 comes from Debian's chromium."""
import subprocess
import sys
import threading

import pytest

import whoflow_harness as h
from whoflow_harness import get

NAME, PORT = "quic.test.example", 4433


@pytest.fixture
def quic_cert(tmp_path):
    key, crt = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(crt), "-days", "1", "-subj", "/CN=" + NAME], check=True, capture_output=True)
    return str(key), str(crt)


def tshark_hellos(pcap):
    fields = ["tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str",
              "tls.handshake.ciphersuite", "tls.handshake.extension.type", "tls.handshake.extensions_supported_group",
              "tls.handshake.sig_hash_alg", "udp.srcport", "quic.version"]
    out = subprocess.run(["tshark", "-r", pcap, "-d", "udp.port==%d,quic" % PORT, "-Y",
                          "tls.handshake.type == 1", "-T", "fields", "-E", "separator=|", "-E", "occurrence=a",
                          "-E", "aggregator=,"] + sum((["-e", f] for f in fields), []),
                         capture_output=True, text=True, check=True).stdout
    ints = lambda s: [int(x, 0) for x in s.split(",") if x]  # noqa: E731
    rows = []
    for line in out.splitlines():
        v = dict(zip(fields, line.split("|")))
        rows.append({"sni": v[fields[0]], "alpn": [a for a in v[fields[1]].split(",") if a],
                     "ciphers": ints(v[fields[2]]), "extensions": ints(v[fields[3]]), "groups": ints(v[fields[4]]),
                     "sig_algs": ints(v[fields[5]]), "sport": int(v[fields[6]].split(",")[0]),
                     "version": int(v[fields[7]].split(",")[0], 0)})
    return rows


def tshark_server_hellos(pcap):
    out = subprocess.run(["tshark", "-r", pcap, "-d", "udp.port==%d,quic" % PORT, "-Y", "tls.handshake.type == 2",
                          "-T", "fields", "-E", "separator=|", "-E", "occurrence=f", "-e", "tls.handshake.ciphersuite",
                          "-e", "tls.handshake.extensions.supported_version"],
                         capture_output=True, text=True, check=True).stdout
    return [{"cipher": int(c, 0), "version": int(v, 0)} for c, v in (l.split("|") for l in out.splitlines())]


def run_quic(agents, topo, cgroup, quic_cert, tmp_path, version=None, extra=()):
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n%s %s\n" % (topo.SERVER4, NAME))
    pcap = str(tmp_path / "quic.pcap")
    td = subprocess.Popen(topo.in_ns(topo.host, ["tcpdump", "-i", topo.veth, "--immediate-mode", "-U", "-w", pcap,
                                                 "udp", "port", str(PORT)]),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for line in td.stderr:
        if b"listening on" in line:
            break
    threading.Thread(target=td.stderr.read, daemon=True).start()
    srv = subprocess.Popen(topo.in_ns(topo.server, ["gtlsserver", "-q", topo.SERVER4, str(PORT)] + list(quic_cert)),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        a = agents(["--cgroup", cgroup.path] + list(extra), netns=topo.host).wait_ready()
        # The client resolves the name through a hosts file of its own (a private mount namespace).
        script = "mount --bind %s /etc/hosts && exec gtlsclient -q --exit-on-first-stream-close%s %s %d " \
                 "https://%s:%d/" % (hosts, " -v " + version if version else "", NAME, PORT, NAME, PORT)
        cli = cgroup.spawn(topo.in_ns(topo.host, ["unshare", "-m", "sh", "-c", script]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert cli.wait(30) == 0, cli.stderr.read()
        ev = a.wait_for(lambda e: get(e, "event.action") == "tls-client-hello", timeout=20)
        rc, summary = a.stop()
        assert rc == 0
    finally:
        srv.kill()
        srv.wait(10)
        td.terminate()
        td.wait(10)
    return a, ev, cli, tshark_hellos(pcap), tshark_server_hellos(pcap)


@pytest.mark.parametrize("ingress", ["tc", "xdp"])
def test_quic_v1_hello_against_tshark(agents, topo, cgroup, quic_cert, tmp_path, ingress):
    """With --xdp the server's Initial (its ServerHello) arrives through the XDP program."""
    a, ev, cli, rows, srows = run_quic(agents, topo, cgroup, quic_cert, tmp_path,
                                       extra=["--xdp"] if ingress == "xdp" else [])
    # TC ingress ships no UDP when XDP takes the interface: the ServerHello below came through XDP.
    assert any(("+xdp" in l) == (ingress == "xdp") for l in a.stderr if "ready:" in l), a.stderr
    hellos = [e for e in a.events if get(e, "event.action") == "tls-client-hello"]
    assert len(hellos) == len(rows) == 1, (hellos, rows)
    row = rows[0]
    assert get(ev, "network.transport") == "udp" and get(ev, "network.protocol") == "quic"
    assert get(ev, "destination.port") == PORT and get(ev, "source.port") == row["sport"]
    assert get(ev, "tls.client.server_name") == row["sni"] == NAME
    assert get(ev, "whoflow.tls.client.alpn") == row["alpn"] == ["h3"]
    assert get(ev, "whoflow.tls.client.ciphers") == row["ciphers"]
    assert get(ev, "whoflow.tls.client.extensions") == row["extensions"]
    assert get(ev, "whoflow.tls.client.supported_groups") == row["groups"]
    assert get(ev, "whoflow.tls.client.signature_algorithms") == row["sig_algs"]
    assert get(ev, "whoflow.quic.version") == "0x%08x" % row["version"] == "0x00000001"
    assert get(ev, "tls.client.ja4").startswith("q13d")
    # The server's answer, from its own Initial (sealed with the server's Initial keys).
    assert len(srows) == 1 and srows[0]["version"] == 0x0304
    assert get(ev, "whoflow.tls.server.cipher") == "0x%04x" % srows[0]["cipher"]
    assert get(ev, "whoflow.tls.server.selected_version") == "0x0304" and get(ev, "tls.version") == "1.3"
    assert get(ev, "whoflow.tls.client.ja4_r").startswith("q13d") if get(ev, "whoflow.tls.client.ja4_r") else True
    # The client is named (the unshare shell execs it: same pid).
    assert get(ev, "process.pid") == cli.pid and get(ev, "process.name") == "gtlsclient"
    flows = [e for e in a.events if get(e, "event.action") == "flow" and get(e, "source.port") == row["sport"]]
    assert flows and get(flows[0], "whoflow.flow.id") == get(ev, "whoflow.flow.id")


def test_udp_that_is_not_quic_makes_no_hello(agents, netns, cgroup):
    """Large UDP datagrams that look almost like Initials (wrong version, short header, not
    decrypting) make no TLS event; those that do not decrypt are counted."""
    a = agents(["--cgroup", cgroup.path, "-i", "lo"], netns=netns).wait_ready()
    code = ("import socket, os\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "for first, ver in ((0xc0, b'\\x00\\x00\\x00\\x01'), (0xc0, b'\\x00\\x00\\x00\\x07'),"
            " (0x40, b'\\x00\\x00\\x00\\x01')):\n"
            "    s.sendto(bytes([first]) + ver + bytes([8]) + os.urandom(8) + bytes([0, 0, 0x44, 0xb0])"
            " + os.urandom(1200), ('127.0.0.1', 4433))\n")
    p = cgroup.spawn(["nsenter", "--net=" + netns.path, "/usr/bin/python3", "-c", code])
    assert p.wait(20) == 0
    a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.pid") == p.pid)
    rc, _ = a.stop()
    assert rc == 0
    assert not [e for e in a.events if get(e, "event.action") == "tls-client-hello"]
    quic = [l for l in a.stderr if l.startswith("whoflow: summary: quic")]
    assert quic and h.parse_summary(quic[0])["undecryptable"] == 1, a.stderr


def test_quic_v2_hello_from_chromium(agents, netns, cgroup, tmp_path):
    """QUIC version 2 (RFC 9369) from a real client: Debian's chromium told to speak it
    (--quic-version=RFCv2) opens an HTTP/3 connection that nobody answers. Its Initials (its
    ClientHello, with a post-quantum key share, spans two of them) are decrypted with v2's salt and
    labels; tshark (4.0 cannot decrypt v2) reads the version of the same packets."""
    pcap = str(tmp_path / "v2.pcap")
    td = subprocess.Popen(["nsenter", "--net=" + netns.path, "tcpdump", "-i", "lo", "--immediate-mode", "-U", "-w",
                           pcap, "udp", "port", str(PORT)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for line in td.stderr:
        if b"listening on" in line:
            break
    threading.Thread(target=td.stderr.read, daemon=True).start()
    # A socket that takes the datagrams and answers nothing: no ICMP error ends the attempt
    # before the client's second Initial.
    sink = subprocess.Popen(["nsenter", "--net=" + netns.path, sys.executable, "-c",
                             "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                             "s.bind(('127.0.0.1', %d))\nprint('bound', flush=True)\n"
                             "while True: s.recv(65536)" % PORT], stdout=subprocess.PIPE, text=True)
    ch = None
    try:
        assert sink.stdout.readline().strip() == "bound"
        a = agents(["--cgroup", cgroup.path, "-i", "lo"], netns=netns).wait_ready()
        url = "https://%s:%d/" % (NAME, PORT)
        ch = cgroup.spawn(["nsenter", "--net=" + netns.path, "timeout", "20", "/usr/bin/chromium", "--headless=new",
                           "--no-sandbox", "--disable-gpu", "--user-data-dir=" + str(tmp_path / "profile"),
                           "--enable-quic", "--quic-version=RFCv2", "--origin-to-force-quic-on=%s:%d" % (NAME, PORT),
                           "--host-resolver-rules=MAP %s 127.0.0.1" % NAME, "--dump-dom", url],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ev = a.wait_for(lambda e: get(e, "event.action") == "tls-client-hello", timeout=30)
        rc, _ = a.stop()
        assert rc == 0
    finally:
        if ch:
            ch.terminate()  # timeout passes it on to chromium
            ch.wait(30)
        sink.kill()
        sink.wait(10)
        td.terminate()
        td.wait(10)
    out = subprocess.run(["tshark", "-r", pcap, "-d", "udp.port==%d,quic" % PORT, "-T", "fields", "-e", "udp.srcport",
                          "-e", "quic.version"], capture_output=True, text=True, check=True).stdout.split()
    assert out and out[1] == "0x6b3343cf", out
    assert get(ev, "network.transport") == "udp" and get(ev, "network.protocol") == "quic"
    assert get(ev, "whoflow.quic.version") == "0x6b3343cf"
    assert get(ev, "source.port") == int(out[0]) and get(ev, "destination.port") == PORT
    assert get(ev, "tls.client.server_name") == NAME
    assert get(ev, "whoflow.tls.client.alpn") == ["h3"]
    assert get(ev, "tls.client.ja4").startswith("q13d")
    assert get(ev, "whoflow.quic.initial_packets") >= 2, ev  # the hello spans two Initials
    assert get(ev, "process.executable") == "/usr/lib/chromium/chromium"
