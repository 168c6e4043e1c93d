#!/usr/bin/python3
"""rp_privatedns.py over HTTPS: zones (202 {} with both monitors, the status URL answering 202
while running, SOA '@', location global), links (one per VNet per zone, a zone with links cannot
go), record sets (put, get, list, list by type, delete; names lower-cased) and the provider's
rate-limit header."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds as W  # noqa: E402
from twinlib import run_rp_tests  # noqa: E402

D = "2024-06-01"
ZONE = f"{W.NET}/privateDnsZones/rp-test.example"


def test_zones(c, twin):
    arm = twin.arm
    twin.control("POST", "config", {"lro_seconds": 0.5})
    st, h, b = arm.call("PUT", ZONE, {"location": "global"}, D)
    c.check(st == 202 and b == {} and "privateDnsOperationStatuses" in h.get("azure-asyncoperation", "")
            and "privateDnsOperationResults" in h.get("location", ""), "PUT -> 202 {} with both monitors", str(h))
    c.eq(h.get("x-ms-ratelimit-remaining-subscription-resource-requests"), "499", "... and the provider's rate-limit header")
    path = h["azure-asyncoperation"][h["azure-asyncoperation"].index("/", 8):]
    st, _, s = arm.raw("GET", path)
    c.eq((st, s["status"]), (202, "InProgress"), "the status URL answers 202 while running")
    c.eq(arm.wait(h)["status"], "Succeeded", "then Succeeded")
    twin.control("POST", "config", {"lro_seconds": 0.2})
    st, _, b = arm.call("GET", ZONE, None, D)
    c.eq((st, b["location"]), (200, "global"), "zone GET")
    st, _, b = arm.call("GET", f"{ZONE}/SOA/@", None, D)
    c.eq(st, 200, "a new zone holds its SOA '@'")
    st, _, b = arm.call("PUT", f"{W.NET}/privateDnsZones/other.example", {"location": "westeurope"}, D)
    c.eq(st, 400, "a zone outside 'global' -> 400")
    st, _, b = arm.call("GET", f"{W.NET}/privateDnsZones", None, D)
    c.check("rp-test.example" in {z["name"] for z in b["value"]}, "ListByResourceGroup")


def test_links_and_records(c, twin):
    arm = twin.arm
    link = f"{ZONE}/virtualNetworkLinks/l1"
    body = {"location": "global", "properties": {"virtualNetwork": {"id": W.VNET_ID}, "registrationEnabled": False}}
    st, h, _, final = arm.send("PUT", link, body, D)
    c.eq((st, final["status"]), (202, "Succeeded"), "link PUT")
    st, _, b = arm.call("GET", link, None, D)
    c.eq(b["properties"]["virtualNetworkLinkState"], "Completed", "the link is Completed")
    st, _, b = arm.call("PUT", f"{ZONE}/virtualNetworkLinks/l2", body, D)
    c.check(st in (400, 409), "a second link of the same VNet is refused", f"{st} {b}")
    st, _, b = arm.call("GET", f"{ZONE}/virtualNetworkLinks", None, D)
    c.eq([x["name"] for x in b["value"]], ["l1"], "link List")
    st, _, b = arm.call("PUT", f"{ZONE}/A/WWW", {"properties": {"ttl": 60, "aRecords": [{"ipv4Address": "10.1.2.3"}]}}, D)
    c.eq((st, b["name"]), (201, "www"), "record PUT: 201, the name lower-cased")
    st, _, b = arm.call("GET", f"{ZONE}/A/www", None, D)
    c.eq(b["properties"]["aRecords"], [{"ipv4Address": "10.1.2.3"}], "record GET")
    st, _, b = arm.call("GET", f"{ZONE}/A", None, D)
    c.eq([r["name"] for r in b["value"]], ["www"], "ListByType")
    st, _, b = arm.call("GET", f"{ZONE}/ALL", None, D)
    c.eq(sorted(r["name"] for r in b["value"]), ["@", "www"], "List (ALL)")
    st, _, _ = arm.call("DELETE", f"{ZONE}/A/www", None, D)
    c.eq(st, 200, "record DELETE")
    st, _, b = arm.call("DELETE", ZONE, None, D)
    c.eq(st, 409, "a zone with links cannot be deleted")
    arm.send("DELETE", link, None, D)
    st, h, _, final = arm.send("DELETE", ZONE, None, D)
    c.eq((st, final["status"]), (202, "Succeeded"), "without its link it can")


if __name__ == "__main__":
    sys.exit(run_rp_tests("test_rp_privatedns", "tutorial-complete", [test_zones, test_links_and_records]))
