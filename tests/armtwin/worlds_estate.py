"""Issue 15's worlds: real estates across three subscriptions (hub-spoke, Private Resolver,
rulesets, duplicate zones, Key Vault references, outboundVnetRouting, per-subscription RBAC, scale).
worlds.py lists them in WORLDS; each is (facts, ARM calls), replayed through the twin like every world.

The hub (HUB_SUBSCRIPTION, group "connectivity"): hub-vnet 10.1.0.0/16 with subnets dns-inbound
10.1.2.0/28 and dns-outbound 10.1.3.0/28 (delegated to Microsoft.Network/dnsResolvers), vm-subnet
10.1.4.0/24; the central zones privatelink.vaultcore.azure.net / privatelink.cognitiveservices.azure.com
linked to hub-vnet only (links hub-vaultcore-link / hub-cognitiveservices-link); Private Resolver
hub-resolver (inbound endpoint hub-inbound 10.1.2.4, outbound endpoint hub-outbound); ruleset hub-ruleset
(outbound endpoint hub-outbound). The spoke is the tutorial's VNet in the app's subscription, its
endpoints' zone groups pointing at the hub zones, peered both ways (spoke to-hub, hub to-spoke, forwarded
traffic allowed), dhcpOptions.dnsServers = [10.1.2.4].

  hub-spoke-healthy              the chain above; the ruleset only has an unrelated on-premises rule
                                 (onprem.contoso.com. -> 192.168.10.4) and is linked to no VNet
  hub-spoke-peering-disconnected ... only the spoke's to-hub peering exists (Initiated): the inbound
                                 endpoint is out of reach
  hub-spoke-ruleset-unlinked     ... the spoke uses Azure DNS (no dnsServers); hub-ruleset has rules
                                 privatelink.vaultcore.azure.net. and privatelink.cognitiveservices.azure.com.
                                 -> 10.1.2.4 but no link to the spoke
  custom-dns-not-forwarding      ... the spoke's dnsServers = [10.1.4.4], a VM in the hub's vm-subnet that
                                 is no resolver endpoint and does not forward
  duplicate-zone-in-spoke        hub-spoke-healthy, but the spoke uses Azure DNS itself (no dnsServers)
                                 and has a second privatelink.vaultcore.azure.net in its own group,
                                 linked to the spoke (spoke-vaultcore-link), no records
  kv-reference-unresolved        tutorial-complete with route-all off: the vault is private only, so
                                 CS_ACCOUNT_KEY's reference is AccessToKeyVaultDenied
  outbound-routing-split         tutorial-complete with route-all off and the fact outboundVnetRouting
                                 {allTraffic:false, applicationTraffic:true, contentShareTraffic:false,
                                 imagePullTraffic:true, backupRestoreTraffic:false}
  hub-read-forbidden             hub-spoke-healthy; the reader and fixer have no role on the hub subscription
  estate-scale                   hub-spoke-healthy + 300 other vaults with endpoints (100 in each
                                 subscription's estate VNet, zone groups to the hub vault zone) and
                                 1,000 A record sets in that zone (the app's, 300 endpoints', 699 more)

Import worlds before this module (worlds imports it once its own names exist).
"""
import json

from worlds import (CS_PE, CS_ZG, CS_ZONE, KV_PE, KV_ZG, KV_ZONE, LOCATION, NET, SUBSCRIPTION,
                    TENANT, V_DNS, V_KV, V_NET, VNET_ID, _u, base_calls, tutorial_calls)

