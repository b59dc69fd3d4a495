# SPDX-License-Identifier: GPL-2.0-only
"""Helpers for integration tests: namespaces, test cgroups and the agent.

Every resource made here is removed on every exit path: fixtures finalise them,
and an atexit hook kills any agent a crashed test left running.
"""
import atexit
import json
import os
import queue
import signal
import subprocess
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WHOFLOW = os.path.join(ROOT, "build", "whoflow")
READY_TIMEOUT = 30
EVENT_TIMEOUT = 15

_live_agents = []


def mount_point(fstype):
    with open("/proc/mounts") as f:
        for line in f:
            fields = line.split()
            if fields[2] == fstype:
                return fields[1]
    return None


def cgroup2_root():
    root = mount_point("cgroup2")
    if root is None:
        raise RuntimeError("cgroup2 is not mounted on this host")
    return root


class Netns:
    def __init__(self):
        self.name = "whoflow-t-" + uuid.uuid4().hex[:8]
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        subprocess.run(["ip", "-n", self.name, "link", "set", "lo", "up"], check=True)
        self.path = "/run/netns/" + self.name

    def remove(self):
        subprocess.run(["ip", "netns", "del", self.name], check=False)


class Cgroup:
    """A cgroup under the cgroup2 root, named whoflow-test-*, removed with its children."""

    def __init__(self, parent=None, name=None):
        self.root = cgroup2_root()
        parent = parent or self.root
        self.path = os.path.join(parent, name or ("whoflow-test-" + uuid.uuid4().hex[:8]))
        os.mkdir(self.path)
        self.rel = "/" + os.path.relpath(self.path, self.root)

    def child(self, name):
        return Cgroup(self.path, name)

    def enter_fn(self):
        """A preexec_fn: the child joins this cgroup before it execs."""
        procs = os.path.join(self.path, "cgroup.procs")

        def enter():
            with open(procs, "w") as f:
                f.write(str(os.getpid()))

        return enter

    def spawn(self, argv, **kw):
        return subprocess.Popen(argv, preexec_fn=self.enter_fn(), **kw)

    def remove(self):
        for dirpath, _, _ in sorted(os.walk(self.path), key=lambda w: -w[0].count("/")):
            for attempt in range(50):
                with open(os.path.join(dirpath, "cgroup.procs")) as f:
                    pids = [int(p) for p in f.read().split()]
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                try:
                    os.rmdir(dirpath)
                    break
                except OSError:
                    time.sleep(0.05)


class Agent:
    """whoflow running in a test network namespace, with its JSON events collected."""

    def __init__(self, args, netns=None, prefix=None, json_output=True, read_stdout=True):
        cmd = list(prefix or [])
        if netns is not None and prefix is None:
            cmd += ["nsenter", "--net=" + netns.path]
        cmd += [WHOFLOW] + (["--json"] if json_output else []) + list(args)
        self.cmd = cmd
        self.json_output = json_output
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _live_agents.append(self.proc)
        self.lines = queue.Queue()
        self.events = []
        self.bad_lines = []  # stdout lines that are not JSON: a test fails on them at stop()
        self.stderr = []
        self.ready = threading.Event()
        self._out = threading.Thread(target=self._read_stdout, daemon=True)
        self._err = threading.Thread(target=self._read_stderr, daemon=True)
        if read_stdout:
            self._out.start()
        self._err.start()

    def start_reading(self):
        """For an agent started with read_stdout=False: its output is read from now on."""
        if not self._out.is_alive() and self._out.ident is None:
            self._out.start()

    def _read_stdout(self):
        for raw in self.proc.stdout:
            if not raw.endswith(b"\n"):
                break  # the last line of an agent killed while writing it
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if not self.json_output:
                self.lines.put(line)
                continue
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                self.bad_lines.append(line)  # kept reading: one bad line must not hide the rest
        self.lines.put(None)

    def _read_stderr(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stderr.append(line)
            if line.startswith("whoflow: ready"):
                self.ready.set()
        self.ready.set()  # also on early exit, so waiters wake up

    def wait_ready(self, timeout=READY_TIMEOUT):
        if not self.ready.wait(timeout) or self.proc.poll() is not None:
            self.proc.poll()
            raise AssertionError("agent not ready: rc=%s stderr=%s" % (self.proc.returncode, self.stderr))
        return self

    def _pull(self, timeout):
        item = self.lines.get(timeout=timeout)
        if item is None:
            self.lines.put(None)
            raise EOFError("agent output ended")
        self.events.append(item)
        return item

    def drain(self):
        """Every event printed so far, taking what has arrived without waiting for more."""
        while True:
            try:
                self._pull(0)
            except (queue.Empty, EOFError):
                return self.events

    def wait_for(self, pred, timeout=EVENT_TIMEOUT):
        """Returns the first event (old or new) matching pred, awaiting it if needed."""
        for ev in self.events:
            if pred(ev):
                return ev
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no matching event within %ss; got %d events" % (timeout, len(self.events)))
            try:
                ev = self._pull(left)
            except queue.Empty:
                continue
            if pred(ev):
                return ev

    def stop(self, sig=signal.SIGINT, timeout=30):
        """Stops the agent, drains its output, returns (rc, summary line)."""
        self.start_reading()  # an agent blocked writing to a full pipe could not exit
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout)
        self._out.join(timeout)
        self._err.join(timeout)
        while True:
            try:
                self._pull(0)
            except (queue.Empty, EOFError):
                break
        summary = self.stderr[-1] if self.stderr else ""
        if self.bad_lines:
            raise AssertionError("%d stdout lines are not JSON, the first: %r"
                                 % (len(self.bad_lines), self.bad_lines[0][:2000]))
        return rc, summary

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def parse_summary(line):
    """'whoflow: summary: events exec=1 ...; lost ringbuf_full=0 ...' -> dict of ints."""
    assert line.startswith("whoflow: summary:"), line
    out = {}
    for word in line.replace(";", " ").split():
        if "=" in word:
            k, v = word.split("=", 1)
            out[k] = int(v)
    return out


