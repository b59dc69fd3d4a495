# SPDX-License-Identifier: GPL-2.0-only
"""Process tracker: each spawned process must come out with exactly what it did."""
import hashlib
import json
import os
import signal
import subprocess
import sys
import uuid

import whoflow_harness as h
from whoflow_harness import by_action, get

CONTAINER_ID = "7e1f3c9a2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7"


def start(agents, netns, cgroup, *extra):
    return agents(["--cgroup", cgroup.path, *extra], netns=netns).wait_ready()


def parent_comm():
    with open("/proc/self/comm") as f:
        return f.read().strip()


def bash_split(command_line):
    """How bash splits process.command_line back into words: must equal process.args."""
    out = subprocess.run(["bash", "-c", "printf '%s\\0' " + command_line], capture_output=True, check=True)
    return out.stdout.split(b"\0")[:-1]


def check_common(ev, proc, cgroup, args):
    assert get(ev, "process.pid") == proc.pid
    assert get(ev, "process.parent.pid") == os.getpid()
    assert get(ev, "process.parent.name") == parent_comm()
    assert get(ev, "process.args") == args
    assert get(ev, "process.args_count") == len(args)
    assert bash_split(get(ev, "process.command_line")) == [a.encode() for a in args]
    assert get(ev, "whoflow.cgroup.path") == cgroup.rel
    assert get(ev, "whoflow.cgroup.id") == os.stat(cgroup.path).st_ino
    assert get(ev, "process.user.id") == str(os.getuid())
    assert get(ev, "process.user.name") == "root"
    assert len(get(ev, "process.entity_id")) == 32


def test_true_exec_and_exit(agents, netns, cgroup):
    a = start(agents, netns, cgroup)
    p = cgroup.spawn(["/bin/true"])
    assert p.wait(10) == 0
    ex = a.wait_for(by_action("exec", **{"process.pid": p.pid}))
    check_common(ex, p, cgroup, ["/bin/true"])
    assert get(ex, "process.executable") == "/bin/true"
    assert get(ex, "process.name") == "true"
    assert get(ex, "event.type") == ["start"] and get(ex, "event.category") == ["process"]
    assert get(ex, "whoflow.process.source") == "exec"
    assert "container" not in ex
    end = a.wait_for(by_action("exit", **{"process.pid": p.pid}))
    assert get(end, "process.exit_code") == 0
    assert get(end, "event.type") == ["end"]
    assert "signal" not in get(end, "whoflow.process", {})
    assert get(end, "process.entity_id") == get(ex, "process.entity_id")
    assert isinstance(get(end, "event.duration"), int) and get(end, "event.duration") > 0
    rc, summary = a.stop(signal.SIGTERM)
    assert rc == 0
    counts = h.parse_summary(summary)
    assert counts["exec"] >= 1 and counts["exit"] >= 1 and counts["ringbuf_full"] == 0


def test_exec_through_proc_self_exe_names_the_file(agents, netns, cgroup):
    """A process that execs /proc/self/exe (as chromium and runc start their children) is named by
    the file it runs, not by the link; a path that is a plain file stays as it was exec'd."""
    a = start(agents, netns, cgroup)
    code = "import os, sys; sys.stdin.readline(); os.execv('/proc/self/exe', ['again', '-c', 'import sys; sys.stdin.read()'])"
    p = cgroup.spawn([sys.executable, "-c", code], stdin=subprocess.PIPE)
    try:
        first = a.wait_for(by_action("exec", **{"process.pid": p.pid}))
        assert get(first, "process.executable") == sys.executable
        p.stdin.write(b"x\n")
        p.stdin.flush()  # it execs itself, and then waits for the end of its input
        again = a.wait_for(lambda e: get(e, "event.action") == "exec" and get(e, "process.pid") == p.pid
                           and get(e, "process.args") == ["again", "-c", "import sys; sys.stdin.read()"])
    finally:
        p.stdin.close()
        p.wait(10)
    assert get(again, "process.executable") == os.path.realpath(sys.executable), again


