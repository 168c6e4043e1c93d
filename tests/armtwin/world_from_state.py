"""ARM state -> the lab's world description (and the app's App Service environment).

This is the one place where the twin decides what its ARM state means on the wire. The input
is Arm.snapshot(): {"resources": {lower id: {"id","type","body","meta"}}, "facts": {...}};
`body` is what a GET returns, `meta.effective` tells whether the resource's first operation
has finished (a resource still being created has no effect yet).

translate(snapshot, site_id) -> world in the lab's format (tests/lab/README.md,
tests/lab/realizer/world.py):

  zones[name].linked   the zone has a finished link (virtualNetworkLinkState Completed) to the VNet
                       the app is integrated into. Not integrated: nothing is linked -- Azure DNS
                       seen from outside any VNet gives every name the public chain.
  zones[name].records  the zone's A record sets (label -> address or list). When the app's link has
                       resolutionPolicy NxDomainRedirect (FM-16), every service of the zone's kind
                       without a record gets the public front's address: Azure DNS falls back to
                       the public answer, which the lab cannot do per name.
  services[]           every vault (name) and account (customSubDomainName; none -> no DNS name,
                       skipped): public_network_access = what its firewall answers a caller from
                       the app's public outbound address (vault: publicNetworkAccess Disabled, or
                       networkAcls.defaultAction Deny without an ipRule covering that address;
                       account likewise). private_endpoint = its endpoint (Approved first), address
                       = the endpoint NIC's address, connection Approved or Pending (Rejected and
                       Disconnected also mean "no alias, no traffic", the lab's Pending).
  app                  integrated (site virtualNetworkSubnetId set and the subnet exists, and this
                       instance got an address in it: see instance_has_address),
                       route_all (config/web vnetRouteAllEnabled, mirrored by the site property, or
                       app setting WEBSITE_VNET_ROUTE_ALL=1, or site outboundVnetRouting.allTraffic /
                       .applicationTraffic -- newer api-versions; the app's own traffic is what the
                       lab carries), dns_servers (app setting
                       WEBSITE_DNS_SERVER, else the VNet's dhcpOptions.dnsServers when integrated,
                       else Azure DNS = the lab's 10.0.2.53; 168.63.129.16 also means Azure DNS;
                       the fact app_dns_servers, when set, wins: the running app has not picked up
                       ARM's servers yet, FM-20).
  custom_dns           when the app uses a custom server: {"state": "up", "forwards_privatelink":
                       the twin's fact about that server (unknown servers forward)}; "state": "drop"
                       when the path to it is blocked (below) for UDP 53.
  the network path     (path_blocked) when the app is integrated and the traffic enters the VNet
                       (RFC1918, or route-all on), an endpoint's port is "drop" when: the integration
                       subnet's NSG denies it outbound (rules by priority, first match, default rules
                       last); the integration subnet's route table sends it to VirtualAppliance,
                       Internet or None by longest prefix (the endpoint's /32 system route wins unless
                       the endpoint subnet's privateEndpointNetworkPolicies are Enabled or
                       RouteTableEnabled and the UDR is a /32 too); the endpoint subnet's NSG denies it
                       inbound while its privateEndpointNetworkPolicies are Enabled or
                       NetworkSecurityGroupEnabled; or the endpoint's VNet is neither the integration
                       VNet nor peered with it (Connected, allowVirtualNetworkAccess).

for_lab(world, features) fits the world to what the running lab understands (features are
probed from tests/lab/realizer/world.py, see lab_features()), and returns notes on what it could
not express. app_environment(...) is the WEBSITE_* environment App Service gives the app.
"""
import copy
import hashlib
import ipaddress
import json

from dns_resolution import inbound_endpoint_at, of_type, resolution_views, subnet_holding

KINDS = {"microsoft.keyvault/vaults": "vault", "microsoft.cognitiveservices/accounts": "cognitive"}
T_ZONE = "microsoft.network/privatednszones"
T_LINK = "microsoft.network/privatednszones/virtualnetworklinks"
T_A = "microsoft.network/privatednszones/a"
T_PE = "microsoft.network/privateendpoints"
T_NIC = "microsoft.network/networkinterfaces"
RFC1918 = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]


