#!/usr/bin/python3
"""vnetdiag against the ARM twin and the lab, end to end.

Issue 6: for every broken world, `check -o json` names the ARM resource and property at fault.
Issue 7: from empty-network, `fix` plans the tutorial's steps; a non-interactive `--apply` without
--yes refuses with no write; `--apply --yes` converges, the lab's check passes and nothing the
world had is lost (app settings, the unrelated subnet, the vault's IP rule); a second run plans
nothing; and with faults (429 storm, 503s, an operation ending Failed, token expiry) a re-run
converges.

usage: twin_vnetdiag_test.py VNETDIAG    (root and network namespaces; SKIP/77 otherwise, fail under CI=true)"""
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pylib"))
from vnetdiag_testlib import check, finish, skip_or_fail  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RUN = os.path.join(ROOT, "tests", "armtwin", "run")
VNETDIAG = sys.argv[1]


if os.geteuid() != 0:
    skip_or_fail("not root: the lab needs network namespaces", "twin tests")

out = subprocess.run([RUN, "--world", "empty-network", "--lro-seconds", "0.2"], capture_output=True, text=True, timeout=120)
if out.returncode != 0:
    print(f"FAIL: the twin did not start: {out.stderr.strip()[-500:]}")
    sys.exit(1)
env = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
ctx = ssl.create_default_context(cafile=env["CA_BUNDLE"])


