#!/usr/bin/python3
"""Azure's behaviour in the twin, over HTTPS: long-running operations per provider, addresses
from .4, approval, zone groups writing and removing A records, subnets in use, the rules of VNet
integration, app settings replaced as a whole, VNet PUT with and without subnets, merge patches."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds as W  # noqa: E402
from twinlib import Checks, Twin  # noqa: E402

N, D, KV, CS, WEB = "2024-01-01", "2024-06-01", "2023-07-01", "2023-05-01", "2023-12-01"
SUBNETS = f"{W.VNET_ID}/subnets"


def fresh(twin, world):
    st, _, b = twin.control("POST", "reset", {"world": world})
    assert st == 200, b
    twin.control("POST", "config", {"lro_seconds": 0.3, "retry_after": 0})
    return twin.login("mi")


def build_network(arm):
    arm.send("PUT", W.VNET_ID, {"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}, N)
    arm.send("PUT", f"{SUBNETS}/{W.INTEGRATION_SUBNET}", {"properties": {"addressPrefix": "10.0.0.0/24"}}, N)
    arm.send("PUT", f"{SUBNETS}/{W.PE_SUBNET}", {"properties": {"addressPrefix": "10.0.1.0/24",
                                                                "privateEndpointNetworkPolicies": "Disabled"}}, N)


def pe_body(target, group, manual=False):
    key = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    return {"location": "westeurope", "properties": {"subnet": {"id": f"{SUBNETS}/{W.PE_SUBNET}"},
            key: [{"name": "c", "properties": {"privateLinkServiceId": target, "groupIds": [group]}}]}}


def nic_ip(arm, pe):
    st, _, b = arm.call("GET", pe, None, N)
    nic = b["properties"]["networkInterfaces"][0]["id"]
    st, _, n = arm.call("GET", nic, None, N)
    return n["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"]


def test_lro(c, twin):
    arm = fresh(twin, "empty-network")
    twin.control("POST", "config", {"retry_after": 1})
    st, h, b = arm.call("PUT", W.VNET_ID, {"location": "westeurope", "properties": {"addressSpace": {
        "addressPrefixes": ["10.0.0.0/16"]}}}, N)
    c.eq(st, 201, "VNet PUT (create) -> 201")
    c.eq(b["properties"]["provisioningState"], "Updating", "... provisioningState Updating")
    c.check("azure-asyncoperation" in h and h.get("retry-after") == "1" and "location" not in h,
            "... Azure-AsyncOperation and Retry-After, no Location (final-state-via azure-async-operation)", str(h))
    path = h["azure-asyncoperation"][h["azure-asyncoperation"].index("/", 8):]
    st, h2, s = arm.raw("GET", path)
    c.eq((st, s["status"]), (200, "InProgress"), "status URL: 200 InProgress at first")
    c.eq(h2.get("retry-after"), "1", "... with Retry-After")
    st, _, g = arm.call("GET", W.VNET_ID, None, N)
    c.eq(g["properties"]["provisioningState"], "Updating", "GET while running: Updating")
    final = arm.wait(h)
    c.eq(final["status"], "Succeeded", "then Succeeded")
    c.check("endTime" in final and "startTime" in final, "... with start and end time")
    st, _, g = arm.call("GET", W.VNET_ID, None, N)
    c.eq(g["properties"]["provisioningState"], "Succeeded", "GET after: Succeeded")
    # A second write to the same VNet while an operation runs.
    st, h, b = arm.call("PUT", f"{SUBNETS}/a", {"properties": {"addressPrefix": "10.0.5.0/24"}}, N)
    st2, _, b2 = arm.call("PUT", f"{SUBNETS}/b", {"properties": {"addressPrefix": "10.0.6.0/24"}}, N)
    c.eq((st2, b2["error"]["code"]), (409, "AnotherOperationInProgress"),
         "a subnet PUT while another on the same VNet runs -> 409 AnotherOperationInProgress")
    arm.wait(h)
    st, h, b = arm.call("DELETE", f"{SUBNETS}/a", None, N)
    c.check(st == 202 and "location" in h and "azure-asyncoperation" in h, "subnet DELETE -> 202 with Location and Azure-AsyncOperation")
    lpath = h["location"][h["location"].index("/", 8):]
    st, _, _ = arm.raw("GET", lpath)
    c.eq(st, 202, "Location monitor: 202 while running")
    time.sleep(0.35)
    st, _, _ = arm.raw("GET", lpath)
    c.eq(st, 204, "Location monitor: 204 when the delete is done")
    st, _, _ = arm.call("GET", f"{SUBNETS}/a", None, N)
    c.eq(st, 404, "the subnet is gone")
    zone = f"{W.NET}/privateDnsZones/{W.KV_ZONE}"
    st, h, b = arm.call("PUT", zone, {"location": "global"}, D)
    c.eq((st, b), (202, {}), "private DNS zone PUT -> 202 {}")
    path = h["azure-asyncoperation"][h["azure-asyncoperation"].index("/", 8):]
    c.check("/privateDnsOperationStatuses/" in path, "status URL is privateDnsOperationStatuses")
    st, _, s = arm.raw("GET", path)
    c.eq((st, s["status"]), (202, "InProgress"), "private DNS status answers 202 while InProgress (as recorded)")
    c.eq(arm.wait(h)["status"], "Succeeded", "... then 200 Succeeded")
    st, h, b = arm.call("PATCH", W.CS_ID, {"properties": {"publicNetworkAccess": "Disabled"}}, CS)
    c.check(st == 202 and "location" in h and "azure-asyncoperation" in h and b["properties"]["provisioningState"] == "Accepted",
            "cognitive account PATCH -> 202 Accepted with Location and azure-AsyncOperation", f"{st} {h}")
    arm.wait(h)
    st, h, b = arm.call("PUT", W.PLAN_ID, {"location": "westeurope", "sku": {"name": "S1"}}, WEB)
    c.check(st == 202 and "location" in h, "plan PUT changing the SKU -> 202 with Location", f"{st}")
    c.eq(b["sku"], {"name": "S1", "tier": "Standard", "size": "S1", "family": "S", "capacity": 1}, "... SKU normalised")
    arm.wait(h)


def test_endpoints(c, twin):
    arm = fresh(twin, "empty-network")
    build_network(arm)
    pe1, pe2, pe3 = (f"{W.NET}/privateEndpoints/{n}" for n in ("pe1", "pe2", "pe3"))
    st, h, b, _ = arm.send("PUT", pe1, pe_body(W.KV_ID, "vault"), N)
    c.eq(st, 201, "PE PUT -> 201")
    c.eq(b["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]["status"],
         "Approved", "automatic connection: Approved at once")
    c.eq(nic_ip(arm, pe1), "10.0.1.4", "first endpoint gets .4")
    arm.send("PUT", pe2, pe_body(W.CS_ID, "account"), N)
    c.eq(nic_ip(arm, pe2), "10.0.1.5", "second endpoint gets .5")
    arm.send("DELETE", pe1, None, N)
    arm.send("PUT", pe3, pe_body(W.KV_ID, "vault"), N)
    c.eq(nic_ip(arm, pe3), "10.0.1.4", "after a delete, .4 is free again")
    st, _, b = arm.call("PUT", f"{W.NET}/privateEndpoints/pe4", dict(pe_body(W.KV_ID, "vault"), properties=dict(
        pe_body(W.KV_ID, "vault")["properties"], ipConfigurations=[{"name": "s", "properties": {
            "groupId": "vault", "memberName": "default", "privateIPAddress": "10.0.1.5"}}])), N)
    c.eq((st, b["error"]["code"]), (400, "PrivateIPAddressInUse"), "a static address in use -> 400 PrivateIPAddressInUse")
    st, _, b = arm.call("PUT", f"{W.NET}/privateEndpoints/pe5", pe_body(W.KV_ID, "account"), N)
    c.eq((st, b["error"]["code"]), (400, "InvalidGroupId"), "wrong group id for a vault -> 400")
    st, _, b = arm.call("GET", pe3, None, N)
    c.eq(b["properties"]["customDnsConfigs"], [{"fqdn": "vdlabkv.vaultcore.azure.net", "ipAddresses": ["10.0.1.4"]}],
         "without a zone group the endpoint lists customDnsConfigs")
    st, _, b = arm.call("GET", f"{W.KV_ID}/privateEndpointConnections", None, KV)
    c.check(len(b["value"]) == 1 and b["value"][0]["properties"]["privateEndpoint"]["id"].endswith("/pe3"),
            "the vault lists the endpoint's connection", str(b)[:300])
    st, _, v = arm.call("GET", W.KV_ID, None, KV)
    c.eq(v["properties"]["privateEndpointConnections"][0]["properties"]["privateLinkServiceConnectionState"]["status"],
         "Approved", "... and shows it Approved in the vault body")
    # Subnet in use.
    st, _, b = arm.call("DELETE", f"{SUBNETS}/{W.PE_SUBNET}", None, N)
    c.eq((st, b["error"]["code"]), (409, "InUseSubnetCannotBeDeleted"), "subnet with endpoints: DELETE -> 409 InUseSubnetCannotBeDeleted")
    st, _, b = arm.call("GET", f"{SUBNETS}/{W.PE_SUBNET}", None, N)
    c.eq(len(b["properties"]["privateEndpoints"]), 2, "the subnet lists its endpoints")
    # Manual approval.
    twin.control("POST", "facts", {"manual_approval": [W.CS_ID]})
    arm.send("DELETE", pe2, None, N)
    st, _, b, _ = arm.send("PUT", pe2, pe_body(W.CS_ID, "account"), N)
    state = b["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]
    c.eq(state["status"], "Pending", "a target that needs manual approval: Pending")
    st, _, lst = arm.call("GET", f"{W.CS_ID}/privateEndpointConnections", None, CS)
    name = lst["value"][0]["name"]
    c.eq(lst["value"][0]["properties"]["privateLinkServiceConnectionState"]["status"], "Pending", "the account sees it Pending")
    st, _, b = arm.call("PUT", f"{W.CS_ID}/privateEndpointConnections/{name}", {"properties": {
        "privateLinkServiceConnectionState": {"status": "Approved", "description": "ok"}}}, CS)
    c.eq(st, 200, "the owner approves (PUT privateEndpointConnections)")
    st, _, b = arm.call("GET", pe2, None, N)
    c.eq(b["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]["status"],
         "Approved", "... and the endpoint shows Approved")
    st, _, b, _ = arm.send("PUT", f"{W.NET}/privateEndpoints/pe6", pe_body(W.KV_ID, "vault", manual=True), N)
    c.eq(b["properties"]["manualPrivateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]["status"],
         "Pending", "a manual connection: Pending")
    st, _, b = arm.call("GET", f"{W.KV_ID}/privateEndpointConnections/nope", None, KV)
    c.eq(st, 204, "Key Vault: GET of a missing connection -> 204 (as its swagger declares)")


def test_zone_groups(c, twin):
    arm = fresh(twin, "empty-network")
    build_network(arm)
    zone = f"{W.NET}/privateDnsZones/{W.KV_ZONE}"
    arm.send("PUT", zone, {"location": "global"}, D)
    pe = f"{W.NET}/privateEndpoints/{W.KV_PE}"
    arm.send("PUT", pe, pe_body(W.KV_ID, "vault"), N)
    zg = f"{pe}/privateDnsZoneGroups/{W.KV_ZG}"
    st, h, b, final = arm.send("PUT", zg, {"properties": {"privateDnsZoneConfigs": [
        {"name": W.KV_ZONE, "properties": {"privateDnsZoneId": zone}}]}}, N)
    c.eq((st, final["status"]), (201, "Succeeded"), "zone group PUT -> 201, then Succeeded")
    st, _, rec = arm.call("GET", f"{zone}/A/{W.KEYVAULT}", None, D)
    c.eq((st, rec["properties"]["aRecords"], rec["properties"]["ttl"]), (200, [{"ipv4Address": "10.0.1.4"}], 10),
         "the zone group wrote the endpoint's A record (TTL 10)")
    st, _, g = arm.call("GET", zg, None, N)
    rs = g["properties"]["privateDnsZoneConfigs"][0]["properties"]["recordSets"]
    c.eq([(r["recordSetName"], r["ipAddresses"]) for r in rs], [("vdlabkv", ["10.0.1.4"])], "the group lists the record set")
    st, _, p = arm.call("GET", pe, None, N)
    c.eq(p["properties"]["customDnsConfigs"], [], "with a zone group the endpoint's customDnsConfigs are empty")
    st, _, b = arm.call("PUT", f"{pe}/privateDnsZoneGroups/second", {"properties": {"privateDnsZoneConfigs": [
        {"properties": {"privateDnsZoneId": zone}}]}}, N)
    c.eq(st, 400, "a second zone group on one endpoint -> 400")
    st, _, b = arm.call("PUT", zg, {"properties": {"privateDnsZoneConfigs": [
        {"properties": {"privateDnsZoneId": f"{W.NET}/privateDnsZones/nope.example"}}]}}, N)
    c.eq((st, b["error"]["code"]), (400, "InvalidResourceReference"), "a zone group naming a missing zone -> 400")
    st, h, b, final = arm.send("DELETE", zg, None, N)
    c.eq(st, 202, "zone group DELETE -> 202")
    st, _, _ = arm.call("GET", f"{zone}/A/{W.KEYVAULT}", None, D)
    c.eq(st, 404, "deleting the zone group removed the record")


def test_integration(c, twin):
    arm = fresh(twin, "empty-network")
    build_network(arm)
    subnet = f"{SUBNETS}/{W.INTEGRATION_SUBNET}"
    st, _, b = arm.call("PATCH", W.SITE_ID, {"properties": {"virtualNetworkSubnetId": subnet}}, WEB)
    c.check(st == 400 and "missing a delegation to Microsoft.Web/serverFarms" in b.get("Message", ""),
            "integration into an undelegated subnet -> 400 (Web shape) missing a delegation", str(b)[:200])
    arm.send("PUT", subnet, {"properties": {"addressPrefix": "10.0.0.0/24", "delegations": [
        {"name": "0", "properties": {"serviceName": "Microsoft.Web/serverFarms"}}]}}, N)
    st, _, b = arm.call("PATCH", W.SITE_ID, {"properties": {"virtualNetworkSubnetId": subnet}}, WEB)
    c.check(st == 400 and "Standard" in b.get("Message", ""), "plan at Basic -> 400 (Web shape) needs Standard", str(b)[:200])
    arm.send("PUT", W.PLAN_ID, {"location": "westeurope", "kind": "linux", "sku": {"name": "S1"}}, WEB)
    st, _, b = arm.call("PATCH", W.SITE_ID, {"properties": {"virtualNetworkSubnetId": subnet}}, WEB)
    c.eq((st, b["properties"].get("virtualNetworkSubnetId")), (200, subnet), "delegated subnet + S1: integrated")
    st, _, s = arm.call("GET", subnet, None, N)
    sal = (s["properties"].get("serviceAssociationLinks") or [{}])[0].get("properties", {})
    c.eq((sal.get("linkedResourceType"), sal.get("link")), ("Microsoft.Web/serverfarms", W.PLAN_ID),
         "the subnet carries a service association link to the plan")
    st, _, n = arm.call("GET", f"{W.SITE_ID}/networkConfig/virtualNetwork", None, WEB)
    c.eq(n["properties"]["subnetResourceId"], subnet, "networkConfig/virtualNetwork shows the subnet")
    st, _, b = arm.call("PUT", subnet, {"properties": {"addressPrefix": "10.0.0.0/24"}}, N)
    c.eq((st, b["error"]["code"]), (400, "SubnetMissingRequiredDelegation"),
         "removing the delegation while integrated -> 400 SubnetMissingRequiredDelegation")
    st, _, b = arm.call("DELETE", subnet, None, N)
    c.eq((st, b["error"]["code"]), (409, "InUseSubnetCannotBeDeleted"), "deleting the integration subnet -> 409")
    st, _, b = arm.call("PUT", W.PLAN_ID, {"location": "westeurope", "sku": {"name": "B1"}}, WEB)
    c.check(st == 409 and b.get("Code") == "Conflict", "scaling the plan below Standard while integrated -> 409 (Web)", str(b)[:200])
    st, _, b = arm.call("DELETE", f"{W.SITE_ID}/networkConfig/virtualNetwork", None, WEB)
    c.eq(st, 200, "DELETE networkConfig/virtualNetwork removes the integration")
    st, _, s = arm.call("GET", subnet, None, N)
    c.check(not s["properties"].get("serviceAssociationLinks"), "... and the service association link")
    st, _, n = arm.call("PUT", f"{W.SITE_ID}/networkConfig/virtualNetwork", {"properties": {"subnetResourceId": subnet,
                                                                                            "swiftSupported": True}}, WEB)
    c.eq((st, n["properties"]["subnetResourceId"]), (200, subnet), "PUT networkConfig/virtualNetwork integrates again")
    st, _, b = arm.call("PATCH", W.SITE_ID, {"properties": {"virtualNetworkSubnetId": None}}, WEB)
    c.check(st == 200 and "virtualNetworkSubnetId" not in b["properties"], "PATCH virtualNetworkSubnetId null removes it")


def test_settings_and_puts(c, twin):
    arm = fresh(twin, "tutorial-complete")
    st, _, b = arm.call("POST", f"{W.SITE_ID}/config/appsettings/list", None, WEB)
    before = b["properties"]
    c.check(len(before) >= 4 and before.get("WEBSITE_VNET_ROUTE_ALL") == "1", "list shows every app setting", str(before))
    st, _, b = arm.call("PUT", f"{W.SITE_ID}/config/appsettings", {"properties": {"ONLY": "this"}}, WEB)
    st, _, b = arm.call("POST", f"{W.SITE_ID}/config/appsettings/list", None, WEB)
    c.eq(b["properties"], {"ONLY": "this"}, "PUT appsettings replaces the whole set (as in Azure)")
    arm.call("PUT", f"{W.SITE_ID}/config/appsettings", {"properties": before}, WEB)
    st, _, cfg = arm.call("PATCH", f"{W.SITE_ID}/config/web", {"properties": {"vnetRouteAllEnabled": False}}, WEB)
    st, _, site = arm.call("GET", W.SITE_ID, None, WEB)
    c.eq((cfg["properties"]["vnetRouteAllEnabled"], site["properties"]["vnetRouteAllEnabled"]), (False, False),
         "config/web vnetRouteAllEnabled is the site's vnetRouteAllEnabled")
    # VNet PUT without subnets keeps them; with a partial list it drops the others.
    st, h, b, _ = arm.send("PUT", W.VNET_ID, {"location": "westeurope", "properties": {"addressSpace": {
        "addressPrefixes": ["10.0.0.0/16"]}}}, N)
    c.eq(len(b["properties"]["subnets"]), 3, "VNet PUT without 'subnets' keeps all three (api >= 2023-09-01)")
    st, _, b = arm.call("PUT", W.VNET_ID, {"location": "westeurope", "properties": {"addressSpace": {
        "addressPrefixes": ["10.0.0.0/16"]}, "subnets": []}}, N)
    c.eq((st, b["error"]["code"]), (400, "InUseSubnetCannotBeDeleted"), "VNet PUT with subnets [] while in use -> 400")
    st, _, g = arm.call("GET", W.VNET_ID, None, N)
    keep = [{"name": s["name"], "properties": s["properties"]} for s in g["properties"]["subnets"]
            if s["name"] != W.OTHER_SUBNET]
    st, h, b, _ = arm.send("PUT", W.VNET_ID, {"location": "westeurope", "properties": {"addressSpace": {
        "addressPrefixes": ["10.0.0.0/16"]}, "subnets": keep}}, N)
    c.eq(sorted(s["name"] for s in b["properties"]["subnets"]), sorted([W.INTEGRATION_SUBNET, W.PE_SUBNET]),
         "VNet PUT with a partial subnet list drops the unlisted (unused) subnet")
    st, _, s = arm.call("GET", f"{SUBNETS}/{W.INTEGRATION_SUBNET}", None, N)
    c.check(s["properties"].get("serviceAssociationLinks"), "... and keeps the in-use ones with their links")
    # Key Vault PATCH merges networkAcls; a subnet PUT replaces the subnet.
    st, _, v = arm.call("PATCH", W.KV_ID, {"properties": {"networkAcls": {"defaultAction": "Allow"}}}, KV)
    c.eq((v["properties"]["networkAcls"]["defaultAction"], v["properties"]["networkAcls"]["ipRules"]),
         ("Allow", [{"value": W.VAULT_IP_RULE}]), "vault PATCH merges networkAcls (IP rule kept)")
    st, _, v = arm.call("PATCH", W.KV_ID, {"properties": {"networkAcls": {"ipRules": [{"value": "192.0.2.9"}]}}}, KV)
    c.eq(v["properties"]["networkAcls"]["ipRules"], [{"value": "192.0.2.9/32"}], "IP rules are normalised to CIDR")
    st, _, b = arm.call("PUT", f"{SUBNETS}/{W.OTHER_SUBNET}", {"properties": {"addressPrefix": "10.0.3.0/24"}}, N)
    c.eq(st, 201, "recreate the third subnet")


def test_more_rules(c, twin):
    arm = fresh(twin, "tutorial-complete")
    st, _, site = arm.call("GET", W.SITE_ID, None, WEB)
    body = {"location": site["location"], "kind": site["kind"], "identity": {"type": "SystemAssigned"},
            "properties": {"serverFarmId": W.PLAN_ID, "httpsOnly": True}}
    st, _, b = arm.call("PUT", W.SITE_ID, body, WEB)
    c.check(st == 200 and b["properties"].get("virtualNetworkSubnetId"), "a site PUT without virtualNetworkSubnetId keeps the integration")
    st, _, b = arm.call("PATCH", W.CS_ID, {"properties": {"customSubDomainName": "other"}}, CS)
    c.eq((st, b["error"]["code"]), (400, "CustomSubDomainNameImmutable"), "the account's custom subdomain cannot change")
    st, _, b = arm.call("GET", f"/subscriptions/{W.SUBSCRIPTION}/providers/Microsoft.Network", None, "2021-04-01")
    types = {t["resourceType"]: t["apiVersions"] for t in b["resourceTypes"]}
    c.check(b["registrationState"] == "Registered" and "2024-06-01" in types.get("privateDnsZones", [])
            and "2024-01-01" in types.get("privateEndpoints", []), "provider registration and api-versions per type")
    # The vault goes: its endpoint is Disconnected.
    arm.send("DELETE", W.KV_ID, None, KV)
    st, _, pe = arm.call("GET", f"{W.NET}/privateEndpoints/{W.KV_PE}", None, N)
    c.eq(pe["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]["status"],
         "Disconnected", "deleting the vault leaves its endpoint Disconnected")
    st, _, w = twin.control("GET", "world")
    c.check(all(s["name"] != W.KEYVAULT for s in w["world"]["services"]), "... and the vault leaves the world")
    # The whole group goes.
    st, h, _ = arm.call("DELETE", W.RG_ID, None, "2021-04-01")
    c.check(st == 202 and "location" in h, "resource group DELETE -> 202 with Location")
    arm.wait(h)
    st, _, b = arm.call("GET", W.SITE_ID, None, WEB)
    c.eq((st, b["error"]["code"]), (404, "ResourceGroupNotFound"), "after it: ResourceGroupNotFound")
    st, _, b = arm.call("GET", f"/subscriptions/{W.SUBSCRIPTION}/resourcegroups", None, "2021-04-01")
    c.eq(b["value"], [], "no groups left")


def test_stats(c, twin):
    """/_twin/stats counts what the twin served at once (estate_bench checks vnetdiag's limit of 8)."""
    import threading
    from twinlib import ArmClient
    token = fresh(twin, "tutorial-complete").token
    clients = [ArmClient(twin.env["ARM_ENDPOINT"], twin.ca) for _ in range(4)]   # one connection each
    for cl in clients:
        cl.token = token
    twin.control("POST", "faults", {"kind": "latency", "ms": 300, "count": 4})
    twin.control("DELETE", "stats")
    threads = [threading.Thread(target=cl.call, args=("GET", W.SITE_ID, None, WEB)) for cl in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    st, _, stats = twin.control("GET", "stats")
    c.check(st == 200 and stats["requests"] >= 4 and stats["max_in_flight"] >= 2 and stats["in_flight"] == 0,
            "four slow GETs at once: counted, seen in flight together, none left", str(stats))


def main():
    c = Checks("test_behaviour")
    twin = Twin("empty-network")
    try:
        for t in (test_lro, test_endpoints, test_zone_groups, test_integration, test_settings_and_puts, test_more_rules,
                  test_stats):
            c.run(t, twin)
    finally:
        twin.stop()
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