def _parent(rid, levels=1):
    segs = [s for s in rid.split("/") if s]
    return "/" + "/".join(segs[:-2 * levels])


def _of_type(resources, rtype):
    return of_type(resources, rtype)


def _effective(r):
    state = (r["body"].get("properties") or {}).get("provisioningState")
    return bool(r["meta"].get("effective")) and state not in ("Failed",)


def _covered(address, rules):
    try:
        addr = ipaddress.ip_address(address)
    except ValueError:
        return False
    for rule in rules or []:
        try:
            if addr in ipaddress.ip_network(rule.get("value", ""), strict=False):
                return True
        except ValueError:
            continue
    return False


def public_access(resource, outbound_address):
    """What the service's firewall answers a public caller coming from outbound_address."""
    props = resource["body"].get("properties") or {}
    if (props.get("publicNetworkAccess") or "Enabled").lower() == "disabled":
        return "Disabled"
    acls = props.get("networkAcls") or {}
    if (acls.get("defaultAction") or "Allow").lower() == "deny" and not _covered(outbound_address, acls.get("ipRules")):
        return "Disabled"
    return "Enabled"


def _app_state(resources, site_id):
    site = resources.get((site_id or "").lower())
    if site is None:
        return None, None, {}, {}
    subnet_id = site["meta"].get("integration_subnet")
    subnet = resources.get((subnet_id or "").lower())
    cfg = resources.get(f"{site['id']}/config/web".lower())
    settings = resources.get(f"{site['id']}/config/appsettings".lower())
    return site, subnet, (cfg["body"]["properties"] if cfg else {}), (settings["body"]["properties"] if settings else {})


def instance_has_address(resources, site, subnet):
    """FM-02: the app runs as the plan's last instance (sku.capacity of them); each instance needs
    an address in the integration subnet, which has 2^(32-prefix) - 5 (Azure keeps 5). The last
    instance gets none when the plan has more instances than that."""
    if site is None or subnet is None:
        return False
    plan = resources.get((site["body"]["properties"].get("serverFarmId") or "").lower())
    capacity = int(((plan or {}).get("body", {}).get("sku") or {}).get("capacity") or 1)
    prefix = (subnet["body"].get("properties") or {}).get("addressPrefix") or ""
    try:
        net = ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        return True
    return capacity <= net.num_addresses - 5


# The lab's privatelink zones and public fronts per kind (tests/lab/realizer/world.py KINDS).
PRIVATE_ZONES = {"vault": "privatelink.vaultcore.azure.net", "cognitive": "privatelink.cognitiveservices.azure.com"}
PUBLIC_FRONTS = {"vault": "203.0.113.10", "cognitive": "203.0.113.11"}

AZURE_DNS = "10.0.2.53"           # the lab's stand-in for 168.63.129.16
LAB_CUSTOM_DNS = "10.0.2.54"      # the one custom DNS server the lab can run
AZURE_DNS_ADDRESSES = ("168.63.129.16", AZURE_DNS)


def raw_dns_servers(snapshot, site_id):
    """The DNS servers the app's process uses, as ARM (or the fact app_dns_servers) names them."""
    resources, facts = snapshot["resources"], snapshot["facts"]
    site, subnet, _, settings = _app_state(resources, site_id)
    integrated = bool(site and subnet) and instance_has_address(resources, site, subnet)
    servers = []
    if settings.get("WEBSITE_DNS_SERVER"):
        servers = [s.strip() for s in settings["WEBSITE_DNS_SERVER"].split(",") if s.strip()]
    elif integrated:
        vnet = resources.get(_parent(subnet["id"]).lower())
        servers = list(((vnet or {}).get("body", {}).get("properties", {}).get("dhcpOptions") or {})
                       .get("dnsServers") or [])
    if integrated and facts.get("app_dns_servers"):  # the app has not picked up ARM's servers (FM-20)
        servers = list(facts["app_dns_servers"])
    return servers


