#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets added for issue 12 (tests/fuzz/corpus/<target>/).

Seeds are cut from the recorded ARM answers and the REST spec examples in ../shared/azure-specs
(recordings/*.json, specification/**/examples/*.json), keeping what the parsers read, plus
handwritten edge cases. Run from anywhere; it overwrites only the seeds it names.
    python3 tests/fuzz/make_corpus.py [path/to/azure-specs]
"""
import base64
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SPECS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../shared/azure-specs")
SUB = "00000000-0000-0000-0000-000000000000"
RG = f"/subscriptions/{SUB}/resourceGroups/rg"
ARM = "https://management.azure.com"


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    assert len(data) < 16 * 1024, (target, name, len(data))
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def example(path_glob):
    files = glob.glob(os.path.join(SPECS, "specification", "**", "examples", path_glob),
                      recursive=True)
    assert files, path_glob
    with open(files[0]) as f:
        return json.load(f)


def response(ex, status="200"):
    return ex["responses"][status]["body"]


def recording(name):
    with open(os.path.join(SPECS, "recordings", f"azure-cli.{name}.excerpt.json")) as f:
        return json.load(f)["interactions"]


def answer(status, body=None, headers=None):
    """One answer in the scripted format of fake_http.hpp."""
    head = "".join(f"{k}: {v}\n" for k, v in (headers or {}).items())
    if body is None:
        text = ""
    elif isinstance(body, str):
        text = body
    else:
        text = json.dumps(body, separators=(",", ":"))
    return f"{status}\n{head}\n{text}"


def script(*answers):
    return "\0".join(answers)


def jwt(claims):
    enc = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()
    return enc({"alg": "RS256", "typ": "JWT"}) + "." + enc(claims) + ".c2lnbmF0dXJl"


# ---------------------------------------------------------------- ARM bodies, renamed to one world
VNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet"
SUBNET = f"{VNET}/subnets/integration"
PE_SUBNET = f"{VNET}/subnets/endpoints"
PLAN = f"{RG}/providers/Microsoft.Web/serverfarms/plan"
KV = f"{RG}/providers/Microsoft.KeyVault/vaults/kv1"
CS = f"{RG}/providers/Microsoft.CognitiveServices/accounts/cs1"
CS_CN = f"{RG}/providers/Microsoft.CognitiveServices/accounts/cs-china"
KV_ZONE = f"{RG}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"
CS_ZONE = f"{RG}/providers/Microsoft.Network/privateDnsZones/privatelink.cognitiveservices.azure.com"
PE = f"{RG}/providers/Microsoft.Network/privateEndpoints/kv1-pe"
NIC = f"{RG}/providers/Microsoft.Network/networkInterfaces/kv1-pe.nic"


def site():
    s = response(example("GetWebApp.json"))
    props = s["properties"]
    keep = {k: props[k] for k in ("state", "hostNames", "enabled", "httpsOnly") if k in props}
    keep.update({"serverFarmId": PLAN, "virtualNetworkSubnetId": SUBNET, "vnetRouteAllEnabled": True,
                 "publicNetworkAccess": "Enabled"})
    return {"id": f"{RG}/providers/Microsoft.Web/sites/app", "name": "app", "type": s["type"],
            "location": "West Europe", "kind": "app,linux", "properties": keep}


def site_config():
    c = response(example("GetSiteConfig.json"))
    props = {k: v for k, v in c["properties"].items()
             if k in ("vnetRouteAllEnabled", "vnetName", "linuxFxVersion", "ipSecurityRestrictions")}
    props["vnetRouteAllEnabled"] = True
    return {"id": f"{RG}/providers/Microsoft.Web/sites/app/config/web", "properties": props}


def vault(public="Disabled"):
    v = response(example("getVault.json"))
    props = {k: v["properties"][k] for k in ("tenantId", "sku", "vaultUri", "provisioningState")
             if k in v["properties"]}
    props["vaultUri"] = "https://kv1.vault.azure.net/"
    props["publicNetworkAccess"] = public
    props["networkAcls"] = {"bypass": "AzureServices", "defaultAction": "Deny", "ipRules": [],
                            "virtualNetworkRules": []}
    props["privateEndpointConnections"] = [{"id": f"{KV}/privateEndpointConnections/c1",
        "properties": {"privateEndpoint": {"id": PE},
                       "privateLinkServiceConnectionState": {"status": "Approved"}}}]
    return {"id": KV, "name": "kv1", "type": v["type"], "location": "westeurope", "properties": props}


def account(name, rid):
    a = response(example("GetAccount.json"))
    return {"id": rid, "name": name, "type": a["type"], "kind": a.get("kind", "TextAnalytics"),
            "location": "westeurope",
            "properties": {"customSubDomainName": name, "publicNetworkAccess": "Disabled",
                           "endpoint": f"https://{name}.cognitiveservices.azure.com/",
                           "networkAcls": {"defaultAction": "Deny"}}}


def endpoint():
    pe = response(example("PrivateEndpointGet.json"))
    conn = pe["properties"]["privateLinkServiceConnections"][0]
    conn["properties"]["privateLinkServiceId"] = KV
    conn["properties"]["groupIds"] = ["vault"]
    conn["properties"]["privateLinkServiceConnectionState"] = {"status": "Approved"}
    return {"id": PE, "name": "kv1-pe", "location": "westeurope",
            "properties": {"subnet": {"id": PE_SUBNET},
                           "privateLinkServiceConnections": [conn],
                           "manualPrivateLinkServiceConnections": [],
                           "networkInterfaces": [{"id": NIC}],
                           "customDnsConfigs": [{"fqdn": "kv1.vault.azure.net",
                                                 "ipAddresses": ["10.0.1.4"]}]}}


def zone(zid, name):
    z = response(example("PrivateZoneGet.json"))
    return {"id": zid, "name": name, "type": z["type"], "location": "global",
            "properties": z["properties"]}


def vnet():
    v = response(example("VirtualNetworkGetWithSubnetDelegation.json"))
    deleg = v["properties"]["subnets"][0]["properties"].get("delegations", [])
    for d in deleg:
        d["properties"]["serviceName"] = "Microsoft.Web/serverFarms"
    return {"id": VNET, "name": "vnet", "location": "westeurope",
            "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                           "dhcpOptions": {"dnsServers": []},
                           "subnets": [
                               {"id": SUBNET, "name": "integration",
                                "properties": {"addressPrefix": "10.0.0.0/24", "delegations": deleg}},
                               {"id": PE_SUBNET, "name": "endpoints",
                                "properties": {"addressPrefix": "10.0.1.0/24",
                                               "privateEndpointNetworkPolicies": "Disabled"}}]}}


def app_settings():
    s = response(example("ListAppSettings.json"))
    s["properties"] = {"WEBSITE_VNET_ROUTE_ALL": "1", "WEBSITE_DNS_SERVER": "168.63.129.16"}
    return s


def plan():
    p = response(example("GetAppServicePlan.json"))
    return {"id": PLAN, "name": "plan", "sku": p["sku"], "kind": "linux", "location": "westeurope",
            "properties": {"reserved": True}}


def links(zid):
    l = response(example("VirtualNetworkLinkList.json"))
    item = l["value"][0]
    item["id"] = f"{zid}/virtualNetworkLinks/link"
    item["properties"]["virtualNetwork"] = {"id": VNET}
    item["properties"]["virtualNetworkLinkState"] = "Completed"
    return {"value": [item]}


def a_records(zid, name, ip):
    r = response(example("RecordSetAList.json"))
    item = r["value"][0]
    item["id"] = f"{zid}/A/{name}"
    item["name"] = name
    item["properties"]["aRecords"] = [{"ipv4Address": ip}]
    return {"value": [item]}


def groups():
    g = response(example("PrivateEndpointDnsZoneGroupList.json"))
    item = g["value"][0]
    item["id"] = f"{PE}/privateDnsZoneGroups/default"
    for c in item["properties"]["privateDnsZoneConfigs"]:
        c["properties"]["privateDnsZoneId"] = KV_ZONE
    return {"value": [item]}


def nic():
    return {"id": NIC, "name": "kv1-pe.nic",
            "properties": {"ipConfigurations": [{"name": "ipconfig",
                "properties": {"privateIPAddress": "10.0.1.4", "subnet": {"id": PE_SUBNET}}}]}}


def plr():
    r = response(example("ListPrivateLinkResources.json"))
    for v in r["value"]:
        v["properties"]["requiredZoneNames"] = ["privatelink.cognitiveservices.azure.cn"]
    return r


def topology_seeds():
    ok = lambda b, h=None: answer(200, b, h)
    round1 = [ok(site()), ok(site_config()), ok({"value": [vault()]}),
              ok({"value": [account("cs1", CS), account("cs-china", CS_CN)]}),
              ok({"value": [endpoint()]}),
              ok({"value": [zone(KV_ZONE, "privatelink.vaultcore.azure.net"),
                            zone(CS_ZONE, "privatelink.cognitiveservices.azure.com")]}),
              ok({"value": [vnet()]})]
    settings = ok(app_settings())
    china = ok(plr())
    round2 = [ok(plan()), ok(vnet()["properties"]["subnets"][0]), ok(vnet()),
              ok(links(KV_ZONE)), ok(a_records(KV_ZONE, "kv1", "10.0.1.4")),
              ok(links(CS_ZONE)), ok(a_records(CS_ZONE, "cs1", "10.0.1.5")),
              ok(groups()), ok(nic())]
    write("arm_topology", "tutorial_end_state", script(*round1, settings, china, *round2))
    # Vaults list in two pages, the second naming a loop back to the first.
    page1 = {"value": [], "nextLink": f"{ARM}{RG}/providers/Microsoft.KeyVault/vaults?api-version=2023-07-01&$skiptoken=2"}
    page2 = {"value": [vault("Enabled")], "nextLink": page1["nextLink"]}
    paged = list(round1)
    paged[2] = ok(page1)
    write("arm_topology", "paging_loop", script(*paged, ok(page2), settings))
    evil = list(round1)
    evil[2] = ok({"value": [], "nextLink": "https://management.azure.com.evil.example/x"})
    write("arm_topology", "nextlink_elsewhere", script(*evil, settings))
    denied = {"error": {"code": "AuthorizationFailed", "message": "The client 'x' with object id 'y' does not have authorization to perform action 'Microsoft.Network/privateDnsZones/read' over scope '/subscriptions/s/resourceGroups/rg' or the scope is invalid."}}
    broken = [answer(404, {"error": {"code": "ResourceNotFound", "message": "not found"}}),
              answer(200, "<html>gateway</html>"), answer(403, denied),
              answer(200, {"value": {"not": "a list"}}), answer(429, "", {"Retry-After": "1"}),
              answer(503, "", {"Retry-After": "nan"}), answer("x"), answer(200, [1, 2, 3])]
    write("arm_topology", "reads_that_fail", script(*broken, answer(401, {"error": {"code": "ExpiredAuthenticationToken"}})))
    wrong_types = [ok({"id": 5, "properties": {"serverFarmId": [], "virtualNetworkSubnetId": "/subscriptions"}}),
                   ok({"properties": None}), ok({"value": [1, "a", None, {"name": 7}]}),
                   ok({"value": [{"name": "cs-china", "id": None}]}),
                   ok({"value": [{"id": "", "properties": {"networkInterfaces": [{"id": 3}, {}]}}]}),
                   ok({"value": [{"name": "privatelink.vaultcore.azure.net", "id": []}]}), ok({"value": []})]
    write("arm_topology", "wrong_types", script(*wrong_types, ok({"properties": []}), ok({"value": [{"properties": {"requiredZoneNames": [1]}}]})))


def lro_seeds():
    for name in ("test_PutZone_ZoneExistsIfNoneMatchFailure_ExpectError",
                 "test_private_endpoint_connection_keyvault", "test_webapp_vnetDelegation"):
        answers = []
        for i in recording(name):
            r = i["response"]
            headers = {k: v for k, v in r.get("headers", {}).items()
                       if k in ("azure-asyncoperation", "location", "retry-after")}
            answers.append(answer(r["status"], r.get("body"), headers))
        write("arm_lro", name.replace("test_", "recorded_"), script(*answers))
    mon = f"{ARM}{RG}/providers/Microsoft.Network/privateDnsOperationStatuses/op?api-version=2018-09-01"
    loc = f"{ARM}{RG}/providers/Microsoft.Network/privateDnsOperationResults/op?api-version=2018-09-01"
    for i, ra in enumerate(["nan", "-1", "0", "99999999999", "Wed, 21 Oct 2015 07:28:00 GMT",
                            "Fri, 31 Dec 9999 23:59:59 GMT", " 5 ", "1e3"]):
        write("arm_lro", f"retry_after_{i}",
              script(answer(202, {}, {"Azure-AsyncOperation": mon, "Retry-After": ra}),
                     answer(200, {"status": "InProgress"}, {"Retry-After": ra}),
                     answer(200, {"status": "Succeeded"}), answer(200, {"id": "x"})))
    write("arm_lro", "location_only",
          script(answer(202, "", {"Location": loc}), answer(202, "", {"Location": loc + "&n=2"}),
                 answer(200, {"properties": {"provisioningState": "Succeeded"}}), answer(200, {})))
    write("arm_lro", "status_forbidden",
          script(answer(201, {"properties": {"provisioningState": "Updating"}}, {"Azure-AsyncOperation": mon}),
                 answer(403, {"error": {"code": "AuthorizationFailed"}}),
                 answer(200, {"properties": {"provisioningState": "Failed"}})))
    write("arm_lro", "failed_with_error",
          script(answer(202, "", {"Azure-AsyncOperation": mon}),
                 answer(200, {"status": "Failed", "error": {"code": "Conflict", "message": "m",
                      "details": [{"code": "d", "message": "x"}]}})))
    write("arm_lro", "monitor_elsewhere",
          script(answer(202, "", {"Azure-AsyncOperation": "http://169.254.169.254/op",
                                  "Location": "https://evil.example/op"})))
    write("arm_lro", "provisioning_canceled",
          script(answer(200, {"properties": {"provisioningState": "Accepted"}}),
                 answer(200, {"properties": {"provisioningState": "Canceled"}})))


def error_seeds():
    for ex in ("PutZone_ZoneExistsIfNoneMatchFailure_ExpectError",):
        for i in recording("test_" + ex):
            b = i["response"].get("body")
            if isinstance(b, dict) and "error" in b:
                write("arm_error", "recorded_precondition_failed", json.dumps({"error": b["error"]}))
    write("arm_error", "authorization_failed", json.dumps({"error": {"code": "AuthorizationFailed",
        "message": "The client 'a' with object id 'b' does not have authorization to perform action 'Microsoft.Network/privateEndpoints/write' over scope '/subscriptions/s' or the scope is invalid. If access was recently granted, please refresh your credentials."}}))
    write("arm_error", "web_error_entity", json.dumps({"Code": "Conflict", "Message": "Cannot change",
        "Target": None, "Details": [{"Message": "Cannot change"}, {"Code": "Conflict"},
        {"ErrorEntity": {"ExtendedCode": "04021", "MessageTemplate": "x", "Parameters": [], "Code": "Conflict", "Message": "Cannot change"}}],
        "Innererror": None}))
    write("arm_error", "details_only", json.dumps({"error": {"code": "", "details": [{"message": "first"}, 5, None]}}))
    write("arm_error", "html_gateway", "<html><body><h1>502 Bad Gateway</h1>\n</body></html>\n")
    write("arm_error", "not_object", "[\"error\"]")
    write("arm_error", "unterminated_action", json.dumps({"error": {"code": "AuthorizationFailed", "message": "perform action 'never closed"}}))
    write("arm_error", "empty", "")


def token_seeds():
    exp = 1893456000
    tok = jwt({"aud": "https://management.azure.com/", "exp": exp, "iss": "https://sts.windows.net/t/"})
    write("token_response", "app_service_2019", script(answer(200, {"access_token": tok,
        "expires_on": str(exp), "resource": "https://management.azure.com/", "token_type": "Bearer",
        "client_id": "c"})))
    write("token_response", "legacy_msi_date", script(answer(500, "upstream"), answer(200, {"access_token": tok,
        "expires_on": "09/14/2030 00:00:00 +00:00", "resource": "https://management.azure.com/",
        "token_type": "Bearer"})))
    write("token_response", "expires_in", script(answer(200, {"access_token": "opaque", "expires_in": "3599"})))
    write("token_response", "numeric_expires_on", script(answer(200, {"access_token": tok, "expires_on": 1.7e9})))
    write("token_response", "error_description", script(answer(400, {"error": "invalid_request",
        "error_description": "Identity not found"}), answer(403, {"message": "forbidden", "error": 5})))
    write("token_response", "unreachable_then_garbage", script(answer("-"), answer(200, "{\"access_token\":")))
    write("token_response", "huge_expiry", script(answer(200, {"access_token": "t", "expires_on": "9999999999999",
        "expires_in": -5, "expiresOn": "2024-13-45 99:99:99"})))


def cli_seeds():
    exp = 1893456000
    tok = jwt({"aud": "https://management.azure.com/", "exp": exp})
    write("cli_output", "az_2_54", json.dumps({"accessToken": tok, "expiresOn": "2030-01-01 12:00:00.000000",
        "expires_on": exp, "subscription": SUB, "tenant": "t", "tokenType": "Bearer"}, indent=2) + "\n")
    write("cli_output", "az_old", json.dumps({"accessToken": "opaque", "expiresOn": "2030-01-01 12:00:00.000000",
        "subscription": SUB, "tenant": "t", "tokenType": "Bearer"}, indent=2))
    write("cli_output", "jwt_only", tok + "\n")
    write("cli_output", "jwt_float_exp", jwt({"exp": 1.9e9}))
    write("cli_output", "jwt_string_exp", jwt({"exp": "2030-01-01T00:00:00"}))
    write("cli_output", "jwt_bad_base64", "a.!!!!.c")
    write("cli_output", "az_login_warning", "WARNING: run 'az login'\n{\"accessToken\": 1}")


def resource_id_seeds():
    ids = set()
    def walk(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k == "id" and isinstance(v, str) and v.startswith("/subscriptions"):
                    ids.add(v)
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    for f in glob.glob(os.path.join(SPECS, "specification", "**", "examples", "*.json"), recursive=True):
        with open(f) as fh:
            walk(json.load(fh))
    by_type = {}
    for i in sorted(ids):
        parts = i.split("/")
        by_type.setdefault(tuple(p.lower() for p in parts[5:][::2]), i)
    for n, i in enumerate(sorted(by_type.values())[:24]):
        write("resource_id", f"spec_{n:02d}", i)
    write("resource_id", "pair_same", f"{SUBNET}\n{SUBNET.upper()}")
    write("resource_id", "subscription_only", f"/subscriptions/{SUB}")
    write("resource_id", "odd_segments", f"{RG}/providers/Microsoft.Network/virtualNetworks")
    write("resource_id", "empty_names", "/subscriptions//resourceGroups//providers//a/")
    write("resource_id", "not_rooted", "subscriptions/x/resourceGroups/y")


def url_seeds():
    urls = [f"{ARM}{RG}/providers/Microsoft.KeyVault/vaults?api-version=2023-07-01",
            "https://management.azure.com:443/subscriptions/x/operations/y?api-version=1",
            "HTTPS://MANAGEMENT.AZURE.COM/x", "https://management.azure.com.evil.example/x",
            "https://user:pass@management.azure.com/x", "https://management.azure.com:8443/x",
            "http://management.azure.com/x", "http://127.0.0.1:41741/msi/token?api-version=2019-08-01",
            "http://169.254.169.254/metadata/identity/oauth2/token", "http://[::1]:8080/token",
            "http://localhost./token", "https://login.microsoftonline.com/t/oauth2/v2.0/token",
            "ftp://management.azure.com/x", "//management.azure.com/x", "https://[fe80::1%25eth0]/",
            "https://management.azure.com:99999999999/", "https://%6danagement.azure.com/",
            "management.azure.com/x"]
    for n, u in enumerate(urls):
        write("url_trust", f"url_{n:02d}", u)


def settings_seeds():
    write("settings_config", "full_config", json.dumps({"keyvault": ["securekeyvault2021", "kv2.vault.azure.net"],
        "cognitive": "securecstext2021", "target": ["api.example.com:8443"], "dns_server": ["168.63.129.16", "[fd00::53]:5353"],
        "cloud": "AzureCloud", "output": "json", "timeout": 10, "dns_timeout": 2, "connect_timeout": 3,
        "tls_timeout": 3, "http_timeout": 3, "route_all": "on", "app": "app", "resource_group": "rg",
        "subscription": SUB}, indent=2))
    write("settings_config", "env_and_flags", json.dumps({"keyvault": "kv1"}) + "\0\0" +
          "VNETDIAG_KEYVAULT=a, b,,c\0VNETDIAG_TIMEOUT=4.5\0VNETDIAG_CLOUD=AzureChinaCloud\0VNETDIAG_DNS_SERVER=10.0.0.2:53" +
          "\0\0" + "--keyvault\0kv9\0--dns-server\0[::1]:53\0-o\0junit\0--timeout\0nan")
    write("settings_config", "bad_types", json.dumps({"keyvault": [1], "timeout": "ten", "x": 1}))
    write("settings_config", "huge_number", '{"timeout": 1e999}')
    write("settings_config", "arm_endpoint", json.dumps({"arm_endpoint": "https://armtwin.local:8443", "cloud": "azureusgovernment"}) +
          "\0\0VNETDIAG_ARM_ENDPOINT=http://x\0VNETDIAG_TIMEOUT=1e400\0\0--target\0host:99999")
    write("settings_config", "not_json", "keyvault = kv1\n")


def env_seeds():
    base = {"WEBSITE_SITE_NAME": "app", "WEBSITE_RESOURCE_GROUP": "rg",
            "WEBSITE_OWNER_NAME": f"{SUB}+rg-WestEuropewebspace-Linux", "WEBSITE_SLOT_NAME": "Production",
            "WEBSITE_INSTANCE_ID": "a" * 64, "REGION_NAME": "West Europe", "WEBSITE_SKU": "PremiumV3",
            "WEBSITE_HOSTNAME": "app.azurewebsites.net", "WEBSITE_PRIVATE_IP": "10.0.0.4",
            "WEBSITE_DNS_SERVER": "168.63.129.16", "WEBSITE_VNET_ROUTE_ALL": "1",
            "WEBSITE_DNS_ALT_SERVER": "10.0.0.53", "PATH": "/usr/bin", "HOME": "/home"}
    block = lambda d: "\0".join(f"{k}={v}" for k, v in d.items()) + "\0"
    write("app_env", "linux_app", block(base))
    bad = dict(base, WEBSITE_OWNER_NAME="not-a-guid+rg", WEBSITE_PRIVATE_IP="10.0.0.999",
               WEBSITE_DNS_SERVER="1.1.1.1, ,fd00::1,x", WEBSITE_VNET_ROUTE_ALL="yes")
    write("app_env", "garbage_values", block(bad))
    write("app_env", "windows_owner", block({"WEBSITE_SITE_NAME": "app", "WEBSITE_OWNER_NAME": f"{SUB}+my-rg-2-EastUS2webspace"}))
    write("app_env", "no_app", block({"PATH": "/bin", "=x": "y", "A": ""}))
    write("app_env", "owner_dashes", block({"WEBSITE_SITE_NAME": "app", "WEBSITE_OWNER_NAME": f"{SUB}+-webspace-Linux"}))


def serve_seeds():
    reqs = {"livez": "GET /livez HTTP/1.1\r\nHost: a\r\n\r\n",
            "metrics_openmetrics": "GET /metrics HTTP/1.1\r\nHost: a\r\nAccept: application/openmetrics-text;version=1.0.0;q=0.9, text/plain;version=0.0.4;q=0.5, */*;q=0.1\r\n\r\n",
            "report_text": "HEAD /report?format=text HTTP/1.0\r\n\r\n",
            "probe": "GET /probe?target=kv1.vault.azure.net&x=%zz+%41 HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
            "post_body": "POST /readyz HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
            "chunked": "GET /report HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "absolute_form": "GET http://a/metrics?format=json HTTP/1.1\r\nAccept: text/*;q=0\r\n\r\n",
            "bad_line": "GET\r\n\r\n"}
    for k, v in reqs.items():
        write("serve_request", k, v)


