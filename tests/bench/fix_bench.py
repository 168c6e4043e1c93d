#!/usr/bin/python3
"""Benchmark of `vnetdiag fix --apply` from the twin's empty-network world with every long-running
operation taking --lro-seconds (default 2 s): wall time against the critical path of the plan's
dependency graph (longest chain of the measured step times) and against the tutorial's steps run
one after another (the sum, what the az script does), plus the ARM request count.
Not a test; prints a markdown table. Needs root (the lab).

usage: fix_bench.py [--vnetdiag PATH] [--lro-seconds 2] [--runs 3] [--json FILE]"""
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


def critical_path_with_verify(steps, seconds, verify_wait):
    """The lock-down steps wait for the private path to verify (fix's verify_wait_seconds): that
    wait is a node of the graph too, between every other step and the lock-down."""
    main = {k: s for k, s in steps.items() if not s.get("lock_down")}
    lock = {k: s for k, s in steps.items() if s.get("lock_down")}
    return (critical_path(main, seconds) if main else 0) + (verify_wait + critical_path(lock, seconds) if lock else 0)


def measure(vnetdiag, runs, lro_seconds=None):
    """fix --apply from empty-network, runs times; lro_seconds None = the twin's own defaults
    (its default latency). Returns one dict per run."""
    twin_args = [] if lro_seconds is None else ["--lro-seconds", str(lro_seconds), "--retry-after", "1"]
    rows = []
    try:
        for _ in range(runs):
            out = subprocess.run([RUN, "--world", "empty-network"] + twin_args,
                                 capture_output=True, text=True, check=True, timeout=120).stdout
            env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
            cmd = env["APP_EXEC"].split() + [vnetdiag, "fix", "--keyvault", "vdlabkv", "--cognitive", "vdlabcs",
                                             "--ca-bundle", env["LAB_CA_BUNDLE"], "--apply", "--yes", "-o", "json"]
            start = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
            wall = time.perf_counter() - start
            try:
                result = json.loads(p.stdout)
            except ValueError:
                why = (p.stderr.strip().splitlines() or ["no output"])[-1]
                rows.append({"wall": wall, "exit": p.returncode, "error": f"fix printed no JSON: {why}"})
                continue
            steps = {s["key"]: s for s in result["plan"]["steps"]}
            seconds = {s["key"]: s["seconds"] for s in result["applied"]}
            verify_wait = result.get("verify_wait_seconds", 0)
            rows.append({"wall": wall, "critical": critical_path(steps, seconds), "sequential": sum(seconds.values()),
                         "verify_wait": verify_wait,
                         "critical_with_verify": critical_path_with_verify(steps, seconds, verify_wait),
                         "requests": result["arm_requests"], "steps": len(steps), "verified": result["verified"],
                         "exit": p.returncode})
    finally:
        subprocess.run([RUN, "--down"], capture_output=True, timeout=120)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vnetdiag", default=os.path.join(ROOT, "build", "agent", "vnetdiag"))
    ap.add_argument("--lro-seconds", type=float, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", metavar="FILE", help="also write the raw numbers to FILE")
    args = ap.parse_args()
    rows = measure(args.vnetdiag, args.runs, args.lro_seconds)
    failed = [r for r in rows if "error" in r]
    if failed:
        raise SystemExit(f"fix_bench.py: {len(failed)} of {len(rows)} runs failed: {failed[0]['error']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"lro_seconds": args.lro_seconds, "runs": rows}, f, indent=1)
    med = lambda k: statistics.median(r[k] for r in rows)
    print(f"`tests/bench/fix_bench.py --lro-seconds {args.lro_seconds} --runs {args.runs}` (medians)\n")
    print("| steps | fix --apply wall | critical path (measured steps) | + wait for the private path before the lock-down "
          "| steps one after another (sum) | wall / critical path | wall / critical path with the wait | ARM requests | verified |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {rows[0]['steps']} | {med('wall'):.1f} s | {med('critical'):.1f} s | {med('critical_with_verify'):.1f} s | "
          f"{med('sequential'):.1f} s | {med('wall') / med('critical'):.2f} x | {med('wall') / med('critical_with_verify'):.2f} x | "
          f"{med('requests'):.0f} | {all(r['verified'] for r in rows)} |")


if __name__ == "__main__":
    main()
