#!/usr/bin/python3
"""What each library costs in memory: candidate vnetdiag binaries side by side in one run of the
lab, e.g. the development build (Debian's shared libcurl, OpenSSL, c-ares) against the release
bundle (a minimal static libcurl, static c-ares and OpenSSL; packaging/bundle/).

For each binary and each size (endpoints), `check` runs --runs times: peak RSS (VmHWM), wall,
user and system CPU seconds from /usr/bin/time, medians. Then once under gdb, stopped at
exit_group, /proc/PID/smaps is read: Rss per mapped file ([anon], [heap], [stack] and every
library) and the process's VmHWM. Prints markdown tables. Not a test: nothing here asserts.

Needs root (the lab's network namespaces), /usr/bin/time and gdb (without gdb the per-library
table says "not read"). Run it under the lab lock:
  flock -o /tmp/vnetdiag-lab.lock python3 tests/bench/memory_bench.py \\
      --binary dev=build-me/agent/vnetdiag --bundle dist/vnetdiag-0.1.0-linux-x86_64.tar.gz
usage: memory_bench.py [--binary LABEL=PATH]... [--bundle TARBALL]... [--sizes 1,200] [--runs 5]
                       [--top 25] [--json FILE]"""
import argparse
import collections
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_bench as cb  # noqa: E402

