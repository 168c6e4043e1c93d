"""Microsoft.Resources in the twin (hand-written, 2021-04-01; no swagger file is loaded for it):
the subscription, resource groups (GET/HEAD/PUT/PATCH/DELETE and the list; DELETE takes every
resource in the group with it, as a long-running operation answering 202 + Location) and the
provider registrations (`GET /subscriptions/{sub}/providers/{ns}`: the types and api-versions
of the swagger files the registered providers serve; Providers_Register `POST
/subscriptions/{sub}/providers/{ns}/register`). Every provider is Registered unless the fact
`unregistered_providers` names "{sub}/{namespace}" (FM-25): then it is NotRegistered until a
register call, which answers Registering and takes effect at once (Azure takes minutes)."""
from core import (ArmError, LroStyle, Provider, Res, Response, RESOURCES_API_VERSIONS, T_RG, norm_loc)


class ResourcesRP:
    def route_resources(self, req, sub, s, low):
        """The subscription, its groups and its provider registrations; None for anything deeper."""
        if len(s) == 2:
            self.need_version(req, RESOURCES_API_VERSIONS)
            return Response(200, {"id": f"/subscriptions/{sub}", "subscriptionId": sub,
                                  "tenantId": self.facts["tenant"], "displayName": "armtwin subscription",
                                  "state": "Enabled"})
        if low[2] == "resourcegroups" and len(s) <= 4:
            return self.resource_groups(req, sub, s[3] if len(s) == 4 else None)
        if low[2] == "providers" and len(s) == 4:
            return self.provider_info(req, sub, s[3])
        if low[2] == "providers" and len(s) == 5 and low[4] == "register":
            return self.provider_register(req, sub, s[3])
        return None

    def provider_registered(self, sub, ns):
        return f"{sub}/{ns}".lower() not in self.facts.get("unregistered_providers", set())

    def provider_register(self, req, sub, ns):
        self.need_version(req, RESOURCES_API_VERSIONS)
        if req.method != "POST":
            raise ArmError(405, "MethodNotAllowed", "Only POST registers a resource provider.")
        canonical = self.namespaces.get(ns.lower())
        if canonical is None or canonical == "Microsoft.Resources":
            raise ArmError(404, "InvalidResourceNamespace", f"The resource namespace '{ns}' is invalid.")
        if self.authorizer and req.principal is not None:
            self.authorizer.check(req, f"{canonical}/register/action", f"/subscriptions/{sub}")
        was = self.provider_registered(sub, canonical)
        self.facts["unregistered_providers"].discard(f"{sub}/{canonical}".lower())
        self.touch()
        body = self.provider_info(req, sub, ns).body
        body["registrationState"] = "Registered" if was else "Registering"
        return Response(200, body)

    def resource_groups(self, req, sub, name):
        self.need_version(req, RESOURCES_API_VERSIONS)
        if name is None:
            if req.method != "GET":
                raise ArmError(405, "MethodNotAllowed", "Only GET lists resource groups.")
            return self.list_response([self.render(r) for r in self.all_of(T_RG)
                                       if r.id.lower().startswith(f"/subscriptions/{sub}/".lower())])
        rid = f"/subscriptions/{sub}/resourceGroups/{name}"
        existing = self.get(rid)
        action = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}.get(req.method)
        if action is None:
            raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed on a resource group.")
        if self.authorizer and req.principal is not None:
            self.authorizer.check(req, f"Microsoft.Resources/subscriptions/resourceGroups/{action}",
                                  existing.id if existing else rid)
        if req.method in ("GET", "HEAD"):
            if existing is None:
                raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.",
                               headers={"x-ms-failure-cause": "gateway"})
            return Response(200 if req.method == "GET" else 204, self.render(existing) if req.method == "GET" else None)
        if req.method in ("PUT", "PATCH"):
            body = req.body if isinstance(req.body, dict) else None
            if req.body_error or body is None:
                raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.")
            unknown = set(body) - {"location", "tags", "managedBy", "properties", "id", "name", "type"}
            if unknown:
                raise ArmError(400, "InvalidRequestContent",
                               f"The request content was invalid: could not find member(s) {', '.join(sorted(unknown))}.")
            if req.method == "PATCH":
                if existing is None:
                    raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")
                if "tags" in body:
                    existing.body["tags"] = body["tags"] or {}
                self.touch()
                return Response(200, self.render(existing))
            loc = body.get("location")
            if not loc:
                raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
            if existing and norm_loc(existing.body["location"]) != norm_loc(loc):
                raise ArmError(409, "InvalidResourceGroupLocation",
                               f"Invalid resource group location '{norm_loc(loc)}'. The Resource group already "
                               f"exists in location '{existing.body['location']}'.")
            rg = existing or Res(rid, T_RG, {})
            rg.body = {"id": rg.id, "name": rg.id.split("/")[-1], "type": T_RG, "location": norm_loc(loc),
                       "tags": body.get("tags") or {}, "properties": {"provisioningState": "Succeeded"}}
            if body.get("managedBy"):
                rg.body["managedBy"] = body["managedBy"]
            self.put_res(rg)
            return Response(200 if existing else 201, self.render(rg))
        # DELETE: every resource in the group goes, as an LRO (202 + Location).
        if existing is None:
            return Response(204)
        existing.body["properties"]["provisioningState"] = "Deleting"
        prefix = existing.id.lower() + "/"

        def done():
            for k in [k for k in self.state if k.startswith(prefix) or k == existing.id.lower()]:
                self.state.pop(k, None)
            self.touch()

        op = self.start_op("resources", req, existing.id, on_success=done)
        return Response(202, None, self.lro_headers(req, op, location=True, asyncop=False))

    def provider_info(self, req, sub, ns):
        self.need_version(req, RESOURCES_API_VERSIONS)
        canonical = self.namespaces.get(ns.lower())
        if canonical is None or canonical == "Microsoft.Resources":
            raise ArmError(404, "ResourceNotFound" if canonical else "InvalidResourceNamespace",
                           f"The resource namespace '{ns}' is invalid.")
        types = {}
        for op in self.specs.operations:
            segs = op.segments
            try:
                i = [x.lower() for x in segs].index("providers")
            except ValueError:
                continue
            if segs[i + 1].lower() != ns.lower():
                continue
            chain = [segs[j] for j in range(i + 2, len(segs), 2) if not segs[j].startswith("{")]
            if chain:
                types.setdefault("/".join(chain), set()).add(op.version)
        return Response(200, {"id": f"/subscriptions/{sub}/providers/{canonical}", "namespace": canonical,
                              "registrationState": "Registered" if self.provider_registered(sub, canonical)
                              else "NotRegistered", "registrationPolicy": "RegistrationRequired",
                              "resourceTypes": [{"resourceType": t, "locations": ["West Europe"],
                                                 "apiVersions": sorted(v, reverse=True)}
                                                for t, v in sorted(types.items())]})

PROVIDER = Provider(
    "resources", ResourcesRP, namespaces=("Microsoft.Resources",),
    lro_styles={"resources": LroStyle(lambda sub, rg, loc, opid, rid: (f"/subscriptions/{sub}/operationStatuses/{opid}",
                                                                       f"/subscriptions/{sub}/operationresults/{opid}"))},
    routes=("route_resources",))
