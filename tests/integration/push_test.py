#!/usr/bin/python3
"""vnetdiag serve --otlp and --app-insights-connection-string against a spec-faithful receiver on
loopback (otlp_receiver.py: OTLP/HTTP JSON validated field by field, an Application Insights
/v2/track over https with a certificate from a throwaway CA). The world is serve_test's: a tiny
DNS responder and a TLS server on 127.0.0.1. Checks the metrics, one span per check and one
availability result per target, service.instance.id = WEBSITE_INSTANCE_ID, that the
instrumentation key never shows, a dead receiver (one stderr line, the failure counter, /readyz
still answering), refused settings and SIGTERM with a push in flight. All traffic stays on
127.0.0.1."""
import json
import re
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "pylib"))
sys.path.insert(0, HERE)
from otlp_receiver import Receiver  # noqa: E402
from vnetdiag_testlib import check, finish  # noqa: E402
from vnetdiag_testlib.peers import DnsResponder, Pki, TlsServer  # noqa: E402

VNETDIAG = sys.argv[1]
INSTANCE = "push-test-instance-0a1b"
IKEY = "5f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5"
target = None  # api.test:<port of the TLS peer>, set in main()


def wait_until(predicate, timeout, step=0.05):
    """Polls a readiness condition; returns the elapsed time, or None on timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(step)
    return None


class Serve:
    def __init__(self, args, env=None):
        base_env = {k: v for k, v in os.environ.items() if k != "APPLICATIONINSIGHTS_CONNECTION_STRING"}
        self.proc = subprocess.Popen([VNETDIAG, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env={**base_env, **(env or {})})
        self.stdout, self.stderr = [], []
        self.listening = threading.Event()
        self.url = None
        threading.Thread(target=self.read_stdout, daemon=True).start()
        threading.Thread(target=self.read_stderr, daemon=True).start()

    def read_stdout(self):
        for line in self.proc.stdout:
            self.stdout.append(line)

    def read_stderr(self):
        for line in self.proc.stderr:
            self.stderr.append(line)
            if "serving http://" in line and self.url is None:
                self.url = "http://" + line.split("serving http://", 1)[1].split()[0]
                self.listening.set()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def get(url, timeout=5):
    """(status, body) through the real curl; status 0 when nothing answered."""
    p = subprocess.run(["curl", "-s", "--max-time", str(timeout), "-w", "\n%{http_code}", url],
                       capture_output=True, text=True)
    body, _, status = p.stdout.rpartition("\n")
    return (int(status) if status.isdigit() else 0), body


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def attrs(kvs):
    return {kv["key"]: next(iter(kv["value"].values())) for kv in kvs}


def main():
    tmp = tempfile.mkdtemp(prefix="vnetdiag-push-test-")
    pki = Pki(tmp, "vnetdiag push test CA")
    pki.issue("server", ["api.test"])
    ingest_cert, ingest_key = pki.issue("ingest", ips=["127.0.0.1"])
    dns = DnsResponder()
    tls = TlsServer(tmp)
    receiver = Receiver(os.path.join(tmp, "received.jsonl"), IKEY, ingest_cert, ingest_key)
    global target
    target = f"api.test:{tls.port}"
    common = ["--target", target, "--dns-server", f"127.0.0.1:{dns.port}", "--resolv-conf", "/dev/null",
              "--proc-environ", "/dev/null", "--ca-bundle", os.path.join(tmp, "ca.pem"), "--no-arm",
              "--timeout", "3", "--dns-timeout", "1", "--listen", "127.0.0.1:0", "--interval", "1"]
    connection = f"InstrumentationKey={IKEY};IngestionEndpoint={receiver.track_endpoint}"
    servers = []
    try:
        run_pushes(servers, common, receiver, connection)
        run_dead_receiver(servers, common)
        run_shutdown_in_flight(servers, common)
        run_refused_settings(common)
    finally:
        for s in servers:
            if s.proc.poll() is None:
                s.proc.kill()
        receiver.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


def run_pushes(servers, common, receiver, connection):
    serve = Serve([*common, "--otlp", receiver.otlp_url],
                  env={"WEBSITE_INSTANCE_ID": INSTANCE, "APPLICATIONINSIGHTS_CONNECTION_STRING": connection})
    servers.append(serve)
    check("serve with pushes listens", serve.listening.wait(10), "".join(serve.stderr))
    if not serve.listening.is_set():
        return

    def kinds():
        return {item["kind"] for item in receiver.items()}

    took = wait_until(lambda: {"metrics", "traces", "availability"} <= kinds(), 20)
    check(f"metrics, a span and availability arrive after the first check ({took and round(took, 2)} s)",
          took is not None, f"received {sorted(kinds())}; stderr {''.join(serve.stderr)[-500:]}")
    items = receiver.items()
    rejected = [i for i in items if i["kind"] == "rejected"]
    check("the receiver rejected nothing (every request as the OTLP JSON mapping and the AI contracts say)",
          not rejected, json.dumps(rejected)[:800])

    metrics = [i["body"] for i in items if i["kind"] == "metrics"]
    if metrics:
        rm = metrics[0]["resourceMetrics"][0]
        resource = attrs(rm["resource"]["attributes"])
        check("metrics: service.instance.id is WEBSITE_INSTANCE_ID", resource.get("service.instance.id") == INSTANCE,
              resource)
        by_name = {m["name"]: m for m in rm["scopeMetrics"][0]["metrics"]}
        success = by_name.get("probe_success", {}).get("gauge", {}).get("dataPoints", [])
        check("metrics: probe_success is a gauge point per target, labelled as /metrics",
              len(success) == 1 and attrs(success[0]["attributes"]).get("target") == target, success)
        runs = by_name.get("vnetdiag_check_runs_total", {}).get("sum", {})
        check("metrics: vnetdiag_check_runs_total is a monotonic cumulative sum",
              runs.get("isMonotonic") is True and runs.get("aggregationTemporality") == 2, runs)
        status, text = get(serve.url + "/metrics")
        for name in ("probe_success", "probe_duration_seconds", "vnetdiag_verdict"):
            check(f"metrics: {name} is in both /metrics and the push", name in by_name and f"\n{name}" in text)
    traces = [i["body"] for i in items if i["kind"] == "traces"]
    if traces:
        rs = traces[0]["resourceSpans"][0]
        check("traces: service.instance.id is WEBSITE_INSTANCE_ID",
              attrs(rs["resource"]["attributes"]).get("service.instance.id") == INSTANCE)
        spans = rs["scopeSpans"][0]["spans"]
        checks = [s for s in spans if s["name"] == "vnetdiag.check"]
        check("traces: one vnetdiag.check span per push, the target's span its child",
              len(checks) == 1 and all(s.get("parentSpanId") == checks[0]["spanId"] for s in spans
                                       if s["name"] == "vnetdiag.target"), [s["name"] for s in spans])
        if checks:
            verdict = attrs(checks[0]["attributes"]).get("vnetdiag.verdict")
            code = checks[0].get("status", {}).get("code")
            check(f"traces: status follows the verdict ({verdict}, code {code})",
                  (code == 2) == (verdict in ("critical", "unknown")), checks[0])
    avail = [i["body"] for i in items if i["kind"] == "availability"]
    if avail:
        base = avail[0]["data"]["baseData"]
        check("availability: named for the target, run location = WEBSITE_INSTANCE_ID",
              base["name"] == f"vnetdiag {target}" and base["runLocation"] == INSTANCE and
              avail[0]["tags"].get("ai.cloud.roleInstance") == INSTANCE, avail[0])
        status, text = get(serve.url + f"/probe?target={target}")
        verdict = json.loads(text).get("verdict") if status == 200 else None
        check(f"availability: success follows the target's verdict ({verdict})",
              base["success"] == (verdict in ("ok", "warning")), base)

    took = wait_until(lambda: sum(1 for i in receiver.items() if i["kind"] == "availability") >= 2, 10)
    check("one availability result per target per check (a second run, a second result)", took is not None)
    status, text = get(serve.url + "/metrics")
    counts = push_failures(text)
    check("/metrics counts no push failure while the receiver takes everything (with the instance label)",
          counts == {"otlp": 0.0, "appinsights": 0.0}, [l for l in text.splitlines() if "push" in l])
    outputs = {"stdout": "".join(serve.stdout), "stderr": "".join(serve.stderr), "/metrics": text,
               "/report": get(serve.url + "/report")[1], "/report?format=text": get(serve.url + "/report?format=text")[1],
               "OTLP bodies": json.dumps([i for i in receiver.items() if i["kind"] != "availability"])}
    for where, out in outputs.items():
        check(f"the instrumentation key is not in {where}", IKEY not in out and IKEY.replace("-", "") not in out)
    check("stderr says where it pushes (without the key)",
          any("pushing after each check to OTLP " + receiver.otlp_url in l for l in serve.stderr), serve.stderr)
    serve.stop()
    check("SIGTERM: exit 0", serve.proc.returncode == 0, serve.proc.returncode)


def push_failures(text):
    """vnetdiag_push_failures_total per sink; each series must carry this instance's label."""
    counts = {}
    for line in text.splitlines():
        m = re.match(r'vnetdiag_push_failures_total\{instance="([^"]*)",(?:[^}]*,)?sink="([^"]*)"\} (\S+)$', line)
        if m and m.group(1) == INSTANCE:
            counts[m.group(2)] = float(m.group(3))
    return counts