def app_section(snapshot, site_id):
    """(app, custom_dns) of the world."""
    resources, facts = snapshot["resources"], snapshot["facts"]
    site, subnet, cfg, settings = _app_state(resources, site_id)
    integrated = bool(site and subnet) and instance_has_address(resources, site, subnet)
    sprops = (site or {}).get("body", {}).get("properties") or {}
    outbound = sprops.get("outboundVnetRouting") or {}
    route_all = bool(cfg.get("vnetRouteAllEnabled")) or \
        bool(outbound.get("allTraffic")) or bool(outbound.get("applicationTraffic")) or \
        settings.get("WEBSITE_VNET_ROUTE_ALL") == "1"
    servers = raw_dns_servers(snapshot, site_id)
    servers = [AZURE_DNS if s in AZURE_DNS_ADDRESSES else s for s in servers] or [AZURE_DNS]
    servers = list(dict.fromkeys(servers))
    custom = None
    known = facts.get("dns_servers", {})
    for s in servers:
        if s != AZURE_DNS:
            inbound = inbound_endpoint_at(resources, s)
            home = inbound["subnet"] if inbound else subnet_holding(resources, s)
            custom = {"state": known.get(s, {}).get("state", "up"),
                      "forwards_privatelink": True if inbound else known.get(s, {}).get("forwards_to_azure_dns", True)}
            if integrated and path_blocked(resources, subnet, s, route_all, home, protocol="Udp", port=53):
                custom["state"] = "drop"
            if s != LAB_CUSTOM_DNS:  # the lab runs one custom server: it plays this one (README)
                servers = [LAB_CUSTOM_DNS if x == s else x for x in servers]
            break
    return {"integrated": integrated, "route_all": route_all, "dns_servers": servers}, custom


T_SUBNET = "microsoft.network/virtualnetworks/subnets"
T_PEERING = "microsoft.network/virtualnetworks/virtualnetworkpeerings"


def _nets(prefixes):
    out = []
    for p in prefixes or []:
        try:
            out.append(ipaddress.ip_network(p, strict=False))
        except ValueError:
            continue
    return out


def _subnet_nets(subnet):
    props = subnet["body"].get("properties") or {}
    return _nets(([props["addressPrefix"]] if props.get("addressPrefix") else []) + (props.get("addressPrefixes") or []))


def _peer_ok(resources, local_vnet, remote_vnet):
    """local_vnet has a Connected peering to remote_vnet (both sides exist, VNet access allowed)."""
    def side(a, b):
        for p in _of_type(resources, T_PEERING):
            if _parent(p["id"]).lower() == a.lower() and _effective(p):
                props = p["body"]["properties"]
                if (props.get("remoteVirtualNetwork", {}).get("id") or "").lower() == b.lower():
                    return props.get("allowVirtualNetworkAccess", True) is not False
        return False
    return side(local_vnet, remote_vnet) and side(remote_vnet, local_vnet)


def _virtual_network(resources, vnet_id):
    vnet = resources.get((vnet_id or "").lower())
    nets = _nets(((vnet or {}).get("body", {}).get("properties", {}).get("addressSpace") or {}).get("addressPrefixes"))
    for p in _of_type(resources, T_PEERING):
        if _parent(p["id"]).lower() == (vnet_id or "").lower():
            remote = (p["body"]["properties"].get("remoteVirtualNetwork", {}).get("id") or "")
            if resources.get(remote.lower()) and _peer_ok(resources, vnet_id, remote):
                nets += _nets(resources[remote.lower()]["body"]["properties"].get("addressSpace", {}).get("addressPrefixes"))
    return nets


def _prefix_match(prefix, nets, vnet_space):
    p = (prefix or "").lower()
    if p in ("*", "any"):
        return True
    if p == "virtualnetwork":
        return all(any(n.subnet_of(v) for v in vnet_space if v.version == n.version) for n in nets)
    try:
        net = ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        return False  # other service tags: the twin's private addresses are in none of them
    return all(n.version == net.version and n.subnet_of(net) for n in nets)


def _port_match(ranges, port):
    for r in ranges:
        if r == "*":
            return True
        lo, _, hi = r.partition("-")
        try:
            if int(lo) <= port <= int(hi or lo):
                return True
        except ValueError:
            continue
    return False