HUB_SUBSCRIPTION = "0b5e6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d"
THIRD_SUBSCRIPTION = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"
HUB_RG_ID = f"/subscriptions/{HUB_SUBSCRIPTION}/resourceGroups/connectivity"
HUB_NET = f"{HUB_RG_ID}/providers/Microsoft.Network"
HUB_VNET_ID = f"{HUB_NET}/virtualNetworks/hub-vnet"
INBOUND_SUBNET_ID = f"{HUB_VNET_ID}/subnets/dns-inbound"
OUTBOUND_SUBNET_ID = f"{HUB_VNET_ID}/subnets/dns-outbound"
VM_SUBNET_ID = f"{HUB_VNET_ID}/subnets/vm-subnet"
HUB_KV_ZONE_ID = f"{HUB_NET}/privateDnsZones/{KV_ZONE}"
HUB_CS_ZONE_ID = f"{HUB_NET}/privateDnsZones/{CS_ZONE}"
HUB_KV_LINK_ID = f"{HUB_KV_ZONE_ID}/virtualNetworkLinks/hub-vaultcore-link"
HUB_CS_LINK_ID = f"{HUB_CS_ZONE_ID}/virtualNetworkLinks/hub-cognitiveservices-link"
RESOLVER_ID = f"{HUB_NET}/dnsResolvers/hub-resolver"
INBOUND_ID = f"{RESOLVER_ID}/inboundEndpoints/hub-inbound"
OUTBOUND_ID = f"{RESOLVER_ID}/outboundEndpoints/hub-outbound"
RULESET_ID = f"{HUB_NET}/dnsForwardingRulesets/hub-ruleset"
# The lab has one custom DNS server, at 10.0.2.54 (tests/lab/README.md): the hub's DNS server of
# each world, the resolver's inbound endpoint or a VM, is given that very address, in a hub prefix
# 10.0.2.0/24 that the spoke's address space leaves out, so the app's resolv.conf and ARM agree.
LAB_DNS_IP = "10.0.2.54"
INBOUND_IP = LAB_DNS_IP
DNS_VM_IP = LAB_DNS_IP
SPOKE_SPACE = ["10.0.0.0/23", "10.0.3.0/24"]
HUB_SPACE = ["10.1.0.0/16", "10.0.2.0/24"]
SPOKE_PEERING_ID = f"{VNET_ID}/virtualNetworkPeerings/to-hub"
HUB_PEERING_ID = f"{HUB_VNET_ID}/virtualNetworkPeerings/to-spoke"
SPOKE_KV_ZONE_ID = f"{NET}/privateDnsZones/{KV_ZONE}"
SPOKE_KV_LINK_ID = f"{SPOKE_KV_ZONE_ID}/virtualNetworkLinks/spoke-vaultcore-link"
OUTBOUND_ROUTING = {"allTraffic": False, "applicationTraffic": True, "contentShareTraffic": False,
                    "imagePullTraffic": True, "backupRestoreTraffic": False}
V_RESOLVER = "2022-07-01"
RESOLVER_DELEGATION = [{"name": "dnsresolvers", "properties": {"serviceName": "Microsoft.Network/dnsResolvers"}}]


def _subnet(sid, prefix, delegations=()):
    return ("PUT", _u(sid, V_NET), {"properties": {"addressPrefix": prefix, "delegations": list(delegations)}})


def _rule(name, domain, target):
    return ("PUT", _u(f"{RULESET_ID}/forwardingRules/{name}", V_RESOLVER), {"properties": {
        "domainName": domain, "targetDnsServers": [{"ipAddress": target, "port": 53}],
        "forwardingRuleState": "Enabled"}})


