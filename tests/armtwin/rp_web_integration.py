"""Microsoft.Web 2023-12-01 in the twin, a site's network side: regional VNet integration (the
site's virtualNetworkSubnetId, the networkConfig/virtualNetwork "swift" resource and the
virtualNetworkConnections list), config/web and config/appsettings. Plans and sites: rp_web.py.

Integration needs the subnet delegated to Microsoft.Web/serverFarms, the plan at Standard or
above, the VNet in the app's region and the subnet free of other plans; it gives the app an
address in the subnet (first free from .4, WEBSITE_PRIVATE_IP) and the subnet a service
association link. vnetRouteAllEnabled is one value seen through the site and config/web. App
settings are one dictionary: PUT replaces all of them; values must be strings.
"""
import copy

from core import Provider, Response, merge_patch, norm_loc, parent_of, web_error
from rp_web import DEFAULT_CONFIG, T_CONFIG, T_SITE, T_SUBNET, TIER_RANK


class WebIntegrationRP:
    # -- integration ------------------------------------------------------------------------------
    def _integration_check(self, req, site_id, site_location, farm, subnet_id):
        subnet = self.get(subnet_id)
        if subnet is None or subnet.type != T_SUBNET:
            raise web_error(400, "BadRequest", f"Subnet '{subnet_id}' was not found. Give the resource id of an "
                                               "existing subnet.", "51050")
        self.authorize_linked(req, "Microsoft.Web/sites/write", "Microsoft.Network/virtualNetworks/subnets/join/action",
                              subnet.id, site_id)
        sname = subnet.body["name"]
        if not any(((d.get("properties") or {}).get("serviceName") or "").lower() == "microsoft.web/serverfarms"
                   for d in subnet.body["properties"].get("delegations", [])):
            raise web_error(400, "BadRequest", f"Subnet {sname} is missing a delegation to Microsoft.Web/serverFarms. "
                                               "Please add the delegation and try again.", "51052")
        tier = farm.body["sku"]["tier"]
        if TIER_RANK.get(tier.lower(), 3) < 2:
            raise web_error(400, "BadRequest", f"The App Service plan {farm.body['name']} is in the {tier} tier; "
                                               "regional VNet integration needs Standard or above.", "51053")
        vnet = self.get(parent_of(subnet.id))
        if norm_loc(vnet.body["location"]) != norm_loc(site_location):
            raise web_error(400, "BadRequest", f"The virtual network {vnet.body['name']} is in "
                                               f"{vnet.body['location']} and the app in {norm_loc(site_location)}; "
                                               "regional VNet integration needs both in the same region.", "51054")
        for sal in subnet.meta.get("sals", []):
            if sal["properties"]["link"].lower() != farm.id.lower():
                raise web_error(409, "Conflict", f"Subnet {sname} is in use by App Service plan "
                                                 f"{sal['properties']['link']}; a subnet can be used by only one "
                                                 "App Service plan.", "51055")
        return subnet

    def _apply_integration(self, site, subnet):
        """Move the site's integration to `subnet` (None: remove it)."""
        old_id = site.meta.get("integration_subnet")
        farm_id = site.body["properties"]["serverFarmId"]
        if old_id and (subnet is None or old_id.lower() != subnet.id.lower()):
            old = self.get(old_id)
            site.meta.pop("integration_subnet", None)
            site.meta.pop("integration_ip", None)
            if old is not None:
                others = [s for s in self.all_of(T_SITE) if (s.meta.get("integration_subnet") or "").lower()
                          == old.id.lower() and s.body["properties"]["serverFarmId"].lower() == farm_id.lower()]
                if not others:
                    old.meta["sals"] = []
            cfg = self.config_of(site)
            if cfg:
                cfg.body["properties"]["vnetName"] = ""
        if subnet is not None:
            if not site.meta.get("integration_ip"):
                site.meta["integration_ip"] = self.allocate_ip(subnet)
            site.meta["integration_subnet"] = subnet.id
            link_id = f"{subnet.id}/serviceAssociationLinks/AppServiceLink"
            subnet.meta["sals"] = [{"name": "AppServiceLink", "id": link_id, "etag": subnet.etag,
                                    "type": "Microsoft.Network/virtualNetworks/subnets/serviceAssociationLinks",
                                    "properties": {"provisioningState": "Succeeded",
                                                   "linkedResourceType": "Microsoft.Web/serverfarms",
                                                   "link": farm_id, "enabledForArmDeployments": False,
                                                   "allowDelete": False, "locations": []}}]
            vnet = self.get(parent_of(subnet.id))
            cfg = self.config_of(site)
            if cfg and vnet:
                cfg.body["properties"]["vnetName"] = f"{vnet.body['properties']['resourceGuid']}_{subnet.body['name']}"
        self.touch()

    def _swift_body(self, site):
        return {"id": f"{site.id}/networkConfig/virtualNetwork", "name": "virtualNetwork",
                "type": "Microsoft.Web/sites/networkConfig", "location": site.body["location"],
                "properties": {"subnetResourceId": site.meta.get("integration_subnet"), "swiftSupported": True}}

    def h_web_WebApps_GetSwiftVirtualNetworkConnection(self, req, op, params):
        site = self._site_item(op, params, len(op.segments) - 2)
        return Response(200, self._swift_body(site))

    def _swift_write(self, req, op, params):
        site = self._site_item(op, params, len(op.segments) - 2)
        body = self.body_of(req, op)
        subnet_id = (body.get("properties") or {}).get("subnetResourceId")
        if not subnet_id:
            raise web_error(400, "BadRequest", "properties.subnetResourceId is required.", "51021")
        farm = self.get(site.body["properties"]["serverFarmId"])
        subnet = self._integration_check(req, site.id, site.body["location"], farm, subnet_id)
        self._apply_integration(site, subnet)
        return Response(200, self._swift_body(site))

    h_web_WebApps_CreateOrUpdateSwiftVirtualNetworkConnectionWithCheck = _swift_write
    h_web_WebApps_UpdateSwiftVirtualNetworkConnectionWithCheck = _swift_write

    def h_web_WebApps_DeleteSwiftVirtualNetwork(self, req, op, params):
        site = self._site_item(op, params, len(op.segments) - 2)
        if not site.meta.get("integration_subnet"):
            raise web_error(404, "NotFound", f"The app {site.body['name']} has no regional VNet integration.", "51004")
        self._apply_integration(site, None)
        return Response(200)

    def h_web_WebApps_ListVnetConnections(self, req, op, params):
        site = self._site_item(op, params, len(op.segments) - 1)
        subnet = self.get(site.meta.get("integration_subnet") or "")
        if subnet is None:
            return Response(200, [])
        vnet = self.get(parent_of(subnet.id))
        name = f"{vnet.body['properties']['resourceGuid']}_{subnet.body['name']}"
        return Response(200, [{"id": f"{site.id}/virtualNetworkConnections/{name}", "name": name,
                               "type": "Microsoft.Web/sites/virtualNetworkConnections",
                               "location": site.body["location"],
                               "properties": {"vnetResourceId": subnet.id, "certThumbprint": None, "certBlob": None,
                                              "routes": [], "resyncRequired": False, "dnsServers": None,
                                              "isSwift": True}}])

    # -- config/web and app settings ----------------------------------------------------------------
    def render_config(self, res):
        site = self.get(parent_of(res.id))
        name = res.id.split("/")[-1]
        return {"id": res.id, "name": name, "type": T_CONFIG, "kind": site.body.get("kind") if site else None,
                "properties": copy.deepcopy(res.body["properties"])}

    def h_web_WebApps_GetConfiguration(self, req, op, params):
        site = self._site_item(op, params, len(op.segments) - 2)
        return Response(200, self.render(self.config_of(site)))

    def h_web_WebApps_CreateOrUpdateConfiguration(self, req, op, params):
        site = self._site_item(op, params, len(op.segments) - 2)
        body = self.body_of(req, op)
        cfg = self.config_of(site)
        new = copy.deepcopy(DEFAULT_CONFIG)
        new.update({k: v for k, v in (body.get("properties") or {}).items() if k != "vnetName"})
        new["vnetName"] = cfg.body["properties"].get("vnetName", "")
        cfg.body["properties"] = new
        self.touch()
        return Response(200, self.render(cfg))

    def h_web_WebApps_UpdateConfiguration(self, req, op, params):
        site = self._site_item(op, params, len(op.segments) - 2)
        body = self.body_of(req, op)
        cfg = self.config_of(site)
        patch = {k: v for k, v in (body.get("properties") or {}).items() if k != "vnetName"}
        cfg.body["properties"] = merge_patch(cfg.body["properties"], patch)
        self.touch()
        return Response(200, self.render(cfg))

    def h_web_WebApps_ListApplicationSettings(self, req, op, params):
        site = self._site_item(op, params, len(op.segments) - 3)
        return Response(200, self.render(self.settings_of(site)))

    def h_web_WebApps_UpdateApplicationSettings(self, req, op, params):
        site = self._site_item(op, params, len(op.segments) - 2)
        body = self.body_of(req, op)
        settings = self.settings_of(site)
        settings.body["properties"] = dict(body.get("properties") or {})
        self.touch()
        return Response(200, self.render(settings))


PROVIDER = Provider("web-integration", WebIntegrationRP, namespaces=("Microsoft.Web",),
                    renderers={T_CONFIG: "render_config"})
