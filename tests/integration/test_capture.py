# SPDX-License-Identifier: GPL-2.0-only
"""-w: pcapng written from the classifiers, annotated with each packet's process, checked
against tcpdump on the same interface, tshark/capinfos, and the Lua dissector."""
import glob
import json
import os
import re
import signal
import subprocess

import pytest

import whoflow_harness as h
from test_dns_flow import dnsmasq  # noqa: F401  (fixture)
from whoflow_harness import get

LUA = os.path.join(h.ROOT, "contrib", "wireshark", "whoflow.lua")


def capinfos(path):
    r = subprocess.run(["capinfos", "-M", path], capture_output=True, text=True)
    assert r.returncode == 0 and not r.stderr.strip(), (path, r.stderr)
    out = {}
    for line in r.stdout.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


def tshark(path, *args):
    r = subprocess.run(["tshark", "-r", path] + list(args), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert not [l for l in r.stderr.splitlines() if "Running as user" not in l], r.stderr
    return r.stdout


def packet_bytes(path, expr=("net", "198.18.0.0/24")):
    """The raw bytes of each packet between the test's addresses, in file order (read by libpcap)."""
    r = subprocess.run(["tcpdump", "-r", path, "-nn", "-xx"] + list(expr), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    packets = []
    for line in r.stdout.splitlines():
        if not line.startswith("\t0x"):
            packets.append("")
        else:
            packets[-1] += "".join(line.split(":", 1)[1].split())
    return packets


def traffic(topo, cgroup):
    """A TCP exchange (python), a curl to a closed port, a DNS query (dig): known processes."""
    srv = subprocess.Popen(topo.in_ns(topo.server, ["/usr/bin/python3", "-c",
                           "import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);"
                           "s.bind(('0.0.0.0', 8090)); s.listen(); print('up', flush=True); c, _ = s.accept();"
                           "c.settimeout(10); c.recv(100); c.sendall(b'x' * 3000); c.close()"]),
                           stdout=subprocess.PIPE, text=True)
    assert srv.stdout.readline().strip() == "up"
    py = cgroup.spawn(topo.in_ns(topo.host, ["/usr/bin/python3", "-c",
                      "import socket; c=socket.create_connection(('198.18.0.2', 8090), timeout=10); c.send(b'hi');"
                      "n=0\nwhile n < 3000:\n    d=c.recv(4096)\n    n+=len(d)\n    if not d: break\nc.close()"]))
    py.wait(20)
    srv.wait(20)
    curl = cgroup.spawn(topo.in_ns(topo.host, ["curl", "-s", "-m", "3", "http://198.18.0.2:9/"]))
    curl.wait(20)
    dig = cgroup.spawn(topo.in_ns(topo.host, ["dig", "@198.18.0.2", "nothing.example", "+tries=1", "+time=1"]),
                       stdout=subprocess.DEVNULL)
    dig.wait(20)
    return {"python3": py.pid, "curl": curl.pid, "dig": dig.pid}


def start_tcpdump(topo, path, ns=None, iface=None):
    """tcpdump writing every packet of iface (default: the host's veth) to path, once it listens."""
    td = subprocess.Popen(["nsenter", "--net=" + (ns or topo.host).path, "tcpdump", "-i", iface or topo.veth,
                           "--immediate-mode", "-U", "-w", path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for line in td.stderr:
        if b"listening on" in line:
            break
    return td


def tcpdump_count(path, *expr):
    """Packets matching expr in a file tcpdump is still writing (a packet cut in half is not counted yet)."""
    return subprocess.run(["tcpdump", "-r", path, "-nn"] + list(expr), capture_output=True,
                          text=True).stdout.count("\n")


def udp_datagrams_in(topo):
    """UDP datagrams the server's namespace has received (its /proc/net/snmp InDatagrams)."""
    snmp = subprocess.run(topo.in_ns(topo.server, ["cat", "/proc/net/snmp"]), capture_output=True, text=True).stdout
    return int(snmp.split("Udp: ")[2].split()[0])


@pytest.mark.parametrize("mode", ["tc", "xdp"])
def test_capture_matches_tcpdump_and_names_processes(agents, topo, cgroup, tmp_path, mode):
    """In XDP mode ingress packets are copied by the XDP program (no socket there: their
    owner comes from the flow); the file must be the same either way."""
    wf, td_path = str(tmp_path / "wf.pcapng"), str(tmp_path / "td.pcap")
    td = start_tcpdump(topo, td_path)
    try:
        a = agents(["--cgroup", cgroup.path, "-w", wf] + (["--xdp"] if mode == "xdp" else []),
                   netns=topo.host).wait_ready()
        assert [l for l in a.stderr if "whoflow: ready" in l and (topo.veth + "+xdp" in l) == (mode == "xdp")]
        pids = traffic(topo, cgroup)
        rc, _ = a.stop()
        assert rc == 0
        cap = [l for l in a.stderr if l.startswith("whoflow: capture: ")]
        assert cap
    finally:
        td.send_signal(signal.SIGINT)
        td.wait(10)
    # The file is on tmp_path's disk, written around the page cache: the line tells what the disk took,
    # the file's bytes (to 0.1 MB) and a page written again at each flush that had new packets.
    m = re.search(r"the disk took ([\d.]+) MB in ([\d.]+) s of writes \((\d+) MB/s\), the writer waited ([\d.]+) s",
                  cap[-1])
    assert m, cap
    size = os.path.getsize(wf)
    assert size - 50000 <= float(m.group(1)) * 1e6 <= size + 50000 + 4096 * 100, (size, cap)
    info = capinfos(wf)
    assert "pcapng" in info["File type"] and info["File timestamp precision"].startswith("nanoseconds")
    # Same packets, same bytes, as tcpdump saw them on the interface. The order of packets
    # that cross at the same instant (a FIN each way) can differ between the two taps.
    ours, theirs = packet_bytes(wf), packet_bytes(td_path)
    assert len(ours) >= 10 and sorted(ours) == sorted(theirs)
    # The Lua dissector selects exactly each process's packets (by its client port, from tcpdump).
    for comm, pid in pids.items():
        sel = tshark(wf, "-X", "lua_script:" + LUA, "-Y", 'whoflow.comm == "%s" and not icmp' % comm, "-T", "fields",
                     "-e", "whoflow.pid", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport",
                     "-e", "udp.dstport").split("\n")
        rows = [r.split("\t") for r in sel if r]
        assert rows and all(r[0] == str(pid) for r in rows), (comm, rows)
        ports = {p for r in rows for p in r[1:] if p}
        server_port = {"python3": "8090", "curl": "9", "dig": "53"}[comm]
        assert server_port in ports
        everyone = tshark(td_path, "-Y", "(tcp.port == %s or udp.port == %s) and not icmp" % (server_port, server_port),
                          "-T", "fields", "-e", "frame.number").split()
        assert len(rows) == len(everyone), (comm, len(rows), len(everyone))
    # Direction flags and the comment format.
    dirs = tshark(wf, "-Y", "tcp.dstport == 8090 and tcp.flags.syn == 1", "-T", "fields", "-e", "frame.comment",
                  "-e", "frame.p2p_dir")
    comment, p2p = dirs.strip().split("\t")
    assert comment.startswith("pid=%d tid=" % pids["python3"]) and "comm=python3" in comment
    assert "attribution=cookie" in comment and p2p == "0"  # outbound (Wireshark: 0 sent, 1 received)


def test_pcap_format_count_and_snaplen(agents, topo, cgroup, tmp_path):
    wf = str(tmp_path / "wf.pcap")
    a = agents(["--cgroup", cgroup.path, "-w", wf, "--pcap-format", "pcap", "-c", "3", "-s", "60"],
               netns=topo.host).wait_ready()
    traffic(topo, cgroup)
    assert a.proc.wait(30) == 0  # -c: stops by itself after 3 packets written
    info = capinfos(wf)
    assert "pcap" in info["File type"] and "pcapng" not in info["File type"]
    assert info["Number of packets"] == "3"
    lens = tshark(wf, "-T", "fields", "-e", "frame.cap_len").split()
    assert all(int(x) <= 60 for x in lens)


def test_rotation_by_size_with_file_count(agents, topo, cgroup, tmp_path):
    base = str(tmp_path / "rot.pcapng")
    a = agents(["--cgroup", cgroup.path, "-w", base, "-C", "1", "-W", "3"], netns=topo.host).wait_ready()
    # About 5 MB over TCP: files rot.pcapng0, 1, 2, then 0 again.
    srv = subprocess.Popen(topo.in_ns(topo.server, ["/usr/bin/python3", "-c",
                           "import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);"
                           "s.bind(('0.0.0.0', 8091)); s.listen(); print('up', flush=True); c, _ = s.accept();"
                           "c.sendall(b'y' * 5000000); c.close()"]), stdout=subprocess.PIPE, text=True)
    assert srv.stdout.readline().strip() == "up"
    subprocess.run(topo.in_ns(topo.host, ["curl", "-s", "-m", "20", "-o", "/dev/null", "telnet://198.18.0.2:8091"]),
                   timeout=30)
    srv.wait(20)
    a.stop()
    files = sorted(os.path.basename(f) for f in glob.glob(base + "*"))
    assert files == ["rot.pcapng0", "rot.pcapng1", "rot.pcapng2"], files
    for f in files:
        info = capinfos(str(tmp_path / f))
        assert int(info["Number of packets"]) > 0
        assert os.path.getsize(str(tmp_path / f)) < 1100000


def test_stdout_into_tshark(agents, topo, cgroup):
    cmd = topo.in_ns(topo.host, [h.WHOFLOW, "--cgroup", cgroup.path, "-w", "-"])
    wf = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ts = subprocess.Popen(["tshark", "-r", "-", "-T", "fields", "-e", "udp.dstport", "-l"], stdin=wf.stdout,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    wf.stdout.close()
    try:
        for line in wf.stderr:
            if line.startswith(b"whoflow: ready"):
                break
        subprocess.run(topo.in_ns(topo.host, ["dig", "@198.18.0.2", "pipe.example", "+tries=1", "+time=1"]),
                       capture_output=True)
        wf.send_signal(signal.SIGINT)
        assert wf.wait(30) == 0
        out, _ = ts.communicate(timeout=30)
    finally:
        wf.kill()
        ts.kill()
    assert "53" in out.split()


def test_unwritable_path_fails_before_attaching(topo, cgroup):
    r = subprocess.run(topo.in_ns(topo.host, [h.WHOFLOW, "--cgroup", cgroup.path, "-w", "/nonexistent/x.pcapng"]),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "cannot write the capture to /nonexistent/x.pcapng" in r.stderr
    assert "ready" not in r.stderr
    qd = subprocess.run(["tc", "-n", topo.host.name, "qdisc", "show", "dev", topo.veth], capture_output=True,
                        text=True).stdout
    assert "clsact" not in qd


def test_full_disk_stops_cleanly(agents, topo, cgroup, tmp_path):
    mnt = str(tmp_path / "small")
    os.mkdir(mnt)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt], check=True)
    try:
        path = os.path.join(mnt, "full.pcapng")
        a = agents(["--cgroup", cgroup.path, "-w", path], netns=topo.host).wait_ready()
        srv = subprocess.Popen(topo.in_ns(topo.server, ["/usr/bin/python3", "-c",
                               "import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);"
                               "s.bind(('0.0.0.0', 8092)); s.listen(); print('up', flush=True); c, _ = s.accept();"
                               "c.sendall(b'z' * 2000000); c.close()"]), stdout=subprocess.PIPE, text=True)
        assert srv.stdout.readline().strip() == "up"
        subprocess.run(topo.in_ns(topo.host, ["curl", "-s", "-m", "20", "-o", "/dev/null",
                                              "telnet://198.18.0.2:8092"]), timeout=30)
        srv.wait(20)
        a.wait_for_exit = a.proc.wait(30)  # the failed write ends the run by itself
        assert [l for l in a.stderr if "writing the capture to %s failed" % path in l]
        info = capinfos(path)
        assert int(info["Number of packets"]) > 0
    finally:
        subprocess.run(["umount", mnt], check=False)


def test_filter_expression_selects_in_the_kernel(agents, topo, cgroup, tmp_path):
    """A trailing tcpdump expression: only matching packets are copied, and (as in tcpdump)
    only they make events; what it leaves out is counted."""
    wf = str(tmp_path / "expr.pcapng")
    a = agents(["--cgroup", cgroup.path, "-w", wf, "udp", "and", "port", "53"], netns=topo.host).wait_ready()
    traffic(topo, cgroup)
    a.stop()
    rows = tshark(wf, "-T", "fields", "-e", "udp.dstport", "-e", "udp.srcport", "-e", "tcp.port").split("\n")
    rows = [r.split("\t") for r in rows if r]
    assert rows and all("53" in r[:2] and not r[2] for r in rows), rows
    # Without -w, the expression selects events: a TCP-only expression leaves no DNS event.
    b = agents(["--cgroup", cgroup.path, "tcp"], netns=topo.host).wait_ready()
    traffic(topo, cgroup)
    rc, summary = b.stop()
    assert rc == 0 and h.parse_summary(summary)["dns"] == 0
    flows = [e for e in b.events if get(e, "event.dataset") == "whoflow.flow"]
    assert flows and all(get(e, "network.transport") == "tcp" for e in flows)


def test_capture_selected_by_domain_and_sni(agents, topo, cgroup, dnsmasq, tmp_path):  # noqa: F811
    """-w --domain: only the flows whose DNS question or ClientHello named a selected domain,
    from that packet on; other DNS and other connections are not copied."""
    wf = str(tmp_path / "names.pcapng")
    a = agents(["--cgroup", cgroup.path, "-w", wf, "--domain", "*.test.example"], netns=topo.host).wait_ready()
    for name in ("www.test.example", "elsewhere.example"):
        subprocess.run(topo.in_ns(topo.host, ["dig", "@" + topo.SERVER4, name, "+tries=1", "+time=2"]),
                       capture_output=True)
    srv = subprocess.Popen(topo.in_ns(topo.server, ["/usr/bin/python3", "-c",
                           "import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);"
                           "s.bind(('0.0.0.0', 8443)); s.listen(); print('up', flush=True)\n"
                           "for _ in range(2):\n"
                           "    c, _ = s.accept(); c.settimeout(5); c.recv(4096); c.close()"]),
                           stdout=subprocess.PIPE, text=True)
    assert srv.stdout.readline().strip() == "up"
    for sni in ("web.test.example", "other.example"):
        subprocess.run(topo.in_ns(topo.host, ["openssl", "s_client", "-connect", "%s:8443" % topo.SERVER4,
                                              "-servername", sni]), input="", capture_output=True, text=True,
                       timeout=20)
    srv.wait(20)
    a.stop()
    names = tshark(wf, "-Y", "dns", "-T", "fields", "-e", "dns.qry.name").split()
    assert names and set(names) == {"www.test.example"}, names
    tls = tshark(wf, "-Y", "tcp.port == 8443", "-T", "fields", "-e", "tls.handshake.extensions_server_name",
                 "-e", "tcp.flags.syn").split("\n")
    rows = [r.split("\t") for r in tls if r]
    assert rows and ["web.test.example", "0"] == rows[0][:2] or rows[0][0] == "web.test.example", rows
    assert not [r for r in rows if r[0] == "other.example"]
    assert not [r for r in rows if r[1] in ("1", "True")]  # nothing before the hello (no SYN)


def test_capture_selected_by_a_late_sni(agents, topo, cgroup, tmp_path):
    """A ClientHello whose SNI lies beyond its first segment: the kernel cannot see it; once
    userspace has the whole hello, the flow is copied from its next packet on."""
    wf = str(tmp_path / "late.pcapng")
    a = agents(["--cgroup", cgroup.path, "-w", wf, "--sni", "late.test.example"], netns=topo.host).wait_ready()
    srv = subprocess.Popen(topo.in_ns(topo.server, ["/usr/bin/python3", "-c",
                           "import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);"
                           "s.bind(('0.0.0.0', 8444)); s.listen(); print('up', flush=True); c, _ = s.accept();"
                           "c.settimeout(1)\n"
                           "try:\n    while c.recv(4096): pass\nexcept OSError: pass\n"
                           "c.sendall(b'done'); c.close()"]), stdout=subprocess.PIPE, text=True)
    assert srv.stdout.readline().strip() == "up"
    out = subprocess.run(topo.in_ns(topo.host, ["/usr/bin/python3", os.path.join(os.path.dirname(__file__),
                                                "tls_client.py"), topo.SERVER4, "8444", "late.test.example",
                                                "8", "1", "0"]), capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    srv.wait(20)
    a.stop()
    # 8 segments: the first is about 64 bytes, short of the SNI (after the 76 bytes of record and
    # hello headers, random and session id), so only userspace could find it.
    rows = [r.split("\t") for r in tshark(wf, "-Y", "tcp.port == 8444", "-T", "fields", "-e", "tcp.flags.syn",
                                          "-e", "tcp.srcport", "-e", "data.data").split("\n") if r]
    assert rows, "nothing of the selected flow was copied"
    assert not [r for r in rows if r[0] in ("1", "True")]  # not from the start
    assert [r for r in rows if r[1] == "8444" and r[2] == b"done".hex()]  # the server's answer, after the hello


VLAN_PUSH = os.path.join(h.ROOT, "build", "tests", "vlan_push.bpf.o")


def test_offloaded_vlan_tag_put_back_and_matched(agents, topo, cgroup, tmp_path):
    """A tag the kernel holds in skb->vlan_tci (as a NIC with VLAN offload delivers it; made here
    by bpf_skb_vlan_push on the server's egress) is in the file and seen by the expression."""
    subprocess.run(["tc", "-n", topo.server.name, "qdisc", "add", "dev", "eth0", "clsact"], check=True)
    subprocess.run(["tc", "-n", topo.server.name, "filter", "add", "dev", "eth0", "egress", "bpf", "da", "obj",
                    VLAN_PUSH, "sec", "tc"], check=True)
    wf, td_path = str(tmp_path / "vlan.pcapng"), str(tmp_path / "vlan.pcap")
    td = start_tcpdump(topo, td_path)
    try:
        a = agents(["--cgroup", cgroup.path, "-w", wf, "vlan", "10", "and", "udp", "port", "9999"],
                   netns=topo.host).wait_ready()
        subprocess.run(topo.in_ns(topo.server, ["/usr/bin/python3", "-c",
                       "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                       "for i in range(5): s.sendto(b'v%d' % i * 20, ('198.18.0.1', 9999))"]), check=True, timeout=20)
        # The host drops them (no VLAN 10 there): wait until tcpdump's file holds all five.
        h.wait_until(lambda: tcpdump_count(td_path, "vlan", "and", "udp", "port", "9999") >= 5, 10,
                     "five datagrams at tcpdump")
        a.stop()
    finally:
        td.send_signal(signal.SIGINT)
        td.wait(10)
    expr = ("vlan", "10", "and", "udp", "port", "9999")
    theirs = packet_bytes(td_path, expr)
    assert len(theirs) == 5  # tcpdump shows the tag too (libpcap puts it back from the socket's aux data)
    assert packet_bytes(wf, ()) == packet_bytes(wf, expr) == theirs
    ids = tshark(wf, "-T", "fields", "-e", "vlan.id", "-e", "vlan.priority").split("\n")
    assert [r for r in ids if r] == ["10\t3"] * 5


EXPR_DIFF = os.path.join(h.ROOT, "build", "tests", "test_expr_diff")
# A TCP echo on both families and a UDP sink; the client makes 60 connections of a few small
# messages each and 300 datagrams of varied sizes to open and closed ports.
REAL_SERVER = """
import socket, threading
def serve(fam, addr):
    s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((addr, 8095)); s.listen(64)
    while True:
        c, _ = s.accept(); c.settimeout(5)
        threading.Thread(target=lambda c=c: [c.sendall(d) for d in iter(lambda: c.recv(2000), b'')], daemon=True).start()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('0.0.0.0', 8096))
threading.Thread(target=serve, args=(socket.AF_INET, '0.0.0.0'), daemon=True).start()
threading.Thread(target=serve, args=(socket.AF_INET6, 'fd00:77::2'), daemon=True).start()
print('up', flush=True)
while True: u.recv(65536)
"""
REAL_CLIENT = """
import socket, random
rnd = random.Random(7)
for i in range(60):
    addr = ('198.18.0.2', 8095) if i % 2 else ('fd00:77::2', 8095)
    c = socket.create_connection(addr, timeout=5); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for _ in range(3):
        msg = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 1200)))
        c.sendall(msg); got = b''
        while len(got) < len(msg): got += c.recv(4096)
    c.close()
for i in range(300):
    fam, dst = (socket.AF_INET, '198.18.0.2') if i % 3 else (socket.AF_INET6, 'fd00:77::2')
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.sendto(bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 1400))), (dst, 8096 if i % 4 else 9))
    u.close()
"""


def test_filter_differential_on_real_traffic(topo, cgroup, tmp_path):
    """The differential test of `make test-bpf` (kernel verdicts against pcap_offline_filter for
    47 expressions) over packets real programs sent: TCP with data, resets, DNS to a closed
    port and its ICMP error, IPv6, a fragmented UDP datagram, ARP and neighbour discovery."""
    path = str(tmp_path / "real.pcap")
    td = start_tcpdump(topo, path)
    try:
        traffic(topo, cgroup)
        # Many short exchanges, IPv4 and IPv6, small writes (segments the test runner takes whole).
        srv = subprocess.Popen(topo.in_ns(topo.server, ["/usr/bin/python3", "-c", REAL_SERVER]),
                               stdout=subprocess.PIPE, text=True)
        assert srv.stdout.readline().strip() == "up"
        subprocess.run(topo.in_ns(topo.host, ["/usr/bin/python3", "-c", REAL_CLIENT]), check=True, timeout=60)
        srv.kill()
        srv.wait(10)
        for argv in (["curl", "-s", "-m", "3", "http://[fd00:77::2]:9/"],
                     ["/usr/bin/python3", "-c", "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM);"
                      "s.sendto(b'f' * 4000, ('198.18.0.2', 9)); s.sendto(b'g' * 100, ('198.18.0.2', 9))"]):
            subprocess.run(topo.in_ns(topo.host, argv), capture_output=True, timeout=20)
        h.wait_until(lambda: tcpdump_count(path, "udp", "and", "dst", "port", "9") >= 2, 10,
                     "the last datagram at tcpdump")
    finally:
        td.send_signal(signal.SIGINT)
        td.wait(10)
    r = subprocess.run([EXPR_DIFF, path], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    last = r.stdout.strip().splitlines()[-1]
    print(last)
    n = int(last.split(" x ")[1].split()[0])
    compared = int(last.split("packets, ")[1].split()[0])
    assert n >= 1000 and compared >= 47 * (n - 20) and ", 0 differ" in last, last
    # The packets cover what the expressions ask about.
    kinds = tshark(path, "-T", "fields", "-e", "_ws.col.Protocol").split()
    assert {"TCP", "UDP", "ICMP", "ARP", "IPv4"} <= set(kinds) and [k for k in kinds if k.startswith("ICMPv6")], kinds


SEL_SENDER = """
import os, socket, sys
port = int(sys.argv[1])
if sys.argv[2:] == ['fork']:  # the sender is a child: --tree names its parent
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        sys.exit(0)
print(os.getpid(), flush=True)
sys.stdin.readline()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5):
    s.sendto(b'sel' * 10, ('198.18.0.2', port))
"""
SEL_BASH = 'echo $$; read go; for i in 1 2 3 4 5; do echo selected > /dev/udp/198.18.0.2/$0; done'
SEL_SINK = """
import socket
socks = []
for port in (9101, 9102, 9103):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('198.18.0.2', port)); socks.append(u)
print('up', flush=True)
import select
while True:
    for u in select.select(socks, [], [])[0]: u.recv(100)
"""
SEL_CONTAINER = "0123456789ab" + "c" * 52


@pytest.mark.parametrize("selector,port", [
    (["--tree", "TREE"], 9101),
    (["--exe", "*/bash"], 9102),
    (["--container", SEL_CONTAINER[:12]], 9102),
    (["--cgroup-path", "*/other.scope"], 9103),
])
def test_process_selectors_judged_in_the_kernel(agents, topo, cgroup, tmp_path, selector, port):
    """--tree, --exe, --container and --cgroup-path with -w: the agent judges each process image
    and the classifiers copy only the selected process's packets. The senders exist before the
    agent starts, so every one is judged before it sends: nothing is left to filter in userspace."""
    sink = subprocess.Popen(topo.in_ns(topo.server, ["/usr/bin/python3", "-c", SEL_SINK]), stdout=subprocess.PIPE,
                            text=True)
    senders = []
    try:
        assert sink.stdout.readline().strip() == "up"
        ctr, other = cgroup.child("cri-containerd-%s.scope" % SEL_CONTAINER), cgroup.child("other.scope")
        for cg, argv in ((cgroup, ["/usr/bin/python3", "-c", SEL_SENDER, "9101", "fork"]),
                         (ctr, ["bash", "-c", SEL_BASH, "9102"]),
                         (other, ["/usr/bin/python3", "-c", SEL_SENDER, "9103"])):
            p = cg.spawn(topo.in_ns(topo.host, argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            senders.append((p, int(p.stdout.readline())))
        sel = [str(senders[0][0].pid) if w == "TREE" else w for w in selector]
        wf = str(tmp_path / "sel.pcapng")
        a = agents(["--cgroup", cgroup.path, "-w", wf] + sel, netns=topo.host).wait_ready()
        for p, _ in senders:
            p.stdin.write("go\n")
            p.stdin.flush()
        for p, _ in senders:
            assert p.wait(20) == 0
        want_pid = {9101: senders[0][1], 9102: senders[1][1], 9103: senders[2][1]}[port]
        # Stopping drains the ring buffers: wait for the last datagram at the sink's side instead.
        h.wait_until(lambda: udp_datagrams_in(topo) >= 15, 10, "fifteen datagrams at the sink")
        rc, _ = a.stop()
        assert rc == 0
    finally:
        for p, _ in senders:
            p.kill()
        sink.kill()
    rows = [r.split("\t") for r in tshark(wf, "-T", "fields", "-e", "udp.dstport", "-e", "frame.comment").split("\n")
            if r]
    assert len(rows) == 5 and all(r[0] == str(port) and r[1].startswith("pid=%d " % want_pid) for r in rows), rows
    cap = [l for l in a.stderr if l.startswith("whoflow: capture: ")][0]
    filtered = cap.split("filtered ")[1]  # "N in the kernel, M here"
    kernel, here = int(filtered.split()[0]), int(filtered.split("in the kernel, ")[1].split()[0])
    assert kernel >= 10 and here == 0, cap


def test_process_selector_follows_exec(agents, topo, cgroup, tmp_path):
    """A process judged unselected (python, with --exe */bash) that then execs bash: its new
    image is not held to the old verdict; every datagram bash sends right after exec is written."""
    sink = subprocess.Popen(topo.in_ns(topo.server, ["/usr/bin/python3", "-c", SEL_SINK]), stdout=subprocess.PIPE,
                            text=True)
    try:
        assert sink.stdout.readline().strip() == "up"
        p = cgroup.spawn(topo.in_ns(topo.host, ["/usr/bin/python3", "-c",
                                                "import os, sys; print(os.getpid(), flush=True); sys.stdin.readline();"
                                                "os.execv('/usr/bin/bash', ['bash', '-c', sys.argv[1], '9101'])",
                                                SEL_BASH.replace("echo $$; read go; ", "")]),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        pid = int(p.stdout.readline())
        wf = str(tmp_path / "exec.pcapng")
        a = agents(["--cgroup", cgroup.path, "-w", wf, "--exe", "*/bash"], netns=topo.host).wait_ready()
        # The agent is stopped while the process execs and sends: only the kernel decides, so an
        # old verdict still in force would drop the datagrams for certain.
        os.kill(a.proc.pid, signal.SIGSTOP)
        try:
            p.stdin.write("go\n")
            p.stdin.flush()
            assert p.wait(20) == 0
            h.wait_until(lambda: udp_datagrams_in(topo) >= 5, 10, "five datagrams at the sink")
        finally:
            os.kill(a.proc.pid, signal.SIGCONT)
        assert a.stop()[0] == 0
    finally:
        sink.kill()
    rows = [r.split("\t") for r in tshark(wf, "-T", "fields", "-e", "udp.dstport", "-e", "frame.comment").split("\n")
            if r]
    assert len(rows) == 5 and all(r[0] == "9101" and r[1].startswith("pid=%d " % pid) and "comm=bash" in r[1]
                                  for r in rows), rows


# Frames cut inside their IP header, which the kernel's test runner refuses (so `make test-bpf`
# cannot compare them): sent for real over the veth, from the server's side, with a packet socket.
SHORT_FRAMES = """
import socket, struct, sys, time
dst = bytes.fromhex(sys.argv[1].replace(':', ''))
src = bytes.fromhex('020000000099')
ip4 = bytes.fromhex('45000030000140004011') + b'\\0\\0' + socket.inet_aton('198.18.0.2') + socket.inet_aton('198.18.0.1')
udp = struct.pack('!HHHH', 5353, 53, 28, 0) + b'q' * 20
ip6 = bytes.fromhex('6000000000141101') + socket.inet_pton(socket.AF_INET6, 'fd00:77::2') + \\
      socket.inet_pton(socket.AF_INET6, 'fd00:77::1')
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('eth0', 0))
n = 0
for ethertype, body in ((0x0800, ip4 + udp), (0x86dd, ip6 + udp)):
    for cut in range(1, len(body) + 1):
        s.send(dst + src + struct.pack('!H', ethertype) + body[:cut])
        n += 1
        time.sleep(0.002)  # paced: tcpdump's ring drops frames of a burst this dense
print(n, flush=True)
"""


@pytest.mark.parametrize("expr", [["ip"], ["ip6"], ["udp", "port", "53"], ["ip", "and", "len", "<=", "40"],
                                  ["ip6[6]", "=", "17"], ["ip[9]", "=", "17"]])
def test_filter_expression_on_truncated_frames(agents, topo, cgroup, tmp_path, expr):
    """Live: frames cut at every byte of their IPv4 or IPv6 header and UDP header; the packets the
    kernel's interpreter selects (written by -w) equal those pcap_offline_filter selects from
    tcpdump's unfiltered capture of the same interface."""
    wf, td_path = str(tmp_path / "short.pcapng"), str(tmp_path / "short.pcap")
    mac = json.loads(subprocess.run(["ip", "-n", topo.host.name, "-j", "link", "show", "dev", topo.veth],
                                    capture_output=True, text=True, check=True).stdout)[0]["address"]
    td = start_tcpdump(topo, td_path)
    try:
        a = agents(["--cgroup", cgroup.path, "-w", wf] + expr, netns=topo.host).wait_ready()
        out = subprocess.run(topo.in_ns(topo.server, ["/usr/bin/python3", "-c", SHORT_FRAMES, mac]),
                             capture_output=True, text=True, timeout=20)
        assert out.returncode == 0, out.stderr
        sent = int(out.stdout)
        short = ("ether", "src", "02:00:00:00:00:99")
        h.wait_until(lambda: tcpdump_count(td_path, *short) >= sent, 10, "every frame at tcpdump (%d sent)" % sent)
        assert a.stop()[0] == 0
    finally:
        td.send_signal(signal.SIGINT)
        td.wait(10)
    src = ("and", "ether", "src", "02:00:00:00:00:99")
    ours = packet_bytes(wf, ("(",) + tuple(expr) + (")",) + src)
    theirs = packet_bytes(td_path, ("(",) + tuple(expr) + (")",) + src)
    assert len(packet_bytes(td_path, short)) == sent
    assert 0 < len(theirs) < sent  # the expression splits the frames: the comparison means something
    assert sorted(ours) == sorted(theirs), (len(ours), len(theirs))
    assert len(packet_bytes(wf, short)) == len(ours)  # nothing else of the short frames was written