def by_action(action, **conds):
    def pred(ev):
        if ev.get("event", {}).get("action") != action:
            return False
        for key, want in conds.items():
            if get(ev, key) != want:
                return False
        return True

    return pred


def get(ev, dotted, default=None):
    cur = ev
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return default
        cur = cur[part]
    return cur


def wait_until(cond, timeout, what="condition"):
    """Polls cond() for a state change no event announces (bounded in time)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("%s not reached within %ss" % (what, timeout))
        time.sleep(0.05)


def tcx_classifiers():
    """Names of whoflow's TC programs hanging on a TCX hook now, one per link (bpftool; Debian's
    bpftool predates TCX and names the link type 11). Tests run one at a time, so these are the
    test's own."""
    progs = {p["id"]: p.get("name", "") for p in
             json.loads(subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True,
                                       check=True).stdout)}
    links = json.loads(subprocess.run(["bpftool", "-j", "link", "show"], capture_output=True, text=True,
                                      check=True).stdout)
    return sorted(progs.get(l.get("prog_id"), "") for l in links
                  if str(l.get("type")) in ("tcx", "11") and progs.get(l.get("prog_id"), "").startswith("wf_tc_"))


def map_entries(pid, name):
    """Entries of the BPF map called name that process pid holds (found through its fds), by bpftool."""
    for fd in os.listdir("/proc/%d/fdinfo" % pid):
        try:
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                ids = [l.split()[1] for l in f if l.startswith("map_id:")]
        except OSError:
            continue
        if not ids:
            continue
        info = json.loads(subprocess.run(["bpftool", "-j", "map", "show", "id", ids[0]], capture_output=True,
                                         text=True, check=True).stdout)
        if info.get("name") == name:
            out = subprocess.run(["bpftool", "-j", "map", "dump", "id", ids[0]], capture_output=True, text=True,
                                 check=True).stdout
            return len(json.loads(out))
    raise AssertionError("process %d holds no map named %s" % (pid, name))


def loaded_programs(prefix):
    """Names of the BPF programs loaded now whose name starts with prefix."""
    out = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True, check=True).stdout
    return sorted(p.get("name", "") for p in json.loads(out) if p.get("name", "").startswith(prefix))


@atexit.register
def _kill_leftover_agents():
    for p in _live_agents:
        if p.poll() is None:
            p.kill()


class Topology:
    """Two namespaces joined by a veth pair: 'host' (where the agent runs) and 'server'.

    Addresses come from the benchmarking range 198.18.0.0/15 and a ULA prefix:
    they exist only inside these namespaces.
    """

    HOST4, SERVER4 = "198.18.0.1", "198.18.0.2"
    HOST6, SERVER6 = "fd00:77::1", "fd00:77::2"

    def __init__(self):
        self.host = Netns()
        self.server = Netns()
        self.veth = "wfv" + uuid.uuid4().hex[:6]
        try:
            self._build()
        except Exception:
            self.remove()
            raise

    def _build(self):
        run = lambda *a: subprocess.run(list(a), check=True)  # noqa: E731
        run("ip", "link", "add", self.veth, "netns", self.host.name, "type", "veth",
            "peer", "name", "eth0", "netns", self.server.name)
        for ns, dev, a4, a6 in ((self.host, self.veth, self.HOST4, self.HOST6),
                                (self.server, "eth0", self.SERVER4, self.SERVER6)):
            run("ip", "-n", ns.name, "addr", "add", a4 + "/24", "dev", dev)
            run("ip", "-n", ns.name, "addr", "add", a6 + "/64", "dev", dev, "nodad")
            run("ip", "-n", ns.name, "link", "set", dev, "up")

    def in_ns(self, ns, argv):
        return ["nsenter", "--net=" + ns.path] + list(argv)

    def remove(self):
        self.host.remove()  # the veth pair goes with its namespaces
        self.server.remove()


def community_id(src, dst, proto, sport, dport, seed=0):
    """Community ID v1, written from the spec: an oracle independent of whoflow's C code."""
    import base64
    import hashlib
    import ipaddress
    s, d = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
    if (s, sport) > (d, dport):
        s, d, sport, dport = d, s, dport, sport
    data = seed.to_bytes(2, "big") + s + d + bytes([proto, 0])
    data += sport.to_bytes(2, "big") + dport.to_bytes(2, "big")
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()
