# SPDX-License-Identifier: GPL-2.0-only
"""The processes of the attribution tests: each role does one known thing on the
network and prints, as one JSON line, what it did (its pid, ports, children).

Roles that must be waited for print {"ready": true} first. Every blocking call
has a timeout, so no role outlives a failed test by more than a few seconds.
"""
import json
import os
import socket
import struct
import sys
import threading

TIMEOUT = 10


def say(**kw):
    print(json.dumps(kw), flush=True)


def dns_query(qid, name):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", 1, 1)


def tcp_echo(family, addr, port):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=echo_conn, args=(c,), daemon=True).start()


def echo_conn(c):
    with c:
        c.settimeout(TIMEOUT)
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    return
                c.sendall(data)
        except OSError:
            return


def udp_echo(addr, port):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        data, peer = s.recvfrom(65536)
        s.sendto(data, peer)


def http_keepalive(addr, port):
    """Answers every request head on a connection with a tiny 200: the requests are the test."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        threading.Thread(target=http_conn, args=(c,), daemon=True).start()


def http_conn(c):
    with c:
        c.settimeout(TIMEOUT)
        buf = b""
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    return
                buf += data
                while b"\r\n\r\n" in buf:
                    _, buf = buf.split(b"\r\n\r\n", 1)
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        except OSError:
            return


def role_servers(addr4, addr6=None):
    servers = [(tcp_echo, (socket.AF_INET6, "::", 7001)), (udp_echo, (addr4, 7003)),
               (udp_echo, (addr4, 7004)), (http_keepalive, (addr4, 7006))]
    if addr6:
        servers += [(udp_echo, (addr6, 7003)), (udp_echo, (addr6, 7004))]
    for target, args in servers:
        threading.Thread(target=target, args=args, daemon=True).start()
    say(ready=True)
    sys.stdin.read()  # until the test closes our stdin


def role_tcp_client(addr, port, family="4"):
    fam = socket.AF_INET6 if family in ("6", "mapped") else socket.AF_INET
    if family == "mapped":
        addr = "::ffff:" + addr
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect((addr, int(port)))
    s.sendall(b"hello")
    s.recv(100)
    lport = s.getsockname()[1]
    s.close()
    say(pid=os.getpid(), lport=lport)


def role_prefork_server(addr, port):
    """The listener is the parent's; a forked worker accepts and serves: the worker is the owner."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(4)
    s.settimeout(TIMEOUT)
    r, w = os.pipe()
    worker = os.fork()
    if worker == 0:
        os.close(r)
        c, _ = s.accept()
        c.settimeout(TIMEOUT)
        c.recv(100)
        c.sendall(b"served")
        c.close()
        os.write(w, b"x")
        os._exit(0)
    os.close(w)
    say(ready=True, parent=os.getpid(), worker=worker)
    os.read(r, 1)
    os.waitpid(worker, 0)
    say(done=True)


def role_connect(addr, port):
    s = socket.create_connection((addr, int(port)), timeout=TIMEOUT)
    s.sendall(b"hi")
    s.recv(100)
    lport = s.getsockname()[1]
    s.close()
    say(pid=os.getpid(), lport=lport)


def role_udp(addr, port, connected):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    if connected == "connected":
        s.connect((addr, int(port)))
        s.send(b"ping")
        s.recv(100)
    else:
        s.sendto(b"ping", (addr, int(port)))
        s.recvfrom(100)
    say(pid=os.getpid(), lport=s.getsockname()[1])


