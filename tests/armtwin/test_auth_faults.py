#!/usr/bin/python3
"""Identity, authorization, faults and the journal: the managed-identity and Entra token
endpoints, token expiry and refresh, 401s, role tables (403 AuthorizationFailed and
LinkedAuthorizationFailed naming the action), 429/500/503/409, a failed LRO, dropped connections,
latency, faults from a file, and a journal that never holds a token or secret."""
import http.client
import json
import os
import ssl
import sys
import tempfile
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import identity  # noqa: E402
import worlds as W  # noqa: E402
from twinlib import Checks, Twin  # noqa: E402

N, D, KV, WEB = "2024-01-01", "2024-06-01", "2023-07-01", "2023-12-01"


def mi_raw(twin, query, headers):
    u = urllib.parse.urlsplit(twin.env["IDENTITY_ENDPOINT"])
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    c.request("GET", f"{u.path}?{query}", headers=headers)
    r = c.getresponse()
    body = json.loads(r.read() or b"null")
    c.close()
    return r.status, body


def claims(token):
    return json.loads(identity._unb64(token.split(".")[1]))


def test_identity(c, twin):
    hdr = {"X-IDENTITY-HEADER": twin.env["IDENTITY_HEADER"]}
    res = urllib.parse.quote("https://management.azure.com/", safe="")
    st, b = mi_raw(twin, f"resource={res}&api-version=2019-08-01", hdr)
    c.eq(st, 200, "managed identity: token for ARM")
    c.check(set(b) >= {"access_token", "expires_on", "resource", "token_type"}, "... access_token, expires_on, resource, token_type")
    c.check(isinstance(b["expires_on"], str) and b["expires_on"].isdigit(), "... expires_on is epoch seconds in a string")
    c.eq((b["resource"], b["token_type"]), ("https://management.azure.com/", "Bearer"), "... resource and type")
    cl = claims(b["access_token"])
    c.eq((cl["aud"], cl["tid"], cl.get("xms_mirid")), ("https://management.azure.com/", W.TENANT, W.SITE_ID),
         "... claims: audience, tenant, the site as the identity's resource")
    st, b = mi_raw(twin, f"resource={res}&api-version=2019-08-01", {})
    c.eq(st, 401, "no X-IDENTITY-HEADER -> 401")
    st, b = mi_raw(twin, f"resource={res}&api-version=2019-08-01", {"X-IDENTITY-HEADER": "wrong"})
    c.eq(st, 401, "wrong X-IDENTITY-HEADER -> 401")
    st, b = mi_raw(twin, f"resource={res}&api-version=2018-02-01", hdr)
    c.eq(st, 400, "unsupported api-version -> 400")
    st, b = mi_raw(twin, "api-version=2019-08-01", hdr)
    c.eq(st, 400, "no resource -> 400")
    st, b = mi_raw(twin, f"resource={res}&api-version=2019-08-01&client_id=00000000-0000-0000-0000-000000000001", hdr)
    c.eq(st, 400, "unknown user-assigned client_id -> 400")
    st, b = mi_raw(twin, f"resource={res}&api-version=2017-09-01", {"secret": twin.env["IDENTITY_HEADER"]})
    c.check(st == 200 and "/" in b["expires_on"], "legacy 2017-09-01 with the secret header works (expires_on as a date)", str(b)[:120])
    # Entra client credentials.
    st, b = twin.sp_token()
    c.check(st == 200 and b["token_type"] == "Bearer" and isinstance(b["expires_in"], int), "Entra client credentials: token", str(b)[:200])
    st, b = twin.sp_token(secret="nope")
    c.eq((st, b.get("error")), (401, "invalid_client"), "wrong client secret -> 401 invalid_client")
    c.check("AADSTS7000215" in b.get("error_description", ""), "... AADSTS7000215")
    st, b = twin.sp_token(client_id="11111111-1111-1111-1111-111111111111")
    c.eq((st, b.get("error")), (400, "unauthorized_client"), "unknown client -> 400 unauthorized_client")
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": twin.env["AZURE_CLIENT_ID"],
                                   "client_secret": twin.env["AZURE_CLIENT_SECRET"], "scope": "https://management.azure.com/.default"})
    st, _, b = twin.arm.raw("POST", "/00000000-0000-0000-0000-00000000beef/oauth2/v2.0/token", form, token=False,
                            content_type="application/x-www-form-urlencoded")
    c.eq((st, b.get("error")), (400, "invalid_request"), "unknown tenant -> 400")


