#!/usr/bin/python3
"""rp_network_policies.py over HTTPS: network security groups (create as an NRP operation, the six
default rules, rule priority checks, SecurityRules_* on the same list, in use by a subnet),
route tables (routes, next hop checks, Routes_*), and VNet peerings (Initiated until the remote
side peers back, then Connected on both sides, with the remote address space)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds as W  # noqa: E402
from twinlib import run_rp_tests  # noqa: E402

N = "2024-01-01"
NSG = f"{W.NET}/networkSecurityGroups/rp-test-nsg"
RT = f"{W.NET}/routeTables/rp-test-rt"
HUB = f"{W.NET}/virtualNetworks/rp-test-hub"


def test_nsgs(c, twin):
    arm = twin.arm
    rule = {"name": "deny-kv", "properties": {"protocol": "Tcp", "access": "Deny", "direction": "Outbound",
                                              "priority": 100, "sourceAddressPrefix": "*", "sourcePortRange": "*",
                                              "destinationAddressPrefix": "10.0.1.4/32", "destinationPortRange": "443"}}
    st, h, b, final = arm.send("PUT", NSG, {"location": "westeurope", "properties": {"securityRules": [rule]}}, N)
    c.check(st == 201 and "/providers/Microsoft.Network/locations/westeurope/operations/" in h.get("azure-asyncoperation", ""),
            "NSG PUT -> 201 with the NRP monitor", str(h))
    c.eq(final["status"], "Succeeded", "... which ends Succeeded")
    st, _, b = arm.call("GET", NSG, None, N)
    c.eq([r["properties"]["priority"] for r in b["properties"]["defaultSecurityRules"]],
         [65000, 65001, 65500, 65000, 65001, 65500], "GET: the six default rules")
    c.eq((b["properties"]["securityRules"][0]["id"], b["properties"]["securityRules"][0]["properties"]["access"]),
         (f"{NSG}/securityRules/deny-kv", "Deny"), "GET: the rule with its child id")
    st, _, b = arm.call("GET", f"{NSG}/securityRules/deny-kv", None, N)
    c.eq((st, b["properties"]["destinationPortRange"]), (200, "443"), "SecurityRules_Get")
    clash = dict(rule["properties"], destinationPortRange="53")
    st, _, b = arm.call("PUT", f"{NSG}/securityRules/dns", {"properties": clash}, N)
    c.eq((st, b["error"]["code"]), (400, "SecurityRuleConflict"), "same priority and direction -> 400")
    st, _, b = arm.call("PUT", f"{NSG}/securityRules/dns", {"properties": dict(clash, priority=5000)}, N)
    c.eq((st, b["error"]["code"]), (400, "SecurityRuleInvalidPriority"), "priority outside 100..4096 -> 400")
    st, _, _, final = arm.send("PUT", f"{NSG}/securityRules/dns", {"properties": dict(clash, priority=110)}, N)
    c.eq((st, final["status"]), (201, "Succeeded"), "SecurityRules_CreateOrUpdate")
    st, _, b = arm.call("GET", f"{NSG}/securityRules", None, N)
    c.eq([r["name"] for r in b["value"]], ["deny-kv", "dns"], "SecurityRules_List")
    st, _, b = arm.call("GET", f"{NSG}/defaultSecurityRules/DenyAllOutBound", None, N)
    c.eq((st, b["properties"]["access"]), (200, "Deny"), "DefaultSecurityRules_Get")
    sub = f"{W.VNET_ID}/subnets/{W.OTHER_SUBNET}"
    st, _, b = arm.call("GET", sub, None, N)
    props = dict(b["properties"], networkSecurityGroup={"id": NSG})
    st, _, _, final = arm.send("PUT", sub, {"properties": {k: v for k, v in props.items()
                                                            if k in ("addressPrefix", "serviceEndpoints",
                                                                     "networkSecurityGroup")}}, N)
    c.eq(final["status"], "Succeeded", "a subnet takes the NSG")
    st, _, b = arm.call("GET", NSG, None, N)
    c.eq(b["properties"].get("subnets"), [{"id": sub}], "the NSG lists its subnet")
    st, _, b = arm.call("DELETE", NSG, None, N)
    c.eq((st, b["error"]["code"]), (400, "InUseNetworkSecurityGroupCannotBeDeleted"), "an NSG in use cannot go")


def test_route_tables(c, twin):
    arm = twin.arm
    st, _, _, final = arm.send("PUT", RT, {"location": "westeurope", "properties": {"routes": [
        {"name": "to-fw", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance",
                                         "nextHopIpAddress": "10.0.9.4"}}]}}, N)
    c.eq((st, final["status"]), (201, "Succeeded"), "route table PUT -> 201, Succeeded")
    st, _, b = arm.call("GET", f"{RT}/routes/to-fw", None, N)
    c.eq((st, b["properties"]["nextHopType"]), (200, "VirtualAppliance"), "Routes_Get")
    st, _, b = arm.call("PUT", f"{RT}/routes/bad", {"properties": {"addressPrefix": "10.0.1.4/32",
                                                                  "nextHopType": "VirtualAppliance"}}, N)
    c.eq((st, b["error"]["code"]), (400, "NextHopIpAddressRequired"), "VirtualAppliance without an address -> 400")
    st, _, _, final = arm.send("PUT", f"{RT}/routes/pe", {"properties": {"addressPrefix": "10.0.1.4/32",
                                                                        "nextHopType": "None"}}, N)
    c.eq((st, final["status"]), (201, "Succeeded"), "Routes_CreateOrUpdate")
    st, _, b = arm.call("GET", f"{RT}/routes", None, N)
    c.eq([r["name"] for r in b["value"]], ["to-fw", "pe"], "Routes_List")
    st, h, _, final = arm.send("DELETE", f"{RT}/routes/pe", None, N)
    c.eq((st, final["status"]), (202, "Succeeded"), "Routes_Delete -> 202")
    st, _, b = arm.call("GET", RT, None, N)
    c.eq([r["name"] for r in b["properties"]["routes"]], ["to-fw"], "the route is gone")


def test_peerings(c, twin):
    arm = twin.arm
    st, _, _, final = arm.send("PUT", HUB, {"location": "westeurope", "properties": {
        "addressSpace": {"addressPrefixes": ["10.50.0.0/16"]}}}, N)
    c.eq(final["status"], "Succeeded", "hub VNet")
    there = f"{W.VNET_ID}/virtualNetworkPeerings/to-hub"
    st, _, b, final = arm.send("PUT", there, {"properties": {"remoteVirtualNetwork": {"id": HUB}}}, N)
    c.eq((st, final["status"]), (201, "Succeeded"), "peering PUT -> 201, Succeeded")
    st, _, b = arm.call("GET", there, None, N)
    c.eq((b["properties"]["peeringState"], b["properties"]["remoteAddressSpace"]["addressPrefixes"]),
         ("Initiated", ["10.50.0.0/16"]), "one side only: Initiated, with the remote address space")
    arm.send("PUT", f"{HUB}/virtualNetworkPeerings/to-spoke", {"properties": {"remoteVirtualNetwork": {"id": W.VNET_ID}}}, N)
    st, _, b = arm.call("GET", W.VNET_ID, None, N)
    c.eq([(p["name"], p["properties"]["peeringState"]) for p in b["properties"]["virtualNetworkPeerings"]],
         [("to-hub", "Connected")], "both sides: Connected, shown in the VNet")
    st, _, b = arm.call("GET", f"{W.VNET_ID}/virtualNetworkPeerings", None, N)
    c.eq([p["name"] for p in b["value"]], ["to-hub"], "VirtualNetworkPeerings_List")
    st, _, b = arm.call("PUT", f"{W.VNET_ID}/virtualNetworkPeerings/nowhere",
                        {"properties": {"remoteVirtualNetwork": {"id": f"{W.NET}/virtualNetworks/none"}}}, N)
    c.eq(st, 400, "a peering to a VNet that does not exist -> 400")
    st, _, _, final = arm.send("DELETE", f"{HUB}/virtualNetworkPeerings/to-spoke", None, N)
    c.eq(final["status"], "Succeeded", "VirtualNetworkPeerings_Delete")
    st, _, b = arm.call("GET", there, None, N)
    c.eq(b["properties"]["peeringState"], "Initiated", "the other side falls back to Initiated")


if __name__ == "__main__":
    sys.exit(run_rp_tests("test_rp_network_policies", "tutorial-complete", [test_nsgs, test_route_tables, test_peerings]))
