#!/usr/bin/python3
"""Unit tests of world_from_state.py: the ARM state -> lab world translation, the fold for a lab
that knows less, and the app's App Service environment. In-process, no server, no lab needed
(the lab's own parser is used when tests/lab/realizer is there)."""
import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import arm as armmod  # noqa: E402
import swagger  # noqa: E402
import world_from_state as wfs  # noqa: E402
import worlds as W  # noqa: E402
from twinlib import Checks  # noqa: E402

SPECS = swagger.Specs()
LAB_REALIZER = os.path.join(os.path.dirname(HERE), "lab", "realizer")


def build(name):
    a = armmod.Arm(SPECS, subscription=W.SUBSCRIPTION, tenant=W.TENANT, lro_seconds=0)
    W.build(a, name)
    return a


def world(a):
    return wfs.translate(a.snapshot(), W.SITE_ID)


def svc(w, name):
    return next(s for s in w["services"] if s["name"] == name)


def lab_parser():
    if not os.path.isdir(LAB_REALIZER):
        return None
    sys.path.insert(0, LAB_REALIZER)
    try:
        import world as labworld
        return labworld.parse
    except ImportError:
        return None


def test_named_worlds(c):
    want = {  # world: (integrated, route_all, kv zone (linked, record), kv endpoint (addr, conn), kv public, cs public)
        "empty-network": (False, False, None, None, "Enabled", "Enabled"),
        "tutorial-complete": (True, True, (True, "10.0.1.4"), ("10.0.1.4", "Approved"), "Disabled", "Disabled"),
        "zone-missing": (True, True, None, ("10.0.1.4", "Approved"), "Disabled", "Disabled"),
        "zone-unlinked": (True, True, (False, "10.0.1.4"), ("10.0.1.4", "Approved"), "Disabled", "Disabled"),
        "zone-group-missing": (True, True, (True, None), ("10.0.1.4", "Approved"), "Disabled", "Disabled"),
        "record-stale": (True, True, (True, "10.0.1.9"), ("10.0.1.4", "Approved"), "Disabled", "Disabled"),
        "connection-pending": (True, True, (True, "10.0.1.4"), ("10.0.1.4", "Pending"), "Disabled", "Disabled"),
        "subnet-not-delegated": (False, True, (False, "10.0.1.4"), ("10.0.1.4", "Approved"), "Disabled", "Disabled"),
        "integration-missing": (False, True, (False, "10.0.1.4"), ("10.0.1.4", "Approved"), "Disabled", "Disabled"),
        "routeall-off": (True, False, (True, "100.64.1.4"), ("100.64.1.4", "Approved"), "Disabled", "Disabled"),
        "kv-public": (True, True, (True, "10.0.1.4"), ("10.0.1.4", "Approved"), "Enabled", "Disabled"),
        "cs-public": (True, True, (True, "10.0.1.4"), ("10.0.1.4", "Approved"), "Disabled", "Enabled"),
        "plan-basic": (False, True, (False, "10.0.1.4"), ("10.0.1.4", "Approved"), "Disabled", "Disabled"),
        "custom-dns-nonforwarding": (True, True, (True, "10.0.1.4"), ("10.0.1.4", "Approved"), "Disabled", "Disabled"),
        "region-mismatch": (False, True, (False, "10.0.1.4"), ("10.0.1.4", "Approved"), "Disabled", "Disabled"),
        "instance-without-address": (False, True, (False, "10.0.1.4"), ("10.0.1.4", "Approved"), "Disabled",
                                     "Disabled"),
        "instance-address-fits": (True, True, (True, "10.0.1.4"), ("10.0.1.4", "Approved"), "Disabled", "Disabled"),
        "provider-unregistered": (True, True, (True, "10.0.1.4"), ("10.0.1.4", "Pending"), "Disabled", "Disabled"),
    }
    parse = lab_parser()
    for name, (integ, route_all, zone, pe, kvpub, cspub) in want.items():
        w = world(build(name))
        z = w["zones"].get(W.KV_ZONE)
        got_zone = None if z is None else (z["linked"], z["records"].get(W.KEYVAULT))
        kv = svc(w, W.KEYVAULT)
        got_pe = (kv["private_endpoint"]["address"], kv["private_endpoint"]["connection"]) if "private_endpoint" in kv else None
        got = (w["app"]["integrated"], w["app"]["route_all"], got_zone, got_pe, kv["public_network_access"],
               svc(w, W.COGNITIVE)["public_network_access"])
        c.eq(got, (integ, route_all, zone, pe, kvpub, cspub), f"{name}: app, vault zone, endpoint and firewalls")
        if name not in ("zone-missing",) and name != "empty-network":
            cz = w["zones"][W.CS_ZONE]
            c.eq((cz["records"].get(W.COGNITIVE), svc(w, W.COGNITIVE)["private_endpoint"]["address"]),
                 ("100.64.1.5" if name == "routeall-off" else "10.0.1.5",) * 2,
                 f"{name}: the account's record and endpoint are untouched")
        if parse:
            try:
                parse(json.dumps(w), name)
                c.check(True, f"{name}: the lab's parser accepts the world")
            except Exception as e:  # noqa: BLE001
                c.check(False, f"{name}: the lab's parser accepts the world", str(e))
    w = world(build("custom-dns-nonforwarding"))
    c.eq((w["app"]["dns_servers"], w.get("custom_dns")),
         (["10.0.2.54"], {"state": "up", "forwards_privatelink": False}), "custom DNS: app uses 10.0.2.54, not forwarding")
    w = world(build("tutorial-complete"))
    c.eq(w["app"]["dns_servers"], ["10.0.2.53"], "Azure DNS is the lab's 10.0.2.53")
    c.check("custom_dns" not in w, "no custom_dns section without a custom server")


