"""Named worlds: the state the twin starts from, built by replaying ARM calls through the twin.

Every world is a list of ARM calls (method, path, body) run by the twin itself (no auth, LROs
complete at once), so a world is always a state the twin's own rules could reach.

  empty-network       app, plan (Basic B1), vault and account exist; nothing else
  tutorial-complete   empty-network + every step of the tutorial
  zone-missing        ... without the vault's privatelink zone (and so without its link and zone group)
  zone-unlinked       ... the vault's zone is not linked to the VNet
  zone-group-missing  ... the vault's endpoint has no DNS zone group (no A record)
  record-stale        ... the vault's A record points at 10.0.1.9, not the endpoint's 10.0.1.4
  connection-pending  ... the vault requires manual approval: its endpoint connection is Pending
  connection-rejected ... the vault's owner rejected its endpoint connection (fix needs --allow-replace)
  connection-disconnected ... the vault's owner removed its endpoint connection: Disconnected
  subnet-not-delegated ... the integration subnet has no delegation, so the app is not integrated
  integration-missing ... the subnet is delegated but the app is not integrated
  routeall-off        ... endpoints in 100.64.1.0/24 (outside RFC1918) and route-all off everywhere
  kv-public           ... the vault firewall still allows public access (defaultAction Allow)
  cs-public           ... the account's publicNetworkAccess is still Enabled
  plan-basic          ... the plan stayed at Basic B1, so the app could not be integrated
  custom-dns-nonforwarding ... the VNet's DNS server is 10.0.2.54, which does not forward to Azure DNS
  region-mismatch     ... the VNet (and its endpoints) in northeurope, the app in westeurope: not integrated (FM-05)
  instance-without-address ... integration subnet /28 (11 addresses), plan P1v3 x 12: the app's instance,
                      the last, has no address (FM-02)
  instance-address-fits ... the same with 11 instances: every instance has its address
  provider-unregistered ... connection-pending, and Microsoft.KeyVault not registered in the subscription (FM-25)
  account-no-subdomain ... the account has no customSubDomainName, so it has no endpoint (FM-27)
  partner-vault-nxdomain ... plus a partner's vault vdlabpartner in resource group partnersetup with its own
                      endpoint and zone; the app's zone has no record for it and its link is Default (FM-16)
  partner-vault-fallback ... the same with the app's link at resolutionPolicy NxDomainRedirect

The network path (FM-09/10/11/26; rp_network_policies.py, world_from_state.path_blocked):
  nsg-deny-integration   ... the integration subnet's NSG denies TCP 443 to the endpoint subnet (priority 100)
  nsg-service-tag        ... the integration subnet's NSG has a Deny to the AzureCloud tag before the defaults
  udr-to-appliance       ... the integration subnet's route table sends the vault endpoint's /32 to a
                             VirtualAppliance, and the endpoint subnet's policies are RouteTableEnabled
  pe-subnet-nsg          ... the endpoint subnet's policies are NetworkSecurityGroupEnabled and its NSG
                             denies TCP 443 from the integration subnet
  pe-vnet-unpeered       ... the endpoints live in a hub VNet (10.1.0.0/16) that is not peered
  peering-disconnected   ... the hub VNet is peered one way only (peeringState Initiated)
  healthy-nsg-allows     ... NSGs that let the traffic through: the integration subnet's only has an
                             unrelated rule (the defaults allow the VNet), the jumpbox subnet has its own
                             deny-all NSG
  healthy-udr-default    ... a 0.0.0.0/0 -> VirtualAppliance route on the integration subnet, which the
                             VNet's own prefix and the endpoint /32 outrank
  healthy-peered-hub     ... the endpoints in a hub VNet peered both ways (Connected)
  healthy-custom-dns-forwarding ... the VNet's DNS server is 10.0.2.54, which forwards to Azure DNS
  resolver-list-stale    ... healthy-custom-dns-forwarding, but the app was not restarted after the
                             VNet's DNS servers changed: it still resolves through Azure DNS (FM-20)

Issue 15's estates (hub-spoke across subscriptions, resolver, rulesets, Key Vault references,
scale) are in worlds_estate.py, which lists them the same way; issue 16's ownership worlds
(Terraform/azd tags, a Bicep deployment, management locks) in worlds_ownership.py.

Every world's app has a few app settings (one a Key Vault reference), the vault an IP rule, and
(where there is a VNet) a third unrelated subnet with a service endpoint, so tests can see that
nothing gets lost.
"""
import json
import uuid

