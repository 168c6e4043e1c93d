"""Microsoft.ResourceGraph in the twin: `POST /providers/Microsoft.ResourceGraph/resources
?api-version=2021-03-01` (tenant level; no swagger file is loaded for it, hand-modelled from the
public REST reference). The query is a small KQL subset (kql.py); rows are the twin's own GET
bodies with the columns id, name, type (lower-case), location, subscriptionId, resourceGroup, tags,
properties -- only of subscriptions (and resources) the caller may read.

Answers: 200 {"totalRecords","count","resultTruncated":"false","data":[rows],"facets":[]} plus
"$skipToken" when more rows follow (options.$top, at most the twin's page size, per page);
400 BadRequest/InvalidQuery for anything outside the subset; 403 AuthorizationFailed when the
caller may read no subscription, or when the world's fact `resource_graph` says "off" (the
identity cannot use Resource Graph). Throttling: every answer carries
x-ms-user-quota-remaining and x-ms-user-quota-resets-after (hh:mm:ss); the quota is `quota`
queries per `window_seconds` per caller (fact resource_graph_quota, default 15 per 5 s, as
Azure); over it, 429 RateLimiting with the same headers."""
import time

import kql
from core import T_RG, ArmError, Provider, Response

NOT_ROWS = (T_RG.lower(), "microsoft.resources/deployments")  # groups, deployment history

VERSION = "2021-03-01"
DEFAULT_QUOTA = {"quota": 15, "window_seconds": 5}


def _hms(seconds):
    s = max(0, int(round(seconds)))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


class ResourceGraphRP:
    def route_resourcegraph(self, req, s, low):
        if low[:3] != ["providers", "microsoft.resourcegraph", "resources"] or len(low) != 3:
            return None
        self.need_version(req, (VERSION,))
        if req.method != "POST":
            raise ArmError(405, "MethodNotAllowed", "Resource Graph queries are POST.")
        headers = self._graph_quota(req)
        try:
            return self._graph_query(req, headers)
        except ArmError as e:
            e.headers = dict(e.headers, **headers)
            raise

    def _graph_quota(self, req):
        cfg = dict(DEFAULT_QUOTA, **(self.facts.get("resource_graph_quota") or {}))
        who = req.principal.object_id if req.principal else "twin"
        windows = self.__dict__.setdefault("_graph_windows", {})
        now = time.monotonic()
        start, used = windows.get(who, (now, 0))
        if now - start >= float(cfg["window_seconds"]):
            start, used = now, 0
        resets = _hms(float(cfg["window_seconds"]) - (now - start))
        if used >= int(cfg["quota"]):
            windows[who] = (start, used)
            raise ArmError(429, "RateLimiting", "Please provide below info when asking for support: "
                                                f"timestamp = {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}. "
                                                "Client application has been throttled and should not attempt to "
                                                "repeat the request until an amount of time has elapsed.",
                           headers={"x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": resets,
                                    "Retry-After": str(max(1, int(float(cfg["window_seconds"]) - (now - start))))})
        windows[who] = (start, used + 1)
        return {"x-ms-user-quota-remaining": str(int(cfg["quota"]) - used - 1),
                "x-ms-user-quota-resets-after": resets}

    def _graph_readable(self, req):
        """Subscriptions the caller may read anything in (None: the twin itself, all)."""
        subs = list(self.facts["subscriptions"].values())
        if req.principal is None or self.authorizer is None:
            return subs
        return [s for s in subs if self.authorizer.allowed(req.principal, "Microsoft.Resources/subscriptions/read",
                                                           f"/subscriptions/{s}")
                or any(self.authorizer.allowed(req.principal, f"{r.type}/read", r.id) for r in self._graph_rows_in(s))]

    def _graph_rows_in(self, sub):
        prefix = f"/subscriptions/{sub}/".lower()
        return [r for k, r in self.state.items() if k.startswith(prefix) and r.type.lower() not in NOT_ROWS]

    def _graph_query(self, req, headers):
        p = req.principal
        if self.facts.get("resource_graph") == "off" and p is not None:
            raise ArmError(403, "AuthorizationFailed",
                           f"The client '{p.app_id}' with object id '{p.object_id}' does not have authorization to "
                           "perform action 'Microsoft.ResourceGraph/resources/read' over scope '/providers/"
                           "Microsoft.ResourceGraph' or the scope is invalid.")
        body = req.body if isinstance(req.body, dict) else None
        if req.body_error or body is None or not isinstance(body.get("query"), str):
            raise ArmError(400, "BadRequest", "The request body must be a JSON object with a string 'query'.",
                           details=[{"code": "InvalidQuery", "message": "query is required"}])
        if "subscriptions" in body and not isinstance(body["subscriptions"], list):
            raise ArmError(400, "BadRequest", "'subscriptions' must be a list of subscription ids.")
        try:
            query = kql.parse(body["query"])
        except kql.KqlError as e:
            raise ArmError(400, "BadRequest", f"Please provide below info when asking for support: query is "
                                              f"invalid. {e}",
                           details=[{"code": "InvalidQuery", "message": str(e)}]) from None
        readable = self._graph_readable(req)
        wanted = body.get("subscriptions")
        if wanted is not None:
            readable = [s for s in readable if s.lower() in {str(w).lower() for w in wanted}]
        if not readable and p is not None:
            raise ArmError(403, "AuthorizationFailed",
                           f"The client '{p.app_id}' with object id '{p.object_id}' does not have authorization to "
                           "perform action 'Microsoft.Resources/subscriptions/read' on any subscription, so "
                           "Resource Graph has nothing it may query.")
        rows = []
        types = query.types()
        for sub in readable:
            for r in sorted(self._graph_rows_in(sub), key=lambda r: r.meta["seq"]):
                if types is not None and r.type.lower() not in types:
                    continue
                if p is not None and self.authorizer is not None and \
                        not self.authorizer.allowed(p, f"{r.type}/read", r.id):
                    continue
                rows.append(self._graph_row(r, sub))
        rows = query.run(rows)
        options = body.get("options") if isinstance(body.get("options"), dict) else {}
        top = options.get("$top", 1000)
        if not isinstance(top, int) or top < 1:
            raise ArmError(400, "BadRequest", "options.$top must be a positive integer.")
        token = options.get("$skipToken") or ""
        if token and not (isinstance(token, str) and token.startswith("g") and token[1:].isdigit()):
            raise ArmError(400, "BadRequest", f"The $skipToken '{token}' is not one this query issued.")
        start = int(token[1:]) if token else 0
        size = min(top, int(self.config["page_size"]))
        page = rows[start:start + size]
        out = {"totalRecords": len(rows), "count": len(page), "resultTruncated": "false", "data": page,
               "facets": []}
        if start + size < len(rows):
            out["$skipToken"] = f"g{start + size}"
        return Response(200, out, dict(headers))

    def _graph_row(self, res, sub):
        body = self.render(res)
        parts = res.id.split("/")
        return {"id": res.id, "name": body.get("name", parts[-1]), "type": res.type.lower(),
                "location": body.get("location", ""), "subscriptionId": sub,
                "resourceGroup": parts[4].lower() if len(parts) > 4 else "",
                "tags": body.get("tags") or {}, "properties": body.get("properties") or {}}


PROVIDER = Provider("resourcegraph", ResourceGraphRP, namespaces=("Microsoft.ResourceGraph",),
                    tenant_routes=("route_resourcegraph",))
