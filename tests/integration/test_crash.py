# SPDX-License-Identifier: GPL-2.0-only
"""Crash safety: a monitor that dies (SIGKILL: an OOM kill or a crash looks the same) leaves no
classifier running, because its TC hooks are TCX links that the kernel removes with their last
reference."""
import json
import os
import select
import signal
import subprocess

import pytest

import whoflow_harness as h

# A bounded UDP sender in the host namespace: traffic on the watched veth while the agent dies.
SENDER = ("import socket, sys, time\n"
          "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
          "end = time.monotonic() + float(sys.argv[2])\n"
          "n = 0\n"
          "while time.monotonic() < end and n < 200000:\n"
          "    s.sendto(b'k' * 64, (sys.argv[1], 9)); n += 1\n"
          "    time.sleep(0.0005)\n")


def tx_packets(topo):
    out = subprocess.run(topo.in_ns(topo.host, ["ip", "-s", "-j", "link", "show", topo.veth]),
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)[0]["stats64"]["tx"]["packets"]


def test_sigkill_under_traffic_leaves_no_classifier(agents, topo, cgroup):
    a = agents(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
    assert h.tcx_classifiers() == ["wf_tc_egress", "wf_tc_ingress"]
    sender = subprocess.Popen(topo.in_ns(topo.host, ["/usr/bin/python3", "-c", SENDER, topo.SERVER4, "20"]))
    try:
        start = tx_packets(topo)
        h.wait_until(lambda: tx_packets(topo) > start + 50, 10, "traffic on the watched veth")
        a.proc.send_signal(signal.SIGKILL)
        a.proc.wait(10)
        # The kernel drops the links with the process's last file descriptor, and the programs
        # with their last link: nothing of ours runs on the interface any more.
        h.wait_until(lambda: h.tcx_classifiers() == [] and h.loaded_programs("wf_tc_") == [], 10,
                     "whoflow's classifiers gone after SIGKILL")
        killed_at = tx_packets(topo)
        h.wait_until(lambda: tx_packets(topo) > killed_at + 50, 10, "traffic after the kill")
        assert sender.poll() is None, "the traffic ran while the agent died"
    finally:
        sender.kill()
        sender.wait()
    qdisc = subprocess.run(topo.in_ns(topo.host, ["tc", "qdisc", "show", "dev", topo.veth]),
                           capture_output=True, text=True, check=True).stdout
    assert "clsact" not in qdisc
    filters = subprocess.run(topo.in_ns(topo.host, ["tc", "filter", "show", "dev", topo.veth, "ingress"]),
                             capture_output=True, text=True, check=True).stdout
    assert filters.strip() == ""


def test_tc_mode_option(agents, topo, cgroup):
    """--tc-mode tcx attaches links (this kernel has TCX) and removes them at exit; a bad mode is a
    usage error (exit 2)."""
    a = agents(["--cgroup", cgroup.path, "--tc-mode", "tcx"], netns=topo.host).wait_ready()
    assert h.tcx_classifiers() == ["wf_tc_egress", "wf_tc_ingress"]
    assert a.stop()[0] == 0
    assert h.tcx_classifiers() == []
    r = subprocess.run([h.WHOFLOW, "--tc-mode", "cls"], capture_output=True, text=True)
    assert r.returncode == 2
    assert "bad --tc-mode 'cls' (auto, tcx or clsact)" in r.stderr


def tc_state(topo):
    """The veth's qdiscs and filters as tc shows them: what 'exactly as before' compares."""
    return [subprocess.run(topo.in_ns(topo.host, ["tc"] + argv), capture_output=True, text=True,
                           check=True).stdout
            for argv in (["qdisc", "show", "dev", topo.veth], ["filter", "show", "dev", topo.veth, "ingress"],
                         ["filter", "show", "dev", topo.veth, "egress"])]


def whoflow_in(topo, *argv):
    return subprocess.run(topo.in_ns(topo.host, [h.WHOFLOW] + list(argv)), capture_output=True, text=True)


MARKS = "/run/whoflow"


@pytest.mark.parametrize("foreign", [False, True], ids=["bare", "foreign-clsact"])
def test_stale_clsact_attachment_reported_and_removed(agents, topo, cgroup, foreign):
    """A monitor with clsact filters dies (SIGKILL): its filters keep running. status and the next
    monitor name them, and detach --stale leaves the interface exactly as before the first start,
    someone else's clsact and filter included."""
    marks_before = set(os.listdir(MARKS)) if os.path.isdir(MARKS) else set()
    try:
        if foreign:
            subprocess.run(topo.in_ns(topo.host, ["tc", "qdisc", "add", "dev", topo.veth, "clsact"]), check=True)
            subprocess.run(topo.in_ns(topo.host, ["tc", "filter", "add", "dev", topo.veth, "ingress", "prio", "7",
                                                  "u32", "match", "u32", "0", "0"]), check=True)
        before = tc_state(topo)
        dead = agents(["--cgroup", cgroup.path, "--tc-mode", "clsact"], netns=topo.host).wait_ready()
        dead.proc.send_signal(signal.SIGKILL)
        dead.proc.wait(10)
        assert "wf_tc_ingress" in tc_state(topo)[1]
        assert h.loaded_programs("wf_tc_") == ["wf_tc_egress", "wf_tc_ingress"], "the dead monitor's filters run"
        st = json.loads(whoflow_in(topo, "status", "--json").stdout)
        assert [(s["interface"], s["clsact_made_by_whoflow"]) for s in st["stale"]] == [(topo.veth, not foreign)]
        assert st["stale"][0]["ingress_program"] and st["stale"][0]["egress_program"]
        assert "remove with: whoflow detach --stale" in whoflow_in(topo, "status").stdout
        a = agents(["--cgroup", cgroup.path], netns=topo.host).wait_ready()
        assert any("a whoflow that died left its classifier running on %s" % topo.veth in line
                   for line in a.stderr), a.stderr
        assert a.stop()[0] == 0
        r = whoflow_in(topo, "detach", "--stale")
        assert r.returncode == 0, r.stderr
        assert "removed what a dead whoflow left on %s" % topo.veth in r.stderr
        assert tc_state(topo) == before
        h.wait_until(lambda: h.loaded_programs("wf_tc_") == [], 10, "the dead monitor's programs freed")
        r = whoflow_in(topo, "detach", "--stale")
        assert r.returncode == 0 and "nothing stale" in r.stderr
        assert json.loads(whoflow_in(topo, "status", "--json").stdout)["stale"] == []
    finally:
        for name in (set(os.listdir(MARKS)) if os.path.isdir(MARKS) else set()) - marks_before:
            os.unlink(os.path.join(MARKS, name))


def whoflow_programs():
    return h.loaded_programs("wf_") + h.loaded_programs("proc_")


def stderr_until_ready(p):
    """The lines of a whoflow's stderr up to its `whoflow: ready`; it must still run."""
    err = []
    for line in p.stderr:
        err.append(line.decode())
        if line.startswith(b"whoflow: ready"):
            break
    assert p.poll() is None, err
    return err


def read_within(f, n, timeout):
    """Up to n bytes from a pipe, waiting at most timeout seconds for them."""
    ready, _, _ = select.select([f], [], [], timeout)
    assert ready, "no output within %ss" % timeout
    return os.read(f.fileno(), n)


@pytest.mark.parametrize("mode", ["json", "pcap"])
def test_output_reader_gone_stops_cleanly(topo, cgroup, mode):
    """`whoflow | head -1` and `whoflow -w - | tshark` when the reader quits: the monitor stops at
    once with exit 0, as tcpdump does, even with nothing more to write, and removes every hook."""
    argv = [h.WHOFLOW, "--cgroup", cgroup.path] + (["-w", "-"] if mode == "pcap" else ["--json"])
    p = subprocess.Popen(topo.in_ns(topo.host, argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        err = stderr_until_ready(p)
        if mode == "json":
            subprocess.run(["/bin/true"], preexec_fn=cgroup.enter_fn(), check=True)
            assert read_within(p.stdout, 1, 10) == b"{"
        else:
            assert read_within(p.stdout, 4, 10) == b"\x0a\x0d\x0d\x0a"  # pcapng's section header
        p.stdout.close()
        assert p.wait(10) == 0
        err += [line.decode() for line in p.stderr]
        assert any(line.startswith("whoflow: summary") for line in err), err
        # Programs go with their links and file descriptors (freed after a grace period).
        h.wait_until(lambda: h.tcx_classifiers() == [] and whoflow_programs() == [], 10,
                     "every whoflow program gone")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_output_write_error_is_said_and_fails_the_run(topo, cgroup):
    """`whoflow > file` on a full disk (/dev/full): unlike a reader that went away, the events
    after the failed write are lost, so the run stops with the reason on stderr and exit 1."""
    argv = [h.WHOFLOW, "--cgroup", cgroup.path, "--json", "-l"]
    with open("/dev/full", "wb") as full:
        p = subprocess.Popen(topo.in_ns(topo.host, argv), stdout=full, stderr=subprocess.PIPE)
    try:
        err = stderr_until_ready(p)
        subprocess.run(["/bin/true"], preexec_fn=cgroup.enter_fn(), check=True)
        assert p.wait(10) == 1
        err += [line.decode() for line in p.stderr]
        assert any("writing the events (json output) failed: No space left on device" in line
                   for line in err), err
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_cgroup_scope_removed_while_running(agents, topo, cgroup):
    """The --cgroup scope removed under the monitor: a clear message, and the monitor goes on
    (not spinning) until stopped, then exits 0."""
    scope = cgroup.child("scope")
    a = agents(["--cgroup", scope.path], netns=topo.host).wait_ready()
    os.rmdir(scope.path)
    h.wait_until(lambda: any("the --cgroup scope %s was removed" % scope.path in line for line in a.stderr),
                 10, "the message")
    assert a.proc.poll() is None
    rc, summary = a.stop()
    assert rc == 0 and summary.startswith("whoflow: summary")


SEND_UDP = ("import socket, sys\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "for i in range(int(sys.argv[2])):\n"
            "    s.sendto(b'r' * 32, (sys.argv[1], 9))\n")


def test_sighup_reopens_a_capture_file_moved_away(agents, topo, cgroup, tmp_path):
    """logrotate: the capture file is moved, SIGHUP, and whoflow writes a new file under the name;
    both are whole captures, every packet in one of them once."""
    from test_capture import tcpdump_count
    path = str(tmp_path / "cap.pcapng")
    a = agents(["--cgroup", cgroup.path, "-w", path, "udp", "port", "9"], netns=topo.host).wait_ready()
    send = lambda n: subprocess.run(topo.in_ns(topo.host, ["/usr/bin/python3", "-c", SEND_UDP,  # noqa: E731
                                                          topo.SERVER4, str(n)]), check=True)
    send(5)
    h.wait_until(lambda: tcpdump_count(path) == 5, 10, "5 packets in the first file")
    os.rename(path, path + ".1")
    a.proc.send_signal(signal.SIGHUP)
    h.wait_until(lambda: any("SIGHUP: %s was moved away" % path in line for line in a.stderr), 10, "reopen")
    send(7)
    h.wait_until(lambda: tcpdump_count(path) == 7, 10, "7 packets in the new file")
    assert a.stop()[0] == 0
    assert tcpdump_count(path + ".1") == 5 and tcpdump_count(path) == 7
    for f in (path, path + ".1"):
        out = subprocess.run(["capinfos", "-M", "-c", f], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
    # Not moved: SIGHUP changes nothing.
    b = agents(["--cgroup", cgroup.path, "-w", path, "udp", "port", "9"], netns=topo.host).wait_ready()
    send(3)
    h.wait_until(lambda: tcpdump_count(path) == 3, 10, "3 packets")
    b.proc.send_signal(signal.SIGHUP)
    send(2)
    h.wait_until(lambda: tcpdump_count(path) == 5, 10, "5 packets in the same file")
    assert b.stop()[0] == 0
    assert not any("SIGHUP" in line for line in b.stderr)


@pytest.mark.parametrize("tc_mode", ["auto", "clsact"])
def test_bpffs_unmounted_under_attach_pins(topo, cgroup, tc_mode):
    """whoflow attach pins its classifiers; the bpffs they were pinned in goes away (here a bpffs of
    the test's own, in a mount namespace of its own). TCX links (auto) go with their pins: nothing of
    whoflow keeps running, nothing is stale. clsact filters keep running with nobody holding them:
    status calls them stale and detach --stale removes them, leaving the interface as it was."""
    before = tc_state(topo)
    marks_before = set(os.listdir(MARKS)) if os.path.isdir(MARKS) else set()
    script = ("set -e; mount -t bpf bpf /sys/fs/bpf; "
              "{wf} attach {dev} --netns {ns} --cgroup {cg} --tc-mode {mode}; umount /sys/fs/bpf; "
              "{wf} status --json --netns {ns}").format(wf=h.WHOFLOW, dev=topo.veth, ns=topo.host.name,
                                                          cg=cgroup.path, mode=tc_mode)
    try:
        r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert ("tcx)" if tc_mode == "auto" else "tc clsact)") in r.stderr
        st = json.loads(r.stdout.strip().splitlines()[-1])
        assert st["pin_dir"] is None
        if tc_mode == "auto":
            assert st["stale"] == []
            assert tc_state(topo) == before
            h.wait_until(lambda: h.loaded_programs("wf_") == [], 10, "every whoflow program gone")
            return
        assert [s["interface"] for s in st["stale"]] == [topo.veth]
        assert h.loaded_programs("wf_tc_") == ["wf_tc_egress", "wf_tc_ingress"], "the orphans run"
        r = subprocess.run([h.WHOFLOW, "detach", "--stale", "--netns", topo.host.name], capture_output=True,
                           text=True)
        assert r.returncode == 0 and "removed what a dead whoflow left on %s" % topo.veth in r.stderr, r.stderr
        assert tc_state(topo) == before
        h.wait_until(lambda: h.loaded_programs("wf_") == [], 10, "every whoflow program gone")
    finally:
        subprocess.run([h.WHOFLOW, "detach", "--stale", "--netns", topo.host.name], capture_output=True)
        for name in (set(os.listdir(MARKS)) if os.path.isdir(MARKS) else set()) - marks_before:
            os.unlink(os.path.join(MARKS, name))


def xdp_on(topo):
    out = subprocess.run(topo.in_ns(topo.host, ["ip", "-d", "link", "show", topo.veth]), capture_output=True,
                         text=True, check=True).stdout
    return "prog/xdp" in out


def test_killed_xdp_monitor_leaves_a_stale_xdp_program(agents, topo, cgroup):
    """monitor --xdp (libxdp attaches by netlink: no link) SIGKILLed: its XDP program stays on the
    interface. status names it, detach --stale removes it (the TC side went with its links)."""
    a = agents(["--cgroup", cgroup.path, "--xdp", "--xdp-mode", "skb"], netns=topo.host).wait_ready()
    assert xdp_on(topo)
    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait(10)
    h.wait_until(lambda: h.tcx_classifiers() == [], 10, "the TCX links gone")
    assert xdp_on(topo), "the XDP program outlives its monitor"
    st = json.loads(whoflow_in(topo, "status", "--json").stdout)
    assert [(s["interface"], bool(s["xdp_program"])) for s in st["stale"]] == [(topo.veth, True)]
    r = whoflow_in(topo, "detach", "--stale")
    assert r.returncode == 0 and "XDP program wf_xdp_ingress" in r.stderr, r.stderr
    assert not xdp_on(topo)
    h.wait_until(lambda: whoflow_programs() == [], 10, "every whoflow program gone")
