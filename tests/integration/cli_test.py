#!/usr/bin/python3
"""Bad input on the command line: one line on stderr that says what to do, exit 3, nothing on
stdout, and never a crash."""
import os
import subprocess
import sys
import tempfile

VNETDIAG = sys.argv[1]
failures = []
passed = 0

with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    f.write("{not json")
    broken_config = f.name

cases = [
    ("unknown flag", ["check", "--frobnicate"], {}),
    ("unknown command", ["frobnicate"], {}),
    ("not a DNS name", ["check", "--keyvault", "kv 1"], {}),
    ("empty target list", ["check"], {}),
    ("unreadable config", ["check", "--config", "/nonexistent/vnetdiag.json"], {}),
    ("invalid config", ["check", "--config", broken_config], {}),
    ("missing CA bundle", ["check", "--keyvault", "kv1", "--ca-bundle", "/nonexistent.pem"], {}),
    ("bad output format", ["check", "--keyvault", "kv1", "-o", "yaml"], {}),
    ("bad timeout", ["check", "--keyvault", "kv1", "--timeout", "0"], {}),
    ("bad dns server", ["check", "--keyvault", "kv1", "--dns-server", "dns.example"], {}),
    ("bad env timeout", ["check", "--keyvault", "kv1"], {"VNETDIAG_TIMEOUT": "soon"}),
    ("bad env cloud", ["check", "--keyvault", "kv1"], {"VNETDIAG_CLOUD": "Mars"}),
    ("no resolver", ["check", "--keyvault", "kv1", "--resolv-conf", "/nonexistent"], {}),
    # Only check draws html, svg and junit; the other commands say so rather than print text.
    ("env -o html", ["env", "-o", "html"], {}),
    ("env with VNETDIAG_OUTPUT=junit", ["env"], {"VNETDIAG_OUTPUT": "junit"}),
    ("fix -o svg", ["fix", "--keyvault", "kv1", "-o", "svg"], {}, 1),  # fix: 1 is its error code
]
for name, args, env, *code in cases:
    p = subprocess.run([VNETDIAG] + args, capture_output=True, text=True, timeout=10,
                       env={**os.environ, **env})
    lines = p.stderr.strip().splitlines()
    ok = (p.returncode == (code[0] if code else 3) and p.stdout == "" and len(lines) == 1 and lines[0].startswith("vnetdiag: "))
    if ok:
        passed += 1
        print(f"ok   {name}: {lines[0]}")
    else:
        failures.append(f"{name}: exit {p.returncode}, stdout {p.stdout[:80]!r}, stderr {p.stderr[:200]!r}")

# A file descriptor limit too low for even one connection: said, not reported as a dead target.
p = subprocess.run(["prlimit", "--nofile=12:12", VNETDIAG, "check", "--keyvault", "kv1",
                    "--dns-server", "127.0.0.1:9", "--resolv-conf", "/dev/null"],
                   capture_output=True, text=True, timeout=30)
lines = p.stderr.strip().splitlines()
if p.returncode == 3 and len(lines) == 1 and "ulimit -n 12" in lines[0] and "raise it" in lines[0]:
    passed += 1
    print(f"ok   ulimit -n 12: {lines[0]}")
else:
    failures.append(f"ulimit -n 12: exit {p.returncode}, stdout {p.stdout[:80]!r}, stderr {p.stderr[:300]!r}")

for args in (["--help"], ["check", "--help"], ["version"]):
    p = subprocess.run([VNETDIAG] + args, capture_output=True, text=True, timeout=10)
    if p.returncode == 0 and p.stdout:
        passed += 1
        print(f"ok   {' '.join(args)}")
    else:
        failures.append(f"{' '.join(args)}: exit {p.returncode}")
p = subprocess.run([VNETDIAG, "check", "--help"], capture_output=True, text=True, timeout=10)
if "Examples:" not in p.stdout:
    failures.append("check --help has no examples")

os.unlink(broken_config)
print(f"{passed} passed, {len(failures)} failed")
for f in failures:
    print("FAIL " + f)
sys.exit(1 if failures else 0)