def test_script_args_with_spaces_and_quotes(agents, netns, cgroup, tmp_path):
    script = tmp_path / "args script.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    args = ["a b", "it's", 'say "hi"', "", "tab\there", "$HOME", "caf\u00e9"]
    a = start(agents, netns, cgroup)
    p = cgroup.spawn([str(script)] + args)
    assert p.wait(10) == 0
    ev = a.wait_for(by_action("exec", **{"process.pid": p.pid}))
    # The kernel runs the interpreter named by #!, with the script path as argv[1].
    check_common(ev, p, cgroup, ["/bin/sh", str(script)] + args)
    assert get(ev, "process.executable") == "/bin/sh"
    assert get(ev, "process.working_directory") in (os.getcwd(), None)


def test_exit_code_3(agents, netns, cgroup):
    a = start(agents, netns, cgroup)
    p = cgroup.spawn(["/bin/sh", "-c", "exit 3"])
    assert p.wait(10) == 3
    ev = a.wait_for(by_action("exit", **{"process.pid": p.pid}))
    assert get(ev, "process.exit_code") == 3
    check_common(ev, p, cgroup, ["/bin/sh", "-c", "exit 3"])
    assert "signal" not in get(ev, "whoflow.process", {})


def test_sigkill(agents, netns, cgroup):
    a = start(agents, netns, cgroup)
    p = cgroup.spawn(["/bin/sleep", "30"])
    a.wait_for(by_action("exec", **{"process.pid": p.pid}))
    p.kill()
    assert p.wait(10) == -signal.SIGKILL
    ev = a.wait_for(by_action("exit", **{"process.pid": p.pid}))
    check_common(ev, p, cgroup, ["/bin/sleep", "30"])
    assert get(ev, "process.exit_code") == 128 + signal.SIGKILL
    assert get(ev, "whoflow.process.signal") == "SIGKILL"
    assert get(ev, "whoflow.process.core_dumped") is False


def test_containerd_scope(agents, netns, cgroup):
    child = cgroup.child("cri-containerd-%s.scope" % CONTAINER_ID)
    a = start(agents, netns, cgroup)
    p = child.spawn(["/bin/true", "in-container"])
    assert p.wait(10) == 0
    ev = a.wait_for(by_action("exec", **{"process.pid": p.pid}))
    assert get(ev, "process.parent.pid") == os.getpid()
    assert get(ev, "process.args") == ["/bin/true", "in-container"]
    assert get(ev, "container.id") == CONTAINER_ID
    assert get(ev, "container.runtime") == "containerd"
    assert get(ev, "whoflow.cgroup.path") == child.rel
    assert get(ev, "whoflow.cgroup.id") == os.stat(child.path).st_ino
    end = a.wait_for(by_action("exit", **{"process.pid": p.pid}))
    assert get(end, "container.id") == CONTAINER_ID
    # --container selects by id prefix.
    a.stop()
    b = start(agents, netns, cgroup, "--container", CONTAINER_ID[:12])
    outside = cgroup.spawn(["/bin/true", "outside"])
    inside = child.spawn(["/bin/true", "inside"])
    assert outside.wait(10) == 0 and inside.wait(10) == 0
    b.wait_for(by_action("exit", **{"process.pid": inside.pid}))
    b.stop()
    assert not [e for e in b.events if get(e, "process.pid") == outside.pid]


