#!/usr/bin/python3
"""vnetdiag's ARM client against a scripted HTTP server on loopback: the token is sent but never
printed (every output format is scanned for it), 429 and 503 are retried within the budget
honouring Retry-After, a 403 AuthorizationFailed is reported with its action while the rest of
the report stays complete, and the number of requests for a full read is bounded.
(The ARM twin tests the Azure-shaped behaviour; this one pins the client's own rules.)"""
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pylib"))
from vnetdiag_testlib import check, finish  # noqa: E402
from vnetdiag_testlib.peers import (https_server as peers_https_server, json_reply,  # noqa: E402
                                    loopback_https_pki, server_context)

VNETDIAG = sys.argv[1]
TOKEN = "eyJ0eXAiOiJKV1QifQ.c2VjcmV0LXBheWxvYWQ.secret-signature-4242"
SUB, RG, APP = "00000000-0000-0000-0000-000000000001", "securebackendsetup", "securebackend2021"
state = {"requests": [], "throttle": 0, "unavailable": 0, "deny": set()}


class Arm(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=None):
        json_reply(self, status, body, headers)

    def handle_any(self):
        path = self.path.split("?")[0]
        state["requests"].append((self.command, path, self.headers.get("Authorization", ""),
                                  self.headers.get("x-ms-client-request-id", "")))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self.reply(401, {"error": {"code": "InvalidAuthenticationToken", "message": "bad token"}})
        if state["throttle"] > 0:
            state["throttle"] -= 1
            return self.reply(429, {"error": {"code": "TooManyRequests", "message": "slow down"}},
                              {"Retry-After": "0", "x-ms-ratelimit-remaining-subscription-reads": "0"})
        if state["unavailable"] > 0:
            state["unavailable"] -= 1
            return self.reply(503, {"error": {"code": "ServiceUnavailable", "message": "try later"}})
        if path.endswith("/Microsoft.KeyVault/vaults") and state.get("vault_pages"):
            return self.reply(200, state["vault_pages"][0])
        if path.startswith("/page/") and state.get("vault_pages"):
            return self.reply(200, state["vault_pages"][int(path.split("/")[2])])
        if path.endswith("/Microsoft.Network/privateDnsZones") and state.get("zones_body") is not None:
            data = state["zones_body"]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if state.get("lro") and "/op/" in path:  # a monitor that never ends, asking for "nan"
            return self.reply(200, {"status": "InProgress"}, {"Retry-After": state["lro"]})
        if state.get("lro") and self.command == "PUT":
            n = len(state["requests"])
            return self.reply(201, {"properties": {"provisioningState": "Updating"}},
                              {"Azure-AsyncOperation": f"{endpoint}/op/{n}", "Retry-After": state["lro"]})
        if state.get("lro") and path.endswith("/Microsoft.Authorization/permissions"):
            return self.reply(200, {"value": [{"actions": ["*"], "notActions": []}]})
        for denied in state["deny"]:
            if path.lower().endswith(denied.lower()):
                return self.reply(403, {"error": {"code": "AuthorizationFailed", "message":
                    f"The client 'x' with object id 'y' does not have authorization to perform action "
                    f"'Microsoft.KeyVault/vaults/read' over scope '{path}' or the scope is invalid."}})
        # Targets are read by id once a list or Resource Graph has located them.
        if path.endswith("/vaults/vdlabkv") and state.get("vault_pages"):
            return self.reply(200, VAULT)
        if path.endswith("/accounts/cs1") and state.get("china"):
            return self.reply(200, {"id": f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.CognitiveServices/accounts/cs1",
                                    "name": "cs1", "properties": {"customSubDomainName": "cs1", "publicNetworkAccess": "Disabled"}})
        if path.endswith(f"/sites/{APP}"):
            return self.reply(200, {"id": f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Web/sites/{APP}",
                                    "name": APP, "location": "West Europe", "properties": {"httpsOnly": True}})
        if path.endswith("/config/web"):
            return self.reply(200, {"properties": {}})
        if path.endswith("/Microsoft.CognitiveServices/accounts") and state.get("china"):
            return self.reply(200, {"value": [{"id": f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.CognitiveServices/accounts/cs1",
                                               "name": "cs1", "properties": {"customSubDomainName": "cs1", "publicNetworkAccess": "Disabled"}}]})
        if path.endswith("/Microsoft.Network/privateEndpoints") and state.get("china"):
            return self.reply(200, {"value": [{"id": f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/privateEndpoints/pe1",
                                               "properties": {"privateLinkServiceConnections": [{"properties": {
                                                   "privateLinkServiceId": f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.CognitiveServices/accounts/cs1",
                                                   "privateLinkServiceConnectionState": {"status": "Approved"}}}]}}]})
        if path.endswith("/accounts/cs1/privateLinkResources"):
            return self.reply(200, {"value": [{"properties": {"groupId": "account",
                                                              "requiredZoneNames": ["privatelink.cognitiveservices.azure.cn"]}}]})
        if path.endswith("/config/appsettings/list"):
            return self.reply(200, {"properties": {"SECRET_SETTING": "do-not-print-me"}})
        return self.reply(200, {"value": []})

    do_GET = do_POST = do_PUT = do_PATCH = handle_any