def run_dead_receiver(servers, common):
    dead_otlp, dead_track = free_port(), free_port()
    serve = Serve([*common, "--otlp", f"http://127.0.0.1:{dead_otlp}", "--app-insights-connection-string",
                   f"InstrumentationKey={IKEY};IngestionEndpoint=https://127.0.0.1:{dead_track}/"],
                  env={"WEBSITE_INSTANCE_ID": INSTANCE})
    servers.append(serve)
    check("serve with dead sinks listens", serve.listening.wait(10), "".join(serve.stderr))
    if not serve.listening.is_set():
        return

    def failed_lines(sink):
        return [l for l in serve.stderr if f"push to {sink} " in l and "failed:" in l]

    took = wait_until(lambda: failed_lines("otlp") and failed_lines("appinsights"), 20)
    check(f"a dead receiver: one stderr line per failed push ({took and round(took, 2)} s)", took is not None,
          "".join(serve.stderr)[-600:])

    def counted():
        counts = push_failures(get(serve.url + "/metrics")[1])
        return all(counts.get(s, 0) >= 1 for s in ("otlp", "appinsights"))
    check("a dead receiver: vnetdiag_push_failures_total counts it per sink", wait_until(counted, 10) is not None,
          [l for l in get(serve.url + "/metrics")[1].splitlines() if "push" in l])
    start = time.monotonic()
    status, _ = get(serve.url + "/readyz", timeout=3)
    check(f"a dead receiver: /readyz keeps answering ({status}, {round(time.monotonic() - start, 2)} s)",
          status in (200, 503) and time.monotonic() - start < 1.5)
    check("a dead receiver: the failure lines are one line each and never hold the key",
          all(IKEY not in l and l.endswith("\n") and l.count("\n") == 1 for l in serve.stderr))
    serve.stop()


