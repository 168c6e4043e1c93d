"""Microsoft.Web Key Vault references (Web 2023-12-01, WebApps.json): WebApps_GetAppSettingsKeyVault-
References (GET {site}/config/configreferences/appsettings, {"value": [ApiKVReference]}, paged) and
WebApps_GetAppSettingKeyVaultReference (.../appsettings/{key}). For every app setting whose value is
`@Microsoft.KeyVault(SecretUri=...)` or `@Microsoft.KeyVault(VaultName=...;SecretName=...[;SecretVersion=...])`
the status is computed the way App Service resolves it:

  InvalidSyntax          the reference cannot be parsed
  MSINotEnabled          the site has no system identity (or keyVaultReferenceIdentity names a
                         user-assigned identity the site does not have)
  VaultNotFound          no vault of that name in any subscription of the twin
  AccessToKeyVaultDenied the identity has no `get` on secrets in the vault's accessPolicies (RBAC
                         vaults: granted -- the twin has no data-plane roles); or the vault refuses
                         the app's public outbound address and the app cannot reach it privately:
                         not integrated, or neither vnetRouteAllEnabled nor outboundVnetRouting
                         allTraffic/applicationTraffic routes the platform's fetch into the VNet
                         (WEBSITE_VNET_ROUTE_ALL is the app's process setting, not the platform's),
                         or the vault's name does not resolve privately from the app's VNet, or its
                         endpoint is not reachable -- `details` says which
  Resolved               otherwise (secrets themselves are not modelled: they exist)

Also the fact site_outbound_routing ({allTraffic, applicationTraffic, contentShareTraffic,
imagePullTraffic, backupRestoreTraffic}): the Web 2023-12-01 spec has no outboundVnetRouting, so a
world sets it as a twin fact and GET site bodies carry it, as newer api-versions return it."""
import copy
import re
import urllib.parse

import world_from_state
from core import Provider, Response, web_error

T_VAULT = "Microsoft.KeyVault/vaults"
_KV = re.compile(r"^@Microsoft\.KeyVault\((?P<args>.*)\)\s*$", re.IGNORECASE | re.DOTALL)


def parse_reference(value):
    """(vault, secret, version) of a Key Vault reference, None if it is not one, ValueError if malformed."""
    m = _KV.match(value or "") if isinstance(value, str) else None
    if not m:
        return None
    args = {}
    for part in m.group("args").split(";"):
        k, sep, v = part.partition("=")
        if part.strip() and not sep:
            raise ValueError(f"'{part}' is not Name=Value")
        if sep:
            args[k.strip().lower()] = v.strip()
    if "secreturi" in args:
        url = urllib.parse.urlsplit(args["secreturi"])
        host = (url.hostname or "").lower()
        segs = [s for s in url.path.split("/") if s]
        if url.scheme != "https" or not host.endswith(".vault.azure.net") or len(segs) < 2 or segs[0] != "secrets":
            raise ValueError(f"SecretUri '{args['secreturi']}' is not https://<vault>.vault.azure.net/secrets/<name>")
        return host.split(".")[0], segs[1], segs[2] if len(segs) > 2 else ""
    if args.get("vaultname") and args.get("secretname"):
        return args["vaultname"].lower(), args["secretname"], args.get("secretversion", "")
    raise ValueError("neither SecretUri nor VaultName and SecretName")