def test_issue14_worlds(c):
    """FM-02: the app runs as the plan's last instance, which has no address when the plan has more
    instances than the subnet has addresses; FM-27: an account without customSubDomainName has no
    DNS name, so the lab has no service for it."""
    for name, has in (("instance-without-address", False), ("instance-address-fits", True),
                      ("tutorial-complete", True)):
        a = build(name)
        env = wfs.app_environment(a.snapshot(), W.SITE_ID)
        c.eq("WEBSITE_PRIVATE_IP" in env, has, f"{name}: WEBSITE_PRIVATE_IP {'set' if has else 'unset'}")
    w = world(build("account-no-subdomain"))
    c.eq([s["name"] for s in w["services"]], [W.KEYVAULT], "account-no-subdomain: no service for the account")
    c.eq(w["zones"][W.CS_ZONE]["records"], {}, "... and no record in its zone")
    for name, want in (("partner-vault-nxdomain", None), ("partner-vault-fallback", "203.0.113.10")):
        w = world(build(name))
        z = w["zones"][W.KV_ZONE]
        c.eq((z["linked"], z["records"].get(W.KEYVAULT), z["records"].get(W.PARTNER_VAULT)), (True, "10.0.1.4", want),
             f"{name}: the app's linked zone answers; the partner's name "
             + ("has no record (NXDOMAIN)" if want is None else "falls back to the public front"))
        c.eq(svc(w, W.PARTNER_VAULT)["private_endpoint"]["connection"], "Approved",
             f"{name}: the partner's own endpoint is Approved (its public name has the alias)")


def test_issue15_worlds(c):
    import worlds_estate as E

    def view(name, a=None):
        w = world(a or build(name))
        kv = w["zones"].get(W.KV_ZONE) or {}
        return (w["app"]["dns_servers"], w.get("custom_dns"), kv.get("linked"), kv.get("records", {}).get(W.KEYVAULT),
                svc(w, W.KEYVAULT)["private_endpoint"]["port"])
    hub_up = (["10.0.2.54"], {"state": "up", "forwards_privatelink": True}, True, "10.0.1.4", "listen")
    c.eq(view("hub-spoke-healthy"), hub_up, "hub-spoke-healthy: the inbound endpoint (played by 10.0.2.54) "
                                            "answers from the hub zone")
    c.eq(view("hub-read-forbidden"), hub_up, "hub-read-forbidden: the data plane is healthy")
    c.eq(view("hub-spoke-peering-disconnected")[1], {"state": "drop", "forwards_privatelink": True},
         "hub-spoke-peering-disconnected: the inbound endpoint is out of reach (drop)")
    c.eq(view("hub-spoke-ruleset-unlinked"), (["10.0.2.53"], None, False, "10.0.1.4", "listen"),
         "hub-spoke-ruleset-unlinked: Azure DNS in the spoke has no link: public chain")
    a = build("hub-spoke-ruleset-unlinked")
    a.call("PUT", f"{E.RULESET_ID}/virtualNetworkLinks/spoke?api-version=2022-07-01",
           {"properties": {"virtualNetwork": {"id": W.VNET_ID}}})
    c.eq(view(None, a)[2], True, "... the ruleset linked to the spoke forwards to the inbound endpoint: the hub zone answers")
    a.call("PUT", f"{E.RULESET_ID}/forwardingRules/vaultcore?api-version=2022-07-01", {"properties": {
        "domainName": "privatelink.vaultcore.azure.net.", "targetDnsServers": [{"ipAddress": "192.168.10.4"}]}})
    c.eq(view(None, a)[2], False, "... a rule pointing elsewhere: no private answer")
    c.eq(view("custom-dns-not-forwarding")[1], {"state": "up", "forwards_privatelink": False},
         "custom-dns-not-forwarding: the VM server (played by 10.0.2.54) does not forward")
    c.eq(view("duplicate-zone-in-spoke")[2:4], (True, None),
         "duplicate-zone-in-spoke: the spoke's own zone answers for the spoke, without the vault's record")
    w = world(build("kv-reference-unresolved"))
    c.eq((w["app"]["integrated"], w["app"]["route_all"], w["zones"][W.KV_ZONE]["linked"]), (True, False, True),
         "kv-reference-unresolved: integrated, route-all off, the app's own DNS still private")
    c.eq(world(build("outbound-routing-split"))["app"]["route_all"], True,
         "outbound-routing-split: applicationTraffic carries the app's traffic")
    w = world(build("estate-scale"))
    c.eq((len(w["services"]), len(w["zones"][W.KV_ZONE]["records"])), (302, 1000), "estate-scale: 302 services, 1,000 records")
    f, notes = wfs.for_lab(w, {"app": True, "cgnat": True, "custom_dns": True})
    c.check(sorted(s["name"] for s in f["services"]) == sorted([W.KEYVAULT, W.COGNITIVE]) and notes,
            "estate-scale for the lab: the app's two services, noted", str(notes))