def hub_calls(rules=(("onprem", "onprem.contoso.com.", "192.168.10.4"),), vm_dns=False):
    """The connectivity subscription: hub VNet, central zones linked to it, resolver, ruleset.
    The lab's DNS address (10.0.2.48/28) holds the resolver's inbound endpoint, or with vm_dns the
    VM subnet (the inbound endpoint then sits at 10.1.2.4)."""
    inbound_prefix, inbound_ip, vm_prefix = ("10.1.2.0/28", "10.1.2.4", "10.0.2.48/28") if vm_dns else \
        ("10.0.2.48/28", INBOUND_IP, "10.1.4.0/24")
    calls = [
        ("PUT", _u(HUB_RG_ID, "2021-04-01"), {"location": LOCATION, "tags": {"landingzone": "connectivity"}}),
        ("PUT", _u(HUB_VNET_ID, V_NET), {"location": LOCATION, "properties": {
            "addressSpace": {"addressPrefixes": HUB_SPACE}}}),
        _subnet(INBOUND_SUBNET_ID, inbound_prefix, RESOLVER_DELEGATION),
        _subnet(OUTBOUND_SUBNET_ID, "10.1.3.0/28", RESOLVER_DELEGATION),
        _subnet(VM_SUBNET_ID, vm_prefix),
    ]
    for zone_id, link_id in ((HUB_KV_ZONE_ID, HUB_KV_LINK_ID), (HUB_CS_ZONE_ID, HUB_CS_LINK_ID)):
        calls += [("PUT", _u(zone_id, V_DNS), {"location": "global"}),
                  ("PUT", _u(link_id, V_DNS), {"location": "global", "properties": {
                      "virtualNetwork": {"id": HUB_VNET_ID}, "registrationEnabled": False}})]
    calls += [
        ("PUT", _u(RESOLVER_ID, V_RESOLVER), {"location": LOCATION, "properties": {
            "virtualNetwork": {"id": HUB_VNET_ID}}}),
        ("PUT", _u(INBOUND_ID, V_RESOLVER), {"location": LOCATION, "properties": {"ipConfigurations": [
            {"subnet": {"id": INBOUND_SUBNET_ID}, "privateIpAddress": inbound_ip,
             "privateIpAllocationMethod": "Static"}]}}),
        ("PUT", _u(OUTBOUND_ID, V_RESOLVER), {"location": LOCATION, "properties": {
            "subnet": {"id": OUTBOUND_SUBNET_ID}}}),
        ("PUT", _u(RULESET_ID, V_RESOLVER), {"location": LOCATION, "properties": {
            "dnsResolverOutboundEndpoints": [{"id": OUTBOUND_ID}]}}),
    ]
    return calls + [_rule(*r) for r in rules]


def spoke_calls(dns_servers=(INBOUND_IP,)):
    """The tutorial in the app's subscription, without its own zones: zone groups to the hub's."""
    calls = tutorial_calls(zones=(), dns_servers=list(dns_servers) or None, space=SPOKE_SPACE)
    for pe, zg, zone_id, zone in ((KV_PE, KV_ZG, HUB_KV_ZONE_ID, KV_ZONE), (CS_PE, CS_ZG, HUB_CS_ZONE_ID, CS_ZONE)):
        calls.append(("PUT", _u(f"{NET}/privateEndpoints/{pe}/privateDnsZoneGroups/{zg}", V_NET), {
            "properties": {"privateDnsZoneConfigs": [{"name": zone, "properties": {"privateDnsZoneId": zone_id}}]}}))
    return calls


def peering_calls(back=True):
    props = {"allowVirtualNetworkAccess": True, "allowForwardedTraffic": True}
    calls = [("PUT", _u(SPOKE_PEERING_ID, V_NET), {"properties": dict(props, remoteVirtualNetwork={"id": HUB_VNET_ID})})]
    if back:
        calls.append(("PUT", _u(HUB_PEERING_ID, V_NET), {"properties": dict(props, remoteVirtualNetwork={"id": VNET_ID})}))
    return calls


def hub_spoke(*, dns_servers=(INBOUND_IP,), back=True, rules=None, vm_dns=False):
    hub = hub_calls(vm_dns=vm_dns) if rules is None else hub_calls(rules, vm_dns=vm_dns)
    return base_calls() + hub + spoke_calls(dns_servers) + peering_calls(back)


def _duplicate_zone():
    # The spoke asks Azure DNS itself (no dnsServers): its own zone answers for it. With the hub's
    # inbound endpoint as its server the spoke's links would not matter (the hub's VNet decides).
    return hub_spoke(dns_servers=()) + [
        ("PUT", _u(SPOKE_KV_ZONE_ID, V_DNS), {"location": "global"}),
        ("PUT", _u(SPOKE_KV_LINK_ID, V_DNS), {"location": "global", "properties": {
            "virtualNetwork": {"id": VNET_ID}, "registrationEnabled": False}})]