def nsg_access(nsg, direction, protocol, port, sources, destinations, src_space, dst_space):
    """'Allow' or 'Deny' and the deciding rule's name, as Azure evaluates the NSG."""
    props = nsg["body"]["properties"]
    rules = sorted((props.get("securityRules") or []) + (props.get("defaultSecurityRules") or []),
                   key=lambda r: r["properties"].get("priority", 0))
    for r in rules:
        rp = r["properties"]
        if (rp.get("direction") or "").lower() != direction.lower():
            continue
        if (rp.get("protocol") or "*").lower() not in ("*", protocol.lower()):
            continue
        ports = ([rp["destinationPortRange"]] if rp.get("destinationPortRange") else []) + (rp.get("destinationPortRanges") or [])
        if not _port_match(ports, port):
            continue
        src = ([rp["sourceAddressPrefix"]] if rp.get("sourceAddressPrefix") else []) + (rp.get("sourceAddressPrefixes") or [])
        dst = ([rp["destinationAddressPrefix"]] if rp.get("destinationAddressPrefix") else []) + \
            (rp.get("destinationAddressPrefixes") or [])
        if not any(_prefix_match(x, sources, src_space) for x in src):
            continue
        if not any(_prefix_match(x, destinations, dst_space) for x in dst):
            continue
        return rp.get("access", "Allow"), r["name"]
    return "Allow", None


def _route_hop(resources, table_id, address, system, endpoint_subnet):
    """The nextHopType traffic to `address` takes from a subnet with route table table_id."""
    table = resources.get((table_id or "").lower())
    if table is None or not _effective(table):
        return "VnetLocal"
    dest = ipaddress.ip_network(address + "/32")
    best_sys = max((n.prefixlen for n in system if dest.subnet_of(n)), default=-1)
    best, hop = -1, None
    for r in table["body"]["properties"].get("routes") or []:
        nets = _nets([r["properties"].get("addressPrefix")])
        if nets and dest.subnet_of(nets[0]) and nets[0].prefixlen > best:
            best, hop = nets[0].prefixlen, r["properties"].get("nextHopType")
    if hop is None:
        return "VnetLocal"
    if endpoint_subnet is not None:
        policies = (endpoint_subnet["body"]["properties"].get("privateEndpointNetworkPolicies") or "Disabled").lower()
        if policies not in ("enabled", "routetableenabled") or best < 32:
            return "VnetLocal"  # the endpoint's /32 system route wins
        return hop
    return hop if best >= best_sys else "VnetLocal"


