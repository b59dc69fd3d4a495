# SPDX-License-Identifier: GPL-2.0-only
"""One process that asks a DNS name (UDP) and then opens a TLS session, and says what it did:
its pid, the local ports of both sockets, the answer's addresses and the SNI it sent.

usage: log_actor.py DNS_SERVER NAME TLS_SERVER TLS_PORT SNI
"""
import json
import os
import socket
import ssl
import sys

import dns.message
import dns.query
import dns.rdatatype


def main():
    dns_server, name, tls_server, tls_port, sni = sys.argv[1:6]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("0.0.0.0", 0))
    q = dns.message.make_query(name, dns.rdatatype.A)
    r = dns.query.udp(q, dns_server, timeout=5, sock=udp)
    answers = [rr.address for rrset in r.answer for rr in rrset if rrset.rdtype == dns.rdatatype.A]
    udp_port = udp.getsockname()[1]
    udp.close()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((tls_server, int(tls_port)), timeout=10) as tcp:
        tcp_port = tcp.getsockname()[1]
        with ctx.wrap_socket(tcp, server_hostname=sni) as tls:
            version = tls.version()
    print(json.dumps({"pid": os.getpid(), "udp_port": udp_port, "tcp_port": tcp_port, "dns_id": q.id,
                      "answers": answers, "sni": sni, "tls_version": version}), flush=True)


if __name__ == "__main__":
    main()
