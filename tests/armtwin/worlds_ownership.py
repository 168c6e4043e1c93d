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

Import worlds before this module (worlds imports it once its own names exist).
"""
import json

import worlds as W
from worlds import CS_ID, CS_LINK, CS_ZONE, KV_ZONE, NET, OTHER_SUBNET, INTEGRATION_SUBNET, PE_SUBNET, RG_ID, \
    SITE_ID, V_DNS, VNET_ID, _u

V_LOCKS = "2016-09-01"
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
}
