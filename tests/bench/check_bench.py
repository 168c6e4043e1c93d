#!/usr/bin/python3
"""Benchmark of `vnetdiag check` in the lab, side by side in one run with the two ways people
check today: the sequential console way (nslookup then curl -v per endpoint) and Debian's
prometheus-blackbox-exporter probing the same endpoints in parallel (dns, tcp+tls and https
modules, one /probe call each, all at once).

Wall time (median of --runs) and peak RSS for 1, 2, 10, 50 and 200 endpoints, with no delay and
with a one-way delay (default 20 ms) added on the VNet side of the lab; then the time vnetdiag
takes to report a dropped port and a dead DNS server with its default phase budgets.
Prints a markdown table. Not a test: nothing here asserts a time.

usage: check_bench.py [--vnetdiag PATH] [--runs N] [--sizes 1,2,10,50,200] [--delay-ms 20] [--quick] [--json FILE]"""
import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LAB = os.path.join(ROOT, "tests", "lab", "lab")
MAKE_WORLD = os.path.join(ROOT, "tests", "lab", "make-world.py")
APP_ENV = ["WEBSITE_SITE_NAME=securebackend2021", "WEBSITE_PRIVATE_IP=10.0.0.4",
           "WEBSITE_OWNER_NAME=00000000-0000-0000-0000-000000000000+securebackendsetup-WestEuropewebspace-Linux",
           "VNETDIAG_AZURE_DNS_SERVER=10.0.2.53"]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def lab_up(delay_ms):
    out = sh([LAB, "up", "--delay-ms", str(delay_ms)], timeout=120).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def names(n):
    vaults = ["vdlabkv" + (str(i) if i else "") for i in range((n + 1) // 2)]
    accounts = ["vdlabcs" + (str(i) if i else "") for i in range(n // 2)]
    return vaults, accounts


def apply_world(n, resolvers=1):
    """n endpoints; resolvers=2 adds the VNet's custom DNS server 10.0.2.54, forwarding like Azure
    DNS, to the app's resolv.conf, so that every name is answered by two DNS servers."""
    vaults, accounts = names(n)
    world = sh([MAKE_WORLD, "--vaults", str(len(vaults)), "--accounts", str(len(accounts))]).stdout
    if resolvers == 2:
        w = json.loads(world)
        w["custom_dns"] = {"state": "up", "forwards_privatelink": True}
        w["app"] = {"integrated": True, "route_all": False, "dns_servers": ["10.0.2.53", "10.0.2.54"]}
        w["description"] += " Two resolvers: Azure DNS and a forwarding custom DNS server."
        world = json.dumps(w)
    elif resolvers != 1:
        raise ValueError("resolvers: 1 or 2 (the lab has Azure DNS and one custom DNS server)")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(world)
    sh([LAB, "apply", f.name], timeout=120)
    os.unlink(f.name)
    hosts = [(v + ".vault.azure.net", "/healthstatus") for v in vaults]
    hosts += [(a + ".cognitiveservices.azure.com", "/") for a in accounts]
    return vaults, accounts, hosts


MAXRSS = os.path.join(tempfile.gettempdir(), "vnetdiag-bench-maxrss")


def build_maxrss():
    # Built beside and renamed into place: two benches starting at once must not run a half-written one.
    tmp = f"{MAXRSS}.{os.getpid()}"
    sh(["cc", "-O2", "-o", tmp, os.path.join(HERE, "maxrss.c")])
    os.replace(tmp, MAXRSS)


def timed(cmd):
    """Wall seconds and peak RSS (KiB) of one process (ip netns exec and env exec in place),
    measured by a tiny C parent so that Python's own pages do not count."""
    p = subprocess.run([MAXRSS] + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stats = dict(kv.split("=") for kv in p.stderr.strip().splitlines()[-1].split())
    return float(stats["seconds"]), int(stats["maxrss_kib"]), p.returncode, p.stdout


def run_vnetdiag(lab, vnetdiag, vaults, accounts, extra=()):
    cmd = lab["APP_EXEC"].split() + ["env"] + APP_ENV + [vnetdiag, "check", "--ca-bundle", lab["CA_BUNDLE"], "-o", "json"]
    for v in vaults:
        cmd += ["--keyvault", v]
    for a in accounts:
        cmd += ["--cognitive", a]
    return timed(cmd + list(extra))


def run_console(lab, hosts):
    script = "; ".join(f"nslookup {h} >/dev/null 2>&1; curl -sv --cacert {lab['CA_BUNDLE']} -o /dev/null https://{h}{p} 2>/dev/null"
                       for h, p in hosts)
    return timed(lab["APP_EXEC"].split() + ["sh", "-c", script + " >/dev/null 2>&1"])


class Blackbox:
    """prometheus-blackbox-exporter inside the app's namespace, probed from inside it too."""

    def __init__(self, lab, hosts):
        self.lab = lab
        self.dir = tempfile.mkdtemp(prefix="vnetdiag-bench-")
        ca = lab["CA_BUNDLE"]
        modules = {
            "tcp_tls": {"prober": "tcp", "timeout": "5s",
                        "tcp": {"tls": True, "preferred_ip_protocol": "ip4", "tls_config": {"ca_file": ca}}},
            "https": {"prober": "http", "timeout": "5s",
                      "http": {"preferred_ip_protocol": "ip4", "valid_status_codes": [200, 401, 403],
                               "tls_config": {"ca_file": ca}}},
        }
        for i, (h, _) in enumerate(hosts):
            modules[f"dns{i}"] = {"prober": "dns", "timeout": "5s",
                                  "dns": {"query_name": h, "query_type": "A", "preferred_ip_protocol": "ip4"}}
        config = os.path.join(self.dir, "blackbox.yml")
        with open(config, "w") as f:
            json.dump({"modules": modules}, f)  # YAML is a superset of JSON
        self.port = 19115
        self.proc = subprocess.Popen(lab["APP_EXEC"].split() + [
            "prometheus-blackbox-exporter", f"--config.file={config}",
            f"--web.listen-address=127.0.0.1:{self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.driver = os.path.join(self.dir, "driver.py")
        with open(self.driver, "w") as f:
            f.write(DRIVER)
        deadline = time.time() + 20
        while time.time() < deadline:
            if subprocess.run(lab["APP_EXEC"].split() + ["curl", "-sf", "-o", "/dev/null",
                              f"http://127.0.0.1:{self.port}/metrics"]).returncode == 0:
                return
            time.sleep(0.05)
        raise SystemExit("blackbox exporter did not start")

    def probe_all(self, hosts):
        urls = []
        for i, (h, p) in enumerate(hosts):
            urls.append(f"http://127.0.0.1:{self.port}/probe?module=dns{i}&target=10.0.2.53")
            urls.append(f"http://127.0.0.1:{self.port}/probe?module=tcp_tls&target={h}:443")
            urls.append(f"http://127.0.0.1:{self.port}/probe?module=https&target=https://{h}{p}")
        out = sh(self.lab["APP_EXEC"].split() + ["/usr/bin/python3", self.driver] + urls, timeout=120).stdout
        seconds, ok = out.split()
        return float(seconds), int(ok)

    def peak_rss_kib(self):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


DRIVER = r'''
import sys, threading, time, urllib.request
urls = sys.argv[1:]
ok = [0]
lock = threading.Lock()
def get(u):
    body = urllib.request.urlopen(u, timeout=30).read().decode()
    if "probe_success 1" in body:
        with lock:
            ok[0] += 1
threads = [threading.Thread(target=get, args=(u,)) for u in urls]
start = time.perf_counter()
for t in threads: t.start()
for t in threads: t.join()
print(time.perf_counter() - start, ok[0])
'''


def median(values):
    return statistics.median(values) if values else float("nan")


def bench_size(lab, vnetdiag, n, runs, console_max=50, console_runs=None, blackbox_max=None, resolvers=1):
    """One size in the lab as it is (lab_up done): vnetdiag --runs times, the console way
    (console_runs times, only up to console_max endpoints) and blackbox_exporter (runs times, only
    up to blackbox_max endpoints, None = always). Returns a row with medians and the raw numbers."""
    vaults, accounts, hosts = apply_world(n, resolvers)
    vd = [run_vnetdiag(lab, vnetdiag, vaults, accounts) for _ in range(runs)]
    bad = [r[2] for r in vd if r[2] != 0]
    try:  # what the last run found, besides ok
        findings = sorted({f.get("id", "?") for f in json.loads(vd[-1][3]).get("findings", [])
                           if f.get("severity") != "ok"})
    except ValueError:
        findings = None
    row = {"delay": int(lab.get("DELAY_MS", 0)), "n": n, "resolvers": resolvers,
           "vnetdiag_s": median([r[0] for r in vd]), "vnetdiag_rss": max(r[1] for r in vd) / 1024,
           "vnetdiag_exit": bad[0] if bad else 0, "vnetdiag_runs": [r[0] for r in vd],
           "vnetdiag_rss_runs": [r[1] / 1024 for r in vd], "vnetdiag_exits": [r[2] for r in vd],
           "vnetdiag_findings": findings}
    if n <= console_max:
        console = [run_console(lab, hosts)[0] for _ in range(console_runs or max(1, runs // 2))]
        row["console_s"], row["console_runs"] = median(console), console
    if blackbox_max is None or n <= blackbox_max:
        bb = Blackbox(lab, hosts)
        try:
            results = [bb.probe_all(hosts) for _ in range(runs)]
            row["blackbox_s"] = median([r[0] for r in results])
            row["blackbox_ok"] = min(r[1] for r in results)
            row["blackbox_rss"] = bb.peak_rss_kib() / 1024
            row["blackbox_runs"] = [r[0] for r in results]
        finally:
            bb.stop()
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vnetdiag", default=os.path.join(ROOT, "build", "agent", "vnetdiag"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="1,2,10,50,200")
    ap.add_argument("--delay-ms", type=int, default=20)
    ap.add_argument("--console-max", type=int, default=50, help="largest size run the console way")
    ap.add_argument("--quick", action="store_true", help="2 runs, sizes 1,2,50")
    ap.add_argument("--json", metavar="FILE", help="also write the raw numbers to FILE")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.sizes = 2, "1,2,50"
    if os.geteuid() != 0:
        raise SystemExit("check_bench.py: run as root (the lab uses network namespaces)")
    if not shutil.which("prometheus-blackbox-exporter"):
        sh(["apt-get", "install", "-y", "-qq", "prometheus-blackbox-exporter"], timeout=600)
        subprocess.run(["systemctl", "stop", "prometheus-blackbox-exporter"], capture_output=True)
    build_maxrss()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    try:
        for delay in (0, args.delay_ms):
            lab = lab_up(delay)
            lab["DELAY_MS"] = str(delay)
            for n in sizes:
                row = bench_size(lab, args.vnetdiag, n, args.runs, args.console_max)
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
        lab = lab_up(0)
        faults = []
        for scenario in ("port-dropped", "dns-dropped", "dns-down"):
            sh([LAB, "apply", scenario], timeout=60)
            t, rss, code, _ = run_vnetdiag(lab, args.vnetdiag, ["vdlabkv"], ["vdlabcs"])
            faults.append((scenario, t, code))
    finally:
        subprocess.run([LAB, "down"], capture_output=True, timeout=120)

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": args.runs, "sizes": sizes, "rows": rows,
                       "faults": [{"scenario": s, "seconds": t, "exit": c} for s, t, c in faults]}, f, indent=1)
    print(f"\n`tests/bench/check_bench.py --runs {args.runs} --sizes {args.sizes} --delay-ms {args.delay_ms}` "
          f"(medians; peak RSS is the maximum over runs)\n")
    print("| one-way delay | endpoints | vnetdiag check | console way (nslookup + curl -v, sequential) | blackbox_exporter (3N /probe at once) | vnetdiag peak RSS | blackbox peak RSS | vnetdiag exit |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        console = f"{r['console_s']:.3f} s" if "console_s" in r else "not run"
        print(f"| {r['delay']} ms | {r['n']} | {r['vnetdiag_s']:.3f} s | {console} | {r['blackbox_s']:.3f} s "
              f"({r['blackbox_ok']}/{3 * r['n']} ok) | {r['vnetdiag_rss']:.1f} MiB | {r['blackbox_rss']:.1f} MiB | {r['vnetdiag_exit']} |")
    one = {r["delay"]: r["vnetdiag_s"] for r in rows if r["n"] == 1}
    for r in rows:
        if r["n"] == 50 and r["delay"] in one:
            print(f"\n50 endpoints / 1 endpoint at {r['delay']} ms delay: {r['vnetdiag_s'] / one[r['delay']]:.2f} x")
    print("\n| fault (default budgets: DNS 2 s, connect 3 s) | vnetdiag reports after | exit |")
    print("|---|---|---|")
    for scenario, t, code in faults:
        print(f"| {scenario} | {t:.2f} s | {code} |")


if __name__ == "__main__":
    main()
