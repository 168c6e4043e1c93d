"""Microsoft.Web 2023-12-01 in the twin: serverfarms (plans) and sites. Their VNet integration,
config/web and config/appsettings: rp_web_integration.py.

Behaviour: errors come in App Service's unwrapped PascalCase shape ({"Code","Message",
"Details":[...ErrorEntity...]}); sites answer PUT/PATCH synchronously (200, as recorded); a
plan PUT that changes the SKU is long-running (202 + Location + Azure-AsyncOperation). App
settings are one dictionary: PUT replaces all of them. vnetRouteAllEnabled is one value seen
through the site and config/web. Regional VNet integration (site property
virtualNetworkSubnetId, or the networkConfig/virtualNetwork "swift" resource) needs the subnet
delegated to Microsoft.Web/serverFarms, the plan at Standard or above, the VNet in the app's
region and the subnet free of other plans; it gives the app an address in the subnet (first
free from .4, WEBSITE_PRIVATE_IP) and the subnet a service association link. In a site PUT or
PATCH an absent virtualNetworkSubnetId leaves the integration alone; null or "" removes it.
"""
import copy
import hashlib
import uuid

from core import LroStyle, Provider, Res, Response, iso, merge_patch, web_error

T_PLAN = "Microsoft.Web/serverfarms"
T_SITE = "Microsoft.Web/sites"
T_CONFIG = "Microsoft.Web/sites/config"
T_SUBNET = "Microsoft.Network/virtualNetworks/subnets"

TIER_RANK = {"free": 0, "shared": 0, "dynamic": 0, "basic": 1, "standard": 2, "premium": 3,
             "premiumv2": 3, "premiumv3": 3, "premium0v3": 3, "premiummv3": 3, "isolated": 3,
             "isolatedv2": 3, "elasticpremium": 3, "workflowstandard": 3}

DEFAULT_CONFIG = {
    "numberOfWorkers": 1,
    "defaultDocuments": ["Default.htm", "Default.html", "Default.asp", "index.htm", "index.html",
                         "iisstart.htm", "default.aspx", "index.php", "hostingstart.html"],
    "netFrameworkVersion": "v4.0", "phpVersion": "", "pythonVersion": "", "nodeVersion": "",
    "powerShellVersion": "", "linuxFxVersion": "PYTHON|3.11", "requestTracingEnabled": False,
    "remoteDebuggingEnabled": False, "httpLoggingEnabled": False, "acrUseManagedIdentityCreds": False,
    "logsDirectorySizeLimit": 35, "detailedErrorLoggingEnabled": False, "use32BitWorkerProcess": True,
    "webSocketsEnabled": False, "alwaysOn": True, "appCommandLine": "", "managedPipelineMode": "Integrated",
    "virtualApplications": [{"virtualPath": "/", "physicalPath": "site\\wwwroot", "preloadEnabled": True}],
    "loadBalancing": "LeastRequests", "autoHealEnabled": False, "vnetName": "", "vnetRouteAllEnabled": False,
    "vnetPrivatePortsCount": 0, "http20Enabled": False, "minTlsVersion": "1.2", "scmMinTlsVersion": "1.2",
    "ftpsState": "FtpsOnly", "functionAppScaleLimit": 0, "functionsRuntimeScaleMonitoringEnabled": False,
    "minimumElasticInstanceCount": 0, "azureStorageAccounts": {},
}

SITE_DEFAULTS = {
    "enabled": True, "reserved": True, "isXenon": False, "hyperV": False, "vnetImagePullEnabled": False,
    "vnetContentShareEnabled": False, "scmSiteAlsoStopped": False, "clientAffinityEnabled": True,
    "clientCertEnabled": False, "clientCertMode": "Required", "hostNamesDisabled": False, "containerSize": 0,
    "dailyMemoryTimeQuota": 0, "httpsOnly": False, "redundancyMode": "None", "storageAccountRequired": False,
    "keyVaultReferenceIdentity": "SystemAssigned",
}
# Site properties that live elsewhere or are managed by the twin.
SITE_SPECIAL = ("siteConfig", "vnetRouteAllEnabled", "virtualNetworkSubnetId", "serverFarmId")