def path_blocked(resources, subnet, address, route_all, endpoint_subnet_id=None, protocol="Tcp", port=443):
    """Why traffic from the integration subnet to address:port is dropped, or None."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if subnet is None or ip.version != 4 or not (is_rfc1918(address) or route_all):
        return None
    vnet_id = _parent(subnet["id"])
    space = _virtual_network(resources, vnet_id)
    sources, dest = _subnet_nets(subnet), [ipaddress.ip_network(address + "/32")]
    sprops = subnet["body"]["properties"]
    nsg = resources.get(((sprops.get("networkSecurityGroup") or {}).get("id") or "").lower())
    if nsg is not None and _effective(nsg):
        access, rule = nsg_access(nsg, "Outbound", protocol, port, sources, dest, space, space)
        if access.lower() == "deny":
            return f"integration subnet NSG rule {rule} denies {protocol} {port} to {address}"
    pe_subnet = resources.get((endpoint_subnet_id or "").lower())
    hop = _route_hop(resources, (sprops.get("routeTable") or {}).get("id"), address, space, pe_subnet)
    if hop.lower() in ("virtualappliance", "internet", "none"):
        return f"integration subnet route to {address} has next hop {hop}"
    if pe_subnet is None:
        return None
    pe_vnet = _parent(pe_subnet["id"])
    if pe_vnet.lower() != vnet_id.lower() and not _peer_ok(resources, vnet_id, pe_vnet):
        return f"endpoint VNet {pe_vnet} is not peered (Connected) with {vnet_id}"
    pprops = pe_subnet["body"]["properties"]
    policies = (pprops.get("privateEndpointNetworkPolicies") or "Disabled").lower()
    pe_nsg = resources.get(((pprops.get("networkSecurityGroup") or {}).get("id") or "").lower())
    if pe_nsg is not None and _effective(pe_nsg) and policies in ("enabled", "networksecuritygroupenabled"):
        pe_space = _virtual_network(resources, pe_vnet)
        access, rule = nsg_access(pe_nsg, "Inbound", protocol, port, sources, dest, pe_space, pe_space)
        if access.lower() == "deny":
            return f"endpoint subnet NSG rule {rule} denies {protocol} {port} from the integration subnet"
    return None


def translate(snapshot, site_id, description=None):
    resources, facts = snapshot["resources"], snapshot["facts"]
    site, subnet, cfg, settings = _app_state(resources, site_id)
    # An instance without an address in the subnet (FM-02) is outside the VNet, its DNS too.
    in_vnet = bool(site and subnet) and instance_has_address(resources, site, subnet)
    vnet_id = _parent(subnet["id"]).lower() if in_vnet else None

    raw = raw_dns_servers(snapshot, site_id)
    view = resolution_views(snapshot, site_id, vnet_id, raw[0] if raw else "")
    zones = {}
    fallbacks = set()  # linked zones whose link has resolutionPolicy NxDomainRedirect (FM-16)
    for zone in _of_type(resources, T_ZONE):
        if not _effective(zone):
            continue
        name = zone["body"]["name"].lower()
        linked = fallback = False
        for link in _of_type(resources, T_LINK):
            if _parent(link["id"]).lower() != zone["id"].lower() or not _effective(link):
                continue
            props = link["body"]["properties"]
            if view.get(name) and props.get("virtualNetworkLinkState") == "Completed" and \
                    (props.get("virtualNetwork", {}).get("id") or "").lower() == view[name]:
                linked = True
                fallback = (props.get("resolutionPolicy") or "Default") == "NxDomainRedirect"
        records = {}
        for rec in _of_type(resources, T_A):
            if _parent(rec["id"]).lower() != zone["id"].lower():
                continue
            label = rec["body"]["name"]
            ips = [a.get("ipv4Address") for a in rec["body"]["properties"].get("aRecords") or [] if a.get("ipv4Address")]
            if label == "@" or not ips:
                continue
            records[label] = ips[0] if len(ips) == 1 else ips
        if name in zones:  # the same zone name in two resource groups: the linked one answers
            if zones[name]["linked"] or not linked:
                continue
        zones[name] = {"linked": linked, "records": records}
        if fallback:
            fallbacks.add(name)

    nic_ip = {}
    for nic in resources.values():
        if nic["type"].lower() == T_NIC:
            for ipc in nic["body"]["properties"].get("ipConfigurations", []):
                if ipc["properties"].get("privateIPAddress"):
                    nic_ip.setdefault(nic["id"].lower(), ipc["properties"]["privateIPAddress"])
    endpoints = {}   # target id -> [(rank, address, status)]
    for pe in _of_type(resources, T_PE):
        if not _effective(pe):
            continue
        props = pe["body"]["properties"]
        address = next((nic_ip.get(n["id"].lower()) for n in props.get("networkInterfaces", [])
                        if nic_ip.get(n["id"].lower())), None)
        if not address:
            continue
        for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
            for c in props.get(key) or []:
                target = (c["properties"].get("privateLinkServiceId") or "").lower()
                status = c["properties"].get("privateLinkServiceConnectionState", {}).get("status", "Pending")
                rank = {"Approved": 0, "Pending": 1}.get(status, 2)
                endpoints.setdefault(target, []).append((rank, pe["meta"].get("seq", 0), address, status,
                                                         (props.get("subnet") or {}).get("id")))

    services = []
    app_route_all = bool(cfg.get("vnetRouteAllEnabled")) or settings.get("WEBSITE_VNET_ROUTE_ALL") == "1"
    outbound = facts.get("outbound_address", "198.51.100.7")
    for r in sorted(resources.values(), key=lambda r: r["meta"].get("seq", 0)):
        kind = KINDS.get(r["type"].lower())
        if kind is None or not _effective(r):
            continue
        if kind == "vault":
            name = r["body"]["name"].lower()
        else:
            name = ((r["body"].get("properties") or {}).get("customSubDomainName") or "").lower()
            if not name:
                continue
        svc = {"kind": kind, "name": name, "public_network_access": public_access(r, outbound)}
        cands = sorted(endpoints.get(r["id"].lower(), []))
        if cands:
            _, _, address, status, pe_subnet_id = cands[0]
            blocked = path_blocked(resources, subnet if site else None, address, app_route_all, pe_subnet_id)
            svc["private_endpoint"] = {"address": address,
                                       "connection": "Approved" if status == "Approved" else "Pending",
                                       "port": "drop" if blocked else "listen", "certificate": "valid"}
        services.append(svc)

    # NxDomainRedirect: a name the linked zone has no record for gets the public answer. The lab's
    # unbound cannot fall back per name, so the zone carries the public front's address for it.
    for svc in services:
        zone = PRIVATE_ZONES[svc["kind"]]
        if zone in fallbacks and zone in zones and zones[zone]["linked"] and svc["name"] not in zones[zone]["records"]:
            zones[zone]["records"][svc["name"]] = PUBLIC_FRONTS[svc["kind"]]

    app, custom = app_section(snapshot, site_id)
    if description is None:
        linked = sum(1 for z in zones.values() if z["linked"])
        pes = sum(1 for s in services if "private_endpoint" in s)
        description = (f"ARM twin state: app {'integrated' if app['integrated'] else 'not integrated'}, "
                       f"route-all {'on' if app['route_all'] else 'off'}, DNS {' '.join(app['dns_servers'])}, "
                       f"{len(zones)} zone(s) ({linked} linked), {pes} endpoint(s)")
        if raw and raw[0] not in AZURE_DNS_ADDRESSES and raw[0] != LAB_CUSTOM_DNS and app["integrated"]:
            description += f"; DNS server {raw[0]} played by the lab's {LAB_CUSTOM_DNS}"
    world = {"description": description, "dns": {"server": facts.get("azure_dns", "up")},
             "zones": zones, "services": services, "app": app}
    if len(services) > LAB_MAX_SERVICES:  # which ones for_lab keeps: those the app's settings name
        named = {str(v).lower() for v in settings.values()}
        world["app_services"] = [svc["name"] for svc in services if svc["name"] in named]
    if custom is not None:
        world["custom_dns"] = custom
    return world


LAB_MAX_SERVICES = 8
LAB_ENDPOINT_RANGES = {"base": ["10.0.0.0/8"], "cgnat": ["10.0.0.0/8", "100.64.0.0/10"]}


def lab_features(parse):
    """What the lab's world parser accepts: {"app": bool, "cgnat": bool, "custom_dns": bool}.
    `parse(text, origin)` is tests/lab/realizer/world.py's parse (raises on a bad world)."""
    def ok(world):
        try:
            parse(json.dumps(world), "armtwin-probe")
            return True
        except Exception:  # noqa: BLE001 -- any rejection means "not supported"
            return False
    base = {"description": "probe", "services": [{"kind": "vault", "name": "probe", "private_endpoint": {
        "address": "10.0.1.4"}}]}
    cg = copy.deepcopy(base)
    cg["services"][0]["private_endpoint"]["address"] = "100.64.1.4"
    return {"app": ok(dict(base, app={"integrated": False, "route_all": False, "dns_servers": [AZURE_DNS]})),
            "cgnat": ok(cg),
            "custom_dns": ok(dict(base, app={"integrated": True, "route_all": False, "dns_servers": [LAB_CUSTOM_DNS]},
                                  custom_dns={"state": "up", "forwards_privatelink": False}))}