def snapshot_seeds():
    u64 = lambda v: struct.pack("<Q", v)
    f64 = lambda v: struct.pack("<d", v)
    s = lambda t: u64(len(t.encode())) + t.encode()
    def snap(has_report, verdict, problems, error, runs, ready, bodies, targets):
        out = u64(has_report) + u64(verdict) + u64(len(problems)) + b"".join(s(p) for p in problems)
        out += s(error) + u64(runs) + u64(0) + f64(1.7e9) + f64(0.42) + u64(ready)
        out += b"".join(s(b) for b in bodies) + u64(len(targets))
        out += b"".join(s(n) + s(h) + s(j) for n, h, j in targets)
        return out
    bodies = ['{"status":"ready"}\n', '{"verdict":"ok"}\n', "ok\n", "# TYPE probe_success gauge\nprobe_success 1\n",
              "# EOF\n"]
    write("serve_snapshot", "ok", snap(1, 0, [], "", 3, 1, bodies,
                                      [("kv1.vault.azure.net", "kv1.vault.azure.net", '{"target":"kv1"}\n')]))
    write("serve_snapshot", "critical", snap(1, 2, ["dns.public_address", "kv.public_source"], "", 9, 0, bodies, []))
    write("serve_snapshot", "could_not_run", snap(0, 3, [], "resolver unusable", 1, 0, bodies, []))
    write("serve_snapshot", "truncated", snap(1, 0, [], "", 3, 1, bodies, [])[:-3])


