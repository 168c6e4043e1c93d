"""Helpers for the twin's tests: start/stop a twin, an ARM client with tokens and LRO polling,
a tiny check runner that prints "N passed, N failed", and the loud SKIP of lab tests."""
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "pylib"))
from vnetdiag_testlib import tally  # noqa: E402
PY = "/usr/bin/python3"
VERSIONS = {"network": "2024-01-01", "dns": "2024-06-01", "kv": "2023-07-01", "cs": "2023-05-01",
            "web": "2023-12-01", "rg": "2021-04-01"}


class Checks:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.t0 = time.monotonic()

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            print(f"  ok   {what}")
        else:
            self.failed += 1
            print(f"  FAIL {what}" + (f": {detail}" if detail else ""), flush=True)
        return cond

    def eq(self, got, want, what):
        return self.check(got == want, what, f"got {got!r}, want {want!r}")

    def run(self, fn, *args):
        """Run one test function; an exception is a failure, not a crash of the whole file."""
        print(f"- {fn.__name__}", flush=True)
        try:
            fn(self, *args)
        except Exception as e:  # noqa: BLE001
            self.failed += 1
            print(f"  FAIL {fn.__name__} raised {type(e).__name__}: {e}")
            traceback.print_exc()

    def finish(self):
        print(f"{self.name}: {self.passed} passed, {self.failed} failed "
              f"({time.monotonic() - self.t0:.1f} s)", flush=True)
        return 1 if self.failed else 0


def skip_or_fail(reason, what="twin lab tests"):
    """The project's one rule for a missing real component (vnetdiag_testlib): SKIP loudly, or
    under CI=true fail."""
    tally.skip_or_fail(reason, what)


def need_lab():
    if os.geteuid() != 0:
        skip_or_fail("not root: the lab needs network namespaces")
    if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        skip_or_fail("'ip netns' does not work here")
    for tool in ("unbound", "nginx", "dig", "iptables-restore", "curl"):
        if shutil.which(tool) is None:
            skip_or_fail(f"{tool} is missing (run packaging/setup-debian.sh)")


LAB_STATE = os.path.join(ROOT, "tests", "lab", "run", "state", "generation")


def lab_marker():
    """(inode of the app namespace, the lab's apply generation): both change when someone else
    re-creates the lab or applies another world -- the lab is one per machine."""
    try:
        ino = os.stat("/run/netns/vdlab-app").st_ino
    except OSError:
        ino = None
    try:
        gen = open(LAB_STATE).read().strip()
    except OSError:
        gen = None
    return ino, gen


class Twin:
    """A twin on its own run directory and free ports, without the lab (or via `run` with it)."""

    def __init__(self, world="empty-network", *args, lab=False):
        self.lab = lab
        if lab:
            out = subprocess.run([os.path.join(HERE, "run"), "--world", world, *args],
                                 capture_output=True, text=True, timeout=120)
            if out.returncode != 0:
                raise RuntimeError(f"run failed: {out.stderr.strip()}")
            self.run_dir = os.path.join(HERE, "run.d")
            self.printed = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
        else:
            self.run_dir = tempfile.mkdtemp(prefix="armtwin-")
            out = subprocess.run([PY, os.path.join(HERE, "twin.py"), "--daemon", "--no-lab", "--run-dir",
                                  self.run_dir, "--world", world, *args], capture_output=True, text=True, timeout=60)
            if out.returncode != 0:
                raise RuntimeError(f"twin failed to start: {out.stderr.strip()} {self.log()}")
        self.env = dict(line.split("=", 1) for line in open(os.path.join(self.run_dir, "env")).read().splitlines()
                        if "=" in line)
        if lab:
            self.env.update(self.printed)
        self.ca = self.env["CA_BUNDLE"]
        self.arm = ArmClient(self.env["ARM_ENDPOINT"], self.ca)

    def lab_intact(self, start_inode):
        """True while nobody but this twin has touched the lab since start_inode was taken."""
        ino, gen = lab_marker()
        st, _, lab = self.control("GET", "lab")
        return ino is not None and ino == start_inode and gen == lab.get("lab_generation")

    def log(self):
        try:
            return open(os.path.join(self.run_dir, "twin.log")).read()[-3000:]
        except OSError:
            return ""

    def control(self, method, path, body=None):
        return self.arm.raw(method, "/_twin/" + path.lstrip("/"), body, token=False)

    def mi_token(self, resource="https://management.azure.com/"):
        u = urllib.parse.urlsplit(self.env["IDENTITY_ENDPOINT"])
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        c.request("GET", f"{u.path}?resource={urllib.parse.quote(resource, safe='')}&api-version=2019-08-01",
                  headers={"X-IDENTITY-HEADER": self.env["IDENTITY_HEADER"]})
        r = c.getresponse()
        body = json.loads(r.read())
        c.close()
        if r.status != 200:
            raise RuntimeError(f"identity endpoint: {r.status} {body}")
        return body

    def sp_token(self, client_id=None, secret=None):
        cid = client_id or self.env["AZURE_CLIENT_ID"]
        sec = secret or self.env["AZURE_CLIENT_SECRET"]
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": cid, "client_secret": sec,
                                       "scope": "https://management.azure.com/.default"})
        st, h, body = self.arm.raw("POST", f"/{self.env['TENANT']}/oauth2/v2.0/token", form, token=False,
                                   content_type="application/x-www-form-urlencoded")
        return st, body

    def login(self, how="mi"):
        self.arm.token = self.mi_token()["access_token"] if how == "mi" else self.sp_token()[1]["access_token"]
        return self.arm

    def stop(self):
        if self.lab:
            subprocess.run([os.path.join(HERE, "run"), "--down"], capture_output=True, timeout=60)
            return
        try:
            pid = int(open(os.path.join(self.run_dir, "twin.pid")).read())
            os.kill(pid, 15)
            for _ in range(300):
                if not os.path.exists(f"/proc/{pid}"):
                    break
                with open(f"/proc/{pid}/stat") as f:
                    if f.read().split(") ")[-1].startswith("Z"):
                        break
                time.sleep(0.01)
        except (OSError, ValueError):
            pass
        shutil.rmtree(self.run_dir, ignore_errors=True)


