#!/usr/bin/python3
"""ctest bench.run_all_smoke: `tests/bench/run-all --quick` runs every stage (check in the lab,
serve, fix in the twin) into a temporary directory and writes a well-formed table, SVG and JSON.
Asserts nothing about time. Without root, network namespaces or the bench's tools it says SKIP
loudly (exit 77); with CI=true that is a failure.

usage: run_all_smoke_test.py VNETDIAG"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # keep the source tree clean
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lab_lock  # noqa: E402

RUN_ALL = os.path.join(HERE, "run-all")
RESULTS = os.path.join(HERE, "results")
TOOLS = ("prometheus-blackbox-exporter", "wrk", "nslookup", "curl", "prlimit", "cc", "ip")


def skip(why):
    if os.environ.get("CI") == "true":
        print(f"FAIL: {why} (CI=true: the bench smoke test may not be skipped)")
        sys.exit(1)
    print(f"SKIP: {why} -- bench.run_all_smoke did NOT run")
    sys.exit(77)


def fail(why):
    print(f"FAIL: {why}")
    sys.exit(1)


def snapshot(directory):
    if not os.path.isdir(directory):
        return None
    return sorted((n, os.stat(os.path.join(directory, n)).st_mtime_ns) for n in os.listdir(directory))


def check_outputs(out):
    try:
        with open(os.path.join(out, "run-all.json")) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"run-all.json is missing or not JSON: {e}")
    for key in ("command", "date", "machine", "check", "low_nofile", "serve", "fix", "goals", "seconds"):
        if key not in data:
            fail(f"run-all.json has no '{key}'")
    if data["errors"]:
        fail(f"stages failed: {data['errors']}")
    got = sorted((r["delay"], r["n"], r["resolvers"]) for r in data["check"])
    if got != [(0, 1, 1), (0, 10, 1), (0, 10, 2), (20, 1, 1), (20, 10, 1), (20, 10, 2)]:
        fail(f"check rows are {got}, expected sizes 1 and 10 (and 10 on two resolvers) at 0 and 20 ms")
    for r in data["check"]:
        if not (r["vnetdiag_s"] > 0 and r["vnetdiag_rss"] > 0 and len(r["vnetdiag_runs"]) == 1):
            fail(f"check row without a measurement: {r}")
    if not data["low_nofile"] or data["low_nofile"][0]["crashed"]:
        fail(f"the low ulimit -n run is missing or crashed: {data['low_nofile']}")
    if len(data["serve"]["rows"]) != 8 or not data["fix"] or "error" in data["fix"][0]:
        fail("serve rows or the fix run are missing")
    for g in data["goals"]:
        if g["met"] not in (True, False, None) or not g["measured"]:
            fail(f"goal not computed: {g}")
    with open(os.path.join(out, "README-table.md")) as f:
        table = f.read()
    if "| goal (issue 17) | measured | met |" not in table:
        fail("README-table.md has no goal table")
    lines = table.splitlines()
    start = lines.index("| goal (issue 17) | measured | met |") + 2
    goal_lines = []
    for line in lines[start:]:
        if not line.startswith("| "):
            break
        goal_lines.append(line)
    if not all(line.endswith(("| ✓ |", "| ✗ |", "| — |")) for line in goal_lines):
        fail(f"a goal row of README-table.md has no ✓, ✗ or —: {goal_lines}")
    if len(goal_lines) != len(data["goals"]):
        fail(f"README-table.md shows {len(goal_lines)} goal rows, the JSON has {len(data['goals'])}")
    for needle in ("**check, side by side**", "**Scaling of check**", "**serve next to blackbox_exporter**",
                   "**fix --apply**", data["machine"]["model"]):
        if needle not in table:
            fail(f"README-table.md lacks {needle!r}")
    try:
        root = ET.parse(os.path.join(out, "scaling.svg")).getroot()
    except (OSError, ET.ParseError) as e:
        fail(f"scaling.svg is missing or not XML: {e}")
    ns = "{http://www.w3.org/2000/svg}"
    if root.tag != ns + "svg" or len(root.findall(ns + "polyline")) != 4:
        fail("scaling.svg is not an SVG with 4 lines (time and RSS at two delays)")
    if len([c for c in root.findall(ns + "circle") if c.get("fill") == "white"]) != 5:
        fail("scaling.svg lacks the 4 hollow points of the two-resolver runs (and their legend)")
    return data


def main():
    if len(sys.argv) != 2:
        print(__doc__.splitlines()[-1], file=sys.stderr)
        sys.exit(2)
    vnetdiag = sys.argv[1]
    if os.geteuid() != 0:
        skip("not root: the lab needs network namespaces")
    if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        skip("'ip netns' does not work here")
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        skip(f"missing {', '.join(missing)} (packaging/setup-debian.sh installs them)")
    before = snapshot(RESULTS)
    out = tempfile.mkdtemp(prefix="vnetdiag-run-all-smoke-")
    try:
        # Held for the whole quick run (under a minute), so that waiting for other users of the
        # lab does not count against the run's own time limit; run-all sees it is held above it.
        with lab_lock.held(lab_lock.DEFAULT, "bench.run_all_smoke"):
            p = subprocess.Popen([RUN_ALL, "--quick", "--vnetdiag", vnetdiag, "--out", out],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                _, err = p.communicate(timeout=170)
            except subprocess.TimeoutExpired:
                p.terminate()  # run-all cleans up (lab, exporters, its temporary directory) on SIGTERM
                try:
                    p.communicate(timeout=60)
                except subprocess.TimeoutExpired:
                    p.kill()
                raise
        if p.returncode != 0:
            fail(f"run-all --quick exited {p.returncode}: {(err.strip().splitlines() or ['?'])[-1]}")
        data = check_outputs(out)
        if snapshot(RESULTS) != before:
            fail("run-all --out elsewhere changed tests/bench/results/")
        print(f"PASS: run-all --quick in {data['seconds']:.0f} s; " +
              ", ".join(f"{'✓' if g['met'] else '✗' if g['met'] is False else '—'}" for g in data["goals"]))
    except subprocess.TimeoutExpired:
        fail("run-all --quick did not finish in 170 s")
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