ESTATE_VNETS = {  # subscription -> (group id, VNet id, prefix of its endpoint subnet)
    SUBSCRIPTION: (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/estate-apps", "10.10.0.0/16", "10.10.1.0/24"),
    HUB_SUBSCRIPTION: (f"/subscriptions/{HUB_SUBSCRIPTION}/resourceGroups/estate-shared", "10.11.0.0/16", "10.11.1.0/24"),
    THIRD_SUBSCRIPTION: (f"/subscriptions/{THIRD_SUBSCRIPTION}/resourceGroups/estate-data", "10.12.0.0/16",
                         "10.12.1.0/24"),
}
ESTATE_ENDPOINTS_PER_SUBSCRIPTION = 100
ESTATE_RECORDS = 1000


def estate_calls():
    """300 other vaults with endpoints across the three subscriptions, and the hub vault zone
    filled to ESTATE_RECORDS A record sets."""
    calls = hub_spoke()
    n = 0
    for sub, (rg_id, space, pe_prefix) in ESTATE_VNETS.items():
        vnet_id = f"{rg_id}/providers/Microsoft.Network/virtualNetworks/estate-vnet"
        subnet_id = f"{vnet_id}/subnets/endpoints"
        calls += [("PUT", _u(rg_id, "2021-04-01"), {"location": LOCATION}),
                  ("PUT", _u(vnet_id, V_NET), {"location": LOCATION, "properties": {
                      "addressSpace": {"addressPrefixes": [space]}}}),
                  ("PUT", _u(subnet_id, V_NET), {"properties": {"addressPrefix": pe_prefix,
                                                                "privateEndpointNetworkPolicies": "Disabled"}})]
        for _ in range(ESTATE_ENDPOINTS_PER_SUBSCRIPTION):
            n += 1
            vault_id = f"{rg_id}/providers/Microsoft.KeyVault/vaults/estkv{n:03d}"
            pe_id = f"{rg_id}/providers/Microsoft.Network/privateEndpoints/estkv{n:03d}-pe"
            calls += [
                ("PUT", _u(vault_id, V_KV), {"location": LOCATION, "properties": {
                    "tenantId": TENANT, "sku": {"family": "A", "name": "standard"}, "accessPolicies": [],
                    "publicNetworkAccess": "Disabled"}}),
                ("PUT", _u(pe_id, V_NET), {"location": LOCATION, "properties": {
                    "subnet": {"id": subnet_id}, "privateLinkServiceConnections": [{"name": "pc", "properties": {
                        "privateLinkServiceId": vault_id, "groupIds": ["vault"]}}]}}),
                ("PUT", _u(f"{pe_id}/privateDnsZoneGroups/default", V_NET), {"properties": {
                    "privateDnsZoneConfigs": [{"name": KV_ZONE, "properties": {"privateDnsZoneId": HUB_KV_ZONE_ID}}]}}),
            ]
    for i in range(ESTATE_RECORDS - 1 - n):   # 1,000 record sets: the app's vault, the endpoints', these
        calls.append(("PUT", _u(f"{HUB_KV_ZONE_ID}/A/legacy{i:03d}", V_DNS), {"properties": {
            "ttl": 3600, "aRecords": [{"ipv4Address": f"10.13.{i // 250}.{i % 250 + 4}"}]}}))
    return calls


ESTATE_WORLDS = {
    "hub-spoke-healthy": lambda: ([], hub_spoke()),
    "hub-spoke-peering-disconnected": lambda: ([], hub_spoke(back=False)),
    "hub-spoke-ruleset-unlinked": lambda: ([], hub_spoke(dns_servers=(), rules=(
        ("vaultcore", f"{KV_ZONE}.", INBOUND_IP), ("cognitiveservices", f"{CS_ZONE}.", INBOUND_IP)))),
    "custom-dns-not-forwarding": lambda: ([f"dns-server:{DNS_VM_IP}:nonforwarding"], hub_spoke(dns_servers=(DNS_VM_IP,), vm_dns=True)),
    "duplicate-zone-in-spoke": lambda: ([], _duplicate_zone()),
    "kv-reference-unresolved": lambda: ([], base_calls() + tutorial_calls(route_all=False)),
    "outbound-routing-split": lambda: (["site-outbound-routing:" + json.dumps(OUTBOUND_ROUTING)],
                                       base_calls() + tutorial_calls(route_all=False)),
    "hub-read-forbidden": lambda: (["no-role-on:" + HUB_SUBSCRIPTION], hub_spoke()),
    "estate-scale": lambda: ([], estate_calls()),
}

SUBSCRIPTIONS = (SUBSCRIPTION, HUB_SUBSCRIPTION, THIRD_SUBSCRIPTION)
