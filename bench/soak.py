# SPDX-License-Identifier: GPL-2.0-only
"""make soak: one long run of the monitor under every kind of load, sampled for leaks and loss.

Runs SOAK_SECONDS (default 1800) inside namespaces made here (client "c", server "s"), with the
socket hooks on a cgroup made here, under: DNS at half the rate make bench sustains (bench/results.json,
else measured first), TLS handshakes and HTTP requests, a process churn, an interface churn in "c" (auto-attach
and forget), a cgroup churn under the watched scope, and, in the middle, SIGKILL of the monitor
and restarts on `whoflow attach` pins. Every SAMPLE_SECONDS it samples the agent's RSS, open fds,
BPF map entries (bench/mapcount) and loss counters. At the end it writes build/soak/samples.json,
docs/soak.svg (gnuplot) and the results section of docs/reliability.md, and prints the table.
Exits 0 once it ran to completion, whatever the figures.

Timeline (T = SOAK_SECONDS):
  0 ............ idle lead-in: the agent's tables at rest (the reference for "back near idle")
  lead-in..T/2 . agent A (all interfaces, auto-attach), every workload
  T/2 .......... workloads paused, A catches up, SIGKILL A (nothing of it may stay attached);
                 `whoflow attach` pins the classifiers; agent B starts on them
  +PINNED/2 .... SIGKILL B under packet load (DNS, TLS, HTTP go on; execs pause: attach pins no
                 process tracker), agent C starts on the pins and reads what queued meanwhile
  +PINNED ...... C stopped (SIGINT), `whoflow detach --all`, agent D (auto-attach again) to the end
  T-COOL ....... load stops; the tables must drain back near idle
"""
import datetime
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as b  # noqa: E402  (namespaces, servers, dnsperf)
h = b.h

