# SPDX-License-Identifier: GPL-2.0-only
"""Containers by name: Debian's real Docker engine (docker.io), started by the test in a network
namespace of its own with its own data root, exec root and socket, its containers under the test's
cgroup; images made with `docker import` from busybox-static. Each check compares whoflow's output
with what the container was run as (name, image, labels, pod labels; `docker inspect` for one
started before the agent) and with what its processes really did (the page it fetched, the name it
asked); the containerd source is checked with a task that `ctr run` starts with the CRI's
annotations, Podman with its own service."""
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import uuid

import pytest

import whoflow_harness as h
from docker_engine import BUSYBOX, DOCKERD, GATEWAY, HOST_IMAGE, IMAGE, Engine, remove_leftovers, stop_process
from whoflow_harness import get
from test_api import Server
from test_logs import read_log

pytestmark = pytest.mark.skipif(not (os.access(DOCKERD, os.X_OK) and os.access(BUSYBOX, os.X_OK)),
                                reason="docker.io and busybox-static are installed by make deps")


@pytest.fixture(scope="module")
def engine():
    cg = h.Cgroup()
    e = None
    try:
        e = Engine(cg)
        yield e
    finally:
        if e:
            e.stop()
        cg.remove()


class HttpServer:
    """A one-line HTTP server in the engine's namespace, on docker0's address."""

    def __init__(self, engine, port):
        code = ("import http.server as s\n"
                "class H(s.BaseHTTPRequestHandler):\n"
                "    def do_GET(self):\n"
                "        self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers()\n"
                "        self.wfile.write(b'ok')\n"
                "    def log_message(self, *a): pass\n"
                "s.ThreadingHTTPServer(('%s', %d), H).serve_forever()\n" % (GATEWAY, port))
        self.p = engine.in_ns(["/usr/bin/python3", "-c", code])
        self.port = port

    def stop(self):
        self.p.kill()
        self.p.wait()


@pytest.fixture
def web(engine):
    s = HttpServer(engine, 18000 + int(uuid.uuid4().hex[:3], 16) % 1000)
    yield s
    s.stop()


def agent_args(engine, *extra):
    return ["--cgroup", engine.cgroup.path, "--docker-socket", engine.sock, "--container-label", "team", *extra]


def name_of(ev, peer=False):
    return get(ev, "whoflow.peer.container.name" if peer else "container.name")


def run_script(engine, name, script, *opts):
    """docker run --rm: waits for the container to end; its script's output."""
    r = engine.docker("run", "--rm", "--name", name, *opts, IMAGE, "/bin/sh", "-c", script, timeout=90)
    return r.stdout


def fetch_script(web, tag):
    return "wget -q -O - http://%s:%d/%s; nslookup %s.example %s >/dev/null 2>&1; echo done" % (
        GATEWAY, web.port, tag, tag, GATEWAY)


