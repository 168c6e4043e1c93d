"""Microsoft.Network 2024-01-01 in the twin, part 3: what sits on the path between subnets --
network security groups (networkSecurityGroup.json: NetworkSecurityGroups_*, SecurityRules_*,
DefaultSecurityRules_*), route tables (routeTable.json: RouteTables_*, Routes_*) and VNet peerings
(virtualNetwork.json: VirtualNetworkPeerings_*).

Behaviour (NRP): PUTs are long-running like the other NRP writes (rp_network_vnet._lro_put). An
NSG always carries Azure's six defaultSecurityRules (AllowVnetInBound 65000 ... DenyAllOutBound
65500); its securityRules and a route table's routes are stored inline and rendered with their
child ids, so SecurityRules_* / Routes_* read and write the same list. A security rule's priority
must be 100..4096 and unique per direction (400 SecurityRuleConflict / SecurityRuleInvalidPriority).
A peering is a child of its VNet, shown in the VNet's virtualNetworkPeerings: peeringState is
Initiated until the remote VNet has a peering back (then both sides are Connected), Disconnected
when the remote VNet is gone; remoteAddressSpace is the remote VNet's address space.
What these mean on the wire (a deny rule, a diverting route, an unpeered VNet -> dropped
traffic): world_from_state.py.
"""
import copy

from core import ArmError, Provider, Res, Response, norm_loc
from rp_network_vnet import NETWORK_SPEC_VERSION, T_VNET

T_NSG = "Microsoft.Network/networkSecurityGroups"
T_RT = "Microsoft.Network/routeTables"
T_PEERING = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"

_DEFAULT_RULES = (
    ("AllowVnetInBound", "Inbound", 65000, "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", "Inbound", 65001, "Allow", "AzureLoadBalancer", "*"),
    ("DenyAllInBound", "Inbound", 65500, "Deny", "*", "*"),
    ("AllowVnetOutBound", "Outbound", 65000, "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowInternetOutBound", "Outbound", 65001, "Allow", "*", "Internet"),
    ("DenyAllOutBound", "Outbound", 65500, "Deny", "*", "*"),
)
_NEXT_HOPS = {"virtualnetworkgateway", "vnetlocal", "internet", "virtualappliance", "none"}


def default_rules(nsg_id):
    return [{"name": n, "id": f"{nsg_id}/defaultSecurityRules/{n}",
             "type": "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
             "properties": {"description": n, "protocol": "*", "sourcePortRange": "*", "destinationPortRange": "*",
                            "sourceAddressPrefix": src, "destinationAddressPrefix": dst, "access": access,
                            "priority": prio, "direction": direction, "provisioningState": "Succeeded",
                            "sourcePortRanges": [], "destinationPortRanges": [], "sourceAddressPrefixes": [],
                            "destinationAddressPrefixes": []}}
            for n, direction, prio, access, src, dst in _DEFAULT_RULES]


