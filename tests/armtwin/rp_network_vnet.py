"""Microsoft.Network 2024-01-01 in the twin, part 1: virtual networks and subnets, with what NRP
shares between them and endpoints (address allocation, the generic get/list/LRO helpers).

Behaviour (NRP, as in the recordings and arm-contract.md): PUTs are long-running (201/200 +
Azure-AsyncOperation, provisioningState Updating until done), DELETEs answer 202 with Location
and Azure-AsyncOperation; a VNet PUT without `subnets` keeps them (>= 2023-09-01), with
`"subnets": []` deletes them; a subnet PUT replaces the whole subnet; writes to a VNet or its
subnets while another operation on it runs get 409 AnotherOperationInProgress; etags are weak
(W/"guid"). Addresses: the first free one of a subnet from .4 (Azure keeps .0-.3 and the
broadcast address). Endpoints, their zone groups and NICs: rp_network_endpoints.py.
"""
import copy
import ipaddress
import re
import uuid

from core import ArmError, LroStyle, Provider, Res, Response, norm_loc

T_VNET = "Microsoft.Network/virtualNetworks"
T_SUBNET = "Microsoft.Network/virtualNetworks/subnets"
T_PE = "Microsoft.Network/privateEndpoints"
T_ZG = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"
T_NIC = "Microsoft.Network/networkInterfaces"
T_PEERING = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"  # rp_network_policies.py
WEB_DELEGATION = "microsoft.web/serverfarms"

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


def _monitors(sub, rg, loc, opid, rid):
    base = f"/subscriptions/{sub}/providers/Microsoft.Network/locations/{loc}"
    return f"{base}/operations/{opid}", f"{base}/operationResults/{opid}"


NETWORK_SPEC_VERSION = "2024-01-01"
NETWORK_LRO = LroStyle(_monitors, notification=True)


class NetworkVnetRP:
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
        body["properties"]["virtualNetworkPeerings"] = [self.render(p) for p in self.children(res.id, T_PEERING)]
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
        cut = scope.lower().find("/providers/")
        if cut >= 0:  # ".../providers/{ns}": a subscription- or group-wide list (ListAll, ListBySubscription)
            scope = scope[:cut]
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


PROVIDER = Provider(
    "network-vnet", NetworkVnetRP, namespaces=("Microsoft.Network",),
    specs={"network": (NETWORK_SPEC_VERSION, [
        "network/resource-manager/Microsoft.Network/stable/2024-01-01/virtualNetwork.json"])},
    renderers={T_VNET: "render_vnet", T_SUBNET: "render_subnet"},
    lro_styles={"network": NETWORK_LRO})
