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


# libxdp makes its pin directory on bpffs the first time one of its dispatchers is
# attached (the tests' --xdp agents) and leaves it, empty, once the last one goes.
LIBXDP_DIR = "/sys/fs/bpf/xdp"


def pytest_sessionstart(session):
    session.config.libxdp_dir_existed = os.path.isdir(LIBXDP_DIR)


def pytest_sessionfinish(session, exitstatus):
    """The run leaves no directory behind that was not there before it."""
    if not getattr(session.config, "libxdp_dir_existed", True):
        try:
            os.rmdir(LIBXDP_DIR)
        except OSError:
            pass  # never made, or not empty: something else pinned there


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
