"""Who owns a resource, as `vnetdiag fix` asks before it writes: management locks
(Microsoft.Authorization/locks) and deployment history (Microsoft.Resources/deployments). No swagger
file for either is in ../shared/azure-specs, so both are hand-modelled from the public REST reference
(ManagementLocks 2016-09-01, Deployments 2021-04-01), like rp_dnsresolver.py.

Locks, at any scope -- the subscription, a resource group, a resource:
`{scope}/providers/Microsoft.Authorization/locks/{name}?api-version=2016-09-01` (2020-05-01 has the
same shape). PUT {"properties": {"level": "CanNotDelete"|"ReadOnly", "notes"?, "owners"?}} -> 201
created / 200 updated; a missing or unknown level (NotSpecified included) is 400 InvalidRequestContent
naming properties.level; a scope that does not exist is 404. GET (404 LockNotFound), DELETE (200, 204
when there is none). `{scope}/providers/Microsoft.Authorization/locks` lists the locks at the scope
and everything below it (ManagementLocks_ListAtSubscriptionLevel / ListAtResourceGroupLevel /
ListAtResourceLevel), paged like every twin list. Items: {"id", "name", "type":
"Microsoft.Authorization/locks", "properties": {"level", "notes" (when given), "owners"}}.
Writing or deleting a lock needs Microsoft.Authorization/locks/write|delete: Owner and User Access
Administrator have them, Contributor's notActions exclude them.

Enforcement, as ARM does it (enforce_locks; arm.Arm._route calls it for every call under a
subscription, before any provider's route): a PUT, PATCH or writing POST on a path at or below a
ReadOnly lock's scope is 409 ScopeLocked "The scope '<path>' cannot perform write operation because
following scope(s) are locked: '<lock scope>'. Please remove the lock and try again."; a DELETE at or
below any lock's scope -- or above one, since the locked resource would go with it (a resource group,
a parent resource) -- is the same with "delete operation". Never blocked: GET and HEAD, POSTs that
only read (list*, check*, effective route table / NSGs, ...), and the lock operations themselves (a
scope can always be unlocked). RBAC comes first: a caller without the action gets its 403, not 409.

Deployments: Deployments_ListByResourceGroup `GET .../resourcegroups/{g}/providers/
Microsoft.Resources/deployments` (an empty list when there are none; paged) and Deployments_Get
(404 DeploymentNotFound). No template engine: a deployment is seeded -- world fact
`deployment:{json}` or POST /_twin/facts {"deployments": [...]}, each {"resource_group": group id,
"name", "output_resources": [ids], "tags"?} -- as a finished Incremental deployment (Succeeded, a
fixed timestamp, templateHash from its content, so answers are the same every run); PUT, DELETE
and POSTs on deployments are 501 NotImplementedInTwin. Deployments go with their group; they are
not Resource Graph rows (rp_resourcegraph skips them), locks are."""
import hashlib
import uuid

from core import ArmError, Provider, Res, Response, RESOURCES_API_VERSIONS, parse_id, type_of

T_LOCK = "Microsoft.Authorization/locks"
T_DEPLOYMENT = "Microsoft.Resources/deployments"
LOCK_VERSIONS = ("2016-09-01", "2020-05-01")
LEVELS = ("CanNotDelete", "ReadOnly")
DEPLOYMENT_TIMESTAMP = "2024-05-14T09:21:37.4471925Z"  # fixed: answers (and goldens) do not change per run
# POSTs that only read: never blocked by a ReadOnly lock (the last path segment, lower-case).
READ_POSTS = ("effectiveroutetable", "effectivenetworksecuritygroups", "ddosprotectionstatus", "iscloneable",
              "slotsdiffs", "containerlogs", "publishxml", "download", "validate")


def _post_reads(last):
    last = last.lower()
    return last.startswith("list") or last.startswith("check") or last in READ_POSTS


def locks_index(low):
    """Index of the `providers` segment of a path ending in .../providers/Microsoft.Authorization/
    locks[/{name}], or None."""
    for j in (len(low) - 3, len(low) - 4):
        if j >= 2 and low[j] == "providers" and low[j + 1] == "microsoft.authorization" and low[j + 2] == "locks":
            return j
    return None


def _under(path, scope):
    p, s = path.lower().rstrip("/"), scope.lower().rstrip("/")
    return p == s or p.startswith(s + "/")


