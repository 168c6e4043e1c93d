#!/usr/bin/python3
"""vnetdiag serve against peers on loopback: a tiny DNS responder and a TLS server with a throwaway
CA. Checks every endpoint with real curl, /readyz following the world as it breaks and heals,
the metrics with promtool, hostile and slow clients, the connection limit, the log lines, bad
flags and SIGTERM. All traffic stays on 127.0.0.1."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pylib"))
from vnetdiag_testlib import check, finish  # noqa: E402
from vnetdiag_testlib.peers import DnsResponder, TlsServer, make_pki  # noqa: E402

VNETDIAG = sys.argv[1]
INTERVAL = 1
INSTANCE = "serve-test-instance"
def wait_until(predicate, timeout, step=0.05):
    """Polls a readiness condition; returns the elapsed time, or None on timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(step)
    return None


# --- Peers (tests/pylib/vnetdiag_testlib/peers.py): DNS on UDP 127.0.0.1, TLS on TCP 127.0.0.1 ------------

Dns = DnsResponder


# --- The server under test ----------------------------------------------------------------------

class Serve:
    def __init__(self, args, env=None):
        self.proc = subprocess.Popen([VNETDIAG, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env={**os.environ, **(env or {})})
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

    @property
    def port(self):
        return int(self.url.rsplit(":", 1)[1])


def curl(url, *extra):
    """(status, headers with lower-case names, body) through the real curl."""
    with tempfile.TemporaryDirectory() as d:
        hfile, bfile = os.path.join(d, "h"), os.path.join(d, "b")
        p = subprocess.run(["curl", "-s", "-S", "--max-time", "5", "-D", hfile, "-o", bfile, "-w", "%{http_code}",
                            *extra, url], capture_output=True, text=True)
        headers = {}
        if os.path.exists(hfile):
            with open(hfile, "rb") as f:
                for line in f.read().decode("latin-1").split("\r\n")[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
        body = open(bfile, "rb").read() if os.path.exists(bfile) else b""
        status = int(p.stdout) if p.stdout.strip().isdigit() else 0
        return status, headers, body


def raw(port, data, timeout=5.0):
    """Sends bytes, returns everything read until the server closes (or the timeout)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk
    except socket.timeout:
        return out + b"<timeout>"
    except ConnectionResetError:
        return out + b"<reset>"
    finally:
        s.close()


def main():
    tmp = tempfile.mkdtemp(prefix="vnetdiag-serve-test-")
    make_pki(tmp)
    dns = Dns()
    tls = TlsServer(tmp)
    target = f"api.test:{tls.port}"
    common = ["--target", target, "--dns-server", f"127.0.0.1:{dns.port}", "--resolv-conf", "/dev/null",
              "--proc-environ", "/dev/null", "--ca-bundle", os.path.join(tmp, "ca.pem"), "--no-arm",
              "--timeout", "3", "--dns-timeout", "1"]
    serve = Serve(["--listen", "127.0.0.1:0", "--interval", str(INTERVAL), *common],
                  env={"WEBSITE_INSTANCE_ID": INSTANCE})
    try:
        check("listens and says where on stderr", serve.listening.wait(10), "".join(serve.stderr))
        if not serve.listening.is_set():
            return
        base = serve.url
        run_endpoints(serve, base, target)
        run_world_changes(base, dns, tls)
        run_metrics(base)
        run_hostile_clients(serve, base)
        run_log_lines(serve)
        run_shutdown(serve, dns)
        run_bad_flags(common, serve)
        run_abandon(common, dns)
    finally:
        if serve.proc.poll() is None:
            serve.proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def run_endpoints(serve, base, target):
    took = wait_until(lambda: curl(base + "/readyz")[0] == 200, 10)
    check("/readyz turns 200 after the first check of a healthy world", took is not None,
          curl(base + "/readyz")[2][:300])
    expected = {
        "/livez": (200, "application/json"),
        "/readyz": (200, "application/json"),
        "/report": (200, "application/json"),
        "/report?format=text": (200, "text/plain; charset=utf-8"),
        "/metrics": (200, "text/plain; version=0.0.4; charset=utf-8"),
        f"/probe?target={target}": (200, "application/json"),
        "/probe?target=evil.example": (404, "application/json"),
        "/nope": (404, "application/json"),
        "/metrics/": (404, "application/json"),
    }
    for path, (status, ctype) in expected.items():
        s, h, body = curl(base + path)
        check(f"GET {path}: {status} {ctype}, no-store",
              s == status and h.get("content-type") == ctype and h.get("cache-control") == "no-store"
              and "location" not in h,
              f"got {s} {h.get('content-type')} cache-control={h.get('cache-control')}")
    s, h, body = curl(base + "/metrics", "-H",
                      "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
    check("GET /metrics with Accept: openmetrics", s == 200 and h.get("content-type") ==
          "application/openmetrics-text; version=1.0.0; charset=utf-8" and body.endswith(b"# EOF\n"),
          f"{s} {h.get('content-type')} ends {body[-20:]!r}")
    s, h, body = curl(base + "/report")
    report = json.loads(body)
    check("/report is the check's JSON report", report.get("schema_version") and report["targets"][0]["name"] == target,
          body[:200])
    s, h, body = curl(base + f"/probe?target={target}")
    part = json.loads(body)
    check("/probe has the target's observations and findings",
          part["name"] == target and part["target"]["connections"] and
          all(f["target"] == target for f in part["findings"]), body[:300])
    s, h, body = curl(base + "/probe?target=evil.example")
    check("/probe of an unknown name lists the configured ones", json.loads(body)["targets"] == [target], body)
    s, h, body = curl(base + "/readyz", "-X", "POST", "-d", "x=1")
    check("POST is 405 with Allow: GET, HEAD", s == 405 and h.get("allow") == "GET, HEAD" and
          h.get("cache-control") == "no-store", f"{s} {h}")
    s, h, _ = curl(base + "/metrics", "-I")
    check("HEAD: 200 with the body's length", s == 200 and int(h.get("content-length", "0")) > 100 and
          h.get("cache-control") == "no-store", f"{s} {h}")
    out = raw(serve.port, b"HEAD /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    check("HEAD: nothing after the header", out.startswith(b"HTTP/1.1 200") and out.endswith(b"\r\n\r\n"), out[-80:])
    conn = http.client.HTTPConnection("127.0.0.1", serve.port, timeout=5)
    conn.request("GET", "/livez")
    r1 = conn.getresponse()
    r1.read()
    first_socket = conn.sock
    conn.request("GET", "/readyz")
    r2 = conn.getresponse()
    r2.read()
    check("keep-alive: two requests on one connection", r1.status == 200 and r2.status == 200 and
          conn.sock is first_socket and first_socket is not None)
    conn.close()
    out = raw(serve.port, b"GET /livez HTTP/1.1\r\nHost: a\r\n\r\nGET /readyz HTTP/1.1\r\nHost: a\r\n"
                          b"Connection: close\r\n\r\n")
    check("pipelined requests answered in order", out.count(b"HTTP/1.1 200") == 2 and out.index(b"alive") < out.index(b"ready"),
          out[:300])
    out = raw(serve.port, b"GET /livez HTTP/1.0\r\n\r\n")
    check("HTTP/1.0 is answered and closed", out.startswith(b"HTTP/1.0 200") and not out.endswith(b"<timeout>"), out[:200])


def run_world_changes(base, dns, tls):
    def readyz():
        return curl(base + "/readyz")[0]

    dns.mode = "nxdomain"
    took = wait_until(lambda: readyz() == 503, 5)
    check(f"/readyz 503 within one interval after DNS answers NXDOMAIN ({took and round(took, 2)} s)",
          took is not None and took <= INTERVAL + 1.0, f"took {took}")
    s, h, body = curl(base + "/readyz")
    check("/readyz says why", s == 503 and "dns.nxdomain" in json.loads(body).get("findings", []), body)
    s, h, body = curl(base + "/livez")
    check("/livez stays 200 while a dependency is down", s == 200, f"{s}")
    dns.mode = "ok"
    took = wait_until(lambda: readyz() == 200, 5)
    check(f"/readyz 200 again after DNS heals ({took and round(took, 2)} s)", took is not None and took <= INTERVAL + 1.0,
          f"took {took}")
    tls.stop()
    took = wait_until(lambda: readyz() == 503, 5)
    check(f"/readyz 503 within one interval after the service stops ({took and round(took, 2)} s)",
          took is not None and took <= INTERVAL + 1.0, f"took {took}")
    s, h, body = curl(base + "/metrics")
    check("probe_success 0 for the stopped service", b'target="api.test:' in body and
          [l for l in body.decode().splitlines() if l.startswith("probe_success{")][0].endswith(" 0"), body[:300])
    tls.start()
    took = wait_until(lambda: readyz() == 200, 5)
    check(f"/readyz 200 again after the service is back ({took and round(took, 2)} s)",
          took is not None and took <= INTERVAL + 1.0, f"took {took}")


def run_metrics(base):
    s, h, body = curl(base + "/metrics")
    p = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True)
    check("promtool check metrics accepts /metrics", p.returncode == 0, (p.stdout + p.stderr).decode()[:500])
    text = body.decode()
    samples = [l for l in text.splitlines() if l and not l.startswith("#")]
    for name in ("probe_success", "probe_duration_seconds", "probe_dns_lookup_time_seconds",
                 "probe_ssl_earliest_cert_expiry", "vnetdiag_finding", "vnetdiag_check_runs_total",
                 "vnetdiag_last_check_timestamp_seconds", "vnetdiag_build_info", "target_info"):
        check(f"/metrics has {name}", any(l.startswith(name + "{") for l in samples))
    check("target_info carries service_instance_id",
          any(l.startswith("target_info{") and f'service_instance_id="{INSTANCE}"' in l for l in samples))
    # Each instance runs its own vnetdiag: every series says which one (and which site and slot).
    unlabelled = [l for l in samples if not l.split("{", 1)[-1].startswith(f'instance="{INSTANCE}"')]
    check("every series carries instance=WEBSITE_INSTANCE_ID first", samples and not unlabelled, unlabelled[:3])
    check("/metrics has no address as a label value", "127.0.0.1" not in text)
    s, h, body = curl(base + "/metrics", "-H", "Accept: application/openmetrics-text")
    p = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True)
    if p.returncode == 0:
        check("promtool check metrics accepts the OpenMetrics variant", True)
        return
    # promtool (2.42) only reads the 0.0.4 format; the reference OpenMetrics parser is strict.
    try:
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
    except ImportError:
        check("OpenMetrics variant ends with # EOF (no OpenMetrics parser installed)", body.endswith(b"# EOF\n"))
        return
    try:
        families = list(text_string_to_metric_families(body.decode()))
        check(f"prometheus_client's OpenMetrics parser accepts the variant ({len(families)} families; "
              f"promtool: {(p.stdout + p.stderr).decode().strip()[:60]})",
              any(f.name == "vnetdiag_check_runs" and f.type == "counter" for f in families))
    except Exception as e:  # noqa: BLE001 - any parse error is the finding
        check("prometheus_client's OpenMetrics parser accepts the variant", False, str(e))


def run_hostile_clients(serve, base):
    port = serve.port
    garbage = {
        "binary garbage": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00\xff\r\n\r\n",
        "bad version": b"GET /livez HTTP/9.9\r\n\r\n",
        "no target": b"GET\r\n\r\n",
        "header without colon": b"GET /livez HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n",
        "NUL in the method": b"G\x00T /livez HTTP/1.1\r\n\r\n",
    }
    for name, data in garbage.items():
        out = raw(port, data)
        check(f"{name}: 400 or close", out.startswith(b"HTTP/1.1 400") or out in (b"", b"<reset>"), out[:120])
    out = raw(port, b"GET /livez HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    check("oversized header: 431 or close", out.startswith(b"HTTP/1.1 431") or out in (b"", b"<reset>"), out[:120])
    out = raw(port, b"GET /livez HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
    check("a request body: 413 and close", out.startswith(b"HTTP/1.1 413") and b"Connection: close" in out, out[:200])
    out = raw(port, b"POST /readyz HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000)
    check("POST with a large body: 405 and close", out.startswith(b"HTTP/1.1 405") and b"Allow: GET, HEAD" in out,
          out[:200])

    # Slow clients: one trickles a header line every second, one never says anything. Both must be
    # cut within the request deadline (5 s) while others are served.
    cut = {}
    opened = threading.Barrier(3)

    def slowloris():
        s = socket.create_connection(("127.0.0.1", port))
        start = time.monotonic()
        try:
            s.sendall(b"GET /livez HTTP/1.1\r\nHost: a\r\n")
            opened.wait(5)
            s.settimeout(1)
            for i in range(20):
                try:
                    if s.recv(1024) == b"":
                        break
                except socket.timeout:
                    pass
                s.sendall(b"X-Slow-%d: 1\r\n" % i)
        except OSError:
            pass
        cut["slowloris"] = time.monotonic() - start
        s.close()

    def silent():
        s = socket.create_connection(("127.0.0.1", port))
        start = time.monotonic()
        opened.wait(5)
        s.settimeout(20)
        try:
            s.recv(1024)
        except OSError:
            pass
        cut["silent"] = time.monotonic() - start
        s.close()

    threads = [threading.Thread(target=slowloris), threading.Thread(target=silent)]
    for t in threads:
        t.start()
    opened.wait(5)  # both slow connections are open while another client asks
    s, h, body = curl(base + "/livez")
    check("others are served while slow clients hang on", s == 200, f"{s}")
    for t in threads:
        t.join(25)
    for name in ("slowloris", "silent"):
        took = cut.get(name)
        check(f"{name} client cut within a few seconds ({took and round(took, 1)} s)", took is not None and took < 7.5,
              f"took {took}")

    # More connections than the limit (256): the extra ones get 503 at once, nobody crashes.
    socks = []
    try:
        for _ in range(300):
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        refused = 0
        for s in socks[-40:]:
            s.settimeout(2)
            try:
                if s.recv(4096).startswith(b"HTTP/1.1 503"):
                    refused += 1
            except OSError:
                pass
        check(f"beyond 256 connections: 503 and close ({refused} of the last 40)", refused >= 40, f"{refused}")
    finally:
        for s in socks:
            s.close()
    took = wait_until(lambda: curl(base + "/livez")[0] == 200, 10)
    check("serves again once the crowd is gone", took is not None)
    check("still running after all that", serve.proc.poll() is None)


def run_log_lines(serve):
    lines = list(serve.stdout)
    try:
        records = [json.loads(l) for l in lines]
    except ValueError as e:
        check("stdout is one JSON object per line", False, f"{e}: {lines[:3]}")
        return
    check(f"one JSON log line per check on stdout ({len(records)} so far)", len(records) >= 3)
    keys = {"time", "verdict", "findings", "duration_ms", "instance_id"}
    check("log lines carry time, verdict, findings, duration_ms, instance_id",
          all(keys <= r.keys() and r["instance_id"] == INSTANCE for r in records), str(records[:2]))
    check("a broken world shows in the log", any("dns.nxdomain" in r["findings"] for r in records))
    check("finding ids in the log are only the non-ok ones",
          not any(i in ("tcp.connected", "tls.verified", "dns.resolved") for r in records for i in r["findings"]))


def run_shutdown(serve, dns):
    # DNS that never answers keeps a check in flight for its timeout: exit must not wait for it.
    dns.unanswered.clear()
    dns.mode = "silent"
    check("a check is in flight, waiting for DNS", dns.unanswered.wait(INTERVAL + 5))
    start = time.monotonic()
    serve.proc.send_signal(signal.SIGTERM)
    try:
        rc = serve.proc.wait(5)
    except subprocess.TimeoutExpired:
        rc = None
    took = time.monotonic() - start
    check(f"SIGTERM with a check in flight: exit 0 within 2 s ({round(took, 2)} s)",
          rc == 0 and took <= 2.0, f"rc {rc}, {took:.2f} s, stderr {''.join(serve.stderr)[-300:]}")
    time.sleep(0.1)  # the reader threads get the last lines
    check("stderr tells about the shutdown", any("shutting down" in l for l in serve.stderr), "".join(serve.stderr))
    dns.mode = "ok"


def run_bad_flags(common, serve):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    busy = holder.getsockname()[1]
    cases = {
        "unparsable --listen": ["--listen", "localhost:80", *common],
        "port out of range": ["--listen", "127.0.0.1:70000", *common],
        "port in use": ["--listen", f"127.0.0.1:{busy}", *common],
        "bad interval": ["--interval", "0", *common],
        "unknown flag": ["--frobnicate", *common],
        "no target": ["--listen", "127.0.0.1:0"],
    }
    for name, args in cases.items():
        p = subprocess.run([VNETDIAG, "serve", *args], capture_output=True, text=True, timeout=10)
        lines = p.stderr.strip().splitlines()
        check(f"{name}: exit 3 and one line on stderr", p.returncode == 3 and p.stdout == "" and len(lines) == 1 and
              lines[0].startswith("vnetdiag: "), f"rc {p.returncode} stderr {p.stderr!r}")
        if name == "port in use":
            check("port in use: says what to do", "in use" in p.stderr.lower() and "--listen" in p.stderr, p.stderr)
    holder.close()
    # SIGINT on an idle server (nothing in flight) stops it too.
    quiet = Serve(["--listen", "127.0.0.1:0", "--interval", "3600", *common])
    if quiet.listening.wait(10):
        wait_until(lambda: curl(quiet.url + "/readyz")[0] != 503 or quiet.stdout, 10)
        start = time.monotonic()
        quiet.proc.send_signal(signal.SIGINT)
        rc = quiet.proc.wait(5)
        check(f"SIGINT: exit 0 ({time.monotonic() - start:.2f} s)", rc == 0 and time.monotonic() - start < 2)
    else:
        check("second server starts", False, "".join(quiet.stderr))
        quiet.proc.kill()


def run_abandon(common, dns):
    # A check that would take 10 s (DNS never answers, long budgets) is killed, not waited for.
    slow = [a for a in common]
    slow[slow.index("--timeout") + 1] = "10"
    slow[slow.index("--dns-timeout") + 1] = "5"
    dns.unanswered.clear()
    dns.mode = "silent"
    stuck = Serve(["--listen", "127.0.0.1:0", "--interval", "3600", *slow])
    try:
        if not (stuck.listening.wait(10) and dns.unanswered.wait(10)):
            check("server with a hanging check starts", False, "".join(stuck.stderr))
            return
        start = time.monotonic()
        stuck.proc.send_signal(signal.SIGTERM)
        try:
            rc = stuck.proc.wait(5)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.monotonic() - start
        time.sleep(0.1)  # the reader threads get the last lines
        check(f"SIGTERM stops a check that would take 10 s: exit 0 within 2 s ({took:.2f} s)",
              rc == 0 and took <= 2.0,
              f"rc {rc}, {took:.2f} s, stderr {''.join(stuck.stderr)[-300:]}")
    finally:
        if stuck.proc.poll() is None:
            stuck.proc.kill()
        dns.mode = "ok"


main()
finish()
