#!/usr/bin/python3
"""rp_targets.py over HTTPS: Key Vault vaults (get, list, merge PATCH with IP rules normalised,
their endpoint connections and private-link resources, 204 for a missing connection) and
Cognitive Services accounts (get, list, PATCH as a 202 operation, customSubDomainName fixed once
set, connections, private-link resources); rejecting a connection through the target reaches
the endpoint."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds as W  # noqa: E402
from twinlib import run_rp_tests  # noqa: E402

KV, CS, N = "2023-07-01", "2023-05-01", "2024-01-01"


def test_vault(c, twin):
    arm = twin.arm
    st, h, b = arm.call("GET", W.KV_ID, None, KV)
    c.check(st == 200 and "etag" in h and b["properties"]["networkAcls"]["defaultAction"] == "Deny", "vault GET", str(b)[:200])
    st, _, b = arm.call("GET", f"{W.RG_ID}/providers/Microsoft.KeyVault/vaults", None, KV)
    c.eq([v["name"] for v in b["value"]], [W.KEYVAULT], "ListByResourceGroup")
    st, _, b = arm.call("PATCH", W.KV_ID, {"properties": {"networkAcls": {"ipRules": [{"value": "198.51.100.1"}]}}}, KV)
    acls = b["properties"]["networkAcls"]
    c.check(st == 200 and acls["ipRules"] == [{"value": "198.51.100.1/32"}] and acls["defaultAction"] == "Deny",
            "PATCH: merged (defaultAction kept), arrays replaced, the IP rule normalised to CIDR", str(acls))
    st, _, b = arm.call("GET", f"{W.KV_ID}/privateEndpointConnections", None, KV)
    c.eq(len(b["value"]), 1, "connections: the endpoint's")
    name = b["value"][0]["name"]
    st, _, b = arm.call("GET", f"{W.KV_ID}/privateEndpointConnections/{name}", None, KV)
    c.eq((st, b["properties"]["privateLinkServiceConnectionState"]["status"]), (200, "Approved"), "connection GET")
    st, _, _ = arm.call("GET", f"{W.KV_ID}/privateEndpointConnections/nope", None, KV)
    c.eq(st, 204, "a missing connection -> 204 (the spec's answer)")
    st, _, b = arm.call("GET", f"{W.KV_ID}/privateLinkResources", None, KV)
    c.eq([r["properties"]["groupId"] for r in b["value"]], ["vault"], "private-link resources: 'vault'")
    st, _, b = arm.call("PUT", f"{W.KV_ID}/privateEndpointConnections/{name}", {"properties": {
        "privateLinkServiceConnectionState": {"status": "Rejected", "description": "no"}}}, KV)
    c.eq(st, 200, "reject through the vault")
    st, _, pe = arm.call("GET", f"{W.NET}/privateEndpoints/{W.KV_PE}", None, N)
    state = pe["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]
    c.eq(state["status"], "Rejected", "... and the endpoint shows it")


def test_account(c, twin):
    arm = twin.arm
    st, _, b = arm.call("GET", W.CS_ID, None, CS)
    c.eq((st, b["properties"]["customSubDomainName"]), (200, W.COGNITIVE), "account GET")
    st, _, b = arm.call("GET", f"{W.RG_ID}/providers/Microsoft.CognitiveServices/accounts", None, CS)
    c.eq([a["name"] for a in b["value"]], [W.COGNITIVE], "ListByResourceGroup")
    st, h, b, final = arm.send("PATCH", W.CS_ID, {"properties": {"publicNetworkAccess": "Enabled"}}, CS)
    c.check(st == 202 and "location" in h, "PATCH -> 202 with Location", f"{st} {h}")
    st, _, b = arm.call("GET", W.CS_ID, None, CS)
    c.eq(b["properties"]["publicNetworkAccess"], "Enabled", "... applied")
    st, _, b = arm.call("PATCH", W.CS_ID, {"properties": {"customSubDomainName": "other"}}, CS)
    c.eq((st, b["error"]["code"]), (400, "CustomSubDomainNameImmutable"), "customSubDomainName cannot change")
    st, _, b = arm.call("GET", f"{W.CS_ID}/privateEndpointConnections", None, CS)
    c.eq(len(b["value"]), 1, "connections")
    st, _, b = arm.call("GET", f"{W.CS_ID}/privateLinkResources", None, CS)
    c.eq([r["properties"]["groupId"] for r in b["value"]], ["account"], "private-link resources: 'account'")


if __name__ == "__main__":
    sys.exit(run_rp_tests("test_rp_targets", "tutorial-complete", [test_vault, test_account]))
