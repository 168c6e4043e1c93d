"""Issue 16's ownership worlds: who else manages what `vnetdiag fix` would write -- Terraform or
azd tags, a Bicep/ARM deployment's outputResources, management locks (rp_ownership.py). worlds.py
lists them in WORLDS; each is an existing tutorial world (its facts and ARM calls, replayed as they
are) plus a few more, so that fix still plans the step that touches the owned thing.

  zone-unlinked-terraform-tags  zone-unlinked (fix would create the vault zone's VNet link), with the
                                zone privatelink.vaultcore.azure.net tagged {"managed-by": "terraform"}
  zone-unlinked-deployment      zone-unlinked, plus a deployment "network-stack" in the app's group
                                (fact) whose outputResources are the VNet, its three subnets, both
                                privatelink zones and the cognitive zone's link: a Bicep/ARM
                                deployment owns the vault zone
  zone-unlinked-readonly-lock   zone-unlinked, plus a ReadOnly lock "freeze" on the app's resource
                                group: every write in it (the zone link included) is 409 ScopeLocked
  routeall-off-azd              routeall-off (fix turns route-all on in config/web), with the site
                                tagged {"azd-env-name": "prod"} (azd provisioned it)
  zone-unlinked-lock-elsewhere  zone-unlinked, plus a CanNotDelete lock "no-delete" on the cognitive
                                account only: it stops deleting the account (and the group), not the
                                write of the vault zone's link -- fix must not refuse for it

Azure Policy (rp_policy.py), each on zone-unlinked:
  zone-unlinked-policy-deny     assignment "deny-hub-links" on the app's group of the built-in
                                "Private DNS zones should not be linked ..." with effect Deny: the
                                vault zone's new link is 403 RequestDisallowedByPolicy
  zone-unlinked-policy-modify   the built-in "Add a cost-center tag ..." (modify: adds tag cost-center
                                to every privateDnsZones/virtualNetworkLinks) assigned at the
                                subscription (the group inherits it); the twin does not carry modify
                                out. (A custom definition at the subscription would not do: the fixer,
                                Contributor on the group only, may not read it -- fix says so.)
  zone-unlinked-policy-audit    an audit-only built-in assigned on the group, and the initiative
                                "Private DNS guardrails" with linkEffect Deny assigned at the
                                subscription as DoNotEnforce: neither stops the link -- fix heals

Import worlds before this module (worlds imports it once its own names exist).
"""
import json

import worlds as W
from worlds import CS_ID, CS_LINK, CS_ZONE, KV_ZONE, NET, OTHER_SUBNET, INTEGRATION_SUBNET, PE_SUBNET, RG_ID, \
    SITE_ID, V_DNS, VNET_ID, _u

V_LOCKS = "2016-09-01"
V_POLICY = "2023-04-01"
KV_ZONE_ID = f"{NET}/privateDnsZones/{KV_ZONE}"
CS_ZONE_ID = f"{NET}/privateDnsZones/{CS_ZONE}"
TERRAFORM_TAGS = {"managed-by": "terraform"}
AZD_TAGS = {"azd-env-name": "prod"}
DEPLOYMENT = "network-stack"
DEPLOYMENT_ID = f"{RG_ID}/providers/Microsoft.Resources/deployments/{DEPLOYMENT}"
DEPLOYMENT_OUTPUTS = [VNET_ID] + [f"{VNET_ID}/subnets/{s}" for s in (INTEGRATION_SUBNET, PE_SUBNET, OTHER_SUBNET)] + \
                     [KV_ZONE_ID, CS_ZONE_ID, f"{CS_ZONE_ID}/virtualNetworkLinks/{CS_LINK}"]
FREEZE_LOCK_ID = f"{RG_ID}/providers/Microsoft.Authorization/locks/freeze"
ACCOUNT_LOCK_ID = f"{CS_ID}/providers/Microsoft.Authorization/locks/no-delete"


SUB_ID = f"/subscriptions/{W.SUBSCRIPTION}"
POLICY_NS = "providers/Microsoft.Authorization"
DENY_ASSIGNMENT_ID = f"{RG_ID}/{POLICY_NS}/policyAssignments/deny-hub-links"
MODIFY_ASSIGNMENT_ID = f"{SUB_ID}/{POLICY_NS}/policyAssignments/tag-dns-links"
AUDIT_ASSIGNMENT_ID = f"{RG_ID}/{POLICY_NS}/policyAssignments/audit-links"
SET_ASSIGNMENT_ID = f"{SUB_ID}/{POLICY_NS}/policyAssignments/dns-guardrails"
LINKS_TYPE = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"