def for_lab(world, features):
    """The world as the running lab can realize it, and notes on what had to give.

    - lab without "app": the section is folded in: not integrated -> endpoint ports "drop"
      (no path into the VNet); route-all and custom DNS cannot be expressed (noted);
    - endpoint addresses outside the lab's ranges (10.0.0.0/8, plus 100.64.0.0/10 with
      "cgnat"): left out (no alias), noted;
    - a custom DNS server other than the lab's 10.0.2.54, or no custom_dns support: the app keeps
      Azure DNS (noted)."""
    w = copy.deepcopy(world)
    notes = []
    app = w.get("app") or {}
    ranges = [ipaddress.ip_network(n) for n in LAB_ENDPOINT_RANGES["cgnat" if features.get("cgnat") else "base"]]
    for svc in w["services"]:
        pe = svc.get("private_endpoint")
        if pe and not any(ipaddress.ip_address(pe["address"]) in r for r in ranges):
            notes.append(f"endpoint {pe['address']} of {svc['name']} is outside the lab's endpoint ranges; left out")
            del svc["private_endpoint"]
    if len(w["services"]) > LAB_MAX_SERVICES:  # estate-scale: the lab serves the app's own services
        wanted = set(world.get("app_services") or [])
        keep = [svc for svc in w["services"] if svc["name"] in wanted] or w["services"][:LAB_MAX_SERVICES]
        notes.append(f"{len(w['services'])} services: the lab realizes {len(keep)} (the app's), not the others")
        w["services"] = keep
    w.pop("app_services", None)
    servers = app.get("dns_servers") or [AZURE_DNS]
    if any(s not in (AZURE_DNS, LAB_CUSTOM_DNS) for s in servers) or \
            (LAB_CUSTOM_DNS in servers and not features.get("custom_dns")):
        notes.append(f"DNS servers {' '.join(servers)}: the lab can only run {LAB_CUSTOM_DNS} as a custom server; "
                     "the app keeps Azure DNS")
        servers = [AZURE_DNS]
        w.pop("custom_dns", None)
    if "app" in w:
        w["app"]["dns_servers"] = servers
    if not features.get("app"):
        w.pop("app", None)
        w.pop("custom_dns", None)
        if not app.get("integrated", True):
            for svc in w["services"]:
                if svc.get("private_endpoint"):
                    svc["private_endpoint"]["port"] = "drop"
            notes.append("lab without an app section: not integrated -> endpoint ports dropped")
        if app.get("route_all") is False:
            notes.append("lab without an app section: route-all off cannot be expressed")
    return w, notes