def test_names_images_labels_pods_on_every_event(agents, engine, web, tmp_path):
    """A container that asks a name and fetches a page: its exec, exit, HTTP, DNS and flow events
    carry the name, image and allowed labels `docker inspect` gives, and its pod; so do the log
    files, the store and the API; the text output says ctr=NAME."""
    name = "wfrun-" + uuid.uuid4().hex[:6]
    logs, db = tmp_path / "logs", tmp_path / "c.db"
    a = agents(agent_args(engine, "--log-dir", str(logs), "--db", str(db)), netns=engine.ns).wait_ready()
    assert "container names from docker" in a.stderr[-1]
    out = run_script(engine, name, fetch_script(web, "page1"), "--label", "team=blue", "--label", "secret=no",
                     "--label", "io.kubernetes.pod.name=web-7d9f", "--label", "io.kubernetes.pod.namespace=prod")
    assert out.strip().endswith("done") and "ok" in out
    # busybox's sh runs its applets in a fork, without an exec: the HTTP event names sh.
    ex = a.wait_for(lambda e: "web" in (get(e, "event.category") or []) and get(e, "url.path") == "/page1")
    cid = get(ex, "container.id")
    a.wait_for(lambda e: get(e, "event.action") == "flow" and get(e, "container.id") == cid and
               get(e, "destination.port") == web.port)
    a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.name") == "sh" and
               get(e, "container.id") == cid)
    rc, summary = a.stop()
    assert rc == 0
    mine = [e for e in a.events if get(e, "container.id") == cid]
    kinds = {get(e, "event.action") for e in mine}
    assert {"exec", "exit", "flow"} <= kinds and any("web" in (get(e, "event.category") or []) for e in mine), kinds
    assert any(get(e, "dns.question.name") == "page1.example" for e in mine)
    for e in mine:
        assert get(e, "container.name") == name, e
        assert get(e, "container.image.name") == "wf-busybox" and get(e, "container.image.tag") == "test"
        assert get(e, "container.labels") == {"team": "blue"}  # the allow-list keeps team only
        assert get(e, "container.runtime") == "docker"
        assert get(e, "orchestrator.resource.name") == "web-7d9f"
        assert get(e, "orchestrator.resource.type") == "pod"
        assert get(e, "orchestrator.namespace") == "prod"
    assert len(cid) == 64 and cid.startswith(cid[:12])
    counts = h.parse_summary([l for l in a.stderr if l.startswith("whoflow: summary: containers")][0])
    assert counts["events_named"] >= len(mine) and counts["errors"] == 0, summary
    # log files: the process's container by name, its image and pod
    _, procs = read_log(logs / "process.log")
    rows = [r for r in procs if r["container_id"] == cid]
    assert rows and all(r["container"] == name and r["container_image"] == "wf-busybox:test" and
                        r["pod"] == "prod/web-7d9f" for r in rows)
    _, flows = read_log(logs / "network.log")
    assert any(r["container"] == name and r["dst_port"] == str(web.port) for r in flows)
    # the store (sqlite3 reads it) and the API's filter by name
    con = sqlite3.connect(str(db))
    got = con.execute("SELECT DISTINCT container_name, container_image, pod, k8s_namespace FROM processes "
                      "WHERE container_id = ?", (cid,)).fetchall()
    con.close()
    assert got == [(name, "wf-busybox:test", "web-7d9f", "prod")]
    srv = Server(db, tmp_path)
    try:
        by_name = srv.call("/api/processes?container=" + name)["items"]
        by_pod = srv.call("/api/processes?pod=web-7d9f&k8s_namespace=prod")["items"]
        assert by_name and {p["container_id"] for p in by_name} == {cid}
        assert {p["entity_id"] for p in by_pod} == {p["entity_id"] for p in by_name}
        assert all(p["container_name"] == name for p in by_name)
        assert srv.call("/api/processes?container=nosuch-" + name)["items"] == []
        # the web UI in a real browser: the container's group is titled by name, image and pod
        npm = os.path.join(h.ROOT, "build", "npm", "node_modules", "playwright-core")
        r = subprocess.run(["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "ui_containers.js"),
                            "http://127.0.0.1:%d/" % srv.port, srv.token, by_name[0]["entity_id"]],
                           capture_output=True, text=True, timeout=180, env=dict(os.environ, PLAYWRIGHT_CORE=npm))
        assert r.returncode == 0, r.stderr[-3000:]
        saw = json.loads(r.stdout.strip().splitlines()[-1])
    finally:
        srv.stop()
    assert saw["errors"] == []
    assert [cid, "container %s (wf-busybox:test), pod prod/web-7d9f" % name] in saw["groups"]
    assert saw["fields"]["container name"] == name and saw["fields"]["image"] == "wf-busybox:test"
    assert saw["fields"]["pod"] == "prod/web-7d9f" and saw["fields"]["container"] == cid


