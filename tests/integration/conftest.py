# SPDX-License-Identifier: GPL-2.0-only
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import whoflow_harness as h  # noqa: E402


def pytest_configure(config):
    if os.geteuid() != 0:
        pytest.exit("integration tests need root (they load BPF and make namespaces)", 2)
    if not os.access(h.WHOFLOW, os.X_OK):
        pytest.exit("build/whoflow is missing: run make first", 2)


@pytest.fixture
def netns():
    ns = h.Netns()
    yield ns
    ns.remove()


@pytest.fixture
def cgroup():
    cg = h.Cgroup()
    yield cg
    cg.remove()


@pytest.fixture
def agents():
    """Starts agents on demand; every one is stopped when the test ends, however it ends."""
    started = []

    def start(args, netns=None, **kw):
        a = h.Agent(args, netns=netns, **kw)
        started.append(a)
        return a

    yield start
    for a in started:
        a.kill()


@pytest.fixture
def topo():
    """Two namespaces, 'host' (where the agent runs) and 'server', joined by a veth pair."""
    t = h.Topology()
    yield t
    t.remove()