def is_rfc1918(address):
    a = ipaddress.ip_address(address)
    return any(a in n for n in RFC1918)


def app_environment(snapshot, site_id, *, identity_endpoint=None, identity_header=None, arm_endpoint=None,
                    arm_ca_bundle=None, azure_dns_server=None):
    """The environment App Service gives the app's process: WEBSITE_* platform variables, the app
    settings (every one becomes a variable), the managed-identity endpoint, and the twin's
    VNETDIAG_* pointers (Azure DNS stand-in, ARM endpoint and its CA)."""
    resources = snapshot["resources"]
    site, subnet, cfg, settings = _app_state(resources, site_id)
    if site is None:
        return {}
    parts = [s for s in site["id"].split("/") if s]
    sub, rg = parts[1], parts[3]
    region = site["body"]["location"].replace(" ", "")
    plan = resources.get((site["body"]["properties"].get("serverFarmId") or "").lower())
    env = dict(settings)
    env.update({
        "WEBSITE_SITE_NAME": site["body"]["name"],
        "WEBSITE_RESOURCE_GROUP": rg,
        "WEBSITE_OWNER_NAME": f"{sub}+{rg}-{region}webspace-Linux",
        "WEBSITE_INSTANCE_ID": hashlib.sha256(site["id"].lower().encode()).hexdigest(),
        "WEBSITE_HOSTNAME": f"{site['body']['name']}.azurewebsites.net",
        "REGION_NAME": site["body"]["location"],
        "WEBSITE_SKU": plan["body"]["sku"]["tier"] if plan else "",
    })
    if site["meta"].get("integration_subnet") and subnet and instance_has_address(resources, site, subnet):
        env["WEBSITE_PRIVATE_IP"] = site["meta"].get("integration_ip", "")
    if identity_endpoint:
        env.update({"IDENTITY_ENDPOINT": identity_endpoint, "IDENTITY_HEADER": identity_header,
                    "MSI_ENDPOINT": identity_endpoint, "MSI_SECRET": identity_header})
    if azure_dns_server:
        env["VNETDIAG_AZURE_DNS_SERVER"] = azure_dns_server
    if arm_endpoint:
        env["VNETDIAG_ARM_ENDPOINT"] = arm_endpoint
    if arm_ca_bundle:
        env["VNETDIAG_ARM_CA_BUNDLE"] = arm_ca_bundle
    return env