SUBSCRIPTION = "6f1c4a3e-2b7d-4c59-9e0a-1d2f3a4b5c6d"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
RESOURCE_GROUP = "securebackendsetup"
LOCATION = "westeurope"
APP = "securebackend2021"
PLAN = "securebackend-plan"
VNET = "securebackend-vnet"
INTEGRATION_SUBNET = "vnet-integration-subnet"
PE_SUBNET = "private-endpoint-subnet"
OTHER_SUBNET = "jumpbox-subnet"
KEYVAULT = "vdlabkv"
COGNITIVE = "vdlabcs"
KV_ZONE = "privatelink.vaultcore.azure.net"
CS_ZONE = "privatelink.cognitiveservices.azure.com"
KV_PE, CS_PE = "securekeyvault-pe", "securecstext-pe"
KV_ZG, CS_ZG = "securekeyvault-zg", "securecstext-zg"
KV_LINK, CS_LINK = "vaultcore-zonelink", "cognitiveservices-zonelink"
CUSTOM_DNS = "10.0.2.54"   # the lab's custom DNS server address

V_NET, V_DNS, V_KV, V_CS, V_WEB = "2024-01-01", "2024-06-01", "2023-07-01", "2023-05-01", "2023-12-01"

RG_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}"
NET = f"{RG_ID}/providers/Microsoft.Network"
SITE_ID = f"{RG_ID}/providers/Microsoft.Web/sites/{APP}"
PLAN_ID = f"{RG_ID}/providers/Microsoft.Web/serverfarms/{PLAN}"
VNET_ID = f"{NET}/virtualNetworks/{VNET}"
KV_ID = f"{RG_ID}/providers/Microsoft.KeyVault/vaults/{KEYVAULT}"
CS_ID = f"{RG_ID}/providers/Microsoft.CognitiveServices/accounts/{COGNITIVE}"

APP_SETTINGS = {
    "AZURE_KEYVAULT_NAME": KEYVAULT,
    "CS_ACCOUNT_NAME": COGNITIVE,
    "CS_ACCOUNT_KEY": f"@Microsoft.KeyVault(SecretUri=https://{KEYVAULT}.vault.azure.net/secrets/csKey/)",
    "SCM_DO_BUILD_DURING_DEPLOYMENT": "true",
}
VAULT_IP_RULE = "203.0.113.77/32"


def _u(path, version):
    return f"{path}?api-version={version}"


def base_calls():
    """empty-network: the resource group, plan, app, vault and account."""
    return [
        ("PUT", _u(RG_ID, "2021-04-01"), {"location": LOCATION, "tags": {"workload": "securebackend"}}),
        ("PUT", _u(PLAN_ID, V_WEB), {"location": LOCATION, "kind": "linux",
                                     "sku": {"name": "B1", "tier": "Basic", "capacity": 1},
                                     "properties": {"reserved": True}}),
        ("PUT", _u(SITE_ID, V_WEB), {"location": LOCATION, "kind": "app,linux",
                                     "identity": {"type": "SystemAssigned"},
                                     "properties": {"serverFarmId": PLAN_ID, "httpsOnly": False,
                                                    "siteConfig": {"linuxFxVersion": "PYTHON|3.11"}}}),
        ("PUT", _u(f"{SITE_ID}/config/appsettings", V_WEB), {"properties": dict(APP_SETTINGS)}),
        ("PUT", _u(KV_ID, V_KV), {"location": LOCATION, "properties": {
            "tenantId": TENANT, "sku": {"family": "A", "name": "standard"},
            "accessPolicies": [{"tenantId": TENANT, "objectId": "{app_principal}",
                                "permissions": {"secrets": ["get", "list"]}}],
            "enableRbacAuthorization": False, "publicNetworkAccess": "Enabled",
            "networkAcls": {"bypass": "AzureServices", "defaultAction": "Allow",
                            "ipRules": [{"value": VAULT_IP_RULE}], "virtualNetworkRules": []}}}),
        ("PUT", _u(CS_ID, V_CS), {"location": LOCATION, "kind": "TextAnalytics", "sku": {"name": "S"},
                                  "identity": {"type": "SystemAssigned"},
                                  "properties": {"customSubDomainName": COGNITIVE, "publicNetworkAccess": "Enabled"}}),
    ]