def test_tokens_at_arm(c, twin):
    arm = twin.arm
    path = f"{W.RG_ID}/providers/Microsoft.Web/sites/{W.APP}?api-version={WEB}"
    arm.token = None
    st, h, b = arm.raw("GET", path)
    c.eq((st, b["error"]["code"]), (401, "AuthenticationFailed"), "no token -> 401 AuthenticationFailed")
    c.check("www-authenticate" in h, "... with WWW-Authenticate")
    arm.token = "garbage"
    st, h, b = arm.raw("GET", path)
    c.eq((st, b["error"]["code"]), (401, "InvalidAuthenticationToken"), "garbage token -> 401 InvalidAuthenticationToken")
    arm.token = twin.mi_token("https://vault.azure.net")["access_token"]
    st, h, b = arm.raw("GET", path)
    c.eq((st, b["error"]["code"]), (401, "InvalidAuthenticationTokenAudience"), "a Key Vault token at ARM -> 401 wrong audience")
    arm.token = twin.mi_token("https://management.core.windows.net/")["access_token"]
    st, h, b = arm.raw("GET", path)
    c.eq(st, 200, "the other ARM audience (management.core.windows.net) works")
    twin.control("POST", "config", {"token_lifetime": 1})
    tok = twin.mi_token()
    arm.token = tok["access_token"]
    st, _, _ = arm.raw("GET", path)
    c.eq(st, 200, "a 1-second token works at first")
    time.sleep(max(0.0, int(tok["expires_on"]) - time.time()) + 0.05)   # the token's own expiry, nothing to poll
    st, _, b = arm.raw("GET", path)
    c.eq((st, b["error"]["code"]), (401, "ExpiredAuthenticationToken"), "after expires_on -> 401 ExpiredAuthenticationToken")
    twin.control("POST", "config", {"token_lifetime": 3600})
    arm.token = twin.mi_token()["access_token"]
    st, _, _ = arm.raw("GET", path)
    c.eq(st, 200, "a refreshed token works again")


