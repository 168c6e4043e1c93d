#!/usr/bin/python3
"""Benchmark of `vnetdiag check` reading a large estate through ARM (issue 15 item 7).

Runs `check -o json` against the twin's estate-scale world (3 subscriptions, 300 private
endpoints, 1,000 A record sets in the hub zone) and, side by side in alternating runs, against
hub-spoke-healthy (the same chain without the crowd) as the baseline. Reports per world the
median wall time, the ARM requests vnetdiag sent (the twin's journal), how many of them were
Resource Graph queries and list pages, and the most requests the twin saw in flight at once;
then the ratio estate / baseline. `--direct` repeats it with --no-resource-graph (the fallback
reads). Not a test; prints a markdown table. Needs root (the lab).

usage: estate_bench.py [--vnetdiag PATH] [--runs 5] [--latency-ms 20] [--direct]"""
import argparse
import json
import os
import ssl
import statistics
import subprocess
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RUN = os.path.join(ROOT, "tests", "armtwin", "run")
APP_SUB = "6f1c4a3e-2b7d-4c59-9e0a-1d2f3a4b5c6d"
SUBSCRIPTIONS = (APP_SUB, "0b5e6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d", "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f")


def twin(env, method, path, body=None):
    ctx = ssl.create_default_context(cafile=env["CA_BUNDLE"])
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(env["TWIN_CONTROL"] + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
        return json.loads(r.read() or b"null")


def one_run(args, env, world, extra):
    twin(env, "POST", "/reset", {"world": world})
    # The app's identity as a diagnosing identity in a landing zone: Reader on the estate's subscriptions.
    twin(env, "PUT", "/roles", [{"principal": "app", "role": "Contributor",
                                 "scope": f"/subscriptions/{APP_SUB}/resourceGroups/securebackendsetup"}] +
         [{"principal": "app", "role": "Reader", "scope": f"/subscriptions/{s}"} for s in SUBSCRIPTIONS])
    twin(env, "DELETE", "/faults")
    if args.latency_ms:
        twin(env, "POST", "/faults", {"kind": "latency", "ms": args.latency_ms, "forever": True})
    twin(env, "DELETE", "/journal")
    twin(env, "DELETE", "/stats")
    cmd = env["APP_EXEC"].split() + [args.vnetdiag, "check", "--keyvault", "vdlabkv", "--cognitive", "vdlabcs",
                                     "--ca-bundle", env["LAB_CA_BUNDLE"], "-o", "json"] + extra
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - start
    report = json.loads(p.stdout)
    entries = twin(env, "GET", "/journal")["entries"]
    stats = twin(env, "GET", "/stats")
    arm = [e for e in entries if not e.get("path", "").startswith("/_twin")]
    return {"wall": wall, "requests": len(arm),
            "graph": sum(1 for e in arm if "microsoft.resourcegraph" in e.get("path", "").lower()),
            # a list's further pages come back to the same path (the journal keeps no query)
            "pages": len(arm) - len({(e.get("method"), e.get("path", "").lower()) for e in arm}),
            "in_flight": stats.get("max_in_flight", 0), "exit": p.returncode,
            "summary": report.get("context", {}).get("arm", "")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vnetdiag", default=os.path.join(ROOT, "build", "agent", "vnetdiag"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--latency-ms", type=int, default=0, help="added to every ARM answer (default: none)")
    ap.add_argument("--direct", action="store_true", help="also measure --no-resource-graph")
    args = ap.parse_args()
    out = subprocess.run([RUN, "--world", "hub-spoke-healthy"], capture_output=True, text=True, check=True,
                         timeout=180).stdout
    env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    modes = [("resource graph", [])] + ([("direct reads", ["--no-resource-graph"])] if args.direct else [])
    rows = {}
    try:
        for _ in range(args.runs):
            for mode, extra in modes:
                for world in ("hub-spoke-healthy", "estate-scale"):
                    rows.setdefault((mode, world), []).append(one_run(args, env, world, extra))
    finally:
        subprocess.run([RUN, "--down"], capture_output=True, timeout=120)
    print(f"`tests/bench/estate_bench.py --runs {args.runs} --latency-ms {args.latency_ms}"
          f"{' --direct' if args.direct else ''}` (medians; worlds alternate run by run)\n")
    print("| read | world | check wall | ARM requests | Resource Graph queries | further pages | max in flight | exit |")
    print("|---|---|---|---|---|---|---|---|")
    med = lambda rs, k: statistics.median(r[k] for r in rs)
    for (mode, world), rs in rows.items():
        print(f"| {mode} | {world} | {med(rs, 'wall'):.2f} s | {med(rs, 'requests'):.0f} | {med(rs, 'graph'):.0f} | "
              f"{med(rs, 'pages'):.0f} | {max(r['in_flight'] for r in rs)} | {rs[0]['exit']} |")
    for mode, _ in modes:
        base, big = rows[(mode, "hub-spoke-healthy")], rows[(mode, "estate-scale")]
        print(f"\n{mode}: estate-scale / hub-spoke-healthy: wall x{med(big, 'wall') / med(base, 'wall'):.2f}, "
              f"requests x{med(big, 'requests') / med(base, 'requests'):.2f}")
        print(f"  last summary: {big[-1]['summary']}")


if __name__ == "__main__":
    main()
