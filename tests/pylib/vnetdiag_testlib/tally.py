"""The tally every test script ends with ('N passed, N failed'), and the rule for a missing real
component: SKIP loudly (exit 77) on a developer's machine, FAIL under CI=true.

Two forms of the same thing: module-level check()/finish() for a script with one tally (the
integration tests, the fault matrix), and Tally for a script that names itself and reports its
time (the packaging tests)."""
import os
import sys
import time

SKIP = 77

_passed = 0
_failures = []


def check(name, ok, detail=""):
    global _passed
    if ok:
        _passed += 1
        print(f"ok   {name}", flush=True)
    else:
        _failures.append(f"{name}: {detail}")
        print(f"FAIL {name}: {str(detail)[:1500]}", flush=True)


def finish():
    """Prints the closing line and exits 0 when every check passed, 1 otherwise."""
    print(f"{_passed} passed, {len(_failures)} failed")
    sys.exit(1 if _failures else 0)


class Tally:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = []
        self.t0 = time.monotonic()

    def check(self, what, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed.append(what)
            print(f"FAIL {what}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def finish(self):
        print(f"{self.name}: {time.monotonic() - self.t0:.0f} s")
        print(f"{self.passed} passed, {len(self.failed)} failed")
        sys.exit(1 if self.failed else 0)


def skip_or_fail(reason, what, banner=False):
    """Without what a test needs: SKIP (exit 77), or under CI=true a failure (exit 1).
    banner: the packaging tests' form (a framed SKIP and a closing tally line)."""
    if os.environ.get("CI") == "true":
        print(f"FAIL: {reason} (CI=true: {what} may not be skipped)")
        if banner:
            print("0 passed, 1 failed")
        sys.exit(1)
    if banner:
        print("*" * 72)
        print(f"SKIP: {reason}")
        print("*" * 72)
        print("0 passed, 0 failed, 1 skipped")
    else:
        print(f"SKIP: {reason} -- {what} did NOT run", flush=True)
    sys.exit(SKIP)
