#!/usr/bin/python3
"""Hostile peers on loopback: a DNS server that answers garbage and a "TLS" port that speaks
nonsense. vnetdiag must turn each into a finding and exit normally, never crash or hang."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pylib"))
from vnetdiag_testlib.peers import RawPeer, closed_port, start_dns  # noqa: E402

VNETDIAG = sys.argv[1]
failures = []


def run(args):
    p = subprocess.run([VNETDIAG, "check", "--resolv-conf", "/dev/null", "-o", "json",
                        "--timeout", "5", "--dns-timeout", "1"] + args,
                       capture_output=True, text=True, timeout=30)
    if p.returncode < 0 or p.returncode > 3:
        return p, None
    try:
        return p, json.loads(p.stdout)
    except ValueError:
        return p, None


def expect(name, args, finding_id):
    p, report = run(args)
    if report is None:
        failures.append(f"{name}: exit {p.returncode}, no JSON report; stderr: {p.stderr.strip()}")
        return
    ids = {f["id"] for f in report["findings"] if f["severity"] != "ok"}
    if finding_id not in ids or p.returncode != 2:
        failures.append(f"{name}: expected {finding_id} and exit 2, got {sorted(ids)} exit {p.returncode}")
    else:
        print(f"ok   {name}: {finding_id}")


tls_port = RawPeer("garbage").port

expect("garbage DNS answer", ["--dns-server", f"127.0.0.1:{start_dns('garbage')}", "--keyvault", "kv1"], "dns.malformed")
expect("unrelated noise from the DNS port", ["--dns-server", f"127.0.0.1:{start_dns('noise')}", "--keyvault", "kv1"], "dns.timeout")
expect("A record of 3 bytes", ["--dns-server", f"127.0.0.1:{start_dns('badlength')}", "--keyvault", "kv1"], "dns.malformed")
expect("garbage from a TLS peer", ["--dns-server", f"127.0.0.1:{start_dns('loopback')}",
                                   "--target", f"garbage.test:{tls_port}"], "tls.handshake_failed")
# A port that closes at once: nothing listens on this freshly closed one.
refused_port = closed_port()
expect("refused port", ["--dns-server", f"127.0.0.1:{start_dns('loopback')}",
                        "--target", f"closed.test:{refused_port}"], "tcp.refused")

print(f"{5 - len(failures)} passed, {len(failures)} failed")
for f in failures:
    print("FAIL " + f)
sys.exit(1 if failures else 0)
