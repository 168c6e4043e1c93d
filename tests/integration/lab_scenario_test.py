#!/usr/bin/python3
"""Lab scenarios for real, from data: each scenario file (tests/lab/expect/NAME.json, format in
tests/lab/README.md) names a world (tests/lab/scenarios/WORLD.json) and what vnetdiag check must
say in it. For each file: apply the world in the network-namespace lab, run vnetdiag check in the
app's namespace, validate the JSON report against the schema, and compare
  - the exit code (and the report's exit_code),
  - the exact set of non-ok findings as id@target ("problems"),
  - the whole findings array with the golden one ("findings"), exact after normalisation
    (vnetdiag_testlib/lab.py says what is normalised and why); a mismatch prints a unified diff,
  - with "first_problem_contains", the first line under "Problems" of the same check with -o text.

usage: lab_scenario_test.py [--update] VNETDIAG SCENARIO...
  SCENARIO is a path to a scenario file or a bare name (tests/lab/expect/NAME.json).
  --update   rewrite the golden "findings" of each file from two runs of this binary (which must
             agree after normalisation); the other checks still run and still fail. For
             deliberate changes: review the git diff of tests/lab/expect/ before committing.
The lab must be up (ctest's lab.up fixture, or tests/lab/lab up), under flock /tmp/vnetdiag-lab.lock.
Needs root and network namespaces: without them it says SKIP loudly (exit 77), and with CI=true
it fails instead."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pylib"))
from vnetdiag_testlib import lab as L  # noqa: E402
from vnetdiag_testlib import skip_or_fail  # noqa: E402


def run_check(vnetdiag, lab, scenario, output):
    return subprocess.run(L.check_command(vnetdiag, lab, scenario, output), capture_output=True, text=True,
                          timeout=60)


def first_problem(text):
    lines = text.splitlines()
    return next((lines[i + 1].strip() for i, line in enumerate(lines[:-1]) if line.strip() == "Problems"), None)


def run_scenario(vnetdiag, lab, path, update):
    """Failures (list of strings) of one scenario file; with update, rewrites its findings."""
    name = L.scenario_name(path)
    scenario = L.load_scenario(path)
    world = scenario["world"]
    apply = subprocess.run([L.LAB, "apply", world], capture_output=True, text=True, timeout=60)
    if apply.returncode != 0:
        return [f"lab apply {world} failed: {apply.stderr.strip()}"]
    run = run_check(vnetdiag, lab, scenario, "json")
    try:
        report = json.loads(run.stdout)
    except ValueError:
        return [f"no JSON on stdout (exit {run.returncode}); stderr: {run.stderr.strip()}"]
    failures = []
    try:
        import jsonschema
        with open(L.SCHEMA) as f:
            jsonschema.validate(report, json.load(f))
    except ImportError:
        failures.append("python3-jsonschema is missing (packaging/setup-debian.sh installs it)")
    except jsonschema.ValidationError as e:
        failures.append(f"report does not follow the schema: {e.message} at {list(e.absolute_path)}")
    expected, got = L.expected_problems(scenario), L.problems_of(report["findings"])
    if got != expected:
        failures.append(f"problems: expected {sorted(expected)}, got {sorted(got)}")
    if run.returncode != scenario["exit"]:
        failures.append(f"exit code: expected {scenario['exit']}, got {run.returncode}")
    if report["exit_code"] != run.returncode:
        failures.append("the report's exit_code differs from the process exit code")

    vary = scenario.get("vary")
    findings = L.normalise_findings(report["findings"], vary)
    if update:
        # The second run starts as the first did: right after an apply of the world.
        subprocess.run([L.LAB, "apply", world], capture_output=True, text=True, timeout=60)
        again = run_check(vnetdiag, lab, scenario, "json")
        try:
            second = L.normalise_findings(json.loads(again.stdout)["findings"], vary)
        except (ValueError, KeyError):
            second = None
        diff = L.findings_diff(findings, second or [], name)
        if diff:
            failures.append("--update: two runs differ after normalisation (so not written); a value "
                            "that varies needs a rule in vnetdiag_testlib/lab.py:\n" + "\n".join(diff))
        elif scenario.get("findings") != findings:
            scenario["findings"] = findings
            L.write_scenario(path, scenario)
            print(f"updated {os.path.relpath(path, L.ROOT)}")
    elif "findings" not in scenario:
        failures.append("no golden findings in the scenario file (run with --update to record them)")
    else:
        diff = L.findings_diff(scenario["findings"], findings, name)
        if diff:
            failures.append("findings differ from the golden ones (after normalisation):\n" + "\n".join(diff))

    wanted = scenario.get("first_problem_contains")
    if wanted:
        first = first_problem(run_check(vnetdiag, lab, scenario, "text").stdout)
        if first is None:
            failures.append("-o text: no line after a 'Problems' header")
        elif not all(w in first for w in wanted):
            failures.append(f"-o text: first problem {first[:300]!r} lacks one of {wanted}")
    if not failures:
        print(f"ok   {name}: exit {run.returncode}, {sorted(got) or 'no problems'}, "
              f"{len(findings)} findings as golden, {report['duration_ms']:.0f} ms", flush=True)
    return failures


def main(argv):
    update = "--update" in argv
    args = [a for a in argv if a != "--update"]
    if len(args) < 2:
        print(__doc__)
        return 2
    vnetdiag, paths = os.path.abspath(args[0]), [L.scenario_path(a) for a in args[1:]]
    if os.geteuid() != 0:
        skip_or_fail("not root: the lab needs network namespaces", "lab scenarios")
    if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        skip_or_fail("'ip netns' does not work here", "lab scenarios")
    lab = L.lab_env()
    passed = failed = 0
    for path in paths:
        failures = run_scenario(vnetdiag, lab, path, update)
        for f in failures:
            print(f"FAIL {L.scenario_name(path)}: {f}", flush=True)
        passed += not failures
        failed += bool(failures)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