def test_peer_container_named(agents, engine):
    """Two containers talking over the engine's bridge: the flow names the client's container and,
    as its peer, the server's."""
    srv_name, cli_name = "wfsrv-" + uuid.uuid4().hex[:6], "wfcli-" + uuid.uuid4().hex[:6]
    a = agents(agent_args(engine), netns=engine.ns).wait_ready()
    engine.docker("run", "-d", "--name", srv_name, "-v", "/usr:/usr:ro", HOST_IMAGE, "/usr/bin/python3", "-m",
                  "http.server", "8080")
    try:
        ip = engine.inspect(srv_name)["NetworkSettings"]["IPAddress"]
        out = run_script(engine, cli_name, "for i in $(seq 1 100); do wget -q -O /dev/null http://%s:8080/ && "
                         "echo fetched && break; sleep 0.1; done" % ip)
        assert "fetched" in out
        ev = a.wait_for(lambda e: get(e, "event.action") == "flow" and get(e, "destination.port") == 8080 and
                        name_of(e) == cli_name and name_of(e, peer=True) == srv_name, timeout=30)
        assert get(ev, "whoflow.peer.container.image.name") == "wf-host"
        assert get(ev, "whoflow.peer.process.name").startswith("python")
    finally:
        engine.docker("rm", "-f", srv_name)


def test_text_output_names_the_container(agents, engine):
    name = "wftext-" + uuid.uuid4().hex[:6]
    a = agents(agent_args(engine), netns=engine.ns, json_output=False).wait_ready()
    run_script(engine, name, "echo hi")
    line = a.wait_for(lambda l: l.startswith("EXEC ") and " ctr=%s " % name in l)
    assert "image=wf-busybox:test" in line


def test_rename_shows_from_the_next_event_on(agents, engine):
    """A running container is renamed: its events said the old name until then, the new one after,
    never the old one again."""
    old, new = "wfold-" + uuid.uuid4().hex[:6], "wfnew-" + uuid.uuid4().hex[:6]
    a = agents(agent_args(engine), netns=engine.ns).wait_ready()
    engine.docker("run", "-d", "--name", old, IMAGE, "/bin/sh", "-c",
                  "for i in $(seq 1 400); do sleep 0.1; done")
    # busybox runs its applets as /proc/self/exe: a sleep's exit names it
    a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.name") == "sleep" and
               name_of(e) == old)
    engine.docker("rename", old, new)
    first_new = a.wait_for(lambda e: get(e, "event.action") == "exit" and name_of(e) == new)
    a.wait_for(lambda e: e is not first_new and get(e, "event.action") == "exit" and name_of(e) == new)
    engine.docker("rm", "-f", new)
    i = a.events.index(first_new)
    cid = get(first_new, "container.id")
    assert not [e for e in a.events[i:] if get(e, "container.id") == cid and name_of(e) == old]
    assert engine.docker("inspect", new, check=False).returncode != 0  # gone: nothing left behind


def test_running_before_the_agent_is_asked(agents, engine):
    """A container started before whoflow: no event stream told of it, the inspect answer names it."""
    name = "wfearly-" + uuid.uuid4().hex[:6]
    engine.docker("run", "-d", "--name", name, "--label", "team=red", IMAGE, "/bin/sh", "-c",
                  "for i in $(seq 1 400); do sleep 0.1; done")
    cid = engine.inspect(name)["Id"]
    try:
        a = agents(agent_args(engine), netns=engine.ns).wait_ready()
        ev = a.wait_for(lambda e: get(e, "container.id") == cid and name_of(e) == name)
        assert get(ev, "container.labels") == {"team": "red"}
        a.stop()
        counts = h.parse_summary([l for l in a.stderr if l.startswith("whoflow: summary: containers")][0])
        assert counts["found"] >= 1 and counts["lookups"] >= 1
    finally:
        engine.docker("rm", "-f", name)


def test_container_selector_by_name(agents, engine, web):
    """--container NAME prints exactly that container's events: the other one's, doing the same,
    are left out; a name prefix is not a name."""
    mine, other = "wfsel-" + uuid.uuid4().hex[:6], "wfoth-" + uuid.uuid4().hex[:6]
    a = agents(agent_args(engine, "--container", mine), netns=engine.ns).wait_ready()
    for n in (mine, other):
        run_script(engine, n, fetch_script(web, n))
    ev = a.wait_for(lambda e: "web" in (get(e, "event.category") or []) and name_of(e) == mine)
    cid = get(ev, "container.id")
    a.wait_for(lambda e: get(e, "dns.question.name") == mine + ".example")
    a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.name") == "sh")
    a.stop()
    assert a.events and all(get(e, "container.id") == cid for e in a.events), \
        [(get(e, "event.action"), name_of(e)) for e in a.events if get(e, "container.id") != cid]
    assert len(cid) == 64
    assert not [e for e in a.events if get(e, "dns.question.name") == other + ".example"]