def test_effective_only(c):
    a = build("tutorial-complete")
    a.config["lro_seconds"] = 3600   # new operations stay InProgress
    zg = f"{W.NET}/privateEndpoints/{W.KV_PE}/privateDnsZoneGroups/{W.KV_ZG}"
    req = armmod.Request("DELETE", zg, {"api-version": W.V_NET}, principal=None)
    c.eq(a.handle(req).status, 202, "zone group delete accepted")
    c.eq(world(a)["zones"][W.KV_ZONE]["records"].get(W.KEYVAULT), "10.0.1.4",
         "while the delete runs the record still answers")
    for op in a.ops.values():
        op.due = 0
    a.tick()
    c.check(W.KEYVAULT not in world(a)["zones"][W.KV_ZONE]["records"], "after it finishes the record is gone")
    link = f"{W.NET}/privateDnsZones/{W.KV_ZONE}/virtualNetworkLinks/newlink"
    a.handle(armmod.Request("DELETE", f"{W.NET}/privateDnsZones/{W.KV_ZONE}/virtualNetworkLinks/{W.KV_LINK}",
                            {"api-version": W.V_DNS}))
    for op in a.ops.values():
        op.due = 0
    a.tick()
    c.eq(world(a)["zones"][W.KV_ZONE]["linked"], False, "zone without its link: unlinked")
    a.handle(armmod.Request("PUT", link, {"api-version": W.V_DNS}, body={
        "location": "global", "properties": {"virtualNetwork": {"id": W.VNET_ID}}}))
    c.eq(world(a)["zones"][W.KV_ZONE]["linked"], False, "a link still InProgress does not link")
    for op in a.ops.values():
        op.due = 0
    a.tick()
    c.eq(world(a)["zones"][W.KV_ZONE]["linked"], True, "the finished link links")


def _snap(a):
    return a.snapshot()