# ARM over https with a CA made here: vnetdiag sends its token only over https to the ARM origin.
pki = tempfile.mkdtemp(prefix="vnetdiag-arm-pki-")
CA, KEY = loopback_https_pki(pki)
tls = server_context(CA, KEY)


def https_server(handler):
    return peers_https_server(handler, tls)


server = https_server(Arm)
endpoint = f"https://127.0.0.1:{server.server_address[1]}"

# A second server on another port: a poll or page pointed there must never get the token.
foreign_seen = []


class Foreign(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        foreign_seen.append(self.headers.get("Authorization", ""))
        data = b'{"value": []}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


foreign = https_server(Foreign)
foreign_url = f"https://127.0.0.1:{foreign.server_address[1]}"

# A DNS port that answers nothing useful: the data plane fails fast, the ARM part is under test.
dead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dead.bind(("127.0.0.1", 0))
base_env = {"PATH": "/usr/bin:/bin", "AZURE_ACCESS_TOKEN": TOKEN, "WEBSITE_SITE_NAME": APP,
            "WEBSITE_RESOURCE_GROUP": RG, "WEBSITE_OWNER_NAME": f"{SUB}+{RG}-WestEuropewebspace-Linux",
            "WEBSITE_PRIVATE_IP": "10.0.0.4", "VNETDIAG_AZURE_DNS_SERVER": f"127.0.0.1:{dead.getsockname()[1]}"}
common = ["--resolv-conf", "/dev/null", "--keyvault", "vdlabkv", "--arm-endpoint", endpoint, "--arm-ca-bundle", CA,
          "--dns-timeout", "0.3", "--timeout", "5"]


def run(args, env=None):
    return subprocess.run([VNETDIAG] + args, capture_output=True, text=True, timeout=60, env=env or base_env)


# 1. The token is used and never printed, in any output format, nor the app settings' values.
outputs = {}
for fmt in ("text", "json", "junit"):
    state["requests"].clear()
    p = run(["check", "-o", fmt] + common)
    outputs[fmt] = p.stdout + p.stderr
# 2. Requests for a full read are few and bounded (the last run above: junit).
read_count = len(state["requests"])
check(f"full topology read costs {read_count} requests (bound 12)", read_count <= 12,
      f"{[r[:2] for r in state['requests']]}")
check("token sent as a bearer token", any(r[2] == f"Bearer {TOKEN}" for r in state["requests"]))
for fmt, text in outputs.items():
    check(f"no token in -o {fmt}", TOKEN not in text and "secret-signature" not in text and "c2VjcmV0" not in text)
    check(f"no app setting value in -o {fmt}", "do-not-print-me" not in text)
p = run(["fix", "-o", "json"] + common)
check("no token in fix -o json", TOKEN not in p.stdout + p.stderr, p.stderr[-300:])
p = run(["env", "-o", "json"], {**base_env})
check("no token in env -o json", TOKEN not in p.stdout + p.stderr)
report = json.loads(outputs["json"])
check("report says ARM was read", "read with AZURE_ACCESS_TOKEN" in report["context"].get("arm", ""), report["context"])
ids = {r[3] for r in state["requests"]}
check("a client request id on every call", "" not in ids and len(ids) == len(state["requests"]))


# 3. 429 storms and 503s are retried within the budget.
state["requests"].clear()
state["throttle"], state["unavailable"] = 10, 3
p = run(["check", "-o", "json"] + common)
report = json.loads(p.stdout)
read_failed = [f for f in report["findings"] if f["id"] == "arm.read_incomplete"]
check("429 and 503 retried until they pass", not read_failed and state["throttle"] == 0 and state["unavailable"] == 0,
      f"{read_failed} left={state['throttle']},{state['unavailable']}")

# 4. 403 AuthorizationFailed: named clearly, the data-plane part still complete.
state["requests"].clear()
state["deny"] = {"/Microsoft.KeyVault/vaults"}
p = run(["check", "-o", "json"] + common)
report = json.loads(p.stdout)
denied = [f for f in report["findings"] if f["id"] == "arm.read_incomplete"]
check("403 names the action and a role", denied and "Microsoft.KeyVault/vaults/read" in denied[0]["summary"]
      and "Reader" in denied[0]["summary"], denied)
check("data plane still complete after a 403", report["targets"] and report["targets"][0]["dns"])
state["deny"] = set()

# 5. A wrong token: 401 is reported, not retried forever, and the token is not echoed.
p = run(["check", "-o", "json"] + common, {**base_env, "AZURE_ACCESS_TOKEN": "wrong-token-777"})
check("401 reported without echoing the token", "wrong-token-777" not in p.stdout + p.stderr and
      "InvalidAuthenticationToken" in p.stdout, p.stdout[-500:])

# 6. serve reads ARM on its own, slower interval: three checks, one ARM read, causes all along.
state["requests"].clear()
caches_before = {d for d in os.listdir("/tmp") if d.startswith("vnetdiag-serve-")}
srv = subprocess.Popen([VNETDIAG, "serve", "--listen", "127.0.0.1:0", "--interval", "1", "--arm-interval", "300"] + common,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=base_env)
cycles = []
try:
    import select
    deadline = __import__("time").time() + 30
    while len(cycles) < 3 and __import__("time").time() < deadline:
        ready, _, _ = select.select([srv.stdout], [], [], 1)
        if ready:
            line = srv.stdout.readline()
            if line.startswith("{"):
                cycles.append(line)
finally:
    srv.terminate()
    srv.wait(timeout=10)
site_reads = [r for r in state["requests"] if r[1].endswith(f"/sites/{APP}") and r[0] == "GET"]
check(f"serve: {len(cycles)} checks, {len(site_reads)} ARM read(s)", len(cycles) >= 3 and len(site_reads) == 1,
      f"cycles {len(cycles)}, site reads {len(site_reads)}")
leftovers = [d for d in os.listdir("/tmp") if d.startswith("vnetdiag-serve-") and d not in caches_before]
check("serve removes its ARM cache at exit", not leftovers, leftovers)

# 7. China: no Cognitive Services zone in the cloud table; the account's requiredZoneNames gives it.
state["china"] = True
p = run(["check", "-o", "json", "--cloud", "AzureChinaCloud", "--resolv-conf", "/dev/null", "--cognitive", "cs1",
         "--arm-endpoint", endpoint, "--arm-ca-bundle", CA, "--dns-timeout", "0.3", "--timeout", "5"])
report = json.loads(p.stdout)
zone = [f for f in report["findings"] if f["id"] == "arm.zone_missing" and f.get("cause")]
check("China: the zone comes from requiredZoneNames", zone and zone[0]["cause"]["resource_id"].endswith(
      "privateDnsZones/privatelink.cognitiveservices.azure.cn"), [f["id"] for f in report["findings"]])

state["china"] = False


def findings_of(args=None):
    p = run(["check", "-o", "json"] + common + (args or []))
    try:
        return json.loads(p.stdout)["findings"], p
    except ValueError:
        return [], p


VAULT = {"id": f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/vdlabkv",
         "name": "vdlabkv", "properties": {"networkAcls": {"defaultAction": "Deny"}}}

# 8. nextLink is followed: the vault is on the second page.
state["vault_pages"] = [{"value": [], "nextLink": f"{endpoint}/page/1"}, {"value": [VAULT]}]
found, p = findings_of()
ids = [f["id"] for f in found]
check("nextLink followed: the vault on page 2 is found", "arm.target_not_found" not in ids and
      "arm.read_incomplete" not in ids, ids)

# 9. A paging loop is refused and named, never read forever nor taken as "no vault".
state["vault_pages"] = [{"value": [], "nextLink": f"{endpoint}/page/1"},
                        {"value": [], "nextLink": f"{endpoint}/page/1"}]
found, p = findings_of()
gaps = [f for f in found if f["id"] == "arm.read_incomplete"]
check("paging loop gives arm.read_incomplete", gaps and "paging loop" in json.dumps(gaps) and
      "arm.target_not_found" not in [f["id"] for f in found], [f["id"] for f in found])

# 10. A page on another host or over http: refused, the token never leaves.
for where in (f"{foreign_url}/page/1", f"http://127.0.0.1:{foreign.server_address[1]}/page/1"):
    foreign_seen.clear()
    state["vault_pages"] = [{"value": [], "nextLink": where}]
    found, p = findings_of()
    ids = [f["id"] for f in found]
    check(f"nextLink to {where.split('/page')[0]}: refused as arm.untrusted_redirect", "arm.untrusted_redirect" in ids
          and "arm.target_not_found" not in ids, ids)
    check(f"nextLink to {where.split('/page')[0]}: the foreign server saw no token",
          not any(foreign_seen), foreign_seen)
state["vault_pages"] = None

# 11. A 200 whose body is not JSON, and a body over 4 MiB: read_incomplete, never "zone missing".
for name, body in (("garbage", b"<html>not json"), ("oversize", b'{"value": [' + b'{},' * (1700 * 1024) + b'{}]}')):
    state["zones_body"] = body
    found, p = findings_of()
    ids = [f["id"] for f in found]
    check(f"{name} zones list: arm.read_incomplete, not arm.zone_missing",
          "arm.read_incomplete" in ids and "arm.zone_missing" not in ids and p.returncode in (1, 2), ids)
state["zones_body"] = None

# 12. --arm-endpoint over http, or a foreign host without its CA: refused before any request.
state["requests"].clear()
for bad in (endpoint.replace("https:", "http:"), "https://arm.example.org"):
    p = run(["check", "--resolv-conf", "/dev/null", "--keyvault", "vdlabkv", "--arm-endpoint", bad])
    check(f"--arm-endpoint {bad}: exit 3 with one line", p.returncode == 3 and len(p.stderr.strip().splitlines()) == 1
          and "--arm-endpoint" in p.stderr, (p.returncode, p.stderr))
check("nothing sent for a refused endpoint", not state["requests"], state["requests"])

# 13. An oversize token file: one clear line, not read whole.
big = os.path.join(pki, "big-token")
with open(big, "w") as f:
    f.write("x" * (200 * 1024))
p = run(["check", "-o", "json", "--token-file", big] + common, {k: v for k, v in base_env.items() if k != "AZURE_ACCESS_TOKEN"})
check("oversize --token-file named", "larger than 64 KiB" in p.stdout + p.stderr, (p.stdout[-400:], p.stderr[-300:]))

# 14. A long-running operation whose monitor answers Retry-After "nan", "-1" or a past date: the
# poller waits at least 1 s between polls instead of spinning (it sent 472 GETs in 11 s).
import time
for hostile in ("nan", "-1", "Wed, 21 Oct 2015 07:28:00 GMT"):
    state["lro"] = hostile
    state["requests"].clear()
    fix = subprocess.Popen([VNETDIAG, "fix", "--apply", "--yes"] + common, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=base_env)
    start = time.time()
    while time.time() - start < 6 and fix.poll() is None:
        time.sleep(0.2)  # sampling a running process: there is no readiness to wait for
    elapsed = time.time() - start
    fix.kill()
    fix.wait()
    puts = sum(1 for r in state["requests"] if r[0] == "PUT")
    polls = sum(1 for r in state["requests"] if "/op/" in r[1])
    check(f"Retry-After {hostile!r}: {polls} polls of {puts} operation(s) in {elapsed:.1f} s (at most 1 per s each)",
          puts >= 1 and polls <= puts * (elapsed + 1), state["requests"][-5:])
state["lro"] = None

finish()