def builtin_id(name, kind="policyDefinitions"):
    return f"/providers/Microsoft.Authorization/{kind}/{name}"


def assignment_call(assignment_id, definition_id, display, params=None, mode="Default"):
    return ("PUT", _u(assignment_id, V_POLICY), {"properties": {
        "displayName": display, "policyDefinitionId": definition_id, "enforcementMode": mode,
        "parameters": {k: {"value": v} for k, v in (params or {}).items()}}})


MODIFY_DEFINITION = {"properties": {
    "displayName": "Tag private DNS zone links with their cost center", "mode": "Indexed",
    "parameters": {},
    "policyRule": {"if": {"field": "type", "equals": LINKS_TYPE},
                   "then": {"effect": "modify", "details": {
                       "roleDefinitionIds": ["/providers/Microsoft.Authorization/roleDefinitions/"
                                             "b24988ac-6180-42a0-ab88-20f7382dd24c"],
                       "operations": [{"operation": "addOrReplace", "field": "tags['cost-center']",
                                       "value": "platform"}]}}}}}


def lock_call(lock_id, level, notes):
    return ("PUT", _u(lock_id, V_LOCKS), {"properties": {"level": level, "notes": notes}})


def _like(base, facts=(), calls=(), site_tags=None):
    """World `base` (its facts and calls, as they are) plus more; looked up when the world is built.
    site_tags: the site is created with these tags (WebApps_Update's body has no tags, so a later
    PATCH could not add them; azd tags the site when it creates it)."""
    def build():
        base_facts, base_calls = W.WORLDS[base]()
        if site_tags is not None:
            base_calls = [(m, p, dict(b, tags=dict(site_tags)) if m == "PUT" and p.split("?")[0] == SITE_ID else b)
                          for m, p, b in base_calls]
        return list(base_facts) + list(facts), list(base_calls) + list(calls)
    return build


OWNERSHIP_WORLDS = {
    "zone-unlinked-terraform-tags": _like("zone-unlinked", calls=[
        ("PATCH", _u(KV_ZONE_ID, V_DNS), {"tags": TERRAFORM_TAGS})]),
    "zone-unlinked-deployment": _like("zone-unlinked", facts=["deployment:" + json.dumps({
        "resource_group": RG_ID, "name": DEPLOYMENT, "output_resources": DEPLOYMENT_OUTPUTS,
        "tags": {"workload": "securebackend"}})]),
    "zone-unlinked-readonly-lock": _like("zone-unlinked", calls=[
        lock_call(FREEZE_LOCK_ID, "ReadOnly", "Change freeze: changes go through the platform team's pipeline.")]),
    "routeall-off-azd": _like("routeall-off", site_tags=AZD_TAGS),
    "zone-unlinked-lock-elsewhere": _like("zone-unlinked", calls=[
        lock_call(ACCOUNT_LOCK_ID, "CanNotDelete", "The account holds the production keys: do not delete.")]),
    "zone-unlinked-policy-deny": _like("zone-unlinked", calls=[
        assignment_call(DENY_ASSIGNMENT_ID, builtin_id("5d3e1f0a-7c2b-4a8e-9f61-2b4c8d0e6a13"),
                        "Deny DNS links outside the hub", {"effect": "Deny"})]),
    "zone-unlinked-policy-modify": _like("zone-unlinked", calls=[
        assignment_call(MODIFY_ASSIGNMENT_ID, builtin_id("7a0d3b8e-2f14-4c6a-b95e-e31c7f9a0d52"), "Tag DNS links")]),
    "zone-unlinked-policy-audit": _like("zone-unlinked", calls=[
        assignment_call(AUDIT_ASSIGNMENT_ID, builtin_id("9b2a6c41-0e5d-4f37-8a19-c6d2e4f80b75"),
                        "Audit DNS links"),
        assignment_call(SET_ASSIGNMENT_ID, builtin_id("c4f7a2e9-61b3-4d08-9e5c-0a7b3f8d2e41", "policySetDefinitions"),
                        "Private DNS guardrails (trial)", {"linkEffect": "Deny"}, mode="DoNotEnforce")]),
}
