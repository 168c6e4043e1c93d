#!/usr/bin/python3
"""Secret scan: no secret leaves. Every credential source vnetdiag knows is given a known fake
secret (canary) and every command is run with it (check in each format and its evidence bundle,
env, fix with --out and --journal, serve's endpoints and log); the ARM, Entra and identity servers here are hostile: their
error bodies echo the secrets they were sent. Every byte vnetdiag writes (stdout, stderr, files,
HTTP answers) is scanned for every canary, and each server records where each secret arrived:
the token only at ARM over https, the client secret and assertions only at Entra over https, the
identity header only at the identity endpoint; a certificate's private key nowhere, and the
assertions signed with it in no output.

usage: secret_scan_test.py VNETDIAG"""
import base64
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pylib"))
from vnetdiag_testlib import check, finish  # noqa: E402
from vnetdiag_testlib.peers import https_server, json_reply, loopback_https_pki, server_context  # noqa: E402

VNETDIAG = sys.argv[1]
RUN_ID = base64.b32encode(os.urandom(5)).decode().lower()


def canary(kind):
    return f"vnetdiag-canary-{kind}-{RUN_ID}"


# A JWT-shaped access token (vnetdiag reads its exp claim) whose every part is a canary too.
def jwt(kind):
    head = base64.urlsafe_b64encode(b'{"typ":"JWT","alg":"none"}').decode().rstrip("=")
    body = base64.urlsafe_b64encode(json.dumps({"exp": int(time.time()) + 3600, "sub": canary(kind + "-claim")})
                                    .encode()).decode().rstrip("=")
    return f"{head}.{body}.{canary(kind)}"


# A certificate credential's PEM (certificate + RSA key): the key's base64 lines are secrets too.
_pem_dir = tempfile.mkdtemp(prefix="vnetdiag-secret-scan-cert-")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{_pem_dir}/k.pem", "-out",
                f"{_pem_dir}/c.pem", "-days", "2", "-subj", "/CN=vnetdiag-secret-scan"], check=True, capture_output=True)
CERT_KEY = open(f"{_pem_dir}/k.pem").read()
CERT_FILE = f"{_pem_dir}/cert-and-key.pem"
with open(CERT_FILE, "w") as _f:
    _f.write(CERT_KEY + open(f"{_pem_dir}/c.pem").read())
KEY_LINES = [ln for ln in CERT_KEY.splitlines() if ln and not ln.startswith("-----")]

SECRETS = {
    "certificate key": KEY_LINES[1],
    "cert token": jwt("certtoken"),
    "env token": jwt("envtoken"),
    "token file": jwt("filetoken"),
    "identity header": canary("identityheader"),
    "identity token": jwt("mitoken"),
    "legacy msi secret": canary("msisecret"),
    "legacy msi token": jwt("msitoken"),
    "client secret": canary("clientsecret"),
    "sp token": jwt("sptoken"),
    "federated assertion": canary("assertion"),
    "wi token": jwt("witoken"),
    "app setting value": canary("appsetting"),
    "connection string": f"DefaultEndpointsProtocol=https;AccountName=x;AccountKey={canary('accountkey')}",
    "kv reference": f"@Microsoft.KeyVault(SecretUri=https://vdlabkv.vault.azure.net/secrets/{canary('kvref')})",
    "website auth key": canary("websiteauthkey"),  # a secret WEBSITE_* setting of the process
}
# Every token and secret must also stay out in its most recognisable parts.
NEEDLES = {name: [value] + [canary(k) for k in ("envtoken", "filetoken", "mitoken", "msitoken", "sptoken", "witoken",
                                                 "certtoken") if canary(k) in value] for name, value in SECRETS.items()}
NEEDLES["certificate key"] = KEY_LINES
NEEDLES["any canary"] = ["vnetdiag-canary-"]

SUB, RG, APP, TENANT = "00000000-0000-0000-0000-000000000001", "securebackendsetup", "securebackend2021", "tenant-1"
seen = []  # (server, what arrived, secret name)
CERT_ASSERTIONS = []  # signatures of the certificate assertions Entra was sent
OUTPUTS = []  # everything vnetdiag wrote, scanned again at the end for those assertions
lock = threading.Lock()


def record(server, handler, body):
    blob = " ".join(f"{k}: {v}" for k, v in handler.headers.items()) + " " + handler.path + " " + body
    with lock:
        for name, value in SECRETS.items():
            if value in blob or urllib.parse.quote(value, safe="") in blob:
                seen.append((server, name))


