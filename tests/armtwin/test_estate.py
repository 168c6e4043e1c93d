#!/usr/bin/python3
"""Issue 15's estate over HTTPS: subscription-wide lists across the three subscriptions, paged to the
end; per-subscription RBAC (hub-read-forbidden: the reader gets 403 AuthorizationFailed naming the
action and the hub scope); Key Vault reference status (Resolved, AccessToKeyVaultDenied for the
route-all and access-policy reasons, MSINotEnabled, VaultNotFound, InvalidSyntax); the
outboundVnetRouting fact in GET site; estate-scale's size."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds as W  # noqa: E402
import worlds_estate as E  # noqa: E402
from twinlib import run_rp_tests  # noqa: E402

REFS = f"{W.SITE_ID}/config/configreferences/appsettings"


def list_all(arm, path, version):
    items, pages = [], 0
    st, _, b = arm.call("GET", path, None, version)
    while True:
        if st != 200:
            return None, (st, b)
        pages += 1
        items += b["value"]
        if not b.get("nextLink"):
            return items, pages
        link = b["nextLink"]
        st, _, b = arm.raw("GET", link[link.index("/", 8):])


def as_reader(twin):
    twin.arm.token = twin.sp_token(twin.env["READER_CLIENT_ID"], twin.env["READER_CLIENT_SECRET"])[1]["access_token"]
    return twin.arm


def test_list_all(c, twin):
    arm = twin.arm
    hub = f"/subscriptions/{E.HUB_SUBSCRIPTION}/providers"
    app = f"/subscriptions/{W.SUBSCRIPTION}/providers"
    items, _ = list_all(arm, f"{hub}/Microsoft.Network/privateDnsZones", W.V_DNS)
    c.eq(sorted(i["id"].lower() for i in items), sorted([E.HUB_KV_ZONE_ID.lower(), E.HUB_CS_ZONE_ID.lower()]),
         "ListAll of zones in the hub subscription: the central zones")
    items, _ = list_all(arm, f"{app}/Microsoft.Network/privateDnsZones", W.V_DNS)
    c.eq(items, [], "the app's subscription has no zone")
    for path, version, want in ((f"{app}/Microsoft.KeyVault/vaults", W.V_KV, {W.KEYVAULT}),
                                (f"{app}/Microsoft.CognitiveServices/accounts", W.V_CS, {W.COGNITIVE}),
                                (f"{app}/Microsoft.Network/privateEndpoints", W.V_NET, {W.KV_PE, W.CS_PE}),
                                (f"{hub}/Microsoft.Network/virtualNetworks", W.V_NET, {"hub-vnet"}),
                                (f"{app}/Microsoft.Network/virtualNetworks", W.V_NET, {W.VNET})):
        items, _ = list_all(arm, path, version)
        c.eq({i["name"] for i in items or []}, want, f"ListAll {path.split('/providers/')[1]}")
    twin.control("POST", "config", {"page_size": 1})
    items, pages = list_all(arm, f"{app}/Microsoft.Network/privateEndpoints", W.V_NET)
    c.eq((len(items), pages), (2, 2), "page size 1: two pages of one endpoint, nextLink followed")
    st, _, b = arm.call("GET", f"{app}/Microsoft.Network/privateEndpoints", None, W.V_NET)
    c.check(b["nextLink"].startswith(f"https://{arm.host}:{arm.port}/subscriptions/") and "%24skipToken=" not in
            b["nextLink"] and "$skipToken=" in b["nextLink"] and "api-version=" in b["nextLink"],
            "nextLink: absolute, on the twin's origin, with api-version and $skipToken", b["nextLink"])
    twin.control("POST", "config", {"page_size": 100})
    st, _, b = arm.call("GET", f"{E.HUB_VNET_ID}/virtualNetworkPeerings", None, W.V_NET)
    c.eq([(p["name"], p["properties"]["peeringState"]) for p in b["value"]], [("to-spoke", "Connected")],
         "the hub's peering back to the spoke, Connected")


def test_hub_forbidden(c, twin):
    twin.control("POST", "reset", {"world": "hub-read-forbidden"})
    arm = as_reader(twin)
    st, _, b = arm.call("GET", f"/subscriptions/{E.HUB_SUBSCRIPTION}/providers/Microsoft.Network/privateDnsZones",
                        None, W.V_DNS)
    msg = (b.get("error") or {}).get("message", "")
    c.check(st == 403 and b["error"]["code"] == "AuthorizationFailed"
            and "Microsoft.Network/privateDnsZones/read" in msg and f"/subscriptions/{E.HUB_SUBSCRIPTION}" in msg,
            "reader, hub ListAll of zones -> 403 naming the action and the hub scope", msg)
    st, _, b = arm.call("GET", E.HUB_KV_ZONE_ID, None, W.V_DNS)
    c.eq(st, 403, "reader, GET of the hub zone -> 403")
    st, _, b = arm.call("GET", E.RESOLVER_ID, None, "2022-07-01")
    c.check(st == 403 and "Microsoft.Network/dnsResolvers/read" in b["error"]["message"],
            "reader, GET of the hub resolver -> 403 naming dnsResolvers/read", str(b))
    st, _, b = arm.call("GET", W.KV_ID, None, W.V_KV)
    c.eq(st, 200, "reader, the app's own vault -> 200")
    twin.control("POST", "reset", {"world": "hub-spoke-healthy"})
    arm = as_reader(twin)
    st, _, _ = arm.call("GET", E.HUB_KV_ZONE_ID, None, W.V_DNS)
    c.eq(st, 200, "hub-spoke-healthy: the reader reads the hub zone")
    twin.login("sp")


def refs(arm):
    st, _, b = arm.call("GET", REFS, None, W.V_WEB)
    assert st == 200, (st, b)
    return {r["name"]: r["properties"] for r in b["value"]}


def test_kv_references(c, twin):
    twin.control("POST", "reset", {"world": "tutorial-complete"})
    arm = twin.login("sp")
    r = refs(arm)
    c.eq(list(r), ["CS_ACCOUNT_KEY"], "one reference among the app settings")
    p = r["CS_ACCOUNT_KEY"]
    c.eq((p["status"], p["vaultName"], p["secretName"], p["identityType"]["type"]),
         ("Resolved", W.KEYVAULT, "csKey", "SystemAssigned"), "tutorial-complete: Resolved")
    st, _, b = arm.call("GET", f"{REFS}/CS_ACCOUNT_KEY", None, W.V_WEB)
    c.eq((st, b["properties"]["status"]), (200, "Resolved"), "GET one reference")
    st, _, b = arm.call("GET", f"{REFS}/NOPE", None, W.V_WEB)
    c.eq(st, 404, "a key without a reference -> 404")
    twin.control("POST", "reset", {"world": "kv-reference-unresolved"})
    p = refs(arm)["CS_ACCOUNT_KEY"]
    c.check(p["status"] == "AccessToKeyVaultDenied" and "vnetRouteAllEnabled" in p["details"],
            "kv-reference-unresolved: AccessToKeyVaultDenied, route-all named", str(p))
    twin.control("POST", "facts", {"site_outbound_routing": {"allTraffic": False, "applicationTraffic": True}})
    c.eq(refs(arm)["CS_ACCOUNT_KEY"]["status"], "Resolved", "... outboundVnetRouting.applicationTraffic covers it")
    twin.control("POST", "reset", {"world": "tutorial-complete"})
    arm.call("PATCH", W.KV_ID, {"properties": {"accessPolicies": []}}, W.V_KV)
    p = refs(arm)["CS_ACCOUNT_KEY"]
    c.check(p["status"] == "AccessToKeyVaultDenied" and "access policies" in p["details"],
            "no access policy: AccessToKeyVaultDenied, the policy named", str(p))
    settings = dict(W.APP_SETTINGS, WEBSITE_VNET_ROUTE_ALL="1",
                    CS_ACCOUNT_KEY="@Microsoft.KeyVault(VaultName=novault;SecretName=csKey)",
                    BROKEN="@Microsoft.KeyVault(SecretUri=http://x)")
    arm.call("PUT", f"{W.SITE_ID}/config/appsettings", {"properties": settings}, W.V_WEB)
    r = refs(arm)
    c.eq((r["CS_ACCOUNT_KEY"]["status"], r["BROKEN"]["status"]), ("VaultNotFound", "InvalidSyntax"),
         "VaultName of a missing vault: VaultNotFound; a malformed reference: InvalidSyntax")
    uai = f"{W.RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/kv-reader"
    st, _, _ = arm.call("PATCH", W.SITE_ID, {"properties": {"keyVaultReferenceIdentity": uai}}, W.V_WEB)
    p = refs(arm)["CS_ACCOUNT_KEY"]
    c.check(st == 200 and p["status"] == "MSINotEnabled" and p["identityType"]["type"] == "UserAssigned"
            and "kv-reader" in p["details"], "keyVaultReferenceIdentity names a user-assigned identity the site "
                                             "lacks: MSINotEnabled", str(p))
    arm.call("PATCH", W.SITE_ID, {"properties": {"keyVaultReferenceIdentity": "SystemAssigned"}}, W.V_WEB)
    arm.call("PATCH", W.SITE_ID, {"identity": {"type": "None"}}, W.V_WEB)
    c.eq(refs(arm)["CS_ACCOUNT_KEY"]["status"], "MSINotEnabled", "no identity: MSINotEnabled")
    twin.control("POST", "reset", {"world": "hub-spoke-healthy"})
    c.eq(refs(arm)["CS_ACCOUNT_KEY"]["status"], "Resolved", "hub-spoke-healthy: Resolved through the hub zone")
    twin.control("POST", "reset", {"world": "hub-spoke-ruleset-unlinked"})
    p = refs(arm)["CS_ACCOUNT_KEY"]
    c.check(p["status"] == "AccessToKeyVaultDenied" and "does not resolve" in p["details"],
            "hub-spoke-ruleset-unlinked: the vault name does not resolve privately", str(p))


def test_outbound_routing(c, twin):
    twin.control("POST", "reset", {"world": "outbound-routing-split"})
    arm = twin.arm
    st, _, b = arm.call("GET", W.SITE_ID, None, W.V_WEB)
    c.eq((st, b["properties"].get("outboundVnetRouting")), (200, E.OUTBOUND_ROUTING),
         "GET site carries outboundVnetRouting from the fact")
    c.eq(b["properties"]["vnetRouteAllEnabled"], False, "... and vnetRouteAllEnabled off")
    twin.control("POST", "reset", {"world": "tutorial-complete"})
    st, _, b = arm.call("GET", W.SITE_ID, None, W.V_WEB)
    c.check("outboundVnetRouting" not in b["properties"], "other worlds: no outboundVnetRouting")


def test_estate_scale(c, twin):
    t0 = time.monotonic()
    st, _, b = twin.control("POST", "reset", {"world": "estate-scale"})
    took = time.monotonic() - t0
    c.check(st == 200 and took < 20, f"estate-scale loads ({took:.1f} s)", str(b))
    arm = twin.arm
    total = 0
    for sub in E.SUBSCRIPTIONS:
        items, _ = list_all(arm, f"/subscriptions/{sub}/providers/Microsoft.Network/privateEndpoints", W.V_NET)
        total += len(items)
    c.eq(total, 300 + 2, "302 endpoints across 3 subscriptions (300 others, the app's 2)")
    items, pages = list_all(arm, f"{E.HUB_KV_ZONE_ID}/A", W.V_DNS)
    c.eq((len(items), pages), (1000, 10), "1,000 A record sets in the hub vault zone, 10 pages of 100")
    twin.control("POST", "reset", {"world": "empty-network"})


if __name__ == "__main__":
    sys.exit(run_rp_tests("test_estate", "hub-spoke-healthy", [test_list_all, test_hub_forbidden, test_kv_references,
                                                                test_outbound_routing, test_estate_scale]))