def test_translation_rules(c):
    a = build("tutorial-complete")
    snap = _snap(a)
    kv = snap["resources"][W.KV_ID.lower()]
    kv2 = copy.deepcopy(kv)
    kv2["body"]["properties"]["networkAcls"]["ipRules"] = [{"value": "198.51.100.0/24"}]
    c.eq(wfs.public_access(kv2, "198.51.100.7"), "Enabled", "an IP rule covering the app's outbound address lets it in")
    kv2["body"]["properties"]["publicNetworkAccess"] = "Disabled"
    c.eq(wfs.public_access(kv2, "198.51.100.7"), "Disabled", "publicNetworkAccess Disabled overrides IP rules")
    kv3 = copy.deepcopy(kv)
    del kv3["body"]["properties"]["networkAcls"]
    c.eq(wfs.public_access(kv3, "198.51.100.7"), "Enabled", "no networkAcls: Allow")
    # Disconnected / Rejected connections read as the lab's Pending.
    for pe in snap["resources"].values():
        if pe["type"] == "Microsoft.Network/privateEndpoints" and pe["body"]["name"] == W.KV_PE:
            pe["body"]["properties"]["privateLinkServiceConnections"][0]["properties"][
                "privateLinkServiceConnectionState"]["status"] = "Rejected"
    c.eq(svc(wfs.translate(snap, W.SITE_ID), W.KEYVAULT)["private_endpoint"]["connection"], "Pending",
         "a Rejected connection is the lab's Pending")
    # An account without a custom subdomain has no DNS name: left out.
    snap = _snap(a)
    del snap["resources"][W.CS_ID.lower()]["body"]["properties"]["customSubDomainName"]
    c.check(all(s["kind"] != "cognitive" for s in wfs.translate(snap, W.SITE_ID)["services"]),
            "an account without customSubDomainName is left out")
    # WEBSITE_DNS_SERVER wins over the VNet; 168.63.129.16 means Azure DNS.
    snap = _snap(a)
    snap["resources"][f"{W.SITE_ID}/config/appsettings".lower()]["body"]["properties"]["WEBSITE_DNS_SERVER"] = "168.63.129.16"
    c.eq(wfs.translate(snap, W.SITE_ID)["app"]["dns_servers"], ["10.0.2.53"], "WEBSITE_DNS_SERVER=168.63.129.16 is Azure DNS")
    snap["resources"][f"{W.SITE_ID}/config/appsettings".lower()]["body"]["properties"]["WEBSITE_DNS_SERVER"] = "10.0.2.54"
    w = wfs.translate(snap, W.SITE_ID)
    c.eq((w["app"]["dns_servers"], w["custom_dns"]["forwards_privatelink"]), (["10.0.2.54"], True),
         "an unknown custom server is taken to forward")
    # route-all from the legacy app setting alone.
    snap = _snap(a)
    snap["resources"][f"{W.SITE_ID}/config/web".lower()]["body"]["properties"]["vnetRouteAllEnabled"] = False
    c.eq(wfs.translate(snap, W.SITE_ID)["app"]["route_all"], True, "WEBSITE_VNET_ROUTE_ALL=1 alone turns route-all on")
    del snap["resources"][f"{W.SITE_ID}/config/appsettings".lower()]["body"]["properties"]["WEBSITE_VNET_ROUTE_ALL"]
    c.eq(wfs.translate(snap, W.SITE_ID)["app"]["route_all"], False, "... and without it, off")
    site = snap["resources"][W.SITE_ID.lower()]["body"]["properties"]
    site["outboundVnetRouting"] = {"allTraffic": True}
    c.eq(wfs.translate(snap, W.SITE_ID)["app"]["route_all"], True, "outboundVnetRouting.allTraffic turns route-all on")
    site["outboundVnetRouting"] = {"allTraffic": False, "applicationTraffic": True}
    c.eq(wfs.translate(snap, W.SITE_ID)["app"]["route_all"], True, "... and so does applicationTraffic (app traffic)")
    site["outboundVnetRouting"] = {"allTraffic": False, "applicationTraffic": False}
    c.eq(wfs.translate(snap, W.SITE_ID)["app"]["route_all"], False, "... both false: off")


def test_for_lab(c):
    w = world(build("empty-network"))
    full = {"app": True, "cgnat": True, "custom_dns": True}
    f, notes = wfs.for_lab(w, full)
    c.eq((f, notes), (w, []), "a lab that knows everything gets the world unchanged")
    w = world(build("integration-missing"))
    f, notes = wfs.for_lab(w, {})
    c.check("app" not in f and all(s["private_endpoint"]["port"] == "drop" for s in f["services"]),
            "old lab, app not integrated: no app section, endpoint ports dropped", json.dumps(f)[:300])
    w = world(build("routeall-off"))
    f, notes = wfs.for_lab(w, {"app": True, "custom_dns": True})
    c.check(all("private_endpoint" not in s for s in f["services"]) and len(notes) == 2,
            "lab without 100.64/10: those endpoints are left out, with notes", str(notes))
    f, notes = wfs.for_lab(w, full)
    c.eq(svc(f, W.KEYVAULT)["private_endpoint"]["address"], "100.64.1.4", "lab with 100.64/10: kept")
    w = world(build("custom-dns-nonforwarding"))
    f, notes = wfs.for_lab(w, {"app": True, "cgnat": True})
    c.check(f["app"]["dns_servers"] == ["10.0.2.53"] and "custom_dns" not in f and notes,
            "lab without custom DNS: Azure DNS kept, noted")
    w["app"]["dns_servers"] = ["10.0.3.4"]
    f, notes = wfs.for_lab(w, full)
    c.check(f["app"]["dns_servers"] == ["10.0.2.53"] and notes, "a custom server other than 10.0.2.54: Azure DNS, noted")
    parse = lab_parser()
    if parse:
        feats = wfs.lab_features(parse)
        c.check(isinstance(feats, dict) and set(feats) == {"app", "cgnat", "custom_dns"},
                f"features probed from the lab's parser: {feats}")
        for name in W.WORLDS:
            f, _ = wfs.for_lab(world(build(name)), feats)
            try:
                parse(json.dumps(f), name)
                ok = True
            except Exception as e:  # noqa: BLE001
                ok = str(e)
            c.check(ok is True, f"{name}: folded for the running lab, its parser accepts it", str(ok))


