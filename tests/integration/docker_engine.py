# SPDX-License-Identifier: GPL-2.0-only
"""Debian's Docker engine for the tests and make bench: dockerd started in a network namespace
(its own, or one given), with its own data root, exec root, socket and pid file, its containers
under a cgroup the caller made; images made with `docker import` (nothing is pulled); everything
it made removed at stop, its v1 cgroups and mounts included."""
import json
import os
import shutil
import signal
import subprocess
import tempfile

import whoflow_harness as h

DOCKERD = "/usr/sbin/dockerd"
DOCKER = "/usr/bin/docker"  # Debian's client: /usr/local/bin may hold another one
BUSYBOX = "/bin/busybox"
IMAGE = "wf-busybox:test"
GATEWAY = "172.31.7.1"  # docker0's address, in the engine's own namespace
HOST_IMAGE = "wf-host:test"  # no files: the host's /usr is bound in, with the merged-/usr links


def v1_cgroup_mounts():
    with open("/proc/mounts") as f:
        return [l.split()[1] for l in f if l.split()[2] == "cgroup"]


def stop_process(p, timeout):
    """SIGTERM, then SIGKILL after timeout seconds; reaped either way."""
    if p and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)


def remove_leftovers(top_dir, cgroup):
    """What a container engine leaves when it dies: its mounts under top_dir, the v1 cgroups it
    made under cgroup (the v2 ones go with the cgroup), then top_dir itself."""
    with open("/proc/mounts") as f:
        mounts = [l.split()[1] for l in f if l.split()[1].startswith(top_dir)]
    for m in sorted(mounts, key=len, reverse=True):
        subprocess.run(["umount", "-l", m], check=False)
    for mnt in v1_cgroup_mounts():
        top = os.path.join(mnt, cgroup.rel.lstrip("/"))
        for dirpath, _, _ in sorted(os.walk(top), key=lambda w: -w[0].count("/")) if os.path.isdir(top) else []:
            try:
                os.rmdir(dirpath)
            except OSError:
                pass
    shutil.rmtree(top_dir, ignore_errors=True)


class Engine:
    """dockerd in its own namespace (or ns, kept at stop); containers under CGROUP/docker/ID
    (cgroupfs driver); extra: dockerd options instead of the default bridge's address."""

    def __init__(self, cgroup, ns=None, extra=()):
        self.cgroup = cgroup
        self.own_ns = ns is None
        self.ns = ns or h.Netns()
        self.dir = tempfile.mkdtemp(prefix="whoflow-docker-")
        self.sock = os.path.join(self.dir, "docker.sock")
        self.log = open(os.path.join(self.dir, "dockerd.log"), "w")
        self.p = None
        try:
            self._start(cgroup, extra)
        except BaseException:
            self.stop()  # what it made so far goes: mounts, cgroups, the directory, the namespace
            raise

    def _start(self, cgroup, extra):
        self.p = subprocess.Popen(
            ["nsenter", "--net=" + self.ns.path, DOCKERD, "--data-root", self.dir + "/data",
             "--exec-root", self.dir + "/exec", "-H", "unix://" + self.sock, "--pidfile", self.dir + "/docker.pid",
             "--iptables=false", "--ip6tables=false", "--cgroup-parent", cgroup.rel + "/docker",
             *(extra or ("--bip", GATEWAY + "/24"))],
            stdout=self.log, stderr=subprocess.STDOUT)
        h.wait_until(lambda: self.p.poll() is not None or self.docker("version", check=False).returncode == 0, 60,
                     "dockerd answering")
        assert self.p.poll() is None, open(self.log.name).read()[-2000:]
        self.containerd_sock = self.dir + "/exec/containerd/containerd.sock"
        self.make_image()

    def docker(self, *args, check=True, timeout=60):
        r = subprocess.run([DOCKER, "-H", "unix://" + self.sock] + list(args), capture_output=True, text=True,
                           timeout=timeout)
        assert not check or r.returncode == 0, (args, r.stderr)
        return r

    def make_image(self):
        root = os.path.join(self.dir, "rootfs")
        os.makedirs(root + "/bin")
        shutil.copy(BUSYBOX, root + "/bin/busybox")
        for a in ("sh", "echo", "sleep", "wget", "nslookup", "seq", "true"):
            os.symlink("busybox", root + "/bin/" + a)
        self.import_dir(root, IMAGE)
        host = os.path.join(self.dir, "hostfs")
        for d in ("usr", "etc", "tmp", "proc", "sys", "dev"):
            os.makedirs(os.path.join(host, d))
        for link in ("bin", "sbin", "lib", "lib64"):
            os.symlink("usr/" + link, os.path.join(host, link))
        self.import_dir(host, HOST_IMAGE)

    def import_dir(self, root, name):
        tar = subprocess.run(["tar", "-C", root, "-c", "."], capture_output=True, check=True).stdout
        r = subprocess.run([DOCKER, "-H", "unix://" + self.sock, "import", "-", name], input=tar,
                           capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr

    def inspect(self, name):
        return json.loads(self.docker("inspect", name).stdout)[0]

    def in_ns(self, argv, **kw):
        return subprocess.Popen(["nsenter", "--net=" + self.ns.path] + argv, **kw)

    def stop(self):
        if self.p and self.p.poll() is None:
            ids = self.docker("ps", "-aq", check=False).stdout.split()
            if ids:
                self.docker("rm", "-f", *ids, check=False)
        stop_process(self.p, 40)
        self.log.close()
        remove_leftovers(self.dir, self.cgroup)
        if self.own_ns:
            self.ns.remove()