def role_handed_tcp(cgroup_procs, addr, port):
    """The socket is made here, outside the watched cgroup; a child moves into it and execs a
    program that uses the socket it was handed (as with socket activation)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.set_inheritable(True)
    child = os.fork()
    if child == 0:
        with open(cgroup_procs, "w") as f:
            f.write(str(os.getpid()))
        os.execv(sys.executable, [sys.executable, __file__, "tcp-on-fd", str(s.fileno()), addr, port])
    _, status = os.waitpid(child, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


def echo_three_and_say(s, payload):
    """Three round trips on the connected socket s, then its local port and our pid, said."""
    for _ in range(3):
        s.sendall(payload)
        s.recv(100)
    lport = s.getsockname()[1]
    s.close()
    say(pid=os.getpid(), lport=lport)


def role_moved_tcp(cgroup_procs, addr, port):
    """A TCP connection made and used outside the watched cgroup; then the process moves itself
    into it (as a service manager moves a service) and uses the connection again. Pinned to one
    CPU: a per-CPU memory of verdicts on threads, were there one, would be asked both times."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect((addr, int(port)))
    s.sendall(b"before")
    s.recv(100)
    with open(cgroup_procs, "w") as f:
        f.write(str(os.getpid()))
    echo_three_and_say(s, b"moved")


def role_tcp_on_fd(fd, addr, port):
    s = socket.socket(fileno=int(fd))
    s.settimeout(TIMEOUT)
    s.connect((addr, int(port)))
    echo_three_and_say(s, b"handed")


def role_gai(name):
    """DNS through libc's resolver, as most programs do it."""
    infos = socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)
    say(pid=os.getpid(), addrs=sorted({i[4][0] for i in infos}))


def role_dns_quick(server, name, qid):
    """Sends one query and exits at once, before the answer comes back."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    say(pid=os.getpid())
    s.sendto(dns_query(int(qid), name), (server, 53))
    os._exit(0)


def role_udp_preexisting(addr, port):
    """Its socket exists before the agent starts; it only receives afterwards."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    s.settimeout(3 * TIMEOUT)
    say(ready=True, pid=os.getpid())
    s.recvfrom(100)
    say(done=True)


def role_udp_send(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"to-preexisting", (addr, int(port)))
    say(pid=os.getpid(), lport=s.getsockname()[1])


def role_fork_shared_dns(server):
    """One unconnected UDP socket: the parent queries, then its child does on the same socket."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    s.sendto(dns_query(1111, "www.test.example"), (server, 53))
    s.recvfrom(4096)
    child = os.fork()
    if child == 0:
        s.sendto(dns_query(2222, "www.test.example"), (server, 53))
        s.recvfrom(4096)
        os._exit(0)
    os.waitpid(child, 0)
    say(parent=os.getpid(), child=child, lport=s.getsockname()[1])


def role_fork_shared_http(addr, port):
    """One TCP connection: the parent sends a request, then its child sends one on it."""
    s = socket.create_connection((addr, int(port)), timeout=TIMEOUT)
    s.sendall(b"GET /parent HTTP/1.1\r\nHost: t\r\n\r\n")
    s.recv(100)
    child = os.fork()
    if child == 0:
        s.sendall(b"GET /child HTTP/1.1\r\nHost: t\r\n\r\n")
        s.recv(100)
        os._exit(0)
    os.waitpid(child, 0)
    say(parent=os.getpid(), child=child, lport=s.getsockname()[1])


def role_fixed_port_pair(addr, sport, dport):
    """A server and a client with both ports fixed, so that the same 5-tuple can exist twice."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, int(dport)))
    srv.listen(1)
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind((addr, int(sport)))
    c.settimeout(TIMEOUT)
    c.connect((addr, int(dport)))
    a, _ = srv.accept()
    say(ready=True, pid=os.getpid())
    sys.stdin.readline()  # both namespaces hold the tuple now; the test says go
    c.sendall(b"x" * 10)
    a.recv(100)
    a.sendall(b"y" * 10)
    c.recv(100)
    c.close()
    a.close()
    say(done=True)


ROLES = {name[5:].replace("_", "-"): fn for name, fn in globals().items() if name.startswith("role_")}

if __name__ == "__main__":
    ROLES[sys.argv[1]](*sys.argv[2:])