class WebKvReferencesRP:
    def h_web_WebApps_GetAppSettingsKeyVaultReferences(self, req, op, params):
        site = self._site_item(op, params, 8)
        return self.list_response(self.kv_references(site))

    def h_web_WebApps_GetAppSettingKeyVaultReference(self, req, op, params):
        site = self._site_item(op, params, 8)
        key = params["appSettingKey"]
        for ref in self.kv_references(site):
            if ref["name"].lower() == key.lower():
                return Response(200, ref)
        raise web_error(404, "NotFound", f"Cannot find a Key Vault reference for app setting {key}.", "51004")

    def kv_references(self, site):
        settings = self.settings_of(site)
        values = settings.body["properties"] if settings else {}
        out = []
        for key, value in values.items():
            try:
                parsed = parse_reference(value)
            except ValueError as e:
                out.append(self._kv_body(site, key, value, "InvalidSyntax", None, str(e)))
                continue
            if parsed is not None:
                status, details = self._kv_status(site, *parsed)
                out.append(self._kv_body(site, key, value, status, parsed, details))
        return out

    def _kv_body(self, site, key, value, status, parsed, details):
        vault, secret, version = parsed or ("", "", "")
        identity = self._kv_identity(site)[0]
        props = {"reference": value, "status": status, "vaultName": vault, "secretName": secret,
                 "secretVersion": version, "identityType": {"type": identity}, "details": details or "",
                 "source": "KeyVault"}
        if status == "Resolved":
            props["activeVersion"] = version or "00000000000000000000000000000001"
        return {"id": f"{site.id}/config/configreferences/appsettings/{key}", "name": key,
                "type": "Microsoft.Web/sites/config/configreferences", "properties": props}

    def _kv_identity(self, site):
        """(identity type the reference uses, its principal id or None, why not)."""
        ident = site.body.get("identity") or {}
        kind = ident.get("type") or "None"
        wanted = site.body["properties"].get("keyVaultReferenceIdentity") or "SystemAssigned"
        if wanted.lower() == "systemassigned":
            if "systemassigned" not in kind.lower().replace(" ", ""):
                return "SystemAssigned", None, "the site has no system-assigned identity"
            return "SystemAssigned", ident.get("principalId"), None
        users = {k.lower(): v for k, v in (ident.get("userAssignedIdentities") or {}).items()}
        if wanted.lower() not in users:
            return "UserAssigned", None, (f"keyVaultReferenceIdentity {wanted} is not a user-assigned identity "
                                          "of the site")
        return "UserAssigned", (users[wanted.lower()] or {}).get("principalId"), None

    def _kv_status(self, site, vault_name, secret, version):
        _, principal, why = self._kv_identity(site)
        if principal is None:
            return "MSINotEnabled", why or "the identity has no principal id"
        vault = next((v for v in self.all_of(T_VAULT) if v.body["name"].lower() == vault_name.lower()), None)
        if vault is None:
            return "VaultNotFound", f"Key Vault '{vault_name}' does not exist in any subscription"
        vprops = vault.body["properties"]
        if not vprops.get("enableRbacAuthorization"):
            granted = any(p.get("objectId") == principal and
                          {s.lower() for s in (p.get("permissions") or {}).get("secrets") or []} & {"get", "all"}
                          for p in vprops.get("accessPolicies") or [])
            if not granted:
                return "AccessToKeyVaultDenied", (f"identity {principal} has no 'get' permission on secrets in "
                                                  f"the access policies of {vault.id}")
        blocked = self._kv_network(site, vault)
        if blocked:
            return "AccessToKeyVaultDenied", blocked
        return "Resolved", ""

    def _kv_network(self, site, vault):
        """Why the platform's fetch cannot reach the vault, or None."""
        snap = self.snapshot()
        res = snap["resources"][vault.id.lower()]
        if world_from_state.public_access(res, self.facts.get("outbound_address")) == "Enabled":
            return None
        where = f"{vault.id} denies public network access"
        if not site.meta.get("integration_subnet"):
            return f"{where} and the app is not integrated into a VNet"
        cfg = self.config_of(site)
        outbound = self.site_outbound_routing(site)
        if not ((cfg and cfg.body["properties"].get("vnetRouteAllEnabled")) or outbound.get("allTraffic")
                or outbound.get("applicationTraffic")):
            return (f"{where} and the Key Vault reference is fetched over the public route: neither "
                    "vnetRouteAllEnabled nor outboundVnetRouting.allTraffic/applicationTraffic is on")
        world = world_from_state.translate(snap, site.id)
        name = vault.body["name"].lower()
        svc = next((s for s in world["services"] if s["kind"] == "vault" and s["name"] == name), {})
        pe = svc.get("private_endpoint")
        if not pe or pe["connection"] != "Approved":
            return f"{where} and it has no approved private endpoint"
        zone = world["zones"].get(world_from_state.PRIVATE_ZONES["vault"]) or {}
        if not zone.get("linked") or zone.get("records", {}).get(name) != pe["address"]:
            return (f"{where} and {name}.vault.azure.net does not resolve to its private endpoint {pe['address']} "
                    "from the app's VNet")
        if pe.get("port") == "drop":
            return f"{where} and its private endpoint {pe['address']} is not reachable from the app's subnet"
        return None

    def site_outbound_routing(self, site):
        """outboundVnetRouting of a site (the fact site_outbound_routing; {} when not set)."""
        return copy.deepcopy(self.facts.get("site_outbound_routing") or {})


PROVIDER = Provider("web_kvrefs", WebKvReferencesRP)
