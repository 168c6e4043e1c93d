"""Azure Policy, as `vnetdiag fix` reads it before it writes (issue 16) and as ARM enforces it:
policy assignments at subscription, resource-group or resource scope, policy definitions and
policy set definitions (initiatives). No swagger file for Microsoft.Authorization policy is in
../shared/azure-specs: hand-modelled from the public REST reference (Policy 2023-04-01; 2021-06-01
and 2022-06-01 have the same shapes), like rp_ownership.py.

Assignments: `{scope}/providers/Microsoft.Authorization/policyAssignments/{name}` -- PUT
{"properties": {"policyDefinitionId" (a definition or a set, which must exist), "displayName"?,
"parameters"? ({name: {"value"}}), "enforcementMode"? ("Default" | "DoNotEnforce"), "notScopes"?}}
-> 201 created / 200 updated; GET (404 PolicyAssignmentNotFound), DELETE (200 with the body, 204
when there is none). The list `{scope}/providers/Microsoft.Authorization/policyAssignments` takes
$filter as ARM does: none -- the assignments at the scope, above it and below it; `atScope()` --
at the scope and above (inherited: a subscription's assignments show in its groups' lists);
`atExactScope()` -- at the scope only; `policyDefinitionId eq '{id}'` -- those of one definition
that apply at the scope. Anything else is 400 InvalidFilterInQueryString. No management groups.

Definitions: built-in ones (BUILTIN_DEFINITIONS, BUILTIN_SETS, fixed; the names are GUIDs as
Azure's are, made up for the twin) at `/providers/Microsoft.Authorization/policyDefinitions/{guid}`
and `.../policySetDefinitions/{guid}` -- GET only; custom ones under a subscription,
`/subscriptions/{sub}/providers/Microsoft.Authorization/policy[Set]Definitions/{name}` -- PUT, GET,
DELETE (a built-in name is also answered there, as ARM does). 404 PolicyDefinitionNotFound /
PolicySetDefinitionNotFound. Writing policy needs Microsoft.Authorization/policyAssignments/write
(and policyDefinitions/write): Contributor's notActions exclude them; reading is */read.

Enforcement (enforce_policy; the first route, so before any provider's own handling, after locks):
a PUT or PATCH of a resource whose type an enforced (enforcementMode Default) assignment's
definition -- or a member of its set -- matches, with effect deny, at or above the resource's scope
and not under one of its notScopes, is 403 RequestDisallowedByPolicy: "Resource '<name>' was
disallowed by policy. Policy identifiers: '[{"policyAssignment":{"name","id"},"policyDefinition":
{"name","id"}}]'." with target = the resource's name and additionalInfo [{"type":
"PolicyViolation", "info": {...}}], as ARM answers it. A delete under effect denyAction (actionNames
["delete"]) is the same. Only the `if` condition's `field: "type"` clauses are evaluated (equals,
notEquals, in, notIn, like, notLike; allOf, anyOf, not): a rule with other conditions is enforced
only when the type clauses alone decide it, so a twin world states its deny rules by type. Effects
modify, append and deployIfNotExists are not carried out (fix refuses before it writes), audit
never stops anything. RBAC comes first: a caller without the action gets its 403 AuthorizationFailed.
Policy objects are no Resource Graph `resources` rows in Azure (they are `policyresources`); the
reader never queries their types."""
import copy
import fnmatch
import json
import re

from core import ArmError, Provider, Res, Response

T_ASSIGNMENT = "Microsoft.Authorization/policyAssignments"
T_DEFINITION = "Microsoft.Authorization/policyDefinitions"
T_SET = "Microsoft.Authorization/policySetDefinitions"
POLICY_VERSIONS = ("2023-04-01", "2022-06-01", "2021-06-01")
KINDS = {"policyassignments": T_ASSIGNMENT, "policydefinitions": T_DEFINITION, "policysetdefinitions": T_SET}
_PARAM = re.compile(r"^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$", re.IGNORECASE)

BUILTIN_DENY_LINKS = "5d3e1f0a-7c2b-4a8e-9f61-2b4c8d0e6a13"
BUILTIN_AUDIT_LINKS = "9b2a6c41-0e5d-4f37-8a19-c6d2e4f80b75"
BUILTIN_DENY_PUBLIC_ACCESS = "1e8c0f5b-3a6d-4b92-b7e4-58f1a0c2d396"
BUILTIN_NETWORK_SET = "c4f7a2e9-61b3-4d08-9e5c-0a7b3f8d2e41"
BUILTIN_TAG_LINKS = "7a0d3b8e-2f14-4c6a-b95e-e31c7f9a0d52"