def run_shutdown_in_flight(servers, common):
    # A collector that takes the connection and never answers: the push is in flight at SIGTERM.
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(16)
    serve = Serve([*common, "--otlp", f"http://127.0.0.1:{hole.getsockname()[1]}"],
                  env={"WEBSITE_INSTANCE_ID": INSTANCE})
    servers.append(serve)
    try:
        ready = serve.listening.wait(10) and wait_until(lambda: serve.stdout, 15) is not None
        check("a check finished (its push goes to a collector that never answers)", ready, "".join(serve.stderr))
        start = time.monotonic()
        serve.proc.send_signal(signal.SIGTERM)
        try:
            rc = serve.proc.wait(5)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.monotonic() - start
        check(f"SIGTERM with a push in flight: exit 0 within 2 s ({round(took, 2)} s)", rc == 0 and took <= 2.0,
              f"rc {rc}; stderr {''.join(serve.stderr)[-300:]}")
    finally:
        hole.close()


def run_refused_settings(common):
    cases = {
        "--otlp plain http beyond loopback": ["--otlp", "http://10.0.0.4:4318"],
        "--otlp not a URL": ["--otlp", "collector"],
        "a connection string with an http endpoint":
            ["--app-insights-connection-string", f"InstrumentationKey={IKEY};IngestionEndpoint=http://dc.example/"],
        "a connection string without a key": ["--app-insights-connection-string", "IngestionEndpoint=https://dc/"],
        "a connection string that is garbage": ["--app-insights-connection-string", f"{IKEY};;=="],
    }
    for name, extra in cases.items():
        p = subprocess.run([VNETDIAG, "serve", *common, *extra], capture_output=True, text=True, timeout=30,
                           env={k: v for k, v in os.environ.items() if k != "APPLICATIONINSIGHTS_CONNECTION_STRING"})
        lines = p.stderr.strip().splitlines()
        check(f"refused at start: {name} (exit 3, one line, no key)",
              p.returncode == 3 and len(lines) == 1 and IKEY not in p.stderr and IKEY not in p.stdout,
              f"rc {p.returncode} stderr {p.stderr[:300]!r}")
    p = subprocess.run([VNETDIAG, "serve", "--help"], capture_output=True, text=True, timeout=30)
    check("serve --help tells about --otlp and --app-insights-connection-string",
          "--otlp" in p.stdout and "--app-insights-connection-string" in p.stdout and
          "APPLICATIONINSIGHTS_CONNECTION_STRING" in p.stdout)


if __name__ == "__main__":
    sys.exit(main())