class ArmClient:
    def __init__(self, endpoint, ca):
        u = urllib.parse.urlsplit(endpoint)
        self.host, self.port = u.hostname, u.port
        self.ctx = ssl.create_default_context(cafile=ca)
        self.token = None
        self.conn = None

    def _conn(self):
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=30)
        return self.conn

    def raw(self, method, path, body=None, *, token=True, headers=None, content_type="application/json"):
        h = dict(headers or {})
        if token and self.token:
            h["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            h["Content-Type"] = content_type
        for attempt in range(2):
            c = self._conn()
            try:
                c.request(method, path, data, h)
                r = c.getresponse()
                raw = r.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ssl.SSLError,
                    http.client.CannotSendRequest):
                c.close()
                self.conn = None
                if attempt:
                    raise
        try:
            parsed = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            parsed = raw.decode(errors="replace")
        return r.status, {k.lower(): v for k, v in r.getheaders()}, parsed

    def call(self, method, path, body=None, version=None, **kw):
        if version:
            path += ("&" if "?" in path else "?") + f"api-version={version}"
        return self.raw(method, path, body, **kw)

    def wait(self, headers, limit=30.0):
        """Poll an LRO the way azure-mgmt-core does (Azure-AsyncOperation first, then Location),
        honouring Retry-After; return the final status body (or Location result)."""
        url = headers.get("azure-asyncoperation") or headers.get("location")
        if not url:
            return None
        kind = "async" if headers.get("azure-asyncoperation") else "location"
        path = url[url.index("/", 8):]
        deadline = time.monotonic() + limit
        delay = float(headers.get("retry-after", 1))
        while time.monotonic() < deadline:
            time.sleep(max(delay, 0.02))
            st, h, body = self.raw("GET", path)
            delay = float(h.get("retry-after", 1))
            if kind == "async":
                if isinstance(body, dict) and body.get("status") not in ("InProgress", None):
                    return body
            elif st != 202:
                return {"status": "Succeeded" if st < 400 else "Failed", "http": st, "body": body}
        raise TimeoutError(f"LRO {url} still running after {limit} s")

    def send(self, method, path, body=None, version=None, **kw):
        """One ARM call and, if it is long-running, its completion. Returns (status, headers, body, final)."""
        st, h, b = self.call(method, path, body, version, **kw)
        final = None
        if st in (201, 202) or (st == 200 and h.get("azure-asyncoperation")):
            final = self.wait(h)
        return st, h, b, final


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_rp_tests(name, world, tests):
    """main() of a test_rp_*.py: one twin (no lab) at `world`, fast operations, every test
    function run against it as the fixer (Contributor on the subscription); exit status for ctest."""
    c = Checks(name)
    twin = Twin(world)
    try:
        twin.control("POST", "config", {"lro_seconds": 0.2, "retry_after": 0})
        twin.login("sp")
        for t in tests:
            c.run(t, twin)
    finally:
        twin.stop()
    return c.finish()
