#!/usr/bin/python3
"""rp_policy.py over HTTPS (zone-unlinked and the policy worlds): built-in and custom policy
definitions and initiatives read; assignments written, read, listed with each $filter (atScope()
inherits the subscription's into a group, a resource's assignment shows only unfiltered) and
deleted; who may write them (Contributor may not, the reader reads); enforcement: a deny on
privateDnsZones/virtualNetworkLinks is 403 RequestDisallowedByPolicy in ARM's shape, not under a
notScope, not as DoNotEnforce, not for another type, not for audit or modify; RBAC before policy."""
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds as W  # noqa: E402 -- first: worlds_ownership is imported through it
import worlds_ownership as O  # noqa: E402
import rp_policy as P  # noqa: E402
from twinlib import run_rp_tests  # noqa: E402

V = "2023-04-01"
ASSIGNMENTS = "providers/Microsoft.Authorization/policyAssignments"
SUB = f"/subscriptions/{W.SUBSCRIPTION}"
KV_LINK_ID = f"{O.KV_ZONE_ID}/virtualNetworkLinks/{W.KV_LINK}"
LINK_BODY = {"location": "global", "properties": {"virtualNetwork": {"id": W.VNET_ID}, "registrationEnabled": False}}
DENY_DEF = f"/providers/Microsoft.Authorization/policyDefinitions/{P.BUILTIN_DENY_LINKS}"
SET_DEF = f"/providers/Microsoft.Authorization/policySetDefinitions/{P.BUILTIN_NETWORK_SET}"


def reset(twin, world):
    st, _, b = twin.control("POST", "reset", {"world": world})
    assert st == 200, (st, b)
    twin.login("sp")


def error(b):
    return (b or {}).get("error") or {}


def as_admin(twin):
    """The fixer as Owner: it may write policy."""
    twin.control("POST", "roles", {"principal": "fixer", "role": "Owner", "scope": SUB})


def assign(arm, scope, name, definition, params=None, **props):
    body = {"properties": dict({"policyDefinitionId": definition, "displayName": name,
                                "parameters": {k: {"value": v} for k, v in (params or {}).items()}}, **props)}
    return arm.call("PUT", f"{scope}/{ASSIGNMENTS}/{name}", body, V)


def names(arm, scope, flt=None):
    path = f"{scope}/{ASSIGNMENTS}" + (f"?$filter={urllib.parse.quote(flt)}" if flt else "")
    st, _, b = arm.call("GET", path, None, V)
    assert st == 200, (st, b)
    return sorted(i["name"] for i in b["value"])


def test_definitions(c, twin):
    reset(twin, "zone-unlinked")
    arm = twin.arm
    st, _, b = arm.call("GET", DENY_DEF, None, V)
    c.check(st == 200 and b["properties"]["policyType"] == "BuiltIn"
            and b["properties"]["policyRule"]["then"]["effect"] == "[parameters('effect')]"
            and b["properties"]["parameters"]["effect"]["defaultValue"] == "Audit",
            "a built-in definition at the tenant: its rule's effect a parameter, default Audit", str(b)[:300])
    st, _, b = arm.call("GET", f"{SUB}/providers/Microsoft.Authorization/policyDefinitions/{P.BUILTIN_DENY_LINKS}",
                        None, V)
    c.eq((st, b.get("id")), (200, DENY_DEF), "... also answered under the subscription, with its tenant id")
    st, _, b = arm.call("GET", SET_DEF, None, V)
    c.check(st == 200 and len(b["properties"]["policyDefinitions"]) == 2, "the built-in initiative: two members",
            str(b)[:300])
    st, _, b = arm.call("GET", "/providers/Microsoft.Authorization/policyDefinitions/nosuch", None, V)
    c.eq((st, error(b).get("code")), (404, "PolicyDefinitionNotFound"), "an unknown built-in -> 404")
    st, _, b = arm.call("GET", DENY_DEF, None, "2015-01-01")
    c.eq((st, error(b).get("code")), (400, "InvalidApiVersionParameter"), "another api-version -> 400")
    as_admin(twin)
    custom = f"{SUB}/providers/Microsoft.Authorization/policyDefinitions/tag-dns-links"
    st, _, b = arm.call("PUT", custom, O.MODIFY_DEFINITION, V)
    c.check(st == 201 and b["properties"]["policyType"] == "Custom", "a custom definition: 201, Custom", str(b))
    st, _, b = arm.call("PUT", custom, {"properties": {"policyRule": {"then": {}}}}, V)
    c.eq((st, error(b).get("code")), (400, "InvalidPolicyRule"), "a rule without 'if' -> 400")
    st, _, b = arm.call("GET", custom, None, V)
    c.eq((st, b["properties"]["policyRule"]["then"]["effect"]), (200, "modify"), "GET it back")