ROOT, BUILD = b.ROOT, b.BUILD
SOAK_SECONDS = int(os.environ.get("SOAK_SECONDS", "1800"))
SAMPLE_SECONDS = float(os.environ.get("SOAK_SAMPLE_SECONDS", "5"))
LEAD_IN = 15
COOL = 75  # idle timeout (15 s) and a scan, with margin
PINNED = max(40, min(120, SOAK_SECONDS // 10))
UNIT = 10  # seconds per workload unit (a unit never straddles a pause)
MAPCOUNT = os.path.join(BUILD, "bench", "mapcount")
OUT = os.path.join(BUILD, "soak")
DOC = os.path.join(ROOT, "docs", "reliability.md")
SVG = os.path.join(ROOT, "docs", "soak.svg")
SNI, HTTP_PATH = "soak.example", "/soak"
TRACKED_MAPS = ("flows", "owners", "tuples", "tuples_any", "owner_hints", "proc_verdicts", "dns_frags")


def log(msg):
    print("soak %s: %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def bench_dns_qps():
    """The DNS rate make bench part 3 sustained in its last run on this machine, or None."""
    try:
        with open(os.path.join(ROOT, "bench", "results.json")) as f:
            return float(json.load(f)["dns"]["qps"])
    except (OSError, KeyError, TypeError, ValueError):
        return None


class Tally:
    """What the agent printed, counted from its JSON lines without parsing them (fast)."""

    PATTERNS = {
        "dns_query": (b'"action":"dns-query"',),
        "dns_answer": (b'"action":"dns-answer"',),
        "tls": (b'"dataset":"whoflow.tls"', SNI.encode()),
        "http": (b'"dataset":"whoflow.http"', HTTP_PATH.encode()),
        "exec_true": (b'"action":"exec"', b'"executable":"/bin/true"'),
        "exec_sleep": (b'"action":"exec"', b'"name":"sleep"'),
        "flow": (b'"dataset":"whoflow.flow"',),
    }

    def __init__(self):
        self.n = {k: 0 for k in self.PATTERNS}
        self.lines = 0

    def feed(self, line):
        self.lines += 1
        for k, pats in self.PATTERNS.items():
            if all(p in line for p in pats):
                self.n[k] += 1


class SoakAgent:
    """The monitor in namespace c, its stdout tallied, its stderr kept (warnings hold loss counts)."""

    def __init__(self, name, binary, net, cgroup):
        self.name = name
        self.tally = Tally()
        self.stderr, self.ready = [], threading.Event()
        self.proc = subprocess.Popen(net.cmd(net.c, binary, "--json", "--cgroup", cgroup.path),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.t_out = threading.Thread(target=self._out, daemon=True)
        self.t_err = threading.Thread(target=self._err, daemon=True)
        self.t_out.start()
        self.t_err.start()
        if not self.ready.wait(60) or self.proc.poll() is not None:
            raise RuntimeError("agent %s did not start: %s" % (name, self.stderr[-5:]))
        self.pinned = "pinned by whoflow attach" in self.stderr[-1]

    def _out(self):
        for line in self.proc.stdout:
            self.tally.feed(line)

    def _err(self):
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            self.stderr.append(line)
            if line.startswith("whoflow: ready"):
                self.ready.set()
        self.ready.set()

    def has(self, text):
        return any(text in l for l in self.stderr)

    def losses(self):
        """The loss counters the agent reported (its summary, else its last warnings)."""
        got = {"dns": 0, "tls": 0, "http": 0, "flow": 0, "proc_ringbuf": 0, "proc_read": 0}
        for l in self.stderr:
            m = re.search(r"packet events lost so far: (\d+) DNS records and (\d+) TLS chunks and (\d+) HTTP "
                          r"requests \(ring buffer full\), (\d+) new flows", l)
            if m:
                got.update(dns=int(m[1]), tls=int(m[2]), http=int(m[3]), flow=int(m[4]))
            m = re.search(r"process events lost so far \(ring buffer full: (\d+), unreadable argv/env: (\d+)\)", l)
            if m:
                got.update(proc_ringbuf=int(m[1]), proc_read=int(m[2]))
            if l.startswith("whoflow: summary: events"):  # not the sinks' line after it
                s = h.parse_summary(l)
                got.update(dns=s["pkt_ringbuf_full"], tls=s["tls_ringbuf_full"], http=s["http_ringbuf_full"],
                           flow=s["flow_table_full"], proc_ringbuf=s["ringbuf_full"], proc_read=s["argv_unreadable"])
        return got

    def wait_caught_up(self, pred, timeout=60):
        """Until pred holds, or nothing new came for 3 s (lost events never come), bounded."""
        deadline = time.monotonic() + timeout
        last, since = -1, time.monotonic()
        while not pred(self.tally.n) and time.monotonic() < deadline:
            if self.tally.lines != last:
                last, since = self.tally.lines, time.monotonic()
            elif time.monotonic() - since > 3:
                break
            time.sleep(0.2)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self.t_out.join(10)
        self.t_err.join(10)

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        rc = self.proc.wait(60)
        self.t_out.join(10)
        self.t_err.join(10)
        return rc


class Worker(threading.Thread):
    """Runs one workload's units back to back while allowed; pause() returns once it is idle."""

    def __init__(self, name, unit):
        super().__init__(daemon=True, name=name)
        self.unit, self.lock = unit, threading.Lock()
        self.allowed, self.idle, self.stopping = threading.Event(), threading.Event(), False
        self.idle.set()
        self.sent = {}  # phase -> {counter: n}
        self.phase, self.errors = None, []

    def run(self):
        while not self.stopping:
            if not self.allowed.wait(0.5):
                continue
            with self.lock:
                if not self.allowed.is_set():
                    continue
                self.idle.clear()
                phase = self.phase
            try:
                for k, v in self.unit().items():
                    d = self.sent.setdefault(phase, {})
                    d[k] = d.get(k, 0) + v
            except Exception as e:  # counted, shown in the table; the soak goes on
                self.errors.append("%s: %s" % (type(e).__name__, e))
                time.sleep(1)
            finally:
                self.idle.set()

    def resume(self, phase):
        with self.lock:
            self.phase = phase
            self.allowed.set()

    def pause(self):
        with self.lock:
            self.allowed.clear()
        self.idle.wait(UNIT * 6)


TLS_HTTP_CLIENT = r"""
import http.client, socket, ssl, sys, time
host, seconds, rate = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
tls = web = 0
end, i = time.monotonic() + seconds, 0
while time.monotonic() < end:
    slot = time.monotonic() + 1.0 / rate
    with socket.create_connection((host, 8443), timeout=5) as c:
        with ctx.wrap_socket(c, server_hostname=%r) as t:
            t.send(b"x")
    tls += 1
    c = http.client.HTTPConnection(host, 8080, timeout=5)
    c.request("GET", "%s/%%d" %% i); c.getresponse().read(); c.close()
    web += 1; i += 1
    time.sleep(max(0, slot - time.monotonic()))
print(tls, web)
""" % (SNI, HTTP_PATH)


class Soak:
    def __init__(self):
        self.net, self.cgroup = b.Net(), h.Cgroup()
        b.WORKLOAD_CGROUP = self.cgroup
        self.tmp = tempfile.mkdtemp(prefix="wfsoak-")
        # The agent runs from a copy: a rebuild during the soak changes nothing of it.
        self.binary = os.path.join(self.tmp, "whoflow")
        shutil.copy2(os.path.join(BUILD, "whoflow"), self.binary)
        self.servers, self.web, self.agent, self.agents = None, None, None, []
        self.samples, self.events, self.checks = [], [], {}
        self.t0 = time.monotonic()
        self.stop_sampling = threading.Event()
        self.n_if = 0

    # --- servers and workloads -------------------------------------------------------------
    def start_servers(self):
        self.servers = b.Servers(self.net, self.tmp)
        www = os.path.join(self.tmp, "www")
        os.makedirs(os.path.join(www, HTTP_PATH.strip("/")), exist_ok=True)
        self.web = subprocess.Popen(self.net.cmd(self.net.s, "/usr/bin/python3", "-m", "http.server", "8080",
                                                 "--bind", b.S4, "--directory", www),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not b.Servers._listening(self.net, 8080) and time.monotonic() < deadline:
            time.sleep(0.1)

    def dns_unit(self):
        sent, done = b.dnsperf(self.net, UNIT, qps=self.qps)
        return {"dns_query": sent, "dns_answer": done}

    def tls_http_unit(self):
        out = b.client(self.net, "/usr/bin/python3", "-c", TLS_HTTP_CLIENT, b.S4, str(UNIT), "10").stdout.split()
        return {"tls": int(out[0]), "http": int(out[1])}

    def exec_unit(self):
        made, _ = self._storm(20)
        return {"exec_true": made}

    def _storm(self, rate):
        p = subprocess.run([b.PROCS, "storm", str(rate), str(UNIT)], capture_output=True, text=True,
                           preexec_fn=self.cgroup.enter_fn(), timeout=UNIT * 6)
        made, took = p.stdout.split()
        return int(made), float(took)

    def cgroup_unit(self):
        """A cgroup made under the watched scope, a process run in it, the cgroup removed: every 3 s."""
        made = 0
        end = time.monotonic() + UNIT
        while time.monotonic() < end:
            cg = self.cgroup.child("churn-" + uuid.uuid4().hex[:6])
            try:
                subprocess.run(["sleep", "0.1"], preexec_fn=cg.enter_fn(), check=True, timeout=10)
                made += 1
            finally:
                cg.remove()
            time.sleep(3)
        return {"exec_sleep": made}

    def iface_unit(self):
        """A veth pair made in c (to s), used, deleted: every 5 s. Counts those made and those the agent
        attached to and forgot."""
        made = attached = forgot = 0
        end = time.monotonic() + UNIT
        while time.monotonic() < end:
            self.n_if += 1
            name = "wfs%05d" % (self.n_if % 100000)
            net4 = "198.19.%d" % (self.n_if % 250)
            agent = self.agent
            b.run("ip", "link", "add", name, "netns", self.net.c.name, "type", "veth", "peer", "name", name,
                  "netns", self.net.s.name)
            made += 1
            try:
                b.run("ip", "-n", self.net.c.name, "addr", "add", net4 + ".1/30", "dev", name)
                b.run("ip", "-n", self.net.s.name, "addr", "add", net4 + ".2/30", "dev", name)
                b.run("ip", "-n", self.net.s.name, "link", "set", name, "up")
                b.run("ip", "-n", self.net.c.name, "link", "set", name, "up")
                deadline = time.monotonic() + 10
                while not agent.has("attached to new interface %s " % name) and time.monotonic() < deadline:
                    time.sleep(0.05)
                attached += agent.has("attached to new interface %s " % name)
                b.run(*self.net.cmd(self.net.c, "ping", "-c", "1", "-W", "1", net4 + ".2"), check=False)
            finally:
                b.run("ip", "-n", self.net.c.name, "link", "del", name, check=False)
            deadline = time.monotonic() + 10
            while not agent.has("interface %s (ifindex" % name) and time.monotonic() < deadline:
                time.sleep(0.05)
            forgot += agent.has("interface %s (ifindex" % name)
            time.sleep(max(0, 5 - UNIT / 10))
        return {"iface_made": made, "iface_attached": attached, "iface_forgotten": forgot}

    # --- agents --------------------------------------------------------------------------
    def start_agent(self, name):
        a = SoakAgent(name, self.binary, self.net, self.cgroup)
        self.agent = a
        self.agents.append(a)
        self.event("%s ready%s" % (name, " (pinned)" if a.pinned else ""))
        return a

    def event(self, what):
        t = time.monotonic() - self.t0
        self.events.append((t, what))
        log(what)

    def wf(self, *args):
        return subprocess.run(self.net.cmd(self.net.c, self.binary, *args), capture_output=True, text=True,
                              timeout=60)

    # --- sampling ------------------------------------------------------------------------
    def sample_once(self):
        a = self.agent
        if not a or a.proc.poll() is not None:
            return
        pid = a.proc.pid
        try:
            with open("/proc/%d/status" % pid) as f:
                rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
            fds = len(os.listdir("/proc/%d/fd" % pid))
            maps = json.loads(subprocess.run([MAPCOUNT, str(pid)], capture_output=True, text=True,
                                             timeout=30).stdout or "[]")
        except (OSError, StopIteration, ValueError, subprocess.TimeoutExpired):
            return
        entries = {}
        for name, _, n, _ in maps:
            if name in TRACKED_MAPS:
                entries[name] = entries.get(name, 0) + n
        self.samples.append({"t": round(time.monotonic() - self.t0, 1), "agent": a.name, "rss_kib": rss,
                             "fds": fds, "maps": entries, "lost": a.losses(), "lines": a.tally.lines})

    def sampler(self):
        while not self.stop_sampling.wait(SAMPLE_SECONDS):
            self.sample_once()

    # --- the run -------------------------------------------------------------------------
    def run(self):
        T = SOAK_SECONDS
        self.start_servers()
        a = self.start_agent("A")
        threading.Thread(target=self.sampler, daemon=True).start()
        self.sleep_until(LEAD_IN)
        self.sample_once()
        self.idle = self.samples[-1]
        self.event("idle sample taken")
        # The rate make bench sustains (its part 3, bench/results.json), else measured here now.
        self.qps_measure_queries = self.qps_measure_answers = 0
        self.full_qps, self.qps_source = bench_dns_qps(), "make bench's last run (bench/results.json)"
        if not self.full_qps:
            self.qps_measure_queries, self.qps_measure_answers = b.dnsperf(self.net, 5)
            self.full_qps, self.qps_source = self.qps_measure_queries / 5.0, "dnsperf against the monitor now"
        self.qps = max(100, int(self.full_qps / 2))
        self.event("DNS sustained: %.0f queries/s (%s); the soak runs DNS at %d/s"
                   % (self.full_qps, self.qps_source, self.qps))
        workers = {
            "dns": Worker("dns", self.dns_unit), "tls_http": Worker("tls_http", self.tls_http_unit),
            "exec": Worker("exec", self.exec_unit), "cgroup": Worker("cgroup", self.cgroup_unit),
            "iface": Worker("iface", self.iface_unit)}
        self.workers = workers
        for w in workers.values():
            w.start()
            w.resume("A")
        self.event("load starts")
        self.sleep_until(T / 2)

        # A: paused, caught up, killed. Nothing of it may stay attached.
        for w in workers.values():
            w.pause()
        self.catch_up(a, "A")
        a.kill()
        self.event("SIGKILL A")
        deadline = time.monotonic() + 10
        while h.tcx_classifiers() and time.monotonic() < deadline:
            time.sleep(0.1)  # the kernel releases the links as the process dies
        self.checks["classifiers left after SIGKILL"] = len(h.tcx_classifiers())
        r = self.wf("attach", self.net.dev, "--cgroup", self.cgroup.path)
        if r.returncode:
            raise RuntimeError("whoflow attach failed: %s" % r.stderr)
        self.event("whoflow attach %s (pins)" % self.net.dev)
        bb = self.start_agent("B")
        for k in ("dns", "tls_http", "exec", "cgroup"):
            workers[k].resume("pinned")
        pinned_at = time.monotonic() - self.t0
        self.sleep_until(pinned_at + PINNED / 2)

        # B: killed under packet load; execs pause (attach pins no process tracker).
        for k in ("exec", "cgroup"):
            workers[k].pause()
        self.catch_up(bb, "B", kinds=("exec_true", "exec_sleep"))
        bb.kill()
        self.event("SIGKILL B under DNS, TLS and HTTP load")
        time.sleep(2)  # the pinned classifiers queue what comes meanwhile (a deliberate gap, not a sync)
        c = self.start_agent("C")
        for k in ("exec", "cgroup"):
            workers[k].resume("pinned")
        self.sleep_until(pinned_at + PINNED)

        # C: stopped cleanly, pins removed; D runs to the end with auto-attach.
        for w in workers.values():
            w.pause()
        self.catch_up(c, "pinned")
        c.stop()
        self.event("C stopped (SIGINT)")
        r = self.wf("detach", "--all")
        self.event("whoflow detach --all: rc %d" % r.returncode)
        d = self.start_agent("D")
        for w in workers.values():
            w.resume("D")
        self.sleep_until(T - COOL)
        for w in workers.values():
            w.pause()
            w.stopping = True
        self.event("load stops")
        self.catch_up(d, "D")
        self.sleep_until(T)
        self.sample_once()
        self.stop_sampling.set()
        self.final = self.samples[-1]
        rc = d.stop()
        self.event("D stopped (SIGINT): rc %d" % rc)
        self.checks["classifiers left after the last stop"] = len(h.tcx_classifiers())

    def sleep_until(self, t):
        left = t - (time.monotonic() - self.t0)
        if left > 0:
            time.sleep(left)  # the soak's own clock: a timeline, not a synchronisation

    def sent(self, phases, key):
        return sum(w.sent.get(p, {}).get(key, 0) for w in self.workers.values() for p in phases)

    def catch_up(self, agent, phase, kinds=("dns_query", "dns_answer", "tls", "http", "exec_true", "exec_sleep")):
        """Waits (bounded) until the agent printed as many events as the paused workloads made."""
        phases = ["A"] if phase == "A" else ["D"] if phase == "D" else ["pinned"]
        group = [x for x in self.agents if x.name in {"A": "A", "D": "D"}.get(phase, "BC")]
        base = {"dns_query": self.qps_measure_queries, "dns_answer": self.qps_measure_answers} \
            if phase == "A" else {}

        def done(_):
            return all(sum(x.tally.n[k] for x in group) >= self.sent(phases, k) + base.get(k, 0) for k in kinds)

        agent.wait_caught_up(done, 60)

    # --- the report ----------------------------------------------------------------------
    def cleanup(self):
        self.stop_sampling.set()
        for w in getattr(self, "workers", {}).values():
            w.stopping = True
            w.allowed.clear()
        for a in self.agents:
            if a.proc.poll() is None:
                a.proc.kill()
                a.proc.wait(10)
        subprocess.run([self.binary, "detach", "--all"], capture_output=True, timeout=60)
        for p in (self.web,):
            if p:
                p.kill()
                p.wait(10)
        if self.servers:
            self.servers.stop()
        self.net.remove()
        self.cgroup.remove()
        shutil.rmtree(self.tmp, ignore_errors=True)


def growth(samples, agent, key):
    """Growth over the last half of an agent's run (median of its first and last 3 samples there)."""
    xs = [s for s in samples if s["agent"] == agent]
    if len(xs) < 8:
        return None
    half = xs[len(xs) // 2:]
    first = statistics.median(s[key] for s in half[:3])
    last = statistics.median(s[key] for s in half[-3:])
    return first, last, 100.0 * (last - first) / first if first else 0.0


def report(s):
    r = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
         "seconds": SOAK_SECONDS, "sample_seconds": SAMPLE_SECONDS, "dns_full_qps": s.full_qps, "dns_qps": s.qps,
         "dns_qps_source": s.qps_source,
         "events": s.events, "checks": s.checks,
         "errors": {w.name: w.errors[:5] for w in s.workers.values() if w.errors}}
    rows = []
    goal_ok = {}

    def row(figure, value, goal, met):
        rows.append((figure, value, goal, "met" if met else "MISSED"))
        goal_ok[figure] = met

    for agent in ("A", "D"):
        for key, unit in (("rss_kib", "KiB"), ("fds", "fds")):
            g = growth(s.samples, agent, key)
            if g:
                row("%s, agent %s, last half of its run" % ("RSS" if key == "rss_kib" else "open fds", agent),
                    "%d -> %d %s (%+.1f%%)" % (g[0], g[1], unit, g[2]), "growth < 5%", g[2] < 5.0)
    idle, final = s.idle["maps"] if s.idle else {}, s.final["maps"]
    peak = {m: max(x["maps"].get(m, 0) for x in s.samples) for m in TRACKED_MAPS}
    for m in TRACKED_MAPS:
        if m in final or m in idle:
            i, f = idle.get(m, 0), final.get(m, 0)
            row("map %s entries: idle / peak / %d s after the load" % (m, COOL), "%d / %d / %d" % (i, peak[m], f),
                "back to idle + 16", f <= i + 16)
    # Every event the workloads made: reported, or counted as lost with its cause.
    groups = (("A", ["A"], "A"), ("B+C (pinned, SIGKILL under load)", ["pinned"], "BC"), ("D", ["D"], "D"))
    accounting = []
    for label, phases, names in groups:
        ags = [x for x in s.agents if x.name in names]
        lost = {}
        for x in ags:
            for k, v in x.losses().items():
                # Pinned counters live in the pins: C's include B's.
                lost[k] = max(lost.get(k, 0), v) if names == "BC" and k in ("dns", "tls", "http", "flow") \
                    else lost.get(k, 0) + v
        for kinds, lost_key, what in ((("dns_query", "dns_answer"), "dns", "DNS messages (queries and answers)"),
                                      (("tls",), "tls", "TLS handshakes"),
                                      (("http",), "http", "HTTP requests"), (("exec_true",), "proc_ringbuf", "execs"),
                                      (("exec_sleep",), "proc_ringbuf", "execs in churned cgroups")):
            made = sum(s.sent(phases, k) for k in kinds)
            if names == "A" and "dns_query" in kinds:
                made += s.qps_measure_queries + s.qps_measure_answers
            got = sum(x.tally.n[k] for x in ags for k in kinds)
            counted = lost.get(lost_key, 0)
            missing = max(0, made - got)
            accounting.append({"agents": label, "what": what, "made": made, "reported": got,
                               "counted_lost": counted})
            row("%s, agents %s: made / reported / counted lost" % (what, label),
                "%d / %d / %d" % (made, got, counted), "missing <= counted lost", missing <= counted)
    made = sum(w.sent.get(p, {}).get("iface_made", 0) for w in s.workers.values() for p in ("A", "D"))
    att = sum(w.sent.get(p, {}).get("iface_attached", 0) for w in s.workers.values() for p in ("A", "D"))
    forg = sum(w.sent.get(p, {}).get("iface_forgotten", 0) for w in s.workers.values() for p in ("A", "D"))
    row("interfaces made / attached / forgotten (agents A, D)", "%d / %d / %d" % (made, att, forg),
        "all three equal", made == att == forg)
    for k, v in s.checks.items():
        row("whoflow classifiers attached, %s" % k, str(v), "0", v == 0)
    r["rows"] = rows
    r["accounting"] = accounting
    r["all_met"] = all(goal_ok.values())
    return r


def table(r):
    out = ["| figure | measured | goal | |", "|---|---|---|---|"]
    for f, val, goal, met in r["rows"]:
        out.append("| %s | %s | %s | %s |" % (f, val, goal, met))
    return "\n".join(out)


def plot(s):
    """docs/soak.svg from the samples, with gnuplot."""
    dat = os.path.join(OUT, "samples.dat")
    with open(dat, "w") as f:
        f.write("# t rss_mib fds " + " ".join(TRACKED_MAPS) + " lost\n")
        for x in s.samples:
            lost = sum(x["lost"].values())
            f.write("%s %.2f %d %s %d\n" % (x["t"], x["rss_kib"] / 1024.0, x["fds"],
                                            " ".join(str(x["maps"].get(m, 0)) for m in TRACKED_MAPS), lost))
    marks = "\n".join('set arrow from %.0f, graph 0 to %.0f, graph 1 nohead dt 3 lc rgb "#888888"' % (t, t)
                      for t, what in s.events if what.startswith(("SIGKILL", "C stopped", "load stops")))
    labels = "\n".join('set label "%s" at %.0f, graph 0.95 font ",8"' % (what.split()[0] + " " + what.split()[1], t)
                       for t, what in s.events if what.startswith(("SIGKILL", "C stopped", "load stops")))
    maps = ", ".join("'%s' using 1:%d with lines title '%s'" % (dat, 4 + i, m) for i, m in enumerate(TRACKED_MAPS))
    script = """set terminal svg size 900,900 dynamic font "sans,10"
set output '%s'
set multiplot layout 3,1 title "whoflow soak, %d s (%s)"
set grid
set xlabel "seconds"
%s
%s
set ylabel "RSS (MiB)"
set y2label "open fds"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
plot '%s' using 1:2 with lines title 'RSS (MiB)', '' using 1:3 axes x1y2 with lines title 'open fds'
unset y2label
unset y2tics
set ylabel "map entries"
plot %s
set ylabel "events counted lost"
plot '%s' using 1:%d with lines title 'lost (all causes)'
unset multiplot
""" % (SVG, SOAK_SECONDS, datetime.date.today().isoformat(), marks, labels, dat, maps, dat, 4 + len(TRACKED_MAPS))
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


BEGIN, END = "<!-- soak:begin (written by make soak) -->", "<!-- soak:end -->"


def write_doc(r):
    text = "\n".join([
        BEGIN,
        "Last run: %s, %d s, samples every %.0f s; DNS at %d queries/s, half of %.0f/s (%s). %s"
        % (r["date"], r["seconds"], r["sample_seconds"], r["dns_qps"], r["dns_full_qps"], r["dns_qps_source"],
                                       "Every goal met." if r["all_met"] else
                                       "Goals missed: %d (marked MISSED)." % sum(x[3] != "met" for x in r["rows"])),
        "",
        r["table"],
        "",
        "Timeline of the run (seconds from the start):",
        "",
        "\n".join("- %.0f: %s" % (t, what) for t, what in r["events"]),
        "",
        "![RSS, fds, map entries and counted losses over the run](soak.svg)",
        END])
    doc = open(DOC).read() if os.path.exists(DOC) else ""
    if BEGIN in doc and END in doc:
        doc = doc[:doc.index(BEGIN)] + text + doc[doc.index(END) + len(END):]
    else:
        doc += "\n" + text + "\n"
    with open(DOC, "w") as f:
        f.write(doc)


def main():
    if os.geteuid() != 0:
        sys.exit("make soak needs root")
    os.makedirs(OUT, exist_ok=True)
    s = Soak()
    try:
        s.run()
    finally:
        s.cleanup()
    r = report(s)
    r["table"] = table(r)
    with open(os.path.join(OUT, "samples.json"), "w") as f:
        json.dump({"samples": s.samples, "result": r}, f, indent=1)
    plot(s)
    write_doc(r)
    print(r["table"])
    for name, errs in r["errors"].items():
        print("workload %s had errors: %s" % (name, errs))


if __name__ == "__main__":
    main()