def test_app_environment(c):
    env = wfs.app_environment(build("tutorial-complete").snapshot(), W.SITE_ID, identity_endpoint="http://x/msi/token",
                              identity_header="h", arm_endpoint="https://127.0.0.1:1", arm_ca_bundle="/ca.pem",
                              azure_dns_server="10.0.2.53")
    c.eq(env["WEBSITE_OWNER_NAME"], f"{W.SUBSCRIPTION}+securebackendsetup-WestEuropewebspace-Linux", "WEBSITE_OWNER_NAME")
    c.eq((env["WEBSITE_SITE_NAME"], env["WEBSITE_RESOURCE_GROUP"]), (W.APP, W.RESOURCE_GROUP), "site name and group")
    c.eq(env.get("WEBSITE_PRIVATE_IP"), "10.0.0.4", "integrated: WEBSITE_PRIVATE_IP is the first free address, .4")
    c.eq(env.get("WEBSITE_VNET_ROUTE_ALL"), "1", "app settings become variables")
    c.eq(env.get("CS_ACCOUNT_NAME"), W.COGNITIVE, "... all of them")
    c.eq((env["IDENTITY_ENDPOINT"], env["IDENTITY_HEADER"], env["VNETDIAG_AZURE_DNS_SERVER"]),
         ("http://x/msi/token", "h", "10.0.2.53"), "identity endpoint and Azure DNS stand-in")
    c.eq(env["WEBSITE_SKU"], "Standard", "WEBSITE_SKU follows the plan")
    env = wfs.app_environment(build("integration-missing").snapshot(), W.SITE_ID)
    c.check("WEBSITE_PRIVATE_IP" not in env, "not integrated: no WEBSITE_PRIVATE_IP")
    env = wfs.app_environment(build("empty-network").snapshot(), W.SITE_ID)
    c.check("WEBSITE_VNET_ROUTE_ALL" not in env and env["WEBSITE_SKU"] == "Basic", "empty-network: no route-all, Basic")


def test_network_path(c):
    """A deny rule, a diverting UDR, an endpoint-subnet NSG under network policies, or an unpeered
    VNet drop the endpoint's traffic in the lab; the healthy counterparts do not."""
    def ports(name):
        w = world(build(name))
        return {s["name"]: s["private_endpoint"]["port"] for s in w["services"] if "private_endpoint" in s}
    both_drop = {W.KEYVAULT: "drop", W.COGNITIVE: "drop"}
    both_listen = {W.KEYVAULT: "listen", W.COGNITIVE: "listen"}
    for name in ("nsg-deny-integration", "pe-subnet-nsg", "pe-vnet-unpeered", "peering-disconnected"):
        c.eq(ports(name), both_drop, f"{name}: both endpoints dropped")
    c.eq(ports("udr-to-appliance"), {W.KEYVAULT: "drop", W.COGNITIVE: "listen"},
         "udr-to-appliance: only the vault endpoint's /32 is diverted")
    for name in ("healthy-nsg-allows", "healthy-udr-default", "healthy-peered-hub", "nsg-service-tag"):
        c.eq(ports(name), both_listen, f"{name}: the endpoints listen")
    # The /32 system route wins over a /32 UDR while the endpoint subnet's policies are Disabled.
    a = build("udr-to-appliance")
    subnet = a.get(f"{W.VNET_ID}/subnets/{W.PE_SUBNET}")
    subnet.body["properties"]["privateEndpointNetworkPolicies"] = "Disabled"
    c.eq(svc(world(a), W.KEYVAULT)["private_endpoint"]["port"], "listen", "policies Disabled: the /32 route wins")
    res = wfs.path_blocked({}, None, "10.0.1.4", False)
    c.eq(res, None, "not integrated: no path to judge")


def main():
    c = Checks("test_world_from_state")
    for t in (test_named_worlds, test_issue14_worlds, test_issue15_worlds, test_effective_only, test_translation_rules, test_for_lab,
              test_app_environment, test_network_path):
        c.run(t)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
