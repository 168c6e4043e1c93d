"""Primitives every part of the ARM twin shares: errors, requests, responses, stored resources,
operations, ids and JSON helpers."""
import copy
import datetime
import time

RESOURCES_API_VERSIONS = ("2021-04-01",)
T_RG = "Microsoft.Resources/resourceGroups"

DISPLAY_LOCATIONS = {"westeurope": "West Europe", "northeurope": "North Europe", "eastus": "East US",
                     "eastus2": "East US 2", "westus": "West US", "westus2": "West US 2",
                     "centralus": "Central US", "japanwest": "Japan West", "uksouth": "UK South",
                     "eastus2euap": "East US 2 EUAP", "global": "global"}


def norm_loc(text):
    return (text or "").replace(" ", "").lower()


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(ts=None):
    ts = ts or utcnow()
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond:06d}0Z"


class ArmError(Exception):
    """An error answer. shape: "arm" ({"error":{...}}) or "web" (App Service's unwrapped
    PascalCase body)."""

    def __init__(self, status, code, message, *, details=None, target=None, headers=None,
                 shape="arm", extended_code=None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.details, self.target = details, target
        self.headers = headers or {}
        self.shape, self.extended_code = shape, extended_code

    def body(self):
        if self.shape == "web":
            return {"Code": self.code, "Message": self.message, "Target": None,
                    "Details": [{"Message": self.message}, {"Code": self.code},
                                {"ErrorEntity": {"ExtendedCode": self.extended_code or "51021",
                                                 "MessageTemplate": self.message, "Parameters": [],
                                                 "Code": self.code, "Message": self.message}}],
                    "Innererror": None}
        err = {"code": self.code, "message": self.message}
        if self.target:
            err["target"] = self.target
        if self.details:
            err["details"] = self.details
        return {"error": err}


def web_error(status, code, message, extended_code=None):
    return ArmError(status, code, message, shape="web", extended_code=extended_code)


class Request:
    def __init__(self, method, path, query=None, headers=None, body=None, body_error=None,
                 principal=None, base_url="https://management.azure.com", instant=False):
        self.method = method.upper()
        self.path = path
        self.segments = [s for s in path.split("/") if s]
        self.query = {k.lower(): v for k, v in (query or {}).items()}
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.body = body
        self.body_error = body_error
        self.principal = principal      # identity.Principal, None = the twin itself (worlds)
        self.base_url = base_url.rstrip("/")
        self.instant = instant          # worlds: LROs complete at once
        self.op_key = ""
        self.scope = path
        self.api_version = self.query.get("api-version")


class Response:
    def __init__(self, status, body=None, headers=None, error_code=None):
        self.status, self.body = status, body
        self.headers = headers or {}
        self.error_code = error_code


class Res:
    """One stored resource. body is what GET returns before per-type rendering."""
    _seq = 0

    def __init__(self, rid, rtype, body, etag=None, **meta):
        Res._seq += 1
        self.id, self.type, self.body = rid, rtype, body
        self.etag = etag
        self.meta = dict(meta)
        self.meta.setdefault("seq", Res._seq)
        self.meta.setdefault("effective", False)


class Op:
    def __init__(self, opid, style, method, rid, api_version, location, sub, rg):
        self.id, self.style, self.method, self.rid = opid, style, method, rid
        self.api_version, self.location, self.sub, self.rg = api_version, location, sub, rg
        self.status = "InProgress"
        self.error = None           # {"code","message"}
        self.error_status = 500
        self.start = time.monotonic()
        self.due = self.start
        self.started_at = iso()
        self.ended_at = None
        self.on_success = None      # callable() run when the operation succeeds
        self.on_failure = None      # callable() run when it fails
        self.final = None           # callable() -> (status, body) for the Location monitor
        self.async_path = None
        self.location_path = None
        self.polls = 0


class LroStyle:
    """How one provider's long-running operations are monitored.

    monitors(sub, rg, location, opid, rid) -> (Azure-AsyncOperation path, Location path);
    async_202_while_running: the status URL answers 202 (with both monitor headers) while the
    operation runs (private DNS, as recorded); notification: PUTs carry azure-asyncnotification."""

    def __init__(self, monitors, *, async_202_while_running=False, notification=False):
        self.monitors = monitors
        self.async_202_while_running = async_202_while_running
        self.notification = notification


class Provider:
    """What one resource-provider module registers (providers.py lists the modules).

    mixin        class whose methods join Arm: handlers named h_<spec>_<operationId> for the
                 swagger operations it serves, renderers, and the provider's own helpers
    namespaces   canonical namespaces it answers for (anything unknown is InvalidResourceNamespace)
    specs        {spec: (api-version, [swagger files under the specification root])}
    renderers    {resource type: mixin method name} -- what GET shows of a stored resource
    lro_styles   {style name: LroStyle} used by start_op(style, ...)
    routes       mixin method names (req, sub, segments, lower_segments) -> Response or None, asked
                 in registration order before swagger routing, for paths no swagger file serves
    error_shapes {spec: "web"} -- specs whose validation errors use App Service's error body
    headers      {spec: {header: value}} added to every answer of that spec's operations
    tenant_routes mixin method names (req, segments, lower_segments) -> Response or None for paths
                 under /providers (no subscription: Resource Graph)"""

    def __init__(self, name, mixin, *, namespaces=(), specs=None, renderers=None, lro_styles=None, routes=(),
                 error_shapes=None, headers=None, tenant_routes=()):
        self.name, self.mixin = name, mixin
        self.namespaces = tuple(namespaces)
        self.specs = dict(specs or {})
        self.renderers = dict(renderers or {})
        self.lro_styles = dict(lro_styles or {})
        self.routes = tuple(routes)
        self.tenant_routes = tuple(tenant_routes)
        self.error_shapes = dict(error_shapes or {})
        self.headers = dict(headers or {})

    def __repr__(self):
        return f"<Provider {self.name}>"


def merge_patch(target, patch):
    """RFC 7396 JSON merge patch: objects merge recursively, null removes, arrays replace."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        key = next((t for t in out if t.lower() == k.lower()), k)
        if v is None:
            out.pop(key, None)
        elif isinstance(v, dict):
            out[key] = merge_patch(out.get(key), v)
        else:
            out[key] = copy.deepcopy(v)
    return out


def drop_nulls(value):
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def parse_id(rid):
    """'/subscriptions/s/resourceGroups/g/providers/NS/t1/n1/t2/n2' -> dict."""
    segs = [s for s in (rid or "").split("/") if s]
    out = {"sub": None, "rg": None, "ns": None, "types": []}
    if len(segs) >= 2 and segs[0].lower() == "subscriptions":
        out["sub"] = segs[1]
    if len(segs) >= 4 and segs[2].lower() == "resourcegroups":
        out["rg"] = segs[3]
    try:
        i = [s.lower() for s in segs].index("providers")
    except ValueError:
        return out
    if i + 1 < len(segs):
        out["ns"] = segs[i + 1]
    rest = segs[i + 2:]
    out["types"] = [(rest[j], rest[j + 1] if j + 1 < len(rest) else None) for j in range(0, len(rest), 2)]
    return out


def type_of(rid):
    p = parse_id(rid)
    if not p["ns"]:
        return T_RG if p["rg"] and len([s for s in rid.split("/") if s]) == 4 else None
    return "/".join([p["ns"]] + [t for t, _ in p["types"]])


def parent_of(rid):
    segs = [s for s in rid.split("/") if s]
    return "/" + "/".join(segs[:-2])



def etag_eq(header, etag):
    def norm(t):
        t = (t or "").strip()
        if t.startswith("W/"):
            t = t[2:]
        return t.strip('"')
    return norm(header) == norm(etag)


def top_level(rid):
    p = parse_id(rid)
    if not p["ns"] or not p["types"]:
        return rid.lower()
    t, n = p["types"][0]
    return f"/subscriptions/{p['sub']}/resourcegroups/{p['rg']}/providers/{p['ns']}/{t}/{n}".lower()


def plain(meta):
    out = {}
    for k, v in meta.items():
        if isinstance(v, set):
            v = sorted(v)
        if isinstance(v, (str, int, float, bool, list, dict, type(None))):
            out[k] = v
    return out
