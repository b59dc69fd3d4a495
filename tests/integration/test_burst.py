# SPDX-License-Identifier: GPL-2.0-only
"""A burst of execs: every one is reported, or counted as lost. Nothing vanishes.

The agent is stopped (SIGSTOP) during the burst so the ring buffer alone must
hold it: a 16 MiB buffer holds 2000 execs and loses none; an 8 KiB one must lose
records, and the summary must count every one it lost.
"""
import os
import signal
import uuid

import pytest

import whoflow_harness as h
from whoflow_harness import get

BURST = 2000


@pytest.mark.parametrize("buffer_kib,expect_loss", [("16384", False), ("8", True)])
def test_exec_burst_is_accounted(agents, netns, cgroup, buffer_kib, expect_loss):
    marker = "burst-" + uuid.uuid4().hex[:8]
    a = agents(["--cgroup", cgroup.path, "-B", buffer_kib, "--comm", "true"], netns=netns).wait_ready()
    loop = 'i=0; while [ $i -lt %d ]; do /bin/true %s; i=$((i+1)); done' % (BURST, marker)
    os.kill(a.proc.pid, signal.SIGSTOP)
    try:
        p = cgroup.spawn(["/bin/sh", "-c", loop])
        assert p.wait(300) == 0
    finally:
        os.kill(a.proc.pid, signal.SIGCONT)
    if expect_loss:
        # Loss is reported while it grows (checked once a second), not only at the end.
        h.wait_until(lambda: any("process events lost so far" in l for l in a.stderr), timeout=10,
                     what="loss warning on stderr")
    # stop() detaches the hooks and drains what is queued: no waiting needed.
    rc, summary = a.stop()
    assert rc == 0
    counts = h.parse_summary(summary)
    reported = sum(1 for e in a.events
                   if get(e, "event.action") == "exec" and get(e, "process.args") == ["/bin/true", marker])
    lost = counts["ringbuf_full"]
    print("buffer %s KiB: %d execs, %d reported, %d records lost; %s"
          % (buffer_kib, BURST, reported, lost, summary))
    assert counts["argv_unreadable"] == 0
    assert reported <= BURST
    # Lost records of any kind bound the lost execs from above; together they cover the burst.
    assert reported + lost >= BURST, "execs missing without being counted as lost"
    if expect_loss:
        assert lost > 0 and reported < BURST
    else:
        assert lost == 0 and reported == BURST


def _blocked_in_write(pid):
    """True while the agent's main thread sleeps in write(2) (x86-64: 1, arm64: 64)."""
    try:
        with open("/proc/%d/syscall" % pid) as f:
            nr = f.read().split()[0]
    except (OSError, IndexError):
        return False
    return nr == ("64" if os.uname().machine == "aarch64" else "1")


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGINT])
def test_signal_while_output_blocks_cuts_no_line(agents, netns, cgroup, sig):
    """A reader slower than the agent fills the pipe; a signal then (logrotate's SIGHUP, or
    the SIGINT that stops it) must not cut a record or end the output: the interrupted write
    goes on where it was."""
    marker = "sig-" + uuid.uuid4().hex[:8]
    n = 300  # ~300 KiB of exec records: far more than a pipe holds
    a = agents(["--cgroup", cgroup.path, "--comm", "true"], netns=netns, read_stdout=False).wait_ready()
    loop = 'i=0; while [ $i -lt %d ]; do /bin/true %s; i=$((i+1)); done' % (n, marker)
    assert cgroup.spawn(["/bin/sh", "-c", loop]).wait(120) == 0
    h.wait_until(lambda: _blocked_in_write(a.proc.pid), timeout=20, what="agent blocked writing to the full pipe")
    os.kill(a.proc.pid, sig)
    a.start_reading()
    if sig == signal.SIGHUP:
        # Still running and still printing after the interrupted write: the last exec arrives.
        a.wait_for(lambda e: sum(1 for x in a.events if get(x, "process.args") == ["/bin/true", marker]) == n,
                   timeout=30)
    rc, summary = a.stop()  # fails on any stdout line that is not JSON
    assert rc == 0
    reported = sum(1 for e in a.events if get(e, "event.action") == "exec"
                   and get(e, "process.args") == ["/bin/true", marker])
    assert reported == n, "%d of %d execs printed; %s" % (reported, n, summary)
    assert h.parse_summary(summary)["sink_lost"] == 0
