#!/usr/bin/python3
"""One lab scenario for real: realize the world in the network-namespace lab, run vnetdiag check
inside the app's namespace, validate the JSON report against the schema, and compare the exit
code and the exact non-ok findings with tests/integration/lab_expectations.json.

usage: lab_scenario_test.py VNETDIAG SCENARIO
An entry may name another scenario's world with "world" (the same world, other env or args), and
may ask with "first_problem_contains" that the first line under "Problems" of the same check with
-o text contains each of the given strings.
Needs root and network namespaces: without them it says SKIP loudly (exit 77), and with CI=true
it fails instead."""
import json
import os
import subprocess
import sys

from testlib import skip_or_fail

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LAB = os.path.join(ROOT, "tests", "lab", "lab")
SCHEMA = os.path.join(ROOT, "report", "schema", "report-1.0.schema.json")
SHORT = {"kv": "vdlabkv.vault.azure.net", "cs": "vdlabcs.cognitiveservices.azure.com", "": ""}

# The App Service environment of the lab's app: integrated at 10.0.0.4, Azure DNS stood in by
# the lab's resolver (vnetdiag must never ask the real 168.63.129.16 in a test).
APP_ENV = {
    "WEBSITE_SITE_NAME": "securebackend2021",
    "WEBSITE_RESOURCE_GROUP": "securebackendsetup",
    "WEBSITE_OWNER_NAME": "00000000-0000-0000-0000-000000000000+securebackendsetup-WestEuropewebspace-Linux",
    "WEBSITE_INSTANCE_ID": "lab-instance-0",
    "WEBSITE_PRIVATE_IP": "10.0.0.4",
    "VNETDIAG_AZURE_DNS_SERVER": "10.0.2.53",
}


def lab_env():
    out = subprocess.run([LAB, "status", "--env"], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise SystemExit(f"FAIL: the lab is not up ({out.stderr.strip()}); the lab.up fixture should have started it")
    return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)


def main():
    vnetdiag, scenario = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        skip_or_fail("not root: the lab needs network namespaces", "lab scenarios")
    if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        skip_or_fail("'ip netns' does not work here", "lab scenarios")
    expectations = json.load(open(os.path.join(HERE, "lab_expectations.json")))[scenario]
    lab = lab_env()
    world = expectations.get("world", scenario)
    apply = subprocess.run([LAB, "apply", world], capture_output=True, text=True, timeout=60)
    if apply.returncode != 0:
        print(f"FAIL {scenario}: lab apply {world} failed: {apply.stderr.strip()}")
        return 1
    env = dict(APP_ENV)
    for key, value in expectations.get("env", {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    def command(output):
        return (lab["APP_EXEC"].split() + ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"] +
                [f"{k}={v}" for k, v in env.items()] +
                [vnetdiag, "check", "--keyvault", "vdlabkv", "--cognitive", "vdlabcs",
                 "--ca-bundle", lab["CA_BUNDLE"], "-o", output,
                 # Short phase budgets keep the suite fast; the budgets themselves are what is tested.
                 "--dns-timeout", "1", "--connect-timeout", "1", "--tls-timeout", "1", "--http-timeout", "1"] +
                expectations.get("args", []))
    run = subprocess.run(command("json"), capture_output=True, text=True, timeout=60)
    try:
        report = json.loads(run.stdout)
    except ValueError:
        print(f"FAIL {scenario}: no JSON on stdout (exit {run.returncode}); stderr: {run.stderr.strip()}")
        return 1
    failures = []
    try:
        import jsonschema
        jsonschema.validate(report, json.load(open(SCHEMA)))
    except ImportError:
        failures.append("python3-jsonschema is missing (packaging/setup-debian.sh installs it)")
    except jsonschema.ValidationError as e:
        failures.append(f"report does not follow the schema: {e.message} at {list(e.absolute_path)}")
    expected = {p.split("@")[0] + "@" + SHORT[p.split("@")[1]] for p in expectations["problems"]}
    got = {f"{f['id']}@{f['target']}" for f in report["findings"] if f["severity"] != "ok"}
    if got != expected:
        failures.append(f"findings: expected {sorted(expected)}, got {sorted(got)}")
    if run.returncode != expectations["exit"]:
        failures.append(f"exit code: expected {expectations['exit']}, got {run.returncode}")
    if report["exit_code"] != run.returncode:
        failures.append("the report's exit_code differs from the process exit code")
    wanted = expectations.get("first_problem_contains")
    if wanted:
        text = subprocess.run(command("text"), capture_output=True, text=True, timeout=60).stdout
        lines = text.splitlines()
        first = next((lines[i + 1].strip() for i, line in enumerate(lines[:-1]) if line.strip() == "Problems"), None)
        if first is None:
            failures.append("-o text: no line after a 'Problems' header")
        elif not all(w in first for w in wanted):
            failures.append(f"-o text: first problem {first[:300]!r} lacks one of {wanted}")
    for f in failures:
        print(f"FAIL {scenario}: {f}")
    if failures:
        print(json.dumps(report["findings"], indent=1)[:4000])
    else:
        print(f"ok   {scenario}: exit {run.returncode}, {sorted(got) or 'no problems'}, "
              f"{report['duration_ms']:.0f} ms")
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