class PolicyViolation(ArmError):
    """ARM's error body with additionalInfo, as a policy refusal carries it."""

    def __init__(self, *args, additional_info=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.additional_info = additional_info or []

    def body(self):
        out = super().body()
        out["error"]["additionalInfo"] = copy.deepcopy(self.additional_info)
        return out


def _effect_param(default, allowed):
    return {"effect": {"type": "String", "metadata": {"displayName": "Effect"}, "allowedValues": list(allowed),
                       "defaultValue": default}}


def _builtin(name, display, rule, parameters=None, kind=T_DEFINITION):
    return {"id": f"/providers/{kind}/{name}", "name": name, "type": kind,
            "properties": {"displayName": display, "policyType": "BuiltIn", "mode": "All",
                           "description": display + ".", "metadata": {"category": "Network", "version": "1.0.0"},
                           "version": "1.0.0", "parameters": parameters or {}, "policyRule": rule}}


LINKS_TYPE = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
BUILTIN_DEFINITIONS = {d["name"]: d for d in (
    _builtin(BUILTIN_DENY_LINKS, "Private DNS zones should not be linked to virtual networks outside the hub",
             {"if": {"field": "type", "equals": LINKS_TYPE}, "then": {"effect": "[parameters('effect')]"}},
             _effect_param("Audit", ("Audit", "Deny", "Disabled"))),
    _builtin(BUILTIN_AUDIT_LINKS, "Audit private DNS zone virtual network links",
             {"if": {"allOf": [{"field": "type", "equals": LINKS_TYPE}]}, "then": {"effect": "audit"}}),
    _builtin(BUILTIN_DENY_PUBLIC_ACCESS, "Deny public network access",
             {"if": {"allOf": [{"field": "type", "in": ["Microsoft.KeyVault/vaults",
                                                         "Microsoft.CognitiveServices/accounts"]},
                               {"field": "Microsoft.KeyVault/vaults/publicNetworkAccess", "notEquals": "Disabled"}]},
              "then": {"effect": "[parameters('effect')]"}},
             _effect_param("Deny", ("Audit", "Deny", "Disabled"))),
    _builtin(BUILTIN_TAG_LINKS, "Add a cost-center tag to private DNS zone links",
             {"if": {"field": "type", "equals": LINKS_TYPE},
              "then": {"effect": "modify", "details": {
                  "roleDefinitionIds": ["/providers/Microsoft.Authorization/roleDefinitions/"
                                        "b24988ac-6180-42a0-ab88-20f7382dd24c"],
                  "operations": [{"operation": "addOrReplace", "field": "tags['cost-center']",
                                  "value": "[parameters('costCenter')]"}]}}},
             {"costCenter": {"type": "String", "defaultValue": "platform"}}),
)}
BUILTIN_SETS = {BUILTIN_NETWORK_SET: {
    "id": f"/providers/{T_SET}/{BUILTIN_NETWORK_SET}", "name": BUILTIN_NETWORK_SET, "type": T_SET,
    "properties": {"displayName": "Private DNS guardrails", "policyType": "BuiltIn",
                   "metadata": {"category": "Network", "version": "1.0.0"},
                   "parameters": {"linkEffect": {"type": "String", "defaultValue": "Audit",
                                                 "allowedValues": ["Audit", "Deny", "Disabled"]}},
                   "policyDefinitions": [
                       {"policyDefinitionReferenceId": "denyLinks",
                        "policyDefinitionId": f"/providers/{T_DEFINITION}/{BUILTIN_DENY_LINKS}",
                        "parameters": {"effect": {"value": "[parameters('linkEffect')]"}}},
                       {"policyDefinitionReferenceId": "auditLinks",
                        "policyDefinitionId": f"/providers/{T_DEFINITION}/{BUILTIN_AUDIT_LINKS}",
                        "parameters": {}}]}}}


def policy_index(low):
    """(index of the `providers` segment, resource type) of a path ending in .../providers/
    Microsoft.Authorization/policy{Assignments,Definitions,SetDefinitions}[/{name}], or None."""
    for j in (len(low) - 3, len(low) - 4):
        if j >= 0 and low[j] == "providers" and low[j + 1] == "microsoft.authorization" and low[j + 2] in KINDS:
            return j, KINDS[low[j + 2]]
    return None


def _under(path, scope):
    p, s = path.lower().rstrip("/"), scope.lower().rstrip("/")
    return p == s or p.startswith(s + "/")


def param_ref(value):
    """'effect' for "[parameters('effect')]", else None."""
    m = _PARAM.match(value.strip()) if isinstance(value, str) else None
    return m.group(1) if m else None


def resolve(value, supplied, declared):
    """A value that may be a parameter reference: the supplied value, else the declared default."""
    name = param_ref(value)
    if name is None:
        return value
    for k, v in (supplied or {}).items():
        if k.lower() == name.lower() and isinstance(v, dict) and "value" in v:
            return v["value"]
    for k, v in (declared or {}).items():
        if k.lower() == name.lower() and isinstance(v, dict):
            return v.get("defaultValue")
    return None


def type_matches(cond, rtype, params, declared):
    """True/False when the condition's type clauses decide it for `rtype`, None when they cannot."""
    if not isinstance(cond, dict):
        return None
    for k, v in cond.items():
        if k.lower() in ("allof", "anyof") and isinstance(v, list) and v:
            got = [type_matches(c, rtype, params, declared) for c in v]
            if k.lower() == "allof":
                return False if False in got else (True if all(g is True for g in got) else None)
            return True if True in got else (False if all(g is False for g in got) else None)
    for k, v in cond.items():
        if k.lower() == "not":
            got = type_matches(v, rtype, params, declared)
            return None if got is None else not got
    field = next((v for k, v in cond.items() if k.lower() == "field"), None)
    if not isinstance(field, str) or field.lower() != "type":
        return None
    t = rtype.lower()
    for k, v in cond.items():
        op, v = k.lower(), resolve(v, params, declared)
        if op in ("equals", "notequals") and isinstance(v, str):
            return (t == v.lower()) == (op == "equals")
        if op in ("in", "notin") and isinstance(v, list):
            return any(isinstance(x, str) and t == x.lower() for x in v) == (op == "in")
        if op in ("like", "notlike") and isinstance(v, str):
            return fnmatch.fnmatchcase(t, v.lower()) == (op == "like")
    return None


class PolicyRP:
    def route_policy(self, req, sub, s, low):
        self.enforce_policy(req, sub, s, low)
        hit = policy_index(low)
        if hit is None:
            return None
        j, kind = hit
        self.need_version(req, POLICY_VERSIONS)
        if kind == T_ASSIGNMENT:
            return self._assignments(req, sub, s, low, j)
        if j != 2:
            raise ArmError(400, "InvalidResourceType", f"Policy definitions live at a subscription (or the tenant), "
                                                       f"not at '{req.path}'.")
        return self._definitions(req, sub, s, kind)

    def tenant_policy(self, req, s, low):
        hit = policy_index(low)
        if hit is None or hit[0] != 0 or len(s) != 4:
            return None
        self.need_version(req, POLICY_VERSIONS)
        if req.method != "GET":
            raise ArmError(403, "AuthorizationFailed", "Built-in policy definitions cannot be changed.")
        found = self.policy_builtin(hit[1], s[3])
        if found is None:
            raise self._definition_missing(hit[1], s[3])
        return Response(200, found)

    def _policy_check(self, req, action, scope):
        if self.authorizer and req.principal is not None:
            self.authorizer.check(req, action, scope)

    @staticmethod
    def policy_builtin(kind, name):
        table = BUILTIN_DEFINITIONS if kind == T_DEFINITION else BUILTIN_SETS
        found = next((v for k, v in table.items() if k.lower() == name.lower()), None)
        return copy.deepcopy(found) if found else None

    @staticmethod
    def _definition_missing(kind, name):
        code = "PolicyDefinitionNotFound" if kind == T_DEFINITION else "PolicySetDefinitionNotFound"
        what = "policy definition" if kind == T_DEFINITION else "policy set definition"
        return ArmError(404, code, f"The {what} '{name}' could not be found.")

    def policy_object(self, rid):
        """A definition or set by id (built-in or custom), or None."""
        low = [x.lower() for x in rid.split("/") if x]
        hit = policy_index(low)
        if hit is None or hit[1] == T_ASSIGNMENT or len(low) != hit[0] + 4:
            return None
        name = rid.rstrip("/").split("/")[-1]
        if hit[0] == 0:
            return self.policy_builtin(hit[1], name)
        res = self.get(rid)
        if res is not None:
            return copy.deepcopy(res.body)
        return self.policy_builtin(hit[1], name) if hit[0] == 2 else None

    # -- definitions ---------------------------------------------------------------------------------
    def _definitions(self, req, sub, s, kind):
        scope = f"/subscriptions/{sub}"
        if len(s) == 5:
            if req.method != "GET":
                raise ArmError(405, "MethodNotAllowed", f"The method '{req.method}' is not allowed on a list.")
            self._policy_check(req, f"{kind}/read", scope)
            table = BUILTIN_DEFINITIONS if kind == T_DEFINITION else BUILTIN_SETS
            return self.list_response([copy.deepcopy(v) for v in table.values()] +
                                      [self.render(r) for r in self.all_of(kind, scope)])
        name = s[5]
        rid = f"{scope}/providers/{kind}/{name}"
        verb = {"GET": "read", "PUT": "write", "DELETE": "delete"}.get(req.method)
        if verb is None:
            raise ArmError(405, "MethodNotAllowed", f"The method '{req.method}' is not allowed for {kind}.")
        self._policy_check(req, f"{kind}/{verb}", rid)
        existing = self.get(rid)
        if req.method == "GET":
            found = self.policy_object(rid)
            if found is None:
                raise self._definition_missing(kind, name)
            return Response(200, found)
        if req.method == "DELETE":
            if existing is None:
                return Response(204)
            self.remove(existing.id)
            return Response(200)
        props = self._policy_props(req)
        if kind == T_DEFINITION:
            rule = props.get("policyRule")
            if not isinstance(rule, dict) or not isinstance(rule.get("if"), dict) \
                    or not isinstance(rule.get("then"), dict):
                raise ArmError(400, "InvalidPolicyRule", "The policy rule needs an 'if' condition and a 'then' "
                                                         "with its effect.", target="properties.policyRule")
        else:
            members = props.get("policyDefinitions")
            if not isinstance(members, list) or not members:
                raise ArmError(400, "InvalidPolicySetDefinitionRequest", "A policy set definition needs at least "
                                                                         "one policy definition.")
            for m in members:
                mid = (m or {}).get("policyDefinitionId") if isinstance(m, dict) else None
                if not isinstance(mid, str) or self.policy_object(mid) is None:
                    raise ArmError(404, "PolicyDefinitionNotFound", f"The policy definition '{mid}' could not be "
                                                                    "found.")
        out = {"id": rid, "name": name, "type": kind,
               "properties": dict(copy.deepcopy(props), policyType="Custom")}
        out["properties"].setdefault("parameters", {})
        if kind == T_DEFINITION:
            out["properties"].setdefault("mode", "All")
        return self._policy_store(rid, kind, out, existing, scope)

    def _policy_props(self, req):
        body = req.body if isinstance(req.body, dict) else None
        if req.body_error or body is None:
            raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be "
                           f"deserialized: {req.body_error or 'a JSON object is required'}.")
        props = body.get("properties")
        if not isinstance(props, dict):
            raise ArmError(400, "InvalidRequestContent", "The 'properties' member is required.", target="properties")
        return props

    def _policy_store(self, rid, kind, body, existing, scope):
        res = Res(rid, kind, body, effective=True, scope=scope)
        if existing is not None:
            res.meta["seq"] = existing.meta["seq"]
        self.put_res(res)
        if kind == T_ASSIGNMENT:
            self.assignment_ids = getattr(self, "assignment_ids", set()) | {rid.lower()}
        return Response(200 if existing else 201, self.render(res))

    # -- assignments ---------------------------------------------------------------------------------
    def _assignment_scope(self, req, sub, s, low, j):
        if j == 2:
            return f"/subscriptions/{sub}"
        if low[2] != "resourcegroups" or j < 4 or (j > 4 and low[4] != "providers"):
            raise ArmError(400, "InvalidResourceType", f"The resource type could not be found in the namespace "
                                                       f"'Microsoft.Authorization' for path '{req.path}'.")
        self.require_group(sub, s[3])
        if j == 4:
            return self.rg_res(sub, s[3]).id
        rid = "/" + "/".join(s[:j])
        res = self.get(rid)
        if res is None:
            raise self.not_found(rid)
        return res.id

    def _assignments(self, req, sub, s, low, j):
        scope = self._assignment_scope(req, sub, s, low, j)
        if len(s) == j + 3:
            if req.method != "GET":
                raise ArmError(405, "MethodNotAllowed", f"The method '{req.method}' is not allowed on a list.")
            self._policy_check(req, f"{T_ASSIGNMENT}/read", scope)
            return self.list_response([self.render(r) for r in self._filtered(req, scope)])
        name = s[j + 3]
        rid = f"{scope}/providers/{T_ASSIGNMENT}/{name}"
        existing = self.get(rid)
        if existing is not None:
            rid = existing.id
        verb = {"GET": "read", "PUT": "write", "DELETE": "delete"}.get(req.method)
        if verb is None:
            raise ArmError(405, "MethodNotAllowed", f"The method '{req.method}' is not allowed for {T_ASSIGNMENT}.")
        self._policy_check(req, f"{T_ASSIGNMENT}/{verb}", rid)
        if req.method == "GET":
            if existing is None:
                raise ArmError(404, "PolicyAssignmentNotFound", f"The policy assignment '{name}' is not found.")
            return Response(200, self.render(existing))
        if req.method == "DELETE":
            if existing is None:
                return Response(204)
            self.remove(existing.id)
            return Response(200, self.render(existing))
        props = self._policy_props(req)
        did = props.get("policyDefinitionId")
        if not isinstance(did, str) or self.policy_object(did) is None:
            raise ArmError(404, "PolicyDefinitionNotFound", f"The policy definition '{did}' could not be found.",
                           target="properties.policyDefinitionId")
        mode = props.get("enforcementMode", "Default")
        mode = next((m for m in ("Default", "DoNotEnforce") if isinstance(mode, str) and mode.lower() == m.lower()),
                    None)
        if mode is None:
            raise ArmError(400, "InvalidRequestContent", "enforcementMode is 'Default' or 'DoNotEnforce'.",
                           target="properties.enforcementMode")
        not_scopes = props.get("notScopes") or []
        params = props.get("parameters") or {}
        if not isinstance(not_scopes, list) or not all(isinstance(x, str) for x in not_scopes) \
                or not isinstance(params, dict):
            raise ArmError(400, "InvalidRequestContent", "notScopes is a list of ids; parameters an object of "
                                                         "{name: {\"value\"}}.")
        out_props = {"displayName": props.get("displayName", name), "policyDefinitionId": self.policy_object(did)["id"],
                     "definitionVersion": "1.*.*", "scope": scope, "notScopes": list(not_scopes),
                     "parameters": copy.deepcopy(params), "enforcementMode": mode}
        for k in ("description", "metadata", "nonComplianceMessages"):
            if k in props:
                out_props[k] = copy.deepcopy(props[k])
        out = {"id": rid, "name": name, "type": T_ASSIGNMENT, "properties": out_props}
        return self._policy_store(rid, T_ASSIGNMENT, out, existing, scope)

    def assignments_held(self):
        held = [r for r in (self.get(k) for k in getattr(self, "assignment_ids", ())) if r is not None
                and r.type == T_ASSIGNMENT]
        self.assignment_ids = {r.id.lower() for r in held}
        return sorted(held, key=lambda r: r.meta["seq"])

    def _filtered(self, req, scope):
        raw = (req.query.get("$filter") or "").strip()
        f = raw.lower().replace(" ", "")
        held = self.assignments_held()
        if not f:
            return [r for r in held if _under(scope, r.meta["scope"]) or _under(r.meta["scope"], scope)]
        if f == "atscope()":
            return [r for r in held if _under(scope, r.meta["scope"])]
        if f == "atexactscope()":
            return [r for r in held if r.meta["scope"].lower() == scope.lower()]
        m = re.match(r"^policydefinitionid\s+eq\s+'([^']+)'$", raw, re.IGNORECASE)
        if m:
            return [r for r in held if _under(scope, r.meta["scope"])
                    and r.body["properties"]["policyDefinitionId"].lower() == m.group(1).lower()]
        raise ArmError(400, "InvalidFilterInQueryString", f"The filter '{raw}' is not supported. Valid values: "
                                                          "atScope(), atExactScope(), policyDefinitionId eq '{id}'.")

    # -- enforcement ---------------------------------------------------------------------------------
    def effects_of(self, assignment):
        """[(definition, effect lower-case, reference id or None, set id or None)] of an assignment."""
        props = assignment.body["properties"]
        top = self.policy_object(props["policyDefinitionId"])
        if top is None:
            return []
        supplied = props.get("parameters") or {}
        if top["type"] == T_DEFINITION:
            pairs = [(top, supplied, None, None)]
        else:
            pairs = []
            declared = top["properties"].get("parameters") or {}
            for m in top["properties"].get("policyDefinitions") or []:
                member = self.policy_object(m.get("policyDefinitionId", ""))
                if member is None:
                    continue
                values = {k: {"value": resolve((v or {}).get("value"), supplied, declared)}
                          for k, v in (m.get("parameters") or {}).items()}
                pairs.append((member, values, m.get("policyDefinitionReferenceId"), top["id"]))
        out = []
        for d, values, ref, set_id in pairs:
            effect = resolve(d["properties"]["policyRule"]["then"].get("effect"), values,
                             d["properties"].get("parameters"))
            if isinstance(effect, str):
                out.append((d, values, effect.lower(), ref, set_id))
        return out

    def enforce_policy(self, req, sub, s, low):
        """403 RequestDisallowedByPolicy when an enforced deny (or denyAction, for a delete) stops
        this call (module docstring)."""
        if req.method not in ("PUT", "PATCH", "DELETE") or "providers" not in low or policy_index(low) is not None \
                or "microsoft.authorization" in low:
            return
        i = low.index("providers")
        rest = s[i + 2:]
        if len(rest) < 2 or len(rest) % 2:
            return
        rtype = "/".join([s[i + 1]] + [rest[k] for k in range(0, len(rest), 2)])
        target = "/" + "/".join(s)
        for a in self.assignments_held():
            props = a.body["properties"]
            if props.get("enforcementMode") == "DoNotEnforce" or not _under(target, a.meta["scope"]) \
                    or any(_under(target, x) for x in props.get("notScopes") or []):
                continue
            for d, values, effect, ref, set_id in self.effects_of(a):
                wanted = "denyaction" if req.method == "DELETE" else "deny"
                if effect != wanted:
                    continue
                if type_matches(d["properties"]["policyRule"]["if"], rtype, values,
                                d["properties"].get("parameters")) is not True:
                    continue
                self._rbac_before_locks(req, s, low)
                self._disallowed(target, a, d, effect, ref, set_id)

    @staticmethod
    def _disallowed(target, a, d, effect, ref, set_id):
        name = target.rstrip("/").split("/")[-1]
        props = a.body["properties"]
        ident = [{"policyAssignment": {"name": props.get("displayName") or a.body["name"], "id": a.body["id"]},
                  "policyDefinition": {"name": d["properties"].get("displayName") or d["name"], "id": d["id"]}}]
        if set_id:
            ident[0]["policySetDefinition"] = {"name": set_id.split("/")[-1], "id": set_id}
        info = {"policyDefinitionId": d["id"], "policyDefinitionName": d["name"],
                "policyDefinitionDisplayName": d["properties"].get("displayName", ""),
                "policyDefinitionEffect": effect, "policyAssignmentId": a.body["id"],
                "policyAssignmentName": a.body["name"],
                "policyAssignmentDisplayName": props.get("displayName", ""),
                "policyAssignmentScope": props["scope"], "policyAssignmentParameters": props.get("parameters") or {},
                "policyExemptionIds": []}
        if set_id:
            info.update(policySetDefinitionId=set_id, policySetDefinitionName=set_id.split("/")[-1],
                        policyDefinitionReferenceId=ref or "")
        raise PolicyViolation(403, "RequestDisallowedByPolicy",
                       f"Resource '{name}' was disallowed by policy. Policy identifiers: "
                       f"'{json.dumps(ident, separators=(',', ':'))}'.", target=name,
                       additional_info=[{"type": "PolicyViolation", "info": info}])


PROVIDER = Provider("policy", PolicyRP, routes=("route_policy",), tenant_routes=("tenant_policy",))
