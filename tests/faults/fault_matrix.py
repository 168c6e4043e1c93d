#!/usr/bin/python3
"""The fault matrix (issue 12): every row of matrix.json injected for real against loopback peers
(tests/pylib/vnetdiag_testlib/peers.py), a scripted ARM over https on loopback, or the ARM twin, and judged
from vnetdiag's own output (-o json: finding ids, step outcomes; exit code; wall time; stderr;
the fake token nowhere in the output).

usage: fault_matrix.py VNETDIAG RESULTS_DIR [--only ID_REGEX] [--jobs N]

Writes RESULTS_DIR/fault_matrix.json and RESULTS_DIR/fault_matrix.md (the table README.md takes:
tests/faults/render_readme.py). Prints one line per row and 'N passed, N failed'. Traffic goes
to 127.0.0.1 only: vnetdiag always gets --resolv-conf /dev/null and loopback resolvers."""
import argparse
import concurrent.futures
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "pylib"))
sys.path.insert(0, os.path.join(ROOT, "tests", "armtwin"))
import render_readme  # noqa: E402
from vnetdiag_testlib import check, finish, peers, skip_or_fail  # noqa: E402

SUB, RG, APP = "00000000-0000-0000-0000-0000000000f1", "securebackendsetup", "securebackend2021"
BUDGETS = ["--timeout", "5", "--dns-timeout", "1", "--connect-timeout", "1", "--tls-timeout", "1",
           "--http-timeout", "1"]
VNETDIAG = None
WORK = None
PKI = None


def fake_token(tag=""):
    return f"vnetdiag-fake-token-{os.urandom(6).hex()}{tag}"


_row = threading.local()


