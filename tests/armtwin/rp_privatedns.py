"""Microsoft.Network private DNS 2024-06-01 in the twin: zones, virtual network links, record sets.

Behaviour (recordings + arm-contract.md §1.3/1.4): zone and link PUT/PATCH/DELETE answer
202 with body {} and both Azure-AsyncOperation (privateDnsOperationStatuses) and Location
(privateDnsOperationResults); the status URL answers 202 {"status":"InProgress"} while running.
If-None-Match: * on an existing zone or link is accepted and fails in the async status with
PreconditionFailed. Etags are bare GUIDs. A new zone holds its SOA record ("@"). Record set
names are stored lower-case. A link is effective (virtualNetworkLinkState Completed) only when
its operation has finished. Record sets are synchronous.
"""
import copy
import re
import uuid

from core import ArmError, LroStyle, Provider, Res, Response, norm_loc, parent_of

T_ZONE = "Microsoft.Network/privateDnsZones"
T_LINK = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "PTR", "SOA", "SRV", "TXT")
RECORD_KEYS = {"A": "aRecords", "AAAA": "aaaaRecords", "CNAME": "cnameRecord", "MX": "mxRecords",
               "PTR": "ptrRecords", "SOA": "soaRecord", "SRV": "srvRecords", "TXT": "txtRecords"}
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-_]{1,63}(?<!-)$")


