#!/usr/bin/python3
"""rp_resources.py over HTTPS: the subscription, resource groups (create, read, HEAD, tag
patch, list, delete as a 202 + Location operation that takes the group's resources with it),
provider registrations, and the gate in front of every provider path (unknown group or
namespace)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds as W  # noqa: E402
from twinlib import run_rp_tests  # noqa: E402

RG = "2021-04-01"
SUB = f"/subscriptions/{W.SUBSCRIPTION}"


def test_subscription_and_providers(c, twin):
    arm = twin.arm
    st, _, b = arm.call("GET", SUB, None, RG)
    c.eq((st, b["subscriptionId"], b["tenantId"]), (200, W.SUBSCRIPTION, W.TENANT), "GET subscription")
    st, _, b = arm.call("GET", f"{SUB}/providers/microsoft.network", None, RG)
    types = {t["resourceType"]: t["apiVersions"] for t in b["resourceTypes"]}
    c.check(st == 200 and b["namespace"] == "Microsoft.Network" and "2024-01-01" in types.get("virtualNetworks", []),
            "provider registration: canonical namespace, virtualNetworks at 2024-01-01", str(b)[:300])
    st, _, b = arm.call("GET", f"{SUB}/providers/Microsoft.Nope", None, RG)
    c.eq((st, b["error"]["code"]), (404, "InvalidResourceNamespace"), "unknown namespace registration -> 404")
    st, _, b = arm.call("GET", f"{W.RG_ID}/providers/Microsoft.Nope/things/x", None, "2020-01-01")
    c.eq((st, b["error"]["code"]), (400, "InvalidResourceNamespace"), "unknown namespace under a group -> 400")
    st, h, b = arm.call("GET", f"{SUB}/resourceGroups/nogroup/providers/Microsoft.Network/virtualNetworks/v", None,
                        "2024-01-01")
    c.eq((st, b["error"]["code"], h.get("x-ms-failure-cause")), (404, "ResourceGroupNotFound", "gateway"),
         "a path in a missing group -> 404 ResourceGroupNotFound from the gateway")
    st, _, b = arm.call("GET", SUB, None)
    c.eq((st, b["error"]["code"]), (400, "MissingApiVersionParameter"), "no api-version -> 400")


def test_groups(c, twin):
    arm = twin.login("sp")   # the fixer: Contributor on the subscription (the app's identity only on its group)
    rid = f"{SUB}/resourceGroups/rp-test-group"
    st, _, b = arm.call("PUT", rid, {"location": "West Europe"}, RG)
    c.eq((st, b["location"], b["properties"]["provisioningState"]), (201, "westeurope", "Succeeded"), "PUT creates: 201")
    st, _, b = arm.call("PUT", rid, {"location": "northeurope"}, RG)
    c.eq((st, b["error"]["code"]), (409, "InvalidResourceGroupLocation"), "another location -> 409")
    st, _, b = arm.call("PATCH", rid, {"tags": {"a": "b"}}, RG)
    c.eq((st, b["tags"]), (200, {"a": "b"}), "PATCH tags")
    st, _, _ = arm.call("HEAD", rid, None, RG)
    c.eq(st, 204, "HEAD an existing group -> 204")
    st, _, b = arm.call("GET", f"{SUB}/resourcegroups", None, RG)
    c.check(st == 200 and {"rp-test-group", W.RESOURCE_GROUP} <= {g["name"] for g in b["value"]}, "list has both groups")
    arm.call("PUT", f"{rid}/providers/Microsoft.Network/privateDnsZones/example.com", {"location": "global"}, "2024-06-01")
    st, h, _ = arm.call("DELETE", rid, None, RG)
    c.check(st == 202 and "location" in h and "azure-asyncoperation" not in h, "DELETE -> 202 with Location only", str(h))
    arm.wait(h)
    st, _, b = arm.call("GET", rid, None, RG)
    c.eq((st, b["error"]["code"]), (404, "ResourceGroupNotFound"), "the group is gone")
    st, _, b = arm.call("GET", f"{rid}/providers/Microsoft.Network/privateDnsZones/example.com", None, "2024-06-01")
    c.eq(st, 404, "and its resources with it")


def test_provider_registration(c, twin):
    """FM-25: a provider the fact names is NotRegistered until Providers_Register (POST .../register),
    which needs {namespace}/register/action on the subscription; approving a connection in a
    subscription where the target's provider is not registered fails as Azure's does."""
    arm = twin.arm
    kv = f"{SUB}/providers/Microsoft.KeyVault"
    twin.control("POST", "facts", {"unregistered_providers": [f"{W.SUBSCRIPTION}/Microsoft.KeyVault"]})
    st, _, b = arm.call("GET", kv, None, RG)
    c.eq((st, b["registrationState"]), (200, "NotRegistered"), "named by the fact: NotRegistered")
    st, _, b = arm.call("GET", f"{SUB}/providers/Microsoft.Network", None, RG)
    c.eq(b["registrationState"], "Registered", "the others stay Registered")
    st, _, b = arm.call("GET", f"{kv}/register", None, RG)
    c.eq(st, 405, "GET .../register -> 405")
    app = twin.login("mi")   # the app's identity: Contributor on its resource group only
    st, _, b = app.call("POST", f"{kv}/register", None, RG)
    c.eq((st, (b.get("error") or {}).get("code")), (403, "AuthorizationFailed"),
         "register by an identity without subscription scope -> 403")
    twin.login("sp")
    st, _, b = arm.call("POST", f"{kv}/register", None, RG)
    c.eq((st, b["registrationState"], b["namespace"]), (200, "Registering", "Microsoft.KeyVault"),
         "POST register -> 200 Registering")
    st, _, b = arm.call("GET", kv, None, RG)
    c.eq(b["registrationState"], "Registered", "then Registered")
    st, _, b = arm.call("POST", f"{kv}/register", None, RG)
    c.eq((st, b["registrationState"]), (200, "Registered"), "registering again: already Registered")
    st, _, b = arm.call("POST", f"{SUB}/providers/Microsoft.Nope/register", None, RG)
    c.eq((st, b["error"]["code"]), (404, "InvalidResourceNamespace"), "unknown namespace -> 404")
    twin.control("POST", "facts", {"registered_providers": [f"{W.SUBSCRIPTION}/Microsoft.KeyVault"]})


def test_approval_needs_the_provider(c, twin):
    twin.control("POST", "reset", {"world": "provider-unregistered"})
    twin.login("sp")
    arm = twin.arm
    pe = f"{W.NET}/privateEndpoints/{W.KV_PE}"
    st, _, b = arm.call("GET", f"{W.KV_ID}/privateEndpointConnections", None, W.V_KV)
    c.check(st == 200 and len(b["value"]) == 1, "provider-unregistered: one connection", str(b)[:300])
    conn = b["value"][0]
    c.eq(conn["properties"]["privateLinkServiceConnectionState"]["status"], "Pending", "Pending")
    approve = {"properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "ok"}}}
    st, _, b = arm.call("PUT", conn["id"], approve, W.V_KV)
    c.check(st == 400 and "must be registered on subscription containing private endpoint" in b["error"]["message"],
            "approval while Microsoft.KeyVault is not registered -> 400 with Azure's message", str(b)[:300])
    arm.call("POST", f"{SUB}/providers/Microsoft.KeyVault/register", None, RG)
    st, _, b = arm.call("PUT", conn["id"], approve, W.V_KV)
    c.eq((st, b["properties"]["privateLinkServiceConnectionState"]["status"]), (200, "Approved"),
         "after registering, approval works")
    st, _, b = arm.call("GET", pe, None, W.V_NET)
    c.eq(b["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]
         ["status"], "Approved", "the endpoint sees it Approved")


if __name__ == "__main__":
    sys.exit(run_rp_tests("test_rp_resources", "empty-network", [test_subscription_and_providers, test_groups,
                                                                 test_provider_registration,
                                                                 test_approval_needs_the_provider]))
