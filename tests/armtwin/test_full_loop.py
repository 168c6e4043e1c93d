#!/usr/bin/python3
"""The full loop: start the twin at `empty-network`, `vnetdiag check` inside the app fails with
public-path findings, the tutorial's steps applied as raw ARM calls (curl, token from the
managed-identity endpoint) make the lab healthy, and `vnetdiag check` passes.

usage: test_full_loop.py [VNETDIAG]   (default /work/main/build/agent/vnetdiag)
Needs root and network namespaces: without them SKIP (77), with CI=true FAIL."""
import json
import os
import shlex
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import worlds as W  # noqa: E402
from twinlib import Checks, Twin, lab_marker, need_lab  # noqa: E402

N, D, KV, CS, WEB = "2024-01-01", "2024-06-01", "2023-07-01", "2023-05-01", "2023-12-01"


class Curl:
    """Raw ARM over curl, as a shell script would do it: token from IDENTITY_ENDPOINT, every
    long-running operation polled (Azure-AsyncOperation first, then Location) with Retry-After."""

    def __init__(self, env, log):
        self.env, self.log = env, log
        self.token = None
        self.calls = 0

    def _curl(self, args):
        out = subprocess.run(["curl", "-sS", "--max-time", "30", "-D", "-", *args], capture_output=True, timeout=40)
        if out.returncode != 0:
            raise RuntimeError(f"curl {args[-1]}: {out.stderr.decode(errors='replace').strip()}")
        head, _, body = out.stdout.decode().partition("\r\n\r\n")
        while head.startswith("HTTP/1.1 100"):
            head, _, body = body.partition("\r\n\r\n")
        lines = head.split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
        return status, headers, (json.loads(body) if body.strip() else None)

    def login(self):
        q = urllib.parse.urlencode({"resource": "https://management.azure.com/", "api-version": "2019-08-01"})
        st, _, b = self._curl(["-H", f"X-IDENTITY-HEADER: {self.env['IDENTITY_HEADER']}",
                               f"{self.env['IDENTITY_ENDPOINT']}?{q}"])
        if st != 200:
            raise RuntimeError(f"identity endpoint: {st} {b}")
        self.token = b["access_token"]
        self.expires = int(b["expires_on"])

    def call(self, method, rid, version, body=None):
        if self.token is None or self.expires - time.time() < 60:
            self.login()
        args = ["--cacert", self.env["CA_BUNDLE"], "-X", method, "-H", f"Authorization: Bearer {self.token}"]
        if body is not None:
            args += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
        self.calls += 1
        return self._curl(args + [f"{self.env['ARM_ENDPOINT']}{rid}?api-version={version}"])

    def step(self, what, method, rid, version, body=None):
        st, h, b = self.call(method, rid, version, body)
        if st >= 400:
            raise RuntimeError(f"{what}: {method} {rid}: {st} {json.dumps(b)[:400]}")
        monitor = h.get("azure-asyncoperation") or h.get("location")
        if st in (201, 202) or (st == 200 and h.get("azure-asyncoperation")):
            deadline = time.monotonic() + 60
            while monitor:
                time.sleep(float(h.get("retry-after", 1)))
                args = ["--cacert", self.env["CA_BUNDLE"], "-H", f"Authorization: Bearer {self.token}", monitor]
                pst, h, pb = self._curl(args)
                self.calls += 1
                if "azure-asyncoperation" in monitor.lower() or "/operations/" in monitor or "Statuses/" in monitor:
                    status = (pb or {}).get("status")
                    if status and status not in ("InProgress",):
                        if status != "Succeeded":
                            raise RuntimeError(f"{what}: operation {status}: {pb}")
                        break
                elif pst != 202:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{what}: still running after 60 s")
        self.log(f"{what}: {method} -> {st}")
        return b