def tutorial_calls(*, pe_prefix="10.0.1.0/24", extra_space=None, delegate=True, zones=(KV_ZONE, CS_ZONE),
                   link=(KV_ZONE, CS_ZONE), groups=(KV_ZONE, CS_ZONE), kv_lockdown=True, cs_lockdown=True,
                   scale_plan=True, integrate=True, route_all=True, dns_servers=None, vnet_location=LOCATION,
                   int_prefix="10.0.0.0/24", plan_sku=("S1", "Standard", 1), cs_endpoint=True, network_calls=(),
                   integration_extra=None, pe_extra=None, other_extra=None, pe_vnet=None, space=None):
    """The tutorial's steps as ARM calls (arm-contract.md §1), with knobs for the broken worlds.
    network_calls run before the subnets (NSGs, route tables); *_extra are merged into a subnet's
    properties; pe_vnet=(vnet id, subnet id) puts the endpoints in another VNet (created by
    network_calls)."""
    space = list(space or ["10.0.0.0/16"]) + ([extra_space] if extra_space else [])
    pe_subnet_id = pe_vnet[1] if pe_vnet else f"{VNET_ID}/subnets/{PE_SUBNET}"
    vnet_props = {"addressSpace": {"addressPrefixes": space}}
    if dns_servers:
        vnet_props["dhcpOptions"] = {"dnsServers": dns_servers}
    calls = [
        ("PUT", _u(VNET_ID, V_NET), {"location": vnet_location, "tags": {"workload": "securebackend"},
                                     "properties": vnet_props}),
    ] + list(network_calls) + [
        ("PUT", _u(f"{VNET_ID}/subnets/{INTEGRATION_SUBNET}", V_NET),
         {"properties": dict({"addressPrefix": int_prefix, "delegations": [
             {"name": "0", "properties": {"serviceName": "Microsoft.Web/serverFarms"}}] if delegate else []},
             **(integration_extra or {}))}),
        ("PUT", _u(f"{VNET_ID}/subnets/{PE_SUBNET}", V_NET),
         {"properties": dict({"addressPrefix": pe_prefix, "privateEndpointNetworkPolicies": "Disabled"},
                             **(pe_extra or {}))}),
        ("PUT", _u(f"{VNET_ID}/subnets/{OTHER_SUBNET}", V_NET),
         {"properties": dict({"addressPrefix": "10.0.3.0/24", "serviceEndpoints": [{"service": "Microsoft.Storage"}]},
                             **(other_extra or {}))}),
    ]
    for zone in zones:
        calls.append(("PUT", _u(f"{NET}/privateDnsZones/{zone}", V_DNS), {"location": "global"}))
    for zone, name in ((CS_ZONE, CS_LINK), (KV_ZONE, KV_LINK)):
        if zone in zones and zone in link:
            calls.append(("PUT", _u(f"{NET}/privateDnsZones/{zone}/virtualNetworkLinks/{name}", V_DNS),
                          {"location": "global", "properties": {"virtualNetwork": {"id": VNET_ID},
                                                                "registrationEnabled": False}}))
    endpoints = [(KV_PE, "securekeyvault-pc", KV_ID, "vault", KV_ZONE, KV_ZG)]
    if cs_endpoint:
        endpoints.append((CS_PE, "securecstext-pc", CS_ID, "account", CS_ZONE, CS_ZG))
    for pe, conn, target, group, zone, zg in endpoints:
        calls.append(("PUT", _u(f"{NET}/privateEndpoints/{pe}", V_NET), {
            "location": LOCATION if pe_vnet else vnet_location, "properties": {
                "subnet": {"id": pe_subnet_id},
                "privateLinkServiceConnections": [{"name": conn, "properties": {
                    "privateLinkServiceId": target, "groupIds": [group]}}]}}))
        if zone in zones and zone in groups:
            calls.append(("PUT", _u(f"{NET}/privateEndpoints/{pe}/privateDnsZoneGroups/{zg}", V_NET), {
                "properties": {"privateDnsZoneConfigs": [{"name": zone, "properties": {
                    "privateDnsZoneId": f"{NET}/privateDnsZones/{zone}"}}]}}))
    if kv_lockdown:
        calls.append(("PATCH", _u(KV_ID, V_KV), {"properties": {"networkAcls": {
            "bypass": "AzureServices", "defaultAction": "Deny", "ipRules": [{"value": VAULT_IP_RULE}],
            "virtualNetworkRules": []}}}))
    if cs_lockdown:
        calls.append(("PATCH", _u(CS_ID, V_CS), {"properties": {"publicNetworkAccess": "Disabled"}}))
    if scale_plan:
        calls.append(("PUT", _u(PLAN_ID, V_WEB), {"location": LOCATION, "kind": "linux",
                                                  "sku": {"name": plan_sku[0], "tier": plan_sku[1],
                                                          "capacity": plan_sku[2]},
                                                  "properties": {"reserved": True}}))
    calls.append(("PATCH", _u(SITE_ID, V_WEB), {"properties": {"httpsOnly": True}}))
    if integrate:
        calls.append(("PATCH", _u(SITE_ID, V_WEB), {"properties": {
            "virtualNetworkSubnetId": f"{VNET_ID}/subnets/{INTEGRATION_SUBNET}"}}))
    if route_all:
        calls.append(("PATCH", _u(f"{SITE_ID}/config/web", V_WEB), {"properties": {"vnetRouteAllEnabled": True}}))
        calls.append(("PUT", _u(f"{SITE_ID}/config/appsettings", V_WEB),
                      {"properties": dict(APP_SETTINGS, WEBSITE_VNET_ROUTE_ALL="1")}))
    return calls


