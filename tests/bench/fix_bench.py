#!/usr/bin/python3
"""Benchmark of `vnetdiag fix --apply` from the twin's empty-network world with every long-running
operation taking --lro-seconds (default 2 s): wall time against the critical path of the plan's
dependency graph (longest chain of the measured step times) and against the tutorial's steps run
one after another (the sum, what the az script does), plus the ARM request count.
Not a test; prints a markdown table. Needs root (the lab).

usage: fix_bench.py [--vnetdiag PATH] [--lro-seconds 2] [--runs 3]"""
import argparse
import json
import os
import statistics
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RUN = os.path.join(ROOT, "tests", "armtwin", "run")


def critical_path(steps, seconds):
    memo = {}

    def finish(key):
        if key not in memo:
            step = steps[key]
            memo[key] = seconds.get(key, 0) + max([finish(d) for d in step["depends_on"] if d in steps] or [0])
        return memo[key]
    return max(finish(k) for k in steps)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vnetdiag", default=os.path.join(ROOT, "build", "agent", "vnetdiag"))
    ap.add_argument("--lro-seconds", type=float, default=2)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    rows = []
    try:
        for _ in range(args.runs):
            out = subprocess.run([RUN, "--world", "empty-network", "--lro-seconds", str(args.lro_seconds), "--retry-after", "1"],
                                 capture_output=True, text=True, check=True, timeout=120).stdout
            env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
            cmd = env["APP_EXEC"].split() + [args.vnetdiag, "fix", "--keyvault", "vdlabkv", "--cognitive", "vdlabcs",
                                             "--ca-bundle", env["LAB_CA_BUNDLE"], "--apply", "--yes", "-o", "json"]
            start = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
            wall = time.perf_counter() - start
            result = json.loads(p.stdout)
            steps = {s["key"]: s for s in result["plan"]["steps"]}
            seconds = {s["key"]: s["seconds"] for s in result["applied"]}
            rows.append({"wall": wall, "critical": critical_path(steps, seconds), "sequential": sum(seconds.values()),
                         "requests": result["arm_requests"], "steps": len(steps), "verified": result["verified"],
                         "exit": p.returncode})
    finally:
        subprocess.run([RUN, "--down"], capture_output=True, timeout=120)
    med = lambda k: statistics.median(r[k] for r in rows)
    print(f"`tests/bench/fix_bench.py --lro-seconds {args.lro_seconds} --runs {args.runs}` (medians)\n")
    print("| steps | fix --apply wall | critical path (measured steps) | steps one after another (sum) | wall / critical path | ARM requests | verified |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {rows[0]['steps']} | {med('wall'):.1f} s | {med('critical'):.1f} s | {med('sequential'):.1f} s | "
          f"{med('wall') / med('critical'):.2f} x | {med('requests'):.0f} | {all(r['verified'] for r in rows)} |")


if __name__ == "__main__":
    main()