def body_of(handler):
    n = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(n).decode(errors="replace") if n else ""


class Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Arm(Quiet):
    """ARM: answers the token it trusts, and echoes whatever Authorization it got in its errors."""
    trusted = set()

    def handle_any(self):
        body = body_of(self)
        record("arm", self, body)
        auth = self.headers.get("Authorization", "")
        path = self.path.split("?")[0]
        if auth[len("Bearer "):] not in Arm.trusted:
            return json_reply(self, 401, {"error": {"code": "InvalidAuthenticationToken",
                                               "message": f"The access token '{auth}' is invalid."}})
        if path.endswith(f"/sites/{APP}"):
            return json_reply(self, 200, {"id": f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Web/sites/{APP}",
                                     "name": APP, "location": "West Europe", "properties": {"httpsOnly": True}})
        if path.endswith("/config/appsettings/list"):
            return json_reply(self, 200, {"properties": {"MY_SECRET": SECRETS["app setting value"],
                                                    "AzureWebJobsStorage": SECRETS["connection string"],
                                                    "KV_SECRET": SECRETS["kv reference"],
                                                    "WEBSITE_VNET_ROUTE_ALL": "1"}})
        if path.endswith("/Microsoft.KeyVault/vaults"):  # a 403 whose message carries the caller's token
            return json_reply(self, 403, {"error": {"code": "AuthorizationFailed", "message":
                f"The client with token '{auth}' does not have authorization to perform action "
                f"'Microsoft.KeyVault/vaults/read' over scope '{path}'."}})
        if path.endswith("/Microsoft.Authorization/permissions"):
            return json_reply(self, 200, {"value": [{"actions": ["*/read"], "notActions": []}]})
        return json_reply(self, 200, {"value": []})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class Entra(Quiet):
    """Entra's token endpoint: good credentials get a token; bad ones get an error that echoes them."""

    def do_POST(self):
        body = body_of(self)
        record("entra", self, body)
        form = dict(urllib.parse.parse_qsl(body))
        if form.get("client_secret") == SECRETS["client secret"]:
            return json_reply(self, 200, {"access_token": SECRETS["sp token"], "expires_in": 3600, "token_type": "Bearer"})
        assertion = form.get("client_assertion", "")
        if assertion.count(".") == 2 and "x5t" in base64.urlsafe_b64decode(assertion.split(".")[0] + "==").decode(errors="replace"):
            with lock:  # vnetdiag's signed certificate assertion: it must reach no output either
                CERT_ASSERTIONS.append(assertion.split(".")[2])
            if form.get("client_id") == "client-cert":
                return json_reply(self, 200, {"access_token": SECRETS["cert token"], "expires_in": 3600, "token_type": "Bearer"})
        if form.get("client_assertion") == SECRETS["federated assertion"]:
            return json_reply(self, 200, {"access_token": SECRETS["wi token"], "expires_in": 3600, "token_type": "Bearer"})
        return json_reply(self, 401, {"error": "invalid_client",
                                 "error_description": f"AADSTS7000215: Invalid client secret provided: {body}"})


class Identity(Quiet):
    """The App Service identity endpoint (plain http on loopback, as on the platform)."""

    def do_GET(self):
        record("identity", self, "")
        if self.headers.get("X-IDENTITY-HEADER") == SECRETS["identity header"]:
            return json_reply(self, 200, {"access_token": SECRETS["identity token"], "expires_on": str(int(time.time()) + 3600),
                                     "resource": "https://management.azure.com/", "token_type": "Bearer"})
        if self.headers.get("secret") == SECRETS["legacy msi secret"]:
            return json_reply(self, 200, {"access_token": SECRETS["legacy msi token"], "expires_on": str(int(time.time()) + 3600)})
        got = self.headers.get("X-IDENTITY-HEADER") or self.headers.get("secret")
        return json_reply(self, 400, {"error": "invalid_request", "error_description": f"Unknown identity header '{got}'"})


pki = tempfile.mkdtemp(prefix="vnetdiag-secret-scan-")
CA, key = loopback_https_pki(pki)
tls = server_context(CA, key)


def serve(handler, https):
    if https:
        return f"https://127.0.0.1:{https_server(handler, tls).server_address[1]}"
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{srv.server_address[1]}"


arm_url, entra_url, identity_url = serve(Arm, True), serve(Entra, True), serve(Identity, False)
Arm.trusted = {SECRETS[k] for k in ("env token", "token file", "identity token", "legacy msi token", "sp token", "wi token",
                                    "cert token")}

