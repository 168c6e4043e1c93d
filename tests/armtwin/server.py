"""The twin's HTTP side: the ARM endpoint (HTTPS), the App Service managed-identity endpoint
(plain HTTP, as App Service's is), the Entra token endpoint, the control API under /_twin,
the request journal, faults, and the hand-over of every state change to the lab and to the
app's environment file.

Tokens are never journaled: the journal keeps method, path, api-version, the request body (form
secrets and assertions redacted), status and error code, and who called.
"""
import copy
import http.server
import json
import os
import re
import shlex
import socket
import socketserver
import ssl
import struct
import subprocess
import threading
import time
import urllib.parse
import uuid

import identity
import world_from_state
import worlds
from core import ArmError, Request, Response
from faults import FaultError

MAX_BODY = 4 * 1024 * 1024
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


class Journal:
    def __init__(self, limit=20000):
        self.lock = threading.Lock()
        self.entries = []
        self.seq = 0
        self.limit = limit

    def add(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.entries.append(entry)
            if len(self.entries) > self.limit:
                del self.entries[: len(self.entries) - self.limit]

    def since(self, n):
        with self.lock:
            return [copy.deepcopy(e) for e in self.entries if e["seq"] > n], self.seq

    def clear(self):
        with self.lock:
            self.entries = []


class LabSync:
    """Hands each new world to the lab (`lab apply FILE`) from one thread, newest wins."""

    def __init__(self, lab_cmd, run_dir, features, log):
        self.lab_cmd = lab_cmd
        self.run_dir = run_dir
        self.features = features
        self.log = log
        self.cond = threading.Condition()
        self.wanted = 0
        self.applied = 0
        self.pending = None
        self.last_text = None
        self.last_error = None
        self.last_ms = None
        self.notes = []
        self.lab_generation = None
        self.applies = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="labsync", daemon=True)
        self.thread.start()

    def offer(self, world):
        folded, notes = world_from_state.for_lab(world, self.features)
        text = json.dumps(folded, indent=1, sort_keys=True) + "\n"
        with self.cond:
            if text == self.last_text:
                return self.wanted
            self.last_text = text
            self.wanted += 1
            self.pending = (self.wanted, text, notes)
            self.cond.notify_all()
            return self.wanted

    def _run(self):
        while True:
            with self.cond:
                while self.pending is None and not self.stopping:
                    self.cond.wait()
                if self.stopping:
                    return
                seq, text, notes = self.pending
                self.pending = None
            path = os.path.join(self.run_dir, "world.json")
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, path)
            error, t0 = None, time.monotonic()
            if self.lab_cmd:
                try:
                    out = subprocess.run([self.lab_cmd, "apply", path], capture_output=True, text=True, timeout=60)
                    if out.returncode != 0:
                        error = (out.stderr.strip() or out.stdout.strip() or f"exit {out.returncode}")[-2000:]
                except (OSError, subprocess.TimeoutExpired) as e:
                    error = str(e)
            ms = int((time.monotonic() - t0) * 1000)
            generation = None
            if self.lab_cmd:
                try:
                    with open(os.path.join(os.path.dirname(self.lab_cmd), "run", "state", "generation")) as f:
                        generation = f.read().strip()
                except OSError:
                    pass
            self.log(f"lab apply #{seq}: {'ok' if error is None else 'FAILED: ' + error} ({ms} ms)"
                     + (f"; notes: {'; '.join(notes)}" if notes else ""))
            with self.cond:
                self.applied = seq
                self.applies += 1
                self.last_error = error
                self.last_ms = ms
                self.lab_generation = generation
                self.notes = notes
                self.cond.notify_all()

    def wait(self, timeout):
        """Until the lab has the world that was current when called; True if it got there."""
        deadline = time.monotonic() + timeout
        with self.cond:
            target = self.wanted
            while self.applied < target:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True

    def status(self):
        with self.cond:
            return {"enabled": bool(self.lab_cmd), "features": self.features, "wanted": self.wanted,
                    "applied": self.applied, "applies": self.applies, "last_error": self.last_error,
                    "last_apply_ms": self.last_ms, "notes": list(self.notes),
                    "lab_generation": self.lab_generation,
                    "world_file": os.path.join(self.run_dir, "world.json")}

    def stop(self):
        with self.cond:
            self.stopping = True
            self.cond.notify_all()