def control(method, path, body=None):
    req = urllib.request.Request(env["TWIN_CONTROL"] + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
        text = r.read().decode()
        return json.loads(text) if text.strip() else None


def load(world):
    control("POST", "/reset", {"world": world})
    control("POST", "/lab/sync?timeout=20")


def vnetdiag(*args, stdin=subprocess.DEVNULL):
    cmd = env["APP_EXEC"].split() + [VNETDIAG] + list(args) + [
        "--keyvault", "vdlabkv", "--cognitive", "vdlabcs", "--ca-bundle", env["LAB_CA_BUNDLE"],
        "--dns-timeout", "1", "--connect-timeout", "1", "--tls-timeout", "1", "--http-timeout", "1"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, stdin=stdin)


def journal_writes():
    entries = control("GET", "/journal")
    entries = entries.get("entries", entries) if isinstance(entries, dict) else entries
    return [e for e in entries if e.get("method") in ("PUT", "PATCH", "DELETE") and "/_twin" not in e.get("path", "")]


try:
    # ---- issue 6: the exact resource and property for every broken world ----
    NET = "/providers/Microsoft.Network"
    expected = {
        "zone-missing": ("arm.zone_missing", "/privateDnsZones/privatelink.vaultcore.azure.net", "(resource)"),
        "zone-unlinked": ("arm.zone_not_linked", "/privateDnsZones/privatelink.vaultcore.azure.net",
                          "virtualNetworkLinks[].properties.virtualNetwork.id"),
        "zone-group-missing": ("arm.zone_group_missing", "/privateEndpoints/securekeyvault-pe",
                               "privateDnsZoneGroups[].properties.privateDnsZoneConfigs[].properties.privateDnsZoneId"),
        "record-stale": ("arm.record_stale", "/privateDnsZones/privatelink.vaultcore.azure.net/A/vdlabkv",
                         "properties.aRecords[].ipv4Address"),
        "connection-pending": ("arm.connection_not_approved", "/privateEndpoints/securekeyvault-pe",
                               "properties.privateLinkServiceConnections[0].properties.privateLinkServiceConnectionState.status"),
        "subnet-not-delegated": ("arm.subnet_not_delegated", "/subnets/vnet-integration-subnet",
                                 "properties.delegations[].properties.serviceName"),
        "integration-missing": ("arm.integration_missing", "/sites/securebackend2021", "properties.virtualNetworkSubnetId"),
        "routeall-off": ("route.outside_vnet", "/sites/securebackend2021", "properties.vnetRouteAllEnabled"),
        "kv-public": ("arm.vault_public", "/vaults/vdlabkv", "properties.networkAcls.defaultAction"),
        "cs-public": ("arm.account_public", "/accounts/vdlabcs", "properties.publicNetworkAccess"),
        "plan-basic": ("arm.plan_below_standard", "/serverfarms/securebackend-plan", "sku.tier"),
        "custom-dns-nonforwarding": ("arm.custom_dns", "/virtualNetworks/securebackend-vnet", "properties.dhcpOptions.dnsServers"),
    }
    for world, (fid, resource_suffix, prop) in expected.items():
        load(world)
        p = vnetdiag("check", "-o", "json")
        try:
            report = json.loads(p.stdout)
        except ValueError:
            check(f"{world}: a report", False, p.stderr)
            continue
        hits = [f for f in report["findings"] if f["id"] == fid and f.get("cause")
                and f["cause"]["resource_id"].lower().endswith(resource_suffix.lower()) and f["cause"]["property"] == prop]
        problems = sorted(f"{f['id']}@{f['target']}" for f in report["findings"] if f["severity"] != "ok")
        check(f"{world}: {fid} names {resource_suffix} {prop}", bool(hits), problems)
        # The data-plane symptom of a DNS break carries the same cause.
        if fid in ("arm.zone_not_linked", "arm.zone_group_missing", "arm.connection_not_approved", "arm.zone_missing"):
            symptoms = [f for f in report["findings"] if f["layer"] == "dns" and f["severity"] != "ok"
                        and f["target"].startswith("vdlabkv") and f.get("cause")]
            check(f"{world}: the DNS symptom carries the cause", bool(symptoms), problems)
    load("tutorial-complete")
    p = vnetdiag("check", "-o", "json")
    report = json.loads(p.stdout)
    print(f"     full read of tutorial-complete: {report['context'].get('arm', '')}")
    check("tutorial-complete: check passes with ARM read", p.returncode == 0 and "read with" in report["context"].get("arm", ""),
          [f"{f['id']}@{f['target']}" for f in report["findings"] if f["severity"] != "ok"])

    # ---- issue 7: fix from empty-network ----
    load("empty-network")
    before = control("GET", "/state")
    p = vnetdiag("fix", "-o", "json")
    plan = json.loads(p.stdout)["plan"]
    keys = sorted(s["key"] for s in plan["steps"])
    tutorial = sorted(["vnet", "subnet:integration", "subnet:endpoints", "zone:privatelink.vaultcore.azure.net",
                       "zone:privatelink.cognitiveservices.azure.com", "link:privatelink.vaultcore.azure.net",
                       "link:privatelink.cognitiveservices.azure.com", "endpoint:vault", "endpoint:account",
                       "zonegroup:vault", "zonegroup:account", "plan", "site", "lockdown:vault", "lockdown:account"])
    check("empty-network: the plan is the tutorial's steps", p.returncode == 2 and keys == tutorial, keys)
    check("the plan never deletes", all(s["method"] != "DELETE" for s in plan["steps"]))

    control("DELETE", "/journal")
    p = vnetdiag("fix", "--apply")
    check("non-TTY --apply without --yes refuses, exit 1", p.returncode == 1 and "--yes" in p.stderr, p.stderr)
    check("and writes nothing", not journal_writes(), journal_writes()[:3])

    p = vnetdiag("fix", "--apply", "--yes", "-o", "json")
    result = json.loads(p.stdout) if p.stdout.strip().startswith("{") else {}
    check("fix --apply --yes converges and verifies", p.returncode == 0 and result.get("verified"),
          [s for s in result.get("applied", []) if s["outcome"] != "ok"] or p.stderr[-800:])
    p = vnetdiag("check", "-o", "json")
    report = json.loads(p.stdout)
    bad = [f"{f['id']}@{f['target']}" for f in report["findings"] if f["severity"] != "ok" and f["layer"] != "context"]
    check("after fix the lab's check passes (data plane and ARM)", not bad, bad)
    p = vnetdiag("fix", "-o", "json")
    check("a second run plans nothing", p.returncode == 0 and not json.loads(p.stdout)["plan"]["steps"], p.stdout[:500])

    state = json.dumps(control("GET", "/state"))
    check("app settings kept", "CS_ACCOUNT_KEY" in state and "SCM_DO_BUILD_DURING_DEPLOYMENT" in state)
    load("tutorial-complete")
    p = vnetdiag("fix", "-o", "json")
    check("tutorial-complete plans nothing", p.returncode == 0, p.stdout[:800])

    # Something of everything that must survive: break one thing in a full world and fix it.
    load("kv-public")
    p = vnetdiag("fix", "--apply", "--yes", "-o", "json")
    state = json.dumps(control("GET", "/state"))
    check("kv-public: fixed", p.returncode == 0, p.stdout[-600:])
    check("the unrelated subnet and the vault's IP rule are still there", "jumpbox-subnet" in state and "203.0.113.77" in state)
    check("app settings still there", "CS_ACCOUNT_KEY" in state)

    # Route-all off with endpoints in 100.64/10: the fix turns route-all on and the path works.
    load("routeall-off")
    p = vnetdiag("fix", "--apply", "--yes", "-o", "json")
    result = json.loads(p.stdout) if p.stdout.strip().startswith("{") else {}
    keys = [s["key"] for s in result.get("plan", {}).get("steps", [])]
    check("routeall-off: the plan is one config/web change, and it verifies", keys == ["routeall"] and p.returncode == 0,
          f"{keys} exit {p.returncode} {p.stderr[-300:]}")

    # ---- faults: each apply either converges or fails cleanly, and a re-run converges ----
    for name, fault in [("429 storm", {"kind": "throttle", "count": 6, "retry_after": 0}),
                        ("503s", {"kind": "error", "status": 503, "count": 4, "retry_after": 0}),
                        ("409 another operation in progress", {"kind": "conflict", "count": 2}),
                        ("an operation ending Failed", {"kind": "lro_fail", "code": "InternalServerError"}),
                        ("a dropped poll", {"kind": "drop_poll"}),
                        ("a dropped connection", {"kind": "drop", "count": 2})]:
        load("empty-network")
        try:
            control("POST", "/faults", fault)
        except Exception as e:  # the twin names fault kinds its own way; say which one it refused
            check(f"{name}: fault accepted by the twin", False, f"{fault}: {e}")
            continue
        first = vnetdiag("fix", "--apply", "--yes", "-o", "json")
        control("DELETE", "/faults")
        again = vnetdiag("fix", "--apply", "--yes", "-o", "json")
        final = vnetdiag("fix", "-o", "json")
        check(f"{name}: converges (first exit {first.returncode}, re-run exit {again.returncode})",
              final.returncode == 0 and not json.loads(final.stdout)["plan"]["steps"], final.stdout[:400])

    # ---- every broken world: the plan holds only that break's repair, and --apply heals it ----
    repairs = {
        "zone-missing": {"zone:privatelink.vaultcore.azure.net", "link:privatelink.vaultcore.azure.net", "zonegroup:vault"},
        "zone-unlinked": {"link:privatelink.vaultcore.azure.net"},
        "zone-group-missing": {"zonegroup:vault"},
        "record-stale": {"zonegroup:vault"},
        "connection-pending": {"approve:vault"},
        "subnet-not-delegated": {"subnet:integration", "site"},
        "integration-missing": {"site"},
        "kv-public": {"lockdown:vault"},
        "cs-public": {"lockdown:account"},
        "plan-basic": {"plan", "site"},
    }
    for world, keys in repairs.items():
        load(world)
        p = vnetdiag("fix", "--apply", "--yes", "-o", "json")
        result = json.loads(p.stdout) if p.stdout.strip().startswith("{") else {}
        planned = {s["key"] for s in result.get("plan", {}).get("steps", [])}
        after = vnetdiag("fix", "-o", "json")
        check(f"{world}: plans {sorted(keys)}, heals, then plans nothing",
              planned == keys and p.returncode == 0 and after.returncode == 0,
              f"planned {sorted(planned)} exit {p.returncode}; after exit {after.returncode}; "
              f"{[s for s in result.get('applied', []) if s['outcome'] != 'ok']}")

    # ---- missing permissions: the pre-check names them before any write ----
    load("empty-network")
    control("PUT", "/roles", [{"principal": "app", "role": "Reader"}])
    control("DELETE", "/journal")
    p = vnetdiag("fix", "--apply", "--yes")
    check("a reader identity: refused before any write, missing permissions named",
          p.returncode == 1 and "not allowed: vnet: Microsoft.Network/virtualNetworks/write" in p.stdout
          and not journal_writes(), p.stdout[-600:] + p.stderr[-300:])
    load("empty-network")  # roles back to the world's defaults

    # ---- the process killed mid-apply (a site change restarts the app, vnetdiag with it): re-run converges ----
    load("empty-network")
    control("POST", "/config", {"lro_seconds": 1})
    cmd = env["APP_EXEC"].split() + [VNETDIAG, "fix", "--keyvault", "vdlabkv", "--cognitive", "vdlabcs",
                                     "--ca-bundle", env["LAB_CA_BUNDLE"], "--apply", "--yes"]
    victim = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline and len(journal_writes()) < 3:  # killed once some writes are in flight
        time.sleep(0.05)
    victim.kill()
    victim.wait()
    control("POST", "/config", {"lro_seconds": 0.2})
    again = vnetdiag("fix", "--apply", "--yes", "-o", "json")
    final = vnetdiag("fix", "-o", "json")
    check("killed mid-apply, a re-run converges", again.returncode == 0 and final.returncode == 0
          and not json.loads(final.stdout)["plan"]["steps"], again.stdout[-500:] + again.stderr[-300:])

    # ---- token expiry mid-apply: tokens live 2 s, operations take 0.5 s each ----
    load("empty-network")
    control("POST", "/config", {"token_lifetime": 2, "lro_seconds": 0.5})
    p = vnetdiag("fix", "--apply", "--yes", "-o", "json")
    check("token expiry mid-apply: converges", p.returncode == 0, p.stdout[-600:] + p.stderr[-300:])
    control("POST", "/config", {"token_lifetime": 3600, "lro_seconds": 0.2})
finally:
    subprocess.run([RUN, "--down"], capture_output=True, timeout=120)

finish()
