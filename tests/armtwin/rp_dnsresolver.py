"""Microsoft.Network DNS Private Resolver in the twin (api-version 2022-07-01). No swagger file for
it is in ../shared/azure-specs, so it is hand-modelled from the public REST reference, like
Microsoft.Resources: dnsResolvers (+ inboundEndpoints, outboundEndpoints) and
dnsForwardingRulesets (+ virtualNetworkLinks, forwardingRules): PUT, GET, DELETE, the lists
(resource group and subscription for resolvers and rulesets; the children under their parent),
paged like every twin list. Writes finish at once (200 update / 201 create, provisioningState
Succeeded): the reader only reads these, and the worlds build them.

Rules the twin keeps (the ones that shape a resolution chain): a resolver names an existing VNet;
an endpoint's subnet is in its resolver's VNet and delegated to Microsoft.Network/dnsResolvers;
an inbound endpoint gets a static address inside its subnet, or the first free one from .4; a
ruleset names at least one existing outbound endpoint; a ruleset link names a VNet; a forwarding
rule's domainName is fully qualified (ends with '.') and has target servers. Anything missing is
400 with an ARM error naming the property."""
import copy
import ipaddress
import uuid

from core import ArmError, Provider, Res, Response, norm_loc

VERSION = "2022-07-01"
NS = "microsoft.network"
T_RESOLVER = "Microsoft.Network/dnsResolvers"
T_INBOUND = "Microsoft.Network/dnsResolvers/inboundEndpoints"
T_OUTBOUND = "Microsoft.Network/dnsResolvers/outboundEndpoints"
T_RULESET = "Microsoft.Network/dnsForwardingRulesets"
T_RULESET_LINK = "Microsoft.Network/dnsForwardingRulesets/virtualNetworkLinks"
T_RULE = "Microsoft.Network/dnsForwardingRulesets/forwardingRules"
TOP = {"dnsresolvers": T_RESOLVER, "dnsforwardingrulesets": T_RULESET}
CHILD = {("dnsresolvers", "inboundendpoints"): T_INBOUND, ("dnsresolvers", "outboundendpoints"): T_OUTBOUND,
         ("dnsforwardingrulesets", "virtualnetworklinks"): T_RULESET_LINK,
         ("dnsforwardingrulesets", "forwardingrules"): T_RULE}
TRACKED = (T_RESOLVER, T_INBOUND, T_OUTBOUND, T_RULESET)   # these have a location; links and rules do not


def _bad(prop, message):
    return ArmError(400, "InvalidRequestContent" if prop else "BadRequest", message, target=prop)


def _ref(props, key):
    return ((props.get(key) or {}).get("id") or "") if isinstance(props.get(key), dict) else ""


