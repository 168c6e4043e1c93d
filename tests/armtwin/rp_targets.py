"""The private-link targets: Microsoft.KeyVault/vaults 2023-07-01 and
Microsoft.CognitiveServices/accounts 2023-05-01, with their privateEndpointConnections and
privateLinkResources.

A target's connections are the endpoints that point at it: the connection state lives on the
endpoint (as in NRP) and the target shows a view of it named `<endpoint>.<guid>`. Approving or
rejecting through the target's PUT changes the endpoint's state; deleting the target's
connection (or the target) leaves the endpoint Disconnected.

Key Vault: PUT is long-running (201 create with provisioningState RegisteringDns), PATCH is a
synchronous merge patch (200), DELETE is synchronous; IP rules are normalised to CIDR
(1.2.3.4 -> 1.2.3.4/32); GET of a missing connection answers 204, as the spec declares.
Cognitive Services: PUT and PATCH are long-running (Location + azure-AsyncOperation, PATCH
answers 202), customSubDomainName cannot change once set, the endpoint follows it.
"""
import copy
import uuid

from core import ArmError, LroStyle, Provider, Res, Response, iso, merge_patch, norm_loc

T_VAULT = "Microsoft.KeyVault/vaults"
T_ACCOUNT = "Microsoft.CognitiveServices/accounts"


def _normalise_ip_rules(acls):
    if not isinstance(acls, dict):
        return acls
    for rule in acls.get("virtualNetworkRules") or []:
        rule.setdefault("ignoreMissingVnetServiceEndpoint", False)
    for rule in acls.get("ipRules") or []:
        v = rule.get("value")
        if isinstance(v, str) and v and "/" not in v:
            rule["value"] = f"{v}/32"
    return acls