token_file = os.path.join(pki, "token")
with open(token_file, "w") as f:
    f.write(SECRETS["token file"] + "\n")
assertion_file = os.path.join(pki, "assertion")
with open(assertion_file, "w") as f:
    f.write(SECRETS["federated assertion"])

wrong_assertion_file = os.path.join(pki, "wrong-assertion")
with open(wrong_assertion_file, "w") as f:
    f.write(canary("wrongassertion"))

dead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # DNS that never answers: the ARM side is under test
dead.bind(("127.0.0.1", 0))
app_env = {"PATH": "/usr/bin:/bin", "WEBSITE_SITE_NAME": APP, "WEBSITE_RESOURCE_GROUP": RG,
           "WEBSITE_AUTH_ENCRYPTION_KEY": SECRETS["website auth key"],
           "WEBSITE_OWNER_NAME": f"{SUB}+{RG}-WestEuropewebspace-Linux", "WEBSITE_PRIVATE_IP": "10.0.0.4",
           "VNETDIAG_AZURE_DNS_SERVER": f"127.0.0.1:{dead.getsockname()[1]}",
           "AZURE_AUTHORITY_HOST": entra_url, "SSL_CERT_FILE": CA}
credentials = {
    "AZURE_ACCESS_TOKEN": ({"AZURE_ACCESS_TOKEN": SECRETS["env token"]}, []),
    "--token-file": ({}, ["--token-file", token_file]),
    "managed identity": ({"IDENTITY_ENDPOINT": identity_url + "/msi/token",
                          "IDENTITY_HEADER": SECRETS["identity header"]}, []),
    "legacy MSI": ({"MSI_ENDPOINT": identity_url + "/msi/token", "MSI_SECRET": SECRETS["legacy msi secret"]}, []),
    "service principal": ({"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": "client-1",
                           "AZURE_CLIENT_SECRET": SECRETS["client secret"]}, []),
    "workload identity": ({"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": "client-1",
                           "AZURE_FEDERATED_TOKEN_FILE": assertion_file}, []),
    "certificate": ({"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": "client-cert",
                     "AZURE_CLIENT_CERTIFICATE_PATH": CERT_FILE}, []),
    # Wrong secrets: each hostile server echoes what it was sent in its error.
    "wrong certificate": ({"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": "client-other",
                           "AZURE_CLIENT_CERTIFICATE_PATH": CERT_FILE}, []),
    "wrong federated token": ({"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": "client-1",
                               "AZURE_FEDERATED_TOKEN_FILE": wrong_assertion_file}, []),
    "wrong identity header": ({"IDENTITY_ENDPOINT": identity_url + "/msi/token",
                               "IDENTITY_HEADER": canary("wrongheader")}, []),
    "wrong client secret": ({"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": "client-1",
                             "AZURE_CLIENT_SECRET": canary("wrongsecret")}, []),
    "wrong token": ({"AZURE_ACCESS_TOKEN": jwt("wrongtoken")}, []),
}
common = ["--resolv-conf", "/dev/null", "--keyvault", "vdlabkv", "--cognitive", "vdlabcs",
          "--arm-endpoint", arm_url, "--arm-ca-bundle", CA, "--dns-timeout", "0.3", "--timeout", "5"]
scanned = 0


def scan(label, text):
    global scanned
    scanned += 1
    OUTPUTS.append(text)
    leaked = [name for name, needles in NEEDLES.items() if any(n in text for n in needles)]
    check(f"no secret in {label}", not leaked, f"leaked {leaked}: " +
          next((text[max(0, text.find('vnetdiag-canary-') - 200):text.find('vnetdiag-canary-') + 100]
                for _ in [0] if 'vnetdiag-canary-' in text), ""))


def run(args, env):
    p = subprocess.run([VNETDIAG] + args, capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)
    return p