def _record_stale():
    return tutorial_calls() + [
        ("PUT", _u(f"{NET}/privateDnsZones/{KV_ZONE}/A/{KEYVAULT}", V_DNS),
         {"properties": {"ttl": 10, "aRecords": [{"ipv4Address": "10.0.1.9"}]}})]


def _vault_connection(status):
    """The vault owner's answer to its endpoint's connection (Rejected) or its removal (Disconnected)."""
    pe_id = f"{NET}/privateEndpoints/{KV_PE}"
    pec = f"{KV_ID}/privateEndpointConnections/{KV_PE}.{uuid.uuid5(uuid.NAMESPACE_URL, pe_id.lower())}"
    if status == "Disconnected":
        return tutorial_calls() + [("DELETE", _u(pec, V_KV), None)]
    return tutorial_calls() + [("PUT", _u(pec, V_KV), {"properties": {"privateLinkServiceConnectionState": {
        "status": status, "description": "Rejected by the vault's owner"}}})]


PARTNER_RG_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/partnersetup"
PARTNER_NET = f"{PARTNER_RG_ID}/providers/Microsoft.Network"
PARTNER_VNET_ID = f"{PARTNER_NET}/virtualNetworks/partner-vnet"
PARTNER_VAULT = "vdlabpartner"
PARTNER_KV_ID = f"{PARTNER_RG_ID}/providers/Microsoft.KeyVault/vaults/{PARTNER_VAULT}"


