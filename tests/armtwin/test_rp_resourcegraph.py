#!/usr/bin/python3
"""rp_resourcegraph.py over HTTPS (hub-spoke-healthy): the reader's query shape answers the vault,
the account (by customSubDomainName), the hub zones, the resolver and the ruleset across
subscriptions; paging with $skipToken at the twin's page size; 400 InvalidQuery for KQL outside the
subset; quota headers, 429 when the quota is spent; 403 with Resource Graph off or no role
anywhere; rows only from subscriptions the caller may read."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds as W  # noqa: E402
import worlds_estate as E  # noqa: E402
from twinlib import run_rp_tests  # noqa: E402

PATH = "/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01"
QUERY = """resources
| where (type =~ 'microsoft.keyvault/vaults' and name in~ ('vdlabkv'))
     or (type =~ 'microsoft.cognitiveservices/accounts' and (name in~ ('vdlabcs') or tostring(properties.customSubDomainName) in~ ('vdlabcs')))
     or (type =~ 'microsoft.network/privatednszones' and name in~ ('privatelink.vaultcore.azure.net','privatelink.cognitiveservices.azure.com'))
     or type =~ 'microsoft.network/dnsresolvers'
     or type =~ 'microsoft.network/dnsforwardingrulesets'
| project id, name, type, location, subscriptionId, resourceGroup, tags, properties
| order by id asc"""


def ask(arm, query=QUERY, **options):
    return arm.raw("POST", PATH, {"query": query, "options": dict({"resultFormat": "objectArray"}, **options)})


def as_reader(twin):
    twin.arm.token = twin.sp_token(twin.env["READER_CLIENT_ID"], twin.env["READER_CLIENT_SECRET"])[1]["access_token"]
    return twin.arm


def test_query(c, twin):
    arm = twin.arm
    st, h, b = ask(arm)
    c.check(st == 200 and int(h.get("x-ms-user-quota-remaining", -1)) >= 0
            and len(h.get("x-ms-user-quota-resets-after", "")) == 8, "200 with the quota headers", str(h))
    rows = {(r["type"], r["name"]): r for r in b["data"]}
    c.eq(sorted(rows), sorted([("microsoft.keyvault/vaults", "vdlabkv"),
                               ("microsoft.cognitiveservices/accounts", "vdlabcs"),
                               ("microsoft.network/privatednszones", "privatelink.vaultcore.azure.net"),
                               ("microsoft.network/privatednszones", "privatelink.cognitiveservices.azure.com"),
                               ("microsoft.network/dnsresolvers", "hub-resolver"),
                               ("microsoft.network/dnsforwardingrulesets", "hub-ruleset")]), "the rows asked for")
    zone = rows[("microsoft.network/privatednszones", "privatelink.vaultcore.azure.net")]
    c.eq((zone["subscriptionId"], zone["resourceGroup"]), (E.HUB_SUBSCRIPTION, "connectivity"),
         "the vault zone comes from the hub subscription")
    c.eq([r["id"].lower() for r in b["data"]], sorted(r["id"].lower() for r in b["data"]), "order by id asc")
    c.eq((b["totalRecords"], b["count"], b["resultTruncated"], "$skipToken" in b), (6, 6, "false", False),
         "one page: totals, no $skipToken")


def test_paging(c, twin):
    arm = twin.arm
    twin.control("POST", "config", {"page_size": 4})
    st, _, b = ask(arm)
    c.check(st == 200 and b["count"] == 4 and b["totalRecords"] == 6 and b.get("$skipToken"), "page 1 of 2", str(b)[:300])
    st, _, b2 = ask(arm, **{"$skipToken": b["$skipToken"]})
    c.check(st == 200 and b2["count"] == 2 and "$skipToken" not in b2, "page 2, the last", str(b2)[:300])
    st, _, b = ask(arm, **{"$top": 1})
    c.eq((b["count"], bool(b.get("$skipToken"))), (1, True), "$top below the page size: 1 row and a token")
    twin.control("POST", "config", {"page_size": 100})
    st, _, b = ask(arm, **{"$skipToken": "nonsense"})
    c.eq(st, 400, "a token the twin did not issue -> 400")


def test_invalid(c, twin):
    arm = twin.arm
    for q in ("resources | take 5", "resources | where name contains 'kv'", "resourcecontainers",
              "resources | where type =~ 'x' | summarize count()", "resources | where (type =~ 'x'"):
        st, _, b = ask(arm, q)
        c.check(st == 400 and b["error"]["details"][0]["code"] == "InvalidQuery", f"{q!r} -> 400 InvalidQuery", str(b))
    st, _, b = arm.raw("POST", PATH, {"nothing": 1})
    c.eq(st, 400, "no query -> 400")
    st, _, b = arm.raw("POST", PATH.replace("2021-03-01", "2019-04-01"), {"query": QUERY})
    c.eq(st, 400, "another api-version -> 400")


def test_throttle(c, twin):
    arm = twin.arm
    twin.control("POST", "facts", {"resource_graph_quota": {"quota": 2, "window_seconds": 30}})
    codes = [ask(arm)[0] for _ in range(3)]
    st, h, b = ask(arm)
    c.eq(codes[-1], 429, "over the quota -> 429")
    c.check(h.get("x-ms-user-quota-remaining") == "0" and h.get("x-ms-user-quota-resets-after", "").count(":") == 2,
            "the 429 carries quota headers", str(h))
    twin.control("POST", "facts", {"resource_graph_quota": {"quota": 1000, "window_seconds": 1}})


def test_rbac(c, twin):
    twin.control("POST", "reset", {"world": "hub-read-forbidden"})
    arm = as_reader(twin)
    st, _, b = ask(arm)
    c.check(st == 200 and {r["subscriptionId"] for r in b["data"]} == {W.SUBSCRIPTION},
            "the reader without a role on the hub: only the app's subscription's rows", str(b)[:300])
    twin.control("POST", "facts", {"resource_graph": "off"})
    st, _, b = ask(arm)
    c.eq((st, b["error"]["code"]), (403, "AuthorizationFailed"), "resource_graph off -> 403")
    twin.control("POST", "facts", {"resource_graph": "on"})
    twin.control("DELETE", "roles?principal=reader")
    st, _, b = ask(arm)
    c.eq((st, b["error"]["code"]), (403, "AuthorizationFailed"), "no role on any subscription -> 403")
    twin.control("POST", "reset", {"world": "hub-spoke-healthy"})
    twin.login("sp")


if __name__ == "__main__":
    sys.exit(run_rp_tests("test_rp_resourcegraph", "hub-spoke-healthy",
                          [test_query, test_paging, test_invalid, test_throttle, test_rbac]))