def test_tree_includes_grandchild_born_later(agents, netns, cgroup):
    marker = "gc-" + uuid.uuid4().hex[:8]
    root = cgroup.spawn(["/bin/sh", "-c", "read go; /bin/sh -c '/bin/echo %s; true'" % marker],
                        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    a = start(agents, netns, cgroup, "--tree", str(root.pid))
    unrelated = cgroup.spawn(["/bin/true", "unrelated"])
    assert unrelated.wait(10) == 0
    root.stdin.write(b"go\n")
    root.stdin.close()
    assert root.wait(10) == 0
    gc = a.wait_for(by_action("exec", **{"process.args": ["/bin/echo", marker]}))
    child = a.wait_for(by_action("exec", **{"process.pid": get(gc, "process.parent.pid")}))
    assert get(child, "process.parent.pid") == root.pid
    a.wait_for(by_action("exit", **{"process.pid": root.pid}))
    rc, _ = a.stop()
    assert rc == 0
    # The unrelated process ran before the tree's events, so it would have come first.
    assert not [e for e in a.events if get(e, "process.pid") == unrelated.pid]


def test_selectors(agents, netns, cgroup):
    a = start(agents, netns, cgroup, "--comm", "sleep,nonexistent", "--min-duration", "300")
    quick = cgroup.spawn(["/bin/sleep", "0"])
    slow = cgroup.spawn(["/bin/sleep", "0.5"])
    other = cgroup.spawn(["/bin/true"])
    for p in (quick, slow, other):
        assert p.wait(10) == 0
    a.wait_for(by_action("exit", **{"process.pid": slow.pid}))
    a.stop()
    exits = [get(e, "process.pid") for e in a.events if get(e, "event.action") == "exit"]
    assert slow.pid in exits and quick.pid not in exits
    assert not [e for e in a.events if get(e, "process.pid") == other.pid]
    # --exe glob and --cmdline substring
    b = start(agents, netns, cgroup, "--exe", "/bin/ech*", "--cmdline", "pick me")
    miss = cgroup.spawn(["/bin/echo", "not me"], stdout=subprocess.DEVNULL)
    hit = cgroup.spawn(["/bin/echo", "pick", "me"], stdout=subprocess.DEVNULL)
    assert miss.wait(10) == 0 and hit.wait(10) == 0
    b.wait_for(by_action("exit", **{"process.pid": hit.pid}))
    b.stop()
    assert not [e for e in b.events if get(e, "process.pid") == miss.pid]


def test_ppid_and_pid_selectors(agents, netns, cgroup):
    a = start(agents, netns, cgroup, "--ppid", str(os.getpid()))
    p = cgroup.spawn(["/bin/sh", "-c", "/bin/true; true"])
    assert p.wait(10) == 0
    a.wait_for(by_action("exit", **{"process.pid": p.pid}))
    a.stop()
    assert {get(e, "process.parent.pid") for e in a.events} == {os.getpid()}


def test_forks_only_with_show_forks(agents, netns, cgroup):
    a = start(agents, netns, cgroup, "--show-forks")
    p = cgroup.spawn(["/bin/sh", "-c", "/bin/true; true"])
    assert p.wait(10) == 0
    fork = a.wait_for(by_action("fork", **{"process.parent.pid": p.pid}))
    assert get(fork, "process.args") == ["/bin/sh", "-c", "/bin/true; true"]  # parent's image
    assert get(fork, "whoflow.process.source") == "fork"
    a.wait_for(by_action("exit", **{"process.pid": p.pid}))
    a.stop()
    b = start(agents, netns, cgroup)
    q = cgroup.spawn(["/bin/sh", "-c", "/bin/true; true"])
    assert q.wait(10) == 0
    b.wait_for(by_action("exit", **{"process.pid": q.pid}))
    b.stop()
    assert not [e for e in b.events if get(e, "event.action") == "fork"]


def test_hash_and_env(agents, netns, cgroup):
    a = start(agents, netns, cgroup, "--hash-binaries", "--env")
    env = {"PATH": "/usr/bin:/bin", "MY_API_TOKEN": "s3cret", "PLAIN": "visible"}
    p = cgroup.spawn(["/bin/true", "hashed"], env=env)
    assert p.wait(10) == 0
    ev = a.wait_for(by_action("exec", **{"process.pid": p.pid}))
    data = open("/bin/true", "rb").read()
    assert get(ev, "process.hash.sha256") == hashlib.sha256(data).hexdigest()
    assert get(ev, "process.hash.md5") == hashlib.md5(data).hexdigest()
    assert sorted(get(ev, "process.env_vars")) == sorted(
        ["PATH=/usr/bin:/bin", "MY_API_TOKEN=[REDACTED]", "PLAIN=visible"])
    assert "s3cret" not in str(ev)


def test_snapshot_knows_processes_started_before(agents, netns, cgroup):
    """A process that existed before whoflow started exits with its full details."""
    marker = "pre-" + uuid.uuid4().hex[:8]
    p = cgroup.spawn(["/bin/sh", "-c", "read x; true", marker], stdin=subprocess.PIPE)
    a = start(agents, netns, cgroup, "--pid", str(p.pid))
    p.stdin.close()
    assert p.wait(10) == 0
    ev = a.wait_for(by_action("exit", **{"process.pid": p.pid}))
    assert get(ev, "process.args") == ["/bin/sh", "-c", "read x; true", marker]
    assert get(ev, "whoflow.process.source") == "snapshot"
    assert get(ev, "whoflow.cgroup.path") == cgroup.rel
    assert get(ev, "process.parent.pid") == os.getpid()


def test_scope_excludes_other_cgroups(agents, netns, cgroup):
    other = h.Cgroup()
    try:
        a = start(agents, netns, cgroup)
        out = other.spawn(["/bin/true", "out-of-scope"])
        inside = cgroup.spawn(["/bin/true", "in-scope"])
        assert out.wait(10) == 0 and inside.wait(10) == 0
        a.wait_for(by_action("exit", **{"process.pid": inside.pid}))
        a.stop()
        assert not [e for e in a.events if get(e, "process.pid") == out.pid]
    finally:
        other.remove()


def test_count_stops_after_n_events(agents, netns, cgroup):
    a = start(agents, netns, cgroup, "-c", "2")
    for _ in range(3):
        assert cgroup.spawn(["/bin/true"]).wait(10) == 0
    rc = a.proc.wait(15)
    a.stop()
    assert rc == 0
    assert len(a.events) == 2
    assert h.parse_summary(a.stderr[-1])["printed"] == 2


def test_text_output(agents, netns, cgroup):
    a = agents(["--cgroup", cgroup.path], netns=netns, json_output=False).wait_ready()
    p = cgroup.spawn(["/bin/true", "two words", "it's"])
    assert p.wait(10) == 0
    line = a.wait_for(lambda l: l.startswith("EXEC ") and (" pid=%d " % p.pid) in l)
    assert " comm=true " in line and " ppid=%d " % os.getpid() in line
    assert line.endswith("cmdline=\"/bin/true 'two words' 'it'\\\\''s'\"")
    end = a.wait_for(lambda l: l.startswith("EXIT ") and (" pid=%d " % p.pid) in l)
    assert " exit_code=0 " in end


def test_hooks_removed_on_exit(agents, netns, cgroup):
    def tracker_prog_ids():
        out = json.loads(subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True,
                                        text=True, check=True).stdout)
        return {p["id"] for p in out if p.get("name") in ("proc_exec", "proc_fork", "proc_exit")}

    before = tracker_prog_ids()
    a = start(agents, netns, cgroup)
    ours = tracker_prog_ids() - before
    assert len(ours) == 3  # exec, fork, exit
    rc, summary = a.stop(signal.SIGTERM)
    assert rc == 0 and summary.startswith("whoflow: summary:")
    # The kernel frees programs asynchronously after the last reference goes.
    h.wait_until(lambda: not (ours & tracker_prog_ids()), timeout=10, what="programs unloaded")


def test_under_ip_netns_exec(agents, netns):
    """`ip netns exec` hides cgroup2 behind a fresh /sys: whoflow mounts it privately."""
    mounts_before = open("/proc/mounts").read()
    marker = "ipns-" + uuid.uuid4().hex[:8]
    a = agents(["--cmdline", marker], prefix=["ip", "netns", "exec", netns.name]).wait_ready()
    p = subprocess.Popen(["/bin/true", marker])
    assert p.wait(10) == 0
    ev = a.wait_for(by_action("exec", **{"process.pid": p.pid}))
    assert get(ev, "process.args") == ["/bin/true", marker]
    assert get(ev, "whoflow.cgroup.path")  # resolved through the private cgroup2 mount
    rc, _ = a.stop()
    assert rc == 0
    assert open("/proc/mounts").read() == mounts_before
    assert not [d for d in os.listdir("/tmp") if d.startswith("whoflow-cgroup2.")]
