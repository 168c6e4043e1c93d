#!/usr/bin/python3
"""fm_coverage.py rejects claims a world does not back: a world that expects none of the failure
mode's findings, a missing world, a behaviour claim without expectations, proved-and-explained.
usage: fm_coverage_test.py DUMP_CATALOGUE"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(dump, modes, worlds):
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
        json.dump(all_modes, open(os.path.join(root, "tests/catalogue/failure_modes.json"), "w"))
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
    for what, want_rc, want_text, modes, worlds in cases:
        rc, out = run(dump, modes, worlds)
        ok = rc == want_rc and want_text in out
        failures += not ok
        print(("ok: " if ok else "FAIL: ") + what + ("" if ok else f" (rc {rc}: {out.strip()})"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