def test_k8s_namespace_and_pod_selectors(agents, engine):
    pod = "api-" + uuid.uuid4().hex[:5]
    a = agents(agent_args(engine, "--k8s-namespace", "shop", "--pod", pod), netns=engine.ns).wait_ready()
    run_script(engine, "wfpod-" + pod, "echo one", "--label", "io.kubernetes.pod.name=" + pod,
               "--label", "io.kubernetes.pod.namespace=shop")
    run_script(engine, "wfnopod-" + pod, "echo two", "--label", "io.kubernetes.pod.name=" + pod,
               "--label", "io.kubernetes.pod.namespace=other")
    a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "orchestrator.resource.name") == pod)
    # The second container's run ended before its events would show: all of them came through.
    engine.docker("run", "--rm", IMAGE, "/bin/true")
    a.stop()
    assert a.events and all(get(e, "orchestrator.namespace") == "shop" and
                            get(e, "orchestrator.resource.name") == pod for e in a.events)


def test_capture_selects_a_container_by_name(agents, engine, web, tmp_path):
    """-w with --container NAME: the packets of that container's connections only, each one's
    comment naming it (read by tshark with whoflow's Lua dissector)."""
    mine, other = "wfcap-" + uuid.uuid4().hex[:6], "wfcoth-" + uuid.uuid4().hex[:6]
    pcap = tmp_path / "c.pcapng"
    a = agents(agent_args(engine, "-w", str(pcap), "--container", mine), netns=engine.ns,
               json_output=False).wait_ready()
    for n in (mine, other):
        run_script(engine, n, "for i in 1 2 3; do wget -q -O - http://%s:%d/%s; done" % (GATEWAY, web.port, n))
    rc, _ = a.stop()
    assert rc == 0
    lua = os.path.join(h.ROOT, "contrib", "wireshark", "whoflow.lua")
    r = subprocess.run(["tshark", "-r", str(pcap), "-X", "lua_script:" + lua, "-Y", "tcp.port == %d" % web.port,
                        "-T", "fields", "-e", "whoflow.container_name", "-e", "http.request.uri"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    rows = [l.split("\t") for l in r.stdout.splitlines()]
    assert rows, "no packet of the selected container's connections"
    assert all(row[0] == mine for row in rows), rows[:5]
    assert sum(1 for row in rows if row[1] == "/" + mine) == 3  # its three requests
    assert not [row for row in rows if row[1] == "/" + other]


class FakeRuntime:
    """A unix socket that answers every request with garbage, or never answers."""

    def __init__(self, path, mode):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.bind(path)
        self.s.listen(16)
        self.mode = mode
        self.conns = []
        self.t = threading.Thread(target=self.serve, daemon=True)
        self.t.start()

    def serve(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            self.conns.append(c)
            if self.mode == "garbage":
                try:
                    c.recv(65536)
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"
                              b"{\"Id\": [not json\n\x00\xff}}}\n{\"Type\":\"container\"}\n")
                    c.close()
                except OSError:
                    pass

    def close(self):
        self.s.close()
        for c in self.conns:
            c.close()


def metric(netns, port, name):
    r = subprocess.run(["nsenter", "--net=" + netns.path, "curl", "-s", "--max-time", "5",
                        "http://127.0.0.1:%d/metrics" % port], capture_output=True, text=True, timeout=10)
    for line in r.stdout.splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    return None


@pytest.mark.parametrize("mode", ["garbage", "silent", "absent"])
def test_bad_runtime_costs_a_counted_miss(agents, engine, tmp_path, mode):
    """A runtime socket that answers garbage, never answers, or is not there: the container's events
    go out with its id alone without waiting, the loss is counted (summary and /metrics, which
    promtool accepts), the agent carries on."""
    path = str(tmp_path / "runtime.sock")
    fake = FakeRuntime(path, mode) if mode != "absent" else None
    port = 19100 + ["garbage", "silent", "absent"].index(mode)
    try:
        a = agents(["--cgroup", engine.cgroup.path, "--docker-socket", path, "--metrics", "127.0.0.1:%d" % port],
                   netns=engine.ns).wait_ready()
        if mode == "absent":
            assert any("no socket there now" in l for l in a.stderr)
        run_script(engine, "wfbad-" + uuid.uuid4().hex[:6], "echo a; echo b")
        ev = a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "container.id"))
        cid = get(ev, "container.id")
        assert name_of(ev) is None and get(ev, "container.runtime") == "docker"
        want = 'whoflow_container_lookups_total{result="%s"}' % ("error" if mode == "garbage" else "unreachable")
        h.wait_until(lambda: (metric(engine.ns, port, want) or 0) >= 1, 20, want)
        text = subprocess.run(["nsenter", "--net=" + engine.ns.path, "curl", "-s", "--max-time", "5",
                               "http://127.0.0.1:%d/metrics" % port], capture_output=True, text=True).stdout
        chk = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
        assert chk.returncode == 0, chk.stdout + chk.stderr
        rc, _ = a.stop()
        assert rc == 0
        counts = h.parse_summary([l for l in a.stderr if l.startswith("whoflow: summary: containers")][0])
        assert counts["events_named"] == 0 and counts["events_unnamed"] >= 1 and counts["found"] == 0
        assert counts["errors" if mode == "garbage" else "unreachable"] >= 1
        assert all(name_of(e) is None for e in a.events if get(e, "container.id") == cid)
    finally:
        if fake:
            fake.close()