def test_assignment_rbac_and_crud(c, twin):
    reset(twin, "zone-unlinked")
    arm = twin.arm
    st, _, b = assign(arm, W.RG_ID, "deny-links", DENY_DEF, {"effect": "Deny"})
    c.check(st == 403 and "'Microsoft.Authorization/policyAssignments/write'" in error(b).get("message", ""),
            "Contributor (fixer) may not assign policy: 403 naming policyAssignments/write", str(b))
    as_admin(twin)
    st, _, b = assign(arm, W.RG_ID, "deny-links", DENY_DEF, {"effect": "Deny"}, notScopes=[O.CS_ZONE_ID])
    p = b.get("properties", {})
    c.check(st == 201 and p.get("scope") == W.RG_ID and p.get("enforcementMode") == "Default"
            and p.get("notScopes") == [O.CS_ZONE_ID] and b.get("type") == P.T_ASSIGNMENT,
            "Owner assigns at the group: 201, scope, enforcementMode Default, notScopes", str(b))
    st, _, b = assign(arm, W.RG_ID, "deny-links", DENY_DEF, {"effect": "Deny"})
    c.eq(st, 200, "PUT again: 200")
    st, _, b = assign(arm, W.RG_ID, "bad", "/providers/Microsoft.Authorization/policyDefinitions/nosuch")
    c.eq((st, error(b).get("code")), (404, "PolicyDefinitionNotFound"), "an unknown definition -> 404")
    st, _, b = assign(arm, W.RG_ID, "bad", DENY_DEF, enforcementMode="Sometimes")
    c.eq(st, 400, "an unknown enforcementMode -> 400")
    assign(arm, SUB, "sub-audit", f"/providers/Microsoft.Authorization/policyDefinitions/{P.BUILTIN_AUDIT_LINKS}")
    assign(arm, O.KV_ZONE_ID, "zone-audit",
           f"/providers/Microsoft.Authorization/policyDefinitions/{P.BUILTIN_AUDIT_LINKS}")
    c.eq(names(arm, W.RG_ID, "atScope()"), ["deny-links", "sub-audit"],
         "the group's list, atScope(): its own and the subscription's (inherited), not the zone's")
    c.eq(names(arm, W.RG_ID), ["deny-links", "sub-audit", "zone-audit"],
         "unfiltered: also what is assigned below the group")
    c.eq(names(arm, W.RG_ID, "atExactScope()"), ["deny-links"], "atExactScope(): the group's own")
    c.eq(names(arm, SUB, "atScope()"), ["sub-audit"], "the subscription's list, atScope(): its own")
    c.eq(names(arm, W.RG_ID, f"policyDefinitionId eq '{DENY_DEF}'"), ["deny-links"], "policyDefinitionId eq")
    other = urllib.parse.quote("name eq 'x'")
    st, _, b = arm.call("GET", f"{W.RG_ID}/{ASSIGNMENTS}?$filter={other}", None, V)
    c.eq((st, error(b).get("code")), (400, "InvalidFilterInQueryString"), "another $filter -> 400")
    twin.control("POST", "config", {"page_size": 1})
    st, _, b = arm.call("GET", f"{W.RG_ID}/{ASSIGNMENTS}?$filter=atScope()", None, V)
    twin.control("POST", "config", {"page_size": 100})
    c.check(st == 200 and len(b["value"]) == 1 and bool(b.get("nextLink")), "page size 1: one item and a nextLink",
            str(b)[:300])
    st, _, b = arm.call("DELETE", f"{W.RG_ID}/{ASSIGNMENTS}/deny-links", None, V)
    st2, _, b2 = arm.call("GET", f"{W.RG_ID}/{ASSIGNMENTS}/deny-links", None, V)
    st3, _, _ = arm.call("DELETE", f"{W.RG_ID}/{ASSIGNMENTS}/deny-links", None, V)
    c.eq((st, st2, error(b2).get("code"), st3), (200, 404, "PolicyAssignmentNotFound", 204),
         "DELETE 200, GET 404, DELETE 204")
    twin.login("sp")
    st, _, b = twin.arm.call("GET", f"{W.RG_ID}/{ASSIGNMENTS}?$filter=atScope()", None, V)
    c.eq(st, 200, "Contributor reads assignments")