class DnsResolverRP:
    def route_dnsresolver(self, req, sub, s, low):
        """/subscriptions/{s}[/resourceGroups/{g}]/providers/Microsoft.Network/{dnsResolvers|
        dnsForwardingRulesets}[/{name}[/{child type}[/{child}]]]"""
        if "providers" not in low:
            return None
        i = low.index("providers")
        if low[i + 1:i + 2] != [NS] or len(low) < i + 3 or low[i + 2] not in TOP:
            return None
        rest = s[i + 2:]
        if len(rest) > 4 or (len(rest) >= 3 and (low[i + 2], rest[2].lower()) not in CHILD):
            raise ArmError(400, "InvalidResourceType",
                           f"The resource type could not be found in the namespace 'Microsoft.Network' for path "
                           f"'{req.path}'.")
        in_group = low[2] == "resourcegroups"
        if in_group:
            self.require_group(sub, s[3])
        self.need_version(req, (VERSION,))
        if self.authorizer and req.principal is not None:
            self.authorizer.check(req, self.action_for(req), req.scope)
        top_type = TOP[low[i + 2]]
        if len(rest) == 1:
            if req.method != "GET":
                raise ArmError(405, "MethodNotAllowed", f"The method '{req.method}' is not allowed on a list.")
            scope = "/" + "/".join(s[:4] if in_group else s[:2])
            return self.list_response([self.render(r) for r in self.all_of(top_type, scope)])
        if not in_group:
            raise ArmError(404, "NotFound", f"The requested path '{req.path}' is not an ARM resource path.")
        rid = self._canonical_id(sub, s, i)
        rtype = top_type if len(rest) == 2 else CHILD[(low[i + 2], rest[2].lower())]
        if len(rest) == 3:
            if req.method != "GET":
                raise ArmError(405, "MethodNotAllowed", f"The method '{req.method}' is not allowed on a list.")
            parent_id = rid.rsplit("/", 1)[0]   # the list's path names the child type last
            parent = self.get(parent_id)
            if parent is None:
                raise self.not_found(parent_id)
            return self.list_response([self.render(r) for r in self.children(parent.id, rtype)])
        if req.method in ("PUT", "DELETE"):
            self.touch()
        return {"GET": self._resolver_get, "PUT": self._resolver_put,
                "DELETE": self._resolver_delete}.get(req.method, self._resolver_method)(req, rid, rtype)

    def _canonical_id(self, sub, s, i):
        rg = self.rg_res(sub, s[3])
        parts = ["subscriptions", sub, "resourceGroups", rg.body["name"]] + s[i:]
        rid = "/" + "/".join(parts)
        existing = self.get(rid)
        return existing.id if existing else rid

    def _resolver_method(self, req, rid, rtype):
        raise ArmError(405, "MethodNotAllowed", f"The method '{req.method}' is not allowed for {rtype}.")

    def _resolver_get(self, req, rid, rtype):
        res = self.get(rid)
        if res is None:
            if rtype not in TOP.values():
                self.require_parent(rid)
            raise self.not_found(rid)
        return Response(200, self.render(res), self.headers_for(res))

    def _resolver_delete(self, req, rid, rtype):
        res = self.get(rid)
        if res is None:
            return Response(204)
        self.preconditions(req, res)
        for k in [k for k in self.state if k.startswith(res.id.lower() + "/")]:
            self.state.pop(k, None)
        self.remove(res.id)
        return Response(200)

    def _resolver_put(self, req, rid, rtype):
        if req.body_error or not isinstance(req.body, dict):
            raise _bad(None, f"The request content was invalid and could not be deserialized: "
                             f"{req.body_error or 'a JSON object is required'}")
        existing = self.get(rid)
        self.preconditions(req, existing)
        if rtype not in TOP.values():
            parent = self.require_parent(rid)
        else:
            parent = None
        body = copy.deepcopy(req.body)
        props = body.get("properties")
        if not isinstance(props, dict):
            raise _bad("properties", "The 'properties' member is required.")
        out = {"id": rid, "name": rid.split("/")[-1], "type": rtype, "etag": str(uuid.uuid4())}
        if rtype in TRACKED:
            loc = self.require_location(body, existing, rid)
            out["location"] = norm_loc(loc)
            out["tags"] = body.get("tags") or {}
        checked = getattr(self, "_props_" + rtype.split("/")[-1].lower())(props, parent, rid, existing)
        if rtype.lower() == T_RULESET_LINK.lower():  # as for a zone link: the VNet joins, so its owner must agree
            self.authorize_linked(req, "Microsoft.Network/dnsForwardingRulesets/virtualNetworkLinks/write",
                                  "Microsoft.Network/virtualNetworks/join/action",
                                  checked["virtualNetwork"]["id"], rid)
        checked["provisioningState"] = "Succeeded"
        out["properties"] = checked
        res = Res(out["id"], rtype, out, out["etag"], effective=True)
        if existing is not None:
            res.meta["seq"] = existing.meta["seq"]
        self.put_res(res)
        return Response(200 if existing else 201, self.render(res), self.headers_for(res))

    # -- per type -----------------------------------------------------------------------------
    def _need_vnet(self, props, prop):
        vnet_id = _ref(props, "virtualNetwork")
        if not vnet_id:
            raise _bad(f"properties.{prop}", f"The 'properties.{prop}.id' member is required.")
        vnet = self.get(vnet_id)
        if vnet is None and not self.exists_or_external(vnet_id):
            raise ArmError(400, "InvalidVirtualNetwork", f"Virtual network {vnet_id} does not exist.",
                           target=f"properties.{prop}.id")
        return vnet.id if vnet else vnet_id

    def _props_dnsresolvers(self, props, parent, rid, existing):
        vnet_id = self._need_vnet(props, "virtualNetwork")
        if existing and existing.body["properties"]["virtualNetwork"]["id"].lower() != vnet_id.lower():
            raise ArmError(400, "BadRequest", "The virtual network of a DNS resolver cannot change.")
        guid = existing.body["properties"]["resourceGuid"] if existing else str(uuid.uuid4())
        return {"virtualNetwork": {"id": vnet_id}, "dnsResolverState": "Connected", "resourceGuid": guid}

    def _endpoint_subnet(self, subnet_id, resolver, prop):
        if not subnet_id:
            raise _bad(prop, f"The '{prop}' member is required.")
        subnet = self.get(subnet_id)
        if subnet is None:
            raise ArmError(400, "InvalidSubnet", f"Subnet {subnet_id} does not exist.", target=prop)
        vnet_id = resolver.body["properties"]["virtualNetwork"]["id"]
        if not subnet.id.lower().startswith(vnet_id.lower() + "/subnets/"):
            raise ArmError(400, "InvalidSubnet", f"Subnet {subnet.id} is not in the resolver's virtual network "
                                                 f"{vnet_id}.", target=prop)
        delegations = subnet.body["properties"].get("delegations") or []
        if not any((d.get("properties") or {}).get("serviceName", "").lower() == "microsoft.network/dnsresolvers"
                   for d in delegations):
            raise ArmError(400, "SubnetNotDelegated", f"Subnet {subnet.id} must be delegated to "
                                                      "Microsoft.Network/dnsResolvers.", target=prop)
        return subnet

    def _props_inboundendpoints(self, props, resolver, rid, existing):
        configs = props.get("ipConfigurations")
        if not isinstance(configs, list) or not configs:
            raise _bad("properties.ipConfigurations", "At least one ipConfiguration is required.")
        out = []
        for n, ipc in enumerate(configs):
            where = f"properties.ipConfigurations[{n}]"
            ipc = ipc if isinstance(ipc, dict) else {}
            subnet = self._endpoint_subnet(_ref(ipc, "subnet"), resolver, f"{where}.subnet.id")
            method = ipc.get("privateIpAllocationMethod") or "Dynamic"
            if method not in ("Static", "Dynamic"):
                raise _bad(f"{where}.privateIpAllocationMethod", "privateIpAllocationMethod is Static or Dynamic.")
            address = self._inbound_address(subnet, ipc.get("privateIpAddress") if method == "Static" else None,
                                            rid, where)
            out.append({"subnet": {"id": subnet.id}, "privateIpAddress": address,
                        "privateIpAllocationMethod": method})
        return {"ipConfigurations": out}

    def _inbound_address(self, subnet, want, rid, where):
        used = set(self.used_ips(subnet.id))
        for ep in self.all_of(T_INBOUND):
            if ep.id.lower() != rid.lower():
                used.update(c["privateIpAddress"] for c in ep.body["properties"]["ipConfigurations"])
        net = ipaddress.ip_network(subnet.body["properties"]["addressPrefix"], strict=False)
        if want:
            try:
                ok = ipaddress.ip_address(want) in net
            except ValueError:
                ok = False
            if not ok:
                raise ArmError(400, "PrivateIPAddressNotInSubnet", f"{want} is not inside subnet {net}.",
                               target=f"{where}.privateIpAddress")
            if want in used:
                raise ArmError(400, "PrivateIPAddressInUse", f"{want} is already in use in {subnet.id}.",
                               target=f"{where}.privateIpAddress")
            return want
        for addr in net.hosts():
            if int(addr) - int(net.network_address) >= 4 and str(addr) not in used:
                return str(addr)
        raise ArmError(400, "SubnetIsFull", f"Subnet {subnet.id} has no free address.")

    def _props_outboundendpoints(self, props, resolver, rid, existing):
        subnet = self._endpoint_subnet(_ref(props, "subnet"), resolver, "properties.subnet.id")
        return {"subnet": {"id": subnet.id}}

    def _props_dnsforwardingrulesets(self, props, parent, rid, existing):
        refs = props.get("dnsResolverOutboundEndpoints")
        if not isinstance(refs, list) or not refs:
            raise _bad("properties.dnsResolverOutboundEndpoints", "At least one outbound endpoint is required.")
        out = []
        for n, ref in enumerate(refs):
            oid = (ref or {}).get("id") if isinstance(ref, dict) else None
            ep = self.get(oid)
            if ep is None or ep.type != T_OUTBOUND:
                raise ArmError(400, "InvalidOutboundEndpoint", f"Outbound endpoint {oid} does not exist.",
                               target=f"properties.dnsResolverOutboundEndpoints[{n}].id")
            out.append({"id": ep.id})
        return {"dnsResolverOutboundEndpoints": out}

    def _props_virtualnetworklinks(self, props, ruleset, rid, existing):
        vnet_id = self._need_vnet(props, "virtualNetwork")
        for other in self.children(ruleset.id, T_RULESET_LINK):
            if other.id.lower() != rid.lower() and \
                    other.body["properties"]["virtualNetwork"]["id"].lower() == vnet_id.lower():
                raise ArmError(409, "Conflict", f"Virtual network {vnet_id} is already linked to ruleset "
                                                f"{ruleset.body['name']} by {other.body['name']}.")
        return {"virtualNetwork": {"id": vnet_id}, "metadata": props.get("metadata") or {}}

    def _props_forwardingrules(self, props, ruleset, rid, existing):
        domain = props.get("domainName")
        if not isinstance(domain, str) or not domain.endswith(".") or len(domain) < 2:
            raise _bad("properties.domainName", "domainName is required and must be fully qualified (end with '.').")
        targets = props.get("targetDnsServers")
        if not isinstance(targets, list) or not targets:
            raise _bad("properties.targetDnsServers", "At least one target DNS server is required.")
        out = []
        for n, t in enumerate(targets):
            try:
                ipaddress.ip_address((t or {}).get("ipAddress", ""))
            except (ValueError, AttributeError):
                raise _bad(f"properties.targetDnsServers[{n}].ipAddress", "ipAddress must be an IP address.") from None
            out.append({"ipAddress": t["ipAddress"], "port": int(t.get("port") or 53)})
        state = props.get("forwardingRuleState") or "Enabled"
        if state not in ("Enabled", "Disabled"):
            raise _bad("properties.forwardingRuleState", "forwardingRuleState is Enabled or Disabled.")
        return {"domainName": domain.lower(), "targetDnsServers": out, "forwardingRuleState": state,
                "metadata": props.get("metadata") or {}}


PROVIDER = Provider("dnsresolver", DnsResolverRP, routes=("route_dnsresolver",))
