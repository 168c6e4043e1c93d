#!/usr/bin/python3
"""rp_web.py over HTTPS: plans (get, list, a SKU change as a 202 operation, no drop below
Standard while an app is integrated) and sites (get, list, PATCH, App Service's own error
shape, restart and the frozen process it ends)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds as W  # noqa: E402
from twinlib import run_rp_tests  # noqa: E402

WEB = "2023-12-01"


def test_plans(c, twin):
    arm = twin.arm
    st, _, b = arm.call("GET", W.PLAN_ID, None, WEB)
    c.eq((st, b["sku"]["tier"], b["properties"]["numberOfSites"]), (200, "Standard", 1), "plan GET")
    st, _, b = arm.call("GET", f"{W.RG_ID}/providers/Microsoft.Web/serverfarms", None, WEB)
    c.eq([p["name"] for p in b["value"]], [W.PLAN], "ListByResourceGroup")
    body = {"location": W.LOCATION, "kind": "linux", "sku": {"name": "B1", "tier": "Basic", "capacity": 1},
            "properties": {"reserved": True}}
    st, _, b = arm.call("PUT", W.PLAN_ID, body, WEB)
    c.eq(st, 409, "an integrated app keeps its plan at Standard or above")
    body["sku"] = {"name": "P1v3", "tier": "PremiumV3", "capacity": 1}
    st, h, b, final = arm.send("PUT", W.PLAN_ID, body, WEB)
    c.check(st == 202 and "/operationresults/" in h.get("location", "").lower(), "a SKU change -> 202 + Location", str(h))
    st, _, b = arm.call("GET", W.PLAN_ID, None, WEB)
    c.eq(b["sku"]["tier"], "PremiumV3", "... applied")


def test_sites(c, twin):
    arm = twin.arm
    st, h, b = arm.call("GET", W.SITE_ID, None, WEB)
    c.check(st == 200 and b["properties"]["httpsOnly"] is True and "etag" in h, "site GET", str(b)[:200])
    st, _, b = arm.call("GET", f"{W.RG_ID}/providers/Microsoft.Web/sites", None, WEB)
    c.eq([s["name"] for s in b["value"]], [W.APP], "ListByResourceGroup")
    st, _, b = arm.call("PATCH", W.SITE_ID, {"properties": {"clientAffinityEnabled": False}}, WEB)
    c.eq((st, b["properties"]["clientAffinityEnabled"]), (200, False), "PATCH is synchronous (200)")
    st, _, b = arm.call("GET", f"{W.RG_ID}/providers/Microsoft.Web/sites/nosuchapp", None, WEB)
    c.eq((st, (b.get("error") or {}).get("code")), (404, "ResourceNotFound"), "a missing site: 404 ResourceNotFound")
    st, _, b = arm.call("PATCH", W.SITE_ID, {"properties": {"httpsOnly": "yes"}}, WEB)
    c.check(st == 400 and b.get("Code") == "BadRequest", "an invalid body: 400 in App Service's shape", str(b)[:300])


def test_restart(c, twin):
    """A process that has not restarted keeps the environment it started with; WebApps_Restart
    gives it ARM's configuration as it is now (the fact app_process)."""
    arm = twin.arm
    env = lambda: twin.control("GET", "app-env")[2]["text"]  # noqa: E731
    twin.control("POST", "facts", {"app_process": "frozen"})
    before = env()
    st, _, b = arm.call("POST", f"{W.SITE_ID}/config/appsettings/list", None, WEB)
    settings = dict(b["properties"], VNETDIAG_TWIN_MARK="1")
    st, _, b = arm.call("PUT", f"{W.SITE_ID}/config/appsettings", {"properties": settings}, WEB)
    c.eq(st, 200, "app settings PUT")
    c.eq((env(), "VNETDIAG_TWIN_MARK=1" in env()), (before, False), "frozen: the running app's environment is as before")
    st, _, b = arm.call("POST", f"{W.RG_ID}/providers/Microsoft.Web/sites/nosuchapp/restart", None, WEB)
    c.eq(st, 404, "restart of a missing site: 404")
    st, _, b = arm.call("POST", f"{W.SITE_ID}/restart", None, WEB)
    c.eq(st, 200, "restart: 200")
    c.check("VNETDIAG_TWIN_MARK=1" in env(), "after the restart the app sees the new setting")
    c.eq(twin.control("GET", "facts")[2]["app_process"], "running", "... and the process is running again")


if __name__ == "__main__":
    sys.exit(run_rp_tests("test_rp_web", "tutorial-complete", [test_plans, test_sites, test_restart]))
