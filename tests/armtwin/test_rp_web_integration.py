#!/usr/bin/python3
"""rp_web_integration.py over HTTPS: VNet integration through the site's virtualNetworkSubnetId
(an address from .4 and the service association link, refused for an undelegated subnet), the
networkConfig/virtualNetwork view and the connection list, config/web's vnetRouteAllEnabled as
one value with the site's, and app settings (list, replace as a whole, strings only)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds as W  # noqa: E402
from twinlib import run_rp_tests  # noqa: E402

WEB, N = "2023-12-01", "2024-01-01"
SUBNET = f"{W.VNET_ID}/subnets/{W.INTEGRATION_SUBNET}"


def test_integration(c, twin):
    arm = twin.arm
    st, _, b = arm.call("PATCH", W.SITE_ID, {"properties": {"virtualNetworkSubnetId": f"{W.VNET_ID}/subnets/{W.OTHER_SUBNET}"}}, WEB)
    c.eq(st, 400, "an undelegated subnet is refused")
    st, _, b = arm.call("PATCH", W.SITE_ID, {"properties": {"virtualNetworkSubnetId": SUBNET}}, WEB)
    c.eq((st, b["properties"]["virtualNetworkSubnetId"]), (200, SUBNET), "PATCH virtualNetworkSubnetId integrates")
    st, _, b = arm.call("GET", f"{W.SITE_ID}/networkConfig/virtualNetwork", None, WEB)
    c.eq((st, b["properties"]["subnetResourceId"]), (200, SUBNET), "networkConfig/virtualNetwork shows it")
    st, _, b = arm.call("GET", f"{W.SITE_ID}/virtualNetworkConnections", None, WEB)
    c.check(st == 200 and len(b) == 1, "ListVnetConnections: one", str(b)[:300])
    st, _, s = arm.call("GET", SUBNET, None, N)
    c.check([l["name"] for l in s["properties"].get("serviceAssociationLinks", [])] == ["AppServiceLink"],
            "the subnet has the service association link", str(s)[:400])
    env = twin.control("GET", "app-env")[2]["text"]
    c.check("WEBSITE_PRIVATE_IP=10.0.0.4" in env, "the app got 10.0.0.4", env[-400:])


def test_config_and_settings(c, twin):
    arm = twin.arm
    st, _, b = arm.call("PATCH", f"{W.SITE_ID}/config/web", {"properties": {"vnetRouteAllEnabled": True}}, WEB)
    c.eq((st, b["properties"]["vnetRouteAllEnabled"]), (200, True), "config/web PATCH")
    st, _, b = arm.call("GET", W.SITE_ID, None, WEB)
    c.eq(b["properties"]["vnetRouteAllEnabled"], True, "... the site shows the same value")
    st, _, b = arm.call("GET", f"{W.SITE_ID}/config/web", None, WEB)
    c.eq((st, b["properties"]["vnetRouteAllEnabled"]), (200, True), "config/web GET")
    st, _, b = arm.call("POST", f"{W.SITE_ID}/config/appsettings/list", None, WEB)
    c.check(st == 200 and W.APP_SETTINGS.items() <= b["properties"].items(), "app settings list", str(b)[:300])
    st, _, b = arm.call("PUT", f"{W.SITE_ID}/config/appsettings", {"properties": {"ONLY": "1"}}, WEB)
    st, _, b = arm.call("POST", f"{W.SITE_ID}/config/appsettings/list", None, WEB)
    c.eq(b["properties"], {"ONLY": "1"}, "PUT replaces the whole dictionary")
    st, _, b = arm.call("PUT", f"{W.SITE_ID}/config/appsettings", {"properties": {"N": 1}}, WEB)
    c.eq(st, 400, "a value that is not a string -> 400")


if __name__ == "__main__":
    sys.exit(run_rp_tests("test_rp_web_integration", "integration-missing", [test_integration, test_config_and_settings]))