def _partner_vault(policy):
    """FM-16: the tutorial, plus a partner's vault in another resource group with its own endpoint,
    VNet and privatelink zone (not linked to the app's VNet). The app's zone has no record for it;
    its link's resolutionPolicy is `policy` (None: not set, which is Default)."""
    calls = base_calls() + tutorial_calls()
    if policy:
        link = f"{NET}/privateDnsZones/{KV_ZONE}/virtualNetworkLinks/{KV_LINK}"
        calls.append(("PUT", _u(link, V_DNS), {"location": "global", "properties": {
            "virtualNetwork": {"id": VNET_ID}, "registrationEnabled": False, "resolutionPolicy": policy}}))
    zone = f"{PARTNER_NET}/privateDnsZones/{KV_ZONE}"
    calls += [
        ("PUT", _u(PARTNER_RG_ID, "2021-04-01"), {"location": LOCATION}),
        ("PUT", _u(PARTNER_KV_ID, V_KV), {"location": LOCATION, "properties": {
            "tenantId": TENANT, "sku": {"family": "A", "name": "standard"}, "accessPolicies": [],
            "publicNetworkAccess": "Enabled", "networkAcls": {"bypass": "AzureServices", "defaultAction": "Allow"}}}),
        ("PUT", _u(PARTNER_VNET_ID, V_NET), {"location": LOCATION,
                                             "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}}),
        ("PUT", _u(f"{PARTNER_VNET_ID}/subnets/pe", V_NET),
         {"properties": {"addressPrefix": "10.1.1.0/24", "privateEndpointNetworkPolicies": "Disabled"}}),
        ("PUT", _u(zone, V_DNS), {"location": "global"}),
        ("PUT", _u(f"{zone}/virtualNetworkLinks/partner-link", V_DNS),
         {"location": "global", "properties": {"virtualNetwork": {"id": PARTNER_VNET_ID}, "registrationEnabled": False}}),
        ("PUT", _u(f"{PARTNER_NET}/privateEndpoints/partner-pe", V_NET), {"location": LOCATION, "properties": {
            "subnet": {"id": f"{PARTNER_VNET_ID}/subnets/pe"},
            "privateLinkServiceConnections": [{"name": "partner-pc", "properties": {
                "privateLinkServiceId": PARTNER_KV_ID, "groupIds": ["vault"]}}]}}),
        ("PUT", _u(f"{PARTNER_NET}/privateEndpoints/partner-pe/privateDnsZoneGroups/default", V_NET), {
            "properties": {"privateDnsZoneConfigs": [{"name": KV_ZONE, "properties": {"privateDnsZoneId": zone}}]}}),
    ]
    return calls


def _no_subdomain():
    """The account created without customSubDomainName (so no endpoint could be made for it)."""
    calls = base_calls()
    body = calls[-1][2]
    calls[-1] = (calls[-1][0], calls[-1][1], dict(body, properties={"publicNetworkAccess": "Enabled"}))
    return calls + tutorial_calls(cs_endpoint=False, cs_lockdown=False)


NSG_INTEGRATION = f"{NET}/networkSecurityGroups/integration-nsg"
NSG_PE = f"{NET}/networkSecurityGroups/private-endpoint-nsg"
NSG_JUMPBOX = f"{NET}/networkSecurityGroups/jumpbox-nsg"
ROUTE_TABLE = f"{NET}/routeTables/integration-routes"
HUB_VNET_ID = f"{NET}/virtualNetworks/securebackend-hub-vnet"
HUB_PE_SUBNET_ID = f"{HUB_VNET_ID}/subnets/{PE_SUBNET}"


def _rule(name, direction, priority, access, dst, port, src="*", protocol="Tcp"):
    return {"name": name, "properties": {"protocol": protocol, "access": access, "direction": direction,
                                         "priority": priority, "sourceAddressPrefix": src, "sourcePortRange": "*",
                                         "destinationAddressPrefix": dst, "destinationPortRange": port}}


def _nsg(nsg_id, *rules):
    return ("PUT", _u(nsg_id, V_NET), {"location": LOCATION, "properties": {"securityRules": list(rules)}})


def _routes(*routes):
    return ("PUT", _u(ROUTE_TABLE, V_NET), {"location": LOCATION, "properties": {"routes": [
        {"name": n, "properties": dict({"addressPrefix": p, "nextHopType": hop}, **({"nextHopIpAddress": ip} if ip else {}))}
        for n, p, hop, ip in routes]}})


def _hub(peer_there=False, peer_back=False):
    """A hub VNet with its own endpoint subnet (created before the endpoints), optionally peered."""
    calls = [("PUT", _u(HUB_VNET_ID, V_NET), {"location": LOCATION, "properties": {
                 "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}}),
             ("PUT", _u(HUB_PE_SUBNET_ID, V_NET), {"properties": {"addressPrefix": "10.1.1.0/24",
                                                                  "privateEndpointNetworkPolicies": "Disabled"}})]
    if peer_there:
        calls.append(("PUT", _u(f"{VNET_ID}/virtualNetworkPeerings/to-hub", V_NET),
                      {"properties": {"remoteVirtualNetwork": {"id": HUB_VNET_ID}, "allowVirtualNetworkAccess": True}}))
    if peer_back:
        calls.append(("PUT", _u(f"{HUB_VNET_ID}/virtualNetworkPeerings/to-spoke", V_NET),
                      {"properties": {"remoteVirtualNetwork": {"id": VNET_ID}, "allowVirtualNetworkAccess": True}}))
    return calls


def _network_world(**knobs):
    return lambda: ([], base_calls() + tutorial_calls(**knobs))


NETWORK_WORLDS = {
    "nsg-deny-integration": _network_world(
        network_calls=[_nsg(NSG_INTEGRATION, _rule("deny-endpoints-https", "Outbound", 100, "Deny", "10.0.1.0/24", "443"))],
        integration_extra={"networkSecurityGroup": {"id": NSG_INTEGRATION}}),
    "nsg-service-tag": _network_world(
        network_calls=[_nsg(NSG_INTEGRATION, _rule("deny-azurecloud", "Outbound", 100, "Deny", "AzureCloud", "*",
                                                    protocol="*"))],
        integration_extra={"networkSecurityGroup": {"id": NSG_INTEGRATION}}),
    "udr-to-appliance": _network_world(
        network_calls=[_routes(("vault-endpoint-via-firewall", "10.0.1.4/32", "VirtualAppliance", "10.0.3.4"))],
        integration_extra={"routeTable": {"id": ROUTE_TABLE}},
        pe_extra={"privateEndpointNetworkPolicies": "RouteTableEnabled"}),
    "pe-subnet-nsg": _network_world(
        network_calls=[_nsg(NSG_PE, _rule("deny-integration-https", "Inbound", 100, "Deny", "*", "443", src="10.0.0.0/24"))],
        pe_extra={"privateEndpointNetworkPolicies": "NetworkSecurityGroupEnabled", "networkSecurityGroup": {"id": NSG_PE}}),
    "pe-vnet-unpeered": _network_world(network_calls=_hub(), pe_vnet=(HUB_VNET_ID, HUB_PE_SUBNET_ID)),
    "peering-disconnected": _network_world(network_calls=_hub(peer_there=True), pe_vnet=(HUB_VNET_ID, HUB_PE_SUBNET_ID)),
    "healthy-nsg-allows": _network_world(
        network_calls=[_nsg(NSG_INTEGRATION, _rule("deny-ssh-out", "Outbound", 100, "Deny", "203.0.113.0/24", "22")),
                       _nsg(NSG_JUMPBOX, _rule("deny-all-in", "Inbound", 100, "Deny", "*", "*", protocol="*"))],
        integration_extra={"networkSecurityGroup": {"id": NSG_INTEGRATION}},
        other_extra={"networkSecurityGroup": {"id": NSG_JUMPBOX}}),
    "healthy-udr-default": _network_world(
        network_calls=[_routes(("default-via-firewall", "0.0.0.0/0", "VirtualAppliance", "10.0.3.4"))],
        integration_extra={"routeTable": {"id": ROUTE_TABLE}}),
    "healthy-peered-hub": _network_world(network_calls=_hub(peer_there=True, peer_back=True),
                                         pe_vnet=(HUB_VNET_ID, HUB_PE_SUBNET_ID)),
}

from worlds_estate import ESTATE_WORLDS, SUBSCRIPTIONS  # noqa: E402 -- it uses the names above
from worlds_ownership import OWNERSHIP_WORLDS  # noqa: E402 -- it uses the names above

WORLDS = {
    "empty-network": lambda: ([], base_calls()),
    "tutorial-complete": lambda: ([], base_calls() + tutorial_calls()),
    "zone-missing": lambda: ([], base_calls() + tutorial_calls(zones=(CS_ZONE,))),
    "zone-unlinked": lambda: ([], base_calls() + tutorial_calls(link=(CS_ZONE,))),
    "zone-group-missing": lambda: ([], base_calls() + tutorial_calls(groups=(CS_ZONE,))),
    "record-stale": lambda: ([], base_calls() + _record_stale()),
    "connection-pending": lambda: (["manual-approval:" + KV_ID], base_calls() + tutorial_calls()),
    "connection-rejected": lambda: ([], base_calls() + _vault_connection("Rejected")),
    "connection-disconnected": lambda: ([], base_calls() + _vault_connection("Disconnected")),
    "subnet-not-delegated": lambda: ([], base_calls() + tutorial_calls(delegate=False, integrate=False)),
    "integration-missing": lambda: ([], base_calls() + tutorial_calls(integrate=False)),
    "routeall-off": lambda: ([], base_calls() + tutorial_calls(pe_prefix="100.64.1.0/24", extra_space="100.64.0.0/16",
                                                               route_all=False)),
    "kv-public": lambda: ([], base_calls() + tutorial_calls(kv_lockdown=False)),
    "cs-public": lambda: ([], base_calls() + tutorial_calls(cs_lockdown=False)),
    "plan-basic": lambda: ([], base_calls() + tutorial_calls(scale_plan=False, integrate=False)),
    "custom-dns-nonforwarding": lambda: (["dns-server:" + CUSTOM_DNS + ":nonforwarding"],
                                         base_calls() + tutorial_calls(dns_servers=[CUSTOM_DNS])),
    "region-mismatch": lambda: ([], base_calls() + tutorial_calls(vnet_location="northeurope", integrate=False)),
    "instance-without-address": lambda: ([], base_calls() + tutorial_calls(int_prefix="10.0.0.0/28",
                                                                           plan_sku=("P1v3", "PremiumV3", 12))),
    "instance-address-fits": lambda: ([], base_calls() + tutorial_calls(int_prefix="10.0.0.0/28",
                                                                        plan_sku=("P1v3", "PremiumV3", 11))),
    "provider-unregistered": lambda: (["manual-approval:" + KV_ID,
                                       f"unregistered-provider:{SUBSCRIPTION}/Microsoft.KeyVault"],
                                      base_calls() + tutorial_calls()),
    "account-no-subdomain": lambda: ([], _no_subdomain()),
    "partner-vault-nxdomain": lambda: ([], _partner_vault(None)),
    "partner-vault-fallback": lambda: ([], _partner_vault("NxDomainRedirect")),
    "resolver-list-stale": lambda: (["dns-server:" + CUSTOM_DNS + ":forwarding", "app-dns-servers:168.63.129.16"],
                                    base_calls() + tutorial_calls(dns_servers=[CUSTOM_DNS])),
    "healthy-custom-dns-forwarding": lambda: (["dns-server:" + CUSTOM_DNS + ":forwarding"],
                                              base_calls() + tutorial_calls(dns_servers=[CUSTOM_DNS])),
    **NETWORK_WORLDS,
    **ESTATE_WORLDS,
    **OWNERSHIP_WORLDS,
}


def build(arm, name):
    """Load world `name` into an empty Arm."""
    if name not in WORLDS:
        raise KeyError(f"unknown world '{name}' (known: {', '.join(WORLDS)})")
    facts, calls = WORLDS[name]()
    for sub in SUBSCRIPTIONS:  # the app's, the hub's and a third: every world knows all three
        arm.facts["subscriptions"][sub.lower()] = sub
    arm.facts["site_instances"] = {APP.lower(): 2}  # the app runs on two instances (sites/instances)
    deployments = []
    for fact in facts:
        kind, _, value = fact.partition(":")
        if kind == "manual-approval":
            arm.facts["manual_approval"].add(value.lower())
        elif kind == "unregistered-provider":
            arm.facts["unregistered_providers"].add(value.lower())
        elif kind == "app-dns-servers":  # the servers the running app still uses (FM-20)
            arm.facts["app_dns_servers"] = value.split(",")
        elif kind == "no-role-on":  # the reader and fixer principals have no role on this subscription
            arm.facts["no_role_subscriptions"].add(value.lower())
        elif kind == "resource-graph":  # "off": the identity cannot use Resource Graph (403)
            arm.facts["resource_graph"] = value
        elif kind == "site-outbound-routing":  # outboundVnetRouting, which the 2023-12-01 spec lacks
            arm.facts["site_outbound_routing"] = json.loads(value)
        elif kind == "deployment":  # a finished ARM/Bicep deployment (rp_ownership.py), seeded once its group exists
            deployments.append(json.loads(value))
        elif kind == "dns-server":
            address, _, behaviour = value.partition(":")
            arm.facts["dns_servers"][address] = {"forwards_to_azure_dns": behaviour == "forwarding"}
    app_principal = None
    for method, path, body in calls:
        if body and app_principal:
            body = _fill(body, app_principal)
        arm.call(method, path, body)
        if app_principal is None and arm.get(SITE_ID) is not None:
            app_principal = arm.get(SITE_ID).body["identity"]["principalId"]
            arm.facts["app_principal"] = app_principal
    for spec in deployments:
        arm.seed_deployment(spec)
    arm.world_name = name


def _fill(body, principal):
    if isinstance(body, dict):
        return {k: _fill(v, principal) for k, v in body.items()}
    if isinstance(body, list):
        return [_fill(v, principal) for v in body]
    if body == "{app_principal}":
        return principal
    return body
