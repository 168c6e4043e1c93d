"""Microsoft.Network 2024-01-01 in the twin, part 2: private endpoints, their private DNS zone
groups and the network interfaces endpoints create (read-only to callers).

An endpoint's NIC takes the first free address of its subnet from .4; its connection is
Approved, or Pending for manual connections and for targets that require manual approval. A zone
group writes the endpoint's A record into each zone that matches the target's group (and removes
it again when deleted). Long-running behaviour and etags as for VNets (rp_network_vnet.py).
"""
import copy
import uuid

from core import ArmError, Provider, Res, Response, norm_loc, parent_of, parse_id
from rp_network_vnet import NETWORK_SPEC_VERSION, T_NIC, T_PE, T_ZG
from rp_targets import T_ACCOUNT, T_VAULT

ZONE_GROUP_TTL = 10


class NetworkEndpointsRP:
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


PROVIDER = Provider(
    "network-endpoints", NetworkEndpointsRP, namespaces=("Microsoft.Network",),
    specs={"network": (NETWORK_SPEC_VERSION, [
        "network/resource-manager/Microsoft.Network/stable/2024-01-01/privateEndpoint.json",
        "network/resource-manager/Microsoft.Network/stable/2024-01-01/networkInterface.json"])},
    renderers={T_PE: "render_pe", T_ZG: "render_zg"})
