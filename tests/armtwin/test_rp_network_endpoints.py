#!/usr/bin/python3
"""rp_network_endpoints.py over HTTPS: private endpoints (get, list, list by subscription, a new
one at the next free address with its NIC and connection), their NICs (get, list, list all,
writes refused), and zone groups (get, list, delete removes the A record, create writes it)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds as W  # noqa: E402
from twinlib import run_rp_tests  # noqa: E402

N, D = "2024-01-01", "2024-06-01"
PE = f"{W.NET}/privateEndpoints/{W.KV_PE}"
ZG = f"{PE}/privateDnsZoneGroups/{W.KV_ZG}"
RECORD = f"{W.NET}/privateDnsZones/{W.KV_ZONE}/A/{W.KEYVAULT}"


def test_endpoints_and_nics(c, twin):
    arm = twin.arm
    st, _, b = arm.call("GET", PE, None, N)
    conn = b["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]
    c.eq((st, conn["status"]), (200, "Approved"), "endpoint GET: the connection is Approved")
    nic_id = b["properties"]["networkInterfaces"][0]["id"]
    st, _, nic = arm.call("GET", nic_id, None, N)
    c.eq(nic["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"], "10.0.1.4", "its NIC has .4")
    st, _, b = arm.call("PUT", nic_id, nic, N)
    c.check(st >= 400, "a NIC write is refused", f"{st} {b}")
    st, _, b = arm.call("GET", f"{W.NET}/networkInterfaces", None, N)
    c.eq(len(b["value"]), 2, "NIC List: the two endpoint NICs")
    st, _, b = arm.call("GET", f"/subscriptions/{W.SUBSCRIPTION}/providers/Microsoft.Network/networkInterfaces", None, N)
    c.check(st == 200 and isinstance(b.get("value"), list), "NIC ListAll answers a list (empty: the known gap of "
            "subscription-wide lists, see test_rp_network_vnet)", str(b)[:200])
    st, _, b = arm.call("GET", f"{W.NET}/privateEndpoints", None, N)
    c.eq(sorted(p["name"] for p in b["value"]), sorted([W.KV_PE, W.CS_PE]), "endpoint List")
    st, _, b = arm.call("GET", f"/subscriptions/{W.SUBSCRIPTION}/providers/Microsoft.Network/privateEndpoints", None, N)
    c.check(st == 200 and isinstance(b.get("value"), list), "endpoint ListBySubscription answers a list", str(b)[:200])
    new = f"{W.NET}/privateEndpoints/rp-test-pe"
    st, _, b, final = arm.send("PUT", new, {"location": "westeurope", "properties": {
        "subnet": {"id": f"{W.VNET_ID}/subnets/{W.PE_SUBNET}"},
        "manualPrivateLinkServiceConnections": [{"name": "m", "properties": {
            "privateLinkServiceId": W.KV_ID, "groupIds": ["vault"]}}]}}, N)
    c.eq((st, final["status"]), (201, "Succeeded"), "a new endpoint: 201, Succeeded")
    st, _, b = arm.call("GET", new, None, N)
    state = b["properties"]["manualPrivateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]
    c.eq(state["status"], "Pending", "a manual connection is Pending")
    st, _, n = arm.call("GET", b["properties"]["networkInterfaces"][0]["id"], None, N)
    c.eq(n["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"], "10.0.1.6", "the next free address")
    st, _, _, final = arm.send("DELETE", new, None, N)
    c.eq((st, final["status"]), (202, "Succeeded"), "endpoint DELETE")


def test_zone_groups(c, twin):
    arm = twin.arm
    st, _, b = arm.call("GET", ZG, None, N)
    c.eq(st, 200, "zone group GET")
    st, _, lst = arm.call("GET", f"{PE}/privateDnsZoneGroups", None, N)
    c.eq([z["name"] for z in lst["value"]], [W.KV_ZG], "zone group List")
    st, _, rec = arm.call("GET", RECORD, None, D)
    c.eq((st, rec["properties"]["aRecords"]), (200, [{"ipv4Address": "10.0.1.4"}]), "the zone has the endpoint's A record")
    st, _, _, final = arm.send("DELETE", ZG, None, N)
    c.eq((st, final["status"]), (202, "Succeeded"), "zone group DELETE")
    st, _, _ = arm.call("GET", RECORD, None, D)
    c.eq(st, 404, "... removes the record")
    st, _, _, final = arm.send("PUT", ZG, {"properties": {"privateDnsZoneConfigs": [{"name": W.KV_ZONE, "properties": {
        "privateDnsZoneId": f"{W.NET}/privateDnsZones/{W.KV_ZONE}"}}]}}, N)
    c.eq((st, final["status"]), (201, "Succeeded"), "zone group PUT")
    st, _, rec = arm.call("GET", RECORD, None, D)
    c.eq((st, rec["properties"]["ttl"]), (200, 10), "... writes the record again (TTL 10)")


if __name__ == "__main__":
    sys.exit(run_rp_tests("test_rp_network_endpoints", "tutorial-complete", [test_endpoints_and_nics, test_zone_groups]))
