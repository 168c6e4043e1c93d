"""The ARM twin's resource manager: state, routing, contract checks.

Arm.handle(Request) -> Response is the whole ARM surface; it knows nothing about HTTP
sockets (server.py), tokens (identity.py) or the lab (labsync.py). Resource-provider
behaviour lives in the rp_*.py modules registered in providers.py, mixed into Arm; this module
has what they share: ids, etags, routing to the provider that serves a swagger operation,
validation against the official swagger, If-Match/If-None-Match, errors in each provider's
shape and linked authorization checks. Long-running operations: lro.py.
"""
import copy
import json
import threading
import urllib.parse
import uuid

import providers
import swagger
from core import (ArmError, DISPLAY_LOCATIONS, Request, Response, drop_nulls, etag_eq, iso, norm_loc, parent_of,
                  parse_id, plain, utcnow, web_error)
from lro import LroMixin


class Arm(LroMixin, *(p.mixin for p in providers.PROVIDERS)):
    namespaces = providers.namespaces()
    lro_styles = providers.merged("lro_styles")
    error_shapes = providers.merged("error_shapes")
    spec_headers = providers.merged("headers")
    routes = tuple(r for p in providers.PROVIDERS for r in p.routes)
    tenant_routes = tuple(r for p in providers.PROVIDERS for r in p.tenant_routes)
    renderer_names = providers.merged("renderers")

    def __init__(self, specs=None, *, subscription, tenant, lro_seconds=1.0, retry_after=1,
                 faults=None, default_location="westeurope", page_size=100):
        self.specs = specs or swagger.Specs()
        self.lock = threading.RLock()
        self.state = {}
        self.ops = {}
        self.op_paths = {}
        self.faults = faults
        self.config = {"lro_seconds": float(lro_seconds), "retry_after": int(retry_after),
                       "page_size": int(page_size)}
        self.current = None         # the request being handled (lists page with its URL)
        self.default_location = default_location
        self.version = 0            # bumped on every state change
        self.facts = {
            "subscriptions": {subscription.lower(): subscription},
            "tenant": tenant,
            "manual_approval": set(),     # lower ids of targets that need manual approval
            "unregistered_providers": set(),  # lower "{subscription}/{namespace}" not registered (FM-25)
            "external": {},               # lower id -> id of resources that exist outside the twin
            "dns_servers": {},            # address -> {"forwards_to_azure_dns": bool}
            "outbound_address": "198.51.100.7",
            "app_principal": None,        # object id of the site's system-assigned identity
            # "frozen": the app's process keeps the environment and network view it had when this was
            # set (it has not restarted since); POST .../sites/{name}/restart makes it "running" again.
            "app_process": "running",
            "no_role_subscriptions": set(),  # lower ids: reader/fixer get no role there (hub-read-forbidden)
            "resource_graph": "on",        # "off": Resource Graph answers 403 (the reader falls back)
            "resource_graph_quota": {},    # {"quota": n, "window_seconds": s} (default 15 per 5 s)
            "site_outbound_routing": {},   # outboundVnetRouting of the site (newer api-versions' property)
        }
        self.counters = {"reads": 11999, "writes": 1199, "deletes": 14999}
        self.listeners = []
        self.authorizer = None      # callable(principal, action, scope) -> bool (server sets it)

    # -- state helpers -----------------------------------------------------------------------
    def get(self, rid):
        return self.state.get((rid or "").rstrip("/").lower())

    def put_res(self, res):
        self.state[res.id.lower()] = res
        self.touch()

    def remove(self, rid):
        self.state.pop(rid.lower(), None)
        self.touch()

    def touch(self):
        self.version += 1

    def children(self, parent_id, rtype):
        prefix = parent_id.lower().rstrip("/") + "/"
        depth = len([s for s in parent_id.split("/") if s]) + 2
        return [r for r in self._by_type(rtype)
                if r.id.lower().startswith(prefix) and len([s for s in r.id.split("/") if s]) == depth]

    def all_of(self, rtype, under=None):
        prefix = (under or "").lower().rstrip("/")
        return [r for r in self._by_type(rtype) if not prefix or r.id.lower().startswith(prefix + "/")]

    def _by_type(self, rtype):
        """Resources of a type in creation order; the index is rebuilt when the state's membership
        changed (every add and remove goes through put_res/remove or pops then touches, which bumps
        version) -- estate-scale asks this thousands of times per rendering."""
        key = (self.version, len(self.state))
        if getattr(self, "_type_index_key", None) != key:
            index = {}
            for r in self.state.values():
                index.setdefault(r.type.lower(), []).append(r)
            for rs in index.values():
                rs.sort(key=lambda r: r.meta["seq"])
            self._type_index, self._type_index_key = index, key
        return self._type_index.get(rtype.lower(), [])

    def exists_or_external(self, rid):
        return self.get(rid) is not None or (rid or "").lower() in self.facts["external"]

    def new_etag(self, style):
        if style == "weak":
            return f'W/"{uuid.uuid4()}"'
        if style == "guid":
            return str(uuid.uuid4())
        if style == "cs":
            ts = utcnow().strftime("%Y-%m-%dT%H%%3A%M%%3A%S.%f") + "0Z"
            return f'W/"datetime\'{ts}\'"'
        return '"' + uuid.uuid4().hex[:16].upper() + '"'

    def system_data(self, req, existing=None):
        who = req.principal.name if req.principal else "armtwin"
        kind = "Application" if req.principal else "User"
        now = iso()
        sd = copy.deepcopy(existing) if existing else {"createdBy": who, "createdByType": kind, "createdAt": now}
        sd.update({"lastModifiedBy": who, "lastModifiedByType": kind, "lastModifiedAt": now})
        return sd

    def sub_of(self, text):
        return self.facts["subscriptions"].get((text or "").lower())

    def rg_res(self, sub, rg):
        return self.get(f"/subscriptions/{sub}/resourceGroups/{rg}")

    def display_location(self, loc):
        return DISPLAY_LOCATIONS.get(norm_loc(loc), loc)

    # -- request plumbing --------------------------------------------------------------------
    def handle(self, req):
        with self.lock:
            self.tick()
            self.current = req
            try:
                resp = self._route(req)
            except ArmError as e:
                headers = dict(e.headers)
                resp = Response(e.status, e.body(), headers, error_code=e.code)
            self.tick()
            return resp

    def _route(self, req):
        s = req.segments
        low = [x.lower() for x in s]
        op = self.op_paths.get("/" + "/".join(low))
        if op is not None and req.method == "GET":
            return self.op_status(req, *op)
        if s and low[0] == "providers":   # tenant-level paths (Resource Graph)
            for route in self.tenant_routes:
                resp = getattr(self, route)(req, s, low)
                if resp is not None:
                    return resp
        if not s or low[0] != "subscriptions":
            raise ArmError(404, "NotFound", f"The requested path '{req.path}' is not an ARM resource path.")
        if len(s) < 2:
            raise ArmError(404, "NotFound", "No subscription in the path.")
        sub = self.sub_of(s[1])
        if sub is None:
            raise ArmError(404, "SubscriptionNotFound", f"The subscription '{s[1]}' could not be found.",
                           headers={"x-ms-failure-cause": "gateway"})
        self.enforce_locks(req, sub, s, low)   # management locks (rp_ownership.py): 409 ScopeLocked
        for route in self.routes:     # the providers' own paths (subscription, groups, permissions)
            resp = getattr(self, route)(req, sub, s, low)
            if resp is not None:
                return resp
        if low[2] == "resourcegroups":
            self.require_group(sub, s[3])
            if len(s) >= 6 and low[4] == "providers" and low[5] not in self.namespaces:
                raise ArmError(400, "InvalidResourceNamespace", f"The resource namespace '{s[5]}' is invalid.")
        elif low[2] == "providers":
            if low[3] not in self.namespaces:
                raise ArmError(400, "InvalidResourceNamespace", f"The resource namespace '{s[3]}' is invalid.")
        return self.swagger_route(req)

    def require_group(self, sub, name):
        if self.rg_res(sub, name) is None:
            raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.",
                           headers={"x-ms-failure-cause": "gateway"})

    def need_version(self, req, versions):
        v = req.api_version
        if not v:
            raise ArmError(400, "MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) is required for all requests.")
        if v not in versions:
            raise ArmError(400, "InvalidApiVersionParameter",
                           f"The api-version '{v}' is invalid. The supported versions are "
                           f"'{','.join(versions)}'.")

    def swagger_route(self, req):
        matches = self.specs.match(None, req.segments)
        if not matches:
            ns = next((x for x in req.segments[req.segments.index(next(
                (p for p in req.segments if p.lower() == "providers"), req.segments[0])) + 1:]), "")
            raise ArmError(400, "InvalidResourceType",
                           f"The resource type could not be found in the namespace '{ns}' for path '{req.path}'.")
        same_method = [(op, p) for op, p in matches if op.method == req.method]
        if not same_method:
            allowed = sorted({op.method for op, _ in matches})
            raise ArmError(405, "MethodNotAllowed",
                           f"The method '{req.method}' is not allowed for this resource; allowed: {', '.join(allowed)}.")
        versions = sorted({op.version for op, _ in same_method})
        self.need_version(req, versions)
        op, params = next((o, p) for o, p in same_method if o.version == req.api_version)
        req.op_key = op.key
        handler = getattr(self, "h_" + op.spec + "_" + op.operation_id, None)
        if handler is None:
            raise ArmError(501, "NotImplementedInTwin",
                           f"The ARM twin does not implement {op.operation_id} ({op.spec} {op.version}).")
        if self.authorizer and req.principal is not None:
            self.authorizer.check(req, self.action_for(req, op), req.scope)
        if req.method in ("PUT", "PATCH", "DELETE", "POST"):
            self.touch()
        return handler(req, op, params)

    def action_for(self, req, op=None):
        """The RBAC action a call needs, and (in req.scope) the scope it is checked at. With the
        operation, namespace and type segments take the spec's spelling, as ARM's messages do
        (a caller may send ids lower-cased)."""
        segs = list(req.segments)
        if op is not None and len(op.segments) == len(segs):
            segs = [s if t.startswith("{") else t for s, t in zip(segs, op.segments)]
        low = [s.lower() for s in segs]
        i = low.index("providers") if "providers" in low else len(segs)
        ns = segs[i + 1] if i + 1 < len(segs) else ""
        rest = segs[i + 2:]
        verb = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}.get(req.method)
        if req.method == "POST":
            chain = [rest[j] for j in range(0, len(rest) - 1, 2)]
            req.scope = "/" + "/".join(segs[:-1])
            return "/".join([ns] + chain + [rest[-1], "action"])
        chain = [rest[j] for j in range(0, len(rest), 2)]
        req.scope = "/" + "/".join(segs if len(rest) % 2 == 0 else segs[:-1])
        return "/".join([ns] + chain + [verb])

    # -- ids, bodies, preconditions ----------------------------------------------------------
    def item_id(self, op, params, upto=None):
        """Canonical id of the resource an operation addresses (template up to `upto` segments)."""
        segs = op.segments[:upto] if upto else op.segments
        out = []
        for t in segs:
            if t.startswith("{"):
                name = t[1:-1]
                v = params[name]
                if name == "subscriptionId":
                    v = self.sub_of(v) or v
                elif name == "resourceGroupName":
                    rg = self.rg_res(self.sub_of(params["subscriptionId"]) or params["subscriptionId"], v)
                    v = rg.body["name"] if rg else v
                out.append(v)
            else:
                out.append(t)
        rid = "/" + "/".join(out)
        existing = self.get(rid)
        return existing.id if existing else rid

    def shape_of(self, op):
        return self.error_shapes.get(op.spec, "arm")

    def body_of(self, req, op, patch=None):
        if req.body_error:
            raise ArmError(400, "InvalidRequestContent",
                           f"The request content was invalid and could not be deserialized: {req.body_error}")
        cleaned, errors = swagger.validate(self.specs, op, req.body, patch=patch)
        if errors:
            first = "; ".join(f"'{p}' {m}" for p, m in errors[:5])
            if self.shape_of(op) == "web":
                raise web_error(400, "BadRequest", f"The request is invalid: {first}.", "99022")
            raise ArmError(400, "InvalidRequestContent",
                           f"The request content was invalid and does not match the schema of "
                           f"{op.operation_id} ({op.version}): {first}.",
                           details=[{"code": "InvalidRequestContent", "target": p, "message": m}
                                    for p, m in errors])
        if isinstance(cleaned, dict) and req.method == "PUT":
            cleaned = drop_nulls(cleaned)
        return cleaned if cleaned is not None else {}

    def preconditions(self, req, existing, *, none_match_sync=True):
        """If-Match / If-None-Match (RPC Addendum table). Returns True when If-None-Match: * hit an
        existing resource and the provider reports that asynchronously (none_match_sync=False)."""
        im = req.headers.get("if-match")
        inm = req.headers.get("if-none-match")
        if im is not None:
            ok = existing is not None and (im.strip() == "*" or etag_eq(im, existing.etag))
            if not ok:
                raise ArmError(412, "PreconditionFailed",
                               "The condition specified using HTTP conditional header(s) is not met."
                               + ("" if existing else " The resource does not exist."))
        if inm is not None and inm.strip() == "*" and existing is not None:
            if none_match_sync:
                raise ArmError(412, "PreconditionFailed",
                               "The resource already exists and If-None-Match: * was given.")
            return True
        return False

    def require_parent(self, rid, what=None):
        parent = self.get(parent_of(rid))
        if parent is None:
            p = parse_id(parent_of(rid))
            tname = "/".join(f"{t}/{n}" for t, n in p["types"])
            raise ArmError(404, "ResourceNotFound" if what is None else what,
                           f"The Resource '{p['ns']}/{tname}' under resource group '{p['rg']}' was not found. "
                           "For more details please go to https://aka.ms/ARMResourceNotFoundFix")
        return parent

    def not_found(self, rid):
        p = parse_id(rid)
        tname = "/".join(f"{t}/{n}" for t, n in p["types"])
        return ArmError(404, "ResourceNotFound",
                        f"The Resource '{p['ns']}/{tname}' under resource group '{p['rg']}' was not found. "
                        "For more details please go to https://aka.ms/ARMResourceNotFoundFix")

    def require_location(self, body, existing, rid):
        loc = body.get("location")
        if not loc:
            if existing is not None:
                return existing.body.get("location")
            raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
        if existing is not None and norm_loc(existing.body.get("location")) != norm_loc(loc):
            p = parse_id(rid)
            raise ArmError(400, "InvalidResourceLocation",
                           f"The resource '{p['types'][-1][1]}' already exists in location "
                           f"'{norm_loc(existing.body.get('location'))}' in resource group '{p['rg']}'. A resource "
                           f"with the same name cannot be created in location '{norm_loc(loc)}'. "
                           "Please select a new resource name.")
        return loc

    def authorize_linked(self, req, main_action, linked_action, linked_scope, main_scope):
        if req.principal is None or self.authorizer is None:
            return
        if not self.authorizer.allowed(req.principal, linked_action, linked_scope):
            who = req.principal
            raise ArmError(403, "LinkedAuthorizationFailed",
                           f"The client '{who.app_id}' with object id '{who.object_id}' has permission to "
                           f"perform action '{main_action}' on scope '{main_scope}'; however, it does not "
                           f"have permission to perform action(s) '{linked_action}' on the linked scope(s) "
                           f"'{linked_scope}' (respectively) or the linked scope(s) are invalid.")

    def headers_for(self, res):
        return {"ETag": res.etag} if res is not None and res.etag else {}

    # -- lists ----------------------------------------------------------------------------------
    def list_response(self, items):
        """One page of a list: at most config page_size items, then `nextLink` (an absolute URL on
        the caller's origin with `$skipToken`) when more follow."""
        start, size = self.page_window()
        page = {"value": items[start:start + size]}
        if start + size < len(items):
            page["nextLink"] = self.next_link(start + size)
        return Response(200, page)

    def page_window(self):
        req = self.current
        token = (req.query.get("$skiptoken") if req else None) or ""
        if token and not (token.startswith("p") and token[1:].isdigit()):
            raise ArmError(400, "InvalidSkipToken", f"The $skipToken '{token}' is not one this list issued.")
        return (int(token[1:]) if token else 0), max(1, int(self.config["page_size"]))

    def next_link(self, start):
        req = self.current
        query = {k: v for k, v in (req.query.items() if req else []) if k != "$skiptoken"}
        query["$skipToken"] = f"p{start}"
        base = req.base_url if req else "https://management.azure.com"
        path = req.path if req else "/"
        return base + path + "?" + "&".join(f"{k}={urllib.parse.quote(str(v), safe='')}" for k, v in query.items())

    def snapshot(self):
        """Everything world_from_state needs, as plain data."""
        with self.lock:
            self.tick()
            res = {}
            for k, r in self.state.items():
                res[k] = {"id": r.id, "type": r.type, "body": self.render(r), "meta": plain(r.meta)}
            facts = {k: (sorted(v) if isinstance(v, set) else copy.deepcopy(v)) for k, v in self.facts.items()}
            return {"resources": res, "facts": facts}

    # -- rendering ------------------------------------------------------------------------------
    def render(self, res):
        fn = self.renderers().get(res.type.lower())
        body = fn(res) if fn else copy.deepcopy(res.body)
        return body

    def renderers(self):
        return {k.lower(): getattr(self, v) for k, v in self.renderer_names.items()}

    # -- twin-side helpers used by worlds and control endpoints ----------------------------------
    def call(self, method, path, body=None, *, headers=None):
        """Run one ARM call as the twin itself (no auth, LROs complete at once)."""
        query = {}
        if "?" in path:
            path, _, qs = path.partition("?")
            for part in qs.split("&"):
                k, _, v = part.partition("=")
                query[k] = v
        req = Request(method, path, query, headers or {}, body, instant=True)
        resp = self.handle(req)
        if resp.status >= 400:
            raise RuntimeError(f"{method} {path}: {resp.status} {json.dumps(resp.body)}")
        return resp