class Twin:
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
        """fixer: Contributor on the subscription; reader: Reader; the app's identity:
        Contributor on its resource group (so fix mode from inside the app can work)."""
        sub = worlds.SUBSCRIPTION
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
            self._write_app_env(env)
            if self.lab is not None:
                self.lab.offer(world)
            self.current_world = world

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
        if "privatedns" in (req.op_key or ""):
            resp.headers["x-ms-ratelimit-remaining-subscription-resource-requests"] = "499"
        if h.headers.get("x-ms-client-request-id") and \
                (h.headers.get("x-ms-return-client-request-id") or "").lower() == "true":
            resp.headers["x-ms-client-request-id"] = h.headers["x-ms-client-request-id"]
        return resp

    # -- identity -------------------------------------------------------------------------------
    def identity_endpoint(self, h, path, query):
        if self.faults.take(("token_error",), h.command, path):
            return Response(500, {"statusCode": 500, "message": "The managed identity endpoint failed (fault injected by the ARM twin)."},
                            error_code="token_error")
        if path.rstrip("/") != "/msi/token" or h.command != "GET":
            return Response(404, {"statusCode": 404, "message": "Not found."})
        version = query.get("api-version")
        if version == "2019-08-01":
            secret = h.headers.get("X-IDENTITY-HEADER")
        elif version == "2017-09-01":
            secret = h.headers.get("secret")
        else:
            return Response(400, {"statusCode": 400, "message": f"The api-version '{version}' is not supported; use "
                                                                "2019-08-01 (or 2017-09-01).", "correlationId": str(uuid.uuid4())})
        if secret != self.identity_header:
            return Response(401, {"statusCode": 401, "message": "The identity header is missing or does not match "
                                                                "IDENTITY_HEADER.", "correlationId": str(uuid.uuid4())},
                            error_code="invalid_identity_header")
        resource = query.get("resource")
        if not resource:
            return Response(400, {"statusCode": 400, "message": "The 'resource' query parameter is required.",
                                  "correlationId": str(uuid.uuid4())})
        app = self.app_principal()
        for key in ("client_id", "clientid", "principal_id", "object_id", "mi_res_id"):
            if query.get(key) and (app is None or query[key].lower() not in
                                   (app.app_id.lower(), app.object_id.lower(), (app.resource_id or "").lower())):
                return Response(400, {"statusCode": 400, "message": "No User Assigned or Delegated Managed Identity "
                                                                    "found for specified ClientId/ResourceId/PrincipalId.",
                                      "correlationId": str(uuid.uuid4())})
        if app is None:
            return Response(400, {"statusCode": 400, "message": "No Managed Identity found: the app has no "
                                                                "system-assigned identity.", "correlationId": str(uuid.uuid4())})
        token, exp = self.issue(app, resource)
        body = {"access_token": token, "expires_on": str(exp), "not_before": str(exp - self.token_lifetime),
                "resource": resource, "token_type": "Bearer", "client_id": app.app_id}
        if version == "2017-09-01":
            body["expires_on"] = time.strftime("%m/%d/%Y %H:%M:%S +00:00", time.gmtime(exp))
        return Response(200, body)

    def entra(self, h, path, raw):
        tenant = path.split("/")[1]
        form = dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))

        def err(status, code, number, text):
            return Response(status, {"error": code, "error_description": f"AADSTS{number}: {text}",
                                     "error_codes": [number], "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ"),
                                     "trace_id": str(uuid.uuid4()), "correlation_id": str(uuid.uuid4())},
                            error_code=code)
        if h.command != "POST":
            return err(405, "invalid_request", 900561, "The endpoint only accepts POST requests.")
        if tenant.lower() != self.arm.facts["tenant"].lower():
            return err(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return err(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
        p = next((p for p in self.principals.values() if p.app_id == form.get("client_id")), None)
        if p is None:
            return err(400, "unauthorized_client", 700016,
                       f"Application with identifier '{form.get('client_id')}' was not found in the directory.")
        if form.get("client_assertion"):
            return err(401, "invalid_client", 700027, "Client assertion failed signature validation (the twin "
                                                      "supports client secrets only).")
        if form.get("client_secret") != p.secret:
            return err(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being "
                                                       "sent in the request is the client secret value.")
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return err(400, "invalid_scope", 1002012, f"The provided value for scope {scope} is not valid. "
                                                      "Client credential flows must have a scope value with "
                                                      "/.default suffixed to the resource identifier.")
        token, exp = self.issue(p, scope[: -len("/.default")])
        return Response(200, {"token_type": "Bearer", "expires_in": exp - int(time.time()),
                              "ext_expires_in": exp - int(time.time()), "access_token": token})

    def metadata(self):
        return [{"name": "AzureCloud", "resourceManager": self.urls.get("arm", "") + "/",
                 "authentication": {"loginEndpoint": self.urls.get("arm", "") + "/",
                                    "audiences": ["https://management.core.windows.net/",
                                                  "https://management.azure.com/"],
                                    "tenant": "common", "identityProvider": "AAD"},
                 "suffixes": {"keyVaultDns": "vault.azure.net"}}]

    # -- control API ----------------------------------------------------------------------------
    def control(self, h, path, query, raw):
        """Returns (status, body[, headers])."""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError as e:
            return 400, {"error": f"not JSON: {e}"}
        parts = [p for p in path.split("/") if p][1:]
        what = parts[0] if parts else ""
        m = h.command
        if what == "health":
            return 200, {"ok": True, "world": getattr(self.arm, "world_name", None), "version": self.arm.version}
        if what == "journal":
            if m == "DELETE":
                self.journal.clear()
                return 200, {"cleared": True}
            entries, last = self.journal.since(int(query.get("since", 0)))
            return 200, {"entries": entries, "last": last}
        if what == "faults":
            if m == "DELETE":
                self.faults.clear()
                return 200, {"faults": []}
            if m == "POST":
                items = body if isinstance(body, list) else (body or {}).get("faults", [body])
                try:
                    added = [self.faults.add(f) for f in items]
                except FaultError as e:
                    return 400, {"error": str(e)}
                return 200, {"added": added, "faults": self.faults.list()}
            return 200, {"faults": self.faults.list()}
        if what == "config":
            if m == "POST":
                for k, v in (body or {}).items():
                    if k == "lro_seconds":
                        self.arm.config[k] = float(v)
                    elif k == "retry_after":
                        self.arm.config[k] = int(v)
                    elif k == "token_lifetime":
                        self.token_lifetime = int(v)
                    else:
                        return 400, {"error": f"unknown setting '{k}' (lro_seconds, retry_after, token_lifetime)"}
            return 200, dict(self.arm.config, token_lifetime=self.token_lifetime)
        if what == "roles":
            if m == "DELETE":
                who = query.get("principal")
                p = self.principal_by(who) if who else None
                self.roles.clear(p.object_id if p else None)
            elif m in ("POST", "PUT"):
                items = body if isinstance(body, list) else [body]
                if m == "PUT":
                    self.roles.clear()
                for a in items:
                    p = self.principal_by((a or {}).get("principal", ""))
                    if p is None:
                        return 400, {"error": f"unknown principal {a.get('principal')!r} (app, fixer, reader, or an id)"}
                    try:
                        self.roles.assign(p.object_id, a.get("scope", worlds.RG_ID), role=a.get("role"),
                                          actions=a.get("actions"), not_actions=a.get("not_actions"))
                    except ValueError as e:
                        return 400, {"error": str(e)}
            return 200, {"assignments": self.roles.assignments, "principals": self.describe_principals()}
        if what == "principals":
            return 200, self.describe_principals()
        if what == "facts":
            if m == "POST":
                with self.arm.lock:
                    b = body or {}
                    for tid in b.get("manual_approval", []):
                        self.arm.facts["manual_approval"].add(tid.lower())
                    for tid in b.get("auto_approval", []):
                        self.arm.facts["manual_approval"].discard(tid.lower())
                    for rid in b.get("external", []):
                        self.arm.facts["external"][rid.lower()] = rid
                    for sub in b.get("subscriptions", []):
                        self.arm.facts["subscriptions"][sub.lower()] = sub
                    for addr, d in (b.get("dns_servers") or {}).items():
                        self.arm.facts["dns_servers"][addr] = d
                    if "azure_dns" in b:
                        self.arm.facts["azure_dns"] = b["azure_dns"]
                    self.arm.touch()
                self.after_change()
            with self.arm.lock:
                return 200, {k: (sorted(v) if isinstance(v, set) else v) for k, v in self.arm.facts.items()}
        if what == "world":
            self.after_change()
            return 200, {"world": self.current_world, "lab": self.lab.status() if self.lab else None}
        if what == "lab":
            if m == "POST" and parts[1:2] == ["sync"]:
                self.after_change()
                ok = self.lab.wait(float(query.get("timeout", 20))) if self.lab else True
                st = self.lab.status() if self.lab else {"enabled": False}
                return (200 if ok and not st.get("last_error") else 504 if not ok else 502), st
            return 200, self.lab.status() if self.lab else {"enabled": False}
        if what == "state":
            snap = self.arm.snapshot()
            return 200, {"resources": [{"id": r["id"], "type": r["type"], "body": r["body"],
                                        "effective": r["meta"].get("effective")} for r in snap["resources"].values()],
                         "operations": [{"id": o.id, "method": o.method, "resource": o.rid, "status": o.status,
                                         "polls": o.polls} for o in self.arm.ops.values()]}
        if what == "app-env":
            self.after_change()
            return 200, {"text": self.app_env_text}
        if what == "reset" and m == "POST":
            name = (body or {}).get("world") or getattr(self.arm, "world_name", "empty-network")
            try:
                self.reset(name)
            except KeyError as e:
                return 400, {"error": str(e)}
            ok = self.lab.wait(20) if self.lab else True
            return 200, {"world": name, "lab_synced": ok}
        return 404, {"error": f"unknown control path {path} (health, journal, faults, config, roles, principals, "
                              "facts, world, lab, lab/sync, state, app-env, reset)"}

    def describe_principals(self):
        out = {k: dict(p.describe(), client_secret=p.secret) for k, p in self.principals.items()}
        app = self.app_principal()
        if app:
            out["app"] = app.describe()
        return out

    def reset(self, name):
        with self.arm.lock:
            for k in list(self.arm.state):
                del self.arm.state[k]
            self.arm.ops.clear()
            self.arm.op_paths.clear()
            self.arm.facts["manual_approval"] = set()
            self.arm.facts["dns_servers"] = {}
            worlds.build(self.arm, name)
            self.arm.touch()
        self.roles.clear()
        self.default_roles()
        self.faults.clear()
        self.after_change(force=True)


def _auth_error(code, message):
    return Response(401, {"error": {"code": code, "message": message}},
                    {"WWW-Authenticate": f'Bearer authorization_uri="https://login.microsoftonline.com/{worlds.TENANT}", '
                                         f'error="invalid_token", error_description="{message}"'},
                    error_code=code)


def _redacted_form(raw):
    form = urllib.parse.parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: ("(redacted)" if k in REDACT_FORM else v) for k, v in form}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "armtwin"
    sys_version = ""
    timeout = 120

    def log_message(self, fmt, *args):  # quiet; the journal has it
        pass

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    self.send_json(413, {"error": {"code": "RequestEntityTooLarge", "message": "Body too large."}})
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            self.send_json(413, {"error": {"code": "RequestEntityTooLarge", "message": "Body too large."}})
            self.close_connection = True
            return None
        return self.rfile.read(n) if n else b""

    def send_json(self, status, body, headers=None):
        data = b"" if body is None else (json.dumps(body) + "\n").encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.command != "HEAD" and data:
            self.wfile.write(data)

    def drop(self):
        """Reset the connection without answering."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    def _do(self):
        self.server.twin.handle(self, self.server.kind)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = _do


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def __init__(self, sock, twin, kind, ssl_ctx=None):
        socketserver.BaseServer.__init__(self, sock.getsockname(), Handler)
        self.socket = sock
        self.twin, self.kind, self.ssl_ctx = twin, kind, ssl_ctx
        self.server_name, self.server_port = "127.0.0.1", sock.getsockname()[1]

    def finish_request(self, request, client_address):
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # headers and body go out without Nagle's wait
        conn = request
        if self.ssl_ctx is not None:
            request.settimeout(15)
            try:
                conn = self.ssl_ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                request.close()
                return
            conn.settimeout(None)
        try:
            self.RequestHandlerClass(conn, client_address, self)
        except (ConnectionError, ssl.SSLError, OSError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


def listen(port, netns=None):
    """A listening TCP socket on 127.0.0.1:port, in this network namespace or in `netns`
    (via setns(2) for the moment of the bind; the socket stays in that namespace)."""
    if netns is None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(128)
        return s
    import ctypes
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    clone_newnet = 0x40000000
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{netns}", os.O_RDONLY)
    try:
        if libc.setns(target, clone_newnet) != 0:
            raise OSError(ctypes.get_errno(), f"setns into network namespace {netns}")
        try:
            return listen(port)
        finally:
            if libc.setns(own, clone_newnet) != 0:
                raise OSError(ctypes.get_errno(), "setns back into the twin's own network namespace")
    finally:
        os.close(own)
        os.close(target)


def shell_line(k, v):
    return f"{k}={shlex.quote(str(v))}"
