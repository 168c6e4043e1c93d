"""Microsoft.Network 2024-01-01 in the twin: virtual networks, subnets, private endpoints, their
private DNS zone groups and the network interfaces endpoints create.

Behaviour (NRP, as in the recordings and arm-contract.md): PUTs are long-running (201/200 +
Azure-AsyncOperation, provisioningState Updating until done), DELETEs answer 202 with Location
and Azure-AsyncOperation; a VNet PUT without `subnets` keeps them (>= 2023-09-01), with
`"subnets": []` deletes them; a subnet PUT replaces the whole subnet; writes to a VNet or its
subnets while another operation on it runs get 409 AnotherOperationInProgress; etags are weak
(W/"guid"). An endpoint takes the first free address of its subnet from .4 (Azure keeps .0-.3
and the broadcast address); its connection is Approved, or Pending for manual connections and
for targets that require manual approval. A zone group writes the endpoint's A record into each
zone that matches the target's group (and removes it again when deleted).
"""
import copy
import ipaddress
import re
import uuid

from core import ArmError, Res, Response, norm_loc, parent_of, parse_id

T_VNET = "Microsoft.Network/virtualNetworks"
T_SUBNET = "Microsoft.Network/virtualNetworks/subnets"
T_PE = "Microsoft.Network/privateEndpoints"
T_ZG = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"
T_NIC = "Microsoft.Network/networkInterfaces"
T_VAULT = "Microsoft.KeyVault/vaults"
T_ACCOUNT = "Microsoft.CognitiveServices/accounts"
WEB_DELEGATION = "microsoft.web/serverfarms"
ZONE_GROUP_TTL = 10

_SERVICE_NAME = re.compile(r"^[A-Za-z0-9.]+/[A-Za-z0-9./]+$")


def _net(text, where):
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ArmError(400, "InvalidCIDRNotation",
                       f"The address prefix {text} in resource {where} has an invalid CIDR notation.") from None
    if str(net) != text.strip():
        raise ArmError(400, "InvalidCIDRNotation",
                       f"The address prefix {text} in resource {where} has an invalid CIDR notation. For the "
                       f"given prefix length, the address prefix should be {net}.")
    return net


def subnet_nets(props, where):
    prefixes = []
    if props.get("addressPrefix"):
        prefixes.append(props["addressPrefix"])
    prefixes += props.get("addressPrefixes") or []
    return [_net(p, where) for p in prefixes]


def is_web_delegated(props):
    return any(((d.get("properties") or {}).get("serviceName") or "").lower() == WEB_DELEGATION
               for d in props.get("delegations") or [])


