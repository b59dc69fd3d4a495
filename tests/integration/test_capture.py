# SPDX-License-Identifier: GPL-2.0-only
"""-w: pcapng written from the classifiers, annotated with each packet's process, checked
against tcpdump on the same interface, tshark/capinfos, and the Lua dissector."""
import glob
import os
import signal
import subprocess
import threading

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


def packet_bytes(path):
    """The raw bytes of each packet between the test's addresses, in file order (read by libpcap)."""
    r = subprocess.run(["tcpdump", "-r", path, "-nn", "-xx", "net", "198.18.0.0/24"], capture_output=True, text=True)
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


def start_tcpdump(topo, path):
    td = subprocess.Popen(topo.in_ns(topo.host, ["tcpdump", "-i", topo.veth, "--immediate-mode", "-U", "-w", path]),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for line in td.stderr:
        if b"listening on" in line:
            break
    return td


def test_capture_matches_tcpdump_and_names_processes(agents, topo, cgroup, tmp_path):
    wf, td_path = str(tmp_path / "wf.pcapng"), str(tmp_path / "td.pcap")
    td = start_tcpdump(topo, td_path)
    try:
        a = agents(["--cgroup", cgroup.path, "-w", wf], netns=topo.host).wait_ready()
        pids = traffic(topo, cgroup)
        rc, _ = a.stop()
        assert rc == 0
        assert [l for l in a.stderr if l.startswith("whoflow: capture: ")]
    finally:
        td.send_signal(signal.SIGINT)
        td.wait(10)
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