def test_roles(c, twin):
    twin.control("POST", "reset", {"world": "tutorial-complete"})
    twin.control("POST", "config", {"lro_seconds": 0.1, "retry_after": 0})
    reader = twin.arm
    st, b = twin.sp_token(twin.env["READER_CLIENT_ID"], twin.env["READER_CLIENT_SECRET"])
    reader.token = b["access_token"]
    subnet = f"{W.VNET_ID}/subnets/{W.OTHER_SUBNET}"
    st, _, _ = reader.call("GET", subnet, None, N)
    c.eq(st, 200, "Reader can read")
    st, _, b = reader.call("PUT", subnet, {"properties": {"addressPrefix": "10.0.3.0/24"}}, N)
    c.eq((st, b["error"]["code"]), (403, "AuthorizationFailed"), "Reader writing a subnet -> 403 AuthorizationFailed")
    c.check("'Microsoft.Network/virtualNetworks/subnets/write'" in b["error"]["message"] and subnet in b["error"]["message"],
            "... naming the action and the scope", b["error"]["message"])
    st, _, b = reader.call("POST", f"{W.SITE_ID}/config/appsettings/list", None, WEB)
    c.check(st == 403 and "Microsoft.Web/sites/config/list/action" in b["error"]["message"],
            "Reader cannot list app settings (Microsoft.Web/sites/config/list/action)", str(b)[:200])
    st, _, b = reader.call("DELETE", f"{W.NET}/privateEndpoints/{W.CS_PE}", None, N)
    c.check(st == 403 and "Microsoft.Network/privateEndpoints/delete" in b["error"]["message"], "... nor delete (…/delete)")
    # The app's identity with Network rights on endpoints only: the subnet join is missing.
    twin.control("DELETE", "roles?principal=app")
    twin.control("POST", "roles", [{"principal": "app", "actions": ["*/read", "Microsoft.Network/privateEndpoints/*"]}])
    arm = twin.login("mi")
    st, _, b = arm.call("PUT", f"{W.NET}/privateEndpoints/extra-pe", {"location": "westeurope", "properties": {
        "subnet": {"id": f"{W.VNET_ID}/subnets/{W.PE_SUBNET}"},
        "privateLinkServiceConnections": [{"name": "c", "properties": {"privateLinkServiceId": W.KV_ID, "groupIds": ["vault"]}}]}}, N)
    c.eq((st, b["error"]["code"]), (403, "LinkedAuthorizationFailed"), "endpoint without subnets/join/action -> 403 LinkedAuthorizationFailed")
    c.check("Microsoft.Network/virtualNetworks/subnets/join/action" in b["error"]["message"], "... naming the linked action")
    twin.control("POST", "roles", [{"principal": "app", "actions": ["Microsoft.Network/virtualNetworks/subnets/join/action"]}])
    st, _, b = arm.call("PUT", f"{W.NET}/privateEndpoints/extra-pe", {"location": "westeurope", "properties": {
        "subnet": {"id": f"{W.VNET_ID}/subnets/{W.PE_SUBNET}"},
        "privateLinkServiceConnections": [{"name": "c", "properties": {"privateLinkServiceId": W.KV_ID, "groupIds": ["vault"]}}]}}, N)
    c.check(st == 403 and "Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action" in b["error"]["message"],
            "auto-approval needs the target's privateEndpointConnectionsApproval/action", str(b)[:300])
    st, _, b = arm.call("PUT", f"{W.NET}/privateEndpoints/extra-pe", {"location": "westeurope", "properties": {
        "subnet": {"id": f"{W.VNET_ID}/subnets/{W.PE_SUBNET}"},
        "manualPrivateLinkServiceConnections": [{"name": "c", "properties": {"privateLinkServiceId": W.KV_ID, "groupIds": ["vault"]}}]}}, N)
    c.eq(st, 201, "... a manual connection does not (Pending)")
    pec = f"{W.KV_ID}/privateEndpointConnections/extra-pe.{uuid.uuid5(uuid.NAMESPACE_URL, f'{W.NET}/privateEndpoints/extra-pe'.lower())}"
    approve = {"properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "ok"}}}
    twin.control("POST", "roles", [{"principal": "app", "actions": ["Microsoft.KeyVault/vaults/privateEndpointConnections/write"]}])
    st, _, b = arm.call("PUT", pec, approve, KV)
    c.check(st == 403 and b["error"]["code"] == "LinkedAuthorizationFailed"
            and "Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action" in b["error"]["message"],
            "approving on the vault needs privateEndpointConnectionsApproval/action besides the write", str(b)[:300])
    twin.control("POST", "roles", [{"principal": "app", "actions": ["Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action"]}])
    st, _, b = arm.call("PUT", pec, approve, KV)
    c.eq((st, b["properties"]["privateLinkServiceConnectionState"]["status"]), (200, "Approved"), "... and with it, is approved")
    st, _, b = arm.call("PATCH", W.SITE_ID, {"properties": {"httpsOnly": False}}, WEB)
    c.check(st == 403 and "Microsoft.Web/sites/write" in b["error"]["message"], "no Microsoft.Web rights -> 403 on the site")


def test_faults(c, twin):
    twin.control("POST", "reset", {"world": "tutorial-complete"})
    twin.control("POST", "config", {"lro_seconds": 0.2, "retry_after": 0})
    arm = twin.login("mi")
    site = W.SITE_ID
    st, _, b = twin.control("POST", "faults", {"kind": "throttle", "count": 2, "retry_after": 3, "match": {"method": "GET"}})
    c.eq(st, 200, "add a throttle fault")
    for i in (1, 2):
        st, h, b = arm.call("GET", site, None, WEB)
        c.check(st == 429 and h.get("retry-after") == "3" and h.get("x-ms-ratelimit-remaining-subscription-reads") == "0",
                f"throttled call {i}: 429, Retry-After 3, x-ms-ratelimit-remaining-subscription-reads 0", f"{st} {h}")
    c.eq(b["error"]["code"], "SubscriptionRequestsThrottled", "... code SubscriptionRequestsThrottled")
    st, h, _ = arm.call("GET", site, None, WEB)
    c.check(st == 200 and int(h["x-ms-ratelimit-remaining-subscription-reads"]) > 0, "the third call passes, quota header > 0")
    twin.control("POST", "faults", [{"kind": "error", "status": 503, "retry_after": 2}, {"kind": "error"}])
    st, h, b = arm.call("GET", site, None, WEB)
    c.check(st == 503 and b["error"]["code"] == "ServiceUnavailable" and h.get("retry-after") == "2", "503 ServiceUnavailable with Retry-After")
    st, h, b = arm.call("GET", site, None, WEB)
    c.eq((st, b["error"]["code"]), (500, "InternalServerError"), "500 InternalServerError")
    twin.control("POST", "faults", {"kind": "conflict", "match": {"method": "PUT", "path": "/subnets/"}})
    st, _, b = arm.call("GET", site, None, WEB)
    c.eq(st, 200, "a fault matching PUT .../subnets/ leaves a GET alone")
    st, _, b = arm.call("PUT", f"{W.VNET_ID}/subnets/{W.OTHER_SUBNET}", {"properties": {"addressPrefix": "10.0.3.0/24"}}, N)
    c.eq((st, b["error"]["code"]), (409, "AnotherOperationInProgress"), "409 AnotherOperationInProgress")
    twin.control("POST", "faults", {"kind": "lro_fail", "code": "RetryableError", "message": "transient"})
    st, h, b, final = arm.send("PUT", f"{W.VNET_ID}/subnets/{W.OTHER_SUBNET}", {"properties": {"addressPrefix": "10.0.3.0/24"}}, N)
    c.eq((st, final["status"], final["error"]["code"]), (200, "Failed", "RetryableError"), "an operation that ends Failed with the fault's code")
    st, _, b = arm.call("GET", f"{W.VNET_ID}/subnets/{W.OTHER_SUBNET}", None, N)
    c.eq(b["properties"]["provisioningState"], "Failed", "... and the resource says Failed")
    twin.control("POST", "faults", {"kind": "drop_poll"})
    st, h, b = arm.call("PUT", f"{W.VNET_ID}/subnets/{W.OTHER_SUBNET}", {"properties": {"addressPrefix": "10.0.3.0/24"}}, N)
    path = h["azure-asyncoperation"][h["azure-asyncoperation"].index("/", 8):]
    u = urllib.parse.urlsplit(twin.env["ARM_ENDPOINT"])
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ssl.create_default_context(cafile=twin.ca), timeout=10)
    dropped = False
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {arm.token}"})
        conn.getresponse().read()
    except (ConnectionError, http.client.HTTPException, ssl.SSLError, OSError):
        dropped = True
    conn.close()
    c.check(dropped, "drop_poll: the poll's connection is reset without an answer")
    c.eq(arm.wait(h)["status"], "Succeeded", "... and the next poll answers")
    twin.control("POST", "faults", {"kind": "latency", "ms": 400, "count": 1})
    t0 = time.monotonic()
    st, _, _ = arm.call("GET", site, None, WEB)
    c.check(st == 200 and time.monotonic() - t0 >= 0.4, f"latency: answered after {time.monotonic() - t0:.2f} s")
    twin.control("POST", "faults", {"kind": "drop"})
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ssl.create_default_context(cafile=twin.ca), timeout=10)
    try:
        conn.request("GET", f"{site}?api-version={WEB}", headers={"Authorization": f"Bearer {arm.token}"})
        conn.getresponse().read()
        dropped = False
    except (ConnectionError, http.client.HTTPException, ssl.SSLError, OSError):
        dropped = True
    conn.close()
    c.check(dropped, "drop: the call's connection is reset")
    twin.control("POST", "faults", {"kind": "token_error"})
    st, b = mi_raw(twin, "resource=https%3A%2F%2Fmanagement.azure.com%2F&api-version=2019-08-01",
                   {"X-IDENTITY-HEADER": twin.env["IDENTITY_HEADER"]})
    c.eq(st, 500, "token_error: the identity endpoint fails once")
    st, _, b = twin.control("POST", "faults", {"kind": "nonsense"})
    c.eq(st, 400, "an unknown fault kind is refused")
    st, _, b = twin.control("GET", "faults")
    c.eq(b["faults"], [], "every fault was used up")


