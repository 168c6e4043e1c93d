"""The twin's token issuers, as Twin methods: the App Service managed-identity endpoint (plain
HTTP, `IDENTITY_ENDPOINT`, 2019-08-01 with X-IDENTITY-HEADER or legacy 2017-09-01 with `secret`),
IMDS (/metadata/identity/oauth2/token on the same plain-HTTP port, `Metadata: true`), the Entra v2
token endpoint (client credentials with a secret, a certificate's RS256 client assertion or a
workload identity's federated token; AADSTS errors) and /metadata/endpoints.

Certificates and federated identity records are registered per principal through the control API
(POST /_twin/credentials, see credentials_control)."""
import time
import urllib.parse
import uuid

import identity
from core import Response

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"


class TokenEndpoints:
    def identity_endpoint(self, h, path, query):
        if self.faults.take(("token_error",), h.command, path):
            return Response(500, {"statusCode": 500, "message": "The managed identity endpoint failed (fault injected by the ARM twin)."},
                            error_code="token_error")
        if path.rstrip("/") == "/metadata/identity/oauth2/token" and h.command == "GET":
            return self.imds(h, query)
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
            if form.get("client_assertion_type") != JWT_BEARER:
                return err(400, "invalid_request", 90014, "The required field 'client_assertion_type' is missing "
                                                          "or is not " + JWT_BEARER + ".")
            problem = self.check_assertion(p, form["client_assertion"], tenant)
            if problem:
                return err(*problem)
        elif form.get("client_secret") != p.secret or p.secret is None:
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

    def check_assertion(self, p, assertion, tenant):
        """None when the client assertion authenticates principal p, else (status, error, AADSTS number,
        text). A certificate assertion (x5t / x5t#S256 header, iss = sub = client id) is checked against
        the principal's registered certificates; any other JWT is a federated token checked against its
        federated identity records (issuer, subject, audience, the issuer's key)."""
        try:
            header, claims, signing_input, sig = identity.split_jwt(assertion)
        except ValueError:
            return 401, "invalid_client", 50027, "JWT token is invalid or malformed."
        now = time.time()
        if header.get("x5t#S256") or header.get("x5t"):
            cert = identity.find_certificate(p, header)
            if cert is None or header.get("alg") != "RS256" or \
                    not identity.rs256_valid(cert.public_key(), signing_input, sig):
                return 401, "invalid_client", 700027, ("Client assertion failed signature validation. The key was "
                                                       "not found or the signature does not match." if cert is None else
                                                       "Client assertion failed signature validation.")
            if claims.get("iss") != p.app_id or claims.get("sub") != p.app_id:
                return 401, "invalid_client", 700021, ("Client assertion application identifier doesn't match "
                                                       "'client_id' parameter.")
            aud = claims.get("aud")
            expected = f"{self.urls.get('arm', '')}/{tenant}/oauth2/v2.0/token"
            if aud != expected and aud != f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token":
                return 401, "invalid_client", 700023, "Client assertion audience claim does not match Realm issuer."
        else:
            records = getattr(p, "federated", [])
            issuer = [r for r in records if r["issuer"] == claims.get("iss")]
            if not issuer:
                return 400, "invalid_request", 700211, ("No matching federated identity record found for presented "
                                                        "assertion issuer.")
            subject = [r for r in issuer if r["subject"] == claims.get("sub")]
            if not subject:
                return 400, "invalid_request", 700213, ("No matching federated identity record found for presented "
                                                        "assertion subject.")
            auds = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
            record = next((r for r in subject if set(r["audiences"]) & set(auds)), None)
            if record is None:
                return 400, "invalid_request", 700212, ("No matching federated identity record found for presented "
                                                        "assertion audience.")
            if header.get("alg") != "RS256" or not identity.rs256_valid(record["key"], signing_input, sig):
                return 401, "invalid_client", 700027, "Client assertion failed signature validation."
        exp, nbf = claims.get("exp"), claims.get("nbf", 0)
        if not isinstance(exp, (int, float)) or exp <= now - 300 or nbf > now + 300:
            return 401, "invalid_client", 700024, "Client assertion is not within its valid time range."
        return None

    def credentials_control(self, m, body):
        """POST /_twin/credentials {"principal": "fixer", "certificate": PEM} registers a certificate;
        {"principal": ..., "federated": {"issuer", "subject", "audiences"?, "key": PEM public key}} a
        federated identity record; {"principal": ..., "secret": null} removes the client secret.
        GET lists them (thumbprints and issuers only)."""
        if m == "POST":
            b = body or {}
            p = self.principal_by(b.get("principal", ""))
            if p is None or p.kind != "ServicePrincipal":
                return 400, {"error": f"unknown service principal {b.get('principal')!r} (fixer, reader, or an id)"}
            try:
                if "certificate" in b:
                    p.certificates = getattr(p, "certificates", []) + [identity.load_certificate(b["certificate"])]
                if "federated" in b:
                    f = b["federated"]
                    p.federated = getattr(p, "federated", []) + [{
                        "issuer": f["issuer"], "subject": f["subject"],
                        "audiences": f.get("audiences") or [TOKEN_EXCHANGE_AUDIENCE],
                        "key": identity.load_public_key(f["key"])}]
                if "secret" in b and b["secret"] is None:
                    p.secret = None
            except (KeyError, ValueError, TypeError) as e:
                return 400, {"error": f"bad credential: {e}"}
        out = {}
        for name, p in self.principals.items():
            out[name] = {"certificates": [identity.thumbprints(c) for c in getattr(p, "certificates", [])],
                         "federated": [{"issuer": r["issuer"], "subject": r["subject"], "audiences": r["audiences"]}
                                       for r in getattr(p, "federated", [])],
                         "has_secret": p.secret is not None}
        return 200, out

    def imds(self, h, query):
        """IMDS's token endpoint (api-version 2018-02-01 and later), for the app's identity as the VM's."""
        def bad(text):
            return Response(400, {"error": "invalid_request", "error_description": text}, error_code="invalid_request")
        if h.headers.get("Metadata", "").lower() != "true":
            return bad("Required metadata header not specified")
        if not query.get("api-version"):
            return bad("Required query variable 'api-version' is missing")
        resource = query.get("resource")
        if not resource:
            return bad("Required query variable 'resource' is missing")
        app = self.app_principal()
        for key in ("client_id", "object_id", "msi_res_id"):
            if query.get(key) and (app is None or query[key].lower() not in
                                   (app.app_id.lower(), app.object_id.lower(), (app.resource_id or "").lower())):
                return bad("Identity not found")
        if app is None:
            return bad("Identity not found")
        token, exp = self.issue(app, resource)
        now = int(time.time())
        return Response(200, {"access_token": token, "client_id": app.app_id, "expires_in": str(exp - now),
                              "expires_on": str(exp), "ext_expires_in": str(exp - now),
                              "not_before": str(now), "resource": resource, "token_type": "Bearer"})

    def metadata(self):
        return [{"name": "AzureCloud", "resourceManager": self.urls.get("arm", "") + "/",
                 "authentication": {"loginEndpoint": self.urls.get("arm", "") + "/",
                                    "audiences": ["https://management.core.windows.net/",
                                                  "https://management.azure.com/"],
                                    "tenant": "common", "identityProvider": "AAD"},
                 "suffixes": {"keyVaultDns": "vault.azure.net"}}]