def service_seeds():
    kv_info = "conn_type=Ipv4;addr=10.0.0.4;act_addr_fam=InterNetwork;"
    write("service_answer", "kv_private", answer(200, '{"status":"up"}', {
        "x-ms-keyvault-network-info": kv_info, "x-ms-keyvault-region": "westeurope",
        "x-ms-request-id": "r", "Content-Type": "application/json; charset=utf-8", "Server": "Kestrel"}))
    write("service_answer", "kv_public", answer(200, "", {"x-ms-keyvault-network-info": "conn_type=Ipv4;addr=20.1.2.3;act_addr_fam=InterNetwork;"}))
    write("service_answer", "kv_firewall", answer(403, json.dumps({"error": {"code": "Forbidden",
        "message": "Client address is not authorized and caller is not a trusted service.\r\nClient address: 20.1.2.3",
        "innererror": {"code": "ForbiddenByFirewall"}}}), {"x-ms-keyvault-network-info": "conn_type=Ipv4;addr=20.1.2.3;act_addr_fam=InterNetwork;"}))
    write("service_answer", "cs_public_disabled", answer(403, json.dumps({"error": {"code": "AuthenticationFailed",
        "message": "Public access is disabled. Please configure private endpoint."}})))
    write("service_answer", "cs_firewall", answer(403, json.dumps({"error": {"code": "403",
        "message": "Access denied due to Virtual Network/Firewall rules."}})))
    write("service_answer", "cs_401", answer(401, json.dumps({"error": {"code": "401",
        "message": "Access denied due to invalid subscription key or wrong API endpoint."}})))
    write("service_answer", "not_the_vault", answer(200, "<html>captive portal</html>", {"Server": "nginx"}))
    write("service_answer", "v6_addr", answer(200, "", {"x-ms-keyvault-network-info": " ADDR=fd00::4 ;addr=;addr=10.0.0.4"}))
    write("service_answer", "transport_failure", answer("-"))


