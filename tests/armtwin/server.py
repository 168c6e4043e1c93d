"""The twin's HTTP side: the ARM endpoint (HTTPS) with what ARM's front door does for every
provider -- authentication, RBAC, throttling and injected faults, request ids and rate-limit
headers -- the principals and their tokens, and the hand-over of every state change to the lab
and to the app's environment file. The token endpoints are in token_endpoints.py, the control
API under /_twin in control.py, the journal and the lab hand-over in labsync.py.
"""
import copy
import json
import os
import re
import shlex
import threading
import time
import urllib.parse
import uuid

import identity
import world_from_state
import worlds
from control import ControlAPI
from core import ArmError, Request, Response
from labsync import Journal
from scm import ScmSite
from token_endpoints import TokenEndpoints

REDACT_FORM = ("client_secret", "client_assertion", "assertion", "password", "refresh_token")
_ENV_KEY = re.compile(r"[^A-Za-z0-9_]")


class Authorizer:
    """RBAC checks for Arm: raises 403 AuthorizationFailed naming the action and scope."""

    def __init__(self, twin):
        self.twin = twin

    def allowed(self, principal, action, scope):
        return self.twin.roles.allowed(principal.object_id, action, scope)

    def check(self, req, action, scope):
        p = req.principal
        if p is None or self.allowed(p, action, scope):
            return
        raise ArmError(403, "AuthorizationFailed",
                       f"The client '{p.app_id}' with object id '{p.object_id}' does not have authorization to "
                       f"perform action '{action}' over scope '{scope}' or the scope is invalid. If access was "
                       "recently granted, please refresh your credentials.")