class TargetsRP:
    # -- shared: connections as the target sees them ------------------------------------------------
    def target_connections(self, target):
        out = []
        for pe, c in self.endpoints_targeting(target.id):
            state = c["properties"]["privateLinkServiceConnectionState"]
            if state["status"] == "Disconnected":
                continue
            out.append((pe, c, f"{target.id}/privateEndpointConnections/{self.pec_name(pe)}"))
        return out

    def _pec_body(self, target, pe, c, cid, *, etag=True, named=True):
        state = copy.deepcopy(c["properties"]["privateLinkServiceConnectionState"])
        state.setdefault("actionsRequired", "None")
        body = {"id": cid}
        if named:
            body.update({"name": cid.split("/")[-1], "type": f"{target.type}/privateEndpointConnections"})
        if etag:
            body["etag"] = c.get("etag") or pe.etag
        body["properties"] = {"provisioningState": "Succeeded", "privateEndpoint": {"id": pe.id},
                              "privateLinkServiceConnectionState": state}
        return body

    def _find_pec(self, target, name):
        for pe, c, cid in self.target_connections(target):
            if cid.split("/")[-1].lower() == name.lower():
                return pe, c, cid
        return None

    def _pec_target(self, op, params):
        tid = self.item_id(op, params, len(op.segments) - 2)
        target = self.get(tid)
        if target is None:
            raise self.not_found(tid)
        return target

    def _pec_get(self, req, op, params, missing_status=404):
        target = self._pec_target(op, params)
        found = self._find_pec(target, params["privateEndpointConnectionName"])
        if found is None:
            if missing_status == 204:
                return Response(204)
            raise self.not_found(f"{target.id}/privateEndpointConnections/{params['privateEndpointConnectionName']}")
        return Response(200, self._pec_body(target, *found))

    def _pec_list(self, req, op, params):
        tid = self.item_id(op, params, len(op.segments) - 1)
        target = self.get(tid)
        if target is None:
            raise self.not_found(tid)
        return self.list_response([self._pec_body(target, *x) for x in self.target_connections(target)])

    def _pec_put(self, req, op, params):
        target = self._pec_target(op, params)
        found = self._find_pec(target, params["privateEndpointConnectionName"])
        if found is None:
            raise self.not_found(f"{target.id}/privateEndpointConnections/{params['privateEndpointConnectionName']}")
        body = self.body_of(req, op)
        pe, c, cid = found
        new = (body.get("properties") or {}).get("privateLinkServiceConnectionState") or {}
        state = c["properties"]["privateLinkServiceConnectionState"]
        if state["status"] == "Rejected" and new.get("status", "").lower() == "approved":
            raise ArmError(400, "BadRequest", f"The connection {cid} was rejected and cannot be approved again; "
                                              "the endpoint must be recreated.")
        if new.get("status", "").lower() == "approved" and state["status"] != "Approved":
            ns, ttype = target.type.split("/", 1)
            self.authorize_linked(req, f"{target.type}/privateEndpointConnections/write",
                                  f"{ns}/{ttype}/privateEndpointConnectionsApproval/action", target.id, cid)
        # FM-25: the target's provider must be registered in the endpoint's subscription.
        ns = target.id.split("/")[6]
        pe_sub = pe.id.split("/")[2]
        if new.get("status", "").lower() == "approved" and not self.provider_registered(pe_sub, ns):
            raise ArmError(400, "BadRequest", f"{ns} provider must be registered on subscription containing "
                                              f"private endpoint ({pe_sub}).")
        for k in ("status", "description", "actionsRequired"):
            if new.get(k) is not None:
                state[k] = new[k]
        pe.etag = self.new_etag("weak")
        c["etag"] = pe.etag
        self.touch()
        return Response(200, self._pec_body(target, pe, c, cid))

    def _pec_delete(self, req, op, params):
        target = self._pec_target(op, params)
        found = self._find_pec(target, params["privateEndpointConnectionName"])
        if found is None:
            return Response(204)
        pe, c, cid = found
        body = self._pec_body(target, pe, c, cid)
        body["properties"]["provisioningState"] = "Deleting"
        c["properties"]["privateLinkServiceConnectionState"] = {
            "status": "Disconnected", "description": "Connection removed by the resource owner.",
            "actionsRequired": "None"}
        self.touch()
        return Response(200, body)

    def disconnect_all(self, target):
        for pe, c in self.endpoints_targeting(target.id):
            c["properties"]["privateLinkServiceConnectionState"] = {
                "status": "Disconnected", "description": "The private link resource was deleted.",
                "actionsRequired": "None"}
        self.touch()

    # -- Key Vault ---------------------------------------------------------------------------------
    def render_vault(self, res):
        body = copy.deepcopy(res.body)
        body["properties"]["privateEndpointConnections"] = [
            self._pec_body(res, pe, c, cid, named=False) for pe, c, cid in self.target_connections(res)]
        return body

    def h_keyvault_Vaults_Get(self, req, op, params):
        return self._get_item(op, params)

    def h_keyvault_Vaults_ListByResourceGroup(self, req, op, params):
        return self._list(op, params, T_VAULT)

    def h_keyvault_Vaults_ListBySubscription(self, req, op, params):
        return self._list(op, params, T_VAULT)

    def h_keyvault_Vaults_CreateOrUpdate(self, req, op, params):
        rid = self.item_id(op, params)
        existing = self.get(rid)
        self.preconditions(req, existing)
        body = self.body_of(req, op)
        loc = self.require_location(body, existing, rid)
        props = copy.deepcopy(body.get("properties") or {})
        _normalise_ip_rules(props.get("networkAcls"))
        name = rid.split("/")[-1]
        props.setdefault("accessPolicies", [])
        props.setdefault("enableSoftDelete", True)
        props.setdefault("softDeleteRetentionInDays", 90)
        props.setdefault("enableRbacAuthorization", False)
        props.setdefault("publicNetworkAccess", "Enabled")
        props["vaultUri"] = f"https://{name}.vault.azure.net/"
        props["provisioningState"] = "Succeeded" if existing else "RegisteringDns"
        vault = existing or Res(rid, T_VAULT, {})
        vault.body = {"id": vault.id, "name": name, "type": T_VAULT, "location": norm_loc(loc),
                      "tags": body.get("tags") or {},
                      "systemData": self.system_data(req, existing.body.get("systemData") if existing else None),
                      "properties": props}
        vault.etag = self.new_etag("web")
        self.put_res(vault)

        def ok():
            vault.body["properties"]["provisioningState"] = "Succeeded"
            vault.meta["effective"] = True

        op_ = self.start_op("keyvault", req, rid, on_success=ok, location=loc)
        return Response(200 if existing else 201, self.render(vault),
                        {**self.lro_headers(req, op_), **self.headers_for(vault)})

    def h_keyvault_Vaults_Update(self, req, op, params):
        rid = self.item_id(op, params)
        vault = self.get(rid)
        if vault is None:
            raise self.not_found(rid)
        self.preconditions(req, vault)
        body = self.body_of(req, op)
        if "properties" in body and body["properties"] is not None:
            props = merge_patch(vault.body["properties"], body["properties"])
            _normalise_ip_rules(props.get("networkAcls"))
            vault.body["properties"] = props
        if "tags" in body:
            vault.body["tags"] = body["tags"] or {}
        vault.body["systemData"] = self.system_data(req, vault.body.get("systemData"))
        vault.etag = self.new_etag("web")
        self.touch()
        return Response(200, self.render(vault), self.headers_for(vault))

    def h_keyvault_Vaults_Delete(self, req, op, params):
        rid = self.item_id(op, params)
        vault = self.get(rid)
        if vault is None:
            return Response(204)
        self.preconditions(req, vault)
        self.disconnect_all(vault)
        self.remove(rid)
        return Response(200)

    def h_keyvault_PrivateEndpointConnections_Get(self, req, op, params):
        return self._pec_get(req, op, params, missing_status=204)

    def h_keyvault_PrivateEndpointConnections_ListByResource(self, req, op, params):
        return self._pec_list(req, op, params)

    def h_keyvault_PrivateEndpointConnections_Put(self, req, op, params):
        return self._pec_put(req, op, params)

    def h_keyvault_PrivateEndpointConnections_Delete(self, req, op, params):
        return self._pec_delete(req, op, params)

    def h_keyvault_PrivateLinkResources_ListByVault(self, req, op, params):
        tid = self.item_id(op, params, len(op.segments) - 1)
        if self.get(tid) is None:
            raise self.not_found(tid)
        return self.list_response([{"id": f"{self.get(tid).id}/privateLinkResources/vault", "name": "vault",
                                    "type": f"{T_VAULT}/privateLinkResources",
                                    "properties": {"groupId": "vault", "requiredMembers": ["default"],
                                                   "requiredZoneNames": ["privatelink.vaultcore.azure.net"]}}])

    # -- Cognitive Services ------------------------------------------------------------------------
    def render_account(self, res):
        body = copy.deepcopy(res.body)
        body["etag"] = res.etag
        body["properties"]["privateEndpointConnections"] = [
            self._pec_body(res, pe, c, cid, etag=False) for pe, c, cid in self.target_connections(res)]
        return body

    def h_cognitive_Accounts_Get(self, req, op, params):
        return self._get_item(op, params)

    def h_cognitive_Accounts_ListByResourceGroup(self, req, op, params):
        return self._list(op, params, T_ACCOUNT)

    def h_cognitive_Accounts_List(self, req, op, params):
        return self._list(op, params, T_ACCOUNT)

    def _account_props(self, props, existing, location):
        sub = props.get("customSubDomainName")
        old = existing.body["properties"].get("customSubDomainName") if existing else None
        if old and sub is not None and sub.lower() != old.lower():
            raise ArmError(400, "CustomSubDomainNameImmutable",
                           f"The custom subdomain name of an account cannot change once set ('{old}' -> '{sub}').")
        if old and sub is None:
            props["customSubDomainName"] = old
            sub = old
        props["endpoint"] = (f"https://{sub}.cognitiveservices.azure.com/" if sub
                             else f"https://{norm_loc(location)}.api.cognitive.microsoft.com/")
        props["endpoints"] = {"Cognitive Services": props["endpoint"]}
        props.setdefault("publicNetworkAccess", "Enabled")
        props["internalId"] = existing.body["properties"]["internalId"] if existing else uuid.uuid4().hex
        props["dateCreated"] = existing.body["properties"]["dateCreated"] if existing else iso()
        props.setdefault("isMigrated", False)
        props.setdefault("capabilities", [])
        return props

    def h_cognitive_Accounts_Create(self, req, op, params):
        rid = self.item_id(op, params)
        existing = self.get(rid)
        self.preconditions(req, existing)
        body = self.body_of(req, op)
        loc = self.require_location(body, existing, rid)
        props = self._account_props(copy.deepcopy(body.get("properties") or {}), existing, loc)
        props["provisioningState"] = "Accepted" if existing else "Creating"
        acct = existing or Res(rid, T_ACCOUNT, {})
        acct.body = {"id": acct.id, "name": rid.split("/")[-1], "type": T_ACCOUNT, "location": loc,
                     "kind": body.get("kind"), "sku": body.get("sku"), "tags": body.get("tags") or {},
                     "systemData": self.system_data(req, existing.body.get("systemData") if existing else None),
                     "properties": props}
        if body.get("identity"):
            acct.body["identity"] = self._identity(body["identity"], existing)
        acct.etag = self.new_etag("cs")
        self.put_res(acct)
        op_ = self._account_lro(req, acct)
        return Response(200 if existing else 201, self.render(acct),
                        {**self.lro_headers(req, op_, location=True), **self.headers_for(acct)})

    def _identity(self, ident, existing):
        out = copy.deepcopy(ident)
        if "systemassigned" in (ident.get("type") or "").lower():
            prior = (existing.body.get("identity") or {}) if existing else {}
            out["principalId"] = prior.get("principalId") or str(uuid.uuid4())
            out["tenantId"] = self.facts["tenant"]
        return out

    def _account_lro(self, req, acct):
        def ok():
            if self.get(acct.id) is acct:
                acct.body["properties"]["provisioningState"] = "Succeeded"
                acct.meta["effective"] = True

        def failed():
            if self.get(acct.id) is acct:
                acct.body["properties"]["provisioningState"] = "Failed"

        return self.start_op("cognitive", req, acct.id, on_success=ok, on_failure=failed,
                             location=acct.body.get("location"))

    def h_cognitive_Accounts_Update(self, req, op, params):
        rid = self.item_id(op, params)
        acct = self.get(rid)
        if acct is None:
            raise self.not_found(rid)
        self.preconditions(req, acct)
        body = self.body_of(req, op)
        if body.get("properties") is not None:
            props = merge_patch(acct.body["properties"], body["properties"])
            acct.body["properties"] = self._account_props(props, acct, acct.body["location"])
        for k in ("sku", "tags"):
            if k in body:
                acct.body[k] = body[k]
        if body.get("identity"):
            acct.body["identity"] = self._identity(body["identity"], acct)
        acct.body["properties"]["provisioningState"] = "Accepted"
        acct.body["systemData"] = self.system_data(req, acct.body.get("systemData"))
        acct.etag = self.new_etag("cs")
        self.touch()
        op_ = self._account_lro(req, acct)
        return Response(202, self.render(acct), {**self.lro_headers(req, op_, location=True),
                                                 **self.headers_for(acct)})

    def h_cognitive_Accounts_Delete(self, req, op, params):
        rid = self.item_id(op, params)
        acct = self.get(rid)
        if acct is None:
            return Response(204)
        self.preconditions(req, acct)
        acct.body["properties"]["provisioningState"] = "Deleting"

        def done():
            self.disconnect_all(acct)
            self.remove(acct.id)

        op_ = self.start_op("cognitive", req, rid, on_success=done, location=acct.body.get("location"))
        return Response(202, None, self.lro_headers(req, op_, location=True))

    def h_cognitive_PrivateEndpointConnections_Get(self, req, op, params):
        return self._pec_get(req, op, params)

    def h_cognitive_PrivateEndpointConnections_List(self, req, op, params):
        return self._pec_list(req, op, params)

    def h_cognitive_PrivateEndpointConnections_CreateOrUpdate(self, req, op, params):
        return self._pec_put(req, op, params)

    def h_cognitive_PrivateEndpointConnections_Delete(self, req, op, params):
        return self._pec_delete(req, op, params)

    def h_cognitive_PrivateLinkResources_List(self, req, op, params):
        tid = self.item_id(op, params, len(op.segments) - 1)
        target = self.get(tid)
        if target is None:
            raise self.not_found(tid)
        return self.list_response([{"id": f"{target.id}/privateLinkResources/account", "name": "account",
                                    "type": f"{T_ACCOUNT}/privateLinkResources",
                                    "properties": {"groupId": "account", "requiredMembers": ["default"],
                                                   "requiredZoneNames": ["privatelink.cognitiveservices.azure.com"]}}])


def _monitors(namespace):
    def monitors(sub, rg, loc, opid, rid):
        base = f"/subscriptions/{sub}/providers/{namespace}/locations/{loc}"
        return f"{base}/operationStatuses/{opid}", f"{base}/operationResults/{opid}"
    return monitors


PROVIDER = Provider(
    "targets", TargetsRP, namespaces=("Microsoft.KeyVault", "Microsoft.CognitiveServices"),
    specs={"keyvault": ("2023-07-01", ["keyvault/resource-manager/Microsoft.KeyVault/stable/2023-07-01/keyvault.json"]),
           "cognitive": ("2023-05-01", ["cognitiveservices/resource-manager/Microsoft.CognitiveServices/stable/"
                                        "2023-05-01/cognitiveservices.json"])},
    renderers={T_VAULT: "render_vault", T_ACCOUNT: "render_account"},
    lro_styles={"keyvault": LroStyle(_monitors("Microsoft.KeyVault")),
                "cognitive": LroStyle(_monitors("Microsoft.CognitiveServices"))})
