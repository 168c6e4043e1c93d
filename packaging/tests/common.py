"""Shared pieces of the packaging tests: the tally, the skip rule, Debian roots (through
packaging/lib/roots.sh) and loopback peers (a DNS responder and TLS servers on 127.0.0.1)."""
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

PACKAGING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOTS_SH = os.path.join(PACKAGING, "lib", "roots.sh")
SKIP = 77


class Tally:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = []
        self.t0 = time.monotonic()

    def check(self, what, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed.append(what)
            print(f"FAIL {what}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def finish(self):
        print(f"{self.name}: {time.monotonic() - self.t0:.0f} s")
        print(f"{self.passed} passed, {len(self.failed)} failed")
        sys.exit(1 if self.failed else 0)


def skip_or_fail(reason):
    """Without what a test needs: SKIP (exit 77) on a developer's machine, a failure in CI."""
    if os.environ.get("CI") == "true":
        print(f"FAIL: {reason} (CI=true: the packaging tests must run)")
        print("0 passed, 1 failed")
        sys.exit(1)
    print("*" * 72)
    print(f"SKIP: {reason}")
    print("*" * 72)
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(SKIP)


def require_roots():
    missing = bash("roots_requirements", capture=True).stdout.strip()
    if missing:
        skip_or_fail(f"Debian roots cannot be made here, missing: {missing}")


def bash(script, *args, capture=False, check=False, timeout=1200):
    """Runs a bash snippet with roots.sh sourced; args are $1..."""
    return subprocess.run(["bash", "-c", f"set -euo pipefail; source {ROOTS_SH}; {script}", "bash", *args],
                          capture_output=capture, text=True, check=check, timeout=timeout)


def ensure_root(name, suite, *packages):
    t0 = time.monotonic()
    r = bash('roots_ensure "$@"', name, suite, *packages)
    if r.returncode != 0:
        raise RuntimeError(f"cannot make the {suite} root {name}")
    print(f"root {name} ready ({time.monotonic() - t0:.0f} s)", flush=True)


def run_fresh(name, tmp, binds, command, timeout=600):
    """Runs command (a list) in a throw-away overlay of root NAME; binds: [(kind, src, dst)]."""
    args = []
    for kind, src, dst in binds:
        args += [kind, src, dst]
    return subprocess.run(["bash", "-c", f'source {ROOTS_SH}; roots_fresh "$@"', "bash", name, tmp, *args,
                           "--", *command], capture_output=True, text=True, timeout=timeout)


# ---- loopback peers -------------------------------------------------------------------------

def _dns_reply(query):
    """A 127.0.0.1 for any name, an empty NOERROR for any other type."""
    qid, question = query[:2], query[12:]
    qtype = struct.unpack("!H", question[-4:-2])[0]
    if qtype != 1:
        return qid + b"\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00" + question
    return (qid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + question +
            b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01")


def _serve_dns(sock):
    while True:
        try:
            data, peer = sock.recvfrom(512)
        except OSError:
            return
        if len(data) > 12:
            sock.sendto(_dns_reply(data), peer)


def _serve_tls(listener, context):
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        try:
            conn.settimeout(5)
            tls = context.wrap_socket(conn, server_side=True)
            tls.recv(4096)
            tls.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n"
                        b"WWW-Authenticate: Bearer\r\nConnection: close\r\n\r\n")
            tls.close()
        except (OSError, ssl.SSLError):
            conn.close()


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


class Peers:
    """A DNS responder and two HTTPS servers on 127.0.0.1: 'healthy' with a certificate from a
    test CA (ca_file) for healthy.test, 'untrusted' with a self-signed one; and a closed port."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vnetdiag-peers-")
        d = self.dir
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                 "-days", "30", "-subj", "/CN=vnetdiag packaging test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign", cwd=d)
        with open(os.path.join(d, "leaf.ext"), "w") as f:
            f.write("subjectAltName=DNS:healthy.test,DNS:untrusted.test\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n")
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr",
                 "-subj", "/CN=healthy.test", cwd=d)
        _openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", "leaf.pem", "-days", "30", "-extfile", "leaf.ext", cwd=d)
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-out", "self.pem",
                 "-days", "30", "-subj", "/CN=untrusted.test", "-addext", "subjectAltName=DNS:untrusted.test", cwd=d)
        self.ca_file = os.path.join(d, "ca.pem")

        self._dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._dns.bind(("127.0.0.1", 0))
        threading.Thread(target=_serve_dns, args=(self._dns,), daemon=True).start()
        self.dns_port = self._dns.getsockname()[1]

        self.ports = {}
        self._listeners = []
        for name, cert, key in (("healthy", "leaf.pem", "leaf.key"), ("untrusted", "self.pem", "self.key")):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(d, cert), os.path.join(d, key))
            listener = socket.socket()
            listener.bind(("127.0.0.1", 0))
            listener.listen(16)
            threading.Thread(target=_serve_tls, args=(listener, ctx), daemon=True).start()
            self._listeners.append(listener)
            self.ports[name] = listener.getsockname()[1]
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        self.ports["refused"] = closed.getsockname()[1]
        closed.close()

    def target(self, name):
        host = {"refused": "refused.test"}.get(name, f"{name}.test")
        return f"{host}:{self.ports[name]}"

    def check_args(self, name, ca_file=None):
        """check options that keep every query on the loopback responder."""
        args = ["check", "--resolv-conf", "/dev/null", "--proc-environ", "/dev/null", "--no-arm",
                "--dns-server", f"127.0.0.1:{self.dns_port}", "--azure-dns-server", f"127.0.0.1:{self.dns_port}",
                "--target", self.target(name), "--timeout", "8", "--dns-timeout", "1", "-o", "json"]
        if ca_file:
            args += ["--ca-bundle", ca_file]
        return args


def summary(stdout, returncode):
    """(exit code, verdict, sorted non-ok (id, severity)) of a JSON report, or an error text."""
    try:
        report = json.loads(stdout)
    except ValueError:
        return (returncode, "no JSON report", ())
    findings = tuple(sorted((f["id"], f["severity"]) for f in report.get("findings", []) if f["severity"] != "ok"))
    return (returncode, report.get("verdict"), findings)
