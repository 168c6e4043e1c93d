#!/usr/bin/python3
"""The catalogue and the tests agree:
  - every catalogued finding id is named by some test (a unit test, a lab/twin expectation, a
    fault-matrix row), so no finding exists that no test produces;
  - every id a test expects (expectation data, `.id == "..."` in C++, `f["id"] == "..."` and
    `"..." in ids` in Python) is in the catalogue, so no test waits for a finding that cannot come.
C++ code cannot name an uncatalogued id at all: FindingId is checked at compile time.
usage: coverage.py DUMP_CATALOGUE ROOT"""
import json
import os
import re
import subprocess
import sys

ID = r"[a-z]+\.[a-z_]+"
SKIP_PARTS = ("/corpus/", "/regressions/", "/run/", "/run.d/", "/__pycache__/", "tests/catalogue/")
EXPECT_KEYS = {"problems", "findings", "only", "absent", "ids", "expect_findings"}
CPP_EXPECTS = [re.compile(rf'\.id\s*(?:==|,)\s*"({ID})"'), re.compile(rf'"({ID})"\s*==\s*[\w.]+\.id\b')]
PY_EXPECTS = [re.compile(rf'\["id"\]\s*==\s*"({ID})"'), re.compile(rf'"({ID})"\s+(?:not\s+)?in\s+ids\b')]


def test_files(root):
    for base, _, names in os.walk(os.path.join(root, "tests")):
        for name in names:
            path = os.path.join(base, name)
            rel = os.path.relpath(path, root)
            if not any(part in "/" + rel + "/" for part in SKIP_PARTS) and name.endswith((".cpp", ".hpp", ".py", ".json", ".sh")):
                yield rel, path


def expected_in_json(node, key=None):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "id" and isinstance(v, str) and "severity" in node:
                yield v
            yield from expected_in_json(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from expected_in_json(v, key)
    elif isinstance(node, str) and key in EXPECT_KEYS and re.fullmatch(rf"{ID}(@.*)?", node):
        yield node.split("@", 1)[0]


def main():
    dump, root = sys.argv[1], sys.argv[2]
    catalogue = [s["id"] for s in json.loads(subprocess.run([dump], capture_output=True, text=True, check=True).stdout)]
    known = set(catalogue)
    named = set()        # ids named anywhere in a test
    expected = []        # (id, file) a test waits for
    files = 0
    for rel, path in test_files(root):
        text = open(path, encoding="utf-8", errors="replace").read()
        files += 1
        named.update(i for i in re.findall(rf'"({ID})(?:@[^"]*)?"', text) if i in known)
        if rel.endswith(".json"):
            try:
                expected += [(i, rel) for i in expected_in_json(json.loads(text))]
            except ValueError:
                pass
        patterns = CPP_EXPECTS if rel.endswith((".cpp", ".hpp")) else PY_EXPECTS if rel.endswith(".py") else []
        for pattern in patterns:
            expected += [(i, rel) for i in pattern.findall(text)]
    if files < 20 or len(expected) < 20:
        print(f"FAIL: only {files} test files and {len(expected)} expectations found under {root}/tests")
        return 1
    problems = [f"{rel} expects '{i}', which the catalogue (report/finding_table.hpp) lacks"
                for i, rel in sorted(set(expected)) if i not in known]
    problems += [f"'{i}' is catalogued but no test produces it: add a unit test or an expectation"
                 for i in catalogue if i not in named]
    for p in problems:
        print("FAIL:", p)
    if not problems:
        print(f"ok: {len(catalogue)} catalogued ids, each named by a test; {len(set(expected))} expected ids "
              f"in {files} test files, each catalogued")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
