#!/usr/bin/python3
"""rp_ownership.py over HTTPS (zone-unlinked and the ownership worlds): management locks written,
read, listed and deleted at resource-group, resource and subscription scope; who may write them
(Contributor may not); ScopeLocked on a write under ReadOnly and on a delete under (or above)
CanNotDelete, a write under CanNotDelete and every GET allowed; deployment history listed (empty,
seeded, paged at page size 1) and read; resource-group tags; the five ownership worlds."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds as W  # noqa: E402 -- first: worlds_ownership is imported through it
import worlds_ownership as O  # noqa: E402
from twinlib import run_rp_tests  # noqa: E402

V = "2016-09-01"
V_RG = "2021-04-01"
LOCKS = "providers/Microsoft.Authorization/locks"
KV_LINK_ID = f"{O.KV_ZONE_ID}/virtualNetworkLinks/{W.KV_LINK}"
CS_LINK_ID = f"{O.CS_ZONE_ID}/virtualNetworkLinks/{W.CS_LINK}"
DEPLOYMENTS = f"{W.RG_ID}/providers/Microsoft.Resources/deployments"
LINK_BODY = {"location": "global", "properties": {"virtualNetwork": {"id": W.VNET_ID}, "registrationEnabled": False}}


def list_all(arm, path, version):
    """Every item of a list, following nextLink; (items, pages)."""
    items, pages = [], 0
    st, _, b = arm.call("GET", path, None, version)
    while True:
        assert st == 200, (st, b)
        pages += 1
        items += b["value"]
        if not b.get("nextLink"):
            return items, pages
        link = b["nextLink"]
        st, _, b = arm.raw("GET", link[link.index("/", 8):])


def reset(twin, world):
    st, _, b = twin.control("POST", "reset", {"world": world})
    assert st == 200, (st, b)
    twin.login("sp")


def may_lock(twin):
    """The fixer as User Access Administrator too: it may write and delete locks."""
    twin.control("POST", "roles", {"principal": "fixer", "role": "User Access Administrator",
                                   "scope": f"/subscriptions/{W.SUBSCRIPTION}"})


def as_reader(twin):
    twin.arm.token = twin.sp_token(twin.env["READER_CLIENT_ID"], twin.env["READER_CLIENT_SECRET"])[1]["access_token"]
    return twin.arm


def error(b):
    return (b or {}).get("error") or {}


def graph_count(arm, rtype):
    st, _, b = arm.call("POST", "/providers/Microsoft.ResourceGraph/resources",
                        {"query": f"resources | where type =~ '{rtype}'"}, "2021-03-01")
    assert st == 200, (st, b)
    return b["totalRecords"]


def test_lock_rbac(c, twin):
    reset(twin, "zone-unlinked")
    arm = twin.arm
    lock = f"{W.RG_ID}/{LOCKS}/freeze"
    st, _, b = arm.call("PUT", lock, {"properties": {"level": "ReadOnly"}}, V)
    c.check(st == 403 and error(b).get("code") == "AuthorizationFailed"
            and "'Microsoft.Authorization/locks/write'" in error(b).get("message", ""),
            "Contributor (fixer) may not write a lock: 403 naming Microsoft.Authorization/locks/write", str(b))
    st, _, b = arm.call("GET", f"{W.RG_ID}/{LOCKS}", None, V)
    c.eq((st, b.get("value")), (200, []), "... but may list them: none in zone-unlinked")
    st, _, b = twin.login("mi").call("PUT", lock, {"properties": {"level": "ReadOnly"}}, V)
    c.eq((st, error(b).get("code")), (403, "AuthorizationFailed"),
         "the app's identity (Contributor on the group) may not either")
    st, _, b = as_reader(twin).call("GET", f"{W.RG_ID}/{LOCKS}", None, V)
    c.eq(st, 200, "the reader lists locks")
    twin.login("sp")
    may_lock(twin)
    st, _, b = arm.call("PUT", lock, {"properties": {"level": "ReadOnly"}}, V)
    c.eq(st, 201, "with User Access Administrator the fixer writes the lock")
    twin.control("PUT", "roles", {"principal": "fixer", "role": "Contributor",
                                  "scope": f"/subscriptions/{W.SUBSCRIPTION}"})
    st, _, b = arm.call("DELETE", lock, None, V)
    c.check(st == 403 and "'Microsoft.Authorization/locks/delete'" in error(b).get("message", ""),
            "Contributor may not delete it: 403 naming Microsoft.Authorization/locks/delete", str(b))
    twin.control("POST", "roles", {"principal": "fixer", "role": "Owner", "scope": W.RG_ID})
    st, _, _ = arm.call("DELETE", lock, None, V)
    c.eq(st, 200, "Owner on the group deletes it")


def test_lock_crud(c, twin):
    reset(twin, "zone-unlinked")
    may_lock(twin)
    arm = twin.arm
    rg_lock = f"{W.RG_ID}/{LOCKS}/keep"
    st, _, b = arm.call("PUT", rg_lock, {"properties": {"level": "CanNotDelete", "notes": "do not delete"}}, V)
    c.eq((st, b), (201, {"id": rg_lock, "name": "keep", "type": "Microsoft.Authorization/locks",
                         "properties": {"level": "CanNotDelete", "notes": "do not delete", "owners": []}}),
         "PUT at the group: 201 and the lock as ARM shows it")
    st, _, b = arm.call("PUT", rg_lock, {"properties": {"level": "readonly"}}, V)
    c.eq((st, b["properties"]), (200, {"level": "ReadOnly", "owners": []}),
         "PUT again: 200, level spelled as ARM spells it, notes gone")
    st, _, b = arm.call("GET", rg_lock.replace("resourceGroups", "resourcegroups"), None, V)
    c.eq((st, b["id"]), (200, rg_lock), "GET (any case) answers the canonical id")
    zone_lock = f"{O.KV_ZONE_ID}/{LOCKS}/zone-keep"
    st, _, b = arm.call("PUT", zone_lock, {"properties": {"level": "CanNotDelete"}}, V)
    c.eq((st, b.get("id")), (201, zone_lock), "PUT at a resource (the vault zone)")
    sub_lock = f"/subscriptions/{W.SUBSCRIPTION}/{LOCKS}/sub-keep"
    st, _, b = arm.call("PUT", sub_lock, {"properties": {"level": "CanNotDelete"}}, V)
    c.eq(st, 201, "PUT at the subscription")
    items, _ = list_all(arm, f"{W.RG_ID}/{LOCKS}", V)
    c.eq(sorted(i["id"] for i in items), sorted([rg_lock, zone_lock]),
         "the group's list: the group's lock and the lock on a resource in it (not the subscription's)")
    items, _ = list_all(arm, f"{O.KV_ZONE_ID}/{LOCKS}", V)
    c.eq([i["id"] for i in items], [zone_lock], "the resource's list: its own lock")
    items, _ = list_all(arm, f"/subscriptions/{W.SUBSCRIPTION}/{LOCKS}", V)
    c.eq(len(items), 3, "the subscription's list: all three")
    twin.control("POST", "config", {"page_size": 1})
    items, pages = list_all(arm, f"/subscriptions/{W.SUBSCRIPTION}/{LOCKS}", V)
    twin.control("POST", "config", {"page_size": 100})
    c.eq((len(items), pages), (3, 3), "page size 1: three pages, nextLink followed")
    for body, what in (({"properties": {}}, "no level"), ({"properties": {"level": "Frozen"}}, "level Frozen"),
                       ({"properties": {"level": "NotSpecified"}}, "level NotSpecified")):
        st, _, b = arm.call("PUT", f"{W.RG_ID}/{LOCKS}/bad", body, V)
        c.check(st == 400 and error(b).get("target") == "properties.level", f"{what} -> 400 naming properties.level",
                str(b))
    st, _, b = arm.call("PUT", f"{W.NET}/privateDnsZones/nosuch.example/{LOCKS}/x",
                        {"properties": {"level": "ReadOnly"}}, V)
    c.eq((st, error(b).get("code")), (404, "ResourceNotFound"), "a lock on a resource that does not exist -> 404")
    st, _, b = arm.call("GET", rg_lock, None, "2015-01-01")
    c.eq((st, error(b).get("code")), (400, "InvalidApiVersionParameter"), "another api-version -> 400")
    st, _, _ = arm.call("DELETE", rg_lock, None, V)
    st2, _, b = arm.call("GET", rg_lock, None, V)
    st3, _, _ = arm.call("DELETE", rg_lock, None, V)
    c.eq((st, st2, error(b).get("code"), st3), (200, 404, "LockNotFound", 204), "DELETE 200, then GET 404, DELETE 204")


def test_readonly_blocks_writes(c, twin):
    reset(twin, "zone-unlinked-readonly-lock")
    arm = twin.arm
    st, _, b = arm.call("PUT", KV_LINK_ID, LINK_BODY, W.V_DNS)
    want = (f"The scope '{KV_LINK_ID}' cannot perform write operation because following scope(s) are locked: "
            f"'{W.RG_ID}'. Please remove the lock and try again.")
    c.eq((st, error(b).get("code"), error(b).get("message")), (409, "ScopeLocked", want),
         "PUT the vault zone's link under the group's ReadOnly lock -> 409 ScopeLocked")
    st, _, b = arm.call("PATCH", O.KV_ZONE_ID, {"tags": {"a": "b"}}, W.V_DNS)
    c.eq((st, error(b).get("code")), (409, "ScopeLocked"), "PATCH the zone -> 409")
    st, _, b = arm.call("PATCH", W.RG_ID, {"tags": {"a": "b"}}, V_RG)
    c.eq((st, error(b).get("code")), (409, "ScopeLocked"), "PATCH the locked group itself -> 409")
    st, _, b = arm.call("DELETE", CS_LINK_ID, None, W.V_DNS)
    c.check(st == 409 and "cannot perform delete operation" in error(b).get("message", ""),
            "DELETE the cognitive zone's link -> 409 ... delete operation", str(b))
    st, _, b = arm.call("POST", f"{W.SITE_ID}/restart", None, W.V_WEB)
    c.eq((st, error(b).get("code")), (409, "ScopeLocked"), "POST restart (a POST that writes) -> 409")
    st, _, b = arm.call("POST", f"{W.SITE_ID}/config/appsettings/list", None, W.V_WEB)
    c.check(st == 200 and "CS_ACCOUNT_NAME" in b["properties"], "POST config/appsettings/list is not blocked", str(b))
    for path, version, what in ((O.KV_ZONE_ID, W.V_DNS, "the zone"), (W.RG_ID, V_RG, "the group"),
                                (f"{W.NET}/privateDnsZones", W.V_DNS, "the zones list"),
                                (f"{W.RG_ID}/{LOCKS}", V, "the locks list")):
        st, _, _ = arm.call("GET", path, None, version)
        c.eq(st, 200, f"GET {what} under ReadOnly: 200")
    st, _, b = as_reader(twin).call("PUT", KV_LINK_ID, LINK_BODY, W.V_DNS)
    c.eq((st, error(b).get("code")), (403, "AuthorizationFailed"), "the reader's write: RBAC first (403), not 409")
    twin.login("sp")
    may_lock(twin)
    st, _, _ = arm.call("PUT", f"{W.RG_ID}/{LOCKS}/second", {"properties": {"level": "CanNotDelete"}}, V)
    c.eq(st, 201, "lock operations are exempt: another lock written under ReadOnly")
    st, _, _ = arm.call("DELETE", O.FREEZE_LOCK_ID, None, V)
    c.eq(st, 200, "... and the ReadOnly lock deleted")
    st, _, b, final = arm.send("PUT", KV_LINK_ID, LINK_BODY, W.V_DNS)
    c.check(st == 202 and (final or {}).get("status") == "Succeeded",
            "without it the link is written (202, Succeeded: the CanNotDelete lock left does not stop writes)",
            f"{st} {b} {final}")
    st, _, b = arm.call("DELETE", KV_LINK_ID, None, W.V_DNS)
    c.check(st == 409 and "delete operation" in error(b).get("message", ""), "but it stops deleting the link", str(b))


def test_cannot_delete(c, twin):
    reset(twin, "zone-unlinked-lock-elsewhere")
    arm = twin.arm
    st, _, b = arm.call("DELETE", W.CS_ID, None, W.V_CS)
    want = (f"The scope '{W.CS_ID}' cannot perform delete operation because following scope(s) are locked: "
            f"'{W.CS_ID}'. Please remove the lock and try again.")
    c.eq((st, error(b).get("code"), error(b).get("message")), (409, "ScopeLocked", want),
         "DELETE the account under its CanNotDelete lock -> 409 ScopeLocked")
    st, _, b = arm.call("DELETE", W.RG_ID, None, V_RG)
    c.check(st == 409 and f"locked: '{W.CS_ID}'" in error(b).get("message", ""),
            "DELETE the group holding the locked account -> 409 naming the account's scope", str(b))
    st, _, b, final = arm.send("PATCH", W.CS_ID, {"tags": {"owner": "platform"}}, W.V_CS)
    c.check(st in (200, 202), "a write to the account under CanNotDelete is allowed", str(b)[:200])
    st, _, b, final = arm.send("PUT", KV_LINK_ID, LINK_BODY, W.V_DNS)
    c.check(st == 202 and (final or {}).get("status") == "Succeeded",
            "the vault zone's link is written (202, Succeeded): the lock elsewhere does not stop it",
            f"{st} {b} {final}")
    items, _ = list_all(arm, f"{W.RG_ID}/{LOCKS}", V)
    c.eq([(i["id"], i["properties"]["level"]) for i in items], [(O.ACCOUNT_LOCK_ID, "CanNotDelete")],
         "the group's list shows the account's lock")


def test_deployments(c, twin):
    reset(twin, "zone-unlinked")
    arm = twin.arm
    st, _, b = arm.call("GET", DEPLOYMENTS, None, V_RG)
    c.eq((st, b), (200, {"value": []}), "no deployments: an empty list, not 404")
    st, _, b = arm.call("GET", f"{DEPLOYMENTS}/network-stack", None, V_RG)
    c.eq((st, error(b).get("code")), (404, "DeploymentNotFound"), "GET a missing deployment -> 404 DeploymentNotFound")
    reset(twin, "zone-unlinked-deployment")
    items, _ = list_all(arm, DEPLOYMENTS, V_RG)
    c.eq([i["id"] for i in items], [O.DEPLOYMENT_ID], "zone-unlinked-deployment: network-stack")
    d = items[0]
    props = d["properties"]
    c.check(d["type"] == "Microsoft.Resources/deployments" and d["name"] == "network-stack"
            and d.get("tags") == {"workload": "securebackend"} and props["provisioningState"] == "Succeeded"
            and props["mode"] == "Incremental" and props["timestamp"] and props["templateHash"].isdigit(),
            "... shaped as ARM lists it (type, tags, provisioningState, timestamp, mode, templateHash)", str(d)[:300])
    c.check(O.KV_ZONE_ID in [o["id"] for o in props["outputResources"]], "... its outputResources name the vault zone")
    st, _, b = arm.call("GET", O.DEPLOYMENT_ID, None, V_RG)
    c.eq((st, b), (200, d), "GET the deployment: the same body")
    c.eq(graph_count(arm, "microsoft.resources/deployments"), 0, "deployments are no Resource Graph rows")
    st, _, b = twin.control("POST", "facts", {"deployments": [
        {"resource_group": W.RG_ID, "name": f"app-{n}", "output_resources": [W.SITE_ID]} for n in (1, 2)]})
    c.eq(st, 200, "two more seeded through /_twin/facts")
    twin.control("POST", "config", {"page_size": 1})
    items, pages = list_all(arm, DEPLOYMENTS, V_RG)
    twin.control("POST", "config", {"page_size": 100})
    c.eq(([i["name"] for i in items], pages), (["network-stack", "app-1", "app-2"], 3),
         "page size 1: three pages, nextLink followed")
    st, _, b = twin.control("POST", "facts", {"deployments": [{"resource_group": f"{W.RG_ID}x", "name": "n"}]})
    c.eq(st, 400, "a deployment in a group that does not exist -> 400 from the control API")
    st, _, b = arm.call("PUT", f"{DEPLOYMENTS}/new", {"properties": {"mode": "Incremental", "template": {}}}, V_RG)
    c.eq((st, error(b).get("code")), (501, "NotImplementedInTwin"), "PUT a deployment: no template engine (501)")
    st, _, b = arm.call("GET", DEPLOYMENTS, None, "2019-10-01")
    c.eq((st, error(b).get("code")), (400, "InvalidApiVersionParameter"), "another api-version -> 400")
    st, _, b = arm.call("GET", f"/subscriptions/{W.SUBSCRIPTION}/resourcegroups/nosuch/providers/"
                               "Microsoft.Resources/deployments", None, V_RG)
    c.eq((st, error(b).get("code")), (404, "ResourceGroupNotFound"), "deployments of a missing group -> 404")


def test_resource_group_tags(c, twin):
    reset(twin, "zone-unlinked")
    arm = twin.arm
    st, _, b = arm.call("GET", W.RG_ID, None, V_RG)
    c.check(st == 200 and b["tags"] == {"workload": "securebackend"} and "managedBy" not in b,
            "GET the group: its tags, no managedBy", str(b))
    st, _, b = arm.call("PATCH", W.RG_ID, {"tags": {"workload": "securebackend", "managed-by": "terraform"}}, V_RG)
    st2, _, b2 = arm.call("GET", W.RG_ID, None, V_RG)
    c.eq((st, st2, b2["tags"]), (200, 200, {"workload": "securebackend", "managed-by": "terraform"}),
         "PATCH tags, GET shows them")


def test_ownership_worlds(c, twin):
    arm = twin.arm
    reset(twin, "zone-unlinked-terraform-tags")
    st, _, b = arm.call("GET", O.KV_ZONE_ID, None, W.V_DNS)
    c.eq((st, b.get("tags")), (200, {"managed-by": "terraform"}), "zone-unlinked-terraform-tags: the vault zone's tags")
    st, _, _ = arm.call("GET", KV_LINK_ID, None, W.V_DNS)
    c.eq(st, 404, "... and its link is missing (as in zone-unlinked)")
    reset(twin, "zone-unlinked-readonly-lock")
    items, _ = list_all(arm, f"{W.RG_ID}/{LOCKS}", V)
    c.eq([(i["name"], i["properties"]["level"]) for i in items], [("freeze", "ReadOnly")],
         "zone-unlinked-readonly-lock: ReadOnly lock freeze on the group")
    c.eq(graph_count(arm, "microsoft.authorization/locks"), 1, "... a Resource Graph row, as locks are")
    reset(twin, "routeall-off-azd")
    st, _, b = arm.call("GET", W.SITE_ID, None, W.V_WEB)
    c.eq((st, b.get("tags")), (200, {"azd-env-name": "prod"}), "routeall-off-azd: the site's azd tag")
    st, _, b = arm.call("GET", f"{W.SITE_ID}/config/web", None, W.V_WEB)
    c.eq(b["properties"].get("vnetRouteAllEnabled"), False, "... route-all off, as in routeall-off")
    for name in ("zone-unlinked-deployment", "zone-unlinked-lock-elsewhere"):
        reset(twin, name)
        st, _, _ = arm.call("GET", KV_LINK_ID, None, W.V_DNS)
        c.eq(st, 404, f"{name}: the vault zone's link is missing, so fix plans it")


if __name__ == "__main__":
    sys.exit(run_rp_tests("test_rp_ownership", "zone-unlinked", [
        test_lock_rbac, test_lock_crud, test_readonly_blocks_writes, test_cannot_delete, test_deployments,
        test_resource_group_tags, test_ownership_worlds]))
