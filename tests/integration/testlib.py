"""Shared by the integration test scripts: named checks with the closing 'N passed, N failed'
line, and the rule for a missing real component (SKIP loudly, exit 77; under CI=true, fail)."""
import os
import sys

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


def skip_or_fail(reason, what):
    if os.environ.get("CI") == "true":
        print(f"FAIL: {reason} (CI=true: {what} may not be skipped)")
        sys.exit(1)
    print(f"SKIP: {reason} -- {what} did NOT run", flush=True)
    sys.exit(77)
