#!/usr/bin/python3
"""Where a check's time goes, and a candidate build against a baseline side by side.

For each size (endpoints) the lab gets that many vaults and accounts with a one-way delay on the
VNet side; each binary given runs `check -o json` --runs times, interleaved (A B A B ...) so both
see the same machine. Per binary it prints the median wall time, the ratio to its own 1-endpoint
time, and the phases as the engine's own timings give them (medians over runs of the slowest
target): DNS (c-ares answer), system (getaddrinfo), connect, TLS, first byte and total of the
connection, and the engine's duration. Not a test: nothing here asserts a time.

usage: phase_bench.py --vnetdiag A [--vnetdiag B ...] [--sizes 1,50] [--delay-ms 20] [--runs 7]"""
import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_bench as cb  # noqa: E402


def phases(report):
    """The slowest target's time in each phase, and the engine's whole run (ms)."""
    worst = {"dns": 0.0, "system": 0.0, "connect": 0.0, "tls": 0.0, "first_byte": 0.0, "conn_total": 0.0}
    for t in report.get("targets", []):
        for d in t.get("dns", []):
            worst["dns"] = max(worst["dns"], d.get("duration_ms", 0))
        system = t.get("system_resolver") or t.get("system") or {}
        worst["system"] = max(worst["system"], system.get("duration_ms", 0) or 0)
        for c in t.get("connections", []):
            for key, layer, field in (("connect", "tcp", "connect_ms"), ("tls", "tls", "handshake_ms"),
                                      ("first_byte", "http", "first_byte_ms")):
                worst[key] = max(worst[key], (c.get(layer) or {}).get(field, 0) or 0)
            worst["conn_total"] = max(worst["conn_total"], c.get("total_ms", 0) or 0)
    worst["engine"] = report.get("duration_ms", 0) or 0
    return worst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vnetdiag", action="append", required=True, help="a binary (repeat: baseline first)")
    ap.add_argument("--sizes", default="1,50")
    ap.add_argument("--delay-ms", type=int, default=20)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("phase_bench.py: run as root (the lab uses network namespaces)")
    cb.build_maxrss()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}  # (binary, n) -> list of (seconds, rss_kib, phases)
    try:
        lab = cb.lab_up(args.delay_ms)
        for n in sizes:
            vaults, accounts, _ = cb.apply_world(n)
            for _ in range(args.runs):
                for binary in args.vnetdiag:
                    seconds, rss, _, out = cb.run_vnetdiag(lab, binary, vaults, accounts)
                    try:
                        p = phases(json.loads(out))
                    except ValueError:
                        p = {}
                    results.setdefault((binary, n), []).append((seconds, rss, p))
    finally:
        subprocess.run([cb.LAB, "down"], capture_output=True, timeout=120)

    cmd = " ".join(["tests/bench/phase_bench.py"] + [f"--vnetdiag {b}" for b in args.vnetdiag] +
                   [f"--sizes {args.sizes}", f"--delay-ms {args.delay_ms}", f"--runs {args.runs}"])
    print(f"\n`{cmd}` (medians of {args.runs} interleaved runs; phases: the slowest target's, ms)\n")
    keys = ["dns", "system", "connect", "tls", "first_byte", "conn_total", "engine"]
    print("| binary | endpoints | wall | x 1 endpoint | peak RSS | " + " | ".join(keys) + " |")
    print("|---|---|---|---|---|" + "---|" * len(keys))
    for binary in args.vnetdiag:
        one = None
        for n in sizes:
            rows = results[(binary, n)]
            wall = statistics.median(r[0] for r in rows)
            one = wall if one is None else one
            rss = max(r[1] for r in rows) / 1024
            cells = [f"{statistics.median(r[2].get(k, 0) for r in rows):.0f}" for k in keys]
            print(f"| {binary} | {n} | {wall:.3f} s | {wall / one:.2f} | {rss:.1f} MiB | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
