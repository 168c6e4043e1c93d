#!/usr/bin/python3
"""rp_dnsresolver.py over HTTPS (hub-spoke-healthy): the hub's resolver, its inbound endpoint at
10.0.2.54, the ruleset and its rules; lists at group and subscription level and children lists,
paged; bodies the twin refuses (no VNet, a subnet not delegated or outside the resolver's VNet, a
ruleset without an outbound endpoint, a rule whose domain is not fully qualified); a link and a
rule written and deleted."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds  # noqa: E402,F401 -- first: worlds_estate is imported through it
import worlds_estate as E  # noqa: E402
from twinlib import run_rp_tests  # noqa: E402

V = "2022-07-01"


def list_all(arm, path):
    """Every item of a list, following nextLink; (items, pages)."""
    items, pages = [], 0
    st, _, b = arm.call("GET", path, None, V)
    while True:
        assert st == 200, (st, b)
        pages += 1
        items += b["value"]
        if not b.get("nextLink"):
            return items, pages
        link = b["nextLink"]
        st, _, b = arm.raw("GET", link[link.index("/", 8):])


def test_reads(c, twin):
    arm = twin.arm
    st, _, b = arm.call("GET", E.RESOLVER_ID, None, V)
    c.check(st == 200 and b["properties"]["virtualNetwork"]["id"].lower() == E.HUB_VNET_ID.lower()
            and b["properties"]["dnsResolverState"] == "Connected", "GET resolver: hub-vnet, Connected", str(b))
    st, _, b = arm.call("GET", E.INBOUND_ID, None, V)
    ipc = b["properties"]["ipConfigurations"][0]
    c.eq((st, ipc["privateIpAddress"], ipc["subnet"]["id"].lower()), (200, E.INBOUND_IP, E.INBOUND_SUBNET_ID.lower()),
         "GET inbound endpoint: 10.0.2.54 in dns-inbound")
    st, _, b = arm.call("GET", E.RESOLVER_ID, None, "2020-04-01-preview")
    c.eq((st, b["error"]["code"]), (400, "InvalidApiVersionParameter"), "another api-version -> 400")
    st, _, b = arm.call("GET", E.RESOLVER_ID + "x", None, V)
    c.eq((st, b["error"]["code"]), (404, "ResourceNotFound"), "missing resolver -> 404")
    items, _ = list_all(arm, f"/subscriptions/{E.HUB_SUBSCRIPTION}/providers/Microsoft.Network/dnsResolvers")
    c.eq([i["name"] for i in items], ["hub-resolver"], "subscription list of resolvers")
    items, _ = list_all(arm, f"{E.HUB_NET}/dnsForwardingRulesets")
    c.eq([i["name"] for i in items], ["hub-ruleset"], "group list of rulesets")
    items, _ = list_all(arm, f"/subscriptions/{E.SUBSCRIPTION}/providers/Microsoft.Network/dnsForwardingRulesets")
    c.eq(items, [], "the app's subscription has no ruleset")
    items, _ = list_all(arm, f"{E.RULESET_ID}/forwardingRules")
    c.eq([(i["name"], i["properties"]["domainName"]) for i in items], [("onprem", "onprem.contoso.com.")],
         "forwarding rules of hub-ruleset")
    items, _ = list_all(arm, f"{E.RESOLVER_ID}/outboundEndpoints")
    c.eq([i["id"].lower() for i in items], [E.OUTBOUND_ID.lower()], "outbound endpoints")


def test_writes_and_paging(c, twin):
    arm = twin.arm
    for n in range(5):
        st, _, b = arm.call("PUT", f"{E.RULESET_ID}/forwardingRules/r{n}", {"properties": {
            "domainName": f"d{n}.example.", "targetDnsServers": [{"ipAddress": "192.168.10.5"}]}}, V)
        c.check(st == 201 and b["properties"]["provisioningState"] == "Succeeded", f"rule r{n} created", str(b))
    twin.control("POST", "config", {"page_size": 2})
    items, pages = list_all(arm, f"{E.RULESET_ID}/forwardingRules")
    c.eq((len(items), pages), (6, 3), "6 rules at page size 2: 3 pages, nextLink followed to the end")
    twin.control("POST", "config", {"page_size": 100})
    st, _, b = arm.call("PUT", f"{E.RULESET_ID}/virtualNetworkLinks/spoke-link", {"properties": {
        "virtualNetwork": {"id": E.VNET_ID}}}, V)
    c.check(st == 201 and b["properties"]["virtualNetwork"]["id"] == E.VNET_ID, "ruleset linked to the spoke", str(b))
    st, _, b = arm.call("PUT", f"{E.RULESET_ID}/virtualNetworkLinks/again", {"properties": {
        "virtualNetwork": {"id": E.VNET_ID}}}, V)
    c.eq(st, 409, "the same VNet linked twice -> 409")
    st, _, _ = arm.call("DELETE", f"{E.RULESET_ID}/virtualNetworkLinks/spoke-link", None, V)
    st2, _, _ = arm.call("GET", f"{E.RULESET_ID}/virtualNetworkLinks/spoke-link", None, V)
    c.eq((st, st2), (200, 404), "DELETE the link, then 404")


def test_refusals(c, twin):
    arm = twin.arm
    bad = [
        (f"{E.HUB_NET}/dnsResolvers/r2", {"location": "westeurope", "properties": {}},
         "properties.virtualNetwork", "a resolver without a VNet"),
        (f"{E.RESOLVER_ID}/inboundEndpoints/in2", {"location": "westeurope", "properties": {"ipConfigurations": [
            {"subnet": {"id": E.VM_SUBNET_ID}}]}}, "properties.ipConfigurations[0].subnet.id",
         "an inbound endpoint in a subnet not delegated to dnsResolvers"),
        (f"{E.RESOLVER_ID}/inboundEndpoints/in3", {"location": "westeurope", "properties": {"ipConfigurations": [
            {"subnet": {"id": E.INBOUND_SUBNET_ID}, "privateIpAddress": E.INBOUND_IP,
             "privateIpAllocationMethod": "Static"}]}}, "properties.ipConfigurations[0].privateIpAddress",
         "an inbound endpoint on an address in use"),
        (f"{E.HUB_NET}/dnsForwardingRulesets/rs2", {"location": "westeurope", "properties": {
            "dnsResolverOutboundEndpoints": []}}, "properties.dnsResolverOutboundEndpoints",
         "a ruleset without an outbound endpoint"),
        (f"{E.RULESET_ID}/forwardingRules/bad", {"properties": {"domainName": "vault.azure.net",
                                                               "targetDnsServers": [{"ipAddress": "10.1.2.4"}]}},
         "properties.domainName", "a rule whose domain does not end with '.'"),
    ]
    for path, body, target, what in bad:
        st, _, b = arm.call("PUT", path, body, V)
        c.check(st == 400 and b["error"].get("target") == target, f"{what} -> 400 naming {target}", str(b))
    st, _, b = arm.call("PUT", f"{E.RESOLVER_ID}/inboundEndpoints/in4", {"location": "westeurope", "properties": {
        "ipConfigurations": [{"subnet": {"id": E.INBOUND_SUBNET_ID}}]}}, V)
    c.eq((st, b["properties"]["ipConfigurations"][0]["privateIpAddress"]), (201, "10.0.2.52"),
         "a dynamic inbound endpoint takes the first free address of dns-inbound 10.0.2.48/28 (.54 is the static one)")
    st, _, b = arm.call("GET", f"{E.RESOLVER_ID}/nonsense", None, V)
    c.eq(st, 400, "an unknown child type -> 400")


def test_link_needs_join(c, twin):
    # Linking a ruleset to a VNet needs join/action on that VNet, as a zone link does.
    twin.control("DELETE", "roles?principal=app")
    twin.control("POST", "roles", [{"principal": "app", "role": "Network Contributor",
                                    "scope": f"/subscriptions/{E.HUB_SUBSCRIPTION}"},
                                   {"principal": "app", "role": "Reader", "scope": f"/subscriptions/{E.SUBSCRIPTION}"}])
    arm = twin.login("mi")
    link = f"{E.RULESET_ID}/virtualNetworkLinks/spoke-joined"
    st, _, b = arm.call("PUT", link, {"properties": {"virtualNetwork": {"id": E.VNET_ID}}}, V)
    c.eq((st, b.get("error", {}).get("code")), (403, "LinkedAuthorizationFailed"),
         "ruleset link without virtualNetworks/join/action on the spoke -> 403 LinkedAuthorizationFailed")
    c.check("Microsoft.Network/virtualNetworks/join/action" in b["error"]["message"], "... naming the linked action")
    twin.control("POST", "roles", [{"principal": "app", "actions": ["Microsoft.Network/virtualNetworks/join/action"],
                                    "scope": E.VNET_ID}])
    st, _, b = arm.call("PUT", link, {"properties": {"virtualNetwork": {"id": E.VNET_ID}}}, V)
    c.check(st == 201, "with join on the spoke the link is made", str(b)[:200])


if __name__ == "__main__":
    sys.exit(run_rp_tests("test_rp_dnsresolver", "hub-spoke-healthy", [test_reads, test_writes_and_paging, test_refusals, test_link_needs_join]))
