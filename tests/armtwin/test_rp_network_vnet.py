#!/usr/bin/python3
"""rp_network_vnet.py over HTTPS: virtual networks (create as an operation with its NRP
monitors, get, list, list all, tags, delete 202 + Location) and subnets (create, get, list,
prefix checks, in use, delete)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds as W  # noqa: E402
from twinlib import run_rp_tests  # noqa: E402

N = "2024-01-01"
VNET = f"{W.NET}/virtualNetworks/rp-test-vnet"


def test_vnets(c, twin):
    arm = twin.arm
    st, h, b, final = arm.send("PUT", VNET, {"location": "westeurope", "properties": {
        "addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}}, N)
    c.check(st == 201 and "/providers/Microsoft.Network/locations/westeurope/operations/" in h.get("azure-asyncoperation", "")
            and h.get("azure-asyncnotification") == "Enabled", "PUT -> 201 with the NRP monitor", str(h))
    c.eq(final["status"], "Succeeded", "... which ends Succeeded")
    st, h, b = arm.call("GET", VNET, None, N)
    c.check(st == 200 and b["etag"].startswith('W/"') and b["properties"]["provisioningState"] == "Succeeded",
            "GET: weak etag, Succeeded", str(b)[:300])
    st, _, b = arm.call("GET", f"{W.NET}/virtualNetworks", None, N)
    c.check("rp-test-vnet" in {v["name"] for v in b["value"]}, "List")
    st, _, b = arm.call("GET", f"/subscriptions/{W.SUBSCRIPTION}/providers/Microsoft.Network/virtualNetworks", None, N)
    c.check(st == 200 and {"rp-test-vnet", W.VNET} <= {v["name"] for v in b["value"]},
            "ListAll lists the subscription's VNets", str(b)[:200])
    st, _, b = arm.call("PATCH", VNET, {"tags": {"k": "v"}}, N)
    c.eq((st, b.get("tags")), (200, {"k": "v"}), "UpdateTags")


def test_subnets(c, twin):
    arm = twin.arm
    sub = f"{VNET}/subnets/a"
    st, _, _, final = arm.send("PUT", sub, {"properties": {"addressPrefix": "10.9.1.0/24"}}, N)
    c.eq((st, final["status"]), (201, "Succeeded"), "subnet PUT -> 201, Succeeded")
    st, _, b = arm.call("GET", sub, None, N)
    c.eq((st, b["properties"]["addressPrefix"]), (200, "10.9.1.0/24"), "subnet GET")
    st, _, b = arm.call("GET", f"{VNET}/subnets", None, N)
    c.eq([s["name"] for s in b["value"]], ["a"], "subnet List")
    st, _, b = arm.call("PUT", f"{VNET}/subnets/b", {"properties": {"addressPrefix": "10.9.1.128/25"}}, N)
    c.eq((st, b["error"]["code"]), (400, "NetcfgSubnetRangesOverlap"), "an overlapping prefix -> 400")
    st, _, b = arm.call("PUT", f"{VNET}/subnets/b", {"properties": {"addressPrefix": "10.10.0.0/24"}}, N)
    c.eq((st, b["error"]["code"]), (400, "NetcfgSubnetRangeOutsideVnet"), "a prefix outside the VNet -> 400")
    st, _, b = arm.call("PUT", f"{VNET}/subnets/b", {"properties": {"addressPrefix": "10.9.2.1/24"}}, N)
    c.eq((st, b["error"]["code"]), (400, "InvalidCIDRNotation"), "a host address as prefix -> 400")
    st, h, _, final = arm.send("DELETE", sub, None, N)
    c.eq((st, final["status"]), (202, "Succeeded"), "subnet DELETE -> 202, Succeeded")
    st, _, _ = arm.call("GET", sub, None, N)
    c.eq(st, 404, "the subnet is gone")


def test_in_use_and_delete(c, twin):
    arm = twin.arm
    pe_subnet = f"{W.VNET_ID}/subnets/{W.PE_SUBNET}"
    st, _, b = arm.call("DELETE", pe_subnet, None, N)
    c.eq((st, b["error"]["code"]), (409, "InUseSubnetCannotBeDeleted"), "a subnet with endpoint NICs cannot go")
    st, h, b = arm.call("DELETE", VNET, None, N)
    c.check(st == 202 and "/operationResults/" in h.get("location", ""), "VNet DELETE -> 202 + Location", str(h))
    arm.wait(h)
    st, _, _ = arm.call("GET", VNET, None, N)
    c.eq(st, 404, "the VNet is gone")


if __name__ == "__main__":
    sys.exit(run_rp_tests("test_rp_network_vnet", "tutorial-complete", [test_vnets, test_subnets, test_in_use_and_delete]))