MAP_LINE = re.compile(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$")


def check_cmd(lab, binary, vaults, accounts):
    cmd = lab["APP_EXEC"].split() + ["env"] + cb.APP_ENV + [binary, "check", "--ca-bundle", lab["CA_BUNDLE"],
                                                            "-o", "json"]
    for v in vaults:
        cmd += ["--keyvault", v]
    for a in accounts:
        cmd += ["--cognitive", a]
    return cmd


def timed_run(cmd):
    """(peak RSS KiB, wall s, user s, sys s, exit) of one run, measured by GNU time (a small C
    parent: a child forked from Python would carry Python's pages into its peak)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        start = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-o", out.name, "-f", "%M %U %S"] + cmd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
        wall = time.perf_counter() - start  # GNU time's %e has 10 ms steps
        fields = out.read().split()[-3:]
    if len(fields) != 3:
        return None
    rss, user, sys_s = fields
    return int(rss), wall, float(user), float(sys_s), p.returncode


def smaps_at_exit(cmd):
    """Rss (KiB) per mapping name and VmHWM (KiB) of the process just before it exits, or None."""
    if not shutil.which("gdb"):
        return None
    work = tempfile.mkdtemp(prefix="vnetdiag-memory-bench-")
    smaps, status = os.path.join(work, "smaps"), os.path.join(work, "status")
    py = ("python import gdb; pid = gdb.selected_inferior().pid; "
          f"open('{smaps}', 'w').write(open('/proc/%d/smaps' % pid).read()); "
          f"open('{status}', 'w').write(open('/proc/%d/status' % pid).read())")
    # ip netns exec and env exec in place: gdb runs the whole chain and the last exec is vnetdiag.
    gdb = ["gdb", "-q", "-batch", "-ex", "set startup-with-shell off", "-ex", "catch syscall exit_group",
           "-ex", "run", "-ex", py, "--args"]
    subprocess.run(gdb + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    rss = collections.Counter()
    try:
        name = None
        with open(smaps) as f:
            for line in f:
                m = MAP_LINE.match(line)
                if m:
                    name = os.path.basename(m.group(1)) or "[anon]"
                    name = re.sub(r"\.so[.0-9]*$", ".so", name)  # libcrypto.so.1.1 / .so.3: one row
                elif line.startswith("Rss:"):
                    rss[name] += int(line.split()[1])
        with open(status) as f:
            hwm = next((int(line.split()[1]) for line in f if line.startswith("VmHWM:")), 0)
    except OSError:
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"rss": dict(rss), "hwm": hwm}


def unpack_bundle(tarball, into):
    """bin/vnetdiag of the bundle unpacked in INTO (its libraries are found through $ORIGIN)."""
    with tarfile.open(tarball) as tar:
        tar.extractall(into)
    binary = os.path.join(into, "vnetdiag", "bin", "vnetdiag")
    if not os.path.isfile(binary):
        raise SystemExit(f"memory_bench.py: {tarball} holds no vnetdiag/bin/vnetdiag")
    os.chmod(into, 0o755)  # mkdtemp's 0700 would do too (root), but keep it readable
    return binary


def median(values):
    return statistics.median(values) if values else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", action="append", default=[], metavar="LABEL=PATH")
    ap.add_argument("--bundle", action="append", default=[], metavar="[LABEL=]TARBALL")
    ap.add_argument("--sizes", default="1,200")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--top", type=int, default=25, help="rows of the per-library table")
    ap.add_argument("--json", metavar="FILE", help="also write the raw numbers to FILE")
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("memory_bench.py: run as root (the lab uses network namespaces)")
    if not os.access("/usr/bin/time", os.X_OK):
        raise SystemExit("memory_bench.py: needs /usr/bin/time (apt-get install time)")
    tmp = tempfile.mkdtemp(prefix="vnetdiag-memory-bench-")
    candidates = []
    for spec in args.binary:
        label, _, path = spec.partition("=") if "=" in spec else (os.path.basename(spec), "", spec)
        candidates.append((label, os.path.abspath(path)))
    for i, spec in enumerate(args.bundle):
        label, _, path = spec.partition("=") if "=" in spec and not os.path.exists(spec) else ("bundle", "", spec)
        candidates.append((label, unpack_bundle(path, os.path.join(tmp, f"b{i}"))))
    if not candidates:
        candidates.append(("dev", os.path.join(cb.ROOT, "build-me", "agent", "vnetdiag")))
    for label, path in candidates:
        if not os.access(path, os.X_OK):
            raise SystemExit(f"memory_bench.py: {label}: {path} is not an executable")
    sizes = [int(s) for s in args.sizes.split(",")]

    results = {}  # (label, n) -> {"runs": [...], "smaps": {...}}
    try:
        lab = cb.lab_up(0)
        for n in sizes:
            vaults, accounts, _ = cb.apply_world(n)
            for label, path in candidates:
                cmd = check_cmd(lab, path, vaults, accounts)
                runs = [r for r in (timed_run(cmd) for _ in range(args.runs)) if r]
                results[(label, n)] = {"runs": runs, "smaps": smaps_at_exit(cmd)}
                print(f"{label} n={n}: {runs}", file=sys.stderr, flush=True)
    finally:
        subprocess.run([cb.LAB, "down"], capture_output=True, timeout=120)
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\n`tests/bench/memory_bench.py --sizes {args.sizes} --runs {args.runs}` "
          f"(no delay; medians of {args.runs} runs)\n")
    for label, path in candidates:
        print(f"- {label}: `{path}`")
    print("\n| binary | endpoints | peak RSS (VmHWM) | wall | user CPU | system CPU | user+sys | exit codes |")
    print("|---|---|---|---|---|---|---|---|")
    for n in sizes:
        for label, _ in candidates:
            runs = results[(label, n)]["runs"]
            if not runs:
                print(f"| {label} | {n} | not measured | | | | | |")
                continue
            print(f"| {label} | {n} | {median([r[0] for r in runs]) / 1024:.1f} MiB | {median([r[1] for r in runs]):.3f} s "
                  f"| {median([r[2] for r in runs]):.3f} s | {median([r[3] for r in runs]):.3f} s "
                  f"| {median([r[2] + r[3] for r in runs]):.3f} s | {sorted(set(r[4] for r in runs))} |")

    for n in sizes:
        cols = [(label, results[(label, n)]["smaps"]) for label, _ in candidates]
        print(f"\nRss per mapping at exit of `check`, {n} endpoint(s), KiB (one run under gdb):\n")
        print("| mapping | " + " | ".join(label for label, _ in cols) + " |")
        print("|---|" + "---|" * len(cols))
        names = collections.Counter()
        for _, s in cols:
            for k, v in (s or {}).get("rss", {}).items():
                names[k] = max(names[k], v)
        shown = [k for k, _ in names.most_common(args.top)]
        for k in shown:
            cells = [str(s["rss"].get(k, "")) if s else "not read" for _, s in cols]
            print(f"| {k} | " + " | ".join(cells) + " |")
        rest = [sum(v for k, v in s["rss"].items() if k not in shown) if s else "not read" for _, s in cols]
        print("| (all others) | " + " | ".join(str(r) for r in rest) + " |")
        libs = [sum(v for k, v in s["rss"].items() if ".so" in k) if s else "not read" for _, s in cols]
        print("| (shared libraries) | " + " | ".join(str(r) for r in libs) + " |")
        print("| **total Rss** | " + " | ".join(str(sum(s["rss"].values())) if s else "not read" for _, s in cols) + " |")
        print("| **VmHWM** | " + " | ".join(str(s["hwm"]) if s else "not read" for _, s in cols) + " |")
        print("| shared libraries mapped | " + " | ".join(
            str(sum(1 for k in s["rss"] if ".so" in k)) if s else "not read" for _, s in cols) + " |")

    if args.json:
        with open(args.json, "w") as f:
            json.dump({f"{label} n={n}": v for (label, n), v in results.items()}, f, indent=1)


if __name__ == "__main__":
    main()
