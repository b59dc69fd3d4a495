# SPDX-License-Identifier: GPL-2.0-only
"""A TLS client that sends a real ClientHello (made by Python's ssl module) the
way a test asks: split over several TCP segments, over several TLS records, or
padded past the MTU with a long ALPN list. Prints the hello's SNI and ALPN.

usage: tls_client.py HOST PORT SNI SEGMENTS RECORDS ALPN_COUNT [tfo]

With tfo, the first segment rides on the SYN (TCP Fast Open, MSG_FASTOPEN).
"""
import socket
import ssl
import sys


def client_hello(sni, alpn):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(alpn)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=sni)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def reframe(record, nrecords):
    """The one handshake record's body, re-split over nrecords records."""
    assert record[0] == 22 and len(record) == 5 + int.from_bytes(record[3:5], "big")
    body, cut = record[5:], []
    step = (len(body) + nrecords - 1) // nrecords
    for i in range(0, len(body), step):
        part = body[i:i + step]
        cut.append(bytes([22]) + record[1:3] + len(part).to_bytes(2, "big") + part)
    return b"".join(cut)


def main():
    host, port, sni, segments, records, alpn_count = sys.argv[1:7]
    alpn = ["h2", "http/1.1"] + ["x-whoflow-test-protocol-%02d-%s" % (i, "p" * 30) for i in range(int(alpn_count))]
    data = reframe(client_hello(sni, alpn), int(records))
    tfo = sys.argv[7:8] == ["tfo"]
    n = int(segments)
    step = (len(data) + n - 1) // n
    if tfo:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sent = s.sendto(data[:step], socket.MSG_FASTOPEN, (host, int(port)))
        assert sent == step, sent  # all of it on the SYN, or the test proves nothing
        start = step
    else:
        s = socket.create_connection((host, int(port)))
        # Nagle off: each send() leaves as its own segment.
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        start = 0
    for i in range(start, len(data), step):
        s.sendall(data[i:i + step])
    s.settimeout(5)
    try:
        s.recv(65536)  # the server's first flight: the hello was understood
    except socket.timeout:
        pass
    s.close()
    print(len(data), flush=True)


if __name__ == "__main__":
    main()