def test_journal(c, twin):
    st, _, j = twin.control("GET", "journal")
    entries = j["entries"]
    c.check(len(entries) > 20, f"the journal has the calls ({len(entries)})")
    e = next(e for e in entries if e.get("operation") == "network:Subnets_CreateOrUpdate")
    c.check(set(e) >= {"method", "path", "api_version", "body", "status"}, "entries: method, path, api-version, body, status", str(e))
    c.eq(e["body"], {"properties": {"addressPrefix": "10.0.3.0/24"}}, "... the request body as sent")
    text = json.dumps(j)
    tokens = [twin.mi_token()["access_token"][:20], "eyJ0eXAi", twin.env["AZURE_CLIENT_SECRET"], twin.env["READER_CLIENT_SECRET"]]
    c.check(not any(t in text for t in tokens), "no token or client secret anywhere in the journal")
    entra = [e for e in entries if e["kind"] == "entra"]
    c.check(entra and all(e["body"].get("client_secret") == "(redacted)" for e in entra), "Entra bodies have the secret redacted")
    throttled = [e for e in entries if e.get("status") == 429]
    c.check(len(throttled) == 2 and throttled[0]["error_code"] == "SubscriptionRequestsThrottled", "throttled calls are journaled with their code")
    st, _, j2 = twin.control("GET", f"journal?since={entries[-1]['seq']}")
    c.check(all(x["seq"] > entries[-1]["seq"] for x in j2["entries"]), "journal?since=N returns only newer entries")


def test_faults_file(c):
    path = os.path.join(tempfile.mkdtemp(prefix="armtwin-faults-"), "faults.json")
    with open(path, "w") as f:
        json.dump([{"kind": "throttle", "retry_after": 7}], f)
    twin = Twin("empty-network", "--faults", path)
    try:
        arm = twin.login("mi")
        st, h, _ = arm.call("GET", W.SITE_ID, None, WEB)
        c.check(st == 429 and h.get("retry-after") == "7", "--faults FILE: the first ARM call is throttled", f"{st}")
        st, _, _ = arm.call("GET", W.SITE_ID, None, WEB)
        c.eq(st, 200, "... the second is not")
    finally:
        twin.stop()
        os.remove(path)


def main():
    c = Checks("test_auth_faults")
    twin = Twin("empty-network")
    try:
        for t in (test_identity, test_tokens_at_arm, test_roles, test_faults, test_journal):
            c.run(t, twin)
    finally:
        twin.stop()
    c.run(test_faults_file)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