class NetworkRP:
    RENDERERS = {T_VNET: "render_vnet", T_SUBNET: "render_subnet", T_PE: "render_pe", T_ZG: "render_zg"}

    # -- shared lookups ------------------------------------------------------------------------
    def target_dns(self, target):
        """(groupId, privatelink zone, record label, public FQDN) of a private-link target."""
        if target is None:
            return None
        t = target.type.lower()
        if t == T_VAULT.lower():
            name = target.body["name"]
            return ("vault", "privatelink.vaultcore.azure.net", name.lower(), f"{name}.vaultcore.azure.net")
        if t == T_ACCOUNT.lower():
            sub = (target.body.get("properties") or {}).get("customSubDomainName")
            if not sub:
                return ("account", "privatelink.cognitiveservices.azure.com", None, None)
            return ("account", "privatelink.cognitiveservices.azure.com", sub.lower(),
                    f"{sub}.cognitiveservices.azure.com")
        return None

    def pe_connections(self, pe):
        props = pe.body.get("properties", {})
        return [(False, c) for c in props.get("privateLinkServiceConnections", [])] + \
               [(True, c) for c in props.get("manualPrivateLinkServiceConnections", [])]

    def endpoints_targeting(self, target_id):
        out = []
        for pe in self.all_of(T_PE):
            for manual, c in self.pe_connections(pe):
                if (c["properties"].get("privateLinkServiceId") or "").lower() == target_id.lower():
                    out.append((pe, c))
        return out

    def pec_name(self, pe):
        return f"{pe.body['name']}.{uuid.uuid5(uuid.NAMESPACE_URL, pe.id.lower())}"

    def nic_of(self, pe):
        for ref in pe.body.get("properties", {}).get("networkInterfaces", []):
            nic = self.get(ref["id"])
            if nic:
                return nic
        return None

    def nic_ip(self, nic):
        for ipc in nic.body["properties"].get("ipConfigurations", []):
            ip = ipc["properties"].get("privateIPAddress")
            if ip:
                return ip
        return None

    def pe_ip(self, pe):
        nic = self.nic_of(pe)
        return self.nic_ip(nic) if nic else None

    def subnet_nics(self, subnet_id):
        out = []
        for nic in self.all_of(T_NIC):
            for ipc in nic.body["properties"].get("ipConfigurations", []):
                if (ipc["properties"].get("subnet", {}).get("id") or "").lower() == subnet_id.lower():
                    out.append((nic, ipc))
        return out

    def used_ips(self, subnet_id):
        ips = {ipc["properties"]["privateIPAddress"] for _, ipc in self.subnet_nics(subnet_id)}
        for site in self.all_of("Microsoft.Web/sites"):
            if (site.meta.get("integration_subnet") or "").lower() == subnet_id.lower() and site.meta.get("integration_ip"):
                ips.add(site.meta["integration_ip"])
        return ips

    def allocate_ip(self, subnet, want=None, where=""):
        nets = subnet_nets(subnet.body["properties"], subnet.id)
        used = self.used_ips(subnet.id)
        if want:
            addr = ipaddress.ip_address(want)
            if not any(addr in n for n in nets):
                raise ArmError(400, "PrivateIPAddressNotInSubnet",
                               f"Private static IP address {want} does not belong to the range of subnet prefix "
                               f"{', '.join(map(str, nets))}.")
            if want in used:
                raise ArmError(400, "PrivateIPAddressInUse",
                               f"IP configuration {where} is using the private IP address {want} which is already "
                               f"allocated to another resource.")
            return want
        for net in nets:
            hosts = list(net.hosts()) if net.prefixlen < 31 else list(net)
            for addr in hosts:
                if int(addr) - int(net.network_address) < 4:
                    continue  # .0-.3 are Azure's; broadcast is not in hosts()
                if str(addr) not in used:
                    return str(addr)
        raise ArmError(400, "SubnetIsFull", f"Subnet {subnet.id} has no free address.")

    def subnet_in_use(self, subnet):
        users = [ipc["id"] for _, ipc in self.subnet_nics(subnet.id)]
        users += [sal["id"] for sal in subnet.meta.get("sals", [])]
        return users

    # -- virtual networks --------------------------------------------------------------------------
    def render_vnet(self, res):
        body = copy.deepcopy(res.body)
        body["etag"] = res.etag
        body["properties"]["subnets"] = [self.render_subnet(s) for s in self.children(res.id, T_SUBNET)]
        return body

    def h_network_VirtualNetworks_Get(self, req, op, params):
        return self._get_item(op, params)

    def _get_item(self, op, params):
        rid = self.item_id(op, params)
        res = self.get(rid)
        if res is None:
            if "/" in rid.split("/providers/")[-1].split("/", 2)[-1]:
                self.require_parent(rid)
            raise self.not_found(rid)
        return Response(200, self.render(res), self.headers_for(res))

    def _list(self, op, params, rtype, upto=None):
        scope = self.item_id(op, params, upto) if upto else None
        if scope is None:
            segs = op.segments
            scope = self.item_id(op, params, len(segs) - 1)
        return self.list_response([self.render(r) for r in self.all_of(rtype, scope)])

    def _list_children(self, op, params, rtype):
        parent_id = self.item_id(op, params, len(op.segments) - 1)
        if self.get(parent_id) is None:
            raise self.not_found(parent_id)
        return self.list_response([self.render(r) for r in self.children(parent_id, rtype)])

    def h_network_VirtualNetworks_List(self, req, op, params):
        return self._list(op, params, T_VNET)

    def h_network_VirtualNetworks_ListAll(self, req, op, params):
        return self._list(op, params, T_VNET)

    def h_network_VirtualNetworks_UpdateTags(self, req, op, params):
        rid = self.item_id(op, params)
        res = self.get(rid)
        if res is None:
            raise self.not_found(rid)
        self.preconditions(req, res)
        body = self.body_of(req, op)
        res.body["tags"] = body.get("tags") or {}
        res.etag = self.new_etag("weak")
        self.touch()
        return Response(200, self.render(res), self.headers_for(res))

    def h_network_VirtualNetworks_CreateOrUpdate(self, req, op, params):
        rid = self.item_id(op, params)
        existing = self.get(rid)
        self.preconditions(req, existing)
        body = self.body_of(req, op)
        self.check_busy(req, rid)
        loc = self.require_location(body, existing, rid)
        props = copy.deepcopy(body.get("properties") or {})
        space = [_net(p, rid) for p in (props.get("addressSpace") or {}).get("addressPrefixes") or []]
        inline = props.pop("subnets", None)
        current = {s.body["name"].lower(): s for s in self.children(rid, T_SUBNET)} if existing else {}
        if inline is None:
            planned = {n: (s.body["properties"], s) for n, s in current.items()}
        else:
            planned = {}
            for i, s in enumerate(inline):
                if not s.get("name"):
                    raise ArmError(400, "InvalidRequestFormat",
                                   f"Cannot parse the request: properties.subnets[{i}].name is required.")
                planned[s["name"].lower()] = (s.get("properties") or {}, current.get(s["name"].lower()))
            for n, s in current.items():
                if n not in planned and self.subnet_in_use(s):
                    raise ArmError(400, "InUseSubnetCannotBeDeleted",
                                   f"Subnet {s.body['name']} is in use by {self.subnet_in_use(s)[0]} and cannot be "
                                   "deleted. In order to delete the subnet, delete all the resources within the subnet.")
        # Every planned subnet must fit the address space and not overlap the others.
        nets = {}
        for n, (sprops, sres) in planned.items():
            nets[n] = subnet_nets(sprops, f"{rid}/subnets/{n}")
            for net in nets[n]:
                if space and not any(net.subnet_of(s) for s in space if s.version == net.version):
                    raise ArmError(400, "NetcfgSubnetRangeOutsideVnet",
                                   f"Subnet '{n}' is not valid because its IP address range is outside the IP "
                                   f"address range of virtual network '{rid.split('/')[-1]}'.")
        self._check_overlaps(rid, nets)
        vnet = existing or Res(rid, T_VNET, {})
        keep_guid = existing.body["properties"].get("resourceGuid") if existing else str(uuid.uuid4())
        props.setdefault("dhcpOptions", {"dnsServers": []})
        props.setdefault("enableDdosProtection", False)
        props.update({"provisioningState": "Updating", "resourceGuid": keep_guid, "virtualNetworkPeerings": []})
        vnet.body = {"id": vnet.id, "name": vnet.id.split("/")[-1], "type": T_VNET, "location": norm_loc(loc),
                     "tags": body.get("tags") or {}, "properties": props}
        vnet.etag = self.new_etag("weak")
        self.put_res(vnet)
        touched = [vnet]
        if inline is not None:
            for n, (sprops, sres) in planned.items():
                name = next(s["name"] for s in inline if s["name"].lower() == n)
                touched.append(self._write_subnet(vnet, name, sprops, sres, req))
            for n, s in current.items():
                if n not in planned:
                    self.remove(s.id)
        resp_op = self._lro_put(req, rid, touched, loc)
        return Response(200 if existing else 201, self.render(vnet),
                        {**self.lro_headers(req, resp_op), **self.headers_for(vnet)})

    def _check_overlaps(self, vnet_id, nets):
        names = list(nets)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                for na in nets[a]:
                    for nb in nets[b]:
                        if na.version == nb.version and na.overlaps(nb):
                            raise ArmError(400, "NetcfgSubnetRangesOverlap",
                                           f"Subnet '{a}' is not valid because its IP address range overlaps with "
                                           f"that of an existing subnet '{b}' in virtual network "
                                           f"'{vnet_id.split('/')[-1]}'.")

    def ops_for(self, rid):
        for op in reversed(list(self.ops.values())):
            if op.rid.lower() == rid.lower():
                return op
        return None

    def _lro_put(self, req, rid, resources, location, style="network", on_success=None):
        def ok():
            for r in resources:
                if self.get(r.id) is r:
                    r.body.setdefault("properties", {})["provisioningState"] = "Succeeded"
                    r.meta["effective"] = True
                    for d in r.body["properties"].get("delegations", []):
                        d["properties"]["provisioningState"] = "Succeeded"
                    for se in r.body["properties"].get("serviceEndpoints", []):
                        se["provisioningState"] = "Succeeded"
            if on_success:
                on_success()

        def failed():
            for r in resources:
                if self.get(r.id) is r:
                    r.body.setdefault("properties", {})["provisioningState"] = "Failed"

        return self.start_op(style, req, rid, on_success=ok, on_failure=failed, location=location)

    def h_network_VirtualNetworks_Delete(self, req, op, params):
        rid = self.item_id(op, params)
        res = self.get(rid)
        if res is None:
            return Response(204)
        self.preconditions(req, res)
        self.check_busy(req, rid)
        for s in self.children(rid, T_SUBNET):
            users = self.subnet_in_use(s)
            if users:
                raise ArmError(409, "InUseSubnetCannotBeDeleted",
                               f"Subnet {s.body['name']} is in use by {users[0]} and cannot be deleted. In order to "
                               "delete the subnet, delete all the resources within the subnet.")
        return self._lro_delete(req, res, lambda: [self.remove(s.id) for s in self.children(rid, T_SUBNET)])

    def _lro_delete(self, req, res, cascade=None, style="network"):
        res.body.setdefault("properties", {})["provisioningState"] = "Deleting"

        def done():
            if cascade:
                cascade()
            self.remove(res.id)

        def failed():
            if self.get(res.id) is res:
                res.body["properties"]["provisioningState"] = "Failed"

        op = self.start_op(style, req, res.id, on_success=done, on_failure=failed,
                           location=res.body.get("location"))
        return Response(202, None, self.lro_headers(req, op, location=True))

    # -- subnets ---------------------------------------------------------------------------------
    def render_subnet(self, res):
        body = copy.deepcopy(res.body)
        body["etag"] = res.etag
        props = body["properties"]
        nics = self.subnet_nics(res.id)
        if nics:
            props["ipConfigurations"] = [{"id": ipc["id"]} for _, ipc in nics]
        pes = [pe for pe in self.all_of(T_PE)
               if (pe.body["properties"].get("subnet", {}).get("id") or "").lower() == res.id.lower()]
        if pes:
            props["privateEndpoints"] = [{"id": pe.id} for pe in pes]
        if res.meta.get("sals"):
            props["serviceAssociationLinks"] = copy.deepcopy(res.meta["sals"])
        return body

    def _write_subnet(self, vnet, name, sprops, existing, req, siblings=None):
        sid = existing.id if existing else f"{vnet.id}/subnets/{name}"
        nets = subnet_nets(sprops, sid)
        if not nets:
            raise ArmError(400, "NoAddressPrefixOrPoolProvided",
                           f"Subnet {sid} has neither an address prefix nor an IPAM pool.")
        space = [_net(p, vnet.id) for p in (vnet.body["properties"].get("addressSpace") or {}).get("addressPrefixes") or []]
        for net in nets:
            if space and not any(net.subnet_of(s) for s in space if s.version == net.version):
                raise ArmError(400, "NetcfgSubnetRangeOutsideVnet",
                               f"Subnet '{name}' is not valid because its IP address range is outside the IP address "
                               f"range of virtual network '{vnet.body['name']}'.")
        if siblings is not None:
            nets_by = {name.lower(): nets}
            for s in siblings:
                nets_by[s.body["name"].lower()] = subnet_nets(s.body["properties"], s.id)
            self._check_overlaps(vnet.id, nets_by)
        if existing is not None:
            for ip in self.used_ips(existing.id):
                if not any(ipaddress.ip_address(ip) in n for n in nets):
                    raise ArmError(400, "InUseSubnetCannotBeUpdated",
                                   f"Subnet {name} is in use and its address prefix cannot be changed to exclude "
                                   f"{ip}, which is allocated.")
            if existing.meta.get("sals") and not is_web_delegated(sprops):
                raise ArmError(400, "SubnetMissingRequiredDelegation",
                               f"Subnet {sid} requires any of the following delegation(s) [Microsoft.Web/serverFarms] "
                               f"to reference service association link {existing.meta['sals'][0]['id']}.")
        delegations = []
        for i, d in enumerate(sprops.get("delegations") or []):
            service = (d.get("properties") or {}).get("serviceName") or ""
            if not _SERVICE_NAME.match(service):
                raise ArmError(400, "InvalidServiceNameOnDelegation",
                               f"Delegation {d.get('name', i)} in subnet {sid} has an invalid service name "
                               f"'{service}'.")
            dname = d.get("name") or str(i)
            delegations.append({
                "name": dname, "id": f"{sid}/delegations/{dname}", "etag": None,
                "type": "Microsoft.Network/virtualNetworks/subnets/delegations",
                "properties": {"serviceName": service, "provisioningState": "Updating",
                               "actions": ["Microsoft.Network/virtualNetworks/subnets/action"]
                               if service.lower() == WEB_DELEGATION else []}})
        props = {k: copy.deepcopy(v) for k, v in sprops.items() if k != "delegations"}
        props["delegations"] = delegations
        props.setdefault("privateEndpointNetworkPolicies", "Disabled")
        props.setdefault("privateLinkServiceNetworkPolicies", "Enabled")
        for se in props.get("serviceEndpoints") or []:
            se.setdefault("locations", [vnet.body["location"]])
            se["provisioningState"] = "Updating"
        props["provisioningState"] = "Updating"
        res = existing or Res(sid, T_SUBNET, {})
        etag = self.new_etag("weak")
        for d in delegations:
            d["etag"] = etag
        res.body = {"id": res.id, "name": res.id.split("/")[-1], "type": T_SUBNET, "properties": props}
        res.etag = etag
        self.put_res(res)
        return res

    def h_network_Subnets_Get(self, req, op, params):
        return self._get_item(op, params)

    def h_network_Subnets_List(self, req, op, params):
        return self._list_children(op, params, T_SUBNET)

    def h_network_Subnets_CreateOrUpdate(self, req, op, params):
        rid = self.item_id(op, params)
        vnet = self.require_parent(rid)
        existing = self.get(rid)
        self.preconditions(req, existing)
        body = self.body_of(req, op)
        self.check_busy(req, rid)
        siblings = [s for s in self.children(vnet.id, T_SUBNET) if s.id.lower() != rid.lower()]
        res = self._write_subnet(vnet, rid.split("/")[-1], body.get("properties") or {}, existing, req, siblings)
        op_ = self._lro_put(req, rid, [res], vnet.body["location"])
        return Response(200 if existing else 201, self.render(res),
                        {**self.lro_headers(req, op_), **self.headers_for(res)})

    def h_network_Subnets_Delete(self, req, op, params):
        rid = self.item_id(op, params)
        self.require_parent(rid)
        res = self.get(rid)
        if res is None:
            return Response(204)
        self.preconditions(req, res)
        self.check_busy(req, rid)
        users = self.subnet_in_use(res)
        if users:
            raise ArmError(409, "InUseSubnetCannotBeDeleted",
                           f"Subnet {res.body['name']} is in use by {users[0]} and cannot be deleted. In order to "
                           "delete the subnet, delete all the resources within the subnet.")
        return self._lro_delete(req, res)

    # -- network interfaces (read-only: endpoints own them) -----------------------------------------
    def h_network_NetworkInterfaces_Get(self, req, op, params):
        return self._get_item(op, params)

    def h_network_NetworkInterfaces_List(self, req, op, params):
        return self._list(op, params, T_NIC)

    def h_network_NetworkInterfaces_ListAll(self, req, op, params):
        return self._list(op, params, T_NIC)

    def _nic_write(self, req, op, params):
        rid = self.item_id(op, params)
        nic = self.get(rid)
        if nic is not None and nic.body["properties"].get("privateEndpoint"):
            raise ArmError(400, "CannotModifyNicUsedByPrivateEndpoint",
                           f"Network interface {rid} is used by private endpoint "
                           f"{nic.body['properties']['privateEndpoint']['id']} and can only change with it.")
        raise ArmError(501, "NotImplementedInTwin",
                       "The ARM twin models only the network interfaces private endpoints create.")

    h_network_NetworkInterfaces_CreateOrUpdate = _nic_write
    h_network_NetworkInterfaces_Delete = _nic_write
    h_network_NetworkInterfaces_UpdateTags = _nic_write

    def _make_nic(self, pe_id, pe_name, subnet, ip, location, custom_name, group_id, member, fqdns):
        name = custom_name or f"{pe_name}.nic.{uuid.uuid4()}"
        p = parse_id(pe_id)
        nid = f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}/providers/Microsoft.Network/networkInterfaces/{name}"
        etag = self.new_etag("weak")
        ipc_name = f"privateEndpointIpConfig.{uuid.uuid4()}"
        nic = Res(nid, T_NIC, {
            "id": nid, "name": name, "type": T_NIC, "location": location,
            "properties": {
                "provisioningState": "Updating", "resourceGuid": str(uuid.uuid4()),
                "ipConfigurations": [{
                    "name": ipc_name, "id": f"{nid}/ipConfigurations/{ipc_name}", "etag": etag,
                    "type": "Microsoft.Network/networkInterfaces/ipConfigurations",
                    "properties": {
                        "provisioningState": "Succeeded", "privateIPAddress": ip,
                        "privateIPAllocationMethod": "Dynamic", "subnet": {"id": subnet.id}, "primary": True,
                        "privateIPAddressVersion": "IPv4",
                        "privateLinkConnectionProperties": {"groupId": group_id, "requiredMemberName": member,
                                                            "fqdns": fqdns}}}],
                "dnsSettings": {"dnsServers": [], "appliedDnsServers": []},
                "macAddress": "", "enableAcceleratedNetworking": False, "vnetEncryptionSupported": False,
                "enableIPForwarding": False, "disableTcpStateTracking": False, "hostedWorkloads": [],
                "tapConfigurations": [], "privateEndpoint": {"id": pe_id}, "nicType": "Standard",
                "auxiliaryMode": "None", "auxiliarySku": "None"}},
            etag=etag)
        self.put_res(nic)
        return nic

    # -- private endpoints ----------------------------------------------------------------------
    def render_pe(self, res):
        body = copy.deepcopy(res.body)
        body["etag"] = res.etag
        props = body["properties"]
        configs = []
        if res.meta.get("effective"):
            covered = set()
            for g in self.children(res.id, T_ZG):
                for c in g.body["properties"]["privateDnsZoneConfigs"]:
                    zone = self.get(c["properties"]["privateDnsZoneId"])
                    if zone:
                        covered.add(zone.body["name"].lower())
            ip = self.pe_ip(res)
            for manual, c in self.pe_connections(res):
                dns = self.target_dns(self.get(c["properties"].get("privateLinkServiceId")))
                if ip and dns and dns[3] and dns[1] not in covered:
                    configs.append({"fqdn": dns[3], "ipAddresses": [ip]})
        props["customDnsConfigs"] = configs
        return body

    def h_network_PrivateEndpoints_Get(self, req, op, params):
        return self._get_item(op, params)

    def h_network_PrivateEndpoints_List(self, req, op, params):
        return self._list(op, params, T_PE)

    def h_network_PrivateEndpoints_ListBySubscription(self, req, op, params):
        return self._list(op, params, T_PE)

    def h_network_PrivateEndpoints_CreateOrUpdate(self, req, op, params):
        rid = self.item_id(op, params)
        existing = self.get(rid)
        self.preconditions(req, existing)
        body = self.body_of(req, op)
        self.check_busy(req, rid)
        loc = self.require_location(body, existing, rid)
        props = copy.deepcopy(body.get("properties") or {})
        subnet_id = (props.get("subnet") or {}).get("id")
        if not subnet_id:
            raise ArmError(400, "InvalidRequestFormat",
                           "Cannot parse the request: properties.subnet.id is required for a private endpoint.")
        subnet = self.get(subnet_id)
        vnet = self.get(parent_of(subnet_id)) if subnet else None
        if subnet is None or vnet is None or norm_loc(vnet.body["location"]) != norm_loc(loc):
            raise ArmError(400, "InvalidResourceReference",
                           f"Resource {subnet_id} referenced by resource {rid} was not found. Please make sure that "
                           "the referenced resource exists, and that both resources are in the same region.")
        if existing is not None:
            old = existing.body["properties"]["subnet"]["id"]
            if old.lower() != subnet.id.lower():
                raise ArmError(400, "CannotChangePrivateEndpointSubnet",
                               f"The subnet of private endpoint {rid} cannot change from {old} to {subnet.id}; "
                               "delete and recreate the endpoint.")
        if subnet.body["properties"].get("delegations"):
            raise ArmError(400, "PrivateEndpointCreationNotAllowedAsSubnetIsDelegated",
                           f"Private endpoint {rid} cannot be created as subnet {subnet.id} is delegated.")
        main_action = "Microsoft.Network/privateEndpoints/write"
        self.authorize_linked(req, main_action, "Microsoft.Network/virtualNetworks/subnets/join/action",
                              subnet.id, rid)
        auto = props.get("privateLinkServiceConnections") or []
        manual = props.get("manualPrivateLinkServiceConnections") or []
        if len(auto) + len(manual) != 1:
            raise ArmError(400, "InvalidPrivateEndpointConnectionCount",
                           f"Private endpoint {rid} must have exactly one private link service connection "
                           f"(automatic or manual); it has {len(auto) + len(manual)}.")
        prior = {}
        if existing is not None:
            for m, c in self.pe_connections(existing):
                prior[(c["properties"].get("privateLinkServiceId") or "").lower()] = c
        etag = self.new_etag("weak")
        lists = {"privateLinkServiceConnections": [], "manualPrivateLinkServiceConnections": []}
        dns = None
        for is_manual, c in [(False, c) for c in auto] + [(True, c) for c in manual]:
            cp = c.get("properties") or {}
            target_id = cp.get("privateLinkServiceId")
            if not target_id:
                raise ArmError(400, "InvalidRequestFormat",
                               "Cannot parse the request: privateLinkServiceId is required for a connection.")
            target = self.get(target_id)
            if target is None and not self.exists_or_external(target_id):
                raise ArmError(400, "InvalidResourceReference",
                               f"Resource {target_id} referenced by resource {rid} was not found. Please make sure "
                               "that the referenced resource exists, and that both resources are in the same region.")
            group_ids = cp.get("groupIds") or []
            dns = self.target_dns(target)
            if dns and [g.lower() for g in group_ids] != [dns[0]]:
                raise ArmError(400, "InvalidGroupId",
                               f"Group id(s) {group_ids} are not supported by {target.id}; it supports "
                               f"['{dns[0]}'].")
            name = c.get("name") or rid.split("/")[-1]
            before = prior.get(target_id.lower())
            if before is not None and before["properties"]["privateLinkServiceConnectionState"]["status"] != "Disconnected":
                state = copy.deepcopy(before["properties"]["privateLinkServiceConnectionState"])
            elif is_manual or (target is not None and target.id.lower() in self.facts["manual_approval"]):
                state = {"status": "Pending", "description": cp.get("requestMessage") or "Awaiting approval",
                         "actionsRequired": "None"}
            else:
                state = {"status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"}
            if not is_manual and target is not None and state["status"] == "Approved" and before is None:
                ns, ttype = target.type.split("/", 1)
                self.authorize_linked(req, main_action, f"{ns}/{ttype}/privateEndpointConnectionsApproval/action",
                                      target.id, rid)
            entry_props = {"provisioningState": "Succeeded", "privateLinkServiceId": target.id if target else target_id,
                           "groupIds": group_ids, "privateLinkServiceConnectionState": state}
            if cp.get("requestMessage"):
                entry_props["requestMessage"] = cp["requestMessage"]
            lists["manualPrivateLinkServiceConnections" if is_manual else "privateLinkServiceConnections"].append({
                "name": name, "id": f"{rid}/{'manualPrivateLinkServiceConnections' if is_manual else 'privateLinkServiceConnections'}/{name}",
                "etag": etag, "type": "Microsoft.Network/privateEndpoints/privateLinkServiceConnections",
                "properties": entry_props})
        nic = self.nic_of(existing) if existing else None
        if nic is None:
            static = None
            for ipc in props.get("ipConfigurations") or []:
                static = (ipc.get("properties") or {}).get("privateIPAddress") or static
            ip = self.allocate_ip(subnet, static, rid)
            fqdns = [dns[3]] if dns and dns[3] else []
            nic = self._make_nic(rid, rid.split("/")[-1], subnet, ip, norm_loc(loc),
                                 props.get("customNetworkInterfaceName"), dns[0] if dns else "",
                                 "default", fqdns)
        pe = existing or Res(rid, T_PE, {})
        stored = {k: v for k, v in props.items()
                  if k not in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections", "subnet")}
        stored.update(lists)
        stored.update({"subnet": {"id": subnet.id}, "networkInterfaces": [{"id": nic.id}],
                       "provisioningState": "Updating"})
        stored.pop("resourceGuid", None)   # not in the 2024-01-01 schema; kept in meta
        pe_guid = existing.meta["resource_guid"] if existing else str(uuid.uuid4())
        stored.setdefault("ipConfigurations", [])
        stored.setdefault("applicationSecurityGroups", [])
        stored.setdefault("customDnsConfigs", [])
        pe.body = {"id": pe.id, "name": pe.id.split("/")[-1], "type": T_PE, "location": norm_loc(loc),
                   "tags": body.get("tags") or {}, "properties": stored}
        if body.get("extendedLocation"):
            pe.body["extendedLocation"] = body["extendedLocation"]
        pe.etag = etag
        pe.meta["resource_guid"] = pe_guid
        self.put_res(pe)
        op_ = self._lro_put(req, rid, [pe, nic], loc)
        return Response(200 if existing else 201, self.render(pe),
                        {**self.lro_headers(req, op_), **self.headers_for(pe)})

    def h_network_PrivateEndpoints_Delete(self, req, op, params):
        rid = self.item_id(op, params)
        pe = self.get(rid)
        if pe is None:
            return Response(204)
        self.preconditions(req, pe)
        self.check_busy(req, rid)

        def cascade():
            for g in self.children(pe.id, T_ZG):
                self._zg_remove_records(g)
                self.remove(g.id)
            nic = self.nic_of(pe)
            if nic:
                self.remove(nic.id)

        return self._lro_delete(req, pe, cascade)

    # -- private DNS zone groups ----------------------------------------------------------------
    def h_network_PrivateDnsZoneGroups_Get(self, req, op, params):
        return self._get_item(op, params)

    def h_network_PrivateDnsZoneGroups_List(self, req, op, params):
        return self._list_children(op, params, T_ZG)

    def h_network_PrivateDnsZoneGroups_CreateOrUpdate(self, req, op, params):
        rid = self.item_id(op, params)
        pe = self.require_parent(rid)
        existing = self.get(rid)
        self.preconditions(req, existing)
        body = self.body_of(req, op)
        self.check_busy(req, rid)
        configs = (body.get("properties") or {}).get("privateDnsZoneConfigs") or []
        others = [g for g in self.children(pe.id, T_ZG) if g.id.lower() != rid.lower()]
        if others:
            raise ArmError(400, "OnlyOnePrivateDnsZoneGroupAllowed",
                           f"Private endpoint {pe.id} already has the private DNS zone group {others[0].id}; "
                           "only one zone group is allowed per private endpoint.")
        if len(configs) > 5:
            raise ArmError(400, "TooManyPrivateDnsZoneConfigs",
                           "A private DNS zone group can have at most 5 private DNS zone configs.")
        stored = []
        for c in configs:
            zid = (c.get("properties") or {}).get("privateDnsZoneId")
            zone = self.get(zid) if zid else None
            if zone is None or zone.type.lower() != "microsoft.network/privatednszones":
                raise ArmError(400, "InvalidResourceReference",
                               f"Resource {zid} referenced by resource {rid} was not found. Please make sure that "
                               "the referenced resource exists, and that both resources are in the same region.")
            self.authorize_linked(req, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write",
                                  "Microsoft.Network/privateDnsZones/join/action", zone.id, rid)
            name = c.get("name") or zone.body["name"].replace(".", "-")
            stored.append({"name": name, "properties": {"privateDnsZoneId": zone.id, "recordSets": []}})
        zg = existing or Res(rid, T_ZG, {})
        zg.body = {"id": zg.id, "name": zg.id.split("/")[-1],
                   "properties": {"provisioningState": "Updating", "privateDnsZoneConfigs": stored}}
        zg.etag = self.new_etag("weak")
        self.put_res(zg)
        op_ = self._lro_put(req, rid, [zg], pe.body.get("location"), on_success=lambda: self._zg_sync(zg))
        return Response(200 if existing else 201, self.render_zg(zg),
                        {**self.lro_headers(req, op_), **self.headers_for(zg)})

    def render_zg(self, res):
        body = copy.deepcopy(res.body)
        body["etag"] = res.etag
        return body

    def _zg_sync(self, zg):
        """Write the endpoint's A record into each zone of the group that matches its target."""
        if self.get(zg.id) is not zg:
            return
        pe = self.get(parent_of(zg.id))
        ip = self.pe_ip(pe) if pe else None
        wanted = set()
        for cfg in zg.body["properties"]["privateDnsZoneConfigs"]:
            cfg["properties"]["recordSets"] = []
            zone = self.get(cfg["properties"]["privateDnsZoneId"])
            if zone is None or pe is None or not ip:
                continue
            for manual, c in self.pe_connections(pe):
                dns = self.target_dns(self.get(c["properties"].get("privateLinkServiceId")))
                if not dns or not dns[2] or zone.body["name"].lower() != dns[1]:
                    continue
                rec = self.upsert_record(zone, "A", dns[2], [ip], ttl=ZONE_GROUP_TTL, owner=zg.id,
                                         metadata={"creator": f"created by private endpoint {pe.body['name']} "
                                                              f"with resource guid {pe.meta.get('resource_guid')}"})
                wanted.add(rec.id.lower())
                cfg["properties"]["recordSets"].append({
                    "recordType": "A", "recordSetName": dns[2], "fqdn": f"{dns[2]}.{zone.body['name']}",
                    "ttl": ZONE_GROUP_TTL, "ipAddresses": [ip], "provisioningState": "Succeeded"})
        self._zg_remove_records(zg, keep=wanted)
        self.touch()

    def _zg_remove_records(self, zg, keep=()):
        for rec in self.all_of_records():
            if rec.meta.get("owner", "").lower() == zg.id.lower() and rec.id.lower() not in keep:
                self.remove(rec.id)

    def h_network_PrivateDnsZoneGroups_Delete(self, req, op, params):
        rid = self.item_id(op, params)
        self.require_parent(rid)
        zg = self.get(rid)
        if zg is None:
            return Response(204)
        self.preconditions(req, zg)
        self.check_busy(req, rid)
        return self._lro_delete(req, zg, lambda: self._zg_remove_records(zg))