class Twin(TokenEndpoints, ControlAPI, ScmSite):
    def __init__(self, arm, *, run_dir, site_id, token_lifetime=3600, lab=None, identity_header=None,
                 log=print):
        self.arm = arm
        self.run_dir = run_dir
        self.site_id = site_id
        self.log = log
        self.key = os.urandom(32)
        self.token_lifetime = int(token_lifetime)
        self.identity_header = identity_header or identity.new_secret()
        self.journal = Journal()
        self.faults = arm.faults
        self.roles = identity.Roles()
        self.principals = {}
        self.lab = lab
        self.urls = {}
        self.app_env_text = None
        self.seen_version = -1
        self.state_lock = threading.Lock()
        self.stats_lock = threading.Lock()
        self.stats = {"in_flight": 0, "max_in_flight": 0, "requests": 0}  # /_twin/stats
        self.wake = threading.Event()
        self.arm.authorizer = Authorizer(self)
        self._setup_principals()
        self.scheduler = threading.Thread(target=self._schedule, name="lro", daemon=True)
        self.scheduler.start()

    # -- principals and roles -------------------------------------------------------------------
    def _setup_principals(self):
        self.principals["fixer"] = identity.Principal(
            str(uuid.uuid5(uuid.NAMESPACE_URL, "armtwin:fixer:object")), "vnetdiag-fixer", "ServicePrincipal",
            str(uuid.uuid5(uuid.NAMESPACE_URL, "armtwin:fixer:app")), secret=identity.new_secret())
        self.principals["reader"] = identity.Principal(
            str(uuid.uuid5(uuid.NAMESPACE_URL, "armtwin:reader:object")), "vnetdiag-reader", "ServicePrincipal",
            str(uuid.uuid5(uuid.NAMESPACE_URL, "armtwin:reader:app")), secret=identity.new_secret())
        self.default_roles()

    def default_roles(self):
        """fixer: Contributor on every subscription the twin knows; reader: Reader -- except on the
        subscriptions the fact no_role_subscriptions names (hub-read-forbidden); the app's identity:
        Contributor on its resource group (so fix mode from inside the app can work)."""
        with self.arm.lock:
            subs = [s for s in self.arm.facts["subscriptions"].values()
                    if s.lower() not in self.arm.facts.get("no_role_subscriptions", set())]
        for sub in subs:
            self.roles.assign(self.principals["fixer"].object_id, f"/subscriptions/{sub}", role="Contributor")
            self.roles.assign(self.principals["reader"].object_id, f"/subscriptions/{sub}", role="Reader")
        app = self.app_principal()
        if app is not None:
            self.roles.assign(app.object_id, worlds.RG_ID, role="Contributor")

    def app_principal(self):
        with self.arm.lock:
            site = self.arm.get(self.site_id)
            pid = self.arm.site_principal(site) if site else None
        if not pid:
            return None
        return identity.Principal(pid, site.body["name"], "ManagedIdentity",
                                  str(uuid.uuid5(uuid.NAMESPACE_URL, "armtwin:mi:" + pid)), resource_id=site.id)

    def principal_by(self, name_or_id):
        if name_or_id in ("app", "mi", "managed-identity"):
            return self.app_principal()
        if name_or_id in self.principals:
            return self.principals[name_or_id]
        for p in list(self.principals.values()) + [self.app_principal()]:
            if p and name_or_id in (p.object_id, p.app_id, p.name):
                return p
        return None

    def principal_from_claims(self, claims):
        oid = claims.get("oid")
        for p in list(self.principals.values()) + [self.app_principal()]:
            if p and p.object_id == oid:
                return p
        return identity.Principal(oid, claims.get("name", oid), "Unknown", claims.get("appid", oid))

    def issue(self, principal, audience, lifetime=None):
        now = int(time.time())
        exp = now + int(lifetime if lifetime is not None else self.token_lifetime)
        tenant = self.arm.facts["tenant"]
        claims = {"aud": audience, "iss": f"https://sts.windows.net/{tenant}/", "iat": now, "nbf": now, "exp": exp,
                  "oid": principal.object_id, "sub": principal.object_id, "appid": principal.app_id,
                  "tid": tenant, "idtyp": "app", "ver": "1.0", "name": principal.name}
        if principal.resource_id:
            claims["xms_mirid"] = principal.resource_id
        return identity.encode(claims, self.key), exp

    # -- state changes -> lab, app environment ------------------------------------------------------
    def after_change(self, force=False):
        with self.state_lock:
            with self.arm.lock:
                if self.arm.version == self.seen_version and not force:
                    return
                self.seen_version = self.arm.version
                snap = self.arm.snapshot()
            world = world_from_state.translate(snap, self.site_id)
            env = world_from_state.app_environment(
                snap, self.site_id, identity_endpoint=self.urls.get("identity"), identity_header=self.identity_header,
                arm_endpoint=self.urls.get("arm"), arm_ca_bundle=self.urls.get("ca"),
                azure_dns_server=world_from_state.AZURE_DNS)
            env, world = self._process_view(snap, env, world)
            self._write_app_env(env)
            if self.lab is not None:
                self.lab.offer(world)
            self.current_world = world

    def _process_view(self, snap, env, world):
        """What the running app sees: with the fact app_process "frozen" the environment and the
        lab's app section (integration, route-all, DNS servers) stay as they were when it was set,
        until a restart (WebApps_Restart) makes the process "running" again."""
        if snap["facts"].get("app_process") != "frozen":
            self.frozen_app = None
            return env, world
        if getattr(self, "frozen_app", None) is None:
            self.frozen_app = (copy.deepcopy(env), copy.deepcopy(world.get("app")))
        world = dict(world, app=copy.deepcopy(self.frozen_app[1]))
        return copy.deepcopy(self.frozen_app[0]), world

    def _write_app_env(self, env):
        lines = ["# The app's App Service environment as the ARM twin describes it now (rewritten on every",
                 "# change). Read by tests/armtwin/app-exec. KEY=VALUE, one a line."]
        for k, v in sorted(env.items()):
            key = _ENV_KEY.sub("_", k)
            val = str(v).replace("\n", " ").replace("\0", "")
            lines.append(f"{key}={val}")
        text = "\n".join(lines) + "\n"
        if text == self.app_env_text:
            return
        self.app_env_text = text
        path = os.path.join(self.run_dir, "app.env")
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)

    def _schedule(self):
        """Finish long-running operations on time, even when nobody polls."""
        while True:
            with self.arm.lock:
                self.arm.tick()
                due = self.arm.next_due()
            self.after_change()
            timeout = None if due is None else max(0.0, due - time.monotonic()) + 0.001
            self.wake.wait(timeout)
            self.wake.clear()

    # -- request handling ---------------------------------------------------------------------------
    def handle(self, h, kind):
        """h: the BaseHTTPRequestHandler; kind: "arm" or "identity"."""
        counted = not urllib.parse.urlsplit(h.path).path.startswith("/_twin")
        if counted:
            with self.stats_lock:
                self.stats["in_flight"] += 1
                self.stats["requests"] += 1
                self.stats["max_in_flight"] = max(self.stats["max_in_flight"], self.stats["in_flight"])
        try:
            return self._handle(h, kind)
        finally:
            if counted:
                with self.stats_lock:
                    self.stats["in_flight"] -= 1

    def _handle(self, h, kind):
        t0 = time.monotonic()
        url = urllib.parse.urlsplit(h.path)
        path = urllib.parse.unquote(url.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        raw = h.read_body()
        if raw is None:
            return
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "method": h.command, "path": path,
                 "api_version": query.get("api-version"), "kind": kind}
        try:
            if kind == "identity":
                resp = self.identity_endpoint(h, path, query)
                entry["resource"] = query.get("resource")
                entry["kind"] = "managed-identity"
            elif path.startswith("/_twin"):
                return h.send_json(*self.control(h, path, query, raw))
            elif path.startswith("/_scm/"):
                return self.scm(h, path, entry)   # the Kudu stand-in (scm.py)
            elif re.fullmatch(r"/[^/]+/oauth2/v2\.0/token", path):
                entry["kind"] = "entra"
                entry["body"] = _redacted_form(raw)
                resp = self.entra(h, path, raw)
            elif path == "/metadata/endpoints":
                resp = Response(200, self.metadata())
            else:
                resp = self.arm_call(h, path, query, raw, entry)
                if resp is None:  # connection dropped by a fault
                    entry["status"] = "dropped"
                    self.journal.add(entry)
                    return
        except Exception as e:  # noqa: BLE001 -- a twin bug must not kill the connection silently
            import traceback
            traceback.print_exc()
            resp = Response(500, {"error": {"code": "TwinInternalError", "message": f"{type(e).__name__}: {e}"}})
        entry["status"] = resp.status
        if resp.error_code:
            entry["error_code"] = resp.error_code
        elif isinstance(resp.body, dict) and resp.status >= 400:
            entry["error_code"] = (resp.body.get("error") or {}).get("code") if isinstance(resp.body.get("error"), dict) \
                else resp.body.get("Code") or resp.body.get("error")
        entry["ms"] = int((time.monotonic() - t0) * 1000)
        self.journal.add(entry)
        h.send_json(resp.status, resp.body, resp.headers)
        self.wake.set()
        self.after_change()

    def arm_call(self, h, path, query, raw, entry):
        op_poll = path.lower().rstrip("/") in self.arm.op_paths
        method = h.command
        if self.faults.take(("drop",), method, path):
            h.drop()
            return None
        if op_poll and self.faults.take(("drop_poll",), method, path):
            h.drop()
            return None
        lat = self.faults.take(("latency",), method, path)
        if lat:
            time.sleep(lat["ms"] / 1000.0)
        body, body_error = None, None
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
                entry["body"] = body
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                body_error = str(e)
                entry["body"] = raw[:2000].decode("utf-8", "replace")
        auth = h.headers.get("Authorization", "")
        if not auth:
            return _auth_error("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
        if not auth.startswith("Bearer "):
            return _auth_error("AuthenticationFailedInvalidHeader",
                               "Authentication failed. The 'Authorization' header is provided in an invalid format.")
        try:
            claims = identity.decode(auth[7:].strip(), self.key)
        except identity.TokenError as e:
            return _auth_error(e.code, e.message)
        principal = self.principal_from_claims(claims)
        entry["principal"] = principal.name
        kind = "reads" if method in ("GET", "HEAD") else "deletes" if method == "DELETE" else "writes"
        rl_header = f"x-ms-ratelimit-remaining-subscription-{kind}"
        f = self.faults.take(("throttle",), method, path)
        if f:
            wait = int(f.get("retry_after", 5))
            return Response(429, {"error": {"code": "SubscriptionRequestsThrottled",
                                            "message": f"Number of '{kind[:-1]}' requests for subscription "
                                                       f"'{worlds.SUBSCRIPTION}' actor '{principal.object_id}' "
                                                       f"exceeded. Please try again after '{wait}' seconds after "
                                                       "additional tokens are available. Refer to "
                                                       "https://aka.ms/arm-throttling"}},
                            {"Retry-After": str(wait), rl_header: "0",
                             f"x-ms-ratelimit-remaining-tenant-{kind}": "0"},
                            error_code="SubscriptionRequestsThrottled")
        f = self.faults.take(("error",), method, path)
        if f:
            status = int(f.get("status", 500))
            code = {500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable",
                    504: "GatewayTimeout"}[status]
            headers = {"Retry-After": str(f["retry_after"])} if "retry_after" in f else {}
            return Response(status, {"error": {"code": code, "message": f.get("message",
                            "The service is temporarily unavailable (fault injected by the ARM twin).")}},
                            headers, error_code=code)
        f = self.faults.take(("conflict",), method, path)
        if f:
            return Response(409, {"error": {"code": "AnotherOperationInProgress",
                                            "message": "Another operation on this or dependent resource is in "
                                                       "progress. To retrieve status of the operation use uri: "
                                                       f"https://{h.headers.get('Host')}/subscriptions/{worlds.SUBSCRIPTION}/"
                                                       f"providers/Microsoft.Network/locations/westeurope/operations/"
                                                       f"{uuid.uuid4()}?api-version=2024-01-01.", "details": []}},
                            {}, error_code="AnotherOperationInProgress")
        host = h.headers.get("Host") or "127.0.0.1"
        req = Request(method, path, query, dict(h.headers.items()), body, body_error, principal,
                      base_url=f"https://{host}")
        resp = self.arm.handle(req)
        entry["operation"] = req.op_key or None
        with self.arm.lock:
            self.arm.counters[kind] = max(0, self.arm.counters[kind] - 1)
            remaining = self.arm.counters[kind]
        cid = h.headers.get("x-ms-correlation-request-id") or str(uuid.uuid4())
        rid = str(uuid.uuid4())
        resp.headers.update({"x-ms-request-id": rid, "x-ms-correlation-request-id": cid,
                             "x-ms-routing-request-id": f"WESTEUROPE:{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}:{rid}",
                             rl_header: str(remaining)})
        resp.headers.update(self.arm.spec_headers.get((req.op_key or "").partition(":")[0], {}))
        if h.headers.get("x-ms-client-request-id") and \
                (h.headers.get("x-ms-return-client-request-id") or "").lower() == "true":
            resp.headers["x-ms-client-request-id"] = h.headers["x-ms-client-request-id"]
        return resp


def _auth_error(code, message):
    return Response(401, {"error": {"code": code, "message": message}},
                    {"WWW-Authenticate": f'Bearer authorization_uri="https://login.microsoftonline.com/{worlds.TENANT}", '
                                         f'error="invalid_token", error_description="{message}"'},
                    error_code=code)


def _redacted_form(raw):
    form = urllib.parse.parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: ("(redacted)" if k in REDACT_FORM else v) for k, v in form}


def shell_line(k, v):
    return f"{k}={shlex.quote(str(v))}"
