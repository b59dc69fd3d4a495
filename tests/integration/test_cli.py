# SPDX-License-Identifier: GPL-2.0-only
"""Bad input, help and docs: clear errors with the documented exit codes."""
import os
import re
import signal
import subprocess

import pytest

import whoflow_harness as h
from whoflow_harness import by_action, get

DOCS = os.path.join(h.ROOT, "docs")


def run(args, prefix=(), timeout=30):
    return subprocess.run(list(prefix) + [h.WHOFLOW] + list(args), capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("args,needle", [
    (["--no-such-option"], "unknown option '--no-such-option'"),
    (["-c", "zero"], "bad --count 'zero'"),
    (["-c", "0"], "bad --count '0'"),
    (["-o", "yaml"], "bad --output 'yaml'"),
    (["--pid", "12x"], "bad --pid '12x'"),
    (["--min-duration", "-5"], "bad --min-duration '-5'"),
    (["-B", "1"], "bad --buffer-size '1'"),
    (["-i"], "option '-i' needs a value"),
    (["tcp", "port", "99999"], "bad filter expression 'tcp port 99999': illegal port number 99999"),
    (["tcp", "prot", "80"], "syntax error"),
    (["--dns-ports", "0"], "bad port in --dns-ports"),
    (["--dns-ports", "1,2,3,4,5,6,7,8,9"], "bad --dns-ports"),
    (["--flow-timeouts", "15"], "bad --flow-timeouts"),
    (["--flow-timeouts", "0,10"], "bad --flow-timeouts"),
])
def test_bad_usage_exits_2(args, needle):
    r = run(args)
    assert r.returncode == 2
    assert needle in r.stderr
    assert "Try 'whoflow --help'" in r.stderr
    assert r.stdout == ""


def test_missing_interface_exits_1(netns):
    r = run(["-i", "nope0"], prefix=["nsenter", "--net=" + netns.path])
    assert r.returncode == 1
    assert "no interface named 'nope0'" in r.stderr


def test_interface_in_named_netns(agents, netns, cgroup):
    r = run(["--netns", netns.name, "-i", "nope0"])
    assert r.returncode == 1 and "in network namespace " + netns.name in r.stderr
    r = run(["--netns", "whoflow-no-such-ns"])
    assert r.returncode == 1 and "cannot open network namespace" in r.stderr
    a = agents(["--netns", netns.name, "-i", "lo", "--cgroup", cgroup.path]).wait_ready()
    assert a.stop()[0] == 0


def test_bad_cgroup_exits_1(netns):
    r = run(["--cgroup", "/sys/fs/cgroup/unified/whoflow-does-not-exist"])
    assert r.returncode == 1 and "No such file or directory" in r.stderr
    r = run(["--cgroup", "/tmp"])
    assert r.returncode == 1 and "not a cgroup v2 directory" in r.stderr


def test_not_root_exits_1():
    r = run([], prefix=["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "--inh-caps=-all", "--bounding-set=-all"])
    assert r.returncode == 1
    assert "missing CAP_SYS_ADMIN" in r.stderr and "not running as root" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_help_and_version():
    r = run(["--help"])
    assert r.returncode == 0 and r.stdout.startswith("Usage: whoflow [monitor]")
    m = run(["monitor", "--help"])
    assert m.returncode == 0 and m.stdout.startswith("Usage: whoflow [monitor]")
    assert "--stale" in r.stdout and "--stale" not in m.stdout
    v = run(["--version"])
    assert v.returncode == 0 and re.match(r"whoflow \d+\.\d+\.\d+ ", v.stdout)


def options_of(help_text):
    """The options a --help lists as entries (not those its texts mention)."""
    return set(re.findall(r"^  (?:-\w, |    )(--[a-z][a-z-]+)", help_text, re.M))


COMMANDS = ["monitor", "attach", "detach", "status", "serve", "rules"]


def test_usage_doc_matches_help():
    """--help is rendered from the option tables (userspace/cli/options.c); docs/usage.md carries
    the whole help and each command's verbatim, and a section per option, and the man page names
    every option, so none can drift."""
    help_text = run(["--help"]).stdout
    doc = open(os.path.join(DOCS, "usage.md")).read()
    man = open(os.path.join(DOCS, "whoflow.8")).read()
    assert help_text in doc
    for cmd in ["attach", "detach", "status", "serve", "rules"]:
        assert run([cmd, "--help"]).stdout in doc, "whoflow %s --help is not in docs/usage.md" % cmd
    opts = sorted(options_of(help_text))
    assert len(opts) > 50
    for opt in opts:
        assert "`%s" % opt in doc, "%s has no section in docs/usage.md" % opt
        assert opt.replace("-", "\\-") in man, "%s is not in docs/whoflow.8" % opt


def option_words(opt, help_text):
    """The words that give opt a valid value, so that only the command decides: the first of the
    choices its --help names (text|json), else a value of the kind it takes."""
    m = re.search(r"^  (?:-\w, |    )%s(?![\w-])( [^ \n]+)?" % re.escape(opt), help_text, re.M)
    arg = (m.group(1) or "").strip() if m else ""
    if not arg:
        return [opt]
    if "|" in arg and arg.replace("|", "").isalpha() and arg.islower():
        return [opt, arg.split("|")[0]]
    values = {"--flow-timeouts": "1,2", "--host": "10.0.0.1", "--src": "10.0.0.1", "--dst": "10.0.0.1",
              "--buffer-size": "64", "--flow-table": "64", "--socket-table": "64", "--syslog": "unix",
              "--syslog-facility": "local0", "--syslog-severity": "info", "--api": "127.0.0.1:8080",
              "--user": "nobody", "--udp": "127.0.0.1:9", "--udp-max-size": "1500", "--metrics": "127.0.0.1:19751", "--ipfix": "udp://127.0.0.1:4739", "--nats": "nats://127.0.0.1:4222", "--nats-subject": "whoflow", "--nats-stream": "WHOFLOW", "--nats-queue": "64", "--nats-creds": "/etc/hostname", "--nats-token-file": "/etc/hostname", "--nats-ca": "/etc/hostname",
              "--docker-socket": "/run/none.sock", "--podman-socket": "/run/none.sock",
              "--containerd-socket": "/run/none.sock", "--rules": os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                          "sigma_rules")}
    return [opt, values.get(opt, "1")]


@pytest.mark.parametrize("cmd", COMMANDS)
def test_each_command_takes_only_its_options(cmd):
    """An option another command's --help lists is refused with exit 2, naming the commands that
    take it; every option a command's --help lists gets past the parser (it fails later, for
    want of an interface or a pin, or succeeds, but never as a usage error about the option)."""
    full = run(["--help"]).stdout
    every = options_of(full) - {"--help", "--version"}
    own = options_of(run([cmd, "--help"]).stdout)
    assert own and own < every | {"--help", "--version"}
    takers = {c: options_of(run([c, "--help"]).stdout) for c in COMMANDS}
    for opt in sorted(every - own):
        r = run([cmd] + option_words(opt, full), timeout=10)
        assert r.returncode == 2 and r.stdout == "", (opt, r.stderr)
        who = [c for c in COMMANDS if opt in takers[c]]
        assert "%s does not apply to %s" % (opt, cmd) in r.stderr, r.stderr
        assert all(c in r.stderr.split("option of", 1)[1] for c in who), r.stderr
        assert "Try 'whoflow %s --help'" % cmd in r.stderr
    for opt in sorted(own - {"--help", "--version", "--legend", "--list-interfaces", "--read", "--write"}):
        r = run([cmd] + option_words(opt, full) + ["--no-such-option"], timeout=10)
        assert r.returncode == 2 and "unknown option '--no-such-option'" in r.stderr, (opt, r.stderr)


def test_defaults_in_help_are_the_behaviour():
    """Values shown as (default: X) are parsed from the option table before the command line;
    giving the default explicitly changes nothing a command reports."""
    text = run(["--help"]).stdout
    assert "--flow-table N" in text and "(default: 65536)" in text
    assert re.search(r"--dns-ports PORTS[^(]*\(default: 53\)", text, re.S)
    r = run(["status", "--json", "--output", "text"])
    assert r.returncode == run(["status"]).returncode
    assert run(["status", "takes", "words"]).returncode == 2


def flatten(obj, prefix=""):
    for k, v in obj.items():
        path = prefix + k
        if isinstance(v, dict):
            yield from flatten(v, path + ".")
        else:
            yield path


def test_events_doc_names_every_field(agents, netns, cgroup):
    a = agents(["--cgroup", cgroup.path, "--show-forks", "--hash-binaries", "--env"],
               netns=netns).wait_ready()
    child = cgroup.child("docker-%s.scope" % ("ab" * 32))
    p = child.spawn(["/bin/sh", "-c", "/bin/true; kill -9 $$"])
    p.wait(10)
    a.wait_for(by_action("exit", **{"process.pid": p.pid}))
    a.stop(signal.SIGTERM)
    doc = open(os.path.join(DOCS, "events.md")).read()
    fields = {f for e in a.events for f in flatten(e)}
    assert {"whoflow.process.signal", "container.id", "process.env_vars", "process.hash.sha256",
            "event.duration", "process.exit_code"} <= fields
    missing = sorted(f for f in fields if "`%s`" % f not in doc)
    assert not missing, "fields missing from docs/events.md: %s" % missing
