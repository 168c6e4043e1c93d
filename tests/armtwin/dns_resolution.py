"""Which VNet's private DNS zone links answer the app's queries, per privatelink zone name
(world_from_state.py uses it; the lab has one "linked" flag per zone name, so the twin decides here
whose links that flag reflects).

The app integrated into VNet S (the spoke) asks its first DNS server:
  - Azure DNS (168.63.129.16, or no dnsServers): Azure DNS in S. A forwarding ruleset linked to S
    with an Enabled rule whose domain covers the zone's chain (vault.azure.net. /
    privatelink.vaultcore.azure.net. / a parent) sends the query to the rule's first target: a
    resolver inbound endpoint -> Azure DNS in that resolver's VNet (its links decide); any other
    server -> no private answer (the twin knows nothing it would answer: the public chain).
  - a resolver inbound endpoint: Azure DNS in the resolver's VNet (and the rulesets linked there),
    when reachable (world_from_state.path_blocked checks the peering; unreachable is custom_dns "drop").
  - another server: in a VNet of the twin, Azure DNS of that VNet when it forwards; elsewhere (the
    lab's 10.0.2.54), Azure DNS of S, as before.
When S asks Azure DNS itself, a zone of that name linked to S wins over the rulesets for S (the
spoke's own duplicate zone shadows the hub's); when S's server is elsewhere, S's links play no part.

resolution_views(snapshot, site_id, spoke_id) -> {zone name: lower VNet id or None}."""
import ipaddress

T_ZONE = "microsoft.network/privatednszones"
T_LINK = "microsoft.network/privatednszones/virtualnetworklinks"
T_INBOUND = "microsoft.network/dnsresolvers/inboundendpoints"
T_RULESET_LINK = "microsoft.network/dnsforwardingrulesets/virtualnetworklinks"
T_RULE = "microsoft.network/dnsforwardingrulesets/forwardingrules"
T_SUBNET = "microsoft.network/virtualnetworks/subnets"
AZURE_DNS_ADDRESSES = ("168.63.129.16", "10.0.2.53")
# The names a query for a service walks through before reaching its privatelink zone.
CHAINS = {"privatelink.vaultcore.azure.net": ("vault.azure.net.", "privatelink.vaultcore.azure.net."),
          "privatelink.cognitiveservices.azure.com": ("cognitiveservices.azure.com.",
                                                      "privatelink.cognitiveservices.azure.com.")}


def _parent(rid, levels=1):
    segs = [s for s in rid.split("/") if s]
    return "/" + "/".join(segs[:-2 * levels])


_INDEX = {"of": None, "size": -1, "by_type": {}}


def of_type(resources, rtype):
    """The resources of one (lower-case) type in creation order. One translation asks this
    thousands of times over the same snapshot (estate-scale), so the index by type is kept for the
    last snapshot seen (held, so its id cannot be reused; rebuilt when its size changes)."""
    if _INDEX["of"] is not resources or _INDEX["size"] != len(resources):
        by_type = {}
        for r in resources.values():
            by_type.setdefault(r["type"].lower(), []).append(r)
        for rs in by_type.values():
            rs.sort(key=lambda r: r["meta"].get("seq", 0))
        _INDEX.update({"of": resources, "size": len(resources), "by_type": by_type})
    return list(_INDEX["by_type"].get(rtype, []))


_of_type = of_type


def inbound_endpoint_at(resources, address):
    """{"id", "resolver_vnet", "subnet"} of the resolver inbound endpoint holding address, or None."""
    for ep in _of_type(resources, T_INBOUND):
        for ipc in ep["body"]["properties"].get("ipConfigurations") or []:
            if ipc.get("privateIpAddress") == address:
                resolver = resources.get(_parent(ep["id"]).lower())
                vnet = ((resolver or {}).get("body", {}).get("properties", {}).get("virtualNetwork") or {}).get("id")
                return {"id": ep["id"], "resolver_vnet": (vnet or "").lower() or None,
                        "subnet": (ipc.get("subnet") or {}).get("id")}
    return None


def subnet_holding(resources, address):
    """Id of the twin subnet whose prefix holds address (a VM's DNS server), or None."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    for sn in _of_type(resources, T_SUBNET):
        prefix = (sn["body"].get("properties") or {}).get("addressPrefix")
        try:
            if prefix and ip in ipaddress.ip_network(prefix, strict=False):
                return sn["id"]
        except ValueError:
            continue
    return None


def _rule_target(resources, vnet_id, zone_name):
    """The first target of the Enabled rule (longest domain) of a ruleset linked to vnet_id that
    covers zone_name's chain; None when no rule applies."""
    rulesets = {_parent(l["id"]).lower() for l in _of_type(resources, T_RULESET_LINK)
                if ((l["body"]["properties"].get("virtualNetwork") or {}).get("id") or "").lower() == vnet_id}
    best, target = -1, None
    for rule in _of_type(resources, T_RULE):
        props = rule["body"]["properties"]
        if _parent(rule["id"]).lower() not in rulesets or props.get("forwardingRuleState", "Enabled") != "Enabled":
            continue
        domain = (props.get("domainName") or "").lower()
        for name in CHAINS.get(zone_name, (zone_name + ".",)):
            if (name == domain or name.endswith("." + domain)) and len(domain) > best:
                servers = props.get("targetDnsServers") or []
                best, target = len(domain), (servers[0].get("ipAddress") if servers else "")
    return target


def _linked_to(resources, zone_name, vnet_id):
    for link in _of_type(resources, T_LINK):
        zone = resources.get(_parent(link["id"]).lower())
        props = link["body"]["properties"]
        if zone and zone["body"]["name"].lower() == zone_name and \
                ((props.get("virtualNetwork") or {}).get("id") or "").lower() == vnet_id:
            return True
    return False


def _via_rules(resources, base, zone_name, depth=0):
    target = _rule_target(resources, base, zone_name)
    if target is None:
        return base
    inbound = inbound_endpoint_at(resources, target)
    if inbound is None or depth > 2:   # diverted to a server the twin does not model (or a loop)
        return None
    if inbound["resolver_vnet"] == base:
        return base                    # forwarding to the resolver of this VNet: its links answer
    return _via_rules(resources, inbound["resolver_vnet"], zone_name, depth + 1)


def resolution_views(snapshot, site_id, spoke_id, first_server=None):
    """{zone name: lower id of the VNet whose links answer for the app, or None (public chain)}."""
    resources, facts = snapshot["resources"], snapshot["facts"]
    names = {z["body"]["name"].lower() for z in _of_type(resources, T_ZONE)}
    if not spoke_id:
        return {n: None for n in names}
    spoke = spoke_id.lower()
    server = first_server if first_server is not None else _first_server(resources, facts, spoke)
    base = spoke
    if server and server not in AZURE_DNS_ADDRESSES:
        inbound = inbound_endpoint_at(resources, server)
        if inbound:
            base = inbound["resolver_vnet"]
        else:
            holder = subnet_holding(resources, server)
            if holder and facts.get("dns_servers", {}).get(server, {}).get("forwards_to_azure_dns", True):
                base = _parent(holder).lower()
    out = {}
    for name in names:
        own = base == spoke and _linked_to(resources, name, spoke)
        out[name] = spoke if own else _via_rules(resources, base, name)
    return out


def _first_server(resources, facts, spoke):
    vnet = resources.get(spoke)
    servers = list((((vnet or {}).get("body", {}).get("properties") or {}).get("dhcpOptions") or {})
                   .get("dnsServers") or [])
    if facts.get("app_dns_servers"):
        servers = list(facts["app_dns_servers"])
    return servers[0] if servers else None
