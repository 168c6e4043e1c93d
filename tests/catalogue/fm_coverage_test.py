#!/usr/bin/python3
"""fm_coverage.py rejects claims a world does not back: a world that expects none of the failure
mode's findings, a missing world, a behaviour claim without expectations, proved-and-explained,
a false-alarm-suite world that expects a problem.
usage: fm_coverage_test.py DUMP_CATALOGUE"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(dump, modes, worlds, bad_healthy=False):
    with tempfile.TemporaryDirectory() as root:
        for kind, d in (("twin", "tests/armtwin/scenarios"), ("lab", "tests/lab/expect")):
            os.makedirs(os.path.join(root, d))
        os.makedirs(os.path.join(root, "tests/catalogue"))
        for ref, body in worlds.items():
            kind, name = ref.split(":")
            d = "tests/armtwin/scenarios" if kind == "twin" else "tests/lab/expect"
            json.dump(body, open(os.path.join(root, d, name + ".json"), "w"))
        all_modes = {str(n): {"title": f"mode {n}", "explained": "test"} for n in range(1, 36)}
        all_modes.update(modes)
        healthy = [f"lab:h{i}" for i in range(10)]
        for ref in healthy:
            bad = bad_healthy and ref == healthy[-1]
            json.dump({"exit": 1 if bad else 0, "problems": ["dns.one_family@kv"] if bad else []}, open(os.path.join(root, "tests/lab/expect", ref[4:] + ".json"), "w"))
        json.dump({"failure_modes": all_modes, "healthy": healthy},
                  open(os.path.join(root, "tests/catalogue/failure_modes.json"), "w"))
        open(os.path.join(root, "README.md"), "w").write("x\n<!-- coverage:begin -->\n<!-- coverage:end -->\n")
        p = subprocess.run([sys.executable, os.path.join(HERE, "fm_coverage.py"), "--write", dump, root],
                           capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr


def main():
    dump = sys.argv[1]
    failures = 0
    cases = [
        ("a world expecting the FM's finding is accepted", 0, "1 of 35",
         {"13": {"title": "t", "proved_by": ["lab:z"]}}, {"lab:z": {"problems": ["dns.public_address@kv"]}}),
        ("a world expecting another FM's finding is rejected", 1, "expects none of its findings",
         {"13": {"title": "t", "proved_by": ["lab:z"]}}, {"lab:z": {"problems": ["tcp.timeout@kv"]}}),
        ("a missing world is rejected", 1, "does not exist",
         {"13": {"title": "t", "proved_by": ["twin:nope"]}}, {}),
        ("a behaviour claim without expectations is rejected", 1, "claimed 'by' behaviour",
         {"35": {"title": "t", "proved_by": [{"world": "twin:r", "by": "x"}]}}, {"twin:r": {"runs": [{"expect": {"exit": 1}}]}}),
        ("proved and explained at once is rejected", 1, "both proved and explained",
         {"13": {"title": "t", "explained": "x", "proved_by": ["lab:z"]}}, {"lab:z": {"problems": ["dns.public_address@kv"]}}),
    ]
    cases.append(("a healthy world that expects a warning is rejected", 1, "does not expect exit 0",
                  {}, {}, True))
    for what, want_rc, want_text, modes, worlds, *bad in cases:
        rc, out = run(dump, modes, worlds, *bad)
        ok = rc == want_rc and want_text in out
        failures += not ok
        print(("ok: " if ok else "FAIL: ") + what + ("" if ok else f" (rc {rc}: {out.strip()})"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