class PrivateDnsRP:
    def all_of_records(self):
        prefix = T_ZONE.lower() + "/"
        return [r for r in self.state.values()
                if r.type.lower().startswith(prefix) and r.type.lower() != T_LINK.lower()]

    def zone_records(self, zone):
        prefix = zone.id.lower() + "/"
        return sorted([r for r in self.all_of_records() if r.id.lower().startswith(prefix)],
                      key=lambda r: (r.type != f"{T_ZONE}/SOA", r.body["name"], r.type))

    def render_dns_child(self, res):
        body = copy.deepcopy(res.body)
        body["etag"] = res.etag
        return body

    def render_zone(self, res):
        body = copy.deepcopy(res.body)
        body["etag"] = res.etag
        links = self.children(res.id, T_LINK)
        props = body["properties"]
        props.update({"maxNumberOfRecordSets": 25000, "numberOfRecordSets": len(self.zone_records(res)),
                      "maxNumberOfVirtualNetworkLinks": 1000, "numberOfVirtualNetworkLinks": len(links),
                      "maxNumberOfVirtualNetworkLinksWithRegistration": 100,
                      "numberOfVirtualNetworkLinksWithRegistration":
                          len([l for l in links if l.body["properties"].get("registrationEnabled")])})
        return body

    def _dns_lro(self, req, res, *, created, precondition_failed=False, on_success=None):
        def ok():
            if self.get(res.id) is res:
                res.body["properties"]["provisioningState"] = "Succeeded"
                res.meta["effective"] = True
            if on_success:
                on_success()

        def failed():
            if self.get(res.id) is res and not precondition_failed:
                res.body["properties"]["provisioningState"] = "Failed"

        fail = None
        if precondition_failed:
            kind = "Zone" if res.type == T_ZONE else "Virtual network link"
            fail = (412, "PreconditionFailed",
                    f"The {kind} {res.body['name']} exists already and hence cannot be created again.")
        op = self.start_op("privatedns", req, res.id, on_success=ok, on_failure=failed, fail_with=fail)
        return Response(202, {}, self.lro_headers(req, op, location=True))

    # -- zones -------------------------------------------------------------------------------------
    def h_privatedns_PrivateZones_Get(self, req, op, params):
        return self._get_item(op, params)

    def h_privatedns_PrivateZones_List(self, req, op, params):
        return self._list(op, params, T_ZONE)

    def h_privatedns_PrivateZones_ListByResourceGroup(self, req, op, params):
        return self._list(op, params, T_ZONE)

    def _check_global(self, body, existing):
        loc = body.get("location") or (existing.body["location"] if existing else None)
        if not loc:
            raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
        if norm_loc(loc) != "global":
            raise ArmError(400, "LocationNotAvailableForResourceType",
                           f"The provided location '{norm_loc(loc)}' is not available for resource type "
                           f"'{T_ZONE}'. List of available regions for the resource type is 'global'.")

    def h_privatedns_PrivateZones_CreateOrUpdate(self, req, op, params):
        rid = self.item_id(op, params)
        existing = self.get(rid)
        exists_fail = self.preconditions(req, existing, none_match_sync=False)
        body = self.body_of(req, op)
        self._check_global(body, existing)
        name = rid.split("/")[-1]
        labels = name.rstrip(".").split(".")
        if len(labels) < 2 or not all(_LABEL.match(l) for l in labels):
            raise ArmError(400, "BadRequest", f"The zone name '{name}' is not a valid DNS name with at least two labels.")
        if exists_fail:
            return self._dns_lro(req, existing, created=False, precondition_failed=True)
        zone = existing or Res(rid, T_ZONE, {})
        state = "Updating" if existing else "Creating"
        zone.body = {"id": zone.id, "name": name, "type": T_ZONE, "location": "global",
                     "tags": body.get("tags") or {},
                     "properties": {"provisioningState": state,
                                    "internalId": existing.body["properties"]["internalId"] if existing
                                    else f"Id_{uuid.uuid4().hex}"}}
        zone.etag = self.new_etag("guid")
        self.put_res(zone)
        if existing is None:
            soa = Res(f"{zone.id}/SOA/@", f"{T_ZONE}/SOA", {
                "id": f"{zone.id}/SOA/@", "name": "@", "type": f"{T_ZONE}/SOA",
                "properties": {"ttl": 3600, "fqdn": f"{name}.", "isAutoRegistered": False,
                               "soaRecord": {"email": "azureprivatedns-host.microsoft.com",
                                             "expireTime": 2419200, "host": "azureprivatedns.net",
                                             "minimumTtl": 10, "refreshTime": 3600, "retryTime": 300,
                                             "serialNumber": 1}}}, etag=self.new_etag("guid"), effective=True)
            self.put_res(soa)
        return self._dns_lro(req, zone, created=existing is None)

    def h_privatedns_PrivateZones_Update(self, req, op, params):
        rid = self.item_id(op, params)
        zone = self.get(rid)
        if zone is None:
            raise self.not_found(rid)
        self.preconditions(req, zone)
        body = self.body_of(req, op)
        if "tags" in body:
            zone.body["tags"] = body["tags"] or {}
        zone.body["properties"]["provisioningState"] = "Updating"
        zone.etag = self.new_etag("guid")
        self.touch()
        return self._dns_lro(req, zone, created=False)

    def h_privatedns_PrivateZones_Delete(self, req, op, params):
        rid = self.item_id(op, params)
        zone = self.get(rid)
        if zone is None:
            return Response(204)
        self.preconditions(req, zone)
        links = self.children(zone.id, T_LINK)
        if links:
            raise ArmError(409, "Conflict",
                           f"The private DNS zone '{zone.body['name']}' has {len(links)} virtual network link(s) "
                           f"({', '.join(l.body['name'] for l in links)}). Delete the virtual network links "
                           "before deleting the zone.")
        zone.body["properties"]["provisioningState"] = "Deleting"

        def done():
            for r in self.zone_records(zone):
                self.remove(r.id)
            self.remove(zone.id)

        op_ = self.start_op("privatedns", req, zone.id, on_success=done)
        return Response(202, {}, self.lro_headers(req, op_, location=True))

    # -- virtual network links --------------------------------------------------------------------
    def h_privatedns_VirtualNetworkLinks_Get(self, req, op, params):
        return self._get_item(op, params)

    def h_privatedns_VirtualNetworkLinks_List(self, req, op, params):
        return self._list_children(op, params, T_LINK)

    def h_privatedns_VirtualNetworkLinks_CreateOrUpdate(self, req, op, params):
        rid = self.item_id(op, params)
        zone = self.require_parent(rid)
        existing = self.get(rid)
        exists_fail = self.preconditions(req, existing, none_match_sync=False)
        body = self.body_of(req, op)
        self._check_global(body, existing)
        props = body.get("properties") or {}
        vnet_id = (props.get("virtualNetwork") or {}).get("id")
        if not vnet_id:
            raise ArmError(400, "BadRequest", "properties.virtualNetwork.id is required for a virtual network link.")
        vnet = self.get(vnet_id)
        if vnet is None and not self.exists_or_external(vnet_id):
            raise ArmError(400, "BadRequest", f"The virtual network '{vnet_id}' referenced by link {rid} was not found.")
        if exists_fail:
            return self._dns_lro(req, existing, created=False, precondition_failed=True)
        vnet_id = vnet.id if vnet else vnet_id
        if existing and existing.body["properties"]["virtualNetwork"]["id"].lower() != vnet_id.lower():
            raise ArmError(400, "BadRequest",
                           "The virtual network of a virtual network link cannot be changed; delete the link "
                           "and create a new one.")
        for other in self.children(zone.id, T_LINK):
            if other.id.lower() != rid.lower() and \
                    other.body["properties"]["virtualNetwork"]["id"].lower() == vnet_id.lower():
                raise ArmError(409, "Conflict",
                               f"The virtual network {vnet_id} is already linked to the private DNS zone "
                               f"'{zone.body['name']}' by link '{other.body['name']}'.")
        self.authorize_linked(req, "Microsoft.Network/privateDnsZones/virtualNetworkLinks/write",
                              "Microsoft.Network/virtualNetworks/join/action", vnet_id, rid)
        link = existing or Res(rid, T_LINK, {})
        link.body = {"id": link.id, "name": link.id.split("/")[-1], "type": T_LINK, "location": "global",
                     "tags": body.get("tags") or {},
                     "properties": {"virtualNetwork": {"id": vnet_id},
                                    "registrationEnabled": bool(props.get("registrationEnabled", False)),
                                    "resolutionPolicy": props.get("resolutionPolicy", "Default"),
                                    "virtualNetworkLinkState": "Completed" if existing and existing.meta.get("effective")
                                    else "InProgress",
                                    "provisioningState": "Updating" if existing else "Creating"}}
        link.etag = self.new_etag("guid")
        self.put_res(link)
        return self._dns_lro(req, link, created=existing is None,
                             on_success=lambda: link.body["properties"].update(virtualNetworkLinkState="Completed"))

    def h_privatedns_VirtualNetworkLinks_Update(self, req, op, params):
        rid = self.item_id(op, params)
        link = self.get(rid)
        if link is None:
            raise self.not_found(rid)
        self.preconditions(req, link)
        body = self.body_of(req, op)
        props = body.get("properties") or {}
        if "virtualNetwork" in props and props["virtualNetwork"] and \
                (props["virtualNetwork"].get("id") or "").lower() != link.body["properties"]["virtualNetwork"]["id"].lower():
            raise ArmError(400, "BadRequest", "The virtual network of a virtual network link cannot be changed.")
        for k in ("registrationEnabled", "resolutionPolicy"):
            if k in props and props[k] is not None:
                link.body["properties"][k] = props[k]
        if "tags" in body:
            link.body["tags"] = body["tags"] or {}
        link.body["properties"]["provisioningState"] = "Updating"
        link.etag = self.new_etag("guid")
        self.touch()
        return self._dns_lro(req, link, created=False)

    def h_privatedns_VirtualNetworkLinks_Delete(self, req, op, params):
        rid = self.item_id(op, params)
        self.require_parent(rid)
        link = self.get(rid)
        if link is None:
            return Response(204)
        self.preconditions(req, link)
        link.body["properties"]["provisioningState"] = "Deleting"
        op_ = self.start_op("privatedns", req, link.id, on_success=lambda: self.remove(link.id))
        return Response(202, {}, self.lro_headers(req, op_, location=True))

    # -- record sets (synchronous) ----------------------------------------------------------------
    def _record_id(self, op, params):
        rtype = params.get("recordType", "").upper()
        if rtype not in RECORD_TYPES:
            raise ArmError(400, "BadRequest", f"The record type '{params.get('recordType')}' is not supported "
                                              f"(supported: {', '.join(RECORD_TYPES)}).")
        params = dict(params, recordType=rtype)
        if "relativeRecordSetName" in params:
            params["relativeRecordSetName"] = params["relativeRecordSetName"].lower()
        return self.item_id(op, params), rtype

    def upsert_record(self, zone, rtype, name, ips, *, ttl, owner=None, metadata=None):
        rid = f"{zone.id}/{rtype}/{name.lower()}"
        rec = self.get(rid) or Res(rid, f"{T_ZONE}/{rtype}", {})
        props = {"ttl": ttl, "fqdn": f"{name.lower()}.{zone.body['name']}.", "isAutoRegistered": False,
                 RECORD_KEYS[rtype]: [{"ipv4Address": ip} for ip in ips]}
        if metadata:
            props["metadata"] = metadata
        rec.body = {"id": rec.id, "name": name.lower(), "type": f"{T_ZONE}/{rtype}", "properties": props}
        rec.etag = self.new_etag("guid")
        rec.meta["effective"] = True
        if owner:
            rec.meta["owner"] = owner
        self.put_res(rec)
        return rec

    def h_privatedns_RecordSets_Get(self, req, op, params):
        rid, _ = self._record_id(op, params)
        rec = self.get(rid)
        if rec is None:
            self.require_parent(rid)
            raise self.not_found(rid)
        return Response(200, self.render(rec), self.headers_for(rec))

    def h_privatedns_RecordSets_ListByType(self, req, op, params):
        rtype = params.get("recordType", "").upper()
        if rtype not in RECORD_TYPES:
            raise ArmError(400, "BadRequest", f"The record type '{params.get('recordType')}' is not supported.")
        zone_id = self.item_id(op, params, len(op.segments) - 1)
        zone = self.get(zone_id)
        if zone is None:
            raise self.not_found(zone_id)
        return self.list_response([self.render(r) for r in self.zone_records(zone) if r.type == f"{T_ZONE}/{rtype}"])

    def h_privatedns_RecordSets_List(self, req, op, params):
        zone_id = self.item_id(op, params, len(op.segments) - 1)
        zone = self.get(zone_id)
        if zone is None:
            raise self.not_found(zone_id)
        return self.list_response([self.render(r) for r in self.zone_records(zone)])

    def h_privatedns_RecordSets_CreateOrUpdate(self, req, op, params):
        rid, rtype = self._record_id(op, params)
        zone = self.require_parent(rid)
        existing = self.get(rid)
        self.preconditions(req, existing)
        body = self.body_of(req, op)
        return self._write_record(req, zone, rid, rtype, existing, body.get("properties") or {}, replace=True)

    def h_privatedns_RecordSets_Update(self, req, op, params):
        rid, rtype = self._record_id(op, params)
        existing = self.get(rid)
        if existing is None:
            raise self.not_found(rid)
        self.preconditions(req, existing)
        body = self.body_of(req, op)
        zone = self.get(parent_of(rid))
        return self._write_record(req, zone, rid, rtype, existing, body.get("properties") or {}, replace=False)

    def _write_record(self, req, zone, rid, rtype, existing, props, replace):
        name = rid.split("/")[-1]
        if rtype == "SOA" and name != "@":
            raise ArmError(400, "BadRequest", "The only SOA record set of a zone is '@'.")
        for t, key in RECORD_KEYS.items():
            if t != rtype and props.get(key):
                raise ArmError(400, "BadRequest",
                               f"The record set of type {rtype} cannot carry {key} (record type {t}).")
        current = existing.body["properties"] if existing else {}
        new = {} if replace else copy.deepcopy(current)
        new.update({k: copy.deepcopy(v) for k, v in props.items() if k not in ("fqdn", "isAutoRegistered")})
        new.setdefault("ttl", 3600)
        new["fqdn"] = f"{zone.body['name']}." if name == "@" else f"{name}.{zone.body['name']}."
        new["isAutoRegistered"] = False
        rec = existing or Res(rid, f"{T_ZONE}/{rtype}", {}, effective=True)
        rec.body = {"id": rec.id, "name": name, "type": f"{T_ZONE}/{rtype}", "properties": new}
        rec.etag = self.new_etag("guid")
        rec.meta["effective"] = True
        self.put_res(rec)
        return Response(200 if existing else 201, self.render(rec), self.headers_for(rec))

    def h_privatedns_RecordSets_Delete(self, req, op, params):
        rid, rtype = self._record_id(op, params)
        rec = self.get(rid)
        if rec is None:
            return Response(204)
        self.preconditions(req, rec)
        if rtype == "SOA":
            raise ArmError(400, "BadRequest", "The SOA record set of a zone cannot be deleted.")
        self.remove(rid)
        return Response(200)


def _monitors(sub, rg, loc, opid, rid):
    base = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network"
    return f"{base}/privateDnsOperationStatuses/{opid}", f"{base}/privateDnsOperationResults/{opid}"


PROVIDER = Provider(
    "privatedns", PrivateDnsRP, namespaces=("Microsoft.Network",),
    specs={"privatedns": ("2024-06-01", [
        "privatedns/resource-manager/Microsoft.Network/stable/2024-06-01/privatedns.json"])},
    renderers=dict({T_ZONE: "render_zone", T_LINK: "render_dns_child"},
                   **{f"{T_ZONE}/{t}": "render_dns_child" for t in RECORD_TYPES}),
    lro_styles={"privatedns": LroStyle(_monitors, async_202_while_running=True)},
    headers={"privatedns": {"x-ms-ratelimit-remaining-subscription-resource-requests": "499"}})