def run_vnetdiag(args, env=None, timeout=None):
    """Runs vnetdiag with a clean environment; returns a dict with rc, stdout, stderr, elapsed,
    report (parsed JSON or None). A hang past `timeout` (default: twice the row's time bound plus
    10 s) is killed and reported as rc 'hang'."""
    timeout = timeout or getattr(_row, "timeout", 90)
    start = time.monotonic()
    try:
        p = subprocess.run([VNETDIAG, *args], capture_output=True, text=True, timeout=timeout,
                           env=env or {"PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = "hang", (e.stdout or b"").decode(errors="replace"), (e.stderr or b"").decode(errors="replace")
    elapsed = time.monotonic() - start
    try:
        report = json.loads(out)
    except ValueError:
        report = None
    return {"rc": rc, "stdout": out, "stderr": err, "elapsed": elapsed, "report": report}


def problem_ids(report):
    if not report:
        return []
    findings = report.get("findings") or (report.get("check") or {}).get("findings") or []
    return sorted({f["id"] for f in findings if f.get("severity") != "ok"})


def budgets(overrides=None):
    b = list(BUDGETS)
    for flag, value in (overrides or {}).items():
        b[b.index(flag) + 1] = str(value)
    return b


def other_formats(args, env=None):
    """Runs the same check with -o text and -o junit; checks (name, ok, detail) that hostile bytes
    from the peer reach no output raw: no terminal control characters, valid UTF-8, junit is XML."""
    import xml.etree.ElementTree as ET
    out = []
    for fmt in ("text", "junit"):
        a = list(args)
        a[a.index("-o") + 1] = fmt
        p = subprocess.run([VNETDIAG, *a], capture_output=True, timeout=60, env=env or {"PATH": "/usr/bin:/bin"})
        data = p.stdout + p.stderr
        controls = sorted({hex(b) for b in data if b < 0x20 and b not in (0x0a, 0x09)})
        try:
            data.decode("utf-8")
            utf8 = True
        except UnicodeDecodeError:
            utf8 = False
        out.append((f"-o {fmt}: no control characters ({controls})", not controls, controls))
        out.append((f"-o {fmt}: valid UTF-8", utf8, ""))
        if fmt == "junit":
            try:
                ET.fromstring(p.stdout)
                xml_ok = True
            except ET.ParseError as e:
                xml_ok = str(e)
            out.append(("-o junit parses as XML", xml_ok is True, xml_ok))
    return out


def check_args(target, dns_server, ca=None, overrides=None):
    args = ["check", "-o", "json", "--resolv-conf", "/dev/null", "--proc-environ", "/dev/null", "--no-arm",
            "--target", target, "--dns-server", dns_server, *budgets(overrides)]
    if ca:
        args += ["--ca-bundle", ca]
    return args


# --- PKI made once per run --------------------------------------------------------------------

def make_certs(directory):
    pki = peers.Pki(directory, "vnetdiag fault matrix CA", days=400)
    certs = {
        "good": pki.issue("good", ["api.test"], days=365),
        "wrong_name": pki.issue("wrong", ["other.example"]),
        "expired": pki.issue("expired", ["api.test"], start="20200101000000Z", end="20200201000000Z"),
        "untrusted": pki.issue("rogue", ["api.test"], ca="rogueca"),
        "expiring": pki.issue("expiring", ["api.test"], days=3),
        "hostile_subject": pki.issue("hostile", ["api.test"], days=365,
                                     subject="/CN=api.test/O=\x1b[31mEvil\xff\xfe/OU=x\x07y\\,z=\"q\"<b>&"),
    }
    return pki.ca, certs


# --- Data-plane rows ------------------------------------------------------------------------------

def row_dns(row):
    inj = row["inject"]
    dns = peers.DnsResponder(inj["mode"], tcp=inj.get("tcp", False), huge_count=inj.get("huge_count", 2000),
                             delay=inj.get("delay", 0))
    tls = peers.TlsServer(cert=PKI[1]["good"][0], key=PKI[1]["good"][1]) if inj.get("serve_tls") else None
    try:
        port = tls.port if tls else peers.closed_port()
        args = check_args(f"api.test:{port}", dns.server, PKI[0], inj.get("budgets"))
        r = run_vnetdiag(args)
        extra = other_formats(args) if inj.get("formats") else []
        if inj.get("tcp"):
            extra.append(("asked again over TCP", any(t == "tcp" for t, _ in dns.queries), dns.queries))
        if inj["mode"].startswith("huge"):
            want = 250 if inj["mode"] == "huge_udp" else inj.get("huge_count", 2000)
            dns_obs = ((r["report"] or {}).get("targets") or [{}])[0].get("dns", [])
            got = max((len(d.get("addresses", [])) for d in dns_obs), default=0)
            extra.append((f"all {want} addresses read ({got})", got == want, got))
            r["summary"] = f"{got} addresses; " + ", ".join(f"`{i}`" for i in problem_ids(r["report"]))
            extra.append(("report stays bounded (< 8 MiB)", len(r["stdout"]) < 8 * 1024 * 1024, len(r["stdout"])))
        return r, extra, None
    finally:
        dns.close()
        if tls:
            tls.close()


def row_tcp(row):
    inj = row["inject"]
    dns = peers.DnsResponder("ok")
    peer, upstream = None, None
    try:
        mode = inj["mode"]
        if mode == "refused":
            port = peers.closed_port()
        elif mode == "drop":
            peer = peers.DroppingPort()
            if not peer.dropping():
                return None, [], "the kernel accepted a SYN to a full queue: cannot make a dropping port here"
            port = peer.port
        elif mode == "trickle":
            upstream = peers.TlsServer(cert=PKI[1]["good"][0], key=PKI[1]["good"][1])
            peer = peers.RawPeer("trickle", upstream=upstream.port, delay=inj["delay"])
            port = peer.port
        else:
            peer = peers.RawPeer(mode)
            port = peer.port
        return run_vnetdiag(check_args(f"api.test:{port}", dns.server, PKI[0], inj.get("budgets"))), [], None
    finally:
        for p in (dns, peer, upstream):
            if p:
                p.close()


def row_tls(row):
    cert, key = PKI[1][row["inject"]["cert"]]
    dns = peers.DnsResponder("ok")
    tls = peers.TlsServer(cert=cert, key=key)
    try:
        args = check_args(f"api.test:{tls.port}", dns.server, PKI[0])
        return run_vnetdiag(args), other_formats(args) if row["inject"].get("formats") else [], None
    finally:
        dns.close()
        tls.close()


def row_http(row):
    inj = row["inject"]
    cert, key = PKI[1]["good"]
    if inj["mode"] == "trickle":
        tls = peers.TlsServer(cert=cert, key=key, trickle=inj["delay"])
    elif inj["mode"] == "huge_headers":
        big = b"".join(b"X-Filler-%05d: %s\r\n" % (i, b"a" * 1000) for i in range(1024))
        tls = peers.TlsServer(cert=cert, key=key, response=b"HTTP/1.1 200 OK\r\n" + big +
                              b"Content-Length: 2\r\nConnection: close\r\n\r\nok")
    elif inj["mode"] == "redirect":
        elsewhere = peers.RawPeer("stall")
        tls = peers.TlsServer(cert=cert, key=key, response=(
            b"HTTP/1.1 302 Found\r\nLocation: https://127.0.0.1:%d/steal\r\nContent-Length: 0\r\n"
            b"Connection: close\r\n\r\n" % elsewhere.port))
    else:
        tls = peers.TlsServer(cert=cert, key=key, response=b"\x00\xffNOT HTTP AT ALL\r\n\r\n" * 8)
    dns = peers.DnsResponder("ok")
    try:
        r = run_vnetdiag(check_args(f"api.test:{tls.port}", dns.server, PKI[0]))
        extra = []
        if inj["mode"] == "redirect":
            extra.append((f"the redirect was not followed ({len(elsewhere.conns)} connections there)",
                          not elsewhere.conns, len(elsewhere.conns)))
        return r, extra, None
    finally:
        dns.close()
        tls.close()
        if inj["mode"] == "redirect":
            elsewhere.close()


# --- Scripted ARM over https on loopback -------------------------------------------------------

class ScriptedArm:
    """A small ARM for one row: the app and empty lists, plus the row's faults (rules matched by
    method and path regex, each `times` times or forever with -1), token expiry after N uses,
    a paging loop, and long-running operations that succeed, fail or never end."""

    def __init__(self, inj, token):
        self.inj = inj
        self.rules = [dict(r, left=r.get("times", 1)) for r in inj.get("rules", [])]
        self.lock = threading.Lock()
        self.requests = []
        self.token_uses = {}
        self.valid = {token}
        self.first_token = token
        # The token that expires after inj["expire_after"] uses: the static one, or the first the
        # identity endpoint hands out.
        self.expiring = None if inj.get("identity") else token
        self.issued = []
        self.ops = {}
        arm = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_any(self):
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                arm.handle(self)

            do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_any

        self.server = peers.https_server(Handler, peers.server_context(*ARM_CERT))
        self.endpoint = f"https://127.0.0.1:{self.server.server_address[1]}"
        # Another origin on loopback with the same certificate: a monitor pointed there must not get
        # the token (nor any request).
        self.foreign_seen = []
        seen = self.foreign_seen

        class Foreign(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                seen.append(self.headers.get("Authorization", ""))
                ScriptedArm.reply(self, 200, {"status": "Succeeded"})

        self.foreign = peers.https_server(Foreign, peers.server_context(*ARM_CERT))
        self.foreign_endpoint = f"https://127.0.0.1:{self.foreign.server_address[1]}"
        self.identity = None
        if inj.get("identity"):
            self.identity = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._identity_handler())
            self.identity.daemon_threads = True
            threading.Thread(target=self.identity.serve_forever, daemon=True).start()

    def _identity_handler(self):
        arm = self

        class Identity(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                if self.headers.get("X-IDENTITY-HEADER") != "fault-matrix-header":
                    return self._send(401, {"error": "bad header"})
                with arm.lock:
                    tok = f"{arm.first_token}-{len(arm.issued) + 1}"
                    arm.issued.append(tok)
                    arm.valid.add(tok)
                    if arm.expiring is None:
                        arm.expiring = tok
                self._send(200, {"access_token": tok, "expires_on": str(int(time.time()) + 3600),
                                 "resource": "https://management.azure.com/", "token_type": "Bearer"})

            def _send(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Identity

    def close(self):
        for s in (self.server, self.identity, self.foreign):
            if s:
                s.shutdown()
                s.server_close()

    @staticmethod
    def reply(h, status, body, headers=None, raw=None):
        peers.json_reply(h, status, body, headers, raw)

    def error(self, h, status, code, message, headers=None):
        self.reply(h, status, {"error": {"code": code, "message": message}}, headers)

    def handle(self, h):
        path = h.path.split("?")[0]
        auth = h.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        with self.lock:
            self.requests.append((h.command, path))
            if token not in self.valid:
                expired = token == self.first_token or token in self.issued
                return self.error(h, 401, "ExpiredAuthenticationToken" if expired else "InvalidAuthenticationToken",
                                  "The access token expiry UTC time is earlier than current UTC time."
                                  if expired else "bad token")
            self.token_uses[token] = self.token_uses.get(token, 0) + 1
            limit = self.inj.get("expire_after")
            if limit and token == self.expiring and self.token_uses[token] > limit:
                self.valid.discard(token)
                return self.error(h, 401, "ExpiredAuthenticationToken",
                                  "The access token expiry UTC time is earlier than current UTC time.")
            rule = None
            for r in self.rules:
                if r["left"] != 0 and (r.get("method") in (None, h.command)) and re.search(r["path"], path):
                    r["left"] -= 1
                    rule = r
                    break
        if rule is not None:
            if rule.get("drop_mid_body"):
                h.send_response(200)
                h.send_header("Content-Type", "application/json")
                h.send_header("Content-Length", "5000")
                h.end_headers()
                h.wfile.write(b'{"value": [{"id": "/subscriptions/')
                h.wfile.flush()
                h.close_connection = True
                try:
                    h.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if "body" in rule:
                return self.reply(h, 200, None, raw=rule["body"].encode())
            headers = {"Retry-After": rule["retry_after"]} if "retry_after" in rule else {}
            if rule["status"] == 429:
                headers["x-ms-ratelimit-remaining-subscription-reads"] = "0"
            code = rule.get("code") or {429: "TooManyRequests", 500: "InternalServerError",
                                        503: "ServiceUnavailable", 409: "Conflict"}[rule["status"]]
            return self.error(h, rule["status"], code, f"injected {rule['status']} {code}", headers)
        self.world(h, path)

    def world(self, h, path):
        rg_id = f"/subscriptions/{SUB}/resourceGroups/{RG}"
        if "/op/" in path:
            op = self.ops.get(path.rsplit("/", 1)[1], "ok")
            if op == "forever":
                return self.reply(h, 200, {"status": "InProgress"}, {"Retry-After": "1"})
            if op == "monitor_404":
                return self.error(h, 404, "OperationNotFound", "injected: the operation is gone")
            if op == "fail":
                return self.reply(h, 200, {"status": "Failed", "error": {"code": "InternalServerError",
                                                                         "message": "injected: the operation failed"}})
            return self.reply(h, 200, {"status": "Succeeded"})
        if h.command in ("PUT", "PATCH"):
            lro = self.inj.get("lro", {})
            kind = next((k for k, rx in lro.items() if re.search(rx, path)), "ok")
            if kind == "sync_failed":
                return self.reply(h, 200, {"properties": {"provisioningState": "Failed"}})
            with self.lock:
                op_id = str(len(self.ops) + 1)
                self.ops[op_id] = kind
            monitor = (f"{self.foreign_endpoint}/op/{op_id}" if kind == "foreign" else f"{self.endpoint}/op/{op_id}")
            return self.reply(h, 201, {"properties": {"provisioningState": "Updating"}},
                              {"Azure-AsyncOperation": monitor, "Retry-After": "1"})
        if h.command == "DELETE":
            return self.error(h, 405, "MethodNotAllowed", "the fault matrix never expects a DELETE")
        if path.endswith("/Microsoft.Authorization/permissions"):
            return self.reply(h, 200, {"value": [{"actions": ["*"], "notActions": []}]})
        if path.endswith(f"/sites/{APP}"):
            return self.reply(h, 200, {"id": f"{rg_id}/providers/Microsoft.Web/sites/{APP}", "name": APP,
                                       "location": "West Europe", "properties": {"httpsOnly": True}})
        if path.endswith("/config/web"):
            return self.reply(h, 200, {"properties": {}})
        if path.endswith("/config/appsettings/list"):
            return self.reply(h, 200, {"properties": {"SECRET_SETTING": "do-not-print-me"}})
        vault = {"id": f"{rg_id}/providers/Microsoft.KeyVault/vaults/vdlabkv", "name": "vdlabkv",
                 "location": "westeurope", "properties": {"networkAcls": {"defaultAction": "Deny"}}}
        if path.endswith("/Microsoft.KeyVault/vaults/vdlabkv"):
            return self.reply(h, 200, vault)
        if self.inj.get("paging_loop"):
            if path.endswith("/Microsoft.KeyVault/vaults"):
                return self.reply(h, 200, {"value": [], "nextLink": f"{self.endpoint}/page/1"})
            if path.startswith("/page/"):
                return self.reply(h, 200, {"value": [], "nextLink": f"{self.endpoint}/page/1"})
        if path.endswith("/Microsoft.KeyVault/vaults"):
            return self.reply(h, 200, {"value": [vault]})
        return self.reply(h, 200, {"value": []})


ARM_CERT = None


def arm_env(arm, token, dead_dns):
    env = {"PATH": "/usr/bin:/bin", "WEBSITE_SITE_NAME": APP, "WEBSITE_RESOURCE_GROUP": RG,
           "WEBSITE_OWNER_NAME": f"{SUB}+{RG}-WestEuropewebspace-Linux", "WEBSITE_PRIVATE_IP": "10.0.0.4",
           "VNETDIAG_AZURE_DNS_SERVER": dead_dns}
    if arm.identity:
        env["IDENTITY_ENDPOINT"] = f"http://127.0.0.1:{arm.identity.server_address[1]}/msi/token"
        env["IDENTITY_HEADER"] = "fault-matrix-header"
    else:
        env["AZURE_ACCESS_TOKEN"] = token
    return env


def row_arm(row):
    inj = row["inject"]
    token = fake_token()
    arm = ScriptedArm(inj, token)
    dead = peers.DnsResponder("silent")
    stall = peers.RawPeer("stall") if inj.get("stall") else None
    try:
        env = arm_env(arm, token, dead.server)
        endpoint = arm.endpoint
        if inj.get("stall") == "identity":  # accepts the connection, never answers
            del env["AZURE_ACCESS_TOKEN"]
            env["IDENTITY_ENDPOINT"] = f"http://127.0.0.1:{stall.port}/msi/token"
            env["IDENTITY_HEADER"] = "fault-matrix-header"
        elif inj.get("stall") == "arm":
            endpoint = f"https://127.0.0.1:{stall.port}"
        args = [inj["command"], "-o", "json", "--resolv-conf", "/dev/null", "--proc-environ", "/dev/null",
                "--keyvault", "vdlabkv", "--arm-endpoint", endpoint, "--arm-ca-bundle", ARM_CERT[0],
                "--dns-timeout", "0.3", "--timeout", "5", *inj.get("args", [])]
        if inj["command"] == "fix":
            args += ["--apply", "--yes", "--verify-timeout", "1"]
        r = run_vnetdiag(args, env)
        r["token"] = token
        r["tokens"] = [token] + arm.issued
        extra = [("no DELETE sent", not any(m == "DELETE" for m, _ in arm.requests),
                  [p for m, p in arm.requests if m == "DELETE"])]
        if inj.get("identity"):
            extra.append((f"a new token was fetched ({len(arm.issued)} issued)", len(arm.issued) >= 2, arm.issued))
        if inj.get("expire_after"):
            extra.append(("the expired token was rejected at least once",
                          arm.token_uses.get(arm.expiring, 0) > inj["expire_after"], arm.token_uses))
        text = r["stdout"] + r["stderr"]
        extra.append(("no app setting value in the output", "do-not-print-me" not in text, ""))
        r["requests"] = len(arm.requests)
        if inj.get("stall") == "identity":
            extra.append((f"the stalled token endpoint was asked {len(stall.conns)} time(s), not once per ARM call",
                          1 <= len(stall.conns) <= 2, len(stall.conns)))
            r["summary"] = (", ".join(f"`{i}`" for i in problem_ids(r["report"])) +
                            f"; token endpoint asked {len(stall.conns)}×")
        if "foreign" in inj.get("lro", {}):
            extra.append((f"the foreign monitor got no request ({len(arm.foreign_seen)})", not arm.foreign_seen,
                          ["Authorization present" if a else "no Authorization" for a in arm.foreign_seen]))
        return r, extra, None
    finally:
        arm.close()
        dead.close()
        if stall:
            stall.close()


def steps_of(r):
    rep = r["report"] or {}
    return {s["key"]: s for s in rep.get("applied", [])}


# --- ARM twin: fix --apply under faults or SIGKILL, then again; ARM state before/after ----------

def row_twin(row):
    """fix --apply against the ARM twin (no lab: the data plane cannot verify, so lock-down is
    skipped and exit is 1): the first run suffers the row's faults (twin faults, config such as a
    2-second token lifetime, or SIGKILL after N writes), then the faults are cleared and fix runs
    again; the twin's state before and after is diffed."""
    inj = row["inject"]
    try:
        from twinlib import Twin
    except ImportError as e:
        return None, [], f"the ARM twin cannot be imported: {e}"
    try:
        twin = Twin(inj.get("world", "empty-network"), "--lro-seconds", str(inj.get("lro_seconds", 0.5)),
                    "--retry-after", "1")
    except Exception as e:  # noqa: BLE001 - the reason is reported as the row's skip
        return None, [], f"the ARM twin did not start: {str(e)[:300]}"
    dead = peers.DnsResponder("silent")
    try:
        st, _, app_env = twin.control("GET", "app-env")
        keep = ("WEBSITE_SITE_NAME", "WEBSITE_RESOURCE_GROUP", "WEBSITE_OWNER_NAME", "WEBSITE_PRIVATE_IP",
                "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "VNETDIAG_ARM_ENDPOINT", "VNETDIAG_ARM_CA_BUNDLE")
        env = {"PATH": "/usr/bin:/bin", "VNETDIAG_AZURE_DNS_SERVER": dead.server}
        for line in app_env["text"].splitlines():
            k, _, v = line.partition("=")
            if k in keep:
                env[k] = v
        for k in ("IDENTITY_ENDPOINT", "VNETDIAG_ARM_ENDPOINT"):
            host = urllib.parse.urlsplit(env.get(k, "")).hostname
            if host != "127.0.0.1":
                return None, [], f"{k} is not on loopback ({host}): refusing to run"
        args = ["fix", "--resolv-conf", "/dev/null", "--proc-environ", "/dev/null", "--keyvault", "vdlabkv",
                "--cognitive", "vdlabcs", "--dns-timeout", "0.3", "--timeout", "3", "--verify-timeout", "1"]
        if inj.get("config"):
            twin.control("POST", "config", inj["config"])
        before = twin.control("GET", "state")[2]
        twin.control("DELETE", "journal")
        if inj.get("faults"):
            st, _, b = twin.control("POST", "faults", inj["faults"])
            if st != 200:
                return None, [], f"the twin refused the faults: {b}"

        def writes():
            entries = twin.control("GET", "journal")[2]
            entries = entries.get("entries", entries) if isinstance(entries, dict) else entries
            return [e for e in entries if e.get("method") in ("PUT", "PATCH", "DELETE")]

        extra = []
        start = time.monotonic()
        kill_after = inj.get("kill_after_writes")
        if kill_after:
            victim = subprocess.Popen([VNETDIAG, *args, "--apply", "--yes"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, env=env, stdin=subprocess.DEVNULL)
            while time.monotonic() - start < 60 and len(writes()) < kill_after and victim.poll() is None:
                time.sleep(0.05)  # polling the twin's journal: the readiness condition is "N writes sent"
            killed_after = len(writes())
            was_running = victim.poll() is None
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            extra.append((f"killed while running, after {killed_after} writes",
                          was_running and killed_after >= kill_after, killed_after))
            first = None
        else:
            first = run_vnetdiag([*args, "--apply", "--yes", "-o", "json", *inj.get("args", [])], env, timeout=150)
        if (inj.get("config") or {}).get("token_lifetime"):
            entries = twin.control("GET", "journal")[2]
            entries = entries.get("entries", entries) if isinstance(entries, dict) else entries
            tokens = sum(1 for e in entries if e.get("kind") == "managed-identity")
            extra.append((f"{tokens} tokens fetched during the run (they expired)", tokens >= 2, tokens))
        twin.control("DELETE", "faults")
        if inj.get("config_after"):
            twin.control("POST", "config", inj["config_after"])
        again = None
        if inj.get("rerun", True):
            again = run_vnetdiag([*args, "--apply", "--yes", "-o", "json"], env, timeout=150)
            extra.append(("re-run: every step before lock-down ok",
                          again["report"] is not None and all(
                              s["outcome"] == "ok" for k, s in steps_of(again).items() if not k.startswith("lockdown")),
                          [s for s in steps_of(again).values() if s["outcome"] != "ok"] or again["stderr"][-300:]))
            plan = run_vnetdiag([*args, "-o", "json"], env, timeout=60)
            left = sorted(s["key"] for s in ((plan["report"] or {}).get("plan") or {}).get("steps", []))
            extra.append((f"then only the lock-down is left to do ({left})",
                          plan["report"] is not None and all(k.startswith("lockdown") for k in left), left))
        after = twin.control("GET", "state")[2]
        lost = diff_state(before, after)
        deletes = [e["path"] for e in writes() if e.get("method") == "DELETE"]
        extra += [("no DELETE sent", not deletes, deletes),
                  ("ARM state: nothing lost, nothing duplicated", lost["ok"], lost)]
        r = dict(first or again)
        if kill_after:
            r["elapsed"] = time.monotonic() - start
            r["summary"] = (f"killed after {killed_after} writes; re-run: " +
                            ", ".join(f"{len([1 for s in steps_of(again).values() if s['outcome'] == o])} {o}"
                                      for o in ("ok", "failed", "skipped")))
        r["nothing_lost"] = lost
        r["tokens"] = ["eyJ0eXAi", env.get("IDENTITY_HEADER") or "no-header"]
        r["stdout"] = (first or {}).get("stdout", "") + (again or {}).get("stdout", "")
        r["stderr_all"] = (first or {}).get("stderr", "") + (again or {}).get("stderr", "")
        if again is not None and not kill_after:
            extra.append(("no token in the re-run's output", "eyJ0eXAi" not in again["stdout"] + again["stderr"], ""))
        return r, extra, None
    finally:
        dead.close()
        twin.stop()


def twin_env(twin, dead):
    """vnetdiag's environment from the twin's app environment: platform names, the managed
    identity and the twin's ARM; Azure DNS is a silent loopback port, nothing else."""
    st, _, app_env = twin.control("GET", "app-env")
    keep = ("WEBSITE_SITE_NAME", "WEBSITE_RESOURCE_GROUP", "WEBSITE_OWNER_NAME", "WEBSITE_PRIVATE_IP",
            "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "VNETDIAG_ARM_ENDPOINT", "VNETDIAG_ARM_CA_BUNDLE")
    env = {"PATH": "/usr/bin:/bin", "VNETDIAG_AZURE_DNS_SERVER": dead.server}
    for line in app_env["text"].splitlines():
        k, _, v = line.partition("=")
        if k in keep:
            env[k] = v
    for k in ("IDENTITY_ENDPOINT", "VNETDIAG_ARM_ENDPOINT"):
        if urllib.parse.urlsplit(env.get(k, "")).hostname != "127.0.0.1":
            raise RuntimeError(f"{k} is not on loopback: refusing to run")
    return env


def row_twin_check(row):
    """check against the twin's healthy world, then again with one read failing for good: the
    failed read is named (arm.read_incomplete) and no finding appears that the healthy run did
    not have -- an unread resource is never judged missing, unlinked, stale or public."""
    inj = row["inject"]
    try:
        from twinlib import Twin
        twin = Twin(inj.get("world", "tutorial-complete"), "--lro-seconds", "0.2", "--retry-after", "1")
    except Exception as e:  # noqa: BLE001 - the reason is reported as the row's skip
        return None, [], f"the ARM twin did not start: {str(e)[:300]}"
    dead = peers.DnsResponder("silent")
    try:
        env = twin_env(twin, dead)
        args = ["check", "-o", "json", "--resolv-conf", "/dev/null", "--proc-environ", "/dev/null", "--keyvault",
                "vdlabkv", "--cognitive", "vdlabcs", "--dns-timeout", "0.3", "--timeout", "3"]
        baseline = run_vnetdiag(args, env)
        base_ids = set(problem_ids(baseline["report"]))
        faults = [dict(f, forever=True) for f in inj["faults"]]
        st, _, b = twin.control("POST", "faults", faults)
        if st != 200:
            return None, [], f"the twin refused the faults: {b}"
        r = run_vnetdiag(args, env)
        ids = set(problem_ids(r["report"]))
        new = sorted(ids - base_ids - {"arm.read_incomplete"})
        r["tokens"] = ["eyJ0eXAi", env.get("IDENTITY_HEADER") or "no-header"]
        gaps = sum(1 for f in (r["report"] or {}).get("findings", []) if f["id"] == "arm.read_incomplete")
        r["summary"] = (f"healthy: {', '.join(f'`{i}`' for i in sorted(base_ids))}; faulted: + `arm.read_incomplete` ×{gaps}"
                        + (f"; NEW: {new}" if new else "; nothing else new"))
        extra = [("the healthy world reads completely", baseline["report"] is not None and
                  "arm.read_incomplete" not in base_ids, sorted(base_ids)),
                 (f"no finding the healthy run did not have ({new})", not new, new)]
        return r, extra, None
    finally:
        dead.close()
        twin.stop()


def diff_state(before, after):
    """What the ARM twin lost or duplicated between two GET /_twin/state snapshots."""
    b = {r["id"].lower(): r for r in before["resources"]}
    a = {r["id"].lower(): r for r in after["resources"]}
    deleted = sorted(set(b) - set(a))
    changed_settings = [i for i in b if i.endswith("/config/appsettings") and
                        (b[i]["body"].get("properties") != (a.get(i) or {}).get("body", {}).get("properties"))]
    ip_rules_before = {i: (r["body"].get("properties", {}).get("networkAcls") or {}).get("ipRules")
                       for i, r in b.items() if r["type"].lower() == "microsoft.keyvault/vaults"}
    ip_rules_lost = [i for i, rules in ip_rules_before.items()
                     if rules and not all(x in ((a.get(i) or {}).get("body", {}).get("properties", {})
                                                .get("networkAcls") or {}).get("ipRules", []) for x in rules)]
    subnets_before = {i for i, r in b.items() if r["type"].lower().endswith("/subnets")}
    # Subnets fix has no business with keep every property (NSG, service endpoints, prefix).
    volatile = ("provisioningstate", "etag", "ipconfigurations", "serviceassociationlinks", "privateendpoints")

    def stable(r):
        return {k: v for k, v in ((r or {}).get("body", {}).get("properties") or {}).items() if k.lower() not in volatile}
    other_subnets_changed = [i for i in subnets_before if i in a and not i.endswith("/vnet-integration-subnet")
                             and not i.endswith("/private-endpoint-subnet") and stable(b[i]) != stable(a[i])]
    # Duplicates: more than one VNet, endpoint per target, zone group per endpoint, link per zone.
    def count(kind):
        return [r for r in a.values() if r["type"].lower() == kind]
    endpoints = count("microsoft.network/privateendpoints")
    targets = [((e["body"].get("properties", {}).get("privateLinkServiceConnections") or
                 e["body"].get("properties", {}).get("manualPrivateLinkServiceConnections") or [{}])[0]
                .get("properties", {}).get("privateLinkServiceId", "")).lower() for e in endpoints]
    links = count("microsoft.network/privatednszones/virtualnetworklinks")
    link_zones = ["/".join(r["id"].lower().split("/")[:-2]) for r in links]
    groups = count("microsoft.network/privateendpoints/privatednszonegroups")
    group_parents = ["/".join(r["id"].lower().split("/")[:-2]) for r in groups]
    duplicates = {
        "vnets": len(count("microsoft.network/virtualnetworks")) if len(count("microsoft.network/virtualnetworks")) > 1 else 0,
        "endpoints per target": sorted({t for t in targets if targets.count(t) > 1}),
        "links per zone": sorted({z for z in link_zones if link_zones.count(z) > 1}),
        "zone groups per endpoint": sorted({g for g in group_parents if group_parents.count(g) > 1}),
    }
    ok = not deleted and not changed_settings and not ip_rules_lost and not any(duplicates.values()) and \
        subnets_before <= set(a) and not other_subnets_changed
    return {"ok": ok, "deleted": deleted, "app_settings_changed": changed_settings, "ip_rules_lost": ip_rules_lost,
            "subnets_lost": sorted(subnets_before - set(a)), "other_subnets_changed": other_subnets_changed,
            "subnets": len(subnets_before), "duplicates": duplicates,
            "resources": f"{len(b)} before, {len(a)} after"}


# --- serve: 64 concurrent clients + slowloris + malformed requests, at once ----------------------

_storm = {}
_storm_lock = threading.Lock()

MALFORMED = [
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00\xff\r\n\r\n",
    b"GET /livez HTTP/9.9\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET /livez HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n",
    b"G\x00T /livez HTTP/1.1\r\n\r\n",
    b"GET /livez HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n",
    b"GET /livez HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(2000)) + b"\r\n",
    b"GET " + b"/" * 70000 + b" HTTP/1.1\r\n\r\n",
    b"GET /livez HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n",
    b"GET /livez HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n",
    b"\r\n\r\n\r\n\r\n",
    b"GET /livez\xff\xfe HTTP/1.1\r\nHost: \x00\r\n\r\n",
]


def _raw(port, data, timeout=10.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    try:
        s.sendall(data)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk
    except socket.timeout:
        return out + b"<timeout>"
    except (ConnectionResetError, BrokenPipeError):
        return out + b"<reset>"
    finally:
        s.close()


def serve_storm():
    with _storm_lock:
        if not _storm:
            _storm.update(_run_storm())
        return _storm


def _run_storm():
    dns = peers.DnsResponder("ok")
    cert, key = PKI[1]["good"]
    tls = peers.TlsServer(cert=cert, key=key)
    proc = subprocess.Popen([VNETDIAG, "serve", "--listen", "127.0.0.1:0", "--interval", "1", "--target",
                             f"api.test:{tls.port}", "--dns-server", dns.server, "--resolv-conf", "/dev/null",
                             "--proc-environ", "/dev/null", "--ca-bundle", PKI[0], "--no-arm", *BUDGETS],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={"PATH": "/usr/bin:/bin"})
    result = {"error": None}
    try:
        port = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if "serving http://" in line:
                port = int(line.split("serving http://", 1)[1].split()[0].rsplit(":", 1)[1])
                break
            if not line and proc.poll() is not None:
                break
        if port is None:
            result["error"] = "serve did not start"
            return result
        threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()

        def get(path):
            t0 = time.monotonic()
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                c.request("GET", path)
                r = c.getresponse()
                r.read()
                c.close()
                return r.status, time.monotonic() - t0
            except (OSError, http.client.HTTPException) as e:
                return f"{type(e).__name__}", time.monotonic() - t0

        # Wait for the first check, so /readyz means something at the end.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and get("/readyz")[0] != 200:
            time.sleep(0.1)
        go = threading.Barrier(64 + 16 + 4, timeout=20)
        livez, slow_cut, malformed = [], [], []
        stop_malformed = threading.Event()

        def client():
            go.wait()
            for _ in range(5):
                livez.append(get("/livez"))
                time.sleep(0.8)  # pacing: the 5 requests span the slowloris clients' lifetime

        def slowloris():
            s = socket.create_connection(("127.0.0.1", port), timeout=20)
            s.sendall(b"GET /livez HTTP/1.1\r\nHost: a\r\n")
            go.wait()
            start = time.monotonic()
            s.settimeout(1)
            try:
                for i in range(20):
                    try:
                        if s.recv(1024) == b"":
                            break
                    except socket.timeout:
                        pass
                    s.sendall(b"X-Slow-%d: 1\r\n" % i)
            except OSError:
                pass
            slow_cut.append(time.monotonic() - start)
            s.close()

        def bad(k):
            go.wait()
            i = k
            while not stop_malformed.is_set():
                data = MALFORMED[i % len(MALFORMED)]
                out = _raw(port, data)
                malformed.append((i % len(MALFORMED), out[:40]))
                i += 1

        t0 = time.monotonic()
        threads = ([threading.Thread(target=client) for _ in range(64)] +
                   [threading.Thread(target=slowloris) for _ in range(16)] +
                   [threading.Thread(target=bad, args=(k,)) for k in range(4)])
        for t in threads:
            t.start()
        for t in threads[:80]:
            t.join(40)
        stop_malformed.set()
        for t in threads[80:]:
            t.join(20)
        result.update(elapsed=time.monotonic() - t0, livez=livez, slow_cut=slow_cut, malformed=malformed,
                      alive=proc.poll() is None, readyz=get("/readyz")[0], livez_after=get("/livez")[0])
        return result
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                result["sigterm_rc"] = proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                result["sigterm_rc"] = "hang"
        dns.close()
        tls.close()


def row_serve_storm(row):
    s = serve_storm()
    if s.get("error"):
        return {"rc": "n/a", "stdout": "", "stderr": s["error"], "elapsed": 0, "report": None}, \
            [(s["error"], False, "")], None
    part = row["inject"]["part"]
    r = {"rc": s.get("sigterm_rc"), "stdout": "", "stderr": "", "elapsed": s["elapsed"], "report": None,
         "no_stderr_check": True}
    extra = [("serve still running after the storm", s["alive"], ""),
             ("/livez and /readyz 200 after the storm", s["livez_after"] == 200 and s["readyz"] == 200,
              (s["livez_after"], s["readyz"])),
             ("SIGTERM afterwards: exit 0", s.get("sigterm_rc") in (0, None), s.get("sigterm_rc"))]
    if part == "concurrent":
        statuses = [st for st, _ in s["livez"]]
        slowest = max((t for _, t in s["livez"]), default=99)
        ok200 = statuses.count(200)
        extra += [(f"{ok200} of 320 /livez answered 200", ok200 == 320, sorted(set(map(str, statuses)))),
                  (f"slowest /livez {slowest:.2f} s (< 2 s)", slowest < 2.0, slowest)]
        r["summary"] = f"{ok200}/320 livez 200, slowest {slowest:.2f} s"
    elif part == "slowloris":
        worst = max(s["slow_cut"], default=99)
        extra += [(f"{len(s['slow_cut'])} of 16 slowloris clients cut, the last after {worst:.1f} s (< 7.5 s)",
                   len(s["slow_cut"]) == 16 and worst < 7.5, s["slow_cut"])]
        r["summary"] = f"16/16 cut, worst {worst:.1f} s" if len(s["slow_cut"]) == 16 else f"{len(s['slow_cut'])}/16 cut"
    else:
        accepted = (b"HTTP/1.1 400", b"HTTP/1.1 431", b"HTTP/1.1 413", b"HTTP/1.1 414", b"HTTP/1.1 405",
                    b"HTTP/1.1 501", b"HTTP/1.0 400")
        wrong = [(i, out) for i, out in s["malformed"]
                 if not (out.startswith(accepted) or out in (b"", b"<reset>"))]
        extra += [(f"{len(s['malformed'])} malformed requests: each 4xx/5xx or closed", s["malformed"] and not wrong,
                   wrong[:5])]
        kinds = {}
        for _, out in s["malformed"]:
            k = out[:12].decode(errors="replace") if out.startswith(b"HTTP/") else (out or b"close").decode()
            kinds[k] = kinds.get(k, 0) + 1
        r["summary"] = (f"{len(s['malformed'])} sent, {len(wrong)} wrong: " +
                        ", ".join(f"{k.strip()} ×{v}" for k, v in sorted(kinds.items())))
    return r, extra, None


def _children(pid):
    kids = set()
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids.update(int(k) for k in f.read().split())
    except OSError:
        pass
    return kids


def row_serve_child(row):
    """vnetdiag serve runs each check in a child process: the child is SIGKILLed, or SIGSTOPped
    (a hang), in the middle of a check (DNS never answers, so it is certainly in flight). The
    server must stay up, /livez answer throughout, the cycle be logged as failed, and /readyz
    come back once the world is healthy again."""
    inj = row["inject"]
    dns = peers.DnsResponder("silent")
    cert, key = PKI[1]["good"]
    tls = peers.TlsServer(cert=cert, key=key)
    proc = subprocess.Popen([VNETDIAG, "serve", "--listen", "127.0.0.1:0", "--interval", "1", "--target",
                             f"api.test:{tls.port}", "--dns-server", dns.server, "--resolv-conf", "/dev/null",
                             "--proc-environ", "/dev/null", "--ca-bundle", PKI[0], "--no-arm", "--timeout", "3",
                             "--dns-timeout", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={"PATH": "/usr/bin:/bin"})
    logs, errs = [], []
    listening = threading.Event()

    def read_out():
        for line in proc.stdout:
            logs.append(line)

    def read_err():
        for line in proc.stderr:
            errs.append(line)
            if "serving http://" in line:
                listening.set()

    threading.Thread(target=read_out, daemon=True).start()
    threading.Thread(target=read_err, daemon=True).start()

    def status(path):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
            c.request("GET", path)
            st = c.getresponse().status
            c.close()
            return st
        except (OSError, http.client.HTTPException) as e:
            return type(e).__name__

    try:
        if not listening.wait(10):
            return None, [], f"serve did not start: {''.join(errs)[-300:]}"
        line = next(l for l in errs if "serving http://" in l)
        port = int(line.split("serving http://", 1)[1].split()[0].rsplit(":", 1)[1])
        if not dns.unanswered.wait(10):
            return None, [], "no check reached the DNS peer"
        kids = set()
        deadline = time.monotonic() + 5
        while not kids and time.monotonic() < deadline:
            kids = _children(proc.pid)
            time.sleep(0.02)  # the child exists by the time its DNS query arrived; /proc may lag a moment
        if not kids:
            return None, [], "could not find the check's child process"
        logged_before = len(logs)
        sig = signal.SIGKILL if inj["signal"] == "KILL" else signal.SIGSTOP
        start = time.monotonic()
        for k in kids:
            os.kill(k, sig)
        dns.mode = "ok"
        livez = []
        ready_after = None
        while time.monotonic() - start < row["expect"]["max_seconds"]:
            livez.append(status("/livez"))
            if status("/readyz") == 200:
                ready_after = time.monotonic() - start
                break
            time.sleep(0.2)  # sampling /livez while the server recovers: the samples are the measurement
        failed_lines = [l for l in logs[logged_before:] if "signal 9" in l or "was stopped" in l or "took longer" in l]
        r = {"rc": 0 if proc.poll() is None else proc.returncode, "stdout": "", "stderr": "",
             "elapsed": ready_after if ready_after is not None else time.monotonic() - start, "report": None,
             "no_stderr_check": True}
        bad_livez = [x for x in livez if x != 200]
        r["summary"] = (f"child {'killed' if sig == signal.SIGKILL else 'stopped'}; cycle logged as "
                        f"{'failed' if failed_lines else 'NOT failed'}; /livez {len(livez) - len(bad_livez)}/{len(livez)} "
                        f"200; /readyz 200 after {ready_after and round(ready_after, 1)} s")
        extra = [("serve still running", proc.poll() is None, proc.returncode),
                 (f"/livez answered 200 all along ({len(livez)} samples)", not bad_livez, bad_livez[:5]),
                 ("the killed cycle is logged as failed", bool(failed_lines), logs[logged_before:][-3:]),
                 ("/readyz 200 again once DNS answers", ready_after is not None, ready_after)]
        if sig == signal.SIGSTOP:
            extra.append(("the stopped child was reaped", all(not os.path.exists(f"/proc/{k}") or
                                                               open(f"/proc/{k}/stat").read().split(") ")[1][0] == "Z"
                                                               for k in kids), sorted(kids)))
        return r, extra, None
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        dns.close()
        tls.close()


RUNNERS = {"dns": row_dns, "tcp": row_tcp, "tls": row_tls, "http": row_http, "arm": row_arm,
           "twin": row_twin, "twin_check": row_twin_check, "serve_storm": row_serve_storm,
           "serve_child": row_serve_child}


# --- Judging --------------------------------------------------------------------------------------

def expected_text(row):
    e = row["expect"]
    parts = []
    if e.get("findings"):
        parts.append(" + ".join(f"`{f}`" for f in e["findings"]))
    if e.get("any_of"):
        parts.append("one of " + ", ".join(f"`{f}`" for f in e["any_of"]))
    if e.get("absent"):
        parts.append("never " + ", ".join(f"`{f}`" for f in e["absent"]))
    if "only" in e:
        parts.append("nothing but " + (", ".join(f"`{f}`" for f in e["only"]) or "ok"))
    if e.get("step_failed"):
        parts.append("; ".join(f"step `{k}` failed: {v}" for k, v in e["step_failed"].items()))
    if e.get("dependents_skipped"):
        parts.append("dependent steps skipped")
    if e.get("steps_ok"):
        parts.append("steps ok")
    if e.get("exit"):
        parts.append("exit " + "/".join(map(str, e["exit"])))
    if e.get("behaviour"):
        parts.append(e["behaviour"])
    parts.append(f"≤ {e['max_seconds']} s")
    return "; ".join(parts)


def judge(row):
    e = row["expect"]
    _row.timeout = max(20, 2 * e["max_seconds"] + 10)
    start = time.monotonic()
    try:
        r, extra, skip = RUNNERS[row["inject"]["kind"]](row)
    except Exception as ex:  # noqa: BLE001 - a driver error fails the row, not the whole matrix
        import traceback
        traceback.print_exc()
        r, extra, skip = {"rc": "driver error", "stdout": "", "stderr": str(ex), "elapsed": time.monotonic() - start,
                          "report": None}, [(f"driver error: {type(ex).__name__}: {ex}", False, "")], None
    if skip:
        return {"id": row["id"], "layer": row["layer"], "fault": row["fault"], "expected": expected_text(row),
                "status": "skip", "reason": skip, "checks": [], "exit": None, "findings": [], "elapsed": None,
                "nothing_lost": "not run"}
    ids = problem_ids(r["report"])
    checks = []
    rc = r["rc"]
    if not row["inject"]["kind"].startswith("serve"):
        checks.append((f"no crash or hang (exit {rc})", isinstance(rc, int) and 0 <= rc <= 3, r["stderr"][-300:]))
        if e.get("exit"):
            checks.append((f"exit {rc} in {e['exit']}", rc in e["exit"], r["stderr"][-300:]))
        if not r.get("no_stderr_check"):
            lines = [l for l in r["stderr"].splitlines() if l.strip()]
            checks.append((f"stderr at most one line ({len(lines)})", len(lines) <= 1, r["stderr"][-500:]))
        checks.append(("JSON report on stdout", r["report"] is not None, r["stdout"][:300]))
    for f in e.get("findings", []):
        checks.append((f"finding {f}", f in ids, ids))
    if e.get("any_of"):
        checks.append((f"one of {e['any_of']}", any(f in ids for f in e["any_of"]), ids))
    for f in e.get("absent", []):
        checks.append((f"no {f}", f not in ids, ids))
    if "only" in e:
        checks.append((f"no finding but {e['only']}", set(ids) <= set(e["only"]), ids))
    steps = steps_of(r) if r.get("report") else {}
    for key, code in (e.get("step_failed") or {}).items():
        s = steps.get(key, {})
        checks.append((f"step {key} failed naming {code}", s.get("outcome") == "failed" and code in s.get("message", ""), s))
    if e.get("dependents_skipped"):
        checks.append(("dependent steps skipped, lock-down not run",
                       any(s["outcome"] == "skipped" for s in steps.values()) and
                       all(s["outcome"] != "ok" for k, s in steps.items() if k.startswith("lockdown")),
                       sorted((k, s["outcome"]) for k, s in steps.items())))
    if e.get("steps_ok"):
        checks.append(("every step before lock-down ok", steps and all(
            s["outcome"] == "ok" for k, s in steps.items() if not k.startswith("lockdown")),
            sorted((k, s["outcome"], s["message"][:80]) for k, s in steps.items())))
    elapsed = r["elapsed"]
    checks.append((f"within {e['max_seconds']} s ({elapsed:.1f} s)", elapsed <= e["max_seconds"], elapsed))
    if "min_seconds" in e:
        checks.append((f"waited at least {e['min_seconds']} s as asked", elapsed >= e["min_seconds"], elapsed))
    tokens = r.get("tokens") or ([r["token"]] if r.get("token") else [])
    if tokens:
        text = r["stdout"] + r["stderr"]
        checks.append(("no token in stdout/stderr", not any(t in text for t in tokens), ""))
    checks += extra
    failed = [(n, d) for n, ok, d in checks if not ok]
    if row["inject"]["kind"] == "twin":
        lost = r.get("nothing_lost", {})
        nothing_lost = ("kept: " if lost.get("ok") else "LOST: ") + \
            (f"{lost.get('resources')} resources, 0 deleted, 0 duplicated; app settings, vault IP rules and "
             f"{lost.get('subnets')} pre-existing subnet(s) unchanged"
             if lost.get("ok") else json.dumps({k: v for k, v in lost.items() if v and k != "ok"})[:300])
    elif row["inject"]["kind"] == "arm":
        nothing_lost = "no DELETE sent, token and app setting values not in output" if not [
            n for n, _ in failed if "DELETE" in n or "token" in n or "app setting" in n] else "FAILED"
        if row["inject"]["command"] == "check":
            nothing_lost += "; unread lists not judged" if "arm.read_incomplete" in ids else ""
    elif row["inject"]["kind"].startswith("serve"):
        nothing_lost = "server up, /livez and /readyz 200 after" if all(
            ok for n, ok, _ in extra[:2]) else "FAILED"
    else:
        nothing_lost = "n/a (read-only)"
    if steps:
        by = {o: sorted(k for k, st in steps.items() if st["outcome"] == o) for o in ("ok", "failed", "skipped")}
        outcome = f"steps: {len(by['ok'])} ok, {len(by['skipped'])} skipped"
        for k in by["failed"]:
            outcome += f"; `{k}` failed: {steps[k]['message'][:70]}"
    else:
        outcome = r.get("summary") or (", ".join(f"`{i}`" for i in ids) or "no finding")
    if r.get("summary") and steps:
        outcome = r["summary"]
    return {"id": row["id"], "layer": row["layer"], "fault": row["fault"], "expected": expected_text(row),
            "status": "pass" if not failed else "fail", "exit": rc if isinstance(rc, int) else str(rc),
            "findings": ids, "outcome": outcome, "elapsed": round(elapsed, 1), "nothing_lost": nothing_lost,
            "checks": [{"name": n, "ok": bool(ok), "detail": "" if ok else str(d)[:800]} for n, ok, d in checks]}


def main():
    global VNETDIAG, WORK, PKI, ARM_CERT
    ap = argparse.ArgumentParser()
    ap.add_argument("vnetdiag")
    ap.add_argument("results_dir")
    ap.add_argument("--only", help="regex on row ids")
    ap.add_argument("--jobs", type=int, default=6)
    args = ap.parse_args()
    VNETDIAG = os.path.abspath(args.vnetdiag)
    if not os.access(VNETDIAG, os.X_OK):
        skip_or_fail(f"{VNETDIAG} is not an executable", "the fault matrix")
    if shutil.which("openssl") is None:
        skip_or_fail("openssl is missing", "the fault matrix")
    rows = json.load(open(os.path.join(HERE, "matrix.json")))["rows"]
    if args.only:
        rows = [r for r in rows if re.search(args.only, r["id"])]
    WORK = tempfile.mkdtemp(prefix="vnetdiag-faults-")
    try:
        PKI = make_certs(WORK)
        arm_dir = os.path.join(WORK, "arm")
        os.makedirs(arm_dir)
        ARM_CERT = peers.loopback_https_pki(arm_dir)
        t0 = time.monotonic()
        # The long rows first, so they overlap the many short ones.
        order = sorted(range(len(rows)), key=lambda i: -rows[i]["expect"]["max_seconds"])
        results = [None] * len(rows)
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = {pool.submit(judge, rows[i]): i for i in order}
            for f in concurrent.futures.as_completed(futures):
                i = futures[f]
                res = results[i] = f.result()
                print(f"{res['status']:4} {res['id']:26} exit {res['exit']} {res['elapsed']} s "
                      f"{res.get('outcome') or res.get('reason')}", flush=True)
        total = time.monotonic() - t0
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(args.results_dir, exist_ok=True)
    with open(os.path.join(args.results_dir, "fault_matrix.json"), "w") as f:
        json.dump({"rows": results, "seconds": round(total, 1)}, f, indent=1)
    with open(os.path.join(args.results_dir, "fault_matrix.md"), "w") as f:
        f.write(render_readme.table({"rows": results, "seconds": round(total, 1)}))
    print(f"matrix: {len(results)} rows in {total:.1f} s; results in {args.results_dir}/fault_matrix.{{json,md}}")
    for res in results:
        if res["status"] == "skip":
            if os.environ.get("CI") == "true":
                check(f"{res['id']}: {res['fault']}", False, f"skipped under CI=true: {res['reason']}")
            else:
                print(f"SKIP {res['id']}: {res['reason']}")
            continue
        bad = [c for c in res["checks"] if not c["ok"]]
        check(f"{res['id']}: {res['fault']} -> {res['outcome']}", not bad,
              "; ".join(f"{c['name']}: {c['detail']}" for c in bad))
    if all(r["status"] == "skip" for r in results):
        skip_or_fail("no row of the fault matrix could run", "the fault matrix")
    finish()


if __name__ == "__main__":
    main()