def test_deny_enforced(c, twin):
    reset(twin, "zone-unlinked-policy-deny")
    arm = twin.arm
    st, _, b = arm.call("PUT", KV_LINK_ID, LINK_BODY, W.V_DNS)
    e = error(b)
    info = (e.get("additionalInfo") or [{}])[0]
    c.check(st == 403 and e.get("code") == "RequestDisallowedByPolicy" and e.get("target") == W.KV_LINK
            and e.get("message", "").startswith(f"Resource '{W.KV_LINK}' was disallowed by policy. Policy "
                                                "identifiers: '[")
            and O.DENY_ASSIGNMENT_ID in e.get("message", "") and info.get("type") == "PolicyViolation"
            and info["info"]["policyDefinitionEffect"] == "deny"
            and info["info"]["policyAssignmentScope"] == W.RG_ID,
            "PUT the vault zone's link: 403 RequestDisallowedByPolicy, target, message and PolicyViolation info",
            json.dumps(b)[:600])
    ident = json.loads(e["message"].split("Policy identifiers: '")[1].rstrip("'."))
    c.eq(ident[0]["policyAssignment"]["id"], O.DENY_ASSIGNMENT_ID, "the identifiers are JSON naming the assignment")
    st, _, _ = arm.call("GET", KV_LINK_ID, None, W.V_DNS)
    c.eq(st, 404, "nothing was written")
    st, _, b, final = arm.send("PATCH", O.KV_ZONE_ID, {"tags": {"a": "b"}}, W.V_DNS)
    c.check(st in (200, 202), "another type (the zone itself) is not denied", str(b)[:200])
    st, _, b = twin.login("mi").call("PUT", f"{W.RG_ID}/{ASSIGNMENTS}/x", {"properties": {
        "policyDefinitionId": DENY_DEF}}, V)
    c.eq(st, 403, "the app's identity may not assign policy either")
    reader = twin.sp_token(twin.env["READER_CLIENT_ID"], twin.env["READER_CLIENT_SECRET"])[1]["access_token"]
    twin.arm.token = reader
    st, _, b = twin.arm.call("PUT", KV_LINK_ID, LINK_BODY, W.V_DNS)
    c.eq((st, error(b).get("code")), (403, "AuthorizationFailed"), "the reader's write: RBAC first, not policy")
    twin.login("sp")
    as_admin(twin)
    st, _, b = assign(twin.arm, W.RG_ID, "deny-hub-links", DENY_DEF, {"effect": "Deny"}, notScopes=[O.KV_ZONE_ID])
    st, _, b, final = twin.arm.send("PUT", KV_LINK_ID, LINK_BODY, W.V_DNS)
    c.check(st in (200, 201, 202) and (final or {}).get("status", "Succeeded") == "Succeeded",
            "with the vault zone in notScopes the link is written", f"{st} {str(b)[:200]} {final}")
    twin.arm.call("DELETE", KV_LINK_ID, None, W.V_DNS)
    assign(twin.arm, W.RG_ID, "deny-hub-links", DENY_DEF, {"effect": "Deny"}, enforcementMode="DoNotEnforce")
    st, _, b, final = twin.arm.send("PUT", KV_LINK_ID, LINK_BODY, W.V_DNS)
    c.check(st in (200, 201, 202), "DoNotEnforce: written", f"{st} {str(b)[:200]}")
    twin.arm.call("DELETE", KV_LINK_ID, None, W.V_DNS)
    assign(twin.arm, W.RG_ID, "deny-hub-links", DENY_DEF)
    st, _, b, final = twin.arm.send("PUT", KV_LINK_ID, LINK_BODY, W.V_DNS)
    c.check(st in (200, 201, 202), "the effect parameter left at its default (Audit): written", f"{st} {str(b)[:200]}")