def tutorial(curl):
    """The tutorial's steps (seeds/tutorial-networking-isolate-vnet.md) as the ARM calls of
    arm-contract.md §1, in the tutorial's order."""
    net = W.NET
    subnets = f"{W.VNET_ID}/subnets"
    curl.step("1 vnet create", "PUT", W.VNET_ID, N, {"location": "westeurope", "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})
    curl.step("2 integration subnet (delegated)", "PUT", f"{subnets}/{W.INTEGRATION_SUBNET}", N, {"properties": {
        "addressPrefix": "10.0.0.0/24", "delegations": [{"name": "0", "properties": {"serviceName": "Microsoft.Web/serverfarms"}}]}})
    curl.step("3 endpoint subnet", "PUT", f"{subnets}/{W.PE_SUBNET}", N, {"properties": {
        "addressPrefix": "10.0.1.0/24", "privateEndpointNetworkPolicies": "Disabled"}})
    for zone in (W.CS_ZONE, W.KV_ZONE):
        curl.step(f"4 zone {zone}", "PUT", f"{net}/privateDnsZones/{zone}", D, {"location": "global"})
    for zone, link in ((W.CS_ZONE, W.CS_LINK), (W.KV_ZONE, W.KV_LINK)):
        curl.step(f"5 link {link}", "PUT", f"{net}/privateDnsZones/{zone}/virtualNetworkLinks/{link}", D, {
            "location": "global", "properties": {"virtualNetwork": {"id": W.VNET_ID}, "registrationEnabled": False}})
    for pe, conn, target, group, zone, zg, lock in (
            (W.KV_PE, "securekeyvault-pc", W.KV_ID, "vault", W.KV_ZONE, W.KV_ZG, "kv"),
            (W.CS_PE, "securecstext-pc", W.CS_ID, "account", W.CS_ZONE, W.CS_ZG, "cs")):
        curl.step(f"6 endpoint {pe}", "PUT", f"{net}/privateEndpoints/{pe}", N, {"location": "westeurope", "properties": {
            "subnet": {"id": f"{subnets}/{W.PE_SUBNET}"},
            "privateLinkServiceConnections": [{"name": conn, "properties": {"privateLinkServiceId": target,
                                                                             "groupIds": [group]}}]}})
        curl.step(f"7 zone group {zg}", "PUT", f"{net}/privateEndpoints/{pe}/privateDnsZoneGroups/{zg}", N, {
            "properties": {"privateDnsZoneConfigs": [{"name": zone, "properties": {
                "privateDnsZoneId": f"{net}/privateDnsZones/{zone}"}}]}})
        if lock == "kv":
            vault = curl.step("8 read the vault", "GET", W.KV_ID, KV)
            acls = dict(vault["properties"].get("networkAcls") or {"bypass": "AzureServices", "ipRules": [],
                                                                   "virtualNetworkRules": []})
            acls["defaultAction"] = "Deny"
            curl.step("8 vault firewall Deny", "PATCH", W.KV_ID, KV, {"properties": {"networkAcls": acls}})
        else:
            curl.step("9 account public access Disabled", "PATCH", W.CS_ID, CS,
                      {"properties": {"publicNetworkAccess": "Disabled"}})
    plan = curl.step("10 read the plan", "GET", W.PLAN_ID, WEB)
    curl.step("10 plan S1", "PUT", W.PLAN_ID, WEB, {"location": plan["location"], "kind": plan.get("kind"),
                                                    "sku": {"name": "S1", "tier": "Standard"},
                                                    "properties": {"reserved": plan["properties"].get("reserved", False)}})
    curl.step("11 https only", "PATCH", W.SITE_ID, WEB, {"properties": {"httpsOnly": True}})
    site = curl.step("12 read the site", "GET", W.SITE_ID, WEB)
    site["properties"]["virtualNetworkSubnetId"] = f"{subnets}/{W.INTEGRATION_SUBNET}"
    site["properties"]["vnetRouteAllEnabled"] = True     # what az webapp vnet-integration add sends (az 2.45)
    curl.step("12 vnet integration (whole-site PUT, as az does)", "PUT", W.SITE_ID, WEB, site)
    settings = curl.step("13 list app settings", "POST", f"{W.SITE_ID}/config/appsettings/list", WEB)
    props = dict(settings["properties"], WEBSITE_VNET_ROUTE_ALL="1")
    curl.step("13 app settings + WEBSITE_VNET_ROUTE_ALL=1", "PUT", f"{W.SITE_ID}/config/appsettings", WEB,
              {"properties": props})


def check(twin, vnetdiag):
    cmd = shlex.split(twin.env["APP_EXEC"]) + [vnetdiag, "check", "--keyvault", W.KEYVAULT, "--cognitive", W.COGNITIVE,
                                               "--ca-bundle", twin.env["LAB_CA_BUNDLE"], "-o", "json"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    try:
        report = json.loads(out.stdout)
    except json.JSONDecodeError:
        report = {"findings": [], "raw": out.stdout[-500:], "stderr": out.stderr[-500:]}
    return out.returncode, report


def summary(report):
    return [(f["severity"], f["id"], f.get("target", "")) for f in report.get("findings", []) if f["severity"] != "ok"]


def test_loop(c, twin, vnetdiag):
    t0 = time.monotonic()
    rc, report = check(twin, vnetdiag)
    bad = summary(report)
    ids = {f[1] for f in bad}
    c.eq(rc, 2, "empty-network: vnetdiag check exits 2 (critical)")
    c.check(ids & {"dns.alias_missing", "dns.public_address"}, "... with public-path findings (dns.alias_missing / dns.public_address)",
            str(sorted(ids)))
    c.check("arm.read_incomplete" not in ids and "arm.not_read" not in {f["id"] for f in report.get("findings", [])},
            "... and vnetdiag read ARM from the twin through the managed identity", report.get("context", {}).get("arm", ""))
    print(f"  (first check {time.monotonic() - t0:.1f} s: {sorted(ids)})")
    t1 = time.monotonic()
    curl = Curl(twin.env, lambda m: print(f"  step {m}"))
    tutorial(curl)
    print(f"  (tutorial: {curl.calls} curl calls in {time.monotonic() - t1:.1f} s)")
    st, _, lab = twin.control("POST", "lab/sync?timeout=10")
    c.check(st == 200 and not lab.get("last_error"), "the lab shows the tutorial's result", str(lab)[:300])
    t2 = time.monotonic()
    rc, report = check(twin, vnetdiag)
    bad = summary(report)
    c.eq(rc, 0, "after the tutorial: vnetdiag check exits 0")
    if not c.eq(bad, [], "... and every finding is ok"):
        for f in report.get("findings", []):
            if f["severity"] != "ok":
                print(f"    {f['id']}: {json.dumps(f.get('evidence'))[:300]}")
    print(f"  (second check {time.monotonic() - t2:.1f} s; arm: {report.get('context', {}).get('arm')})")
    arm = twin.login("mi")
    st, _, s = arm.call("POST", f"{W.SITE_ID}/config/appsettings/list", None, WEB)
    c.check(all(s["properties"].get(k) == v for k, v in W.APP_SETTINGS.items()), "the app's earlier settings are all still there")
    st, _, v = arm.call("GET", W.KV_ID, None, KV)
    c.eq(v["properties"]["networkAcls"]["ipRules"], [{"value": W.VAULT_IP_RULE}], "the vault's IP rule is still there")
    st, _, j = twin.control("GET", "journal")
    writes = [e for e in j["entries"] if e["kind"] == "arm" and e["method"] in ("PUT", "PATCH")]
    c.check(len(writes) >= 17 and all(e["status"] < 300 for e in writes), f"the journal has the {len(writes)} writes, all accepted")


def main():
    vnetdiag = sys.argv[1] if len(sys.argv) > 1 else "/work/main/build/agent/vnetdiag"
    need_lab()
    for attempt in (1, 2):
        c = Checks("test_full_loop")
        if not os.access(vnetdiag, os.X_OK):
            c.check(False, f"vnetdiag binary {vnetdiag} exists (build first)")
            return c.finish()
        try:
            twin = Twin("empty-network", "--lro-seconds", "0.5", "--retry-after", "1", lab=True)
        except RuntimeError as e:
            c.check(False, f"twin and lab start: {e}")
            return c.finish()
        start = lab_marker()[0]
        try:
            c.run(test_loop, twin, vnetdiag)
            intact = twin.lab_intact(start)
        finally:
            twin.stop()
        if intact or attempt == 2:
            c.check(intact, "nobody else re-created or re-applied the lab during the test (it is one per machine)")
            return c.finish()
        print("NOTE: someone else re-created or re-applied the lab during the test; running it again", flush=True)


if __name__ == "__main__":
    sys.exit(main())