def test_containerd_task_annotations(agents, engine, tmp_path):
    """A task containerd runs for the CRI (ctr run with its annotations, in a kubepods cgroup): its
    process events carry the container's, image's and pod's names from the bundle containerd wrote."""
    ctr = ["ctr", "-a", engine.containerd_sock, "-n", "k8s.io"]
    img = tmp_path / "img.tar"
    engine.docker("save", IMAGE, "-o", str(img))
    r = subprocess.run(ctr + ["images", "import", str(img)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    tid = uuid.uuid4().hex + uuid.uuid4().hex
    a = agents(agent_args(engine, "--containerd-socket", engine.containerd_sock), netns=engine.ns).wait_ready()
    cgpath = "%s/kubepods/pod%s/%s" % (engine.cgroup.rel, uuid.uuid4().hex[:8], tid)
    try:
        r = subprocess.run(ctr + ["run", "--rm", "--cgroup", cgpath,
                                  "--annotation", "io.kubernetes.cri.container-name=cart",
                                  "--annotation", "io.kubernetes.cri.image-name=registry.local/shop/cart:2.1",
                                  "--annotation", "io.kubernetes.cri.sandbox-name=cart-5d8f",
                                  "--annotation", "io.kubernetes.cri.sandbox-namespace=shop",
                                  "--annotation", "io.kubernetes.cri.sandbox-uid=8e0c1f7a-1b2c-4d5e-9f00-aabbccddeeff",
                                  "--annotation", "team=green",
                                  "docker.io/library/" + IMAGE, tid, "/bin/sh", "-c", "sleep 1; echo x"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        ev = a.wait_for(lambda e: get(e, "container.id") == tid and get(e, "event.action") == "exit" and
                        name_of(e) == "cart")
    finally:
        subprocess.run(ctr + ["task", "kill", "-s", "KILL", tid], capture_output=True, timeout=30)
        subprocess.run(ctr + ["container", "rm", tid], capture_output=True, timeout=30)
    assert get(ev, "container.runtime") == "cri"
    assert get(ev, "container.image.name") == "registry.local/shop/cart"
    assert get(ev, "container.image.tag") == "2.1"
    assert get(ev, "container.labels") == {"team": "green"}
    assert get(ev, "orchestrator.resource.name") == "cart-5d8f"
    assert get(ev, "orchestrator.namespace") == "shop"
    assert get(ev, "orchestrator.resource.id") == "8e0c1f7a-1b2c-4d5e-9f00-aabbccddeeff"


def test_no_container_metadata(agents, engine):
    a = agents(agent_args(engine, "--no-container-metadata"), netns=engine.ns).wait_ready()
    assert "container names" not in a.stderr[-1]
    run_script(engine, "wfoff-" + uuid.uuid4().hex[:6], "echo x")
    ev = a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "container.id"))
    assert name_of(ev) is None
    a.stop()
    assert not [l for l in a.stderr if l.startswith("whoflow: summary: containers")]


PODMAN = "/usr/bin/podman"


class Podman:
    """podman system service in its own namespace, root, run root and tmpdir; containers run by
    podman's own command on the same storage (its service's answers and events are the ones whoflow
    reads) from a root filesystem directory, so that no image cache is written on the host."""

    def __init__(self, cgroup):
        self.cgroup = cgroup
        self.ns = h.Netns()
        self.dir = tempfile.mkdtemp(prefix="whoflow-podman-")
        self.sock = os.path.join(self.dir, "podman.sock")
        self.base = [PODMAN, "--root", self.dir + "/root", "--runroot", self.dir + "/run", "--tmpdir",
                     self.dir + "/tmp", "--cgroup-manager", "cgroupfs", "--events-backend", "file"]
        self.log = open(os.path.join(self.dir, "service.log"), "w")
        self.p = None
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        self.p = subprocess.Popen(["nsenter", "--net=" + self.ns.path] + self.base +
                                  ["system", "service", "--time", "0", "unix://" + self.sock],
                                  stdout=self.log, stderr=subprocess.STDOUT)
        h.wait_until(lambda: self.p.poll() is not None or self.answers(), 60, "podman service answering")
        assert self.p.poll() is None, open(self.log.name).read()[-2000:]
        self.rootfs = os.path.join(self.dir, "rootfs")
        os.makedirs(self.rootfs + "/bin")
        shutil.copy(BUSYBOX, self.rootfs + "/bin/busybox")
        for a in ("sh", "echo", "sleep"):
            os.symlink("busybox", self.rootfs + "/bin/" + a)

    def answers(self):
        r = subprocess.run(["curl", "-s", "--max-time", "2", "--unix-socket", self.sock, "http://localhost/_ping"],
                           capture_output=True, text=True)
        return r.stdout.strip() == "OK"

    def run(self, name, script, *opts):
        # This host's limits cannot be raised: podman's defaults (nofile, nproc) are set lower.
        r = subprocess.run(["nsenter", "--net=" + self.ns.path] + self.base +
                           ["run", "--rm", "--name", name, "--network", "none", "--ulimit", "nofile=1024:1024",
                            "--ulimit", "nproc=1024:1024", "--cgroup-parent", self.cgroup.rel + "/libpod_parent",
                            *opts, "--rootfs", self.rootfs, "/bin/sh", "-c", script],
                           capture_output=True, text=True, timeout=90)
        assert r.returncode == 0, r.stderr
        return r.stdout

    def stop(self):
        subprocess.run(self.base + ["rm", "-fa"], capture_output=True, timeout=60)
        stop_process(self.p, 30)
        self.log.close()
        remove_leftovers(self.dir, self.cgroup)
        self.ns.remove()


@pytest.mark.skipif(not os.access(PODMAN, os.X_OK), reason="podman is installed by make deps")
def test_podman_containers_named(agents):
    """Podman's Docker-compatible service: a container's events carry the name and labels its
    service gives (its first ones may go out with the id alone: Podman's event stream reads a file
    and can come after the container's first process)."""
    cg = h.Cgroup()
    pm = None
    try:
        pm = Podman(cg)
        name = "wfpod-" + uuid.uuid4().hex[:6]
        a = agents(["--cgroup", cg.path, "--podman-socket", pm.sock, "--docker-socket", "/run/none-" + name,
                    "--container-label", "team"], netns=pm.ns).wait_ready()
        assert "container names from docker,podman" in a.stderr[-1]
        out = pm.run(name, "echo hi; sleep 1; echo again", "--label", "team=green")
        assert out.split() == ["hi", "again"]
        ev = a.wait_for(lambda e: get(e, "event.action") == "exit" and get(e, "process.name") == "sh" and
                        get(e, "container.runtime") == "podman")
        assert name_of(ev) == name, ev.get("container")
        assert get(ev, "container.labels") == {"team": "green"}
        cid = get(ev, "container.id")
        assert all(name_of(e) in (None, name) for e in a.events if get(e, "container.id") == cid)
    finally:
        if pm:
            pm.stop()
        cg.remove()