def test_policy_worlds(c, twin):
    for world in ("zone-unlinked-policy-modify", "zone-unlinked-policy-audit"):
        reset(twin, world)
        st, _, b, final = twin.arm.send("PUT", KV_LINK_ID, LINK_BODY, W.V_DNS)
        c.check(st in (200, 201, 202) and (final or {}).get("status", "Succeeded") == "Succeeded",
                f"{world}: the link is written (modify, audit and DoNotEnforce stop nothing)", f"{st} {str(b)[:300]}")
    c.eq(names(twin.arm, W.RG_ID, "atScope()"), ["audit-links", "dns-guardrails"],
         "zone-unlinked-policy-audit: the group sees its audit and the subscription's initiative")
    st, _, b = twin.arm.call("GET", O.SET_ASSIGNMENT_ID, None, V)
    c.eq((b["properties"]["enforcementMode"], b["properties"]["parameters"]), ("DoNotEnforce", {
        "linkEffect": {"value": "Deny"}}), "... the initiative's linkEffect Deny, DoNotEnforce")
    reset(twin, "zone-unlinked-policy-modify")
    c.eq(names(twin.arm, W.RG_ID, "atScope()"), ["tag-dns-links"], "zone-unlinked-policy-modify: inherited")
    reset(twin, "zone-unlinked-policy-deny")
    c.eq(names(twin.arm, W.RG_ID, "atExactScope()"), ["deny-hub-links"], "zone-unlinked-policy-deny: on the group")
    # The initiative enforced: its denyLinks member, its effect from the set's parameter.
    as_admin(twin)
    twin.arm.call("DELETE", O.DENY_ASSIGNMENT_ID, None, V)
    assign(twin.arm, SUB, "guardrails", SET_DEF, {"linkEffect": "Deny"})
    st, _, b = twin.arm.call("PUT", KV_LINK_ID, LINK_BODY, W.V_DNS)
    info = ((error(b).get("additionalInfo") or [{}])[0]).get("info", {})
    c.check(st == 403 and info.get("policySetDefinitionId") == SET_DEF
            and info.get("policyDefinitionReferenceId") == "denyLinks",
            "an enforced initiative at the subscription denies through its member", json.dumps(b)[:500])


def test_type_matches(c, twin):
    t = P.LINKS_TYPE
    c.eq(P.type_matches({"field": "type", "equals": t.upper()}, t, {}, {}), True, "equals, any case")
    c.eq(P.type_matches({"field": "type", "notIn": [t]}, t, {}, {}), False, "notIn")
    c.eq(P.type_matches({"field": "type", "like": "Microsoft.Network/*"}, t, {}, {}), True, "like")
    c.eq(P.type_matches({"not": {"field": "type", "equals": t}}, t, {}, {}), False, "not")
    c.eq(P.type_matches({"allOf": [{"field": "type", "equals": t}, {"field": "location", "equals": "x"}]}, t, {}, {}),
         None, "allOf with a clause not evaluated: undecided")
    c.eq(P.type_matches({"anyOf": [{"field": "type", "equals": t}, {"field": "location", "equals": "x"}]}, t, {}, {}),
         True, "anyOf with a matching type clause: decided")
    c.eq(P.type_matches({"field": "type", "in": "[parameters('types')]"}, t, {"types": {"value": [t]}}, {}), True,
         "a parameter resolved from the assignment")


if __name__ == "__main__":
    sys.exit(run_rp_tests("test_rp_policy", "zone-unlinked", [
        test_type_matches, test_definitions, test_assignment_rbac_and_crud, test_deny_enforced, test_policy_worlds]))