class NetworkPoliciesRP:
    # -- network security groups -------------------------------------------------------------------
    def _check_rules(self, nsg_id, rules):
        seen = {}
        for r in rules:
            p = r.get("properties") or {}
            name = r.get("name") or ""
            if not name:
                raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request: securityRules[].name is required.")
            prio = p.get("priority")
            if not isinstance(prio, int) or not 100 <= prio <= 4096:
                raise ArmError(400, "SecurityRuleInvalidPriority",
                               f"Security rule {name} has invalid Priority. Value provided: {prio} Allowed range 100-4096.")
            for key in ("protocol", "access", "direction"):
                if not p.get(key):
                    raise ArmError(400, "SecurityRuleParameterContainsUnsupportedValue",
                                   f"Security rule parameter {key} for rule with Id {nsg_id}/securityRules/{name} "
                                   "cannot be empty.")
            key = (p["direction"].lower(), prio)
            if key in seen:
                raise ArmError(400, "SecurityRuleConflict",
                               f"Security rule {name} conflicts with rule {seen[key]}. Rules cannot have the same "
                               "Priority and Direction.")
            seen[key] = name

    def _rule_body(self, nsg_id, r, state="Updating"):
        p = copy.deepcopy(r.get("properties") or {})
        for k in ("sourcePortRanges", "destinationPortRanges", "sourceAddressPrefixes", "destinationAddressPrefixes"):
            p.setdefault(k, [])
        p["provisioningState"] = state
        return {"name": r["name"], "id": f"{nsg_id}/securityRules/{r['name']}",
                "type": "Microsoft.Network/networkSecurityGroups/securityRules", "properties": p}

    def render_nsg(self, res):
        body = copy.deepcopy(res.body)
        body["etag"] = res.etag
        for r in body["properties"]["securityRules"]:
            r["etag"] = res.etag
            r["properties"]["provisioningState"] = body["properties"].get("provisioningState", "Succeeded")
        subnets = []
        for s in self.all_of("Microsoft.Network/virtualNetworks/subnets"):
            if ((s.body["properties"].get("networkSecurityGroup") or {}).get("id") or "").lower() == res.id.lower():
                subnets.append({"id": s.id})
        if subnets:
            body["properties"]["subnets"] = subnets
        return body

    def h_network_NetworkSecurityGroups_Get(self, req, op, params):
        return self._get_item(op, params)

    def h_network_NetworkSecurityGroups_List(self, req, op, params):
        return self._list(op, params, T_NSG)

    def h_network_NetworkSecurityGroups_ListAll(self, req, op, params):
        return self._list(op, params, T_NSG)

    def h_network_NetworkSecurityGroups_UpdateTags(self, req, op, params):
        return self._update_tags(req, op, params)

    def _update_tags(self, req, op, params):
        rid = self.item_id(op, params)
        res = self.get(rid)
        if res is None:
            raise self.not_found(rid)
        self.preconditions(req, res)
        res.body["tags"] = self.body_of(req, op).get("tags") or {}
        res.etag = self.new_etag("weak")
        self.touch()
        return Response(200, self.render(res), self.headers_for(res))

    def h_network_NetworkSecurityGroups_CreateOrUpdate(self, req, op, params):
        rid = self.item_id(op, params)
        existing = self.get(rid)
        self.preconditions(req, existing)
        body = self.body_of(req, op)
        self.check_busy(req, rid)
        loc = self.require_location(body, existing, rid)
        props = copy.deepcopy(body.get("properties") or {})
        rules = props.get("securityRules") or []
        self._check_rules(rid, rules)
        res = existing or Res(rid, T_NSG, {})
        guid = existing.body["properties"].get("resourceGuid") if existing else self.new_etag("guid")
        res.body = {"id": res.id, "name": res.id.split("/")[-1], "type": T_NSG, "location": norm_loc(loc),
                    "tags": body.get("tags") or {},
                    "properties": {"resourceGuid": guid, "provisioningState": "Updating",
                                   "securityRules": [self._rule_body(res.id, r) for r in rules],
                                   "defaultSecurityRules": default_rules(res.id)}}
        res.etag = self.new_etag("weak")
        self.put_res(res)
        op_ = self._lro_put(req, rid, [res], loc)
        return Response(200 if existing else 201, self.render(res),
                        {**self.lro_headers(req, op_), **self.headers_for(res)})

    def h_network_NetworkSecurityGroups_Delete(self, req, op, params):
        rid = self.item_id(op, params)
        res = self.get(rid)
        if res is None:
            return Response(204)
        self.preconditions(req, res)
        users = [s.id for s in self.all_of("Microsoft.Network/virtualNetworks/subnets")
                 if ((s.body["properties"].get("networkSecurityGroup") or {}).get("id") or "").lower() == rid.lower()]
        if users:
            raise ArmError(400, "InUseNetworkSecurityGroupCannotBeDeleted",
                           f"Network security group {rid} cannot be deleted because it is in use by the following "
                           f"resources: {users[0]}. In order to delete the Network security group, remove the "
                           "association with the resource(s).")
        return self._lro_delete(req, res)

    def _inline_child(self, op, params, rtype, key):
        rid = self.item_id(op, params)
        parent = self.require_parent(rid)
        name = rid.split("/")[-1].lower()
        for item in self.render(parent)["properties"].get(key) or []:
            if item["name"].lower() == name:
                return parent, item
        raise self.not_found(rid)

    def h_network_SecurityRules_Get(self, req, op, params):
        _, rule = self._inline_child(op, params, T_NSG, "securityRules")
        return Response(200, rule, {"ETag": rule.get("etag")} if rule.get("etag") else {})

    def h_network_SecurityRules_List(self, req, op, params):
        parent = self.get(self.item_id(op, params, len(op.segments) - 1))
        if parent is None:
            raise self.not_found(self.item_id(op, params, len(op.segments) - 1))
        return self.list_response(self.render(parent)["properties"]["securityRules"])

    def h_network_DefaultSecurityRules_Get(self, req, op, params):
        _, rule = self._inline_child(op, params, T_NSG, "defaultSecurityRules")
        return Response(200, rule)

    def h_network_DefaultSecurityRules_List(self, req, op, params):
        parent = self.get(self.item_id(op, params, len(op.segments) - 1))
        if parent is None:
            raise self.not_found(self.item_id(op, params, len(op.segments) - 1))
        return self.list_response(self.render(parent)["properties"]["defaultSecurityRules"])

    def h_network_SecurityRules_CreateOrUpdate(self, req, op, params):
        rid = self.item_id(op, params)
        nsg = self.require_parent(rid)
        body = self.body_of(req, op)
        self.check_busy(req, nsg.id)
        name = rid.split("/")[-1]
        rules = [r for r in nsg.body["properties"]["securityRules"] if r["name"].lower() != name.lower()]
        existed = len(rules) != len(nsg.body["properties"]["securityRules"])
        new = {"name": name, "properties": body.get("properties") or {}}
        self._check_rules(nsg.id, rules + [new])
        nsg.body["properties"]["securityRules"] = rules + [self._rule_body(nsg.id, new)]
        nsg.body["properties"]["provisioningState"] = "Updating"
        nsg.etag = self.new_etag("weak")
        self.touch()
        op_ = self._lro_put(req, rid, [nsg], nsg.body["location"])
        rule = next(r for r in self.render(nsg)["properties"]["securityRules"] if r["name"] == name)
        return Response(200 if existed else 201, rule, self.lro_headers(req, op_))

    def h_network_SecurityRules_Delete(self, req, op, params):
        return self._delete_inline(req, op, params, "securityRules")

    def _delete_inline(self, req, op, params, key):
        rid = self.item_id(op, params)
        parent = self.require_parent(rid)
        name = rid.split("/")[-1].lower()
        items = parent.body["properties"][key]
        if not any(i["name"].lower() == name for i in items):
            return Response(204)
        self.check_busy(req, parent.id)
        parent.body["properties"][key] = [i for i in items if i["name"].lower() != name]
        parent.etag = self.new_etag("weak")
        self.touch()
        op_ = self.start_op("network", req, rid, location=parent.body.get("location"))
        return Response(202, None, self.lro_headers(req, op_, location=True))

    # -- route tables ------------------------------------------------------------------------------
    def _route_body(self, rt_id, r):
        p = copy.deepcopy(r.get("properties") or {})
        name = r.get("name") or ""
        if not name:
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request: routes[].name is required.")
        hop = (p.get("nextHopType") or "").lower()
        if hop not in _NEXT_HOPS:
            raise ArmError(400, "InvalidRequestFormat",
                           f"Cannot parse the request: route {name} has an invalid nextHopType '{p.get('nextHopType')}'.")
        if hop == "virtualappliance" and not p.get("nextHopIpAddress"):
            raise ArmError(400, "NextHopIpAddressRequired",
                           f"Route {rt_id}/routes/{name} has next hop type VirtualAppliance; next hop IP address "
                           "is required.")
        p["provisioningState"] = "Updating"
        p.setdefault("hasBgpOverride", False)
        return {"name": name, "id": f"{rt_id}/routes/{name}", "type": "Microsoft.Network/routeTables/routes",
                "properties": p}

    def render_rt(self, res):
        body = copy.deepcopy(res.body)
        body["etag"] = res.etag
        for r in body["properties"]["routes"]:
            r["etag"] = res.etag
            r["properties"]["provisioningState"] = body["properties"].get("provisioningState", "Succeeded")
        subnets = [{"id": s.id} for s in self.all_of("Microsoft.Network/virtualNetworks/subnets")
                   if ((s.body["properties"].get("routeTable") or {}).get("id") or "").lower() == res.id.lower()]
        if subnets:
            body["properties"]["subnets"] = subnets
        return body

    def h_network_RouteTables_Get(self, req, op, params):
        return self._get_item(op, params)

    def h_network_RouteTables_List(self, req, op, params):
        return self._list(op, params, T_RT)

    def h_network_RouteTables_ListAll(self, req, op, params):
        return self._list(op, params, T_RT)

    def h_network_RouteTables_UpdateTags(self, req, op, params):
        return self._update_tags(req, op, params)

    def h_network_RouteTables_CreateOrUpdate(self, req, op, params):
        rid = self.item_id(op, params)
        existing = self.get(rid)
        self.preconditions(req, existing)
        body = self.body_of(req, op)
        self.check_busy(req, rid)
        loc = self.require_location(body, existing, rid)
        props = copy.deepcopy(body.get("properties") or {})
        res = existing or Res(rid, T_RT, {})
        routes = [self._route_body(res.id, r) for r in props.get("routes") or []]
        guid = existing.body["properties"].get("resourceGuid") if existing else self.new_etag("guid")
        res.body = {"id": res.id, "name": res.id.split("/")[-1], "type": T_RT, "location": norm_loc(loc),
                    "tags": body.get("tags") or {},
                    "properties": {"resourceGuid": guid, "provisioningState": "Updating",
                                   "disableBgpRoutePropagation": bool(props.get("disableBgpRoutePropagation")),
                                   "routes": routes}}
        res.etag = self.new_etag("weak")
        self.put_res(res)
        op_ = self._lro_put(req, rid, [res], loc)
        return Response(200 if existing else 201, self.render(res),
                        {**self.lro_headers(req, op_), **self.headers_for(res)})

    def h_network_RouteTables_Delete(self, req, op, params):
        rid = self.item_id(op, params)
        res = self.get(rid)
        if res is None:
            return Response(204)
        self.preconditions(req, res)
        return self._lro_delete(req, res)

    def h_network_Routes_Get(self, req, op, params):
        _, route = self._inline_child(op, params, T_RT, "routes")
        return Response(200, route)

    def h_network_Routes_List(self, req, op, params):
        parent = self.get(self.item_id(op, params, len(op.segments) - 1))
        if parent is None:
            raise self.not_found(self.item_id(op, params, len(op.segments) - 1))
        return self.list_response(self.render(parent)["properties"]["routes"])

    def h_network_Routes_CreateOrUpdate(self, req, op, params):
        rid = self.item_id(op, params)
        rt = self.require_parent(rid)
        body = self.body_of(req, op)
        self.check_busy(req, rt.id)
        name = rid.split("/")[-1]
        routes = [r for r in rt.body["properties"]["routes"] if r["name"].lower() != name.lower()]
        existed = len(routes) != len(rt.body["properties"]["routes"])
        rt.body["properties"]["routes"] = routes + [self._route_body(rt.id, {"name": name, "properties":
                                                                             body.get("properties") or {}})]
        rt.body["properties"]["provisioningState"] = "Updating"
        rt.etag = self.new_etag("weak")
        self.touch()
        op_ = self._lro_put(req, rid, [rt], rt.body["location"])
        route = next(r for r in self.render(rt)["properties"]["routes"] if r["name"] == name)
        return Response(200 if existed else 201, route, self.lro_headers(req, op_))

    def h_network_Routes_Delete(self, req, op, params):
        return self._delete_inline(req, op, params, "routes")

    # -- VNet peerings -----------------------------------------------------------------------------
    def peering_view(self, res):
        """The peering as GET shows it: its state follows the remote side."""
        body = copy.deepcopy(res.body)
        body["etag"] = res.etag
        props = body["properties"]
        remote_id = (props.get("remoteVirtualNetwork") or {}).get("id") or ""
        remote = self.get(remote_id)
        local_vnet = "/".join(res.id.split("/")[:-2])
        if remote is None:
            state = "Disconnected"
        else:
            back = [p for p in self.children(remote.id, T_PEERING)
                    if ((p.body["properties"].get("remoteVirtualNetwork") or {}).get("id") or "").lower()
                    == local_vnet.lower()]
            state = "Connected" if back else "Initiated"
            props["remoteAddressSpace"] = copy.deepcopy(remote.body["properties"].get("addressSpace") or {})
            props["remoteVirtualNetworkAddressSpace"] = copy.deepcopy(props["remoteAddressSpace"])
        props["peeringState"] = state
        props["peeringSyncLevel"] = "FullyInSync" if state == "Connected" else "RemoteNotInSync"
        return body

    def h_network_VirtualNetworkPeerings_Get(self, req, op, params):
        return self._get_item(op, params)

    def h_network_VirtualNetworkPeerings_List(self, req, op, params):
        return self._list_children(op, params, T_PEERING)

    def h_network_VirtualNetworkPeerings_CreateOrUpdate(self, req, op, params):
        rid = self.item_id(op, params)
        vnet = self.require_parent(rid)
        existing = self.get(rid)
        self.preconditions(req, existing)
        body = self.body_of(req, op)
        self.check_busy(req, vnet.id)
        props = copy.deepcopy(body.get("properties") or {})
        remote_id = (props.get("remoteVirtualNetwork") or {}).get("id")
        if not remote_id:
            raise ArmError(400, "InvalidRequestFormat",
                           "Cannot parse the request: properties.remoteVirtualNetwork.id is required.")
        remote = self.get(remote_id)
        if remote is None or remote.type.lower() != T_VNET.lower():
            raise ArmError(400, "RemoteVnetNotFound" if remote is None else "InvalidResourceReference",
                           f"Remote virtual network {remote_id} of peering {rid} could not be found.")
        props["remoteVirtualNetwork"] = {"id": remote.id}
        for flag, default in (("allowVirtualNetworkAccess", True), ("allowForwardedTraffic", False),
                              ("allowGatewayTransit", False), ("useRemoteGateways", False)):
            props.setdefault(flag, default)
        props.pop("peeringState", None)
        props["provisioningState"] = "Updating"
        res = existing or Res(rid, T_PEERING, {})
        res.body = {"id": res.id, "name": res.id.split("/")[-1], "type": T_PEERING, "properties": props}
        res.etag = self.new_etag("weak")
        self.put_res(res)
        op_ = self._lro_put(req, rid, [res], vnet.body["location"])
        return Response(200 if existing else 201, self.render(res),
                        {**self.lro_headers(req, op_), **self.headers_for(res)})

    def h_network_VirtualNetworkPeerings_Delete(self, req, op, params):
        rid = self.item_id(op, params)
        self.require_parent(rid)
        res = self.get(rid)
        if res is None:
            return Response(204)
        self.preconditions(req, res)
        return self._lro_delete(req, res)


PROVIDER = Provider(
    "network-policies", NetworkPoliciesRP, namespaces=("Microsoft.Network",),
    specs={"network": (NETWORK_SPEC_VERSION, [
        "network/resource-manager/Microsoft.Network/stable/2024-01-01/networkSecurityGroup.json",
        "network/resource-manager/Microsoft.Network/stable/2024-01-01/routeTable.json"])},
    renderers={T_NSG: "render_nsg", T_RT: "render_rt", T_PEERING: "peering_view"})
