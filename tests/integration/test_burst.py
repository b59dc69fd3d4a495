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