def cert_seeds():
    with tempfile.TemporaryDirectory() as tmp:
        key, pem, der = (os.path.join(tmp, n) for n in ("k.pem", "c.pem", "c.der"))
        cmds = [
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", key, "-out", pem, "-days", "30", "-subj", "/CN=kv1.vault.azure.net/O=vnetdiag fuzz",
             "-addext", "subjectAltName=DNS:kv1.vault.azure.net,DNS:*.vault.azure.net,IP:10.0.1.4,email:a@b"],
            ["openssl", "x509", "-in", pem, "-outform", "DER", "-out", der]]
        for c in cmds:
            subprocess.run(c, check=True, capture_output=True)
        with open(der, "rb") as f:
            write("tls_certificate", "kv_leaf_sans", f.read())
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", key, "-out", pem, "-days", "3650", "-subj", "/CN=no-sans",
                        "-set_serial", "1"], check=True, capture_output=True)
        subprocess.run(["openssl", "x509", "-in", pem, "-outform", "DER", "-out", der], check=True)
        with open(der, "rb") as f:
            write("tls_certificate", "no_sans_long", f.read())
    for n, name in enumerate(["ISRG_Root_X1.pem", "DigiCert_Global_Root_G2.pem"]):
        path = os.path.join("/etc/ssl/certs", name)
        if os.path.exists(path):
            der = subprocess.run(["openssl", "x509", "-in", path, "-outform", "DER"], check=True,
                                 capture_output=True).stdout
            write("tls_certificate", f"ca_{n}", der)


if __name__ == "__main__":
    topology_seeds()
    lro_seeds()
    error_seeds()
    token_seeds()
    cli_seeds()
    resource_id_seeds()
    url_seeds()
    settings_seeds()
    env_seeds()
    serve_seeds()
    snapshot_seeds()
    service_seeds()
    cert_seeds()