class OwnershipRP:
    def route_ownership(self, req, sub, s, low):
        j = locks_index(low)
        if j is not None:
            return self._locks(req, sub, s, low, j)
        if len(s) in (7, 8) and low[2] == "resourcegroups" and low[4] == "providers" \
                and low[5] == "microsoft.resources" and low[6] == "deployments":
            return self._deployments(req, sub, s)
        return None

    def _ownership_check(self, req, action, scope):
        if self.authorizer and req.principal is not None:
            self.authorizer.check(req, action, scope)

    # -- locks ------------------------------------------------------------------------------------
    def _lock_scope(self, req, sub, s, low, j):
        """The canonical id of the scope a lock path names; 404 when it does not exist."""
        if j == 2:
            return f"/subscriptions/{sub}"
        if low[2] != "resourcegroups" or j < 4 or (j > 4 and low[4] != "providers"):
            raise ArmError(400, "InvalidResourceType",
                           f"The resource type could not be found in the namespace 'Microsoft.Authorization' for "
                           f"path '{req.path}'.")
        self.require_group(sub, s[3])
        if j == 4:
            return self.rg_res(sub, s[3]).id
        rid = "/" + "/".join(s[:j])
        res = self.get(rid)
        if res is None:
            raise self.not_found(rid)
        return res.id

    def _locks(self, req, sub, s, low, j):
        self.need_version(req, LOCK_VERSIONS)
        scope = self._lock_scope(req, sub, s, low, j)
        if len(s) == j + 3:
            if req.method != "GET":
                raise ArmError(405, "MethodNotAllowed", f"The method '{req.method}' is not allowed on a list.")
            self._ownership_check(req, f"{T_LOCK}/read", scope)
            return self.list_response([self.render(r) for r in self.locks_under(scope)])
        name = s[j + 3]
        rid = f"{scope}/providers/{T_LOCK}/{name}"
        existing = self.get(rid)
        if existing is not None:
            rid = existing.id
        verb = {"GET": "read", "PUT": "write", "DELETE": "delete"}.get(req.method)
        if verb is None:
            raise ArmError(405, "MethodNotAllowed", f"The method '{req.method}' is not allowed for {T_LOCK}.")
        self._ownership_check(req, f"{T_LOCK}/{verb}", rid)
        if req.method == "GET":
            if existing is None:
                raise ArmError(404, "LockNotFound", f"The lock '{name}' could not be found.")
            return Response(200, self.render(existing))
        if req.method == "DELETE":
            if existing is None:
                return Response(204)
            self.remove(existing.id)
            return Response(200)
        return self._lock_put(req, rid, name, scope, existing)

    def _lock_put(self, req, rid, name, scope, existing):
        body = req.body if isinstance(req.body, dict) else None
        if req.body_error or body is None:
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be "
                           f"deserialized: {req.body_error or 'a JSON object is required'}.")
        props = body.get("properties")
        if not isinstance(props, dict):
            raise ArmError(400, "InvalidRequestContent", "The 'properties' member is required.", target="properties")
        if len(name) > 260 or any(ch in name for ch in '<>%&:\\?/*'):
            raise ArmError(400, "InvalidLockName", f"The lock name '{name}' is invalid: at most 260 characters, "
                                                   "none of < > % & : \\ ? / *.")
        given = props.get("level")
        level = next((lv for lv in LEVELS if isinstance(given, str) and given.lower() == lv.lower()), None)
        if level is None:
            what = "is required" if given in (None, "") else f"'{given}' is invalid"
            raise ArmError(400, "InvalidRequestContent",
                           f"The lock level {what}. The supported lock levels are 'CanNotDelete, ReadOnly'.",
                           target="properties.level")
        notes = props.get("notes")
        if notes is not None and (not isinstance(notes, str) or len(notes) > 512):
            raise ArmError(400, "InvalidRequestContent", "The lock notes are a string of at most 512 characters.",
                           target="properties.notes")
        owners = props.get("owners") or []
        if not isinstance(owners, list) or not all(isinstance(o, dict) for o in owners):
            raise ArmError(400, "InvalidRequestContent", "The lock owners are a list of {\"applicationId\"}.",
                           target="properties.owners")
        out_props = {"level": level}
        if notes is not None:
            out_props["notes"] = notes
        out_props["owners"] = [{"applicationId": str(o.get("applicationId", ""))} for o in owners]
        out = {"id": rid, "name": rid.split("/")[-1], "type": T_LOCK, "properties": out_props}
        res = Res(rid, T_LOCK, out, effective=True, scope=scope)
        if existing is not None:
            res.meta["seq"] = existing.meta["seq"]
        self.put_res(res)
        self.lock_ids = getattr(self, "lock_ids", set()) | {rid.lower()}
        return Response(200 if existing else 201, self.render(res))

    def locks_under(self, scope):
        """The locks at `scope` and below it, in creation order."""
        return self.all_of(T_LOCK, scope)

    def locks_held(self):
        """Every lock, without the type index (which every write would rebuild: estate-scale): the ids
        ever written, less those gone (deleted, or with their scope, or by a world reset)."""
        held = [r for r in (self.get(k) for k in getattr(self, "lock_ids", ())) if r is not None and r.type == T_LOCK]
        self.lock_ids = {r.id.lower() for r in held}
        return held

    def enforce_locks(self, req, sub, s, low):
        """409 ScopeLocked when a lock stops this call (module docstring); arm.Arm._route asks it for
        every call under a subscription."""
        if req.method in ("GET", "HEAD", "OPTIONS") or locks_index(low) is not None:
            return
        if req.method == "POST" and _post_reads(s[-1]):
            return
        locks = self.locks_held()
        if not locks:
            return
        target = "/" + "/".join(s)
        delete = req.method == "DELETE"
        scopes = []
        for lock in locks:
            scope = lock.meta["scope"]
            hit = _under(target, scope) or (delete and _under(scope, target))
            if hit and (delete or lock.body["properties"]["level"] == "ReadOnly") and scope not in scopes:
                scopes.append(scope)
        if not scopes:
            return
        self._rbac_before_locks(req, s, low)
        existing = self.get(target)
        target = existing.id if existing is not None else target
        locked = ", ".join(f"'{x}'" for x in sorted(scopes))
        raise ArmError(409, "ScopeLocked",
                       f"The scope '{target}' cannot perform {'delete' if delete else 'write'} operation because "
                       f"following scope(s) are locked: {locked}. Please remove the lock and try again.")

    def _rbac_before_locks(self, req, s, low):
        """ARM authorizes a call before it looks at locks: a caller without the action gets 403."""
        if self.authorizer is None or req.principal is None:
            return
        if len(s) <= 4 and low[2:3] == ["resourcegroups"]:
            verb = {"PUT": "write", "PATCH": "write", "DELETE": "delete"}.get(req.method, "write")
            self.authorizer.check(req, f"Microsoft.Resources/subscriptions/resourceGroups/{verb}", "/" + "/".join(s))
            return
        if "providers" not in low:
            return
        op = next((o for o, _ in self.specs.match(None, req.segments) if o.method == req.method), None)
        self.authorizer.check(req, self.action_for(req, op), req.scope)

    # -- deployments --------------------------------------------------------------------------------
    def _deployments(self, req, sub, s):
        self.need_version(req, RESOURCES_API_VERSIONS)
        self.require_group(sub, s[3])
        rg = self.rg_res(sub, s[3])
        if len(s) == 7:
            if req.method != "GET":
                raise ArmError(405, "MethodNotAllowed", f"The method '{req.method}' is not allowed on a list.")
            self._ownership_check(req, f"{T_DEPLOYMENT}/read", rg.id)
            return self.list_response([self.render(r) for r in self.all_of(T_DEPLOYMENT, rg.id)])
        rid = f"{rg.id}/providers/{T_DEPLOYMENT}/{s[7]}"
        res = self.get(rid)
        if req.method != "GET":
            raise ArmError(501, "NotImplementedInTwin",
                           f"The ARM twin has no template engine: deployments are seeded (world fact "
                           f"'deployment:', POST /_twin/facts {{\"deployments\": [...]}}), not {req.method}.")
        self._ownership_check(req, f"{T_DEPLOYMENT}/read", res.id if res else rid)
        if res is None:
            raise ArmError(404, "DeploymentNotFound", f"Deployment '{s[7]}' could not be found.")
        return Response(200, self.render(res))

    def seed_deployment(self, spec):
        """A finished deployment in a group: {"resource_group": id, "name", "output_resources": [ids],
        "tags"?, "mode"?, "provisioning_state"?, "timestamp"?}. ValueError when the group is missing."""
        if not isinstance(spec, dict) or not spec.get("name") or not spec.get("resource_group"):
            raise ValueError(f"a deployment needs resource_group and name: {spec!r}")
        p = parse_id(spec["resource_group"])
        sub = self.sub_of(p["sub"])
        rg = self.rg_res(sub, p["rg"]) if sub and p["rg"] else None
        if rg is None:
            raise ValueError(f"deployment {spec['name']}: no resource group {spec['resource_group']}")
        rid = f"{rg.id}/providers/{T_DEPLOYMENT}/{spec['name']}"
        outputs = []
        for oid in spec.get("output_resources") or []:
            have = self.get(oid)
            outputs.append({"id": have.id if have is not None else oid})
        providers = {}
        for o in outputs:
            t = type_of(o["id"]) or ""
            ns, _, rtype = t.partition("/")
            if rtype:
                providers.setdefault(ns, [])
                if rtype not in providers[ns]:
                    providers[ns].append(rtype)
        digest = hashlib.sha256("|".join([spec["name"]] + [o["id"].lower() for o in outputs]).encode()).digest()
        where = [self.display_location(rg.body["location"])]
        body = {"id": rid, "name": spec["name"], "type": T_DEPLOYMENT,
                "properties": {"templateHash": str(int.from_bytes(digest[:8], "big")), "parameters": {},
                               "mode": spec.get("mode", "Incremental"),
                               "provisioningState": spec.get("provisioning_state", "Succeeded"),
                               "timestamp": spec.get("timestamp", DEPLOYMENT_TIMESTAMP), "duration": "PT48.2107311S",
                               "correlationId": str(uuid.uuid5(uuid.NAMESPACE_URL, "armtwin:deploy:" + rid.lower())),
                               "providers": [{"namespace": ns, "resourceTypes": [
                                   {"resourceType": t, "locations": where} for t in types]}
                                   for ns, types in providers.items()],
                               "dependencies": [], "outputResources": outputs}}
        if spec.get("tags") is not None:
            body["tags"] = dict(spec["tags"])
        existing = self.get(rid)
        res = Res(rid, T_DEPLOYMENT, body, effective=True)
        if existing is not None:
            res.meta["seq"] = existing.meta["seq"]
        self.put_res(res)
        return res


PROVIDER = Provider("ownership", OwnershipRP, routes=("route_ownership",))
