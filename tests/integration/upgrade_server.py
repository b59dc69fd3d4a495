# SPDX-License-Identifier: GPL-2.0-only
"""A server for connections that turn to TLS after a plain-text start, enough for real clients
(openssl s_client -starttls, curl -x) to reach their ClientHello: each protocol's greeting and
answers up to its STARTTLS, or an HTTP CONNECT proxy that tunnels to a TLS server. Serves one
connection, then exits. Prints "ready" once it listens.

usage: upgrade_server.py PROTO ADDR PORT CERT KEY [TUNNEL_HOST TUNNEL_PORT]
"""
import socket
import ssl
import sys

# What the server says first (None: the client speaks first), then, for each client line holding
# the key, the answer. The last answer is the go-ahead for TLS.
SCRIPTS = {
    "smtp": ("220 mail.test.example ESMTP\r\n",
             [("EHLO", "250-mail.test.example\r\n250 STARTTLS\r\n"), ("STARTTLS", "220 2.0.0 Ready\r\n")]),
    "imap": ("* OK IMAP4rev1 ready\r\n",
             [("CAPABILITY", "* CAPABILITY IMAP4rev1 STARTTLS\r\n. OK done\r\n"), ("STARTTLS", ". OK go\r\n")]),
    "pop3": ("+OK POP3 ready\r\n", [("STLS", "+OK go\r\n")]),
    "ftp": ("220 FTP ready\r\n", [("AUTH TLS", "234 AUTH TLS ok\r\n")]),
    "xmpp": (None, [("<stream:stream",
                     "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                     "xmlns:stream='http://etherx.jabber.org/streams' id='1' from='test.example' version='1.0'>"
                     "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
                     "</stream:features>"),
                    ("<starttls", "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")]),
}


def read_until(conn, key, buf):
    while key.encode() not in buf:
        chunk = conn.recv(4096)
        if not chunk:
            raise SystemExit("client left before " + key)
        buf += chunk
    return buf[buf.index(key.encode()) + len(key):]


def tunnel(conn, host, port):
    """An HTTP proxy's CONNECT: answer 200, then relay both ways until either side closes."""
    read_until(conn, "\r\n\r\n", b"")
    up = socket.create_connection((host, int(port)))
    conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(conn, selectors.EVENT_READ, up)
    sel.register(up, selectors.EVENT_READ, conn)
    while True:
        for key, _ in sel.select(10):
            data = key.fileobj.recv(65536)
            if not data:
                return
            key.data.sendall(data)


def main():
    proto, addr, port, cert, key = sys.argv[1:6]
    srv = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, int(port)))
    srv.listen(1)
    print("ready", flush=True)
    conn, _ = srv.accept()
    conn.settimeout(10)
    if proto == "connect":
        tunnel(conn, *sys.argv[6:8])
        return
    greeting, steps = SCRIPTS[proto]
    if greeting:
        conn.sendall(greeting.encode())
    buf = b""
    for want, answer in steps:
        buf = read_until(conn, want, buf)
        conn.sendall(answer.encode())
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    try:
        with ctx.wrap_socket(conn, server_side=True) as tls:
            tls.recv(1)
    except (ssl.SSLError, OSError):
        pass


if __name__ == "__main__":
    main()