def sku_info(sku):
    name = (sku.get("name") or "").upper()
    tier = sku.get("tier")
    if not tier:
        if name.startswith("EP"):
            tier = "ElasticPremium"
        elif name == "Y1":
            tier = "Dynamic"
        elif name.startswith("P") and name.endswith("V3"):
            tier = "PremiumV3"
        elif name.startswith("P") and name.endswith("V2"):
            tier = "PremiumV2"
        elif name.startswith("I") and name.endswith("V2"):
            tier = "IsolatedV2"
        else:
            tier = {"F": "Free", "D": "Shared", "B": "Basic", "S": "Standard", "P": "Premium",
                    "I": "Isolated"}.get(name[:1], "Standard")
    family = sku.get("family") or (name[:-1] if name[-1:].isdigit() else name.rstrip("0123456789V"))
    if name.endswith(("V2", "V3")):
        family = name[0] + name[-2:].lower()
    return {"name": name, "tier": tier, "size": sku.get("size") or name, "family": family,
            "capacity": sku.get("capacity") or 1}


class WebRP:
    def _web_not_found(self, what, name):
        return web_error(404, "NotFound", f"Cannot find {what} with name {name}.", "51004")

    # -- plans -----------------------------------------------------------------------------------
    def render_plan(self, res):
        body = copy.deepcopy(res.body)
        sites = [s for s in self.all_of(T_SITE)
                 if (s.body["properties"].get("serverFarmId") or "").lower() == res.id.lower()]
        body["properties"]["numberOfSites"] = len(sites)
        body["properties"]["numberOfWorkers"] = body["sku"].get("capacity", 1)
        return body

    def _plan_item(self, op, params):
        rid = self.item_id(op, params)
        plan = self.get(rid)
        if plan is None:
            raise self.not_found(rid)
        return plan

    def h_web_AppServicePlans_Get(self, req, op, params):
        plan = self._plan_item(op, params)
        return Response(200, self.render(plan), self.headers_for(plan))

    def h_web_AppServicePlans_List(self, req, op, params):
        return self._list(op, params, T_PLAN)

    def h_web_AppServicePlans_ListByResourceGroup(self, req, op, params):
        return self._list(op, params, T_PLAN)

    def _integrated_sites(self, plan_id):
        return [s for s in self.all_of(T_SITE)
                if (s.body["properties"].get("serverFarmId") or "").lower() == plan_id.lower()
                and s.meta.get("integration_subnet")]

    def h_web_AppServicePlans_CreateOrUpdate(self, req, op, params):
        rid = self.item_id(op, params)
        existing = self.get(rid)
        self.preconditions(req, existing)
        body = self.body_of(req, op)
        loc = self.require_location(body, existing, rid)
        sku = sku_info(body.get("sku") or (existing.body["sku"] if existing else {"name": "F1"}))
        if existing is not None and TIER_RANK.get(sku["tier"].lower(), 3) < 2:
            integrated = self._integrated_sites(rid)
            if integrated:
                raise web_error(409, "Conflict",
                                f"Cannot change the App Service plan {rid.split('/')[-1]} to {sku['name']} "
                                f"({sku['tier']}): app {integrated[0].body['name']} uses regional VNet "
                                "integration, which needs Standard or above.", "52010")
        props = copy.deepcopy(body.get("properties") or {})
        kind = body.get("kind") or (existing.body.get("kind") if existing else "linux")
        props.setdefault("reserved", "linux" in kind.lower())
        display = self.display_location(loc)
        p = rid.split("/")
        props.update({"status": "Ready", "maximumNumberOfWorkers": 30, "geoRegion": display,
                      "isSpot": props.get("isSpot", False), "isXenon": props.get("isXenon", False),
                      "hyperV": props.get("hyperV", False), "targetWorkerCount": props.get("targetWorkerCount", 0),
                      "targetWorkerSizeId": props.get("targetWorkerSizeId", 0), "provisioningState": "Succeeded",
                      "subscription": p[2], "resourceGroup": p[4], "perSiteScaling": props.get("perSiteScaling", False),
                      "elasticScaleEnabled": props.get("elasticScaleEnabled", False),
                      "maximumElasticWorkerCount": props.get("maximumElasticWorkerCount", 1),
                      "zoneRedundant": props.get("zoneRedundant", False)})
        plan = existing or Res(rid, T_PLAN, {})
        changed = existing is not None and existing.body["sku"]["name"] != sku["name"]
        plan.body = {"id": plan.id, "name": p[-1], "type": T_PLAN, "kind": kind, "location": display,
                     "tags": body.get("tags") or {}, "properties": props, "sku": sku}
        plan.etag = self.new_etag("web")
        plan.meta["effective"] = True
        self.put_res(plan)
        if changed:
            plan.body["properties"]["provisioningState"] = "InProgress"

            def ok():
                plan.body["properties"]["provisioningState"] = "Succeeded"

            op_ = self.start_op("web", req, rid, on_success=ok, location=loc,
                                final=lambda: (200, self.render(plan)))
            return Response(202, self.render(plan), {**self.lro_headers(req, op_, location=True),
                                                     **self.headers_for(plan)})
        return Response(200, self.render(plan), self.headers_for(plan))

    def h_web_AppServicePlans_Update(self, req, op, params):
        plan = self._plan_item(op, params)
        self.preconditions(req, plan)
        body = self.body_of(req, op)
        if body.get("properties"):
            keep = {k: plan.body["properties"][k] for k in ("status", "geoRegion", "provisioningState",
                                                             "subscription", "resourceGroup",
                                                             "maximumNumberOfWorkers")}
            plan.body["properties"] = merge_patch(plan.body["properties"], body["properties"])
            plan.body["properties"].update(keep)
        for k in ("kind", "tags"):
            if k in body:
                plan.body[k] = body[k]
        plan.etag = self.new_etag("web")
        self.touch()
        return Response(200, self.render(plan), self.headers_for(plan))

    def h_web_AppServicePlans_Delete(self, req, op, params):
        rid = self.item_id(op, params)
        plan = self.get(rid)
        if plan is None:
            return Response(204)
        sites = [s for s in self.all_of(T_SITE)
                 if (s.body["properties"].get("serverFarmId") or "").lower() == plan.id.lower()]
        if sites:
            raise web_error(409, "Conflict", f"Server farm '{plan.body['name']}' cannot be deleted because it has "
                                             f"web app(s) {', '.join(s.body['name'] for s in sites)} assigned to it.",
                            "11001")
        self.remove(rid)
        return Response(200)

    # -- sites ------------------------------------------------------------------------------------
    def config_of(self, site):
        return self.get(f"{site.id}/config/web")

    def settings_of(self, site):
        return self.get(f"{site.id}/config/appsettings")

    def render_site(self, res):
        body = copy.deepcopy(res.body)
        props = body["properties"]
        name = body["name"]
        cfg = self.config_of(res)
        cfgp = copy.deepcopy(cfg.body["properties"]) if cfg else copy.deepcopy(DEFAULT_CONFIG)
        host = f"{name}.azurewebsites.net"
        props.update({
            "state": "Running", "hostNames": [host], "repositorySiteName": name, "usageState": "Normal",
            "enabledHostNames": [host, f"{name}.scm.azurewebsites.net"], "availabilityState": "Normal",
            "lastModifiedTimeUtc": res.meta.get("modified", iso()), "vnetRouteAllEnabled": cfgp.get("vnetRouteAllEnabled", False),
            "siteConfig": cfgp, "outboundIpAddresses": self.facts["outbound_address"],
            "possibleOutboundIpAddresses": self.facts["outbound_address"], "resourceGroup": res.id.split("/")[4],
            "defaultHostName": host, "customDomainVerificationId": uuid.uuid5(uuid.NAMESPACE_URL, res.id.lower()).hex.upper(),
        })
        props.setdefault("hostNameSslStates", [{"name": host, "sslState": "Disabled", "hostType": "Standard"},
                                               {"name": f"{name}.scm.azurewebsites.net", "sslState": "Disabled",
                                                "hostType": "Repository"}])
        if res.meta.get("integration_subnet"):
            props["virtualNetworkSubnetId"] = res.meta["integration_subnet"]
        if self.facts.get("site_outbound_routing"):  # newer api-versions' property (rp_web_kvrefs.py)
            props["outboundVnetRouting"] = self.site_outbound_routing(res)
        return body

    def _site_item(self, op, params, upto=None):
        rid = self.item_id(op, params, upto)
        site = self.get(rid)
        if site is None:
            if upto:
                raise self._web_not_found("Website", rid.split("/")[-1])
            raise self.not_found(rid)
        return site

    def h_web_WebApps_Get(self, req, op, params):
        site = self._site_item(op, params)
        return Response(200, self.render(site), self.headers_for(site))

    def h_web_WebApps_List(self, req, op, params):
        return self._list(op, params, T_SITE)

    def h_web_WebApps_ListByResourceGroup(self, req, op, params):
        return self._list(op, params, T_SITE)

    def site_principal(self, site):
        ident = site.body.get("identity") or {}
        return ident.get("principalId")

    def h_web_WebApps_CreateOrUpdate(self, req, op, params):
        rid = self.item_id(op, params)
        existing = self.get(rid)
        self.preconditions(req, existing)
        body = self.body_of(req, op)
        return self._write_site(req, rid, existing, body, patch=False)

    def h_web_WebApps_Update(self, req, op, params):
        site = self._site_item(op, params)
        self.preconditions(req, site)
        body = self.body_of(req, op)
        return self._write_site(req, site.id, site, body, patch=True)

    def _write_site(self, req, rid, existing, body, patch):
        loc = existing.body["location"] if (patch and existing) else self.require_location(body, existing, rid)
        props = body.get("properties") or {}
        farm_id = props.get("serverFarmId") or (existing.body["properties"].get("serverFarmId") if existing else None)
        if not farm_id:
            raise web_error(400, "BadRequest", "The parameter properties.serverFarmId is required to create a site.",
                            "51021")
        farm = self.get(farm_id)
        if farm is None or farm.type != T_PLAN:
            raise self._web_not_found("ServerFarm", farm_id.split("/")[-1])
        name = rid.split("/")[-1]
        plan_integration = None
        if "virtualNetworkSubnetId" in props:
            target = props.get("virtualNetworkSubnetId") or None
            current = existing.meta.get("integration_subnet") if existing else None
            if target and (not current or current.lower() != target.lower() or
                           farm.id.lower() != existing.body["properties"]["serverFarmId"].lower()):
                plan_integration = ("add", self._integration_check(req, rid, loc, farm, target))
            elif not target and current:
                plan_integration = ("remove", None)
        elif existing and existing.meta.get("integration_subnet") and \
                farm.id.lower() != existing.body["properties"]["serverFarmId"].lower():
            subnet = self.get(existing.meta["integration_subnet"])
            plan_integration = ("add", self._integration_check(req, rid, loc, farm, subnet.id))
        if patch:
            stored = merge_patch(existing.body["properties"],
                                 {k: v for k, v in props.items() if k not in SITE_SPECIAL})
        else:
            stored = copy.deepcopy(SITE_DEFAULTS)
            stored.update({k: v for k, v in props.items() if k not in SITE_SPECIAL})
        for k in ("state", "hostNames", "repositorySiteName", "usageState", "enabledHostNames", "availabilityState",
                  "lastModifiedTimeUtc", "outboundIpAddresses", "possibleOutboundIpAddresses", "resourceGroup",
                  "defaultHostName", "customDomainVerificationId"):
            stored.pop(k, None)
        stored["serverFarmId"] = farm.id
        site = existing or Res(rid, T_SITE, {})
        identity = body.get("identity") if body.get("identity") is not None else \
            (existing.body.get("identity") if existing else None)
        if identity and "systemassigned" in (identity.get("type") or "").lower():
            identity = dict(identity, principalId=str(uuid.uuid5(uuid.NAMESPACE_URL, "mi:" + rid.lower())),
                            tenantId=self.facts["tenant"])
        site.body = {"id": site.id, "name": name, "type": T_SITE,
                     "kind": body.get("kind") or (existing.body.get("kind") if existing else "app,linux"),
                     "location": self.display_location(loc), "tags": body.get("tags") if "tags" in body
                     else (existing.body.get("tags", {}) if existing else {}),
                     "properties": stored}
        if identity:
            site.body["identity"] = identity
        site.etag = self.new_etag("web")
        site.meta["effective"] = True
        site.meta["modified"] = iso()
        self.put_res(site)
        cfg = self.config_of(site)
        if cfg is None:
            cfg = Res(f"{site.id}/config/web", T_CONFIG, {"properties": copy.deepcopy(DEFAULT_CONFIG)},
                      effective=True)
            self.put_res(cfg)
        if props.get("siteConfig"):
            cfg.body["properties"].update({k: v for k, v in props["siteConfig"].items()
                                           if v is not None and k != "vnetName"})
        if props.get("vnetRouteAllEnabled") is not None:
            cfg.body["properties"]["vnetRouteAllEnabled"] = props["vnetRouteAllEnabled"]
        if self.settings_of(site) is None:
            self.put_res(Res(f"{site.id}/config/appsettings", T_CONFIG, {"properties": {}}, effective=True))
        if plan_integration:
            self._apply_integration(site, plan_integration[1])
        return Response(200, self.render(site), self.headers_for(site))

    def h_web_WebApps_Restart(self, req, op, params):
        """POST .../restart: the app's process starts again and sees ARM's configuration as it is
        now (the fact app_process back to "running")."""
        self._site_item(op, params, len(op.segments) - 1)
        self.facts["app_process"] = "running"
        self.touch()
        return Response(200)

    # -- scale-out instances (WebApps_ListInstanceIdentifiers) ------------------------------------
    def site_instance_ids(self, site):
        """The app's instances: the fact site_instances {site name (lower): count or [ids]} (worlds.py
        gives the tutorial's app 2), else one. The first id is the app environment's
        WEBSITE_INSTANCE_ID (world_from_state.app_environment); the others derive from it."""
        want = (self.facts.get("site_instances") or {}).get(site.body["name"].lower(), 1)
        if isinstance(want, list):
            return [str(i) for i in want]
        base = site.id.lower()
        return [hashlib.sha256((base if i == 0 else f"{base}#{i}").encode()).hexdigest()
                for i in range(max(0, int(want)))]

    def h_web_WebApps_ListInstanceIdentifiers(self, req, op, params):
        site = self._site_item(op, params, len(op.segments) - 1)
        name = site.body["name"]
        scm = f"https://{name}.scm.azurewebsites.net"
        items = [{"id": f"{site.id}/instances/{iid}", "name": iid, "type": "Microsoft.Web/sites/instances",
                  "location": site.body.get("location"),
                  "properties": {"state": "READY", "statusUrl": f"{scm}/api/vfs/..", "containers": {},
                                 "consoleUrl": f"{scm}/DebugConsole?instance={iid}",
                                 "healthCheckUrl": f"{scm}/api/health/{iid}",
                                 "detectorUrl": "https://portal.azure.com/"}}
                 for iid in self.site_instance_ids(site)]
        return self.list_response(items)

    def h_web_WebApps_ListInstanceIdentifiersSlot(self, req, op, params):
        site = self._site_item(op, params, len(op.segments) - 3)
        raise self._web_not_found("Website slot", f"{site.body['name']}/{params.get('slot')}")

    def h_web_WebApps_Delete(self, req, op, params):
        rid = self.item_id(op, params)
        site = self.get(rid)
        if site is None:
            return Response(404, None)
        self._apply_integration(site, None)
        for k in [k for k in self.state if k.startswith(site.id.lower() + "/")]:
            self.state.pop(k, None)
        self.remove(site.id)
        return Response(200)


PROVIDER = Provider(
    "web", WebRP, namespaces=("Microsoft.Web",),
    specs={"web": ("2023-12-01", ["web/resource-manager/Microsoft.Web/stable/2023-12-01/WebApps.json",
                                  "web/resource-manager/Microsoft.Web/stable/2023-12-01/AppServicePlans.json"])},
    renderers={T_PLAN: "render_plan", T_SITE: "render_site"},
    lro_styles={"web": LroStyle(lambda sub, rg, loc, opid, rid: (f"{rid}/operationResults/{opid}",
                                                                  f"{rid}/operationresults/{opid}/location"))},
    error_shapes={"web": "web"})
