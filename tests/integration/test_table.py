# SPDX-License-Identifier: GPL-2.0-only
"""--table: fixed columns for a person at a terminal, cut to its width (COLUMNS or the tty's)."""
import fcntl
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import termios
import time

import whoflow_harness as h
from test_dns_flow import dnsmasq  # noqa: F401 (a fixture)

ELLIPSIS = "\u2026"


def long_true(tmp_path):
    """A copy of true under a path longer than any terminal line."""
    d = tmp_path / ("d" * 90)
    d.mkdir()
    exe = d / "true-with-a-long-name"
    shutil.copy("/bin/true", exe)
    return str(exe)


def test_table_at_a_fixed_width(agents, topo, cgroup, dnsmasq, tmp_path):  # noqa: F811
    width = 100
    exe = long_true(tmp_path)
    # --min-duration keeps working: exits of processes that lived less than 250 ms are left out
    a = agents(["--cgroup", cgroup.path, "--table", "--min-duration", "250"], json_output=False,
               prefix=["env", "COLUMNS=%d" % width, "nsenter", "--net=" + topo.host.path]).wait_ready()
    t0 = time.monotonic()
    sh = cgroup.spawn(topo.in_ns(topo.host, ["sh", "-c", "sleep 0.3; exit 3"]))
    assert sh.wait(10) == 3
    lived_ms = (time.monotonic() - t0) * 1000
    dig = cgroup.spawn(topo.in_ns(topo.host, ["dig", "@" + topo.SERVER4, "www.test.example", "A", "+tries=1",
                                              "+time=5"]), stdout=subprocess.DEVNULL)
    assert dig.wait(30) == 0
    lng = cgroup.spawn(topo.in_ns(topo.host, [exe]))
    assert lng.wait(10) == 0
    exit_sh = a.wait_for(lambda line: line.split()[1:2] == ["EXIT"] and line.split()[3] == str(sh.pid))
    a.wait_for(lambda line: " DNS " in line and "<- www.test.example A 198.18.0.10" in line)
    a.wait_for(lambda line: " DNS " in line and "? www.test.example A" in line)
    cut = a.wait_for(lambda line: " EXEC " in line and " %d " % lng.pid in line and "true-with" in line)
    assert a.stop()[0] == 0
    lines = a.events
    assert lines[0].split() == ["TIME", "EVENT", "COMM", "PID", "PPID", "DETAILS"]
    assert all(len(line) <= width for line in lines), [line for line in lines if len(line) > width]
    # the long path is cut to the width with an ellipsis, what fits of it kept
    assert len(cut) == width and cut.endswith(ELLIPSIS)
    assert exe.startswith(cut.split("  ")[-1].rstrip(ELLIPSIS).lstrip())
    assert all(ELLIPSIS not in line for line in lines if len(line) < width)
    # EXIT as ebpf-bootstrap prints it: [code] (duration), the real code and a duration it can have had
    time_, event, comm, pid, ppid, code, dur = exit_sh.split()
    assert (event, comm, pid, code) == ("EXIT", "sh", str(sh.pid), "[3]")
    ms = int(dur.strip("()ms"))
    assert 300 <= ms <= lived_ms, (ms, lived_ms)
    exits = [line.split()[2] for line in lines[1:] if line.split()[1] == "EXIT"]
    assert "sh" in exits and "dig" not in exits and not any(c.startswith("true") for c in exits)
    dig_exec = next(line for line in lines if " EXEC " in line and line.split()[2] == "dig")
    assert dig_exec.split()[-1] == "/usr/bin/dig"
    assert int(dig_exec.split()[3]) == dig.pid


def test_table_takes_the_terminals_width(netns, cgroup, tmp_path):
    """Without COLUMNS, the width of the terminal whoflow writes to."""
    exe = long_true(tmp_path)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 50, 0, 0))
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    p = subprocess.Popen(["nsenter", "--net=" + netns.path, h.WHOFLOW, "--table", "-i", "lo", "--cgroup",
                          cgroup.path], stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    try:
        for line in p.stderr:
            if b"ready" in line:
                break
        run = cgroup.spawn(["nsenter", "--net=" + netns.path, exe])
        assert run.wait(10) == 0
        out, deadline = b"", time.monotonic() + 20
        while (b" %d " % run.pid) not in out and time.monotonic() < deadline:
            if select.select([master], [], [], 1)[0]:
                out += os.read(master, 65536)
        p.send_signal(signal.SIGINT)
        p.wait(30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
    lines = out.decode().replace("\r\n", "\n").splitlines()
    mine = [line for line in lines if (" %d " % run.pid) in line]
    assert mine and all(len(line) <= 50 for line in lines)
    assert any(line.endswith(ELLIPSIS) and len(line) == 50 for line in mine)