for cred, (extra_env, extra_args) in credentials.items():
    env = {**app_env, **extra_env}
    for fmt in ("text", "json", "junit"):
        p = run(["check", "-o", fmt] + common + extra_args, env)
        scan(f"check -o {fmt} with {cred} (exit {p.returncode})", p.stdout + p.stderr)
        if fmt == "json" and not cred.startswith("wrong"):
            report = json.loads(p.stdout)
            check(f"ARM was read with {cred}", "read with" in report["context"].get("arm", ""), report["context"])
    # The evidence bundle for support: every file in it is scanned too.
    bundle = os.path.join(pki, f"evidence-{len(seen)}-{scanned}.tar.gz")
    p = run(["check", "--evidence", bundle] + common + extra_args, env)
    members = {}
    if os.path.exists(bundle):
        with tarfile.open(bundle, "r:gz") as tar:
            members = {m.name: tar.extractfile(m).read().decode(errors="replace") for m in tar.getmembers()}
    check(f"check --evidence with {cred} wrote the bundle (exit {p.returncode})",
          {"MANIFEST.txt", "report.json", "dns.json", "tls.json", "arm.json", "environment.txt"} <= set(members),
          sorted(members) or p.stderr[-300:])
    scan(f"check --evidence with {cred}", p.stdout + p.stderr + "".join(members.values()))
    p = run(["env", "-o", "json"] + extra_args, env)
    scan(f"env -o json with {cred}", p.stdout + p.stderr)
    out_file, journal = os.path.join(pki, f"plan-{len(seen)}.json"), os.path.join(pki, f"journal-{len(seen)}.jsonl")
    p = run(["fix", "-o", "json", "--out", out_file] + common + extra_args, env)
    scan(f"fix plan with {cred}", p.stdout + p.stderr + (open(out_file).read() if os.path.exists(out_file) else ""))
    fix_bundle = os.path.join(pki, f"fix-evidence-{len(seen)}.tar.gz")
    p = run(["fix", "--apply", "--yes", "--journal", journal, "--evidence", fix_bundle] + common + extra_args, env)
    scan(f"fix --apply with {cred}", p.stdout + p.stderr + (open(journal).read() if os.path.exists(journal) else ""))
    fix_members = {}
    if os.path.exists(fix_bundle):
        with tarfile.open(fix_bundle, "r:gz") as tar:
            fix_members = {m.name: tar.extractfile(m).read().decode(errors="replace") for m in tar.getmembers()}
    fix_record = json.loads(fix_members.get("fix.json", "{}") or "{}")
    # Whether fix got as far as a plan or stopped at what it could not read, the bundle says which.
    check(f"fix --evidence with {cred} holds the report and what fix read, planned and did",
          {"report.json", "arm.json", "fix.json"} <= set(fix_members)
          and (("steps" in fix_record.get("plan", {})
                and ("journal" in fix_record or not fix_record["plan"]["steps"]))
               or bool(fix_record.get("read_errors"))),
          sorted(fix_members) or p.stderr[-300:])
    scan(f"fix --evidence with {cred}", "".join(fix_members.values()))

# serve: every endpoint, and its log, while it reads ARM with the managed identity.
env = {**app_env, **credentials["managed identity"][0]}
port_sock = socket.socket()
port_sock.bind(("127.0.0.1", 0))
port = port_sock.getsockname()[1]
port_sock.close()
srv = subprocess.Popen([VNETDIAG, "serve", "--listen", f"127.0.0.1:{port}", "--interval", "1"] + common,
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
answers = ""
deadline = time.time() + 30
while time.time() < deadline:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/report", timeout=5) as r:
            if "read with" in r.read().decode():
                break
    except Exception:
        pass
    time.sleep(0.2)
for path in ("/report", "/report?format=text", "/metrics", "/probe?target=vdlabkv", "/readyz", "/livez", "/"):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            answers += r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        answers += e.read().decode(errors="replace")
check("serve read ARM with the managed identity", "read with App Service managed identity" in answers, answers[:300])
srv.send_signal(signal.SIGTERM)
log, _ = srv.communicate(timeout=10)
scan("serve's endpoints", answers)
scan("serve's log", log)

# Where each secret arrived: nowhere but its own server.
allowed = {"arm": {"env token", "token file", "identity token", "legacy msi token", "sp token", "wi token",
                   "cert token"},
           "entra": {"client secret", "federated assertion"},
           "identity": {"identity header", "legacy msi secret"}}
stray = sorted({(server, name) for server, name in seen if name not in allowed[server]})
check("each secret reached only its own server", not stray, stray)
check("every secret that should travel did", {n for _, n in seen} >= set().union(*allowed.values()),
      set().union(*allowed.values()) - {n for _, n in seen})
check("certificate assertions were sent to Entra", len(CERT_ASSERTIONS) > 0, CERT_ASSERTIONS[:1])
check("no certificate assertion in any output", not any(a in out for a in CERT_ASSERTIONS for out in OUTPUTS))
print(f"scanned {scanned} outputs for {len(SECRETS)} secrets")
finish()
