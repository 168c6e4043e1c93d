"""The packaging tests' Debian roots (through packaging/lib/roots.sh), with the tally, the skip
rule and the loopback peers they use, so that a packaging test needs this one module:
    from vnetdiag_testlib import packaging as pkg"""
import os
import subprocess
import time

from . import tally
from .peers import Peers, summary  # noqa: F401
from .tally import SKIP, Tally  # noqa: F401

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PACKAGING = os.path.join(ROOT, "packaging")
ROOTS_SH = os.path.join(PACKAGING, "lib", "roots.sh")


def skip_or_fail(reason):
    """Without what a test needs: SKIP (exit 77) on a developer's machine, a failure in CI."""
    tally.skip_or_fail(reason, "the packaging tests", banner=True)


def require_roots():
    missing = bash("roots_requirements", capture=True).stdout.strip()
    if missing:
        skip_or_fail(f"Debian roots cannot be made here, missing: {missing}")


def bash(script, *args, capture=False, check=False, timeout=1200):
    """Runs a bash snippet with roots.sh sourced; args are $1..."""
    return subprocess.run(["bash", "-c", f"set -euo pipefail; source {ROOTS_SH}; {script}", "bash", *args],
                          capture_output=capture, text=True, check=check, timeout=timeout)


def ensure_root(name, suite, *packages):
    t0 = time.monotonic()
    r = bash('roots_ensure "$@"', name, suite, *packages)
    if r.returncode != 0:
        raise RuntimeError(f"cannot make the {suite} root {name}")
    print(f"root {name} ready ({time.monotonic() - t0:.0f} s)", flush=True)


def run_fresh(name, tmp, binds, command, timeout=600):
    """Runs command (a list) in a throw-away overlay of root NAME; binds: [(kind, src, dst)]."""
    args = []
    for kind, src, dst in binds:
        args += [kind, src, dst]
    return subprocess.run(["bash", "-c", f'source {ROOTS_SH}; roots_fresh "$@"', "bash", name, tmp, *args,
                           "--", *command], capture_output=True, text=True, timeout=timeout)
