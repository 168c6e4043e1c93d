"""The twin's token issuers, as Twin methods: the App Service managed-identity endpoint (plain
HTTP, `IDENTITY_ENDPOINT`, 2019-08-01 with X-IDENTITY-HEADER or legacy 2017-09-01 with `secret`),
the Entra v2 token endpoint (client credentials; AADSTS-style errors) and /metadata/endpoints."""
import time
import urllib.parse
import uuid

from core import Response


class TokenEndpoints:
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
